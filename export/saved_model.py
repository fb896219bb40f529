"""`GeneratorModule`: a generator as a SavedModel with named signatures.

The SavedModel serves two signatures, both with a dynamic batch dimension.
Every integer input is int32 (`INT_DTYPE`), the dtype of the Keras label
input and of a plain `tf.constant(7)`:

- `generate`: `z` float32 `[batch, latent_dim]` (and, for a conditional
  generator, `labels` int32 `[batch]` in `[0, num_classes)`) -> `images`
  float32 `[batch, *example_shape]`, the generator applied to given noise;
- `sample`: `num_samples` int32 scalar and `seed` int32 scalar (and, for a
  conditional generator, `labels` int32 `[num_samples]`, one class per
  example: draw them yourself for random classes) -> `images`, noise drawn
  inside the graph from the model's own prior with stateless random ops
  (seed `[seed, 0]`), so the same seed gives the same images on every
  machine and every call. `stateless_latent` computes the same noise in
  Python.

Both signatures reject labels outside `[0, num_classes)` (the one-hot
encoding would otherwise silently map them to a zero vector), and `sample`
rejects labels whose count is not `num_samples`.

The `sample` noise follows the prior's distribution but is not the noise
`keras_gan.GAN.sample_latent` draws for the same seed (Keras uses its own
random streams). A custom callable prior cannot be rebuilt from stateless
ops, so such a model gets `generate` only (with a warning).

The module tracks only the generator's `tf.Variable`s, not the Keras model:
tracking both would save every weight twice, and the TFLite converter only
freezes variables it finds this way (measured: a `tf.Module` holding the
Keras model gives a TFLite file without weights; `keras.export.ExportArchive`
doubles the variables and adds a `serving_default` copy of `generate`).
"""

import math
import warnings

import tensorflow as tf

GENERATE = "generate"
SAMPLE = "sample"
INT_DTYPE = tf.int32
_SQRT_3 = math.sqrt(3.0)


def stateless_latent(prior, num_samples, latent_dim, seed):
    """Draws the noise the `sample` signature uses for `seed`.

    Example:

    >>> z = export.stateless_latent("uniform", 16, 100, seed=7)
    >>> # loaded.signatures["generate"](z=z) equals
    >>> # loaded.signatures["sample"](num_samples=16, seed=7)

    Args:
        prior: `"uniform"` (on [-sqrt 3, sqrt 3]), `"gaussian"` or
            `"spherical"` (Gaussian normalised to unit norm).
        num_samples: Int or int32 scalar tensor, the batch size.
        latent_dim: Int, the size of z.
        seed: Int or int32 scalar tensor.

    Returns:
        A float32 tensor `[num_samples, latent_dim]`.
    """
    shape = tf.stack([tf.cast(num_samples, tf.int32), tf.constant(latent_dim, tf.int32)])
    seed_pair = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    if prior == "uniform":
        return tf.random.stateless_uniform(shape, seed_pair, minval=-_SQRT_3, maxval=_SQRT_3)
    if prior == "gaussian":
        return tf.random.stateless_normal(shape, seed_pair)
    if prior == "spherical":
        noise = tf.random.stateless_normal(shape, seed_pair)
        norm = tf.norm(noise, axis=-1, keepdims=True)
        return noise / tf.maximum(norm, 1e-12)
    raise ValueError(
        f"Invalid value for argument `prior`. Received: prior={prior!r}. "
        "Expected 'uniform', 'gaussian' or 'spherical' (custom priors have no `sample`)."
    )


class GeneratorModule(tf.Module):
    """A `tf.Module` serving a Keras generator through named signatures.

    Example:

    ```python
    module = export.GeneratorModule(generator, prior="uniform", num_classes=10)
    tf.saved_model.save(module, "out/saved_model", signatures=module.signatures)
    loaded = tf.saved_model.load("out/saved_model")
    loaded.signatures["sample"](
        num_samples=tf.constant(3), seed=tf.constant(0), labels=tf.constant([0, 1, 2]))
    ```

    Args:
        generator: `keras.Model` from `[batch, latent_dim]` (and int32
            labels `[batch]` when `num_classes` is set) to examples.
        prior: Prior name for the `sample` signature, or `None` to serve
            `generate` only.
        num_classes: `None` for an unconditional generator, else its number
            of classes: both signatures then take `labels`.
        name: Name of the module.
    """

    def __init__(self, generator, prior, num_classes=None, name="generator_module"):
        super().__init__(name=name)
        self._latent_dim = int(generator.inputs[0].shape[-1])
        self._prior = prior
        self._num_classes = num_classes
        # Only the tf.Variables: see the module docstring for why.
        self.generator_variables = [variable.value for variable in generator.weights]
        self._call_generator = lambda inputs: generator(inputs, training=False)
        z_spec = tf.TensorSpec([None, self._latent_dim], tf.float32, name="z")
        if num_classes is None:
            self.generate = tf.function(self._generate, input_signature=[z_spec])
        else:
            labels_spec = tf.TensorSpec([None], INT_DTYPE, name="labels")
            self.generate = tf.function(self._generate_labelled, input_signature=[z_spec, labels_spec])
        self.sample = None
        if prior is not None:
            sample_specs = [
                tf.TensorSpec([], INT_DTYPE, name="num_samples"),
                tf.TensorSpec([], INT_DTYPE, name="seed"),
            ]
            if num_classes is None:
                self.sample = tf.function(self._sample, input_signature=sample_specs)
            else:
                sample_specs.append(tf.TensorSpec([None], INT_DTYPE, name="labels"))
                self.sample = tf.function(self._sample_labelled, input_signature=sample_specs)

    @property
    def signatures(self):
        """The serving signatures, by name, for `tf.saved_model.save`."""
        signatures = {GENERATE: self.generate.get_concrete_function()}
        if self.sample is not None:
            signatures[SAMPLE] = self.sample.get_concrete_function()
        return signatures

    def _generate(self, z):
        return {"images": tf.cast(self._call_generator(z), tf.float32)}

    def _generate_labelled(self, z, labels):
        # Graph-only checks: the TFLite converter drops them (LiteRT has no Assert op).
        checks = [
            tf.debugging.assert_non_negative(labels, message="`labels` must be in [0, num_classes)."),
            tf.debugging.assert_less(
                labels, tf.constant(self._num_classes, INT_DTYPE),
                message=f"`labels` must be in [0, num_classes) = [0, {self._num_classes}).",
            ),
        ]
        with tf.control_dependencies(checks):
            labels = tf.identity(labels)
        return {"images": tf.cast(self._call_generator([z, labels]), tf.float32)}

    def _latent(self, num_samples, seed):
        check = tf.debugging.assert_positive(
            num_samples, message="`num_samples` must be a positive integer."
        )
        with tf.control_dependencies([check]):
            return stateless_latent(self._prior, num_samples, self._latent_dim, seed)

    def _sample(self, num_samples, seed):
        return self._generate(self._latent(num_samples, seed))

    def _sample_labelled(self, num_samples, seed, labels):
        check = tf.debugging.assert_equal(
            tf.size(labels, out_type=INT_DTYPE), num_samples,
            message="`labels` must hold `num_samples` class labels, one per example.",
        )
        with tf.control_dependencies([check]):
            z = self._latent(num_samples, seed)
        return self._generate_labelled(z, labels)


def save_saved_model(source, directory):
    """Writes `source`'s generator as a SavedModel with named signatures.

    Args:
        source: An `export.GeneratorSource`.
        directory: Path of the SavedModel directory to create.

    Returns:
        The list of signature names written.
    """
    if source.prior is None:
        warnings.warn(
            "The prior is a custom callable, which cannot be rebuilt inside the graph: the "
            "SavedModel gets the `generate` signature only, not `sample`. Draw z yourself "
            "and call `generate`.",
            stacklevel=2,
        )
    module = GeneratorModule(source.generator, source.prior, source.num_classes)
    signatures = module.signatures
    tf.saved_model.save(module, str(directory), signatures=signatures)
    return sorted(signatures)
