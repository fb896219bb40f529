"""`Generator`: a functional generator that carries how it is sampled."""

import keras
import numpy as np
from keras import ops

from keras_gan import priors
from keras_gan import validation


@keras.saving.register_keras_serializable(package="keras_gan")
class Generator(keras.Model):
    """A functional `keras.Model` from noise (and labels) to examples, with its prior.

    A generator is only usable alone if it knows what to feed it: its
    noise prior, the size of z and, for a conditional model p(x | c), the
    number of classes. `Generator` saves them with its weights, so a bare
    `generator.keras` file samples and exports without guessing.

    Inputs: `z` of shape `[batch, latent_dim]`, and when `num_classes` is
    set, integer `labels` of shape `[batch]` in `[0, num_classes)`. The
    architectures of `keras_gan.models` return a `Generator`; `keras_gan.GAN`
    wraps any other functional generator in one (sharing its layers).

    Example:

    ```python
    generator = keras_gan.models.mnist_generator(num_classes=10)
    gan = keras_gan.GAN(generator, discriminator, latent_prior="gaussian")
    generator.latent_prior is keras_gan.priors.gaussian   # True: the GAN's
    images = generator.generate(10, labels=range(10), seed=0)
    ```

    Args:
        inputs: The noise input, or `[noise input, label input]`.
        outputs: The generated examples.
        latent_prior: The prior of z (`keras_gan.priors`: a name or a
            callable), or `None` until a `GAN` sets the one it trains with.
        num_classes: `None` for an unconditional generator, else the number
            of classes of its label input.
        **kwargs: `keras.Model` arguments, such as `name`.
    """

    def __init__(self, inputs, outputs, latent_prior=None, num_classes=None, **kwargs):
        super().__init__(inputs, outputs, **kwargs)
        if num_classes is not None:
            validation.check_int_at_least("num_classes", num_classes, 2)
        expected_inputs = 1 if num_classes is None else 2
        if len(self.inputs) != expected_inputs:
            raise ValueError(
                f"Invalid value for argument `inputs`. Received: {len(self.inputs)} inputs with "
                f"num_classes={num_classes}. Expected {expected_inputs}: the noise z"
                + (", then the integer labels." if num_classes else ".")
            )
        if not (self.inputs[0].shape[-1] or 0) >= 1:
            raise ValueError(
                f"Invalid value for argument `latent_dim`. Received: noise input of shape "
                f"{tuple(self.inputs[0].shape)}. Expected [batch, latent_dim] with latent_dim >= 1."
            )
        self.latent_prior = None if latent_prior is None else priors.get(latent_prior)
        self.num_classes = None if num_classes is None else int(num_classes)

    @property
    def latent_dim(self):
        """Int, the size of z."""
        return int(self.inputs[0].shape[-1])

    @classmethod
    def wrap(cls, model, latent_prior=None, num_classes=None):
        """`model` as a `Generator` sharing its layers (the model itself if it is one)."""
        if isinstance(model, cls):
            return model
        inputs = model.inputs if num_classes is not None else model.inputs[0]
        return cls(inputs, model.outputs[0], latent_prior, num_classes, name=model.name)

    def sample_latent(self, num_samples, seed=None):
        """`[num_samples, latent_dim]` noise from the prior (uniform until one is set)."""
        prior = self.latent_prior or priors.uniform
        return prior((int(num_samples), self.latent_dim), seed=seed)

    def generate(self, num_samples, seed=None, batch_size=1000, labels=None):
        """Generates `num_samples` examples from fresh noise of its prior.

        Example:

        >>> images = generator.generate(20, labels=[0, 1] * 10, seed=0)

        Args:
            num_samples: Positive int.
            seed: Optional int. The same seed gives the same samples.
            batch_size: Int, how many examples to generate at once.
            labels: For a conditional generator: `num_samples` ints in
                `[0, num_classes)`, or `None` for labels drawn uniformly.
                `None` for an unconditional one.

        Returns:
            A NumPy array of shape `[num_samples, *example_shape]`.
        """
        return generate_examples(
            self, self.latent_prior or priors.uniform, self.latent_dim, self.num_classes, num_samples,
            labels=labels, seed=seed, batch_size=batch_size,
        )

    def get_config(self):
        # Functional's own config is only written for constructors that take
        # exactly its arguments: build it from a plain view of the same graph.
        functional = keras.Model(self.inputs if self.num_classes else self.inputs[0], self.outputs[0], name=self.name)
        return {
            **functional.get_config(),
            "latent_prior": None if self.latent_prior is None else priors.serialize(self.latent_prior),
            "num_classes": self.num_classes,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        latent_prior = config.pop("latent_prior", None)
        num_classes = config.pop("num_classes", None)
        functional = keras.Model.from_config(config, custom_objects=custom_objects)
        if latent_prior is not None:
            latent_prior = priors.deserialize(latent_prior)
        return cls.wrap(functional, latent_prior, num_classes)

    def clone(self, name=None):
        """A new `Generator` of the same architecture, prior and weights."""
        clone = type(self).from_config(self.get_config())
        clone.name = name or self.name
        clone.set_weights(self.get_weights())
        return clone


def check_labels(labels, num_classes, num_samples=None):
    """Integer class labels as an int32 array, or a one-line error.

    Args:
        labels: Array-like of ints in `[0, num_classes)`.
        num_classes: Int, the number of classes.
        num_samples: Optional int, the number of labels expected.

    Returns:
        An int32 NumPy array of shape `[n]`.
    """
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[-1] == 1:
        array = array[:, 0]
    expected = f"{num_samples if num_samples is not None else 'n'} integer class labels in [0, {num_classes})"
    if (
        array.ndim != 1
        or not (np.issubdtype(array.dtype, np.integer) or array.size == 0)
        or (num_samples is not None and array.shape[0] != num_samples)
        or (array.size and (array.min() < 0 or array.max() >= num_classes))
    ):
        summary = f"shape {array.shape}, dtype {array.dtype}"
        if array.size and np.issubdtype(array.dtype, np.number):
            summary += f", values in [{array.min()}, {array.max()}]"
        raise ValueError(
            f"Invalid value for argument `labels`. Received: labels of {summary}. Expected {expected}."
        )
    return array.astype("int32")


def generate_examples(
    model, latent_prior, latent_dim, num_classes, num_samples, labels=None, seed=None, batch_size=1000
):
    """Examples from `model` on fresh noise of `latent_prior` (and labels), as NumPy.

    The one sampling routine of `Generator.generate` and `GAN.generate`.

    Args:
        model: The generator, taking z, or `[z, labels]` when `num_classes` is set.
        latent_prior: The prior, a callable `prior(shape, seed)`.
        latent_dim: Int, the size of z.
        num_classes: `None`, or the number of classes of a conditional model.
        num_samples: Positive int.
        labels: `None` (uniform labels for a conditional model), or
            `num_samples` class labels.
        seed: Optional int. The same seed gives the same examples.
        batch_size: Int, how many examples to generate at once.

    Returns:
        A NumPy array `[num_samples, *example_shape]`.
    """
    num_samples = validation.check_positive_int("num_samples", num_samples)
    noise = latent_prior((num_samples, latent_dim), seed=seed)
    if num_classes is None:
        if labels is not None:
            raise ValueError(
                "Invalid value for argument `labels`. Received: labels for an unconditional "
                "generator. Expected labels=None (build the models with `num_classes=...` "
                "for a conditional GAN)."
            )
        return model.predict(noise, batch_size=batch_size, verbose=0)
    if labels is None:
        # Another stream than the noise's: the same seed, other draws.
        label_seed = None if seed is None else seed + 1
        labels = keras.random.randint((num_samples,), 0, num_classes, dtype="int32", seed=label_seed)
        labels = ops.convert_to_numpy(labels)
    else:
        labels = check_labels(labels, num_classes, num_samples)
    return model.predict([noise, labels], batch_size=batch_size, verbose=0)
