"""Gaussian Parzen window log-likelihood, the evaluation of the GAN paper.

A Parzen window is an equal-weight mixture of isotropic Gaussians of width
`sigma` centred on N generated samples:

    log p(x) = logsumexp_i(-||x - mu_i||^2 / (2 sigma^2))
               - log N - (D / 2) log(2 pi sigma^2).

The paper's protocol: N = 10,000 samples, `sigma` chosen from
`logspace(-1, 0, 10)` by the mean log-likelihood of 1,000 validation
examples, then the mean log-likelihood of the test set with the standard
error `std / sqrt(n_test)`. `evaluate` runs it in one call; registered as
the metric `"parzen"` (log keys `parzen_log_likelihood`, `parzen_stderr`,
`parzen_sigma`; option `parzen_sigmas`), it scores an `Evaluation`'s
`reference` with sigma selected on its `validation`.

Cost and precision: `keras_gan.metrics.parzen_kernel` computes the
log-likelihoods (chunked float32 distances, nearest centers scored in
float64 instead); its docstring gives the memory bound and the error.
"""

import dataclasses
import math

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from keras_gan.metrics import parzen_kernel
from keras_gan.metrics import registry
from keras_gan.validation import check_int_at_least

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
    memory depends on these, not on the number of points (see
    `keras_gan.metrics.parzen_kernel` for memory and precision).

    Example:

    ```python
    samples = generator.predict(noise)            # [10000, 28, 28, 1]
    window = keras_gan.metrics.ParzenWindow(samples, sigma=0.2)
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
            point (in each chunk of centers) are scored in float64 instead
            of float32; 0 keeps the float32 distances for all.
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
            self._prepared = parzen_kernel.prepare_centers(self._centers)
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
        log_likelihoods = parzen_kernel.log_likelihood_grid(
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
    sigma, curve = keras_gan.metrics.parzen.select_sigma(samples, valid_images)
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
        parzen_kernel.prepare_centers(tf.constant(centers)),
        validation,
        sigmas,
        (chunk_size, center_chunk_size, num_refined),
    )


def _select(prepared, validation, sigmas, options):
    """The best sigma and the [S] curve of mean validation log-likelihoods."""
    curve = parzen_kernel.log_likelihood_grid(
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
    result = keras_gan.metrics.parzen.evaluate(samples, test_images, validation=valid_images)
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
    prepared = parzen_kernel.prepare_centers(tf.constant(centers))
    options = (chunk_size, center_chunk_size, num_refined)
    if sigma is None:
        validation = _flat_points("validation", validation, centers.shape[1])
        chosen, curve = _select(prepared, validation, grid, options)
    else:
        curve, chosen = (), float(grid[0])
    test_log_likelihoods = parzen_kernel.log_likelihood_grid(
        prepared, tf.constant(test), tf.constant([chosen], tf.float64), *options
    ).numpy()[0]
    return ParzenResult(
        mean=float(test_log_likelihoods.mean()),
        stderr=float(test_log_likelihoods.std() / np.sqrt(test_log_likelihoods.size)),
        sigma=chosen,
        sigmas=tuple(float(s) for s in grid),
        validation_log_likelihoods=tuple(float(v) for v in curve),
    )


def _options(parzen_sigmas=DEFAULT_SIGMAS):
    """The metric's option: the grid of sigmas to select from (the paper's logspace(-1, 0, 10))."""
    return {"parzen_sigmas": tuple(float(s) for s in _sigma_grid("parzen_sigmas", parzen_sigmas))}


@registry.register(
    "parzen",
    log_keys=("parzen_log_likelihood", "parzen_stderr", "parzen_sigma"),
    needs=("reference", "validation"),
    options=_options,
)
def _parzen_logs(evaluation):
    result = evaluate(
        evaluation.samples,
        evaluation.reference,
        validation=evaluation.validation,
        sigmas=evaluation.options["parzen_sigmas"],
    )
    return {
        "parzen_log_likelihood": result.mean,
        "parzen_stderr": result.stderr,
        "parzen_sigma": result.sigma,
    }


def _check_options(chunk_size, center_chunk_size, num_refined):
    check_int_at_least("chunk_size", chunk_size, 1)
    check_int_at_least("center_chunk_size", center_chunk_size, 1)
    check_int_at_least("num_refined", num_refined, 0)


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
