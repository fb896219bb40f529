"""Argument checks shared by layers and callbacks, with Keras-style messages."""

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
