"""Tests for keras_gan.metrics.parzen: the Parzen window distribution and protocol."""

import dataclasses
import gzip
import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from keras_gan.metrics import parzen, parzen_kernel

tfd = tfp.distributions


SIGMAS = np.logspace(-1, 0, 10)  # the paper's grid
EPS32, EPS64 = 2.0**-24, 2.0**-53  # unit roundoffs


def flat64(values):
    return np.asarray(values, np.float64).reshape(len(values), -1)


def squared_distances(centers, points):
    """Float64 squared distances [n, N] from explicit differences, a point at a time."""
    centers = flat64(centers)
    return np.stack([((p - centers) ** 2).sum(axis=1) for p in flat64(points)])


def log_normalizer(num_centers, dimension, sigma):
    return np.log(num_centers) + 0.5 * dimension * np.log(2.0 * np.pi * sigma**2)


def numpy_log_likelihoods(centers, points, sigma, squared=None):
    """Float64 reference from explicit differences and a stable logsumexp: [n]."""
    centers = flat64(centers)
    squared = squared_distances(centers, points) if squared is None else squared  # [n, N]
    exponents = -squared / (2.0 * sigma**2)
    largest = exponents.max(axis=1, keepdims=True)
    log_sum = largest[:, 0] + np.log(np.exp(exponents - largest).sum(axis=1))
    return log_sum - log_normalizer(*centers.shape, sigma)


def error_bound(centers, points, sigma, num_refined=8, squared=None):
    """Per-point bound on |kernel - float64 truth| in nats (parzen_kernel's docstring): [n].

    On data centred on the centers' mean, a distance computed with unit roundoff
    u is off by at most delta(u) = 2 u sqrt(D) (||x||^2 + 2 max ||mu||^2) (a
    random-walk bound on the product; measured errors stay below 0.3 of it on
    AVX-512, AVX2, SSE4.1). Every point gets the float64 error of its distances
    and of its final O(|log p|) additions. The centers summed in float32 (all
    but the `num_refined` nearest; chunking only refines more) add, weighted by
    their share of the density, exp(s delta(2^-24)) - 1 from their distances
    and (2 |a| + 4) 2^-24 from the float32 subtraction, product, exp and sum
    that make their term exp(a), a = -s (d^2 - d_min^2).
    """
    centers, points = flat64(centers), flat64(points)
    num_centers, dimension = centers.shape
    scale = 1.0 / (2.0 * sigma**2)
    mean = centers.mean(axis=0)
    norms = ((points - mean) ** 2).sum(axis=1) + 2.0 * ((centers - mean) ** 2).sum(axis=1).max()
    magnitude = np.sqrt(dimension) * norms  # [n]
    squared = squared_distances(centers, points) if squared is None else squared
    exponents = -(squared - squared.min(axis=1, keepdims=True)) * scale  # [n, N], max 0
    others = np.sort(exponents, axis=1)[:, : max(num_centers - num_refined, 0)]  # unrefined
    relative = np.expm1(np.minimum(2.0 * EPS32 * magnitude * scale, 700.0))[:, None]
    relative = relative + (2.0 * np.abs(others) + 4.0) * EPS32
    float32 = (np.exp(others) * relative).sum(axis=1) / np.exp(exponents).sum(axis=1)
    size = np.abs(log_normalizer(num_centers, dimension, sigma)) + squared.min(axis=1) * scale
    float64 = 2.0 * EPS64 * magnitude * scale + 8.0 * EPS64 * (size + 100.0)
    return float64 + float32


def assert_within(actual, expected, bound, what=""):
    gap = np.abs(np.asarray(actual, np.float64) - expected)
    assert np.all(gap <= bound), (
        f"{what}: max gap {gap.max():.3e}, max gap / bound {np.max(gap / bound):.3f}"
    )


def tfp_mixture(centers, sigma):
    """The TFP reference: MixtureSameFamily(Categorical, Independent(Normal))."""
    centers = tf.constant(centers, tf.float64)
    return tfd.MixtureSameFamily(
        tfd.Categorical(logits=tf.zeros([centers.shape[0]], tf.float64)),
        tfd.Independent(tfd.Normal(centers, tf.constant(sigma, tf.float64)), 1),
    )


class TestExactValues:
    # With at most num_refined = 8 centers (the exact values below) no float32
    # enters: float64 on O(1) values, ~1e-15 off on any CPU; 1e-12 is 1000x that.

    def test_one_center_is_a_gaussian(self):
        window = parzen.ParzenWindow(np.array([[0.0]]), sigma=2.0)
        expected = -0.5 * (3.0 / 2.0) ** 2 - math.log(2.0 * math.sqrt(2.0 * math.pi))
        assert window.log_prob(np.array([[3.0]])).numpy() == pytest.approx([expected], abs=1e-12)

    def test_two_centers_hand_computed(self):
        # x = 1 is at distance 1 of both centers: p(x) = N(1; 0, 1).
        window = parzen.ParzenWindow(np.array([[0.0], [2.0]]), sigma=1.0)
        expected = -0.5 - 0.5 * math.log(2.0 * math.pi)
        assert window.log_prob(np.array([[1.0]])).numpy() == pytest.approx([expected], abs=1e-12)

    def test_normaliser_uses_dimension(self):
        window = parzen.ParzenWindow(np.zeros([1, 3]), sigma=0.5)
        expected = -1.5 * math.log(2.0 * math.pi * 0.25)
        assert window.log_prob(np.zeros([1, 3])).numpy() == pytest.approx([expected], abs=1e-12)

    def test_images_are_flattened(self):
        images = np.random.default_rng(0).uniform(size=[6, 2, 2, 1])
        window = parzen.ParzenWindow(images, sigma=0.3)
        assert window.event_shape == [4]
        assert window.batch_shape == []
        assert window.centers.shape == (6, 4)
        points = images[:3].reshape([3, 4]) + 0.1
        np.testing.assert_allclose(
            window.log_prob(points).numpy(), numpy_log_likelihoods(images, points, 0.3), atol=1e-12
        )

    @pytest.mark.parametrize("num_centers", [5, 40])
    def test_density_integrates_to_one(self, num_centers):
        # 5 centers: float64 alone; 40: float32 terms for all but the 8 nearest.
        centers = np.random.default_rng(10).uniform(-2.0, 2.0, size=[num_centers, 1])
        sigma = 0.4
        window = parzen.ParzenWindow(centers, sigma=sigma)
        # Trapezoid rule at step sigma / 5 over +-10 sigma around the centers: for
        # a Gaussian, its error ~exp(-2 pi^2 25) and the tails ~1e-23 are nil.
        grid = np.arange(centers.min() - 10 * sigma, centers.max() + 10 * sigma, sigma / 5)
        density = np.exp(window.log_prob(grid[:, None]).numpy())
        integral = np.sum(density) * (sigma / 5)
        # The relative error of the density bounds that of the integral.
        tolerance = np.max(np.expm1(error_bound(centers, grid[:, None], sigma)))
        assert integral == pytest.approx(1.0, abs=tolerance + 1e-13)

    def test_batch_dimensions_are_kept(self):
        rng = np.random.default_rng(1)
        window = parzen.ParzenWindow(rng.normal(size=[10, 3]), sigma=0.5)
        points = rng.normal(size=[2, 4, 3])
        log_prob = window.log_prob(points).numpy()
        assert log_prob.shape == (2, 4)
        # The same [8, 3] points through the same kernel: equal bit for bit.
        np.testing.assert_array_equal(
            log_prob.reshape(-1), window.log_prob(points.reshape([8, 3])).numpy()
        )

    def test_float32_centers_give_a_float32_distribution(self):
        window = parzen.ParzenWindow(np.zeros([2, 3], np.float32), sigma=1.0)
        assert window.dtype == tf.float32
        assert window.log_prob(np.ones([4, 3], np.float32)).dtype == tf.float32


class TestAgreement:
    @pytest.mark.parametrize("sigma", [0.05, 0.3, 2.0])
    def test_matches_tfp_mixture_same_family(self, sigma):
        rng = np.random.default_rng(2)
        centers = rng.uniform(size=[300, 40])
        points = np.concatenate([rng.uniform(size=[40, 40]), centers[:10] + 0.01])
        window = parzen.ParzenWindow(centers, sigma=sigma)
        expected = tfp_mixture(centers, sigma).log_prob(points).numpy()
        # TFP in float64 is as exact as the NumPy reference: the kernel's bound.
        bound = error_bound(centers, points, sigma)
        assert_within(window.log_prob(points).numpy(), expected, bound, f"sigma={sigma}")

    def test_far_away_points_are_finite_and_match(self):
        rng = np.random.default_rng(3)
        centers = rng.uniform(size=[50, 10])
        points = rng.uniform(size=[5, 10]) + 1000.0
        sigma = 0.1
        # The naive density underflows to zero: log(mean(exp(...))) = -inf.
        squared = ((points[:, None] - centers[None]) ** 2).sum(axis=2)
        with np.errstate(divide="ignore"):
            assert np.all(np.isneginf(np.log(np.exp(-squared / (2 * sigma**2)).mean(axis=1))))
        log_prob = parzen.ParzenWindow(centers, sigma=sigma).log_prob(points).numpy()
        assert np.all(np.isfinite(log_prob))
        # log p ~ -5e8: the nearest centers carry all the mass, so the bound is
        # float64 rounding at that size (~1e-6).
        bound = error_bound(centers, points, sigma)
        assert_within(log_prob, tfp_mixture(centers, sigma).log_prob(points).numpy(), bound, "TFP")
        assert_within(log_prob, numpy_log_likelihoods(centers, points, sigma), bound, "NumPy")


class TestPrecision:
    def test_large_offset_float32_matches_float64_reference(self):
        # Values ~100 + small noise: ||x||^2 ~ 1e6 while distances are ~1, so
        # the float32 matmul form without care loses every digit.
        rng = np.random.default_rng(4)
        centers = (100.0 + 0.05 * rng.normal(size=[400, 64])).astype(np.float32)
        points = (100.0 + 0.05 * rng.normal(size=[30, 64])).astype(np.float32)
        sigma = 0.05
        expected = numpy_log_likelihoods(centers, points, sigma)
        naive = (
            (points**2).sum(1)[:, None] - 2.0 * points @ centers.T + (centers**2).sum(1)[None]
        ).astype(np.float32)
        exact_squared = ((points.astype(np.float64)[:, None] - centers[None]) ** 2).sum(axis=2)
        assert np.abs(naive - exact_squared).max() > 1e-2  # the naive form is broken here
        for num_refined in (8, 0):
            window = parzen.ParzenWindow(centers.astype(np.float64), sigma, num_refined=num_refined)
            # Centring leaves distances of O(1) to round: the kernel's bound.
            bound = error_bound(centers, points, sigma, num_refined)
            assert_within(window.log_prob(points).numpy(), expected, bound, f"{num_refined=}")

    def test_refinement_removes_float32_rounding(self):
        # MNIST-like spread at a small sigma: the plain float32 product is off
        # by ~1e-3 nats, the refined one only by float64 rounding.
        rng = np.random.default_rng(5)
        centers = rng.uniform(size=[1000, 784])
        near = centers[:20] + 0.1 * rng.normal(size=[20, 784])
        points = np.concatenate([near, rng.uniform(size=[20, 784])])
        squared = squared_distances(centers, points)
        expected = numpy_log_likelihoods(centers, points, 0.1, squared)
        refined = parzen.ParzenWindow(centers, 0.1).log_prob(points).numpy()
        plain = parzen.ParzenWindow(centers, 0.1, num_refined=0).log_prob(points).numpy()
        # The 8 nearest carry nearly all the density: float64 rounding is left.
        bound = error_bound(centers, points, 0.1, squared=squared)
        assert bound.max() < 1e-9
        assert_within(refined, expected, bound, "refined")
        assert_within(plain, expected, error_bound(centers, points, 0.1, 0, squared), "plain")
        assert np.abs(plain - expected).max() > 1e-6  # float32 distances do show


@pytest.fixture(scope="module")
def mnist_split(mnist_images_path):
    """1,925 real digits as centers; 200 + 200 others to score; float64 distances.

    1,925 = 3 * 640 + 5: with center_chunk_size=640 the last chunk of centers
    has 5 real centers (float64 alone), the others 640 (8 of them refined).
    """
    with gzip.open(mnist_images_path, "rb") as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    digits = digits.astype(np.float32) / 255.0
    centers, valid, test = digits[:1925], digits[7000:7200], digits[7200:7400]
    return centers, valid, test, squared_distances(centers, valid), squared_distances(centers, test)


def kernel_grid(centers, points, center_chunk_size, num_refined=8):
    """`parzen_kernel` on every sigma of the grid at once, in chunks of 64 points: [S, n]."""
    prepared = parzen_kernel.prepare_centers(tf.constant(centers))
    return parzen_kernel.log_likelihood_grid(
        prepared, tf.constant(points), tf.constant(SIGMAS), 64, center_chunk_size, num_refined
    ).numpy()


class TestMnistPrecision:
    @pytest.mark.parametrize("center_chunk_size", [10000, 640])
    def test_protocol_is_within_1e6_nats_of_float64(self, mnist_split, center_chunk_size):
        centers, valid, test, valid_squared, test_squared = mnist_split
        result = parzen.evaluate(
            centers, test, validation=valid, chunk_size=64, center_chunk_size=center_chunk_size
        )
        curve = [numpy_log_likelihoods(centers, valid, s, valid_squared).mean() for s in SIGMAS]
        # README: "within 1e-6 nats of a float64 reference", at every sigma of the
        # grid. Per point the float32 terms add up to ~2e-6 (measured at sigma =
        # 1, where the unrefined centers carry ~40% of the density) of varying
        # sign: the means are off by < 2e-7.
        np.testing.assert_allclose(result.validation_log_likelihoods, curve, atol=1e-6, rtol=0)
        assert result.sigma == SIGMAS[int(np.argmax(curve))]
        expected = numpy_log_likelihoods(centers, test, result.sigma, test_squared)
        assert result.mean == pytest.approx(expected.mean(), abs=1e-6)

    @pytest.mark.parametrize("center_chunk_size", [10000, 640])
    def test_per_point_errors_are_within_the_documented_bound(self, mnist_split, center_chunk_size):
        centers, valid, _, squared, _ = mnist_split
        log_likelihoods = kernel_grid(centers, valid, center_chunk_size)  # [S, n]
        for sigma, log_prob in zip(SIGMAS, log_likelihoods):
            expected = numpy_log_likelihoods(centers, valid, sigma, squared)
            bound = error_bound(centers, valid, sigma, squared=squared)
            assert_within(log_prob, expected, bound, f"sigma={sigma:.3f}")
            if sigma < 0.3:
                # The 8 nearest centers carry all but < 1e-9 of each density:
                # float64 rounding alone, far below 1e-6 per point.
                assert bound.max() < 1e-9

    def test_chunks_of_at_most_num_refined_centers_are_float64(self, mnist_split):
        centers, valid, _, squared, _ = mnist_split
        # 64 refined of every 64 centers: no float32 term is left, so the
        # bound is float64 rounding alone (~1e-10 nats), on any CPU.
        log_likelihoods = kernel_grid(centers, valid, 64, num_refined=64)
        for sigma, log_prob in zip(SIGMAS, log_likelihoods):
            expected = numpy_log_likelihoods(centers, valid, sigma, squared)
            bound = error_bound(centers, valid, sigma, len(centers), squared)
            assert_within(log_prob, expected, bound, f"sigma={sigma:.3f}")


class TestChunking:
    @pytest.mark.parametrize("num_refined", [8, 0])
    def test_every_chunk_shape_is_within_the_bound(self, num_refined):
        # Other chunk shapes round the float32 product and sums differently,
        # and refine the nearest centers of each chunk: every shape is within
        # the kernel's bound of float64 (smaller chunks only refine more).
        rng = np.random.default_rng(6)
        centers = rng.uniform(size=[103, 12])
        points = rng.uniform(size=[29, 12])
        expected = numpy_log_likelihoods(centers, points, 0.2)
        bound = error_bound(centers, points, 0.2, num_refined)
        for chunk_size, center_chunk_size in ((1000, 1000), (7, 13), (1, 40), (30, 5)):
            window = parzen.ParzenWindow(
                centers,
                0.2,
                chunk_size=chunk_size,
                center_chunk_size=center_chunk_size,
                num_refined=num_refined,
            )
            shape = f"chunks {chunk_size}/{center_chunk_size}"
            assert_within(window.log_prob(points).numpy(), expected, bound, shape)

    def test_evaluate_chunking_is_invisible(self):
        rng = np.random.default_rng(7)
        centers, test, valid = (rng.uniform(size=[n, 8]) for n in (60, 25, 15))
        whole = parzen.evaluate(centers, test, validation=valid)
        chunked = parzen.evaluate(
            centers, test, validation=valid, chunk_size=4, center_chunk_size=9
        )
        assert chunked.sigma == whole.sigma
        # Each within the kernel's bound of float64, so of each other.
        curve = [numpy_log_likelihoods(centers, valid, s).mean() for s in SIGMAS]
        bounds = [error_bound(centers, valid, s).mean() for s in SIGMAS]
        for result in (whole, chunked):
            assert_within(result.validation_log_likelihoods, curve, bounds, "curve")
            expected = numpy_log_likelihoods(centers, test, result.sigma).mean()
            assert_within(result.mean, expected, error_bound(centers, test, result.sigma).mean())


class TestProtocol:
    def setup_method(self):
        rng = np.random.default_rng(8)
        self.centers = rng.uniform(size=[80, 2, 2, 1])
        self.valid = rng.uniform(size=[30, 2, 2, 1])
        self.test = rng.uniform(size=[40, 2, 2, 1])
        self.sigmas = np.logspace(-1, 0, 10)

    def test_select_sigma_maximises_the_brute_force_curve(self):
        best, curve = parzen.select_sigma(self.centers, self.valid, self.sigmas)
        brute_force = [
            np.mean(parzen.ParzenWindow(self.centers, s).log_prob(self.valid.reshape([30, 4])))
            for s in self.sigmas
        ]
        # One grid call against one call per sigma: both within the bound of float64.
        expected = [numpy_log_likelihoods(self.centers, self.valid, s).mean() for s in self.sigmas]
        bounds = [error_bound(self.centers, self.valid, s).mean() for s in self.sigmas]
        assert_within(curve, expected, bounds, "grid")
        assert_within(brute_force, expected, bounds, "one sigma at a time")
        assert best == self.sigmas[int(np.argmax(brute_force))]
        assert 0 < np.argmax(curve) < len(self.sigmas) - 1  # an interior maximum

    def test_evaluate_runs_the_protocol(self):
        result = parzen.evaluate(self.centers, self.test, validation=self.valid, sigmas=self.sigmas)
        best, curve = parzen.select_sigma(self.centers, self.valid, self.sigmas)
        assert result.sigma == best
        np.testing.assert_allclose(result.validation_log_likelihoods, curve)
        assert result.sigmas == tuple(self.sigmas)
        per_example = numpy_log_likelihoods(self.centers, self.test, best)
        bound = error_bound(self.centers, self.test, best)
        assert result.mean == pytest.approx(per_example.mean(), abs=bound.mean())
        # |std(a) - std(b)| <= rms(a - b) <= max |a - b|.
        expected_stderr = per_example.std() / math.sqrt(40)
        assert result.stderr == pytest.approx(expected_stderr, abs=bound.max() / math.sqrt(40))

    def test_evaluate_with_a_fixed_sigma(self):
        result = parzen.evaluate(self.centers, self.test, sigma=0.25)
        assert result.sigma == 0.25
        assert result.sigmas == (0.25,)
        assert result.validation_log_likelihoods == ()
        expected = numpy_log_likelihoods(self.centers, self.test, 0.25).mean()
        bound = error_bound(self.centers, self.test, 0.25)
        assert result.mean == pytest.approx(expected, abs=bound.mean())

    def test_result_is_frozen(self):
        result = parzen.evaluate(self.centers, self.test, sigma=0.25)
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.mean = 0.0


class TestSampling:
    def test_sample_shapes(self):
        window = parzen.ParzenWindow(np.zeros([5, 2, 2, 1]), sigma=0.1)
        assert window.sample(7, seed=0).shape == (7, 4)
        assert window.sample([2, 3], seed=0).shape == (2, 3, 4)

    def test_samples_lie_near_centers(self):
        centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
        samples = parzen.ParzenWindow(centers, sigma=0.1).sample(3000, seed=1).numpy()
        distances = np.linalg.norm(samples[:, None] - centers[None], axis=2)  # [n, 3]
        nearest = distances.argmin(axis=1)
        assert distances.min(axis=1).max() < 1.0
        assert np.bincount(nearest, minlength=3).min() > 900  # equal weights
        noise = samples - centers[nearest]
        np.testing.assert_allclose(noise.std(axis=0), [0.1, 0.1], rtol=0.1)

    def test_samples_have_the_mixture_mean_and_variance(self):
        rng = np.random.default_rng(11)
        centers = rng.normal(size=[7, 3]) * [1.0, 3.0, 0.5]
        sigma, n = 0.6, 20000
        samples = parzen.ParzenWindow(centers, sigma).sample(n, seed=(5, 6)).numpy()
        # Per dimension: mean of the centers; variance of the centers + sigma^2;
        # 4th central moment from E[(c + sigma z)^4] averaged over the centers.
        offsets = centers - centers.mean(axis=0)
        variance = np.mean(offsets**2, axis=0) + sigma**2
        fourth = np.mean(offsets**4 + 6 * offsets**2 * sigma**2 + 3 * sigma**4, axis=0)
        # 5 standard errors of the sample mean and variance: a correct sampler
        # fails with probability < 6 * 6e-7.
        mean_error = samples.mean(axis=0) - centers.mean(axis=0)
        assert np.all(np.abs(mean_error) <= 5 * np.sqrt(variance / n)), mean_error
        variance_error = samples.var(axis=0) - variance
        assert np.all(np.abs(variance_error) <= 5 * np.sqrt((fourth - variance**2) / n)), (
            variance_error
        )

    def test_seeded_samples_repeat(self):
        # TFP convention: a pair of ints is a stateless, reproducible seed.
        window = parzen.ParzenWindow(np.eye(3), sigma=0.5)
        first = window.sample(4, seed=(3, 4))
        np.testing.assert_array_equal(first, window.sample(4, seed=(3, 4)))
        assert not np.array_equal(first, window.sample(4, seed=(3, 5)))


class TestBadInput:
    def test_mismatched_dimensions(self):
        window = parzen.ParzenWindow(np.zeros([4, 3]), sigma=1.0)
        with pytest.raises(ValueError, match=r"shape \[\.\.\., 3\].*Received: x.shape=\(2, 5\)"):
            window.log_prob(np.zeros([2, 5]))
        with pytest.raises(ValueError, match=r"as many features.*Received: test.shape=\(2, 5\)"):
            parzen.evaluate(np.zeros([4, 3]), np.zeros([2, 5]), sigma=1.0)
        with pytest.raises(ValueError, match=r"Received: validation.shape=\(2, 2\)"):
            parzen.select_sigma(np.zeros([4, 3]), np.zeros([2, 2]))

    def test_empty_arrays(self):
        with pytest.raises(ValueError, match=r"`centers` is empty. Received: centers.shape=\(0,"):
            parzen.ParzenWindow(np.zeros([0, 3]), sigma=1.0)
        with pytest.raises(ValueError, match=r"`x` is empty. Received: x.shape=\(0, 3\)"):
            parzen.ParzenWindow(np.zeros([4, 3]), sigma=1.0).log_prob(np.zeros([0, 3]))
        with pytest.raises(ValueError, match=r"`test` must be a non-empty.*Received: test.shape="):
            parzen.evaluate(np.zeros([4, 3]), np.zeros([0, 3]), sigma=1.0)
        with pytest.raises(ValueError, match=r"Received: sigmas=\[\]"):
            parzen.select_sigma(np.zeros([4, 3]), np.zeros([2, 3]), sigmas=[])

    @pytest.mark.parametrize("sigma", [0.0, -1.0, float("nan")])
    def test_non_positive_sigma(self, sigma):
        with pytest.raises(ValueError, match=r"Received: sigma="):
            parzen.ParzenWindow(np.zeros([4, 3]), sigma=sigma)
        with pytest.raises(ValueError, match=r"Received: sigma="):
            parzen.evaluate(np.zeros([4, 3]), np.zeros([2, 3]), sigma=sigma)
        with pytest.raises(ValueError, match=r"Received: sigmas="):
            parzen.select_sigma(np.zeros([4, 3]), np.zeros([2, 3]), sigmas=[0.1, sigma])

    def test_nan_in_inputs(self):
        bad = np.zeros([4, 3])
        bad[1, 2] = np.nan
        with pytest.raises(ValueError, match=r"`centers` contains NaN.*Received: centers with 1 "):
            parzen.ParzenWindow(bad, sigma=1.0)
        with pytest.raises(ValueError, match=r"`x` contains NaN.*Received: x with 1 non-finite"):
            parzen.ParzenWindow(np.zeros([4, 3]), sigma=1.0).log_prob(bad)
        with pytest.raises(ValueError, match=r"`validation` contains NaN.*Received: validation "):
            parzen.evaluate(np.zeros([4, 3]), np.zeros([2, 3]), validation=bad)

    def test_evaluate_needs_validation_or_sigma(self):
        centers, points = np.zeros([4, 3]), np.ones([2, 3])
        with pytest.raises(ValueError, match=r"exactly one of.*Received: validation=None, sigma=None"):
            parzen.evaluate(centers, points)
        with pytest.raises(ValueError, match=r"Received: validation=an array, sigma=0.5"):
            parzen.evaluate(centers, points, validation=points, sigma=0.5)

    def test_bad_options(self):
        with pytest.raises(ValueError, match=r"Received: chunk_size=0"):
            parzen.ParzenWindow(np.zeros([4, 3]), sigma=1.0, chunk_size=0)
        with pytest.raises(ValueError, match=r"Received: num_refined=-1"):
            parzen.evaluate(np.zeros([4, 3]), np.zeros([2, 3]), sigma=1.0, num_refined=-1)
        with pytest.raises(ValueError, match=r"`sigma` must be a scalar. Received: sigma.shape="):
            parzen.ParzenWindow(np.zeros([4, 3]), sigma=[1.0, 2.0])


class TestNearestSearch:
    @pytest.mark.parametrize("k", [1, 3, 8, 64, 192])
    def test_block_top_k_matches_top_k(self, k):
        rng = np.random.default_rng(9)
        values = tf.constant(np.round(rng.normal(size=[5, 192]), 1), tf.float32)  # with ties
        expected_values, _ = tf.math.top_k(values, k=k)
        top_values, indices = parzen_kernel._top_k_by_blocks(values, k)
        np.testing.assert_array_equal(top_values, expected_values)
        np.testing.assert_array_equal(tf.gather(values, indices, batch_dims=1), top_values)
        assert all(len(set(row)) == k for row in indices.numpy().tolist())
