"""A float32 copy of a generator trained under a mixed precision policy.

A generator built under `keras.mixed_precision.set_global_policy(
"mixed_float16")` (or `"mixed_bfloat16"`) keeps float32 weights but its
layers compute in float16 (bfloat16). Neither exports as it is: LiteRT has
no float16 MatMul, and a float16 SavedModel only reproduces the Keras model
to about one float16 step (4.9e-4 for outputs near 1), far above the float32
tolerance the checks hold an export to. `float32_copy` rebuilds the same
architecture with every layer's dtype policy set to `"float32"` and copies
the weights: the copy is what gets exported and verified, and it differs
from the mixed-precision generator by the latter's own rounding (measured on
a small MNIST generator: at most 5.9e-4 under `mixed_float16`).
"""

import contextlib

import keras

_FLOAT32 = "float32"
_POLICY_CLASSES = ("DTypePolicy", "FloatDTypePolicy")


def reduced_precision_policies(model):
    """The names of the non-float32 dtype policies `model`'s layers compute or store in.

    Args:
        model: A `keras.Model` (nested models are searched too).

    Returns:
        A sorted list of policy names such as `["mixed_float16"]`; empty for
        a float32 model. Input layers, which compute nothing, are skipped.
    """
    return sorted({layer.dtype_policy.name for layer in _reduced_precision_layers(model)})


def float32_copy(model):
    """The same generator computing in float32, with the same weights.

    The model's config is rebuilt with the same class (`from_config`, so a
    `keras_gan.Generator` keeps its `latent_prior` and `num_classes`) after
    every layer's dtype policy is replaced by `"float32"`, under the float32
    global policy; then the weights are copied (float32 already under a
    mixed policy, so exactly).

    Args:
        model: A functional or sequential `keras.Model`.

    Returns:
        A new model of the same class, every layer computing in float32.

    Raises:
        ValueError: if the model cannot be rebuilt from its config, or the
            rebuilt model still has a layer that is not float32.
    """
    policies = reduced_precision_policies(model)
    try:
        config = _float32_config(model.get_config())
        with _float32_global_policy():
            copy = type(model).from_config(config)
    except Exception as error:  # Keras raises many types; report one line.
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"Could not rebuild the {policies} generator in float32 for export "
            f"({type(error).__name__}: {detail[:200]}). Expected a functional or sequential "
            "model whose config rebuilds it (`get_config`/`from_config`)."
        ) from None
    remaining = reduced_precision_policies(copy)
    weights = model.get_weights()
    if remaining or len(copy.weights) != len(weights):
        raise ValueError(
            f"Could not rebuild the {policies} generator in float32 for export. Received: "
            f"layers still in {remaining}, {len(copy.weights)} weights for {len(weights)}. "
            "Expected every layer in float32 and the same weights."
        )
    copy.set_weights(weights)
    return copy


def _reduced_precision_layers(model):
    for layer in getattr(model, "layers", ()):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        policy = layer.dtype_policy
        if policy.compute_dtype != _FLOAT32 or policy.variable_dtype != _FLOAT32:
            yield layer
        yield from _reduced_precision_layers(layer)


def _float32_config(config):
    """`config` with every serialized float dtype policy replaced by float32's."""
    if isinstance(config, list):
        return [_float32_config(item) for item in config]
    if not isinstance(config, dict):
        return config
    if config.get("class_name") in _POLICY_CLASSES and isinstance(config.get("config"), dict):
        return {**config, "config": {**config["config"], "name": _FLOAT32}}
    return {key: _float32_config(value) for key, value in config.items()}


@contextlib.contextmanager
def _float32_global_policy():
    """Layers whose config names no policy take float32's, whatever the caller set."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(_FLOAT32)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)
