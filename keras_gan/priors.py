"""Noise priors p_z for the generator's input.

A prior is any callable `prior(shape, seed=None)` returning a float32 tensor of
that shape, drawn with `keras.random` so that a `keras.random.SeedGenerator`
makes runs reproducible. The three priors of the original code are provided
and registered, so models that use them save and load by name.
"""

import math

import keras

_SQRT_3 = math.sqrt(3.0)


@keras.saving.register_keras_serializable(package="keras_gan")
def uniform(shape, seed=None):
    """Uniform noise on [-sqrt(3), sqrt(3)]: zero mean, unit variance.

    The original MNIST code's prior.

    Args:
        shape: Tuple of ints, the shape of the noise.
        seed: A `keras.random.SeedGenerator`, an int, or `None`.

    Returns:
        A float32 tensor of the given shape.
    """
    return keras.random.uniform(shape, minval=-_SQRT_3, maxval=_SQRT_3, seed=seed)


@keras.saving.register_keras_serializable(package="keras_gan")
def gaussian(shape, seed=None):
    """Standard normal noise.

    Args:
        shape: Tuple of ints, the shape of the noise.
        seed: A `keras.random.SeedGenerator`, an int, or `None`.

    Returns:
        A float32 tensor of the given shape.
    """
    return keras.random.normal(shape, seed=seed)


@keras.saving.register_keras_serializable(package="keras_gan")
def spherical(shape, seed=None):
    """Gaussian noise normalised to unit Euclidean norm along the last axis.

    Args:
        shape: Tuple of ints, the shape of the noise.
        seed: A `keras.random.SeedGenerator`, an int, or `None`.

    Returns:
        A float32 tensor of the given shape whose rows have norm 1.
    """
    noise = keras.random.normal(shape, seed=seed)
    norm = keras.ops.sqrt(keras.ops.sum(noise**2, axis=-1, keepdims=True))
    return noise / keras.ops.maximum(norm, 1e-12)


_PRIORS = {"uniform": uniform, "gaussian": gaussian, "spherical": spherical}


def get(identifier):
    """Returns the prior named by `identifier`, or `identifier` if callable.

    Example:

    >>> z = keras_gan.priors.get("gaussian")((16, 100), seed=0)

    Args:
        identifier: One of `"uniform"`, `"gaussian"`, `"spherical"`, or a
            callable `prior(shape, seed=None)`.

    Returns:
        A callable prior.
    """
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _PRIORS:
        return _PRIORS[identifier]
    raise ValueError(
        "Invalid value for argument `latent_prior`. "
        f"Received: latent_prior={identifier!r}. "
        f"Expected one of {sorted(_PRIORS)} or a callable `prior(shape, seed)`."
    )


def name_of(prior):
    """Returns the registered name of a built-in prior, or `None`."""
    for name, function in _PRIORS.items():
        if prior is function:
            return name
    return None


def serialize(prior):
    """A built-in prior's name, or a registered callable's Keras config."""
    return name_of(prior) or keras.saving.serialize_keras_object(prior)


def deserialize(config):
    """The prior that `serialize` described."""
    if isinstance(config, dict):
        return keras.saving.deserialize_keras_object(config)
    return get(config)
