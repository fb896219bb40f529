"""k-nearest-neighbour balls: the manifold estimates behind precision/recall and density/coverage.

Both pairs of metrics describe a set of features by the union of balls
around its points, each ball's radius the distance from the point to its
k-th nearest other point of the set. `neighbourhood_metrics` computes all
four metrics in three chunked passes over the pairwise distances: radii of
the real set, radii of the generated set (for recall), and one pass over
real x generated distances that gathers every count at once.
`precision_recall` and `density_coverage` call it for their own pair.

Arithmetic: both sets are centred on the real features' mean (computed in
float64), then squared distances are `|x|^2 - 2 x . y + |y|^2` in float32
matrix products, clipped at 0, computed `_ROWS` rows at a time against the
whole other set. Their absolute error is below (d + 2) 2^-24 (|x|^2 +
|y|^2); a point that close to a ball's boundary may fall on either side,
which for continuous features happens to a vanishing share of the points.
Every pass computes its distances with the same ops, so identical inputs
give bitwise identical distances: comparing a set with itself puts each
point's k-th neighbour exactly on the boundary of its ball (the tests
check this on the CPU they run on).
"""

import collections

import numpy as np
import tensorflow as tf

from keras_gan.metrics.feature_arrays import check_feature_pair
from keras_gan.metrics.feature_arrays import check_neighbour_count

NeighbourhoodMetrics = collections.namedtuple(
    "NeighbourhoodMetrics", ["precision", "recall", "density", "coverage"]
)
NeighbourhoodMetrics.__doc__ = (
    """Precision, recall, density and coverage; `None` where not computed."""
)

# Rows of a distance matrix computed at once: with 10,000 columns, 40 MB of float32.
_ROWS = 1024


def neighbourhood_metrics(real, fake, precision_recall_k=3, density_coverage_k=5):
    """Precision and recall (k = 3) and density and coverage (k = 5) in one computation.

    See `keras_gan.metrics.precision_recall` and
    `keras_gan.metrics.density_coverage` for the definitions; this function
    returns the same numbers, sharing the passes over the distances between
    the two (three passes over the distances instead of five).

    Example:

    >>> result = keras_gan.metrics.neighbourhood_metrics(real_features, fake_features)
    >>> result.precision, result.coverage

    Args:
        real: Array `[n, d]` of real features, n > both k.
        fake: Array `[m, d]` of generated features.
        precision_recall_k: Positive int (m > k), or `None` to skip
            precision and recall (and the pass over `fake`'s own distances).
        density_coverage_k: Positive int, or `None` to skip density and
            coverage.

    Returns:
        A `NeighbourhoodMetrics(precision, recall, density, coverage)` of
        Python floats, `None` for the skipped pair.
    """
    real, fake = check_feature_pair(real, fake, "real", "fake")
    ks = []
    if precision_recall_k is not None:
        precision_recall_k = check_neighbour_count(
            "precision_recall_k", precision_recall_k, real, "real"
        )
        check_neighbour_count("precision_recall_k", precision_recall_k, fake, "fake")
        ks.append(precision_recall_k)
    if density_coverage_k is not None:
        density_coverage_k = check_neighbour_count(
            "density_coverage_k", density_coverage_k, real, "real"
        )
        ks.append(density_coverage_k)
    if not ks:
        return NeighbourhoodMetrics(None, None, None, None)
    center = real.mean(axis=0, dtype=np.float64)
    real = tf.constant(real - center, tf.float32)
    fake = tf.constant(fake - center, tf.float32)
    real_norms, fake_norms = _squared_norms(real), _squared_norms(fake)

    # Pass 1 and 2: squared radii, the distance to the k-th nearest other point.
    real_radii = _squared_radii(real, real_norms, ks)
    if precision_recall_k is not None:
        fake_radii = _squared_radii(fake, fake_norms, [precision_recall_k])[precision_recall_k]
    else:
        fake_radii = tf.zeros([fake.shape[0]], tf.float32)
    pr_radii = real_radii.get(precision_recall_k, tf.zeros([real.shape[0]], tf.float32))
    dc_radii = real_radii.get(density_coverage_k, tf.zeros([real.shape[0]], tf.float32))

    # Pass 3: real rows against all generated points.
    fake_in_real = np.zeros([fake.shape[0]], bool)
    real_in_fake, density_counts, covered = [], 0, []
    for start in range(0, real.shape[0], _ROWS):
        stop = start + _ROWS
        counts = _cross_counts(
            real[start:stop],
            fake,
            fake_norms,
            pr_radii[start:stop],
            dc_radii[start:stop],
            fake_radii,
        )
        fake_in_real |= counts[0].numpy()
        real_in_fake.append(counts[1].numpy())
        density_counts += int(counts[2].numpy().sum(dtype=np.int64))
        covered.append(counts[3].numpy())

    precision = recall = density = coverage = None
    if precision_recall_k is not None:
        precision = float(np.mean(fake_in_real))
        recall = float(np.mean(np.concatenate(real_in_fake)))
    if density_coverage_k is not None:
        density = density_counts / (density_coverage_k * fake.shape[0])
        coverage = float(np.mean(np.concatenate(covered)))
    return NeighbourhoodMetrics(precision, recall, density, coverage)


def shared_neighbourhoods(evaluation):
    """The `NeighbourhoodMetrics` of an `Evaluation`'s nearest-neighbour metrics, computed once.

    Precision/recall and density/coverage both read it, so the passes they
    share run once when both are requested.

    Args:
        evaluation: A `keras_gan.metrics.Evaluation`.

    Returns:
        A `NeighbourhoodMetrics`, `None` for the pair not requested.
    """

    def compute():
        real, fake = evaluation.features
        requested, options = evaluation.metrics, evaluation.options
        return neighbourhood_metrics(
            real,
            fake,
            precision_recall_k=(
                options["precision_recall_k"] if "precision_recall" in requested else None
            ),
            density_coverage_k=(
                options["density_coverage_k"] if "density_coverage" in requested else None
            ),
        )

    return evaluation.shared("neighbourhoods", compute)


def kth_neighbour_distances(features, k):
    """Each point's Euclidean distance to its k-th nearest other point of the set.

    The radii of the balls behind precision/recall and density/coverage
    (float32 arithmetic, see the module's docstring). Duplicated points
    are each other's neighbours at distance 0.

    Args:
        features: Array `[n, d]`, n > k.
        k: Positive int.

    Returns:
        float32 array `[n]`.
    """
    features, _ = check_feature_pair(features, features, "features", "features")
    k = check_neighbour_count("k", k, features, "features")
    centered = tf.constant(features - features.mean(axis=0, dtype=np.float64), tf.float32)
    radii = _squared_radii(centered, _squared_norms(centered), [k])[k]
    return np.sqrt(radii.numpy())


def _squared_radii(points, norms, ks):
    """{k: the squared distance from each point to its k-th nearest other point}."""
    chunks = []
    for start in range(0, points.shape[0], _ROWS):
        # The k + 1 smallest include the point itself (distance 0 up to rounding).
        chunks.append(
            _smallest_distances(points[start : start + _ROWS], points, norms, max(ks) + 1)
        )
    smallest = tf.concat(chunks, axis=0)  # [n, max(ks) + 1], ascending
    return {k: smallest[:, k] for k in ks}


@tf.function(reduce_retracing=True)
def _squared_norms(points):
    return tf.reduce_sum(tf.square(points), axis=1)


def _squared_distances(rows, columns, column_norms):
    """`[r, c]` squared distances, clipped at 0: the same ops in every pass."""
    row_norms = tf.reduce_sum(tf.square(rows), axis=1)
    products = tf.matmul(rows, columns, transpose_b=True)
    return tf.maximum(row_norms[:, None] - 2.0 * products + column_norms[None, :], 0.0)


# One graph per pass: distances and their reduction together are twice as fast
# as two calls (the [rows, c] block never leaves the graph).
@tf.function(reduce_retracing=True)
def _smallest_distances(rows, columns, column_norms, count):
    """The `count` smallest squared distances from each row to `columns`, ascending."""
    distances = _squared_distances(rows, columns, column_norms)
    return -tf.math.top_k(-distances, k=count, sorted=True).values


@tf.function(reduce_retracing=True)
def _cross_counts(rows, fake, fake_norms, pr_radii, dc_radii, fake_radii):
    """Counts from the squared distances of real `rows` to all generated points.

    Returns:
        fake_in_real: bool `[m]`, generated points inside a row's k-NN ball
            (precision, `<=` as in Kynkaanniemi et al.).
        real_in_fake: bool `[rows]`, rows inside a generated point's ball
            (recall, `<=`).
        density_counts: int32 `[rows]`, generated points strictly inside
            each row's ball (density, `<` as in Naeem et al.).
        covered: bool `[rows]`, rows whose nearest generated point is
            strictly inside their ball (coverage, `<`).
    """
    distances = _squared_distances(rows, fake, fake_norms)  # [rows, m]
    fake_in_real = tf.reduce_any(distances <= pr_radii[:, None], axis=0)
    real_in_fake = tf.reduce_any(distances <= fake_radii[None, :], axis=1)
    density_counts = tf.reduce_sum(tf.cast(distances < dc_radii[:, None], tf.int32), axis=1)
    covered = tf.reduce_min(distances, axis=1) < dc_radii
    return fake_in_real, real_in_fake, density_counts, covered
