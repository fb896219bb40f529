"""`density_coverage`: density and coverage (Naeem et al., 2020)."""

import collections

from keras_gan.metrics import registry
from keras_gan.metrics.feature_arrays import check_feature_pair
from keras_gan.metrics.feature_arrays import check_neighbour_count
from keras_gan.metrics.neighbourhoods import neighbourhood_metrics
from keras_gan.metrics.neighbourhoods import shared_neighbourhoods
from keras_gan.validation import check_positive_int

DensityCoverage = collections.namedtuple("DensityCoverage", ["density", "coverage"])
DensityCoverage.__doc__ = (
    """Density (a float >= 0, about 1 for matching sets) and coverage in [0, 1]."""
)


def density_coverage(real, fake, k=5):
    """Density and coverage of generated features against real ones.

    Only the real set's k-nearest-neighbour balls are used (k = 5 in the
    paper), each ball's radius the distance from its point to the point's
    k-th nearest other real point, so generated outliers do not inflate
    anything:

    - density: `sum_j #{real balls containing generated point j} / (k m)`,
      how many real neighbourhoods a typical sample falls in, scaled so
      that samples from the real distribution score about 1; it exceeds 1
      when samples crowd the dense regions of the data;
    - coverage: the share of real points whose ball contains at least one
      generated point.

    A point on a ball's boundary is outside (`<`, as in the paper's code):
    a set compared with itself scores density exactly 1 (each ball holds
    its own point and the k - 1 nearer neighbours; the k-th is on the
    boundary) and coverage 1. Distances are float32 (see
    `keras_gan.metrics.neighbourhoods`).

    Example:

    >>> result = keras_gan.metrics.density_coverage(real_features, fake_features)
    >>> result.density, result.coverage

    Args:
        real: Array `[n, d]` of real features, n > k.
        fake: Array `[m, d]` of generated features.
        k: Positive int, the neighbour that sets the radii.

    Returns:
        A `DensityCoverage(density, coverage)` of Python floats.
    """
    real, fake = check_feature_pair(real, fake, "real", "fake")
    k = check_neighbour_count("k", k, real, "real")
    result = neighbourhood_metrics(real, fake, precision_recall_k=None, density_coverage_k=k)
    return DensityCoverage(result.density, result.coverage)


def _options(density_coverage_k=5):
    """The k of density and coverage (the paper's 5)."""
    return {"density_coverage_k": check_positive_int("density_coverage_k", density_coverage_k)}


@registry.register(
    "density_coverage", log_keys=("density", "coverage"), needs=("features",), options=_options
)
def _density_coverage_logs(evaluation):
    result = shared_neighbourhoods(evaluation)
    return {"density": result.density, "coverage": result.coverage}
