"""Argument checks shared by layers and callbacks, with Keras-style messages."""

import math

import numpy as np


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
