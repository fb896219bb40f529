"""GAN with each game of keras_gan.losses: compile, the trackers, updates, saving, the earlier keywords."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import losses

_SHAPE = (3,)
_GAMES = [losses.NonSaturating(), losses.Minimax(), losses.Hinge(), losses.LeastSquares(), losses.Wasserstein()]
_DATA = np.random.default_rng(0).normal(size=(64, *_SHAPE)).astype("float32")


def _pair(seed=0):
    generator = keras_gan.models.mlp_generator(4, _SHAPE, hidden_units=(16,), seed=seed)
    discriminator = keras_gan.models.mlp_discriminator(_SHAPE, hidden_units=(16,), seed=seed + 1)
    return generator, discriminator


def _gan(loss=None, regularizer=None, seed=0, **options):
    gan = keras_gan.GAN(*_pair(seed), latent_prior="gaussian", seed=seed, **options)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
        loss=loss,
        regularizer=regularizer,
    )
    return gan


def _metric_names(gan):
    return [metric.name for metric in gan.metrics]


class TestCompile:
    @pytest.mark.parametrize("game", _GAMES, ids=repr)
    def test_a_name_or_an_object(self, game):
        name = {v: k for k, v in losses.ALL_OBJECTS.items()}[type(game)]
        by_name, by_object = _gan(loss=name), _gan(loss=game)
        assert by_name.game == by_object.game == game
        assert by_object.game is game
        assert _metric_names(by_name) == ["d_loss", "g_loss", *game.diagnostic_names]

    def test_the_default_is_the_paper_game(self):
        gan = _gan()
        assert gan.game == losses.NonSaturating() and gan.regularizer is None
        assert _metric_names(gan) == ["d_loss", "g_loss", "d_real", "d_fake", "value"]
        assert gan.generator_loss is losses.non_saturating_generator_loss

    def test_regularizer_adds_its_tracker(self):
        gan = _gan(loss="wasserstein", regularizer="gradient_penalty")
        assert gan.regularizer == losses.GradientPenalty(10.0)
        assert _metric_names(gan) == ["d_loss", "g_loss", "real_score", "fake_score", "gradient_penalty"]

    def test_earlier_keywords_map_onto_the_objects(self):
        gan = keras_gan.GAN(*_pair(), r1_weight=2.0, real_label=0.9)
        assert gan.game == losses.NonSaturating(0.9) and gan.regularizer == losses.R1(2.0)
        gan.compile(d_optimizer="sgd", g_optimizer="sgd", generator_loss="minimax")
        assert gan.game == losses.Minimax(real_label=0.9) and gan.regularizer == losses.R1(2.0)
        assert gan.generator_loss is losses.minimax_generator_loss
        assert _metric_names(gan)[-1] == "r1_penalty"
        gan.compile(d_optimizer="sgd", g_optimizer="sgd", loss="non_saturating")
        assert gan.game == losses.NonSaturating(real_label=0.9)

    def test_a_callable_generator_loss_plays_against_the_paper_discriminator(self):
        gan = _gan()
        gan.compile(d_optimizer="sgd", g_optimizer="sgd", generator_loss=keras.ops.mean)
        assert isinstance(gan.game, losses.CrossEntropyGame)
        logits = np.array([[0.5], [-1.5]], "float32")
        np.testing.assert_allclose(float(gan.game.generator_loss(logits)), -0.5)

    @pytest.mark.parametrize(
        "arguments, match",
        [
            ({"loss": "hinge", "generator_loss": "minimax"}, "`loss` and `generator_loss` both choose"),
            ({"loss": "r1"}, r"does not take `loss` as a Keras loss.*Received: loss='r1'"),
            ({"loss": keras.losses.BinaryCrossentropy()}, "does not take `loss` as a Keras loss"),
            ({"regularizer": "hinge"}, r"Invalid value for argument `regularizer`. Received: regularizer='hinge'"),
            ({"regularizer": 10.0}, "Received: regularizer=10.0"),
        ],
    )
    def test_bad_arguments(self, arguments, match):
        gan = _gan()
        with pytest.raises(ValueError, match=match):
            gan.compile(d_optimizer="sgd", g_optimizer="sgd", **arguments)

    def test_r1_weight_and_a_regularizer_conflict(self):
        gan = keras_gan.GAN(*_pair(), r1_weight=1.0)
        with pytest.raises(ValueError, match=r"GAN\(r1_weight=1.0\)` already adds an R1 penalty"):
            gan.compile(d_optimizer="sgd", g_optimizer="sgd", regularizer=losses.R1(1.0))

    @pytest.mark.parametrize("loss", ["hinge", losses.NonSaturating()])
    def test_real_label_needs_a_game_with_that_label(self, loss):
        gan = keras_gan.GAN(*_pair(), real_label=0.9)
        with pytest.raises(ValueError, match=r"GAN\(real_label=0.9\)` does not apply"):
            gan.compile(d_optimizer="sgd", g_optimizer="sgd", loss=loss)
        gan.compile(d_optimizer="sgd", g_optimizer="sgd", loss=losses.NonSaturating(0.9))


class TestTraining:
    @pytest.mark.parametrize("game", _GAMES, ids=repr)
    def test_each_update_descends_its_players_loss(self, game):
        gan = _gan(loss=game)
        real = tf.constant(_DATA[:32])
        noise = gan.sample_latent(32, seed=1)

        def d_loss():
            return float(game.discriminator_loss(gan.discriminator(real), gan.discriminator(gan.generator(noise))))

        def g_loss():
            return float(game.generator_loss(gan.discriminator(gan.generator(noise))))

        before = d_loss()
        generator_weights = gan.generator.get_weights()
        gan._discriminator_update({"real": real}, (noise, None))
        assert d_loss() < before
        for old, new in zip(generator_weights, gan.generator.get_weights()):
            np.testing.assert_array_equal(old, new)
        before = g_loss()
        discriminator_weights = gan.discriminator.get_weights()
        gan._generator_update((noise, None), minibatch=None)
        assert g_loss() < before
        for old, new in zip(discriminator_weights, gan.discriminator.get_weights()):
            np.testing.assert_array_equal(old, new)

    @pytest.mark.parametrize(
        "loss, regularizer",
        [(game, None) for game in _GAMES]
        + [("wasserstein", losses.GradientPenalty(1.0)), ("hinge", losses.R1(1.0))],
    )
    def test_fit_logs_what_the_game_reports(self, loss, regularizer):
        gan = _gan(loss=loss, regularizer=regularizer)
        history = gan.fit(_DATA, batch_size=16, epochs=2, verbose=0).history
        assert sorted(history) == sorted(_metric_names(gan))
        for name, values in history.items():
            assert len(values) == 2 and np.all(np.isfinite(values)), name
        if regularizer is not None:
            assert all(value > 0 for value in history[regularizer.name])

    def test_the_logged_d_loss_is_the_games_loss_of_the_update(self):
        # One update on one batch: the tracker holds exactly the game's loss on its logits.
        gan = _gan(loss="least_squares")
        real = tf.constant(_DATA[:16])
        noise = gan.sample_latent(16, seed=2)
        expected = losses.LeastSquares().discriminator_loss(
            gan.discriminator(real), gan.discriminator(gan.generator(noise))
        )
        gan._discriminator_update({"real": real}, (noise, None))
        np.testing.assert_allclose(float(gan._trackers["d_loss"].result()), float(expected), rtol=1e-5)


class TestSaving:
    @pytest.mark.parametrize(
        "loss, regularizer",
        [
            (losses.Minimax(real_label=1.0), None),
            (losses.Hinge(), losses.R1(0.5)),
            (losses.LeastSquares(), None),
            (losses.Wasserstein(), losses.GradientPenalty(5.0)),
        ],
        ids=["minimax", "hinge_r1", "least_squares", "wgan_gp"],
    )
    def test_keras_file_round_trip_in_safe_mode(self, tmp_path, loss, regularizer):
        gan = _gan(loss=loss, regularizer=regularizer)
        gan.fit(_DATA, batch_size=16, verbose=0)
        path = tmp_path / "gan.keras"
        gan.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        assert loaded.game == loss and loaded.regularizer == regularizer
        assert _metric_names(loaded) == _metric_names(gan)
        assert loaded.get_compile_config()["loss"] == gan.get_compile_config()["loss"]
        for a, b in zip(gan.get_weights(), loaded.get_weights()):
            np.testing.assert_array_equal(a, b)
        history = loaded.fit(_DATA, batch_size=16, verbose=0).history
        assert sorted(history) == sorted(_metric_names(gan))

    def test_r1_weight_is_saved_with_the_gan_not_the_compile_config(self, tmp_path):
        gan = keras_gan.GAN(*_pair(), r1_weight=2.0)
        gan.compile(d_optimizer="sgd", g_optimizer="sgd")
        assert gan.get_compile_config()["regularizer"] is None
        gan.save(tmp_path / "gan.keras")
        loaded = keras.saving.load_model(tmp_path / "gan.keras")
        assert loaded.regularizer == losses.R1(2.0) and loaded.r1_weight == 2.0

    def test_a_compile_config_of_the_earlier_format_still_loads(self):
        gan = _gan()
        gan.compile_from_config(
            {
                "d_optimizer": keras.saving.serialize_keras_object(keras.optimizers.SGD(0.1)),
                "g_optimizer": keras.saving.serialize_keras_object(keras.optimizers.SGD(0.1)),
                "generator_loss": "minimax",
                "jit_compile": False,
                "steps_per_execution": 1,
            }
        )
        assert gan.game == losses.Minimax()
