"""The MNIST networks of Salimans et al. (2016), section 5: the K+1 discriminator and its generator.

Both follow the original code (`improved-gan`, `train_mnist_feature_matching.py`):

- Discriminator: Gaussian noise on the input (std 0.3), five ReLU layers of
  1000, 500, 250, 250 and 250 units each followed by Gaussian noise (std
  0.5), and K linear outputs, the class logits (the layer named `"logit"`,
  as every `keras_gan` discriminator's last layer). The noise is the
  network's only regulariser and is off outside training.
- Generator: two softplus layers of 500 units with batch normalisation, and
  a sigmoid output.

Weight normalisation: on by default (`weight_norm=True`), as in the original
code, whose dense layers all normalise their weights: the hidden layers of D
with a fixed length of 1, D's and G's output layers with a learned one
(`WeightNormDense`), and a data-dependent initialisation of D's scales and
biases (`data_dependent_init(discriminator, x[:500])`, which the original
runs before training: without it unit-length weights shrink the signal
layer by layer until the 0.5 noise drowns it). Normalised weights keep each
unit's scale out of reach of a gradient step, which is what makes the
original's large Adam step (3e-3) safe. `weight_norm=False` builds plain
`Dense` layers (Glorot-initialised), for comparison.

Differences from the original, on purpose: the noise prior is the package's
`"uniform"` (on [-sqrt 3, sqrt 3] instead of [0, 1]: an affine change of z
that G's first layer absorbs), and images are `[28, 28, 1]` like the rest of
`keras_gan`.
"""

import itertools

import keras
import numpy as np

from keras_gan import validation
from keras_gan.generator import Generator
from keras_gan.semi_supervised.weight_norm_dense import WeightNormDense

MNIST_SHAPE = (28, 28, 1)


def _seeds(seed):
    """Distinct seeds per layer (equal seeds would give equal weights and noise)."""
    return itertools.count(seed) if seed is not None else itertools.repeat(None)


def _dense(units, activation, weight_norm, train_scale, seeds, name, use_bias=True):
    if weight_norm:
        return WeightNormDense(
            units,
            activation,
            train_scale=train_scale,
            use_bias=use_bias,
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.1, seed=next(seeds)),
            name=name,
        )
    # Without normalisation N(0, 0.1^2) weights would blow up the activations: Glorot instead.
    return keras.layers.Dense(
        units,
        activation,
        use_bias=use_bias,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        name=name,
    )


def _check_units(hidden_units):
    units = tuple(hidden_units)
    for value in units:
        validation.check_positive_int("hidden_units", value)
    return units


def _check_stddev(name, value):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
            "Expected a float >= 0 (the standard deviation of the Gaussian noise)."
        )
    return float(value)


def salimans_mnist_discriminator(
    num_classes=10,
    image_shape=MNIST_SHAPE,
    hidden_units=(1000, 500, 250, 250, 250),
    input_noise=0.3,
    hidden_noise=0.5,
    weight_norm=True,
    seed=None,
    name="discriminator",
):
    """The K+1-class MNIST discriminator of Salimans et al. (2016).

    It returns K class logits `l`; the (K+1)-th, fake, class has logit 0,
    so `D(x) = Z(x) / (Z(x) + 1)` with `Z(x) = sum_k exp(l_k(x))` (see
    `KPlusOneGame`). Its last hidden features (the last ReLU layer's output,
    before its noise) are what the generator's feature matching matches.
    Initialise it from data before training, as the original code does:
    `keras_gan.semi_supervised.data_dependent_init(discriminator, x[:500])`.

    Example:

    >>> discriminator = keras_gan.semi_supervised.salimans_mnist_discriminator()
    >>> discriminator(np.zeros((2, 28, 28, 1))).shape
    (2, 10)

    Args:
        num_classes: Int >= 2, K, the number of real classes.
        image_shape: Shape of one input image.
        hidden_units: Sizes of the ReLU layers.
        input_noise: Float >= 0, the standard deviation of the Gaussian noise
            added to the input during training.
        hidden_noise: Float >= 0, that of the noise added to each hidden layer.
        weight_norm: Bool, whether the dense layers normalise their weights
            (see the module's docstring).
        seed: Optional int seed of the initializers and the noise.
        name: Name of the model.

    Returns:
        A functional `keras.Model` from `[batch, *image_shape]` in [0, 1] to
        logits `[batch, num_classes]`.
    """
    num_classes = validation.check_int_at_least("num_classes", num_classes, 2)
    units = _check_units(hidden_units)
    input_noise = _check_stddev("input_noise", input_noise)
    hidden_noise = _check_stddev("hidden_noise", hidden_noise)
    seeds = _seeds(seed)
    images = keras.Input(tuple(image_shape), name="images")
    x = keras.layers.Flatten(name="flatten")(images)
    x = keras.layers.GaussianNoise(input_noise, seed=next(seeds), name="input_noise")(x)
    for i, size in enumerate(units):
        x = _dense(size, "relu", weight_norm, False, seeds, f"hidden_{i}")(x)
        x = keras.layers.GaussianNoise(hidden_noise, seed=next(seeds), name=f"noise_{i}")(x)
    logits = _dense(num_classes, None, weight_norm, True, seeds, "logit")(x)
    return keras.Model(images, logits, name=name)


def salimans_mnist_generator(
    latent_dim=100,
    image_shape=MNIST_SHAPE,
    hidden_units=(500, 500),
    weight_norm=True,
    seed=None,
    name="generator",
):
    """The MNIST generator of Salimans et al. (2016): softplus with batch norm, sigmoid output.

    Each hidden layer is a dense layer without bias, batch normalisation
    with a learned offset and no learned scale, then softplus (the original
    `nn.batch_norm(..., g=None)`).

    Example:

    >>> generator = keras_gan.semi_supervised.salimans_mnist_generator()
    >>> generator(np.zeros((2, 100))).shape
    (2, 28, 28, 1)

    Args:
        latent_dim: Int, the size of the noise vector z.
        image_shape: Shape of one generated image.
        hidden_units: Sizes of the softplus layers.
        weight_norm: Bool, whether the output layer normalises its weights.
        seed: Optional int seed of the initializers.
        name: Name of the model.

    Returns:
        A `keras_gan.Generator` with the `"uniform"` prior, from
        `[batch, latent_dim]` to `[batch, *image_shape]` with values in [0, 1].
    """
    latent_dim = validation.check_positive_int("latent_dim", latent_dim)
    units = _check_units(hidden_units)
    seeds = _seeds(seed)
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i, size in enumerate(units):
        # The batch norm's offset replaces the dense layer's bias.
        x = _dense(size, None, False, False, seeds, f"hidden_{i}", use_bias=False)(x)
        x = keras.layers.BatchNormalization(scale=False, name=f"batch_norm_{i}")(x)
        x = keras.layers.Activation("softplus", name=f"softplus_{i}")(x)
    x = _dense(int(np.prod(image_shape)), "sigmoid", weight_norm, True, seeds, "output")(x)
    images = keras.layers.Reshape(tuple(image_shape), name="images")(x)
    return Generator(z, images, latent_prior="uniform", name=name)
