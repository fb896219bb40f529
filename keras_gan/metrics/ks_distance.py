"""`ks_distance`: the Kolmogorov-Smirnov distance of 1-D samples to a toy distribution."""

import math

import numpy as np

from keras_gan import toy
from keras_gan.metrics import registry


def ks_distance(samples, distribution):
    """The Kolmogorov-Smirnov distance of 1-D samples to a 1-D mixture.

    The largest gap between the samples' empirical CDF and the mixture's CDF:
    0 for a perfect match, 1 for disjoint supports. Unlike `|D(x) - 1/2|`,
    it cannot be small while the generator is too narrow or off-centre.
    Registered as the metric `"ks_distance"`.

    Example:

    >>> data = keras_gan.toy.gaussian_1d()
    >>> keras_gan.metrics.ks_distance(data.sample(10_000, seed=0), data) < 0.02
    True

    Args:
        samples: array of shape `(n,)` or `(n, 1)`, finite.
        distribution: a one-dimensional `keras_gan.toy.GaussianMixture`.

    Returns:
        A float in [0, 1].
    """
    if not isinstance(distribution, toy.GaussianMixture) or distribution.dim != 1:
        raise ValueError(
            f"Expected a one-dimensional keras_gan.toy.GaussianMixture. Received: {distribution!r}."
        )
    points = np.sort(toy.as_points(samples, 1)[:, 0])
    if points.size == 0 or not np.all(np.isfinite(points)):
        raise ValueError("Expected at least one sample, all finite.")
    scaled = (points[:, None] - distribution.modes[None, :, 0]) / (distribution.std * math.sqrt(2))
    cdf = np.mean(0.5 * (1.0 + np.vectorize(math.erf)(scaled)), axis=1)  # [n]
    n = points.size
    above = np.arange(1, n + 1) / n - cdf
    below = cdf - np.arange(n) / n
    return float(max(above.max(), below.max()))


@registry.register("ks_distance", log_keys=("ks_distance",), needs=("distribution",))
def _ks_distance_logs(evaluation):
    return {"ks_distance": ks_distance(evaluation.samples, evaluation.distribution)}
