"""The paper's generator and discriminator architectures, as functional models.

Defaults are the original code's settings (REFERENCE.md section 3); sizes are
arguments. Every discriminator returns a logit: `D(x) = sigmoid(logit)`.
Generators are `keras_gan.Generator`s, which carry their prior.

Every architecture takes `num_classes` for the paper's conditional model
p(x | c) (section 7): the generator then takes `[z, labels]` and the
discriminator `[x, labels]`, integer labels of shape `[batch]`. The label
enters the generator one-hot, concatenated with z. It enters the
discriminator one of two ways (`conditioning`): `"concat"`, one-hot
concatenated with the input of its first dense layer (as Mirza and
Osindero, 2014), or `"projection"` (Miyato and Koyama, 2018), which adds
`<embed(c), h>` to the logit, h the last hidden features.
"""

import itertools

import numpy as np
import keras

from keras_gan import layers as gan_layers
from keras_gan import validation
from keras_gan.generator import Generator

MNIST_SHAPE = (28, 28, 1)
CIFAR10_SHAPE = (32, 32, 3)


def _seed_stream(seed):
    """Distinct seeds for each layer: equal seeds would give equal weights."""
    return itertools.count(seed) if seed is not None else itertools.repeat(None)


def _uniform(limit, seeds):
    return keras.initializers.RandomUniform(-limit, limit, seed=next(seeds))


def _glorot(seeds):
    return keras.initializers.GlorotUniform(seed=next(seeds))


CONDITIONINGS = ("concat", "projection")


def _label_input(num_classes, conditioning=None):
    """The integer label input, or `None` for an unconditional model."""
    if num_classes is None:
        return None
    validation.check_int_at_least("num_classes", num_classes, 2)
    if conditioning is not None and conditioning not in CONDITIONINGS:
        raise ValueError(
            f"Invalid value for argument `conditioning`. Received: conditioning={conditioning!r}. "
            f"Expected one of {list(CONDITIONINGS)}."
        )
    return keras.Input((), dtype="int32", name="labels")


def _with_one_hot(x, labels, num_classes):
    """`x` with the labels' one-hot encoding concatenated on the last axis."""
    if labels is None:
        return x
    one_hot = keras.layers.CategoryEncoding(num_classes, output_mode="one_hot", name="one_hot")(labels)
    return keras.layers.Concatenate(name="with_label")([x, one_hot])


def _logit(features, labels, num_classes, conditioning, kernel_initializer, seeds):
    """D's logit from its last hidden features, with a projection term if asked."""
    logits = keras.layers.Dense(1, kernel_initializer=kernel_initializer, name="logit")(features)
    if labels is None or conditioning != "projection":
        return logits
    # Miyato and Koyama (2018): logit(x, c) = psi(h) + <embed(c), h>.
    embedding = keras.layers.Embedding(
        num_classes, features.shape[-1], embeddings_initializer=_glorot(seeds), name="class_embedding"
    )(labels)
    projection = keras.layers.Dot(axes=1, name="projection")([embedding, features])
    return keras.layers.Add(name="logit_with_projection")([logits, projection])


def _inputs(x, labels):
    return x if labels is None else [x, labels]


def _generator(z, labels, outputs, num_classes, name):
    return Generator(_inputs(z, labels), outputs, num_classes=num_classes, name=name)


def _logit_of_mean(data_mean, size):
    """The output bias that makes an untrained sigmoid output the data's mean."""
    mean = np.asarray(data_mean, dtype="float64").reshape(-1)
    if mean.size != size:
        raise ValueError(
            "Invalid value for argument `data_mean`. "
            f"Received: data_mean with {mean.size} values. Expected {size} values, "
            "one per output pixel (the mean training image, in [0, 1])."
        )
    if not np.all(np.isfinite(mean)) or mean.min() < 0 or mean.max() > 1:
        raise ValueError(
            "Invalid value for argument `data_mean`: values must be finite and in "
            f"[0, 1]. Received: min={mean.min()}, max={mean.max()}."
        )
    # Clip like the original code so that always-black pixels get a finite bias.
    mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return np.log(mean / (1 - mean)).astype("float32")


def mnist_generator(
    latent_dim=100,
    data_mean=None,
    hidden_units=(1200, 1200),
    image_shape=MNIST_SHAPE,
    weight_range=0.05,
    num_classes=None,
    seed=None,
    name="generator",
):
    """The paper's MNIST generator: a ReLU MLP with a sigmoid output.

    Example:

    >>> generator = keras_gan.models.mnist_generator(data_mean=x_train.mean(0))
    >>> generator(np.zeros((2, 100))).shape
    (2, 28, 28, 1)

    Args:
        latent_dim: Int, the size of the noise vector z.
        data_mean: Optional array of the mean training image with values in
            [0, 1]. The output bias starts at its logit, so the untrained
            generator already outputs the mean image (as the original code did).
        hidden_units: Sizes of the ReLU layers.
        image_shape: Shape of one generated image.
        weight_range: Weights start uniform in `[-weight_range, weight_range]`.
        num_classes: Optional int: a conditional generator of that many classes.
        seed: Optional int seed for the initializers.
        name: Name of the model.

    Returns:
        A `keras_gan.Generator` from `[batch, latent_dim]` (and labels) to
        `[batch, *image_shape]` with values in [0, 1].
    """
    size = int(np.prod(image_shape))
    bias = "zeros"
    if data_mean is not None:
        bias = keras.initializers.Constant(_logit_of_mean(data_mean, size))
    seeds = _seed_stream(seed)
    z = keras.Input((latent_dim,), name="z")
    labels = _label_input(num_classes)
    x = _with_one_hot(z, labels, num_classes)
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(
            units, "relu", kernel_initializer=_uniform(weight_range, seeds), name=f"hidden_{i}"
        )(x)
    x = keras.layers.Dense(
        size,
        "sigmoid",
        kernel_initializer=_uniform(weight_range, seeds),
        bias_initializer=bias,
        name="output",
    )(x)
    images = keras.layers.Reshape(image_shape, name="images")(x)
    return _generator(z, labels, images, num_classes, name)


def mnist_discriminator(
    image_shape=MNIST_SHAPE,
    hidden_units=(240, 240),
    pieces=5,
    input_dropout=0.2,
    hidden_dropout=0.5,
    weight_range=0.005,
    num_classes=None,
    conditioning="concat",
    seed=None,
    name="discriminator",
):
    """The paper's MNIST discriminator: maxout layers with dropout.

    Dropout drops inputs with probability 0.2 and hidden units with probability
    0.5 (the original keep-probabilities 0.8 and 0.5).

    Example:

    >>> discriminator = keras_gan.models.mnist_discriminator()
    >>> discriminator(np.zeros((2, 28, 28, 1))).shape
    (2, 1)

    Args:
        image_shape: Shape of one input image.
        hidden_units: Units of each maxout layer.
        pieces: Pieces per maxout unit.
        input_dropout: Dropout rate on the input.
        hidden_dropout: Dropout rate on each maxout layer's output.
        weight_range: Weights start uniform in `[-weight_range, weight_range]`.
        num_classes: Optional int: a conditional discriminator of that many
            classes, taking `[images, labels]`.
        conditioning: `"concat"` (the label's one-hot joins the input after
            dropout) or `"projection"`.
        seed: Optional int seed for the initializers and dropout.
        name: Name of the model.

    Returns:
        A `keras.Model` from `[batch, *image_shape]` (and labels) to logits
        `[batch, 1]`.
    """
    seeds = _seed_stream(seed)
    images = keras.Input(image_shape, name="images")
    labels = _label_input(num_classes, conditioning)
    x = keras.layers.Flatten(name="flatten")(images)
    x = keras.layers.Dropout(input_dropout, seed=next(seeds), name="input_dropout")(x)
    if conditioning == "concat":
        x = _with_one_hot(x, labels, num_classes)
    x = _maxout_layers(x, hidden_units, pieces, hidden_dropout, weight_range, seeds)
    logits = _logit(x, labels, num_classes, conditioning, _uniform(weight_range, seeds), seeds)
    return keras.Model(_inputs(images, labels), logits, name=name)


def _maxout_layers(x, hidden_units, pieces, dropout, weight_range, seeds):
    """The paper's MNIST discriminator's hidden layers: maxout, then dropout, per entry of `hidden_units`."""
    for i, units in enumerate(hidden_units):
        x = gan_layers.Maxout(
            units, pieces, kernel_initializer=_uniform(weight_range, seeds), name=f"maxout_{i}"
        )(x)
        x = keras.layers.Dropout(dropout, seed=next(seeds), name=f"dropout_{i}")(x)
    return x


def mnist_bigan_discriminator(
    latent_dim=100,
    image_shape=MNIST_SHAPE,
    hidden_units=(240, 240),
    pieces=5,
    input_dropout=0.2,
    hidden_dropout=0.5,
    weight_range=0.005,
    seed=None,
    name="discriminator",
):
    """A BiGAN discriminator of `(x, z)` pairs for MNIST: the paper's maxout D with z beside the pixels.

    For `keras_gan.BiGAN`, whose D tells real pairs `(x, E(x))` from
    generated ones `(G(z), z)`. The image's pixels go through the paper's
    input dropout (0.2), z joins them there (no dropout: z is what D must
    relate to x), and the pair goes through the paper's maxout layers, each
    followed by dropout 0.5, to one logit.

    z meets x at the first layer because D's job here is to find how the
    two go together, and every first-layer unit can then weigh both. With
    a separate maxout layer for each part before they met (as ALI's D has),
    D stayed near chance while E's codes of digits stayed unrelated to G's:
    on the offline MNIST protocol, reconstructions kept 11% of the digits'
    classes (chance), against 64% with z at the input (100 epochs,
    `python -m benchmarks.inference_nets`). The logit's weights start
    Glorot uniform: started in +-weight_range like the maxout layers, the
    same D kept 31-41%. BENCHMARKS.md (issue #17) has the runs.

    Example:

    >>> discriminator = keras_gan.models.mnist_bigan_discriminator(latent_dim=50)
    >>> discriminator([np.zeros((2, 28, 28, 1)), np.zeros((2, 50))]).shape
    (2, 1)

    Args:
        latent_dim: Int, the size of z, the generator's.
        image_shape: Shape of one input image.
        hidden_units: Units of each maxout layer; at least one entry.
        pieces: Pieces per maxout unit.
        input_dropout: Dropout rate on the image's pixels.
        hidden_dropout: Dropout rate on each maxout layer's output.
        weight_range: The maxout layers' weights start uniform in
            `[-weight_range, weight_range]`.
        seed: Optional int seed for the initializers and dropout.
        name: Name of the model.

    Returns:
        A `keras.Model` from `[images [batch, *image_shape], z [batch, latent_dim]]`
        to logits `[batch, 1]`; its last layer is named `"logit"`.
    """
    validation.check_positive_int("latent_dim", latent_dim)
    hidden_units = tuple(hidden_units)
    if not hidden_units:
        raise ValueError(
            "Invalid value for argument `hidden_units`. Received: hidden_units=(). Expected at "
            "least one layer size, e.g. (240, 240)."
        )
    for units in hidden_units:
        validation.check_positive_int("hidden_units", units)
    seeds = _seed_stream(seed)
    images = keras.Input(image_shape, name="images")
    z = keras.Input((latent_dim,), name="z")
    x = keras.layers.Flatten(name="flatten")(images)
    x = keras.layers.Dropout(input_dropout, seed=next(seeds), name="input_dropout")(x)
    pair = keras.layers.Concatenate(name="pair")([x, z])
    h = _maxout_layers(pair, hidden_units, pieces, hidden_dropout, weight_range, seeds)
    # Glorot, not +-weight_range: see the docstring.
    logit_initializer = keras.initializers.GlorotUniform(next(seeds))
    logits = keras.layers.Dense(1, kernel_initializer=logit_initializer, name="logit")(h)
    return keras.Model([images, z], logits, name=name)


def cifar10_generator(
    latent_dim=100,
    hidden_units=8000,
    output_activation="linear",
    num_classes=None,
    seed=None,
    name="generator",
):
    """The paper's convolutional CIFAR-10 generator.

    Dense ReLU, then dense sigmoid reshaped to 10x10x80, then a 5x5 transposed
    convolution with stride 3 up to 32x32x3 ("deconvolutional").

    Example:

    >>> generator = keras_gan.models.cifar10_generator(hidden_units=800)
    >>> generator(np.zeros((2, 100))).shape
    (2, 32, 32, 3)

    Args:
        latent_dim: Int, the size of the noise vector z.
        hidden_units: Units of both dense layers; a multiple of 100, reshaped
            to 10x10x(hidden_units / 100).
        output_activation: `"linear"` for globally contrast-normalised data (the
            original), `"tanh"` for data in [-1, 1], `"sigmoid"` for [0, 1].
        num_classes: Optional int: a conditional generator of that many classes.
        seed: Optional int seed for the initializers.
        name: Name of the model.

    Returns:
        A `keras_gan.Generator` from `[batch, latent_dim]` (and labels) to
        `[batch, 32, 32, 3]`.
    """
    if hidden_units % 100:
        raise ValueError(
            "Invalid value for argument `hidden_units`. "
            f"Received: hidden_units={hidden_units}. Expected a multiple of 100 "
            "(it is reshaped to 10x10 maps)."
        )
    seeds = _seed_stream(seed)
    z = keras.Input((latent_dim,), name="z")
    labels = _label_input(num_classes)
    x = _with_one_hot(z, labels, num_classes)
    x = keras.layers.Dense(hidden_units, "relu", kernel_initializer=_glorot(seeds), name="hidden_0")(x)
    x = keras.layers.Dense(
        hidden_units, "sigmoid", kernel_initializer=_glorot(seeds), name="hidden_1"
    )(x)
    x = keras.layers.Reshape((10, 10, hidden_units // 100), name="maps")(x)
    # (10 - 1) * 3 + 5 = 32: a valid 5x5 transposed convolution of stride 3.
    images = keras.layers.Conv2DTranspose(
        3,
        5,
        strides=3,
        padding="valid",
        activation=output_activation,
        kernel_initializer=_glorot(seeds),
        name="images",
    )(x)
    return _generator(z, labels, images, num_classes, name)


def cifar10_discriminator(
    image_shape=CIFAR10_SHAPE,
    input_dropout=0.2,
    hidden_dropout=0.5,
    weight_range=0.005,
    num_classes=None,
    conditioning="concat",
    seed=None,
    name="discriminator",
):
    """The paper's convolutional maxout CIFAR-10 discriminator.

    Three maxout convolutions (32x2 pieces 8x8 with 4x4 pooling of stride 2,
    32x2 8x8 with 4x4/2 pooling, 192x2 5x5 with 2x2/2 pooling), a maxout layer
    of 500 units x 5 pieces, and a logit; dropout as in the MNIST model.

    Example:

    >>> discriminator = keras_gan.models.cifar10_discriminator()
    >>> discriminator(np.zeros((2, 32, 32, 3))).shape
    (2, 1)

    Args:
        image_shape: Shape of one input image.
        input_dropout: Dropout rate on the input.
        hidden_dropout: Dropout rate on each hidden layer's output.
        weight_range: Weights start uniform in `[-weight_range, weight_range]`.
        num_classes: Optional int: a conditional discriminator of that many
            classes, taking `[images, labels]`.
        conditioning: `"concat"` (the label's one-hot joins the flattened
            convolutional features) or `"projection"`.
        seed: Optional int seed for the initializers and dropout.
        name: Name of the model.

    Returns:
        A `keras.Model` from `[batch, *image_shape]` (and labels) to logits
        `[batch, 1]`.
    """
    seeds = _seed_stream(seed)
    images = keras.Input(image_shape, name="images")
    labels = _label_input(num_classes, conditioning)
    x = keras.layers.Dropout(input_dropout, seed=next(seeds), name="input_dropout")(images)
    convolutions = [(32, 8, 4), (32, 8, 4), (192, 5, 2)]  # (filters, kernel, pool)
    for i, (filters, kernel_size, pool_size) in enumerate(convolutions):
        x = gan_layers.MaxoutConv2D(
            filters,
            2,
            kernel_size,
            kernel_initializer=_uniform(weight_range, seeds),
            name=f"maxout_conv_{i}",
        )(x)
        x = keras.layers.MaxPooling2D(pool_size, strides=2, name=f"pool_{i}")(x)
        x = keras.layers.Dropout(hidden_dropout, seed=next(seeds), name=f"dropout_conv_{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    if conditioning == "concat":
        x = _with_one_hot(x, labels, num_classes)
    x = gan_layers.Maxout(500, 5, kernel_initializer=_uniform(weight_range, seeds), name="maxout")(x)
    x = keras.layers.Dropout(hidden_dropout, seed=next(seeds), name="dropout")(x)
    logits = _logit(x, labels, num_classes, conditioning, _uniform(weight_range, seeds), seeds)
    return keras.Model(_inputs(images, labels), logits, name=name)


def _normal(stddev, seeds):
    return keras.initializers.RandomNormal(0.0, stddev, seed=next(seeds))


def _check_dcgan_shape(image_shape, upsamplings):
    factor = 2**upsamplings
    if len(image_shape) != 3 or image_shape[0] % factor or image_shape[1] % factor:
        raise ValueError(
            f"Invalid value for argument `image_shape`. Received: image_shape={tuple(image_shape)}. "
            f"Expected (height, width, channels) with height and width multiples of {factor} "
            f"(one stride-2 convolution per entry of `filters`)."
        )


def dcgan_generator(
    latent_dim=100,
    image_shape=MNIST_SHAPE,
    filters=(64, 32),
    output_activation="sigmoid",
    num_classes=None,
    seed=None,
    name="generator",
):
    """A DCGAN-style convolutional generator (Radford et al., 2016).

    A dense layer to maps of `1 / 2**len(filters)` of the image size, then one
    4x4 stride-2 transposed convolution per entry of `filters` (batch norm,
    ReLU), and a 3x3 convolution to the image's channels. Weights start
    normal with standard deviation 0.02, as in the DCGAN paper.

    Example:

    >>> generator = keras_gan.models.dcgan_generator()
    >>> generator(np.zeros((2, 100))).shape
    (2, 28, 28, 1)

    Args:
        latent_dim: Int, the size of the noise vector z.
        image_shape: `(height, width, channels)`, height and width multiples
            of `2**len(filters)`.
        filters: Channels of the first maps and after each upsampling, widest
            first. The default is half the usual MNIST DCGAN's width: 4x
            fewer multiply-adds, for CPUs.
        output_activation: `"sigmoid"` for data in [0, 1], `"tanh"` for [-1, 1].
        num_classes: Optional int: a conditional generator of that many classes.
        seed: Optional int seed for the initializers.
        name: Name of the model.

    Returns:
        A `keras_gan.Generator` from `[batch, latent_dim]` (and labels) to
        `[batch, *image_shape]`.
    """
    _check_dcgan_shape(image_shape, len(filters))
    seeds = _seed_stream(seed)
    height, width, channels = image_shape
    factor = 2 ** len(filters)
    z = keras.Input((latent_dim,), name="z")
    labels = _label_input(num_classes)
    x = _with_one_hot(z, labels, num_classes)
    x = keras.layers.Dense(
        height // factor * width // factor * filters[0], use_bias=False,
        kernel_initializer=_normal(0.02, seeds), name="project",
    )(x)
    x = keras.layers.Reshape((height // factor, width // factor, filters[0]), name="maps")(x)
    x = keras.layers.BatchNormalization(name="project_norm")(x)
    x = keras.layers.ReLU(name="project_relu")(x)
    for i, width_i in enumerate(filters):
        x = keras.layers.Conv2DTranspose(
            width_i, 4, strides=2, padding="same", use_bias=False,
            kernel_initializer=_normal(0.02, seeds), name=f"upsample_{i}",
        )(x)
        x = keras.layers.BatchNormalization(name=f"upsample_{i}_norm")(x)
        x = keras.layers.ReLU(name=f"upsample_{i}_relu")(x)
    images = keras.layers.Conv2D(
        channels, 3, padding="same", activation=output_activation,
        kernel_initializer=_normal(0.02, seeds), name="images",
    )(x)
    return _generator(z, labels, images, num_classes, name)


def dcgan_discriminator(
    image_shape=MNIST_SHAPE,
    filters=(32, 64),
    num_classes=None,
    conditioning="projection",
    seed=None,
    name="discriminator",
):
    """A DCGAN-style convolutional discriminator (Radford et al., 2016).

    One 4x4 stride-2 convolution per entry of `filters` with leaky ReLU (0.2)
    and no batch norm (it would couple the examples of a minibatch, and R1
    penalises each example's own gradient), then a logit.

    Example:

    >>> discriminator = keras_gan.models.dcgan_discriminator()
    >>> discriminator(np.zeros((2, 28, 28, 1))).shape
    (2, 1)

    Args:
        image_shape: Shape of one input image.
        filters: Channels after each downsampling (half the usual width, as
            the generator's).
        num_classes: Optional int: a conditional discriminator of that many
            classes, taking `[images, labels]`.
        conditioning: `"concat"` (the label's one-hot joins the flattened
            convolutional features) or `"projection"`.
        seed: Optional int seed for the initializers.
        name: Name of the model.

    Returns:
        A `keras.Model` from `[batch, *image_shape]` (and labels) to logits
        `[batch, 1]`.
    """
    _check_dcgan_shape(image_shape, len(filters))
    seeds = _seed_stream(seed)
    images = keras.Input(tuple(image_shape), name="images")
    labels = _label_input(num_classes, conditioning)
    x = images
    for i, width in enumerate(filters):
        x = keras.layers.Conv2D(
            width, 4, strides=2, padding="same", kernel_initializer=_normal(0.02, seeds), name=f"downsample_{i}"
        )(x)
        x = keras.layers.LeakyReLU(0.2, name=f"downsample_{i}_relu")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    if conditioning == "concat":
        x = _with_one_hot(x, labels, num_classes)
    logits = _logit(x, labels, num_classes, conditioning, _normal(0.02, seeds), seeds)
    return keras.Model(_inputs(images, labels), logits, name=name)


def mlp_generator(
    latent_dim=2,
    output_shape=(2,),
    hidden_units=(128, 128),
    activation="relu",
    output_activation="linear",
    output_mean=None,
    output_variance=None,
    num_classes=None,
    seed=None,
    name="generator",
):
    """A plain MLP generator, for toy distributions and quick experiments.

    With `output_mean` and `output_variance` the network works in standardised
    units and a fixed `Normalization(invert=True)` maps its output to the data's
    scale, so data far from the origin costs the generator nothing.

    Example:

    >>> generator = keras_gan.models.mlp_generator(latent_dim=2, output_shape=(2,))
    >>> generator(np.zeros((3, 2))).shape
    (3, 2)

    Args:
        latent_dim: Int, the size of the noise vector z.
        output_shape: Shape of one generated example.
        hidden_units: Sizes of the hidden layers.
        activation: Activation of the hidden layers.
        output_activation: Activation of the output layer.
        output_mean: Optional per-coordinate mean of the data (a float or an
            array over the last axis); set it together with `output_variance`.
        output_variance: Optional per-coordinate variance of the data.
        num_classes: Optional int: a conditional generator of that many classes.
        seed: Optional int seed for the initializers.
        name: Name of the model.

    Returns:
        A `keras_gan.Generator` from `[batch, latent_dim]` (and labels) to
        `[batch, *output_shape]`.
    """
    seeds = _seed_stream(seed)
    z = keras.Input((latent_dim,), name="z")
    labels = _label_input(num_classes)
    x = _with_one_hot(z, labels, num_classes)
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation, kernel_initializer=_glorot(seeds), name=f"hidden_{i}")(x)
    x = keras.layers.Dense(
        int(np.prod(output_shape)), output_activation, kernel_initializer=_glorot(seeds), name="output"
    )(x)
    if output_mean is not None or output_variance is not None:
        x = _fixed_normalization("output", output_mean, output_variance, invert=True)(x)
    outputs = keras.layers.Reshape(tuple(output_shape), name="samples")(x)
    return _generator(z, labels, outputs, num_classes, name)


def mlp_discriminator(
    input_shape=(2,),
    hidden_units=(128, 128),
    activation="leaky_relu",
    dropout=0.0,
    input_mean=None,
    input_variance=None,
    num_classes=None,
    conditioning="concat",
    seed=None,
    name="discriminator",
):
    """A plain MLP discriminator returning logits.

    With `input_mean` and `input_variance` a fixed `Normalization` layer
    standardises the input first. Centring matters for data far from the
    origin (such as `keras_gan.toy.gaussian_1d`, centred at 4): the hidden
    units' kinks start at the origin, so over such data every unit is in one
    linear piece, and a network linear over the data can tell a too-narrow
    generator from the data only by its mean.

    Example:

    >>> discriminator = keras_gan.models.mlp_discriminator(input_shape=(2,))
    >>> discriminator(np.zeros((3, 2))).shape
    (3, 1)

    Args:
        input_shape: Shape of one input example.
        hidden_units: Sizes of the hidden layers.
        activation: Activation of the hidden layers.
        dropout: Dropout rate after each hidden layer.
        input_mean: Optional per-coordinate mean of the data (a float or an
            array over the last axis); set it together with `input_variance`.
        input_variance: Optional per-coordinate variance of the data.
        num_classes: Optional int: a conditional discriminator of that many
            classes, taking `[inputs, labels]`.
        conditioning: `"concat"` (the label's one-hot joins the input) or
            `"projection"`.
        seed: Optional int seed for the initializers and dropout.
        name: Name of the model.

    Returns:
        A `keras.Model` from `[batch, *input_shape]` (and labels) to logits
        `[batch, 1]`.
    """
    seeds = _seed_stream(seed)
    inputs = keras.Input(tuple(input_shape), name="inputs")
    labels = _label_input(num_classes, conditioning)
    x = keras.layers.Flatten(name="flatten")(inputs)
    if input_mean is not None or input_variance is not None:
        x = _fixed_normalization("input", input_mean, input_variance)(x)
    if conditioning == "concat":
        x = _with_one_hot(x, labels, num_classes)
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation, kernel_initializer=_glorot(seeds), name=f"hidden_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, seed=next(seeds), name=f"dropout_{i}")(x)
    logits = _logit(x, labels, num_classes, conditioning, _glorot(seeds), seeds)
    return keras.Model(_inputs(inputs, labels), logits, name=name)


def _fixed_normalization(prefix, mean, variance, invert=False):
    """A non-adapted `Normalization` layer named `{prefix}_scale`."""
    if mean is None or variance is None:
        raise ValueError(
            f"Pass both `{prefix}_mean` and `{prefix}_variance`, or neither. Received: "
            f"{prefix}_mean={mean!r}, {prefix}_variance={variance!r}."
        )
    # Plain lists keep the layer's config JSON-serialisable.
    mean = np.asarray(mean, dtype=np.float64).reshape(-1).tolist()
    variance = np.asarray(variance, dtype=np.float64).reshape(-1).tolist()
    if not all(v > 0 for v in variance):
        raise ValueError(f"Expected a positive `{prefix}_variance`. Received: {variance!r}.")
    return keras.layers.Normalization(mean=mean, variance=variance, invert=invert, name=f"{prefix}_scale")
