"""Tests for keras_gan.priors: the noise distributions p_z of the original code."""

import math

import keras
import numpy as np
import pytest

from keras_gan import priors

_SHAPE = (20000, 4)


class TestDistributions:
    def test_uniform_has_unit_variance_on_plus_minus_sqrt_3(self):
        noise = keras.ops.convert_to_numpy(priors.uniform(_SHAPE, seed=0))
        assert noise.dtype == np.float32 and noise.shape == _SHAPE
        assert noise.min() >= -math.sqrt(3) and noise.max() <= math.sqrt(3)
        # The range is filled: both ends are approached, not a narrower interval.
        assert noise.min() < -1.72 and noise.max() > 1.72
        np.testing.assert_allclose(noise.mean(), 0.0, atol=0.02)
        np.testing.assert_allclose(noise.var(), 1.0, atol=0.02)

    def test_gaussian_is_standard_normal(self):
        noise = keras.ops.convert_to_numpy(priors.gaussian(_SHAPE, seed=0))
        assert noise.dtype == np.float32 and noise.shape == _SHAPE
        np.testing.assert_allclose(noise.mean(), 0.0, atol=0.02)
        np.testing.assert_allclose(noise.var(), 1.0, atol=0.03)
        # Unbounded, unlike the uniform prior.
        assert np.abs(noise).max() > 3.0

    def test_spherical_rows_have_unit_norm_and_uniform_direction(self):
        noise = keras.ops.convert_to_numpy(priors.spherical(_SHAPE, seed=0))
        assert noise.dtype == np.float32 and noise.shape == _SHAPE
        np.testing.assert_allclose(np.linalg.norm(noise, axis=-1), 1.0, rtol=1e-5)
        np.testing.assert_allclose(noise.mean(axis=0), 0.0, atol=0.02)
        # Each coordinate of a uniform direction in 4-D has variance 1/4.
        np.testing.assert_allclose(noise.var(axis=0), 0.25, atol=0.01)


class TestSeeds:
    @pytest.mark.parametrize("name", ["uniform", "gaussian", "spherical"])
    def test_same_int_seed_same_noise_different_seed_different_noise(self, name):
        prior = priors.get(name)
        first = keras.ops.convert_to_numpy(prior((8, 3), seed=1))
        again = keras.ops.convert_to_numpy(prior((8, 3), seed=1))
        other = keras.ops.convert_to_numpy(prior((8, 3), seed=2))
        np.testing.assert_array_equal(first, again)
        assert not np.allclose(first, other)

    def test_seed_generators_with_the_same_seed_give_the_same_stream(self):
        streams = [keras.random.SeedGenerator(5), keras.random.SeedGenerator(5)]
        draws = [
            [keras.ops.convert_to_numpy(priors.uniform((4, 2), seed=s)) for _ in range(2)]
            for s in streams
        ]
        np.testing.assert_array_equal(draws[0][0], draws[1][0])
        np.testing.assert_array_equal(draws[0][1], draws[1][1])
        # A generator advances: consecutive draws differ.
        assert not np.allclose(draws[0][0], draws[0][1])


class TestGet:
    @pytest.mark.parametrize("name", ["uniform", "gaussian", "spherical"])
    def test_names_round_trip(self, name):
        prior = priors.get(name)
        assert prior is getattr(priors, name)
        assert priors.name_of(prior) == name

    def test_callables_pass_through_and_have_no_name(self):
        def custom(shape, seed=None):
            return keras.random.uniform(shape, seed=seed)

        assert priors.get(custom) is custom
        assert priors.name_of(custom) is None

    @pytest.mark.parametrize("identifier", ["normal", "", None, 1.0])
    def test_unknown_prior_is_a_value_error(self, identifier):
        with pytest.raises(ValueError, match="latent_prior.*Received"):
            priors.get(identifier)

    @pytest.mark.parametrize("name", ["uniform", "gaussian", "spherical"])
    def test_builtin_priors_serialize_by_registered_name(self, name):
        prior = priors.get(name)
        restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(prior))
        assert restored is prior
