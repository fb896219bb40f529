"""Toy distributions with known modes.

`gaussian_1d` is the data of the paper's Figure 1. `ring` (8 Gaussians on a
circle) and `grid` (a 5x5 grid of Gaussians) are the standard mode-collapse
benchmarks of later GAN work. Their metrics are in `keras_gan.metrics`:
`mode_coverage` counts the modes a generator's samples reach and the
fraction of samples that land near some mode, `ks_distance` compares 1-D
samples with the data's CDF.
"""

import functools

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

# Entries of the [points, modes, dim] tensor `log_prob` holds at once (32 MB of float64).
_LOG_PROB_ENTRIES = 2**22


class GaussianMixture:
    """An equal-weight mixture of isotropic Gaussians sharing one std.

    Every toy distribution here is one of these: each sample picks a mode
    uniformly at random and adds `N(0, std^2)` noise to every coordinate.
    Sampling uses NumPy and is deterministic for a given seed; the density
    is TensorFlow Probability's (`distribution`).

    Example:

    >>> dist = keras_gan.toy.GaussianMixture([[0.0, 0.0], [1.0, 1.0]], std=0.1)
    >>> dist.sample(3, seed=0).shape
    (3, 2)

    Args:
        modes: array-like of shape `(num_modes, dim)`, the component means.
        std: float, the standard deviation of every coordinate of every mode.
        name: str, a name for reprints and logs.
    """

    def __init__(self, modes, std, name="gaussian_mixture"):
        modes = np.asarray(modes, dtype=np.float64)
        if modes.ndim != 2 or modes.shape[0] == 0 or not np.all(np.isfinite(modes)):
            raise ValueError(
                "Expected finite modes of shape (num_modes, dim). Received: "
                f"modes with shape {modes.shape}."
            )
        if not isinstance(std, (int, float, np.floating)) or not 0 < std < np.inf:
            raise ValueError(f"Expected a positive finite std. Received: std={std!r}.")
        self._modes = modes
        self._std = float(std)
        self.name = name

    @property
    def modes(self):
        """The mode centres, a float64 array `(num_modes, dim)` (a copy)."""
        return self._modes.copy()

    @property
    def std(self):
        """The standard deviation of each coordinate around its mode."""
        return self._std

    @property
    def mean(self):
        """The per-coordinate mean of the whole mixture, shape `(dim,)`."""
        return self._modes.mean(axis=0)

    @property
    def variance(self):
        """The per-coordinate variance of the whole mixture, shape `(dim,)`."""
        return self._modes.var(axis=0) + self._std**2

    @property
    def num_modes(self):
        """The number of mixture components."""
        return self._modes.shape[0]

    @property
    def dim(self):
        """The dimension of a sample."""
        return self._modes.shape[1]

    def sample(self, n, seed=None, with_labels=False):
        """Draws `n` samples.

        Args:
            n: int, the number of samples.
            seed: int, `np.random.Generator` or None (a fresh random state).
            with_labels: bool; also return each sample's mode, its class for
                a conditional GAN (the same samples as without).

        Returns:
            A float32 array of shape `(n, dim)`, and with `with_labels` an
            int32 array `(n,)` of mode indices.
        """
        n = _check_count("n", n)
        rng = np.random.default_rng(seed)
        components = rng.integers(self.num_modes, size=n)
        noise = rng.standard_normal((n, self.dim))
        samples = (self._modes[components] + self._std * noise).astype(np.float32)
        return (samples, components.astype(np.int32)) if with_labels else samples

    def dataset(self, n, seed=None, with_labels=False):
        """Returns a finite `tf.data.Dataset` of `n` fixed samples `(dim,)`.

        The samples are drawn once with `seed`, like a training set; feed the
        result to `keras_gan.data.training_pipeline` for shuffled batches.

        Args:
            n: int, the number of examples.
            seed: int or None, as for `sample`.
            with_labels: bool; `(sample, mode)` pairs, as for `sample`.
        """
        return tf.data.Dataset.from_tensor_slices(self.sample(n, seed=seed, with_labels=with_labels))

    def nearest_mode(self, x):
        """The index of the mode nearest to each point: int64 `(n,)`."""
        x = as_points(x, self.dim)
        return np.argmin(((x[:, None, :] - self._modes[None]) ** 2).sum(-1), axis=1)

    @functools.cached_property
    def distribution(self):
        """The mixture as a float64 `tfp.distributions.MixtureSameFamily`."""
        tfd = tfp.distributions
        return tfd.MixtureSameFamily(
            mixture_distribution=tfd.Categorical(logits=tf.zeros([self.num_modes], tf.float64)),
            components_distribution=tfd.Independent(
                tfd.Normal(loc=self._modes, scale=tf.constant(self._std, tf.float64)),
                reinterpreted_batch_ndims=1,
            ),
        )

    def log_prob(self, x):
        """The mixture's log density at `x`, e.g. for plotting p_data.

        Computed by `distribution` on chunks of points, so that a mixture of
        many modes (a kernel density estimate) stays within a few tens of MB.

        Args:
            x: array of shape `(n, dim)`, or `(n,)` when `dim` is 1.

        Returns:
            A float64 array of shape `(n,)`.
        """
        x = as_points(x, self.dim)
        chunk = max(1, _LOG_PROB_ENTRIES // (self.num_modes * self.dim))
        parts = [
            self.distribution.log_prob(x[start : start + chunk]).numpy()
            for start in range(0, len(x), chunk)
        ]
        return np.concatenate(parts) if parts else np.zeros([0])

    def __repr__(self):
        return (
            f"GaussianMixture(name={self.name!r}, num_modes={self.num_modes}, "
            f"dim={self.dim}, std={self._std})"
        )


def gaussian_1d(mean=4.0, std=0.5):
    """The one-dimensional Gaussian data of the paper's Figure 1.

    The paper draws the figure without numbers; `N(4, 0.5^2)` keeps the data
    clear of a generator that starts near 0, so the approach is visible.

    Example:

    >>> data = keras_gan.toy.gaussian_1d()
    >>> data.sample(5, seed=0).shape
    (5, 1)

    Args:
        mean: float, the mean.
        std: float, the standard deviation.

    Returns:
        A one-mode `GaussianMixture` of dimension 1.
    """
    return GaussianMixture([[mean]], std, name="gaussian_1d")


def ring(num_modes=8, radius=2.0, std=0.02):
    """Gaussians evenly spaced on a circle: the standard 8-mode benchmark.

    Mode i sits at angle `2 pi i / num_modes`, starting on the positive x axis.

    Example:

    >>> keras_gan.toy.ring().modes.round(3)[:2]
    array([[2.   , 0.   ],
           [1.414, 1.414]])

    Args:
        num_modes: int, the number of Gaussians.
        radius: float, the circle's radius.
        std: float, the std of each Gaussian.

    Returns:
        A 2-D `GaussianMixture`.
    """
    num_modes = _check_count("num_modes", num_modes)
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    modes = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(modes, std, name="ring")


def grid(size=5, spacing=2.0, std=0.05):
    """A square grid of Gaussians: the standard 25-mode benchmark.

    The centres are centred on the origin; the defaults give the 5x5 grid at
    -4, -2, 0, 2, 4 on each axis.

    Example:

    >>> keras_gan.toy.grid().num_modes
    25

    Args:
        size: int, modes per side.
        spacing: float, distance between neighbouring modes.
        std: float, the std of each Gaussian.

    Returns:
        A 2-D `GaussianMixture` with `size ** 2` modes, row-major.
    """
    size = _check_count("size", size)
    axis = spacing * (np.arange(size) - (size - 1) / 2.0)
    xs, ys = np.meshgrid(axis, axis, indexing="ij")
    return GaussianMixture(np.stack([xs.ravel(), ys.ravel()], axis=1), std, name="grid")


_DISTRIBUTIONS = {"gaussian_1d": gaussian_1d, "ring": ring, "grid": grid}


def get(name, **kwargs):
    """Returns a toy distribution by name, e.g. for a launcher flag.

    Args:
        name: str, one of `"gaussian_1d"`, `"ring"`, `"grid"`.
        **kwargs: arguments of that function, e.g. `std=0.05`.
    """
    if name not in _DISTRIBUTIONS:
        raise ValueError(
            f"Unknown toy distribution. Received: name={name!r}. Expected one of: "
            f"{', '.join(repr(n) for n in _DISTRIBUTIONS)}."
        )
    return _DISTRIBUTIONS[name](**kwargs)


def as_points(x, dim):
    """`x` as float64 points `(n, dim)`, or a ValueError; `(n,)` is accepted when `dim` is 1.

    Args:
        x: array-like of points.
        dim: int, the dimension of the distribution they are compared with.

    Returns:
        A float64 array `(n, dim)`.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1 and dim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(
            f"Expected points of shape (n, {dim}). Received: shape={x.shape}."
        )
    return x


def _check_count(arg_name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"Expected a positive integer for `{arg_name}`. Received: {arg_name}={value!r}."
        )
    return int(value)
