"""Tests for keras_gan.metrics' feature metrics (against independent references) and registry."""

import itertools

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial.distance

from keras_gan import metrics
from keras_gan import toy
from keras_gan.metrics import registry

EPS64 = np.finfo(np.float64).eps
EPS32 = 2.0**-24  # float32 unit roundoff


def gaussian_features(rng, n, d, scale=1.0, shift=0.0):
    """Correlated Gaussian features: a random mixing of independent ones."""
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    return scale * rng.normal(size=(n, d)) @ mixing + shift


def reference_frechet_distance(a, b, root="sqrtm"):
    """The textbook computations: np.cov, then the trace of the product's square root.

    `root="sqrtm"`: scipy.linalg.sqrtm of S_a S_b (pytorch-fid); `"eigvals"`: the
    square roots of the general (non-symmetric) eigenvalues of S_a S_b
    (torch-fidelity), four times faster than sqrtm at 2048 dimensions.
    """
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    if root == "sqrtm":
        trace_root = np.trace(scipy.linalg.sqrtm(cov_a @ cov_b)).real
    else:
        trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0.0, None)))
    return float(
        np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root
    )


class TestFrechetDistance:
    @pytest.mark.parametrize(
        "dim, n_a, n_b, root",
        [
            (64, 500, 700, "sqrtm"),
            (64, 10000, 10000, "sqrtm"),
            (256, 2000, 1500, "sqrtm"),
            # sqrtm takes over 10 s here; the general eigensolver is as independent.
            (2048, 2100, 2100, "eigvals"),
        ],
    )
    def test_matches_the_textbook_computation(self, dim, n_a, n_b, root):
        rng = np.random.default_rng(dim + n_a)
        a = gaussian_features(rng, n_a, dim)
        b = gaussian_features(rng, n_b, dim, scale=1.3, shift=0.1)
        expected = reference_frechet_distance(a, b, root)
        # Both routes are float64 with rounding near d * eps * (tr S_a + tr S_b), under
        # 1e-12 of the value here (the value is of the order of the traces), far below 1e-6.
        np.testing.assert_allclose(metrics.frechet_distance(a, b), expected, rtol=1e-6)

    def test_near_singular_covariances(self):
        # Rank-16 features in 64 dimensions plus noise 1e-5: 48 eigenvalues near 1e-10.
        rng = np.random.default_rng(1)
        dim, rank, n = 64, 16, 2000
        a = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, dim)) + 1e-5 * rng.normal(
            size=(n, dim)
        )
        b = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, dim)) + 1e-5 * rng.normal(
            size=(n, dim)
        )
        value = metrics.frechet_distance(a, b)
        expected = reference_frechet_distance(a, b)
        cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        largest = np.max(np.abs(np.linalg.eigvals(cov_a @ cov_b)))
        # An eigenvalue near 0 of a d x d product is known to about d * eps * its largest
        # eigenvalue, its square root to the root of that: 2 routes x d roots x 2 (FD's factor).
        tolerance = 2 * dim * 2 * np.sqrt(dim * EPS64 * largest)
        assert np.isfinite(value) and isinstance(value, float)
        assert abs(value - expected) <= tolerance + 1e-6 * expected

    def test_shifted_rank_deficient_set_is_its_squared_shift(self):
        # Identical covariances of rank 8 in 32 dimensions: the trace term is exactly 0.
        rng = np.random.default_rng(2)
        a = rng.normal(size=(500, 8)) @ rng.normal(size=(8, 32))
        shift = rng.normal(size=32)
        cov = np.cov(a, rowvar=False)
        largest = np.linalg.eigvalsh(cov)[-1]
        # tr S - tr (S S)^(1/2): 24 zero eigenvalues of S S, each known to d eps |S|^2, so
        # their roots to sqrt(d eps) |S| each; times 2 (FD's factor) and 2 (margin).
        tolerance = 2 * 2 * 32 * np.sqrt(32 * EPS64) * largest
        value = metrics.frechet_distance(a, a + shift)
        assert abs(value - np.sum(shift**2)) <= tolerance

    def test_exactly_singular_constant_features(self):
        # A constant feature adds its squared difference and nothing else.
        rng = np.random.default_rng(3)
        a, b = gaussian_features(rng, 300, 16), gaussian_features(rng, 300, 16, shift=0.5)
        with_constants = metrics.frechet_distance(
            np.concatenate([a, np.full((300, 1), 2.0)], axis=1),
            np.concatenate([b, np.full((300, 1), -1.0)], axis=1),
        )
        # A zero row and column change the eigenvalues of A S_b A only by rounding (d eps |S|).
        np.testing.assert_allclose(with_constants, metrics.frechet_distance(a, b) + 9.0, rtol=1e-10)

    def test_identical_sets_give_zero(self):
        a = gaussian_features(np.random.default_rng(4), 400, 32)
        # 2 tr S - 2 tr (S S)^(1/2) rounds to about d eps tr S; clipped at 0 when negative.
        assert (
            0.0
            <= metrics.frechet_distance(a, a)
            <= 32 * 32 * EPS64 * np.trace(np.cov(a, rowvar=False))
        )

    def test_fewer_samples_than_dimensions_is_an_error(self):
        rng = np.random.default_rng(5)
        with pytest.raises(ValueError, match=r"Received: b.shape=\(64, 64\).*at least 65"):
            metrics.frechet_distance(rng.normal(size=(100, 64)), rng.normal(size=(64, 64)))

    def test_invalid_arrays(self):
        rng = np.random.default_rng(6)
        a = rng.normal(size=(50, 4))
        with pytest.raises(ValueError, match="differ in width"):
            metrics.frechet_distance(a, rng.normal(size=(50, 5)))
        with pytest.raises(ValueError, match=r"Received: a.shape=\(50,\)"):
            metrics.frechet_distance(a[:, 0], a)
        bad = a.copy()
        bad[3, 1] = np.nan
        with pytest.raises(ValueError, match="1 NaN or infinite"):
            metrics.frechet_distance(a, bad)


def brute_force_mmd(x, y):
    """The unbiased MMD^2 with the cubic kernel, one pair at a time, float64."""
    d = x.shape[1]

    def k(u, v):
        return (np.dot(u, v) / d + 1.0) ** 3

    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    return xx / (m * (m - 1)) + yy / (m * (m - 1)) - 2.0 * xy / (m * m)


def float32_kernel_bound(x, y):
    """Largest error of k(x_i, y_j) from float32 dot products (inputs rounded, d-term sums)."""
    d = x.shape[1]
    t = np.abs(x @ y.T) / d
    norms = np.linalg.norm(x, axis=1)[:, None] * np.linalg.norm(y, axis=1)[None, :]
    return np.max(3.0 * (t + 1.0) ** 2 * (d + 2) * EPS32 * norms / d)


class TestKernelDistance:
    def test_matches_brute_force_on_the_documented_subsets(self):
        rng = np.random.default_rng(7)
        a = rng.normal(size=(40, 6)) + 0.5
        b = rng.normal(size=(30, 6)) * 1.2
        result = metrics.kernel_distance(a, b, num_subsets=8, subset_size=25, seed=3)
        draws = np.random.default_rng(3)
        estimates = []
        for _ in range(8):
            rows_a, rows_b = (
                draws.choice(40, 25, replace=False),
                draws.choice(30, 25, replace=False),
            )
            estimates.append(brute_force_mmd(a[rows_a], b[rows_b]))
        # Each MMD^2 weighs kernel values by 1 + 1 + 2 (in mean absolute weight), so it is
        # off by at most 4 times the largest kernel error.
        bound = 4 * max(
            float32_kernel_bound(a, a), float32_kernel_bound(b, b), float32_kernel_bound(a, b)
        )
        assert abs(result.mean - np.mean(estimates)) <= bound
        # The std moves by at most the estimates' RMS change (centring is a projection).
        assert abs(result.std - np.std(estimates)) <= bound

    def test_exact_dot_products_agree_to_float64_rounding(self):
        # Small integers: every float32 dot product is an exact integer, so only the
        # float64 sums round (relative 1e-16 per term, m^2 = 900 terms): 1e-12 of the
        # kernel's scale bounds it.
        rng = np.random.default_rng(19)
        a = rng.integers(-3, 4, size=(30, 6)).astype(np.float64)
        b = rng.integers(-2, 5, size=(30, 6)).astype(np.float64)
        result = metrics.kernel_distance(a, b, num_subsets=1, subset_size=30)
        scale = np.max((np.abs(np.concatenate([a, b]) @ np.concatenate([a, b]).T) / 6 + 1) ** 3)
        assert abs(result.mean - brute_force_mmd(a, b)) <= 1e-12 * scale

    def test_whole_sets_give_one_value(self):
        # Subsets as large as both sets are permutations of them: every estimate is the same.
        rng = np.random.default_rng(8)
        a, b = rng.normal(size=(20, 5)), rng.normal(size=(20, 5)) + 0.3
        result = metrics.kernel_distance(a, b, num_subsets=5, subset_size=1000)
        bound = 4 * max(
            float32_kernel_bound(a, a), float32_kernel_bound(b, b), float32_kernel_bound(a, b)
        )
        assert abs(result.mean - brute_force_mmd(a, b)) <= bound
        assert result.std <= 2 * bound

    def test_same_seed_same_value_and_separated_sets_score_higher(self):
        rng = np.random.default_rng(9)
        a, same, shifted = (rng.normal(size=(600, 16)) for _ in range(3))
        shifted += 1.0
        first = metrics.kernel_distance(a, same, num_subsets=20, subset_size=200, seed=1)
        assert first == metrics.kernel_distance(a, same, num_subsets=20, subset_size=200, seed=1)
        far = metrics.kernel_distance(a, shifted, num_subsets=20, subset_size=200, seed=1)
        # A unit shift in every dimension gives an MMD^2 far beyond the subset noise.
        assert far.mean > first.mean + 10 * (first.std + far.std)

    def test_invalid_arguments(self):
        rng = np.random.default_rng(10)
        a = rng.normal(size=(10, 3))
        with pytest.raises(ValueError, match="at least 2 samples"):
            metrics.kernel_distance(a, a[:1])
        with pytest.raises(ValueError, match="Received: subset_size=1"):
            metrics.kernel_distance(a, a, subset_size=1)
        with pytest.raises(ValueError, match="Received: num_subsets=0"):
            metrics.kernel_distance(a, a, num_subsets=0)


def reference_neighbourhood_metrics(real, fake, k_pr=3, k_dc=5):
    """Kynkaanniemi et al.'s and Naeem et al.'s definitions with full float64 distance matrices."""
    real_real = scipy.spatial.distance.cdist(real, real)
    fake_fake = scipy.spatial.distance.cdist(fake, fake)
    real_fake = scipy.spatial.distance.cdist(real, fake)  # [n, m]
    # Column 0 of each sorted row is the point itself.
    real_pr = np.sort(real_real, axis=1)[:, k_pr]
    real_dc = np.sort(real_real, axis=1)[:, k_dc]
    fake_pr = np.sort(fake_fake, axis=1)[:, k_pr]
    precision = np.mean(np.any(real_fake <= real_pr[:, None], axis=0))
    recall = np.mean(np.any(real_fake <= fake_pr[None, :], axis=1))
    density = np.sum(real_fake < real_dc[:, None]) / (k_dc * len(fake))
    coverage = np.mean(np.min(real_fake, axis=1) < real_dc)
    margins = np.concatenate(
        [
            np.abs(real_fake**2 - real_pr[:, None] ** 2).ravel(),
            np.abs(real_fake**2 - fake_pr[None, :] ** 2).ravel(),
            np.abs(real_fake**2 - real_dc[:, None] ** 2).ravel(),
        ]
    )
    return (precision, recall, density, coverage), margins


def mirrored_integers(points):
    """Integer points and their negatives: every column sums to exactly 0.

    With the real set's mean exactly 0, centring changes nothing, and
    integers below 2^10 in 4 dimensions keep every float32 norm, product and
    squared distance below 2^24, hence exact: ball boundaries are decided as
    in exact arithmetic, which the known answers below rely on.
    """
    points = np.asarray(points)
    assert np.all(points == np.round(points)) and np.max(np.abs(points)) < 2**10
    return np.concatenate([points, -points]).astype(np.float32)


def cluster(rng, center, size, spread=100):
    """`size` integer points within `spread` of `center` in every coordinate."""
    return np.asarray(center) + rng.integers(-spread, spread + 1, size=(size, len(center)))


def assert_no_ties_at(points, ks):
    """Each point's k-th nearest distance differs from the (k-1)-th and (k+1)-th."""
    distances = np.sort(scipy.spatial.distance.cdist(points, points, "sqeuclidean"), axis=1)
    for k in ks:
        strict = (distances[:, k - 1] < distances[:, k]) & (distances[:, k] < distances[:, k + 1])
        assert np.all(strict), "tied neighbour distances: choose another seed"


def float32_margin(real, fake):
    """A bound on the float32 error of any squared distance between the sets, times 2.

    Inputs rounded to float32 (relative 2^-24 each) and d-term sums give an error
    below (d + 2) 2^-24 (|x|^2 + |y|^2) per squared distance after centring; a ball's
    radius has the same bound, hence the factor 2.
    """
    centred = np.concatenate([real, fake]) - real.mean(axis=0)
    largest = np.max(np.sum(centred**2, axis=1))
    return 2 * (real.shape[1] + 2) * EPS32 * 2 * largest


class TestNeighbourhoodMetrics:
    def test_identical_sets(self):
        real = np.random.default_rng(11).normal(size=(500, 12))
        result = metrics.neighbourhood_metrics(real, real.copy())
        # One distance function on identical inputs gives bitwise identical distances:
        # every ball holds its point and k - 1 neighbours, the k-th lies on its boundary.
        assert tuple(result) == (1.0, 1.0, 1.0, 1.0)
        assert metrics.precision_recall(real, real) == (1.0, 1.0)
        assert metrics.density_coverage(real, real) == (1.0, 1.0)

    def test_disjoint_sets(self):
        rng = np.random.default_rng(12)
        real = rng.normal(size=(300, 8))
        fake = rng.normal(size=(200, 8)) + 100.0
        assert tuple(metrics.neighbourhood_metrics(real, fake)) == (0.0, 0.0, 0.0, 0.0)

    def test_subset_of_clusters(self):
        # Four clusters of 30 integer points (spread 100) about 700 apart; the generated
        # set is an exact copy of two of them: half the real points, all of them real.
        rng = np.random.default_rng(13)
        first, second = cluster(rng, [500, 0, 0, 0], 30), cluster(rng, [0, 500, 0, 0], 30)
        real = mirrored_integers(np.concatenate([first, second]))
        assert_no_ties_at(real, [3, 5])
        fake = mirrored_integers(first)
        result = metrics.neighbourhood_metrics(real, fake)
        # Every real ball in a copied cluster holds exactly its own copy and the copies of
        # its k - 1 nearer neighbours (the k-th is on the boundary): density exactly 1.
        assert tuple(result) == (1.0, 0.5, 1.0, 0.5)

    @pytest.mark.parametrize("shift", [0, 20, 60, 150, 600])
    def test_shifted_cluster_matches_the_definitions(self, shift):
        rng = np.random.default_rng(14)
        real = mirrored_integers(cluster(rng, [300, 0, 0, 0], 40))
        fake = mirrored_integers(cluster(rng, [300 + shift, 0, 0, 0], 35))
        expected, _ = reference_neighbourhood_metrics(
            real.astype(np.float64), fake.astype(np.float64)
        )
        # Exact float32 arithmetic (see mirrored_integers): the same decisions as float64.
        np.testing.assert_array_equal(tuple(metrics.neighbourhood_metrics(real, fake)), expected)
        if shift == 600:
            assert expected == (0.0, 0.0, 0.0, 0.0)
        # Swapping the sets swaps precision and recall.
        swapped = metrics.precision_recall(fake, real)
        assert (swapped.precision, swapped.recall) == (expected[1], expected[0])

    def test_random_features_match_the_definitions(self):
        rng = np.random.default_rng(15)
        real = rng.normal(size=(200, 8))
        fake = 1.2 * rng.normal(size=(150, 8)) + 0.3
        expected, margins = reference_neighbourhood_metrics(real, fake)
        # Away from every boundary by more than float32's error, no point can change sides.
        assert np.min(margins) > float32_margin(real, fake), "a near tie: choose another seed"
        np.testing.assert_array_equal(tuple(metrics.neighbourhood_metrics(real, fake)), expected)
        assert tuple(metrics.precision_recall(real, fake)) == expected[:2]
        assert tuple(metrics.density_coverage(real, fake)) == expected[2:]

    def test_chunked_passes_cover_every_row(self):
        # More rows than one chunk (1,024), an uneven last chunk, other k; exact integers.
        rng = np.random.default_rng(16)
        real = mirrored_integers(rng.integers(-500, 501, size=(1050, 4)))
        fake = rng.integers(-400, 601, size=(1500, 4)).astype(np.float32)
        expected, _ = reference_neighbourhood_metrics(
            real.astype(np.float64), fake.astype(np.float64), k_pr=2, k_dc=7
        )
        result = metrics.neighbourhood_metrics(
            real, fake, precision_recall_k=2, density_coverage_k=7
        )
        np.testing.assert_array_equal(tuple(result), expected)

    def test_kth_neighbour_distances(self):
        points = np.random.default_rng(17).normal(size=(50, 3))
        expected = np.sort(scipy.spatial.distance.cdist(points, points), axis=1)[:, 4]
        # float32 squared distances: relative error about 2^-22 |x|^2 / r^2, under 1e-4 here.
        np.testing.assert_allclose(metrics.kth_neighbour_distances(points, 4), expected, rtol=1e-4)

    def test_invalid_arguments(self):
        real = np.zeros((4, 2))
        with pytest.raises(ValueError, match=r"Too few samples for k=3.*real.shape=\(3, 2\)"):
            metrics.precision_recall(real[:3], real)
        with pytest.raises(ValueError, match="Received: k=0"):
            metrics.density_coverage(real, real, k=0)
        with pytest.raises(ValueError, match=r"fake.shape=\(2, 2\)"):
            metrics.precision_recall(real, real[:2], k=2)


class TestRegistry:
    def test_names_and_log_keys(self):
        assert metrics.feature_metric_names() == (
            "fd",
            "kid",
            "precision_recall",
            "density_coverage",
        )
        keys = list(
            itertools.chain.from_iterable(
                registry.get(name).log_keys
                for name in metrics.feature_metric_names()
            )
        )
        assert keys == ["fd", "kid", "kid_std", "precision", "recall", "density", "coverage"]

    def test_compute_matches_the_functions(self):
        rng = np.random.default_rng(18)
        real, fake = rng.normal(size=(300, 8)), rng.normal(size=(250, 8)) + 0.2
        logs = metrics.compute_feature_metrics(
            real, fake, kid_subsets=5, kid_subset_size=100, seed=2
        )
        assert list(logs) == ["fd", "kid", "kid_std", "precision", "recall", "density", "coverage"]
        kid = metrics.kernel_distance(real, fake, num_subsets=5, subset_size=100, seed=2)
        # The same functions on the same arrays in the same process: the same bits.
        assert logs["fd"] == metrics.frechet_distance(real, fake)
        assert (logs["kid"], logs["kid_std"]) == tuple(kid)
        assert (logs["precision"], logs["recall"]) == tuple(metrics.precision_recall(real, fake))
        assert (logs["density"], logs["coverage"]) == tuple(metrics.density_coverage(real, fake))
        only = metrics.compute_feature_metrics(real, fake, metrics=["density_coverage"])
        assert list(only) == ["density", "coverage"]

    def test_unknown_name_and_duplicate_registration(self):
        with pytest.raises(ValueError, match="Unknown feature metric. Received: 'fid'"):
            metrics.compute_feature_metrics(np.zeros((3, 1)), np.zeros((3, 1)), metrics=["fid"])
        with pytest.raises(ValueError, match="already registered"):
            metrics.register("fd", log_keys=("fd",), needs=("features",))(lambda evaluation: {})


@pytest.fixture
def fake_metric(monkeypatch):
    """A metric registered for one test only: the registry is restored afterwards."""
    monkeypatch.setattr(registry, "_METRICS", dict(registry._METRICS))

    def _options(fake_offset=0.0):
        if not np.isfinite(fake_offset):
            raise ValueError(f"Invalid value for argument `fake_offset`. Received: {fake_offset}.")
        return {"fake_offset": float(fake_offset)}

    @metrics.register("fake", log_keys=("fake_count", "fake_max"), options=_options)
    def _fake_logs(evaluation):
        return {
            "fake_count": len(evaluation.samples),
            "fake_max": float(evaluation.samples.max()) + evaluation.options["fake_offset"],
        }

    return "fake"


class TestEvaluateSamples:
    def test_every_metric_is_registered_in_the_order_of_its_log_keys(self):
        assert metrics.metric_names() == (
            "parzen",
            "mode_coverage",
            "ks_distance",
            "sample_moments",
            "fd",
            "kid",
            "precision_recall",
            "density_coverage",
        )
        assert metrics.feature_metric_names() == (
            "fd",
            "kid",
            "precision_recall",
            "density_coverage",
        )

    def test_a_registered_metric_shows_up_in_the_dict(self, fake_metric):
        samples = np.arange(6.0).reshape(3, 2)
        assert fake_metric in metrics.metric_names()
        logs = metrics.evaluate_samples(samples, [fake_metric])
        assert logs == {"fake_count": 3, "fake_max": 5.0}
        assert metrics.evaluate_samples(samples, [fake_metric], fake_offset=1.5)["fake_max"] == 6.5
        assert metrics.check_options(fake_offset=2)["fake_offset"] == 2.0
        with pytest.raises(ValueError, match="fake_offset"):
            metrics.evaluate_samples(samples, [fake_metric], fake_offset=np.inf)

    def test_image_metrics_are_the_parzen_protocol(self):
        rng = np.random.default_rng(3)
        samples, test, valid = (rng.random((n, 4, 4, 1)).astype("float32") for n in (200, 50, 40))
        sigmas = (0.1, 0.3, 1.0)
        logs = metrics.evaluate_samples(
            samples, ["parzen"], reference=test, validation=valid, parzen_sigmas=sigmas
        )
        result = metrics.parzen.evaluate(samples, test, validation=valid, sigmas=sigmas)
        # The same function on the same arrays in the same process: the same bits.
        assert logs == {
            "parzen_log_likelihood": result.mean,
            "parzen_stderr": result.stderr,
            "parzen_sigma": result.sigma,
        }
        default = metrics.evaluate_samples(samples, ["parzen"], reference=test, validation=valid)
        assert default["parzen_sigma"] in metrics.parzen.DEFAULT_SIGMAS

    def test_toy_metrics(self):
        ring = toy.ring()
        samples = ring.sample(2000, seed=0)
        logs = metrics.evaluate_samples(samples, ["mode_coverage"], distribution=ring)
        result = metrics.mode_coverage(samples, ring)
        assert logs == {
            "modes_covered": result.modes_covered,
            "num_modes": 8,
            "high_quality_fraction": result.high_quality_fraction,
        }
        data = toy.gaussian_1d()
        line = data.sample(2000, seed=1)
        logs = metrics.evaluate_samples(line, ["ks_distance", "sample_moments"], distribution=data)
        assert logs == {
            "ks_distance": metrics.ks_distance(line, data),
            "generated_mean": float(line.mean()),
            "generated_std": float(line.std()),
        }
        assert all(type(value) in (int, float) for value in logs.values())

    def test_feature_metrics_from_features_match_compute_feature_metrics(self):
        rng = np.random.default_rng(5)
        real, fake = rng.normal(size=(120, 6)), rng.normal(size=(100, 6))
        logs = metrics.Evaluation(
            None, ["fd", "density_coverage"], real_features=real, fake_features=fake
        ).compute()
        assert logs == metrics.compute_feature_metrics(
            real, fake, metrics=["fd", "density_coverage"]
        )

    def test_missing_inputs_unknown_names_and_options(self):
        samples = np.zeros((10, 2))
        with pytest.raises(ValueError, match="'parzen' needs `validation`. Received: validation="):
            metrics.evaluate_samples(samples, ["parzen"], reference=samples)
        with pytest.raises(ValueError, match="'mode_coverage' needs `distribution`"):
            metrics.evaluate_samples(samples, ["mode_coverage"])
        with pytest.raises(ValueError, match="'fd' needs `reference` or `real_features`"):
            metrics.evaluate_samples(samples, ["fd"])
        with pytest.raises(ValueError, match="Unknown metric. Received: 'fid'"):
            metrics.evaluate_samples(samples, ["fid"])
        with pytest.raises(TypeError, match="unexpected keyword argument 'kid_subset'"):
            metrics.evaluate_samples(samples, ["sample_moments"], kid_subset=3)
        with pytest.raises(ValueError, match="Received: parzen_sigmas="):
            metrics.check_options(parzen_sigmas=[0.1, -1.0])
        with pytest.raises(ValueError, match="needs"):
            metrics.register("bad", log_keys=("bad",), needs=("labels",))
