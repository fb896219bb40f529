"""Argument checks shared by the feature metrics."""

import numpy as np


def check_features(name, features):
    """`features` as a finite 2-D NumPy array `[n, d]`, or a ValueError naming it.

    Args:
        name: The argument's name, for the message.
        features: Array-like of real numbers; integer arrays become float64.

    Returns:
        The array; float arrays keep their dtype.
    """
    array = np.asarray(features)
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: an array of dtype {array.dtype}. "
            "Expected real-valued features [n, d]."
        )
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}.shape={array.shape}. "
            "Expected a non-empty 2-D array of features [n, d] (flatten or pool images first, "
            "e.g. with keras_gan.metrics.extract_features)."
        )
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"Invalid value for argument `{name}`: it holds {np.sum(~np.isfinite(array))} "
            "NaN or infinite values. Expected finite features."
        )
    return array


def check_feature_pair(a, b, name_a, name_b):
    """Both arrays checked by `check_features`, and of the same width."""
    a = check_features(name_a, a)
    b = check_features(name_b, b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"The feature sets differ in width. Received: {name_a}.shape={a.shape} and "
            f"{name_b}.shape={b.shape}. Expected features of the same dimension, from the "
            "same feature extractor."
        )
    return a, b


def check_neighbour_count(name, k, features, features_name):
    """`k` as an int, checked against the `features` set it indexes into."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={k!r}. "
            "Expected a positive integer."
        )
    if len(features) <= k:
        raise ValueError(
            f"Too few samples for {name}={k}. Received: {features_name}.shape={features.shape}. "
            f"Expected more than {k} samples: each sample's radius is the distance to its "
            f"k-th nearest other sample."
        )
    return int(k)
