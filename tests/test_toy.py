"""Tests for keras_gan.toy (toy distributions) and their metrics: mode coverage, KS distance."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import metrics
from keras_gan import toy

# 10,000 samples, as in the benchmarks' protocol.
NUM_SAMPLES = 10_000
# P(||noise|| <= 3 std) for isotropic 2-D Gaussian noise (chi with 2 dof).
WITHIN_3_STD_2D = 1.0 - math.exp(-4.5)


class TestDistributions:
    def test_ring_modes_are_the_standard_setting(self):
        ring = toy.ring()
        assert ring.num_modes == 8 and ring.dim == 2 and ring.std == 0.02
        np.testing.assert_allclose(np.linalg.norm(ring.modes, axis=1), 2.0)
        angles = np.sort(np.mod(np.arctan2(ring.modes[:, 1], ring.modes[:, 0]), 2 * np.pi))
        np.testing.assert_allclose(np.diff(angles), 2 * np.pi / 8)
        np.testing.assert_allclose(ring.modes[0], [2.0, 0.0], atol=1e-12)

    def test_grid_modes_are_the_standard_setting(self):
        grid = toy.grid()
        assert grid.num_modes == 25 and grid.std == 0.05
        expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
        assert {tuple(m) for m in np.round(grid.modes, 9)} == expected

    def test_modes_property_is_a_copy(self):
        ring = toy.ring()
        ring.modes[0] = 100.0
        np.testing.assert_allclose(ring.modes[0], [2.0, 0.0], atol=1e-12)

    @pytest.mark.parametrize("make", [toy.ring, toy.grid])
    def test_sample_statistics_per_mode(self, make):
        dist = make()
        samples = dist.sample(NUM_SAMPLES * 5, seed=1)
        assert samples.shape == (NUM_SAMPLES * 5, 2) and samples.dtype == np.float32
        nearest = np.argmin(
            ((samples[:, None, :] - dist.modes[None]) ** 2).sum(-1), axis=1
        )
        proportions = np.bincount(nearest, minlength=dist.num_modes) / len(samples)
        # Multinomial: each proportion within 5 standard errors of uniform.
        p = 1.0 / dist.num_modes
        np.testing.assert_allclose(proportions, p, atol=5 * math.sqrt(p * (1 - p) / len(samples)))
        for k in range(dist.num_modes):
            members = samples[nearest == k].astype(np.float64)
            standard_error = dist.std / math.sqrt(len(members))
            np.testing.assert_allclose(members.mean(0), dist.modes[k], atol=5 * standard_error)
            np.testing.assert_allclose(members.std(0), dist.std, rtol=0.1)

    def test_gaussian_1d_moments(self):
        data = toy.gaussian_1d(mean=4.0, std=0.5)
        samples = data.sample(NUM_SAMPLES, seed=0)[:, 0].astype(np.float64)
        assert data.dim == 1 and data.num_modes == 1
        assert abs(samples.mean() - 4.0) < 5 * 0.5 / math.sqrt(NUM_SAMPLES)
        assert abs(samples.std() - 0.5) < 0.02

    @pytest.mark.parametrize("make", [toy.ring, toy.grid, toy.gaussian_1d])
    def test_mean_and_variance_are_the_whole_mixtures(self, make):
        data = make()
        samples = data.sample(NUM_SAMPLES, seed=1).astype(np.float64)
        np.testing.assert_allclose(data.mean, samples.mean(0), atol=0.05)
        np.testing.assert_allclose(data.variance, samples.var(0), rtol=0.05)

    def test_sample_is_deterministic_for_a_seed(self):
        ring = toy.ring()
        np.testing.assert_array_equal(ring.sample(100, seed=7), ring.sample(100, seed=7))
        assert not np.array_equal(ring.sample(100, seed=7), ring.sample(100, seed=8))

    def test_dataset_yields_the_seeded_samples(self):
        grid = toy.grid()
        dataset = grid.dataset(64, seed=3)
        assert dataset.element_spec == tf.TensorSpec((2,), tf.float32)
        assert int(dataset.cardinality()) == 64
        got = np.stack(list(dataset.as_numpy_iterator()))
        np.testing.assert_array_equal(got, grid.sample(64, seed=3))

    def test_log_prob_matches_an_independent_mixture_density(self):
        ring = toy.ring(std=0.3)
        x = np.array([[2.0, 0.1], [0.0, 0.0], [-1.5, 1.2]])
        variance = 0.3**2
        densities = [
            np.mean([np.exp(-np.sum((p - m) ** 2) / (2 * variance)) for m in ring.modes])
            / (2 * np.pi * variance)
            for p in x
        ]
        np.testing.assert_allclose(ring.log_prob(x), np.log(densities), rtol=1e-10)
        # 1-D: accepts (n,) and matches the normal density.
        data = toy.gaussian_1d(mean=1.0, std=2.0)
        expected = -0.5 * ((3.0 - 1.0) / 2.0) ** 2 - math.log(2.0 * math.sqrt(2 * math.pi))
        np.testing.assert_allclose(data.log_prob(np.array([3.0])), [expected])

    def test_log_prob_in_chunks_equals_one_pass(self, monkeypatch):
        mixture = toy.GaussianMixture(np.random.default_rng(0).normal(size=(50, 2)), std=0.5)
        x = np.random.default_rng(1).normal(size=(37, 2))
        whole = mixture.log_prob(x)
        monkeypatch.setattr(toy, "_LOG_PROB_ENTRIES", 3 * 50 * 2)  # 3 points at a time
        np.testing.assert_allclose(mixture.log_prob(x), whole, rtol=1e-14)
        assert mixture.log_prob(np.zeros((0, 2))).shape == (0,)

    def test_get_by_name(self):
        assert toy.get("grid").num_modes == 25
        assert toy.get("ring", std=0.05).std == 0.05
        with pytest.raises(ValueError, match="Expected one of: 'gaussian_1d', 'ring', 'grid'"):
            toy.get("swiss_roll")

    def test_invalid_arguments(self):
        with pytest.raises(ValueError, match="positive finite std"):
            toy.ring(std=0.0)
        with pytest.raises(ValueError, match="positive integer for `num_modes`"):
            toy.ring(num_modes=0)
        with pytest.raises(ValueError, match=r"modes of shape \(num_modes, dim\)"):
            toy.GaussianMixture([1.0, 2.0], std=1.0)
        with pytest.raises(ValueError, match="positive integer for `n`"):
            toy.ring().sample(-1)


class TestCoverage:
    @pytest.mark.parametrize("make", [toy.ring, toy.grid])
    def test_exact_samples_cover_every_mode(self, make):
        dist = make()
        result = metrics.mode_coverage(dist.sample(NUM_SAMPLES, seed=0), dist)
        assert result.modes_covered == result.num_modes == dist.num_modes
        # Binomial standard error ~0.001 at n = 10,000.
        assert abs(result.high_quality_fraction - WITHIN_3_STD_2D) < 0.005
        assert result.samples_per_mode.sum() == round(result.high_quality_fraction * NUM_SAMPLES)

    def test_one_dimensional_exact_samples(self):
        data = toy.gaussian_1d()
        result = metrics.mode_coverage(data.sample(NUM_SAMPLES, seed=0)[:, 0], data)
        assert result.modes_covered == 1
        assert abs(result.high_quality_fraction - 0.9973) < 0.003

    def test_collapsed_sampler_covers_one_mode(self):
        ring = toy.ring()
        rng = np.random.default_rng(0)
        collapsed = ring.modes[3] + ring.std * rng.standard_normal((NUM_SAMPLES, 2))
        result = metrics.mode_coverage(collapsed, ring)
        assert (result.modes_covered, result.num_modes) == (1, 8)
        assert result.samples_per_mode[3] == result.samples_per_mode.sum()
        assert result.high_quality_fraction > 0.98

    def test_uniform_noise_over_the_box_is_low_quality(self):
        ring = toy.ring()
        noise = np.random.default_rng(0).uniform(-2.5, 2.5, size=(NUM_SAMPLES, 2))
        result = metrics.mode_coverage(noise, ring)
        # Expected: 8 discs of radius 0.06 over a 5x5 box, about 0.36%.
        assert result.high_quality_fraction < 0.02

    def test_samples_between_modes_are_not_high_quality(self):
        ring = toy.ring()
        between = np.repeat([[0.0, 0.0], [2.0, 0.0]], [3, 1], axis=0)
        result = metrics.mode_coverage(between, ring)
        assert result.high_quality_fraction == 0.25
        assert result.modes_covered == 1

    def test_quality_radius_is_three_std_euclidean(self):
        ring = toy.ring()
        centre, step = ring.modes[0], 3 * ring.std
        diagonal = np.array([1.0, 1.0]) / math.sqrt(2)
        inside = [centre + 0.99 * step * diagonal, centre + [0.0, 0.99 * step]]
        # Each coordinate within 3 std, but the Euclidean distance is 3.5 std.
        outside = [centre + 1.01 * step * diagonal, centre + [2.5 * ring.std] * 2]
        assert metrics.mode_coverage(np.array(inside), ring).high_quality_fraction == 1.0
        assert metrics.mode_coverage(np.array(outside), ring).high_quality_fraction == 0.0
        wider = metrics.mode_coverage(np.array(outside), ring, num_std=3.6)
        assert wider.high_quality_fraction == 1.0

    def test_min_samples_threshold(self):
        ring = toy.ring()
        points = np.concatenate([np.repeat(ring.modes[:1], 5, 0), ring.modes[1:2]])
        assert metrics.mode_coverage(points, ring).modes_covered == 2
        assert metrics.mode_coverage(points, ring, min_samples=5).modes_covered == 1

    def test_non_finite_samples_are_not_high_quality(self):
        ring = toy.ring()
        points = np.array([[np.nan, 0.0], [np.inf, 1.0], [2.0, 0.0], [0.0, 2.0]])
        result = metrics.mode_coverage(points, ring)
        assert result.high_quality_fraction == 0.5
        assert result.modes_covered == 2

    def test_invalid_inputs(self):
        ring = toy.ring()
        with pytest.raises(ValueError, match=r"Expected points of shape \(n, 2\)"):
            metrics.mode_coverage(np.zeros((10, 3)), ring)
        with pytest.raises(ValueError, match="GaussianMixture"):
            metrics.mode_coverage(np.zeros((10, 2)), "ring")
        with pytest.raises(ValueError, match="positive num_std"):
            metrics.mode_coverage(np.zeros((10, 2)), ring, num_std=0)


class TestKsDistance:
    def test_exact_samples_are_close_and_a_narrow_sampler_is_not(self):
        data = toy.gaussian_1d(mean=4.0, std=0.5)
        rng = np.random.default_rng(0)
        # sqrt(n) * KS of exact samples stays below 1.63 with probability 0.99.
        exact = data.sample(NUM_SAMPLES, seed=0)
        assert metrics.ks_distance(exact, data) < 1.63 / math.sqrt(NUM_SAMPLES)
        # A generator that is 20% too narrow: KS = 2 * (Phi(z) - Phi(z / 0.8)) at its peak, about 0.063.
        narrow = rng.normal(4.0, 0.4, size=NUM_SAMPLES)
        assert 0.05 < metrics.ks_distance(narrow, data) < 0.08
        shifted = rng.normal(4.5, 0.5, size=NUM_SAMPLES)  # One std off: 2 Phi(0.5) - 1 = 0.383.
        assert metrics.ks_distance(shifted, data) == pytest.approx(0.383, abs=0.02)

    def test_matches_the_definition_on_a_tiny_example(self):
        data = toy.gaussian_1d(mean=0.0, std=1.0)
        # The CDF at 0 is 1/2; one sample at 0 has an empirical CDF jumping 0 -> 1.
        assert metrics.ks_distance([0.0], data) == pytest.approx(0.5)
        assert metrics.ks_distance(np.array([[-50.0], [50.0]]), data) == pytest.approx(0.5)

    def test_invalid_inputs(self):
        with pytest.raises(ValueError, match="one-dimensional"):
            metrics.ks_distance(np.zeros((3, 2)), toy.ring())
        with pytest.raises(ValueError, match="all finite"):
            metrics.ks_distance([0.0, np.nan], toy.gaussian_1d())
