"""`kernel_distance`: the kernel inception distance (KID) on any feature space."""

import collections

import numpy as np
import tensorflow as tf

from keras_gan.metrics import registry
from keras_gan.metrics.feature_arrays import check_feature_pair
from keras_gan.validation import check_int_at_least
from keras_gan.validation import check_positive_int

KernelDistance = collections.namedtuple("KernelDistance", ["mean", "std"])
KernelDistance.__doc__ = """The kernel distance averaged over subsets.

Attributes:
    mean: float, the mean of the per-subset unbiased MMD^2 estimates.
    std: float, their standard deviation over the subsets (ddof=0): the
        spread of one subset's estimate, not the standard error of `mean`.
"""

# Subsets whose three [m, m] kernel blocks are computed in one call.
_SUBSETS_PER_CALL = 10


def kernel_distance(a, b, num_subsets=100, subset_size=1000, seed=0):
    """The kernel distance (KID) of Binkowski et al. (2018) between two feature sets.

    The unbiased estimate of the squared maximum mean discrepancy with the
    cubic polynomial kernel `k(x, y) = (x . y / d + 1)^3`, computed on
    `num_subsets` pairs of random subsets of `m = min(subset_size, n_a,
    n_b)` samples each and averaged, as in clean-fid (100 subsets of at
    most 1,000). On one pair of subsets `x` (from `a`) and `y` (from `b`):

        MMD^2 = sum_{i != j} k(x_i, x_j) / (m (m - 1))
              + sum_{i != j} k(y_i, y_j) / (m (m - 1))
              - 2 sum_{i, j} k(x_i, y_j) / m^2

    Unbiased means the expectation is exactly the population MMD^2, so two
    samples of one distribution give values scattered around 0, sometimes
    negative; unlike the Frechet distance, it needs no more samples than
    dimensions.

    Subsets: `rng = np.random.default_rng(seed)`, then for each subset in
    turn `rng.choice(n_a, m, replace=False)` and `rng.choice(n_b, m,
    replace=False)`: the same seed gives the same subsets, hence the same
    value.

    Precision: the dot products `x . y` are float32 matrix products
    (relative error about sqrt(d) * 2^-24 of `|x| |y|`, unbiased, so it
    averages out over the m^2 terms of a sum); the kernel values, sums and
    means are float64, where the cancellation between the three terms
    happens.

    Example:

    >>> kid = keras_gan.metrics.kernel_distance(real_features, fake_features)
    >>> print(f"KID {kid.mean:.4f} +- {kid.std:.4f}")

    Args:
        a: Array `[n_a, d]` of features.
        b: Array `[n_b, d]` of features.
        num_subsets: Positive int, pairs of subsets averaged over.
        subset_size: Int >= 2, the largest subset size.
        seed: Int seed of the subsets.

    Returns:
        A `KernelDistance(mean, std)` of Python floats.

    Raises:
        ValueError: for bad arrays (see `frechet_distance`) or a set of
            fewer than 2 samples.
    """
    a, b = check_feature_pair(a, b, "a", "b")
    num_subsets = check_positive_int("num_subsets", num_subsets)
    subset_size = check_int_at_least("subset_size", subset_size, 2)
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise ValueError(
            "Too few samples for the kernel distance. Received: "
            f"a.shape={a.shape}, b.shape={b.shape}. Expected at least 2 samples in each set."
        )
    rng = np.random.default_rng(seed)
    subsets_a, subsets_b = [], []
    for _ in range(num_subsets):
        subsets_a.append(rng.choice(len(a), m, replace=False))
        subsets_b.append(rng.choice(len(b), m, replace=False))
    a = tf.constant(a, tf.float32)
    b = tf.constant(b, tf.float32)
    estimates = []
    for start in range(0, num_subsets, _SUBSETS_PER_CALL):
        rows_a = np.stack(subsets_a[start : start + _SUBSETS_PER_CALL])  # [s, m]
        rows_b = np.stack(subsets_b[start : start + _SUBSETS_PER_CALL])
        estimates.append(_subset_estimates(tf.gather(a, rows_a), tf.gather(b, rows_b)).numpy())
    estimates = np.concatenate(estimates)  # [num_subsets]
    return KernelDistance(float(np.mean(estimates)), float(np.std(estimates)))


# XLA fuses the float64 cast, cube and sums into one loop per block: half the time.
@tf.function(jit_compile=True, reduce_retracing=True)
def _subset_estimates(x, y):
    """The unbiased MMD^2 of each pair of subsets `x`, `y` `[s, m, d]`, float64 `[s]`."""
    m = tf.cast(tf.shape(x)[1], tf.float64)
    d = tf.cast(tf.shape(x)[2], tf.float64)

    def kernel(u, v):
        products = tf.cast(tf.matmul(u, v, transpose_b=True), tf.float64)  # [s, m, m]
        base = products / d + 1.0
        return base * base * base

    def off_diagonal_sum(k):
        return tf.reduce_sum(k, axis=[1, 2]) - tf.linalg.trace(k)

    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
    within = (off_diagonal_sum(k_xx) + off_diagonal_sum(k_yy)) / (m * (m - 1.0))
    return within - 2.0 * tf.reduce_sum(k_xy, axis=[1, 2]) / (m * m)


def _options(kid_subsets=100, kid_subset_size=1000):
    """KID's options: the number of subsets and the largest subset (clean-fid: 100, 1,000)."""
    return dict(
        kid_subsets=check_positive_int("kid_subsets", kid_subsets),
        kid_subset_size=check_int_at_least("kid_subset_size", kid_subset_size, 2),
    )


@registry.register("kid", log_keys=("kid", "kid_std"), needs=("features",), options=_options)
def _kernel_distance_logs(evaluation):
    result = kernel_distance(
        *evaluation.features,
        num_subsets=evaluation.options["kid_subsets"],
        subset_size=evaluation.options["kid_subset_size"],
        seed=evaluation.seed,
    )
    return {"kid": result.mean, "kid_std": result.std}
