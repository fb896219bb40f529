"""`WeightNormDense`: a dense layer with weight normalisation (Salimans and Kingma, 2016)."""

import keras
from keras import ops

from keras_gan.validation import check_positive_int


@keras.saving.register_keras_serializable(package="keras_gan")
class WeightNormDense(keras.layers.Layer):
    """A dense layer whose weight vectors are normalised: `w_j = g_j * v_j / ||v_j||`.

    Unit j computes `activation(g_j * <x, v_j> / ||v_j|| + b_j)`: the
    direction `v_j` and the length `g_j` of its weight vector are separate
    parameters (Salimans and Kingma, 2016). A gradient step on `v` then
    cannot change the scale of the unit's pre-activation, which keeps a
    large Adam step (3e-3 in the K+1 GAN's original code) stable.

    `train_scale=False` fixes every `g_j` at 1, as the original K+1 MNIST
    discriminator does for its hidden layers (`nn.DenseLayer` with
    `train_scale=False`); its output layers learn `g`.

    Example:

    >>> layer = keras_gan.semi_supervised.WeightNormDense(250, "relu")
    >>> layer(np.ones((8, 500))).shape
    (8, 250)

    Args:
        units: Positive int, the number of output units.
        activation: Activation function or its name; `None` is linear.
        train_scale: Bool, whether the lengths `g` are trained (else fixed at 1).
        use_bias: Bool, whether to add a bias.
        kernel_initializer: Initializer of the directions `v`. Only their
            direction matters; the original code draws them from N(0, 0.1^2).
        bias_initializer: Initializer of the bias.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Input shape:
        N-D tensor with shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor with shape `(batch_size, ..., units)`.
    """

    def __init__(
        self,
        units,
        activation=None,
        train_scale=True,
        use_bias=True,
        kernel_initializer=None,
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.activation = keras.activations.get(activation)
        self.train_scale = bool(train_scale)
        self.use_bias = bool(use_bias)
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.RandomNormal(stddev=0.1)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, self.units), initializer=self.kernel_initializer
        )
        self.scale = self.add_weight(
            name="scale", shape=(self.units,), initializer="ones", trainable=self.train_scale
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        kernel = ops.cast(self.kernel, self.compute_dtype)
        # Normalising the product's columns equals normalising the kernel's,
        # and costs `units` divisions instead of `input_dim * units`.
        norm = ops.sqrt(ops.sum(ops.square(kernel), axis=0) + 1e-12)  # [units]
        outputs = ops.matmul(inputs, kernel) * (ops.cast(self.scale, self.compute_dtype) / norm)
        if self.bias is not None:
            outputs = outputs + ops.cast(self.bias, self.compute_dtype)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "train_scale": self.train_scale,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}


def data_dependent_init(model, examples, training=True):
    """Sets every `WeightNormDense` layer's scale and bias from a batch of data.

    Salimans and Kingma's (2016) initialisation, which the K+1 GAN's
    original code runs on 500 training examples before training: layer by
    layer from the input, each unit's pre-activation `t = <x, v> / ||v||` is
    measured on the batch, and its scale and bias are set so that
    `g * t + b = (t - mean(t)) / std(t)`: zero mean and unit variance over
    the data. Without it, unit-length weights shrink the signal layer after
    layer, and the K+1 discriminator's Gaussian noise (std 0.5 per hidden
    layer) then drowns it. A scale that is not trained keeps the value set
    here.

    Example:

    >>> discriminator = keras_gan.semi_supervised.salimans_mnist_discriminator(seed=0)
    >>> keras_gan.semi_supervised.data_dependent_init(discriminator, train_x[:500])

    Args:
        model: A functional `keras.Model`; each of its `WeightNormDense`
            layers must be called once in its graph.
        examples: Array `[n, ...]` of model inputs, n >= 2.
        training: Bool, whether the layers before each one run in training
            mode (noise on, as the original code's initialisation).

    Returns:
        The number of layers initialised.
    """
    layers = [layer for layer in model.layers if isinstance(layer, WeightNormDense)]
    examples = ops.convert_to_tensor(examples)
    if len(examples.shape) < 1 or examples.shape[0] is None or examples.shape[0] < 2:
        raise ValueError(
            f"Invalid value for argument `examples`. Received: examples of shape {tuple(examples.shape)}. "
            "Expected a batch of at least 2 model inputs."
        )
    # One input as a tensor, not a list: Keras warns when the structure differs from the call's.
    model_inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    for layer in layers:
        # Earlier layers are already initialised: each one sees the data as it will.
        inputs = keras.Model(model_inputs, layer.input)(examples, training=training)
        kernel = ops.cast(layer.kernel, inputs.dtype)
        directions = kernel / ops.sqrt(ops.sum(ops.square(kernel), axis=0) + 1e-12)
        outputs = ops.matmul(inputs, directions)  # [n, units], scale 1 and no bias
        mean = ops.mean(outputs, axis=0)
        std = ops.sqrt(ops.mean(ops.square(outputs - mean), axis=0) + 1e-12)
        layer.scale.assign(ops.cast(1.0 / std, layer.scale.dtype))
        if layer.bias is not None:
            layer.bias.assign(ops.cast(-mean / std, layer.bias.dtype))
    return len(layers)
