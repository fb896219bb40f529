"""Argument checks shared by layers and callbacks, with Keras-style messages."""

import math

import keras
import numpy as np
from keras import ops


def check_positive_int(name, value):
    """Returns `value` as an int, or raises a ValueError naming the argument.

    Args:
        name: The argument's name, for the message.
        value: The value to check; bools are refused.

    Returns:
        `int(value)`.
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
            "Expected a positive integer."
        )
    return int(value)


def check_int_at_least(name, value, minimum):
    """Returns `value` as an int >= `minimum`, or raises a ValueError naming it.

    Args:
        name: The argument's name, for the message.
        value: The value to check; bools are refused.
        minimum: The smallest allowed value.

    Returns:
        `int(value)`.
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
            f"Expected an integer >= {minimum}."
        )
    return int(value)


def check_interval(name, value, examples=""):
    """Returns `value` as a float pair `(low, high)`, or raises a ValueError.

    Args:
        name: The argument's name, for the message.
        value: The value to check: two finite numbers with low < high.
        examples: Optional text appended to the message's expectation,
            such as `", e.g. (0, 1)"`.

    Returns:
        `(float(low), float(high))`.
    """
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        low, high = math.nan, math.nan
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
            f"Expected a pair (low, high) with low < high{examples}."
        )
    return low, high


# Layers that only move values around: the activation before them is the output's.
_SHAPE_ONLY_LAYERS = ("Reshape", "Flatten", "Permute", "Identity", "Dropout", "InputLayer")
_ACTIVATION_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
_PROBABILITY_ACTIVATIONS = ("sigmoid", "softmax", "hard_sigmoid", "log_softmax")


def output_activation(model):
    """The activation that produces `model`'s output, and the layer applying it.

    Read from the last layer of a functional or `Sequential` model, looking
    through layers that only reshape (`Reshape`, `Flatten`, `Dropout`, ...)
    and into a nested model. Subclassed models, whose layer order says
    nothing about their output, give `(None, None)`.

    Args:
        model: A `keras.Model`.

    Returns:
        `(activation_name, layer)`, e.g. `("sigmoid", <Dense>)`;
        `("linear", layer)` for a layer without one; `(None, None)` when
        unknown.
    """
    if not getattr(model, "outputs", None) or len(model.outputs) != 1:
        return None, None
    for layer in reversed(model.layers):
        if isinstance(layer, keras.Model):
            return output_activation(layer)
        if type(layer).__name__ == "Softmax":
            return "softmax", layer
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return getattr(activation, "__name__", None), layer
        if type(layer).__name__ not in _SHAPE_ONLY_LAYERS:
            return "linear", layer
    return None, None


def output_range(model):
    """The range of a bounded output activation (sigmoid, tanh), else `None`.

    Args:
        model: A `keras.Model` (a generator).

    Returns:
        `((low, high), activation_name)`, or `(None, activation_name)`.
    """
    name, _ = output_activation(model)
    return _ACTIVATION_RANGES.get(name), name


def check_returns_logits(discriminator):
    """Raises a ValueError if `discriminator`'s output layer applies a sigmoid or softmax.

    `keras_gan`'s games take the discriminator's raw outputs (logits) and
    apply the sigmoid themselves; probabilities taken for logits train
    silently and wrongly.

    Args:
        discriminator: A `keras.Model`.
    """
    name, layer = output_activation(discriminator)
    if name in _PROBABILITY_ACTIVATIONS:
        raise ValueError(
            "The discriminator must return logits, not probabilities. Received: a "
            f"discriminator whose output layer {layer.name!r} applies {name}. Expected a "
            "linear output, e.g. `Dense(1)`: the games apply the sigmoid themselves."
        )


def integer_labels(labels, num_classes):
    """Class labels `[batch]` (or `[batch, 1]`) as an int32 `[batch]` tensor, or a one-line error.

    Checks the shape and dtype, which are known when the step is traced;
    the values are checked in the step (`keras_gan.callbacks.BatchChecks`).

    Args:
        labels: Tensor-like of integer class labels.
        num_classes: Int, the number of classes, for the message.

    Returns:
        An int32 tensor `[batch]`.
    """
    labels = ops.convert_to_tensor(labels)
    if len(labels.shape) == 2 and labels.shape[-1] == 1:
        labels = ops.squeeze(labels, axis=-1)
    dtype = keras.backend.standardize_dtype(labels.dtype)
    if len(labels.shape) != 1 or "int" not in dtype:
        raise ValueError(
            f"Invalid value for argument `labels`. Received: labels of shape {tuple(labels.shape)} "
            f"and dtype {dtype}. Expected integer class labels of shape [batch], in "
            f"[0, {num_classes}) (not one-hot)."
        )
    return ops.cast(labels, "int32")
