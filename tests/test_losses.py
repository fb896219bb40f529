"""Tests for keras_gan.losses: the paper's value function and its two generator losses."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import losses


def _sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-logits))


def _bce(probabilities, label):
    """Binary cross-entropy from probabilities, written independently of the library."""
    return -np.mean(label * np.log(probabilities) + (1 - label) * np.log(1 - probabilities))


def _gradient(loss, logits):
    variable = tf.Variable(np.asarray(logits, dtype="float32"))
    with tf.GradientTape() as tape:
        result = loss(variable)
    return tape.gradient(result, variable).numpy()


_REAL_LOGITS = np.array([2.0, -0.5, 1.3, 0.1, 3.0], dtype="float32")
_FAKE_LOGITS = np.array([-1.0, 0.4, -2.2, -0.3], dtype="float32")


class TestDiscriminatorLoss:
    @pytest.mark.parametrize("real_label", [1.0, 0.9])
    def test_equals_half_the_sum_of_two_cross_entropies(self, real_label):
        expected = 0.5 * (
            _bce(_sigmoid(_REAL_LOGITS.astype("float64")), real_label)
            + _bce(_sigmoid(_FAKE_LOGITS.astype("float64")), 0.0)
        )
        result = float(losses.discriminator_loss(_REAL_LOGITS, _FAKE_LOGITS, real_label))
        np.testing.assert_allclose(result, expected, rtol=1e-6)

    def test_is_finite_for_saturated_logits(self):
        result = losses.discriminator_loss(np.array([-200.0]), np.array([200.0]))
        np.testing.assert_allclose(float(result), 200.0, rtol=1e-6)

    def test_descending_it_raises_real_and_lowers_fake_logits(self):
        real_gradient = _gradient(
            lambda logits: losses.discriminator_loss(logits, _FAKE_LOGITS), _REAL_LOGITS
        )
        fake_gradient = _gradient(
            lambda logits: losses.discriminator_loss(_REAL_LOGITS, logits), _FAKE_LOGITS
        )
        assert np.all(real_gradient < 0) and np.all(fake_gradient > 0)


class TestValue:
    def test_equals_minus_twice_the_discriminator_loss(self):
        value = float(losses.value(_REAL_LOGITS, _FAKE_LOGITS))
        d_loss = float(losses.discriminator_loss(_REAL_LOGITS, _FAKE_LOGITS, 1.0))
        np.testing.assert_allclose(value, -2.0 * d_loss, rtol=1e-6)

    def test_matches_the_paper_definition(self):
        expected = np.mean(np.log(_sigmoid(_REAL_LOGITS.astype("float64")))) + np.mean(
            np.log(1.0 - _sigmoid(_FAKE_LOGITS.astype("float64")))
        )
        np.testing.assert_allclose(
            float(losses.value(_REAL_LOGITS, _FAKE_LOGITS)), expected, rtol=1e-6
        )

    def test_is_minus_log_4_when_the_discriminator_outputs_one_half(self):
        zeros = np.zeros(7, dtype="float32")
        np.testing.assert_allclose(float(losses.value(zeros, zeros)), -math.log(4.0), rtol=1e-6)


class TestGeneratorLosses:
    # D(G(z)) = sigmoid(-12) ~ 6e-6: the discriminator easily rejects the samples.
    _CONFIDENT_FAKE = np.full(4, -12.0, dtype="float32")

    def test_non_saturating_gradient_is_far_larger_when_the_discriminator_wins(self):
        non_saturating = _gradient(losses.non_saturating_generator_loss, self._CONFIDENT_FAKE)
        minimax = _gradient(losses.minimax_generator_loss, self._CONFIDENT_FAKE)
        assert np.all(np.abs(non_saturating) > 100 * np.abs(minimax))

    @pytest.mark.parametrize("name", ["non_saturating", "minimax"])
    @pytest.mark.parametrize("logit", [-12.0, 0.0, 3.0])
    def test_descending_either_loss_raises_d_of_g_of_z(self, name, logit):
        gradient = _gradient(losses.get_generator_loss(name), np.full(3, logit, dtype="float32"))
        assert np.all(gradient < 0)

    @pytest.mark.parametrize(
        "name, expected",
        [
            # d/dl softplus(-l) = -(1 - D);  d/dl -softplus(l) = -D;  divided by n for the mean.
            ("non_saturating", lambda d: -(1.0 - d)),
            ("minimax", lambda d: -d),
        ],
    )
    def test_gradient_matches_the_closed_form(self, name, expected):
        logits = np.array([-12.0, -2.0, 0.0, 1.5], dtype="float32")
        gradient = _gradient(losses.get_generator_loss(name), logits)
        np.testing.assert_allclose(
            gradient, expected(_sigmoid(logits.astype("float64"))) / 4, rtol=1e-5
        )

    def test_losses_match_their_definitions(self):
        d = _sigmoid(_FAKE_LOGITS.astype("float64"))
        np.testing.assert_allclose(
            float(losses.non_saturating_generator_loss(_FAKE_LOGITS)),
            -np.mean(np.log(d)),
            rtol=1e-6,
        )
        np.testing.assert_allclose(
            float(losses.minimax_generator_loss(_FAKE_LOGITS)), np.mean(np.log(1 - d)), rtol=1e-6
        )


class TestGetGeneratorLoss:
    def test_names_and_callables(self):
        assert losses.get_generator_loss("minimax") is losses.minimax_generator_loss
        assert losses.get_generator_loss("non_saturating") is losses.non_saturating_generator_loss
        custom = lambda logits: tf.reduce_mean(logits)  # noqa: E731
        assert losses.get_generator_loss(custom) is custom

    @pytest.mark.parametrize("identifier", ["wasserstein", None, 3])
    def test_unknown_loss_is_a_value_error(self, identifier):
        with pytest.raises(ValueError, match="generator_loss.*Received"):
            losses.get_generator_loss(identifier)
