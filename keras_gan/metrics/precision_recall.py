"""`precision_recall`: improved precision and recall (Kynkaanniemi et al., 2019)."""

import collections

from keras_gan.metrics import registry
from keras_gan.metrics.feature_arrays import check_feature_pair
from keras_gan.metrics.feature_arrays import check_neighbour_count
from keras_gan.metrics.neighbourhoods import neighbourhood_metrics
from keras_gan.metrics.neighbourhoods import shared_neighbourhoods
from keras_gan.validation import check_positive_int

PrecisionRecall = collections.namedtuple("PrecisionRecall", ["precision", "recall"])
PrecisionRecall.__doc__ = """Improved precision and recall, each a float in [0, 1]."""


def precision_recall(real, fake, k=3):
    """Improved precision and recall of generated features against real ones.

    Each set's manifold is estimated as the union of balls around its
    points, each ball's radius the distance from its point to the point's
    k-th nearest other point of the same set (k = 3 in the paper). Then

    - precision: the share of generated points inside the real manifold
      (how many samples look real);
    - recall: the share of real points inside the generated manifold (how
      much of the data the samples cover).

    A point on a ball's boundary is inside (`<=`, as in the paper's code).
    Two identical sets score 1 and 1; two sets farther apart than any ball
    score 0 and 0. Outliers inflate a manifold (a stray generated point's
    large ball can contain many real points): `density_coverage` is the
    robust variant. Distances are float32 (see
    `keras_gan.metrics.neighbourhoods`); 10,000 x 10,000 points of 128
    features take about a second on two cores.

    Example:

    >>> result = keras_gan.metrics.precision_recall(real_features, fake_features)
    >>> result.precision, result.recall

    Args:
        real: Array `[n, d]` of real features, n > k.
        fake: Array `[m, d]` of generated features, m > k.
        k: Positive int, the neighbour that sets the radii.

    Returns:
        A `PrecisionRecall(precision, recall)` of Python floats.
    """
    real, fake = check_feature_pair(real, fake, "real", "fake")
    k = check_neighbour_count("k", k, real, "real")
    check_neighbour_count("k", k, fake, "fake")
    result = neighbourhood_metrics(real, fake, precision_recall_k=k, density_coverage_k=None)
    return PrecisionRecall(result.precision, result.recall)


def _options(precision_recall_k=3):
    """The k of precision and recall (the paper's 3)."""
    return {"precision_recall_k": check_positive_int("precision_recall_k", precision_recall_k)}


@registry.register(
    "precision_recall", log_keys=("precision", "recall"), needs=("features",), options=_options
)
def _precision_recall_logs(evaluation):
    result = shared_neighbourhoods(evaluation)
    return {"precision": result.precision, "recall": result.recall}
