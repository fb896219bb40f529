"""Tests for keras_gan.losses: the games and regularisers against NumPy, the registry, the legacy functions."""

import math

import keras
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
        custom = lambda logits: tf.reduce_mean(logits)
        assert losses.get_generator_loss(custom) is custom

    @pytest.mark.parametrize("identifier", ["wasserstein", None, 3])
    def test_unknown_loss_is_a_value_error(self, identifier):
        with pytest.raises(ValueError, match="generator_loss.*Received"):
            losses.get_generator_loss(identifier)


# ---------------------------------------------------------------- games as objects

_RNG = np.random.default_rng(0)
_REAL = _RNG.normal(0.5, 1.5, (6, 1)).astype("float32")
_FAKE = _RNG.normal(-0.5, 1.5, (6, 1)).astype("float32")


def _numpy_games(real_label=1.0):
    """Each game's (d_loss, g_loss, diagnostics) written out in NumPy, float64."""
    r, f = _REAL.astype("float64"), _FAKE.astype("float64")
    d_r, d_f = _sigmoid(r), _sigmoid(f)
    cross_entropy_d = 0.5 * (_bce(d_r, real_label) + _bce(d_f, 0.0))
    probabilities = {
        "d_real": d_r.mean(),
        "d_fake": d_f.mean(),
        "value": np.mean(np.log(d_r)) + np.mean(np.log(1 - d_f)),
    }
    scores = {"real_score": r.mean(), "fake_score": f.mean()}
    return {
        "non_saturating": (cross_entropy_d, -np.mean(np.log(d_f)), probabilities),
        "minimax": (cross_entropy_d, np.mean(np.log(1 - d_f)), probabilities),
        "hinge": (
            np.mean(np.maximum(0, 1 - r)) + np.mean(np.maximum(0, 1 + f)),
            -f.mean(),
            scores,
        ),
        "least_squares": (
            0.5 * np.mean((r - 1) ** 2) + 0.5 * np.mean(f**2),
            0.5 * np.mean((f - 1) ** 2),
            scores,
        ),
        "wasserstein": (f.mean() - r.mean(), -f.mean(), scores),
    }


class TestGames:
    @pytest.mark.parametrize("name", list(losses.GAMES))
    def test_losses_and_diagnostics_match_numpy(self, name):
        game = losses.get(name)
        d_loss, g_loss, diagnostics = _numpy_games()[name]
        np.testing.assert_allclose(float(game.discriminator_loss(_REAL, _FAKE)), d_loss, rtol=1e-5)
        np.testing.assert_allclose(float(game.generator_loss(_FAKE)), g_loss, rtol=1e-5)
        reported = game.diagnostics(_REAL, _FAKE)
        assert tuple(reported) == game.diagnostic_names == tuple(diagnostics)
        for key, expected in diagnostics.items():
            np.testing.assert_allclose(float(reported[key]), expected, rtol=1e-5, atol=1e-7)

    @pytest.mark.parametrize("name", ["non_saturating", "minimax"])
    def test_real_label_smooths_the_paper_games(self, name):
        game = losses.get(name).__class__(real_label=0.9)
        expected = _numpy_games(real_label=0.9)[name][0]
        np.testing.assert_allclose(float(game.discriminator_loss(_REAL, _FAKE)), expected, rtol=1e-5)

    @pytest.mark.parametrize("name", list(losses.GAMES))
    def test_descending_d_loss_raises_real_and_lowers_fake_outputs(self, name):
        game = losses.get(name)
        # Inside every game's active region: hinge's margin, least squares' targets 0 and 1.
        real, fake = np.full(3, 0.7, "float32"), np.full(3, 0.3, "float32")
        real_gradient = _gradient(lambda logits: game.discriminator_loss(logits, fake), real)
        fake_gradient = _gradient(lambda logits: game.discriminator_loss(real, logits), fake)
        assert np.all(real_gradient < 0) and np.all(fake_gradient > 0)

    @pytest.mark.parametrize("name", list(losses.GAMES))
    def test_descending_g_loss_raises_d_of_g_of_z(self, name):
        gradient = _gradient(losses.get(name).generator_loss, np.full(3, -0.2, "float32"))
        assert np.all(gradient < 0)

    def test_the_paper_game_is_minus_half_the_value(self):
        game = losses.NonSaturating()
        np.testing.assert_allclose(
            float(game.discriminator_loss(_REAL, _FAKE)),
            -0.5 * float(game.value(_REAL, _FAKE)),
            rtol=1e-6,
        )

    def test_legacy_functions_are_the_games_formulas(self):
        assert losses.minimax_generator_loss is losses.Minimax.generator_loss
        assert losses.non_saturating_generator_loss is losses.NonSaturating().generator_loss
        np.testing.assert_allclose(
            float(losses.discriminator_loss(_REAL, _FAKE, 0.9)),
            float(losses.NonSaturating(0.9).discriminator_loss(_REAL, _FAKE)),
            rtol=1e-7,
        )

    @pytest.mark.parametrize("real_label", [0.0, 1.5, "1", True])
    def test_bad_real_label(self, real_label):
        with pytest.raises(ValueError, match=f"Received: real_label={real_label!r}"):
            losses.NonSaturating(real_label=real_label)


class TestRegistry:
    def test_names_resolve_to_fresh_objects_with_default_arguments(self):
        assert losses.get("hinge") == losses.Hinge()
        assert losses.get("non_saturating") == losses.NonSaturating(real_label=1.0)
        assert losses.get("r1") == losses.R1(10.0)
        assert losses.get("gradient_penalty") == losses.GradientPenalty(10.0)
        game = losses.LeastSquares()
        assert losses.get(game) is game
        assert losses.GAMES == ("hinge", "least_squares", "minimax", "non_saturating", "wasserstein")
        assert losses.REGULARIZERS == ("gradient_penalty", "r1")

    @pytest.mark.parametrize("identifier", ["mse", "Hinge", None, 3])
    def test_unknown_identifier(self, identifier):
        with pytest.raises(ValueError, match=f"Unknown game or regulariser. Received: identifier={identifier!r}"):
            losses.get(identifier)

    @pytest.mark.parametrize(
        "obj",
        [
            losses.NonSaturating(0.9),
            losses.Minimax(),
            losses.Hinge(),
            losses.LeastSquares(),
            losses.Wasserstein(),
            losses.R1(2.5),
            losses.GradientPenalty(3.0),
        ],
        ids=repr,
    )
    def test_serialize_round_trip(self, obj):
        config = losses.serialize(obj)
        assert config["registered_name"] == f"keras_gan>{type(obj).__name__}"
        restored = losses.deserialize(config)
        assert type(restored) is type(obj) and restored == obj and restored is not obj
        assert losses.get(config) == obj

    def test_deserialize_refuses_other_objects(self):
        config = keras.saving.serialize_keras_object(keras.layers.Dense(1))
        with pytest.raises(ValueError, match="config of a game or a regulariser. Received: a config of Dense"):
            losses.deserialize(config)


def _linear_discriminator(weights):
    """D(x) = w . x, whose input gradient is w everywhere."""
    inputs = keras.Input((len(weights),))
    dense = keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(weights))
    return keras.Model(inputs, dense(inputs))


def _pair_discriminate(model):
    def discriminate(*batches):
        logits = model(tf.concat(batches, axis=0))
        return tuple(tf.split(logits, [int(b.shape[0]) for b in batches]))

    return discriminate


class TestRegularizers:
    def test_r1_of_a_linear_discriminator(self):
        weights = np.array([[1.0], [-2.0], [0.5]], "float32")
        real = tf.constant(_RNG.normal(size=(5, 3)).astype("float32"))
        fake = tf.constant(_RNG.normal(size=(5, 3)).astype("float32"))
        model = _linear_discriminator(weights)
        real_logits, fake_logits, penalty = losses.R1(4.0).logits_and_penalty(
            _pair_discriminate(model), real, fake
        )
        np.testing.assert_allclose(float(penalty), 0.5 * 4.0 * np.sum(weights**2), rtol=1e-6)
        np.testing.assert_allclose(real_logits.numpy(), real.numpy() @ weights, rtol=1e-5)
        np.testing.assert_allclose(fake_logits.numpy(), fake.numpy() @ weights, rtol=1e-5)

    def test_r1_of_a_quadratic_discriminator_matches_numpy(self):
        # D(x) = 0.5 ||x||^2: grad_x D(x) = x, so R1 = gamma / 2 * E ||x||^2.
        real = _RNG.normal(size=(7, 2, 3)).astype("float32")
        discriminate = lambda *batches: tuple(
            0.5 * tf.reduce_sum(tf.square(b), axis=[1, 2])[:, None] for b in batches
        )
        _, _, penalty = losses.R1(3.0).logits_and_penalty(discriminate, tf.constant(real), tf.constant(real))
        expected = 0.5 * 3.0 * np.mean(np.sum(real.astype("float64") ** 2, axis=(1, 2)))
        np.testing.assert_allclose(float(penalty), expected, rtol=1e-5)

    def test_gradient_penalty_matches_numpy_with_the_same_draws(self):
        # D(x) = 0.5 ||x||^2 again: grad D(x_hat) = x_hat.
        real = _RNG.normal(size=(9, 4)).astype("float32")
        fake = _RNG.normal(size=(9, 4)).astype("float32")
        discriminate = lambda *batches: tuple(
            0.5 * tf.reduce_sum(tf.square(b), axis=1, keepdims=True) for b in batches
        )
        _, _, penalty = losses.GradientPenalty(10.0).logits_and_penalty(
            discriminate, tf.constant(real), tf.constant(fake), seed=keras.random.SeedGenerator(5)
        )
        eps = keras.random.uniform((9, 1), seed=keras.random.SeedGenerator(5)).numpy().astype("float64")
        mixed = eps * real + (1 - eps) * fake
        expected = 10.0 * np.mean((np.sqrt(np.sum(mixed**2, axis=1) + 1e-12) - 1) ** 2)
        np.testing.assert_allclose(float(penalty), expected, rtol=1e-5)

    def test_gradient_penalty_draws_one_uniform_coefficient_per_example(self):
        # real = 0, fake = 1 in 3 features, D(x) = 0.5 ||x||^2: ||grad|| = sqrt(3) (1 - eps)
        # with one eps per example. E (sqrt(3) u - 1)^2 = 2 - sqrt(3) for u ~ U[0, 1];
        # per-feature coefficients or normal ones give other values.
        n = 20000
        discriminate = lambda *batches: tuple(
            0.5 * tf.reduce_sum(tf.square(b), axis=1, keepdims=True) for b in batches
        )
        _, _, penalty = losses.GradientPenalty(1.0).logits_and_penalty(
            discriminate, tf.zeros((n, 3)), tf.ones((n, 3)), seed=keras.random.SeedGenerator(0)
        )
        u = np.random.default_rng(0).uniform(size=(n, 3))
        per_feature = np.mean((np.linalg.norm(u, axis=1) - 1) ** 2)
        normal = np.mean((np.sqrt(3) * np.abs(1 - np.random.default_rng(0).normal(size=n)) - 1) ** 2)
        assert abs(float(penalty) - (2 - np.sqrt(3))) < 0.01
        assert abs(per_feature - (2 - np.sqrt(3))) > 0.05 and abs(normal - (2 - np.sqrt(3))) > 0.5

    def test_gradient_penalty_is_zero_for_a_unit_norm_linear_discriminator(self):
        model = _linear_discriminator(np.array([[0.6], [0.8]], "float32"))
        real, fake = tf.constant(_RNG.normal(size=(4, 2)), "float32"), tf.zeros((4, 2))
        _, _, penalty = losses.GradientPenalty().logits_and_penalty(
            _pair_discriminate(model), real, fake, seed=keras.random.SeedGenerator(1)
        )
        np.testing.assert_allclose(float(penalty), 0.0, atol=1e-6)

    @pytest.mark.parametrize("weight", [-1.0, "10", None])
    def test_bad_weight(self, weight):
        with pytest.raises(ValueError, match=f"Received: weight={weight!r}"):
            losses.R1(weight)
