"""`frechet_distance`: the Frechet distance between Gaussians fitted to two feature sets."""

import numpy as np

from keras_gan.metrics import registry
from keras_gan.metrics.feature_arrays import check_feature_pair


def frechet_distance(a, b):
    """The Frechet distance between Gaussians fitted to two sets of features.

    `||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))` (Heusel et al.,
    2017), in float64:

    - The covariances divide by N - 1 (`np.cov`), as in TTUR, pytorch-fid,
      clean-fid and TF-GAN (StyleGAN3 divides by N).
    - The trace of the matrix square root is taken as TF-GAN does, without
      forming the root of the product:
      `A = S_a^(1/2)` from the eigendecomposition of `S_a` (its eigenvalues
      clipped at 0), then `tr (S_a S_b)^(1/2) = sum_i sqrt(lambda_i)` over
      the eigenvalues of the symmetric positive semi-definite `A S_b A`,
      which are those of `S_a S_b` (again clipped at 0 against rounding).
      Symmetric eigensolvers return real eigenvalues, so the result is real
      and finite even for singular covariances (constant features,
      features that are linear combinations of others), where the usual
      `scipy.linalg.sqrtm(S_a @ S_b)` can return complex parts or NaN.
    - Eigenvalues near 0 are known to about `d * eps * lambda_max` (eps =
      2^-52, lambda_max the largest eigenvalue of `S_a S_b`), so each adds
      an error up to `sqrt(d * eps * lambda_max)` to the trace, about
      1e-7 sqrt(lambda_max) for d = 64: near-singular covariances cost
      accuracy (any method's), not validity.
    - Fewer samples than dimensions is an error: with N <= d samples the
      covariance has rank < d, and the distance is dominated by the
      estimate's bias. At least d + 1 samples in each set are required;
      several times d are needed for a stable number.
    - Rounding can make the value of two identical sets slightly negative
      (by a rounding error of order d * eps times the traces); it is
      clipped at 0.

    Example:

    >>> extractor = keras_gan.metrics.digit_features()
    >>> keras_gan.metrics.frechet_distance(
    ...     keras_gan.metrics.extract_features(real_images, extractor),
    ...     keras_gan.metrics.extract_features(generated_images, extractor),
    ... )

    Args:
        a: Array `[n, d]` of features (any float or int dtype), n > d.
        b: Array `[m, d]` of features, m > d.

    Returns:
        The distance, a non-negative Python float (squared feature units).

    Raises:
        ValueError: for arrays that are not 2-D, differ in width, hold
            non-finite values, or have no more rows than columns.
    """
    a, b = check_feature_pair(a, b, "a", "b")
    for name, features in (("a", a), ("b", b)):
        n, d = features.shape
        if n <= d:
            raise ValueError(
                "Too few samples for the Frechet distance. "
                f"Received: {name}.shape={features.shape}. "
                f"Expected more samples than feature dimensions (at least {d + 1} here): with "
                "n <= d the N - 1 covariance is singular and the distance is dominated by its "
                "bias. Use more samples or lower-dimensional features."
            )
    mean_a, cov_a = _mean_and_covariance(a)
    mean_b, cov_b = _mean_and_covariance(b)
    return frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b)


def frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b):
    """`frechet_distance` from precomputed means `[d]` and covariances `[d, d]`.

    Args:
        mean_a, cov_a: The first Gaussian's mean and (symmetric, positive
            semi-definite) covariance.
        mean_b, cov_b: The second Gaussian's.

    Returns:
        The distance, a non-negative Python float.
    """
    mean_a, mean_b = (np.asarray(m, np.float64) for m in (mean_a, mean_b))
    cov_a, cov_b = (np.asarray(c, np.float64) for c in (cov_a, cov_b))
    eigenvalues, eigenvectors = np.linalg.eigh(cov_a)
    root_a = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    middle = root_a @ cov_b @ root_a  # [d, d], similar to cov_a @ cov_b
    middle = 0.5 * (middle + middle.T)
    trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(middle), 0.0, None)))
    squared_mean_distance = np.sum(np.square(mean_a - mean_b))
    value = squared_mean_distance + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root
    return max(float(value), 0.0)


def _mean_and_covariance(features):
    """The float64 mean `[d]` and N - 1 covariance `[d, d]` of `features` `[n, d]`."""
    features = np.asarray(features, np.float64)
    mean = features.mean(axis=0)
    centered = features - mean
    covariance = centered.T @ centered / (len(features) - 1)
    return mean, covariance


@registry.register("fd", log_keys=("fd",), needs=("features",))
def _frechet_distance_logs(evaluation):
    return {"fd": frechet_distance(*evaluation.features)}
