"""`GeneratorModule`: a generator as a SavedModel with named signatures.

The SavedModel serves two signatures, both with a dynamic batch dimension:

- `generate`: `z` float32 `[batch, latent_dim]` -> `images` float32
  `[batch, *example_shape]`, the generator applied to given noise;
- `sample`: `num_samples` int32 scalar and `seed` int64 scalar -> `images`,
  noise drawn inside the graph from the model's own prior with stateless
  random ops (seed `[seed, 0]`), so the same seed gives the same images on
  every machine and every call. `stateless_latent` computes the same noise
  in Python.

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
        seed: Int or int64 scalar tensor.

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
    module = export.GeneratorModule(generator, prior="uniform")
    tf.saved_model.save(module, "out/saved_model", signatures=module.signatures)
    loaded = tf.saved_model.load("out/saved_model")
    loaded.signatures["sample"](num_samples=tf.constant(16), seed=tf.constant(0, tf.int64))
    ```

    Args:
        generator: `keras.Model` from `[batch, latent_dim]` to examples.
        prior: Prior name for the `sample` signature, or `None` to serve
            `generate` only.
        name: Name of the module.
    """

    def __init__(self, generator, prior, name="generator_module"):
        super().__init__(name=name)
        self._latent_dim = int(generator.inputs[0].shape[-1])
        self._prior = prior
        # Only the tf.Variables: see the module docstring for why.
        self.generator_variables = [variable.value for variable in generator.weights]
        self._call_generator = lambda z: generator(z, training=False)
        self.generate = tf.function(
            self._generate,
            input_signature=[tf.TensorSpec([None, self._latent_dim], tf.float32, name="z")],
        )
        self.sample = None
        if prior is not None:
            self.sample = tf.function(
                self._sample,
                input_signature=[
                    tf.TensorSpec([], tf.int32, name="num_samples"),
                    tf.TensorSpec([], tf.int64, name="seed"),
                ],
            )

    @property
    def signatures(self):
        """The serving signatures, by name, for `tf.saved_model.save`."""
        signatures = {GENERATE: self.generate.get_concrete_function()}
        if self.sample is not None:
            signatures[SAMPLE] = self.sample.get_concrete_function()
        return signatures

    def _generate(self, z):
        return {"images": tf.cast(self._call_generator(z), tf.float32)}

    def _sample(self, num_samples, seed):
        check = tf.debugging.assert_positive(
            num_samples, message="`num_samples` must be a positive integer."
        )
        with tf.control_dependencies([check]):
            z = stateless_latent(self._prior, num_samples, self._latent_dim, seed)
        return self._generate(z)


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
    module = GeneratorModule(source.generator, source.prior)
    signatures = module.signatures
    tf.saved_model.save(module, str(directory), signatures=signatures)
    return sorted(signatures)
