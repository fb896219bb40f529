"""Gaussian Parzen window log-likelihood, the evaluation of the GAN paper.

A Parzen window is an equal-weight mixture of isotropic Gaussians of width
`sigma` centred on N generated samples:

    log p(x) = logsumexp_i(-||x - mu_i||^2 / (2 sigma^2))
               - log N - (D / 2) log(2 pi sigma^2).

The paper's protocol: N = 10,000 samples, `sigma` chosen from
`logspace(-1, 0, 10)` by the mean log-likelihood of 1,000 validation
examples, then the mean log-likelihood of the test set with the standard
error `std / sqrt(n_test)`. `evaluate` runs it in one call.

Cost: squared distances are one matrix product `||x||^2 - 2 x.mu + ||mu||^2`
in chunks of points (and of centers, joined by a running logsumexp), so peak
memory grows with the chunk sizes, not with the number of points: a few
[chunk_size, center_chunk_size] float32 matrices plus a [chunk_size,
num_refined, D] float64 gather, ~200 MB at the defaults on MNIST. Distances
do not depend on sigma: a grid of sigmas costs one product plus one exp-sum
per sigma.

Precision: the float32 product runs on data centred on the centers' mean,
which removes the cancellation of a common offset but leaves an error of
~1e-7 * sqrt(D) * (||x||^2 + ||mu||^2) per distance (~1e-3 nats on MNIST at
sigma = 0.1). The `num_refined` nearest centers of each point, which carry
the mass of the logsumexp, are then re-scored exactly in float64: ~1e-6 nats
from a float64 reference on MNIST (benchmarks/parzen_benchmark.py). What is
left is at most the weight of the other centers times the float32 error;
raise `num_refined` if many near-duplicate centers (a collapsed generator)
crowd around the test points.
"""

import dataclasses
import math
import typing

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

DEFAULT_SIGMAS = tuple(float(s) for s in np.logspace(-1.0, 0.0, 10))


class ParzenWindow(tfp.distributions.Distribution):
    """Equal-weight mixture of isotropic Gaussians centred on samples.

    The distribution of the GAN paper's Parzen window evaluation: one
    Gaussian of standard deviation `sigma` in every direction on each of N
    centers (usually samples from a generator). The event is a flat vector
    of D = prod(centers.shape[1:]) features: image centers of shape
    [N, 28, 28, 1] are flattened to [N, 784], so `log_prob` takes points of
    shape [..., 784] and `sample` returns [..., 784] (reshape images with
    `reshape([-1, 784])`; `evaluate` does it for you). The batch shape is
    scalar.

    `log_prob` never materialises an [n, N, D] tensor: it works on chunks of
    `chunk_size` points against `center_chunk_size` centers, so its peak
    memory depends on these, not on the number of points (see the module
    docstring for memory and precision).

    Example:

    ```python
    samples = generator.predict(noise)            # [10000, 28, 28, 1]
    window = keras_gan.parzen.ParzenWindow(samples, sigma=0.2)
    window.event_shape                            # TensorShape([784])
    log_p = window.log_prob(test_images.reshape([-1, 784]))   # [n_test]
    draws = window.sample(16, seed=0)             # [16, 784]
    ```

    Args:
        centers: Float array or tensor of shape [N, ...] with N >= 1: the
            mixture's centers, flattened to [N, D].
        sigma: Positive float, the width of every Gaussian.
        chunk_size: Positive int, how many points `log_prob` scores at once.
        center_chunk_size: Positive int, how many centers are compared with
            a chunk of points at once (a running logsumexp joins them);
            rounded up to a multiple of 64.
        num_refined: Non-negative int, how many nearest centers of each
            point are re-scored exactly in float64 after the float32
            product; 0 keeps the float32 distances.
        validate_args: Bool, whether to check at run time that `sigma` is
            positive when it is not known statically (inside a
            `tf.function`); eager inputs are always checked.
        allow_nan_stats: Bool, TFP's usual flag (no statistic here is NaN).
        name: String, the name scope of the ops.
    """

    def __init__(
        self,
        centers,
        sigma,
        chunk_size=1000,
        center_chunk_size=10000,
        num_refined=8,
        validate_args=False,
        allow_nan_stats=True,
        name="ParzenWindow",
    ):
        parameters = dict(locals())
        _check_options(chunk_size, center_chunk_size, num_refined)
        with tf.name_scope(name) as name:
            # float64 centers give a float64 distribution, anything else float32.
            is_float64 = getattr(centers, "dtype", None) in (np.float64, tf.float64)
            dtype = tf.float64 if is_float64 else tf.float32
            centers = tf.convert_to_tensor(centers, dtype_hint=dtype)
            if not centers.shape[1:].is_fully_defined() or centers.shape.rank < 2:
                raise ValueError(
                    "`centers` must have shape [N, ...] with known feature dimensions. "
                    f"Received: centers.shape={centers.shape}."
                )
            dimension = math.prod(centers.shape[1:])
            if centers.shape[0] == 0 or dimension == 0:
                raise ValueError(
                    f"`centers` is empty. Received: centers.shape={tuple(centers.shape)}. "
                    "Expected at least one center with at least one feature."
                )
            self._centers = tf.reshape(tf.cast(centers, dtype), [-1, dimension])  # [N, D]
            _check_points("centers", self._centers)
            self._sigma = tf.convert_to_tensor(sigma, dtype=dtype, name="sigma")
            if self._sigma.shape.rank != 0:
                raise ValueError(
                    f"`sigma` must be a scalar. Received: sigma.shape={self._sigma.shape}."
                )
            static_sigma = tf.get_static_value(self._sigma)
            if static_sigma is not None:
                _sigma_grid("sigma", np.reshape(static_sigma, [-1]))
            self._chunk_size = chunk_size
            self._center_chunk_size = center_chunk_size
            self._num_refined = num_refined
            self._prepared = _prepare_centers(self._centers)
            super().__init__(
                dtype=dtype,
                # The weights are fixed and equal, so a sample is
                # mu[index] + sigma * noise with the index independent of
                # the parameters: differentiable in centers and sigma.
                reparameterization_type=tfp.distributions.FULLY_REPARAMETERIZED,
                validate_args=validate_args,
                allow_nan_stats=allow_nan_stats,
                parameters=parameters,
                name=name,
            )

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return dict(
            centers=tfp.util.ParameterProperties(event_ndims=2),
            sigma=tfp.util.ParameterProperties(
                default_constraining_bijector_fn=tfp.bijectors.Softplus
            ),
        )

    @property
    def centers(self):
        """The mixture's centers, flattened to shape [N, D]."""
        return self._centers

    @property
    def sigma(self):
        """The standard deviation of every Gaussian."""
        return self._sigma

    def _event_shape(self):
        return self._centers.shape[-1:]

    def _event_shape_tensor(self):
        return tf.shape(self._centers)[-1:]

    def _batch_shape(self):
        return tf.TensorShape([])

    def _batch_shape_tensor(self):
        return tf.constant([], dtype=tf.int32)

    def _default_event_space_bijector(self):
        return tfp.bijectors.Identity(validate_args=self.validate_args)

    def _sample_n(self, n, seed=None):
        index_seed, noise_seed = tfp.random.split_seed(seed, n=2, salt="ParzenWindow")
        num_centers = tf.shape(self._centers)[0]
        indices = tf.random.stateless_uniform(
            [n], seed=index_seed, minval=0, maxval=num_centers, dtype=tf.int32
        )
        noise = tf.random.stateless_normal(
            tf.stack([n, tf.shape(self._centers)[1]]), seed=noise_seed, dtype=self.dtype
        )
        return tf.gather(self._centers, indices) + self._sigma * noise  # [n, D]

    def _log_prob(self, x):
        x = tf.convert_to_tensor(x)
        dimension = self._centers.shape[-1]
        if x.shape.rank == 0 or (x.shape.rank is not None and x.shape[-1] not in (None, dimension)):
            raise ValueError(
                f"`x` must have shape [..., {dimension}] like the flattened centers. "
                f"Received: x.shape={tuple(x.shape)}. "
                f"Flatten images with reshape([-1, {dimension}])."
            )
        points = tf.reshape(x, [-1, dimension])  # [n, D]
        _check_points("x", points)
        sigmas = tf.reshape(tf.cast(self._sigma, tf.float64), [1])
        log_likelihoods = _log_likelihood_grid(
            self._prepared,
            points,
            sigmas,
            self._chunk_size,
            self._center_chunk_size,
            self._num_refined,
        )  # [1, n]
        return tf.reshape(tf.cast(log_likelihoods[0], self.dtype), tf.shape(x)[:-1])

    def _parameter_control_dependencies(self, is_init):
        # `sigma` is converted once, so checking it at construction suffices.
        if not (self.validate_args and is_init):
            return []
        return [tf.debugging.assert_positive(self._sigma, message="`sigma` must be positive.")]


@dataclasses.dataclass(frozen=True)
class ParzenResult:
    """The outcome of `evaluate`.

    Attributes:
        mean: Float, the mean test log-likelihood in nats.
        stderr: Float, its standard error `std / sqrt(n_test)` (std with
            ddof=0, as the original code).
        sigma: Float, the sigma used on the test set.
        sigmas: Tuple of floats, the sigmas tried on the validation set
            (just `(sigma,)` when sigma was given).
        validation_log_likelihoods: Tuple of floats, the mean validation
            log-likelihood of each of `sigmas` (empty when sigma was given).
    """

    mean: float
    stderr: float
    sigma: float
    sigmas: tuple
    validation_log_likelihoods: tuple


def select_sigma(
    centers,
    validation,
    sigmas=DEFAULT_SIGMAS,
    chunk_size=1000,
    center_chunk_size=10000,
    num_refined=8,
):
    """Chooses the Parzen window width by validation log-likelihood.

    All sigmas share one distance computation (distances do not depend on
    sigma); each sigma only adds one logsumexp. Ties go to the first sigma.

    Example:

    ```python
    sigma, curve = keras_gan.parzen.select_sigma(samples, valid_images)
    ```

    Args:
        centers: Float array of shape [N, ...], the generated samples.
        validation: Float array of shape [n, ...] with the same features.
        sigmas: 1-D sequence of positive floats, the grid to search.
        chunk_size, center_chunk_size, num_refined: As in `ParzenWindow`.

    Returns:
        A tuple `(best_sigma, validation_log_likelihoods)`: a float and a
        float64 NumPy array with the mean log-likelihood of every sigma.
    """
    _check_options(chunk_size, center_chunk_size, num_refined)
    sigmas = _sigma_grid("sigmas", sigmas)
    centers = _flat_points("centers", centers)
    validation = _flat_points("validation", validation, centers.shape[1])
    return _select(
        _prepare_centers(tf.constant(centers)),
        validation,
        sigmas,
        (chunk_size, center_chunk_size, num_refined),
    )


def _select(prepared, validation, sigmas, options):
    """The best sigma and the [S] curve of mean validation log-likelihoods."""
    curve = _log_likelihood_grid(
        prepared, tf.constant(validation), tf.constant(sigmas), *options
    ).numpy().mean(axis=1)  # [S]
    return float(sigmas[int(np.argmax(curve))]), curve


def evaluate(
    centers,
    test,
    validation=None,
    sigmas=DEFAULT_SIGMAS,
    sigma=None,
    chunk_size=1000,
    center_chunk_size=10000,
    num_refined=8,
):
    """Runs the paper's Parzen window protocol in one call.

    Selects sigma from `sigmas` on `validation` (see `select_sigma`), then
    returns the mean log-likelihood of `test` under the Parzen window of the
    chosen width, with its standard error. Give either `validation` or a
    fixed `sigma`, not both. Images are flattened to vectors.

    Example:

    ```python
    samples = gan.generate(10000, seed=0)                  # [10000, 28, 28, 1]
    result = keras_gan.parzen.evaluate(samples, test_images, validation=valid_images)
    print(f"{result.mean:.0f} +- {result.stderr:.1f} (sigma={result.sigma:.3f})")
    ```

    Args:
        centers: Float array of shape [N, ...], the generated samples.
        test: Float array of shape [n_test, ...] with the same features.
        validation: Float array of shape [n_valid, ...], or `None` when
            `sigma` is given.
        sigmas: 1-D sequence of positive floats, the grid to search.
        sigma: Positive float to skip the selection, or `None`.
        chunk_size, center_chunk_size, num_refined: As in `ParzenWindow`.

    Returns:
        A `ParzenResult`.
    """
    if (validation is None) == (sigma is None):
        raise ValueError(
            "`evaluate` needs exactly one of `validation` (to select sigma from `sigmas`) or a "
            f"fixed `sigma`. Received: validation={'None' if validation is None else 'an array'}, "
            f"sigma={sigma}."
        )
    _check_options(chunk_size, center_chunk_size, num_refined)
    grid = _sigma_grid("sigmas", sigmas) if sigma is None else _sigma_grid("sigma", [sigma])
    centers = _flat_points("centers", centers)
    test = _flat_points("test", test, centers.shape[1])
    prepared = _prepare_centers(tf.constant(centers))
    options = (chunk_size, center_chunk_size, num_refined)
    if sigma is None:
        validation = _flat_points("validation", validation, centers.shape[1])
        chosen, curve = _select(prepared, validation, grid, options)
    else:
        curve, chosen = (), float(grid[0])
    test_log_likelihoods = _log_likelihood_grid(
        prepared, tf.constant(test), tf.constant([chosen], tf.float64), *options
    ).numpy()[0]
    return ParzenResult(
        mean=float(test_log_likelihoods.mean()),
        stderr=float(test_log_likelihoods.std() / np.sqrt(test_log_likelihoods.size)),
        sigma=chosen,
        sigmas=tuple(float(s) for s in grid),
        validation_log_likelihoods=tuple(float(v) for v in curve),
    )


# Centers are padded to a multiple of this many (with centers at infinity) so
# that the nearest-center search can work on whole blocks.
_BLOCK = 64


class _PreparedCenters(typing.NamedTuple):
    """The centers centred on their mean and padded to whole blocks: N' rows."""

    mean: tf.Tensor  # [D] float64
    count: tf.Tensor  # int32 N, the number of real centers
    centers64: tf.Tensor  # [N', D] float64, centred
    squared_norms: tf.Tensor  # [N'] float64, +inf for padding
    augmented32: tf.Tensor  # [N', D + 2] float32: [2 mu, -1, -||mu||^2]


def _prepare_centers(centers):
    """Centres the centers on their mean once; distances are unchanged."""
    centers64 = tf.cast(centers, tf.float64)
    count = tf.shape(centers64)[0]
    mean = tf.reduce_mean(centers64, axis=0)
    centred = tf.pad(centers64 - mean, [[0, tf.math.floormod(-count, _BLOCK)], [0, 0]])
    norms = tf.reduce_sum(centred**2, axis=1)
    norms = tf.where(tf.range(tf.shape(centred)[0]) < count, norms, np.inf)
    augmented = tf.concat([2.0 * centred, -tf.ones_like(norms)[:, None], -norms[:, None]], axis=1)
    return _PreparedCenters(mean, count, centred, norms, tf.cast(augmented, tf.float32))


def _log_likelihood_grid(prepared, points, sigmas, chunk_size, center_chunk_size, num_refined):
    """Parzen log-likelihoods of `points` [n, D] for every sigma: [S, n] float64."""
    sigmas = tf.cast(sigmas, tf.float64)
    points = tf.convert_to_tensor(points)
    if points.dtype != tf.float32:
        points = tf.cast(points, tf.float64)
    log_sums = _grid_kernel(num_refined, points.dtype)(
        prepared,
        points,
        1.0 / (2.0 * sigmas**2),
        # Tensors, not Python ints, so that new chunk sizes do not retrace.
        tf.constant(chunk_size, tf.int32),
        tf.constant(-(-center_chunk_size // _BLOCK) * _BLOCK, tf.int32),
    )  # [S, n]
    dimension = tf.cast(tf.shape(prepared.centers64)[1], tf.float64)
    log_normalizer = tf.math.log(tf.cast(prepared.count, tf.float64)) + 0.5 * dimension * (
        tf.math.log(2.0 * np.pi * sigmas**2)
    )  # [S]
    return log_sums - log_normalizer[:, None]


_GRID_KERNELS = {}


def _grid_kernel(num_refined, points_dtype):
    """`_log_sum_exp_grid` as a tf.function traced once per configuration."""
    key = (num_refined, points_dtype)
    if key not in _GRID_KERNELS:
        spec = tf.TensorSpec
        _GRID_KERNELS[key] = tf.function(
            lambda *args: _log_sum_exp_grid(*args, num_refined),
            input_signature=[
                _PreparedCenters(
                    spec([None], tf.float64),
                    spec([], tf.int32),
                    spec([None, None], tf.float64),
                    spec([None], tf.float64),
                    spec([None, None], tf.float32),
                ),
                spec([None, None], points_dtype),
                spec([None], tf.float64),
                spec([], tf.int32),
                spec([], tf.int32),
            ],
            autograph=False,
        )
    return _GRID_KERNELS[key]


def _log_sum_exp_grid(prepared, points, scales, chunk_size, center_chunk_size, num_refined):
    """logsumexp_i(-||x - mu_i||^2 * s) for every scale s and point: [S, n] float64.

    Loops over chunks of points (centred per chunk) and, inside, over chunks
    of centers with a running logsumexp. `parallel_iterations=1` keeps one
    chunk alive at a time, which is what bounds the memory.
    """

    def point_chunk(start, results):
        chunk = tf.cast(points[start : start + chunk_size], tf.float64) - prepared.mean  # [c, D]
        norms = tf.reduce_sum(chunk**2, axis=1)  # [c]
        # [x, ||x||^2, 1] . [2 mu, -1, -||mu||^2] = -||x - mu||^2 in one product.
        augmented = tf.concat([chunk, norms[:, None], tf.ones_like(norms)[:, None]], axis=1)
        augmented = tf.cast(augmented, tf.float32)  # [c, D + 2]

        def center_chunk(center_start, running):
            block = slice(center_start, center_start + center_chunk_size)
            centers = (
                prepared.centers64[block],
                prepared.squared_norms[block],
                prepared.augmented32[block],
            )
            partial = _chunk_log_sum_exp(
                (chunk, norms, augmented),
                centers,
                tf.minimum(prepared.count - center_start, center_chunk_size),
                scales,
                num_refined,
            )  # [S, c], always finite
            larger = tf.maximum(running, partial)
            running = larger + tf.math.log(tf.exp(running - larger) + tf.exp(partial - larger))
            return center_start + center_chunk_size, running

        empty = tf.fill([tf.shape(scales)[0], tf.shape(chunk)[0]], tf.constant(-np.inf, tf.float64))
        _, log_sums = tf.while_loop(
            lambda center_start, _: center_start < tf.shape(prepared.centers64)[0],
            center_chunk,
            (0, empty),
            parallel_iterations=1,
        )
        return start + chunk_size, results.write(start // chunk_size, tf.transpose(log_sums))

    _, results = tf.while_loop(
        lambda start, _: start < tf.shape(points)[0],
        point_chunk,
        (0, tf.TensorArray(tf.float64, size=0, dynamic_size=True, infer_shape=False)),
        parallel_iterations=1,
    )
    return tf.transpose(results.concat())  # [S, n]


def _chunk_log_sum_exp(points, centers, num_real_centers, scales, num_refined):
    """logsumexp over one chunk of centers for every scale: [S, c] float64.

    Terms are written relative to the nearest center, exp((g - g_max) s) with
    g = -||x - mu||^2, so they are all <= 1 and the largest is ~1: no overflow,
    and no underflow of the whole sum for far-away points.
    """
    points64, point_norms, points32 = points  # [c, D], [c], [c, D + 2]
    centers64, center_norms, centers32 = centers  # [m, D], [m], [m, D + 2]
    # Absolute error ~1e-7 * sqrt(D) * (||x||^2 + ||mu||^2) after centring.
    negated = tf.matmul(points32, centers32, transpose_b=True)  # [c, m]
    largest32 = tf.reduce_max(negated, axis=1)  # [c]
    scales32 = tf.cast(scales, tf.float32)
    total = tf.cast(_sum_exp(negated, largest32, scales32), tf.float64)  # [S, c]
    largest = tf.cast(largest32, tf.float64)
    if num_refined:
        # The nearest centers dominate the logsumexp: swap their float32 terms
        # for float64 ones, whose error is ~1e-16 * (||x||^2 + ||mu||^2).
        nearest, indices = _top_k_by_blocks(negated, tf.minimum(num_refined, num_real_centers))
        exact = 2.0 * tf.linalg.matvec(tf.gather(centers64, indices), points64)
        exact = exact - point_norms[:, None] - tf.gather(center_norms, indices)  # [c, k]
        exact_terms = tf.exp((exact - largest[:, None])[None] * scales[:, None, None])  # [S, c, k]
        # The same float32 operations as in `_sum_exp`, so the swap is exact.
        approx_terms = tf.exp((nearest - largest32[:, None])[None] * scales32[:, None, None])
        total += tf.reduce_sum(exact_terms - tf.cast(approx_terms, tf.float64), axis=2)
    return tf.math.log(total) + largest[None, :] * scales[:, None]


def _sum_exp(negated, largest, scales):
    """sum_i exp((g_i - g_max) s) for every s: [S, c]; all terms are <= 1.

    One [c, m] pass per sigma, never an [S, c, m] tensor. jit_compile would
    fuse the passes (up to ~2x faster warm for 10 sigmas) but compiles once
    per new shape, which costs more than it saves in one `evaluate` call on 2
    cores (measured in benchmarks/parzen_benchmark.py).
    """
    gaps = negated - largest[:, None]  # [c, m]
    return tf.map_fn(
        lambda scale: tf.reduce_sum(tf.exp(gaps * scale), axis=1), scales, parallel_iterations=1
    )


def _top_k_by_blocks(values, k):
    """`tf.math.top_k(values, k)` for rows of whole `_BLOCK`s, ~3x faster on CPU.

    The k largest entries of a row lie in the k blocks with the largest
    maxima, so a top-k over block maxima, then over those blocks, suffices.
    """
    rows = tf.shape(values)[0]
    blocks = tf.reshape(values, [rows, -1, _BLOCK])  # [c, m / B, B]
    block_maxima = tf.reduce_max(blocks, axis=2)  # [c, m / B]
    _, block_ids = tf.math.top_k(block_maxima, k=tf.minimum(k, tf.shape(block_maxima)[1]))
    candidates = tf.reshape(tf.gather(blocks, block_ids, batch_dims=1), [rows, -1])  # [c, k B]
    top_values, positions = tf.math.top_k(candidates, k=k)  # [c, k]
    block_of_position = tf.gather(block_ids, positions // _BLOCK, batch_dims=1)
    return top_values, block_of_position * _BLOCK + positions % _BLOCK


def _check_options(chunk_size, center_chunk_size, num_refined):
    for arg, value, minimum in (
        ("chunk_size", chunk_size, 1),
        ("center_chunk_size", center_chunk_size, 1),
        ("num_refined", num_refined, 0),
    ):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
            raise ValueError(
                f"Invalid value for argument `{arg}`. Received: {arg}={value!r}. "
                f"Expected an integer >= {minimum}."
            )


def _check_finite(arg, num_bad):
    if num_bad:
        raise ValueError(
            f"`{arg}` contains NaN or infinite values. Received: {arg} with {num_bad} "
            "non-finite entries. Expected finite values."
        )


def _check_points(arg, points):
    """Static checks of a [n, D] tensor; value checks when eager."""
    if points.shape[0] == 0 or points.shape[1] == 0:
        raise ValueError(
            f"`{arg}` is empty. Received: {arg}.shape={tuple(points.shape)}. "
            "Expected at least one example with at least one feature."
        )
    if tf.executing_eagerly():
        _check_finite(arg, int(tf.reduce_sum(tf.cast(~tf.math.is_finite(points), tf.int32))))


def _flat_points(arg, value, dimension=None):
    """A checked float NumPy array [n, D] from an array of shape [n, ...]."""
    value = np.asarray(value)
    if value.ndim < 2 or value.size == 0:
        raise ValueError(
            f"`{arg}` must be a non-empty array of shape [n, ...]. "
            f"Received: {arg}.shape={value.shape}."
        )
    flat = value.reshape([value.shape[0], -1])
    if not np.issubdtype(flat.dtype, np.floating):
        flat = flat.astype(np.float32)
    if dimension is not None and flat.shape[1] != dimension:
        raise ValueError(
            f"`{arg}` must have as many features as the centers ({dimension}). "
            f"Received: {arg}.shape={value.shape}."
        )
    _check_finite(arg, int(np.sum(~np.isfinite(flat))))
    return flat


def _sigma_grid(arg, sigmas):
    """A checked 1-D float64 NumPy array of positive sigmas."""
    grid = np.asarray(sigmas, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or not np.all(grid > 0):
        raise ValueError(
            f"Invalid value for argument `{arg}`. Received: {arg}={grid.tolist()}. "
            "Expected positive finite values (a 1-D sequence for `sigmas`)."
        )
    return grid
