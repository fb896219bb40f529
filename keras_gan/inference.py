"""Learned approximate inference: a net E(x) ~ p(z | x) for a trained, fixed generator.

The paper's second extension (section 7): after G is trained, learn a network
that maps an example back to the noise that made it, trained on an infinite
set of pairs (G(z), z), like the inference net of wake-sleep but with G
fixed. The original code called it the "inferer". `InferenceNet` holds G and
E, draws fresh pairs at every step and descends a loss of E(G(z)) against z
on E's weights alone; `mnist_encoder` is an encoder for the paper's MNIST
generator.
"""

import inspect
import itertools

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan import distribute
from keras_gan import priors
from keras_gan import validation
from keras_gan.generator import Generator
from keras_gan.generator import check_labels

# What `fit` and `evaluate` use when given no `batch_size`: Keras' default.
DEFAULT_BATCH_SIZE = 32
# Images "far" outside a bounded generator's range: more than this many range
# widths beyond it, as `keras_gan.callbacks.DataGuard` judges real batches
# (0..255 pixels are 254 widths past a sigmoid's [0, 1]).
_FAR = 25.0
# The smallest standard deviation `mnist_encoder` standardizes by: one 8-bit pixel step.
MIN_STDDEV = 1.0 / 255.0


def mnist_encoder(
    latent_dim=100,
    image_shape=(28, 28, 1),
    hidden_units=(1200, 1200),
    activation="relu",
    input_mean=None,
    input_variance=None,
    seed=None,
    name="encoder",
):
    """An MLP encoder from images to z, the mirror of the paper's MNIST generator.

    Give it the per-pixel mean and variance of the generator's samples: a
    fixed first layer then standardizes its input. A generator's samples
    can vary around their mean image by far less than the pixel range (an
    untrained MNIST generator's pixels by 0.009 on average), and without the
    standardization a 512-512 encoder learned almost nothing from them (R^2
    0.06 after 1,000 steps of Adam 1e-3, against 0.84 with it). The standard
    deviation is floored at `MIN_STDDEV`, one 8-bit pixel step: a pixel
    that varies less carries nothing a quantized real image could show, and
    the floor keeps such pixels of real images from being amplified without
    bound.

    The output is linear. Trained with the mean squared error, E(x) estimates
    the posterior mean E[z | x], which always lies within the prior's support
    (inside [-sqrt 3, sqrt 3] for the uniform prior): bounding the output
    with a scaled tanh would add nothing there, would saturate the gradient
    for z near the edges, and would be wrong for the unbounded Gaussian prior.

    Example:

    >>> samples = generator.generate(10000, seed=0)
    >>> encoder = keras_gan.inference.mnist_encoder(
    ...     input_mean=samples.mean(0), input_variance=samples.var(0), seed=0)
    >>> encoder(samples[:2]).shape
    (2, 100)

    Args:
        latent_dim: Int, the size of z, the generator's.
        image_shape: Shape of one image, the generator's output shape.
        hidden_units: Sizes of the hidden layers.
        activation: Activation of the hidden layers.
        input_mean: Optional array of the generator's mean sample (any
            shape with one value per pixel). Set it with `input_variance`.
        input_variance: Optional array of the per-pixel variance of the
            generator's samples.
        seed: Optional int seed for the initializers.
        name: Name of the model.

    Returns:
        A functional `keras.Model` from `[batch, *image_shape]` to
        `[batch, latent_dim]`.
    """
    validation.check_positive_int("latent_dim", latent_dim)
    for units in hidden_units:
        validation.check_positive_int("hidden_units", units)
    size = int(np.prod(image_shape))
    # Distinct seeds for each layer: equal seeds would give equal weights.
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)
    images = keras.Input(tuple(image_shape), name="images")
    x = keras.layers.Flatten(name="flatten")(images)
    if input_mean is not None or input_variance is not None:
        mean, variance = _input_statistics(input_mean, input_variance, size)
        x = keras.layers.Normalization(mean=mean, variance=variance, name="standardize")(x)
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(
            units, activation, kernel_initializer=keras.initializers.GlorotUniform(next(seeds)),
            name=f"hidden_{i}",
        )(x)
    z = keras.layers.Dense(
        latent_dim, kernel_initializer=keras.initializers.GlorotUniform(next(seeds)), name="z"
    )(x)
    return keras.Model(images, z, name=name)


def _input_statistics(mean, variance, size):
    """Flat float32 mean and floored variance, or a one-line error."""
    arrays = []
    for name, value in (("input_mean", mean), ("input_variance", variance)):
        array = None if value is None else np.asarray(value, dtype="float64").reshape(-1)
        if array is None or array.size != size or not np.all(np.isfinite(array)):
            received = "None" if array is None else f"{array.size} values"
            raise ValueError(
                f"Invalid value for argument `{name}`. Received: {name} with {received}. Expected "
                f"{size} finite values, one per pixel, with both input_mean and input_variance set."
            )
        arrays.append(array)
    mean, variance = arrays
    if variance.min() < 0:
        raise ValueError(
            f"Invalid value for argument `input_variance`. Received: a minimum of {variance.min()}. "
            "Expected variances >= 0."
        )
    # Rounded to float16 values, a change far below the samples' spread: a
    # float16 LiteRT export then stores them exactly, where rounding the mean
    # (by up to 2.4e-4 near 0.5), times 1 / stddev (up to 255), moved the
    # standardized input by up to 0.06 (measured: z off by 0.13, 9e-4 rounded).
    variance = np.maximum(variance, MIN_STDDEV**2)
    return (array.astype("float16").astype("float32") for array in (mean, variance))


def sample_batches(batch_size):
    """An endless dataset that tells `InferenceNet.fit` and `evaluate` the batch size.

    Its elements are empty float32 tensors `[batch_size, 0]`: the pairs
    (G(z), z) themselves are drawn inside each step. `fit(batch_size=...)`
    builds it; pass one yourself where Keras wants a dataset, such as
    `validation_data`.

    Example:

    >>> net.fit(steps_per_epoch=100, validation_data=sample_batches(500), validation_steps=4)

    Args:
        batch_size: Int >= 2 (R^2 needs the batch's variance).

    Returns:
        A `tf.data.Dataset`.
    """
    batch_size = validation.check_int_at_least("batch_size", batch_size, 2)
    return tf.data.Dataset.from_tensors(tf.zeros((batch_size, 0), tf.float32)).repeat()


@keras.saving.register_keras_serializable(package="keras_gan")
class InferenceNet(keras.Model):
    """An encoder E trained to invert a fixed generator G: E(x) ~ p(z | x).

    Every `train_step` draws a fresh batch of z from the generator's prior
    (and, for a conditional generator, labels uniformly over its classes),
    makes x = G(z) with G in inference mode, and descends the compiled loss
    of E(x) against z (the mean squared error by default) on E's weights
    only. No pair is ever used twice, so E cannot overfit its training set.
    G's weights are never changed: from this model's point of view they are
    not trainable (`trainable_weights` lists E's alone), while `generator`
    itself is left as it was, still trainable by a GAN.

    `fit` takes no data: `fit(batch_size=..., steps_per_epoch=..., epochs=...)`
    (`steps_per_epoch` is required, the stream has no end), with Keras'
    callbacks; `validation_steps` adds a validation on fresh pairs after
    each epoch. `evaluate(batch_size=..., steps=...)` reports the same
    quantities on fresh pairs, with E in inference mode. Both report:

    - `loss`: the compiled loss (plus E's own regularization losses);
    - `r2`: the fraction of z's variance recovered,
      `1 - sum_i (z_ij - E(x)_ij)^2 / sum_i (z_ij - mean_i z_ij)^2` over the
      batch, averaged over the latent dimensions j (with a batch of m the
      unexplained part reads about m / (m - 1) times its population value);
    - the compiled `metrics`, if any, of E(x) against z.

    `r_squared` measures R^2 over many fresh samples at once, `encode` maps
    images to z, `reconstruct` maps images to G(E(x)), and `predict` (and
    calling the model) encodes.

    Example:

    ```python
    generator = gan.sampling_generator
    samples = generator.generate(10000, seed=0)
    encoder = keras_gan.inference.mnist_encoder(
        input_mean=samples.mean(0), input_variance=samples.var(0), seed=0)
    net = keras_gan.inference.InferenceNet(generator, encoder, seed=0)
    net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    net.fit(batch_size=100, steps_per_epoch=500, epochs=4, validation_steps=5)
    r2 = net.r_squared(10000, seed=0)   # float64; 1 is a perfect inverse
    z = net.encode(x_test)               # [n, 100]
    reconstructions = net.reconstruct(x_test)
    ```

    Args:
        generator: The trained generator, a `keras_gan.Generator` (its prior
            gives z; uniform if no GAN has set one; its `num_classes` makes
            it conditional), or a single-input functional `keras.Model`
            (wrapped in a `Generator` with the uniform prior).
        encoder: A `keras.Model` from one batch of the generator's outputs
            to `[batch, latent_dim]`, e.g. `mnist_encoder(...)`.
        seed: Optional int seed of the noise and labels drawn in each step.
        **kwargs: Base `keras.Model` arguments, such as `name`.
    """

    def __init__(self, generator, encoder, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
            raise ValueError(
                f"Invalid value for argument `seed`. Received: seed={seed!r}. Expected an int or None."
            )
        self.generator = _as_generator(generator)
        self.encoder = _check_encoder(encoder, self.example_shape, self.generator.latent_dim)
        self.seed = None if seed is None else int(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Kept out of Keras' tracking, as `keras_gan.GAN` keeps its trackers:
        # they hold no state worth saving, and `metrics` lists them.
        object.__setattr__(
            self, "_trackers", {name: keras.metrics.Mean(name=name) for name in ("loss", "r2")}
        )
        # Both models arrive built; nothing else has weights.
        self.built = True

    @property
    def latent_dim(self):
        """Int, the size of z."""
        return self.generator.latent_dim

    @property
    def latent_prior(self):
        """The prior z is drawn from: the generator's, uniform if it has none."""
        return self.generator.latent_prior or priors.uniform

    @property
    def num_classes(self):
        """`None`, or the number of classes of a conditional generator."""
        return self.generator.num_classes

    @property
    def example_shape(self):
        """The shape of one example, the generator's output shape."""
        return tuple(int(size) for size in self.generator.outputs[0].shape[1:])

    # G is fixed. Keras' `fit` ends by finalizing `trainable_weights` (an
    # optimizer with `use_ema` overwrites them with its averages) and
    # `summary` counts them, so they list E's alone.

    @property
    def trainable_weights(self):
        return self.encoder.trainable_weights if self.trainable else []

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_weights(self):
        trainable = {id(weight) for weight in self.trainable_weights}
        return [weight for weight in self.weights if id(weight) not in trainable]

    @property
    def non_trainable_variables(self):
        trainable = {id(weight) for weight in self.trainable_weights}
        return [variable for variable in self.variables if id(variable) not in trainable]

    @property
    def metrics(self):
        metrics = list(self._trackers.values())
        if self._compile_metrics is not None:
            metrics.append(self._compile_metrics)
        return metrics

    def call(self, inputs, training=False):
        """Encodes images: `E(inputs)`."""
        return self.encoder(inputs, training=training)

    def compile(self, optimizer="adam", loss="mean_squared_error", metrics=None, **kwargs):
        """Configures the encoder's training.

        Example:

        ```python
        net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", metrics=["mae"])
        ```

        Args:
            optimizer: The encoder's optimizer (instance or name). Default:
                `"adam"` (where `keras.Model.compile` defaults to RMSprop).
            loss: A Keras loss of `(z, E(x))`: the mean squared error by
                default, whose minimizer is the posterior mean E[z | x].
            metrics: Optional Keras metrics of `(z, E(x))`, reported besides
                `loss` and `r2`.
            **kwargs: Other `keras.Model.compile` arguments, such as
                `steps_per_execution` and `jit_compile`.
        """
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)
        # Built here, under the caller's strategy scope, on E's weights.
        self.optimizer.build(self.trainable_variables)

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of `y_pred = E(x)` against `y = z`, plus E's own losses.

        Keras' default would add every sublayer's losses, G's regularization
        terms included: constants here, they would only offset the loss.
        """
        del x, training
        loss = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.encoder.losses:
            loss = loss + self._aggregate_additional_loss(extra)
        return loss

    def fit(self, *args, **kwargs):
        """`keras.Model.fit` on fresh pairs (G(z), z), drawn at every step.

        Example:

        ```python
        net.fit(batch_size=100, steps_per_epoch=500, epochs=4,
                callbacks=[keras.callbacks.CSVLogger("encoder.csv")], validation_steps=5)
        ```

        Takes Keras' arguments, with these differences: `x` is `None` (or a
        `sample_batches` dataset); `y`, `sample_weight`, `class_weight` and
        `validation_split` are not taken; `batch_size` (default 32, at least
        2) is the number of pairs per step; `steps_per_epoch` is required;
        `validation_steps` alone validates on that many fresh batches of
        `validation_batch_size` (default `batch_size`) after each epoch.

        Returns:
            A `keras.callbacks.History`.
        """
        bound = inspect.signature(super().fit).bind(*args, **kwargs)
        arguments = bound.arguments
        for name in ("y", "sample_weight", "class_weight"):
            _check_unset(arguments, name, None)
        _check_unset(arguments, "validation_split", 0.0)
        arguments["x"] = _batches_argument("x", arguments.get("x"), arguments.pop("batch_size", None))
        _check_steps("steps_per_epoch", arguments.get("steps_per_epoch"))
        # Nothing to shuffle (Keras would warn that it cannot shuffle a dataset).
        arguments["shuffle"] = False
        validation_steps = arguments.get("validation_steps")
        validation_data = arguments.get("validation_data")
        if validation_data is not None or validation_steps is not None:
            _check_steps("validation_steps", validation_steps)
            size = arguments.pop("validation_batch_size", None)
            if validation_data is None:
                size = arguments.get("x").element_spec.shape[0] if size is None else size
            arguments["validation_data"] = _batches_argument("validation_data", validation_data, size)
        return super().fit(**arguments)

    def evaluate(self, *args, **kwargs):
        """`keras.Model.evaluate` on fresh pairs (G(z), z), E in inference mode.

        Example:

        >>> logs = net.evaluate(batch_size=500, steps=4, return_dict=True)
        >>> sorted(logs)
        ['loss', 'r2']

        Takes Keras' arguments, with `x` `None` (or a `sample_batches`
        dataset), no `y` or `sample_weight`, `batch_size` pairs per step
        (default 32, at least 2) and `steps` required.

        Returns:
            The loss and the metrics, as Keras returns them.
        """
        bound = inspect.signature(super().evaluate).bind(*args, **kwargs)
        arguments = bound.arguments
        for name in ("y", "sample_weight"):
            _check_unset(arguments, name, None)
        arguments["x"] = _batches_argument("x", arguments.get("x"), arguments.pop("batch_size", None))
        _check_steps("steps", arguments.get("steps"))
        extra = arguments.pop("kwargs", {})
        return super().evaluate(**arguments, **extra)

    def train_step(self, data):
        batch_size = _batch_size_of(data)
        # 1. Fresh z from G's prior (and labels); 2. x = G(z), G fixed: in
        # inference mode, and no gradient flows back into it.
        z, generator_inputs = self._draw(batch_size)
        x = ops.stop_gradient(self.generator(generator_inputs, training=False))
        # 3. Descend the loss of E(x) against z, on E's weights alone.
        with tf.GradientTape() as tape:
            z_hat = ops.cast(self.encoder(x, training=True), "float32")
            loss = self._compute_loss(x=x, y=z, y_pred=z_hat, training=True)
            scaled = self.optimizer.scale_loss(loss)
        weights = self.encoder.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, weights), weights))
        # 4. Report the loss and the share of z's variance recovered.
        return self._record(loss, z, z_hat)

    def test_step(self, data):
        z, generator_inputs = self._draw(_batch_size_of(data))
        x = self.generator(generator_inputs, training=False)
        z_hat = ops.cast(self.encoder(x, training=False), "float32")
        loss = self._compute_loss(x=x, y=z, y_pred=z_hat, training=False)
        return self._record(loss, z, z_hat)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Under a strategy Keras would build by calling the model on a batch
        # of the dataset, which holds nothing but the batch size: build what
        # `compile` made from z's shape instead.
        z = keras.KerasTensor((None, self.latent_dim), "float32")
        with self.distribute_strategy.scope():
            for compiled in (self._compile_loss, self._compile_metrics):
                if compiled is not None and not compiled.built:
                    compiled.build(z, z)

    def _draw(self, batch_size):
        """Fresh noise `[batch_size, latent_dim]` and the generator's inputs for it."""
        z = distribute.replica_sample(
            lambda shape: self.latent_prior(shape, seed=self.seed_generator),
            (batch_size, self.latent_dim),
        )
        z = ops.cast(z, "float32")
        if self.num_classes is None:
            return z, z
        labels = distribute.replica_sample(
            lambda shape: keras.random.randint(shape, 0, self.num_classes, dtype="int32", seed=self.seed_generator),
            (batch_size,),
        )
        return z, [z, labels]

    def _record(self, loss, z, z_hat):
        # The compiled loss is divided by the number of replicas for the
        # gradients' sum; the logs report the mean itself.
        self._trackers["loss"].update_state(loss * distribute.num_replicas())
        self._trackers["r2"].update_state(_r_squared(z, z_hat))
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(z, z_hat)
        return distribute.logs_for_reduction(self.get_metrics_result())

    def encode(self, x, batch_size=1000):
        """Maps images to their inferred noise, E(x).

        Example:

        >>> z = net.encode(x_test[:10])   # [10, latent_dim]

        Args:
            x: Float images `[n, *example_shape]` in the generator's output
                range (e.g. [0, 1] for a sigmoid generator).
            batch_size: Int, how many images to encode at once.

        Returns:
            A float32 NumPy array `[n, latent_dim]`.
        """
        images = self._check_images(x)
        validation.check_positive_int("batch_size", batch_size)
        return np.asarray(self.encoder.predict(images, batch_size=batch_size, verbose=0), np.float32)

    def reconstruct(self, x, labels=None, batch_size=1000):
        """Maps images through the encoder and back through the generator: G(E(x)).

        Example:

        >>> reconstructions = net.reconstruct(x_test[:10])
        >>> reconstructions = conditional_net.reconstruct(x_test[:10], labels=y_test[:10])

        Args:
            x: Float images `[n, *example_shape]`.
            labels: For a conditional generator, the `n` integer labels to
                generate with (the images' classes); `None` otherwise.
            batch_size: Int, how many images to process at once.

        Returns:
            A NumPy array `[n, *example_shape]`.
        """
        z = self.encode(x, batch_size=batch_size)
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(
                    "Invalid value for argument `labels`. Received: labels for an unconditional "
                    "generator. Expected labels=None."
                )
            return self.generator.predict(z, batch_size=batch_size, verbose=0)
        if labels is None:
            raise ValueError(
                f"Invalid value for argument `labels`. Received: labels=None for a conditional "
                f"generator. Expected {len(z)} integer class labels in [0, {self.num_classes})."
            )
        labels = check_labels(labels, self.num_classes, len(z))
        return self.generator.predict([z, labels], batch_size=batch_size, verbose=0)

    def r_squared(self, num_samples=10000, seed=0, batch_size=1000):
        """The fraction of z's variance the encoder recovers, on fresh samples.

        Draws `num_samples` z from the prior (uniform labels for a
        conditional generator), and returns, in float64 over all of them,
        `1 - sum_i (z_ij - E(G(z))_ij)^2 / sum_i (z_ij - mean_i z_ij)^2`
        averaged over the latent dimensions j. 1 is a perfect inverse, 0 an
        encoder that outputs the mean.

        Example:

        >>> r2 = net.r_squared(10000, seed=0)   # the same seed, the same value

        Args:
            num_samples: Int >= 2.
            seed: Optional int. The same seed gives the same samples.
            batch_size: Int, how many samples to process at once.

        Returns:
            A NumPy float64 scalar.
        """
        num_samples = validation.check_int_at_least("num_samples", num_samples, 2)
        validation.check_positive_int("batch_size", batch_size)
        z = ops.convert_to_numpy(self.latent_prior((num_samples, self.latent_dim), seed=seed))
        inputs = z
        if self.num_classes is not None:
            # Another stream than the noise's, as `Generator.generate` draws labels.
            label_seed = None if seed is None else seed + 1
            labels = keras.random.randint((num_samples,), 0, self.num_classes, dtype="int32", seed=label_seed)
            inputs = [z, ops.convert_to_numpy(labels)]
        x = self.generator.predict(inputs, batch_size=batch_size, verbose=0)
        z_hat = self.encoder.predict(x, batch_size=batch_size, verbose=0)
        z, z_hat = np.asarray(z, np.float64), np.asarray(z_hat, np.float64)
        residual = np.sum((z - z_hat) ** 2, axis=0)
        total = np.sum((z - z.mean(axis=0)) ** 2, axis=0)
        return np.float64(np.mean(1.0 - residual / total))

    def _check_images(self, x):
        """`x` as a float32 array `[n, *example_shape]`, or a one-line ValueError."""
        try:
            array = np.asarray(x)
        except (TypeError, ValueError):
            array = np.asarray(None)
        shape = self.example_shape
        low_high, _ = validation.output_range(self.generator)
        expected = (
            f"Expected float examples of shape [n, {', '.join(map(str, shape))}], the generator's "
            "output shape, with n >= 1"
            + (f", in its range [{low_high[0]:g}, {low_high[1]:g}]." if low_high else ".")
        )
        if array.dtype == object:
            received = f"x of type {type(x).__name__}"
        else:
            received = f"x of shape {array.shape} and dtype {array.dtype}"
        if (
            array.dtype == object
            or tuple(array.shape[1:]) != shape
            or array.ndim != len(shape) + 1
            or array.shape[0] < 1
            or not np.issubdtype(array.dtype, np.floating)
        ):
            raise ValueError(f"Invalid value for argument `x`. Received: {received}. {expected}")
        if not np.all(np.isfinite(array)):
            raise ValueError(
                f"Invalid value for argument `x`. Received: {received} holding NaN or Inf. {expected}"
            )
        if low_high is not None:
            low, high = low_high
            width = high - low
            if array.min() < low - _FAR * width or array.max() > high + _FAR * width:
                raise ValueError(
                    f"Invalid value for argument `x`. Received: {received} with values in "
                    f"[{array.min():g}, {array.max():g}]. {expected}"
                )
        return array.astype(np.float32)

    def get_config(self):
        config = {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "seed": self.seed,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "encoder"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def _r_squared(z, z_hat):
    """R^2 of `z_hat` for `z` over the batch, averaged over the latent dimensions."""
    residual = ops.sum(ops.square(z - z_hat), axis=0)
    total = ops.sum(ops.square(z - ops.mean(z, axis=0)), axis=0)
    return ops.mean(1.0 - residual / total)


def _is_sample_batches(value):
    """Whether `value` is a dataset of `[batch, 0]` tensors, as `sample_batches` makes."""
    spec = getattr(value, "element_spec", None)
    return (
        isinstance(value, tf.data.Dataset)
        and isinstance(spec, tf.TensorSpec)
        and spec.shape.rank == 2
        and spec.shape[1] == 0
    )


def _describe(value):
    if isinstance(value, tf.data.Dataset):
        return f"a tf.data.Dataset of {value.element_spec}"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"{type(value).__name__} of shape {tuple(shape)}"
    return f"{type(value).__name__}"


def _batches_argument(name, value, batch_size):
    """The `sample_batches` dataset `fit`/`evaluate` run on, from their `x` (or validation data)."""
    if value is None:
        return sample_batches(DEFAULT_BATCH_SIZE if batch_size is None else batch_size)
    if not _is_sample_batches(value):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={_describe(value)}. Expected "
            "None: the inference net draws fresh pairs (G(z), z) at every step; pass `batch_size` "
            "and the number of steps instead."
        )
    if batch_size is not None:
        raise ValueError(
            f"Invalid value for argument `batch_size`. Received: batch_size={batch_size!r} with "
            f"{name}=a sample_batches dataset, which sets it. Expected one of them."
        )
    return value


def _check_unset(arguments, name, default):
    value = arguments.get(name, default)
    if (value is not None) if default is None else (value != default):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={_describe(value)}. Expected "
            f"{default!r}: the inference net trains on pairs (G(z), z) it draws itself."
        )


def _check_steps(name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. Expected a positive "
            "integer: the stream of pairs (G(z), z) has no end to stop at."
        )


def _batch_size_of(data):
    """The batch size a step is given, or a one-line error at tracing."""
    if isinstance(data, (tuple, list, dict)) or len(getattr(data, "shape", ())) != 2 or data.shape[1] != 0:
        raise ValueError(
            f"Invalid value for argument `x`. Received: batches of {_describe(data)}. Expected "
            "empty [batch, 0] tensors (`keras_gan.inference.sample_batches`): the inference net "
            "draws its pairs (G(z), z) itself."
        )
    return ops.shape(data)[0]


def _as_generator(generator):
    """The generator as a `keras_gan.Generator`, or a one-line error."""
    if isinstance(generator, Generator):
        return generator
    inputs = getattr(generator, "inputs", None) if isinstance(generator, keras.Model) else None
    if not inputs or len(inputs) != 1 or len(generator.outputs) != 1:
        raise ValueError(
            f"Invalid value for argument `generator`. Received: {_describe(generator)} with "
            f"{len(inputs) if inputs else 'no'} inputs. Expected a `keras_gan.Generator`, or a "
            "functional keras.Model from z alone (a conditional one must be a Generator, which "
            "records its number of classes)."
        )
    return Generator.wrap(generator)


def _check_encoder(encoder, example_shape, latent_dim):
    """The encoder, built and checked against the generator's shapes."""
    if not isinstance(encoder, keras.Model):
        raise ValueError(
            f"Invalid value for argument `encoder`. Received: {_describe(encoder)}. Expected a "
            f"keras.Model from [batch, {', '.join(map(str, example_shape))}] to [batch, {latent_dim}]."
        )
    try:
        inputs = encoder.inputs
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        input_shapes = [tuple(tensor.shape[1:]) for tensor in inputs]
        output_shape = tuple(encoder.outputs[0].shape[1:]) if len(encoder.outputs) == 1 else None
    else:
        # A subclassed encoder: one example builds it and shows its output.
        input_shapes = [example_shape]
        output_shape = tuple(encoder(np.zeros((1, *example_shape), "float32"), training=False).shape[1:])
    if input_shapes != [example_shape] or output_shape != (latent_dim,):
        raise ValueError(
            f"Invalid value for argument `encoder`. Received: an encoder from {input_shapes} to "
            f"{output_shape}. Expected one input of the generator's output shape {example_shape} "
            f"and one output of shape ({latent_dim},), the size of z."
        )
    return encoder
