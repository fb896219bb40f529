"""Toy distributions with known modes, and the mode-coverage metric.

`gaussian_1d` is the data of the paper's Figure 1. `ring` (8 Gaussians on a
circle) and `grid` (a 5x5 grid of Gaussians) are the standard mode-collapse
benchmarks of later GAN work; `coverage` counts the modes a generator's
samples reach and the fraction of samples that land near some mode.
"""

import dataclasses
import math

import numpy as np
import tensorflow as tf


class GaussianMixture:
    """An equal-weight mixture of isotropic Gaussians sharing one std.

    Every toy distribution here is one of these: each sample picks a mode
    uniformly at random and adds `N(0, std^2)` noise to every coordinate.
    Sampling uses NumPy and is deterministic for a given seed.

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

    def sample(self, n, seed=None):
        """Draws `n` samples.

        Args:
            n: int, the number of samples.
            seed: int, `np.random.Generator` or None (a fresh random state).

        Returns:
            A float32 array of shape `(n, dim)`.
        """
        n = _check_count("n", n)
        rng = np.random.default_rng(seed)
        components = rng.integers(self.num_modes, size=n)
        noise = rng.standard_normal((n, self.dim))
        return (self._modes[components] + self._std * noise).astype(np.float32)

    def dataset(self, n, seed=None):
        """Returns a finite `tf.data.Dataset` of `n` fixed samples `(dim,)`.

        The samples are drawn once with `seed`, like a training set; feed the
        result to `keras_gan.data.training_pipeline` for shuffled batches.

        Args:
            n: int, the number of examples.
            seed: int or None, as for `sample`.
        """
        return tf.data.Dataset.from_tensor_slices(self.sample(n, seed=seed))

    def log_prob(self, x):
        """The mixture's log density at `x`, e.g. for plotting p_data.

        Args:
            x: array of shape `(n, dim)`, or `(n,)` when `dim` is 1.

        Returns:
            A float64 array of shape `(n,)`.
        """
        x = _as_points(x, self.dim)
        squared = _squared_distances(x, self._modes)  # [n, num_modes]
        log_norm = 0.5 * self.dim * np.log(2.0 * np.pi * self._std**2)
        log_components = -squared / (2.0 * self._std**2) - log_norm
        peak = log_components.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(log_components - peak).sum(axis=1))
        return peak[:, 0] + log_sum - np.log(self.num_modes)

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


@dataclasses.dataclass(frozen=True)
class CoverageResult:
    """What `coverage` measured.

    Attributes:
        modes_covered: int, modes with at least `min_samples` high-quality samples.
        num_modes: int, the distribution's number of modes.
        high_quality_fraction: float, fraction of samples within `num_std`
            standard deviations of their nearest mode.
        samples_per_mode: int array `(num_modes,)`, high-quality samples per mode.
    """

    modes_covered: int
    num_modes: int
    high_quality_fraction: float
    samples_per_mode: np.ndarray


def coverage(samples, distribution, num_std=3.0, min_samples=1):
    """Counts the modes that generated samples reach, and their quality.

    The standard protocol of the mode-collapse benchmarks (8-ring, 5x5 grid):
    draw 10,000 samples, assign each to its nearest mode, call it high quality
    when its Euclidean distance to that mode is at most `num_std` standard
    deviations, and count a mode as covered when it receives at least
    `min_samples` high-quality samples. Non-finite samples are never high
    quality.

    Note that in 2-D even exact samples fall within 3 std (Euclidean) with
    probability `1 - exp(-9/2)`, about 98.9%, not the 1-D 99.7%.

    Example:

    >>> ring = keras_gan.toy.ring()
    >>> result = keras_gan.toy.coverage(ring.sample(10_000, seed=0), ring)
    >>> result.modes_covered, result.num_modes
    (8, 8)

    Args:
        samples: array of shape `(n, dim)` (or `(n,)` for 1-D data).
        distribution: a `GaussianMixture`, e.g. from `ring()` or `grid()`.
        num_std: float, the quality radius in standard deviations.
        min_samples: int, high-quality samples a mode needs to count as covered.

    Returns:
        A `CoverageResult`.
    """
    if not isinstance(distribution, GaussianMixture):
        raise ValueError(
            "Expected a keras_gan.toy.GaussianMixture. Received: "
            f"distribution={type(distribution).__name__}."
        )
    if not isinstance(num_std, (int, float)) or num_std <= 0:
        raise ValueError(f"Expected a positive num_std. Received: num_std={num_std!r}.")
    min_samples = _check_count("min_samples", min_samples)
    points = _as_points(samples, distribution.dim)
    if points.shape[0] == 0:
        raise ValueError("Expected at least one sample. Received: samples.shape=(0, ...).")
    modes = distribution.modes
    radius_sq = (num_std * distribution.std) ** 2
    counts = np.zeros(distribution.num_modes, dtype=np.int64)
    # Chunks bound the (chunk, num_modes) distance matrix for large n.
    for begin in range(0, points.shape[0], 65536):
        squared = _squared_distances(points[begin : begin + 65536], modes)
        nearest = np.argmin(np.nan_to_num(squared, nan=np.inf), axis=1)
        close = squared[np.arange(len(nearest)), nearest] <= radius_sq  # NaN -> False
        counts += np.bincount(nearest[close], minlength=distribution.num_modes)
    return CoverageResult(
        modes_covered=int(np.sum(counts >= min_samples)),
        num_modes=distribution.num_modes,
        high_quality_fraction=float(counts.sum() / points.shape[0]),
        samples_per_mode=counts,
    )


def ks_distance(samples, distribution):
    """The Kolmogorov-Smirnov distance of 1-D samples to a 1-D mixture.

    The largest gap between the samples' empirical CDF and the mixture's CDF:
    0 for a perfect match, 1 for disjoint supports. Unlike `|D(x) - 1/2|`,
    it cannot be small while the generator is too narrow or off-centre.

    Example:

    >>> data = keras_gan.toy.gaussian_1d()
    >>> keras_gan.toy.ks_distance(data.sample(10_000, seed=0), data) < 0.02
    True

    Args:
        samples: array of shape `(n,)` or `(n, 1)`, finite.
        distribution: a one-dimensional `GaussianMixture`.

    Returns:
        A float in [0, 1].
    """
    if not isinstance(distribution, GaussianMixture) or distribution.dim != 1:
        raise ValueError(
            f"Expected a one-dimensional keras_gan.toy.GaussianMixture. Received: {distribution!r}."
        )
    points = np.sort(_as_points(samples, 1)[:, 0])
    if points.size == 0 or not np.all(np.isfinite(points)):
        raise ValueError("Expected at least one sample, all finite.")
    scaled = (points[:, None] - distribution.modes[None, :, 0]) / (distribution.std * math.sqrt(2))
    cdf = np.mean(0.5 * (1.0 + np.vectorize(math.erf)(scaled)), axis=1)
    n = points.size
    above = np.arange(1, n + 1) / n - cdf
    below = cdf - np.arange(n) / n
    return float(max(above.max(), below.max()))


def _as_points(x, dim):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1 and dim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(
            f"Expected points of shape (n, {dim}). Received: shape={x.shape}."
        )
    return x


def _squared_distances(points, modes):
    return np.sum((points[:, np.newaxis, :] - modes[np.newaxis, :, :]) ** 2, axis=-1)


def _check_count(arg_name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"Expected a positive integer for `{arg_name}`. Received: {arg_name}={value!r}."
        )
    return int(value)
