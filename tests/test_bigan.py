"""keras_gan.BiGAN: D judges (x, z) pairs, each player's update and loss, a toy fit, saving, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_gan
from keras_gan import losses

_SHAPE = (3,)
_LATENT = 2
_GAMES = [losses.NonSaturating(), losses.Minimax(), losses.Hinge(), losses.LeastSquares(), losses.Wasserstein()]
_DATA = np.random.default_rng(0).normal(size=(64, *_SHAPE)).astype("float32")
# float32 unit roundoff.
_EPS32 = float(np.finfo(np.float32).eps) / 2


class _Recorder(keras.layers.Layer):
    """Concatenates x and z, keeping every pair of inputs it is called on eagerly."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x, z):
        if tf.executing_eagerly():
            self.seen.append((np.asarray(x), np.asarray(z)))
        return ops.concatenate([x, z], axis=-1)


def _pair_discriminator(input_shape=_SHAPE, latent_dim=_LATENT, units=(16,), seed=0, record=False):
    """A dropout-free D of pairs: [x, z] -> concatenated -> dense layers -> one logit."""
    x = keras.Input(input_shape, name="x")
    z = keras.Input((latent_dim,), name="z")
    flat = keras.layers.Flatten()(x)
    h = _Recorder(name="recorder")(flat, z) if record else keras.layers.Concatenate()([flat, z])
    for i, size in enumerate(units):
        h = keras.layers.Dense(
            size, "leaky_relu", kernel_initializer=keras.initializers.GlorotUniform(seed + i), name=f"hidden_{i}"
        )(h)
    logit = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed + 9), name="logit")(h)
    return keras.Model([x, z], logit, name="pair_discriminator")


def _players(seed=0, units=(16,), latent_dim=_LATENT, shape=_SHAPE, record=False):
    generator = keras_gan.models.mlp_generator(latent_dim, shape, hidden_units=units, seed=seed)
    discriminator = _pair_discriminator(shape, latent_dim, units, seed + 20, record=record)
    encoder = keras_gan.inference.mnist_encoder(latent_dim, shape, hidden_units=units, seed=seed + 10)
    return generator, discriminator, encoder


def _bigan(loss=None, regularizer=None, seed=0, record=False, learning_rate=0.05, **options):
    bigan = keras_gan.BiGAN(*_players(seed, record=record), latent_prior="gaussian", seed=seed, **options)
    bigan.compile(
        d_optimizer=keras.optimizers.SGD(learning_rate, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(learning_rate, momentum=0.5),
        loss=loss,
        regularizer=regularizer,
    )
    return bigan


def _one_line_value_error(function, match):
    with pytest.raises(ValueError, match=match) as caught:
        function()
    assert "\n" not in str(caught.value)
    return str(caught.value)


def _numpy(value):
    return np.asarray(ops.convert_to_numpy(value))


class TestPairs:
    def test_discriminator_sees_real_and_generated_pairs(self):
        bigan = _bigan(record=True)
        recorder = bigan.discriminator.get_layer("recorder")
        real = tf.constant(_DATA[:8])
        noise = bigan.sample_latent(8, seed=1)
        codes, generated = _numpy(bigan.encoder(real)), _numpy(bigan.generator(noise))
        recorder.seen.clear()
        bigan._discriminator_update({"real": real}, (noise, None))
        # One pass of D over the real pairs, then the generated ones.
        ((x, z),) = recorder.seen
        np.testing.assert_array_equal(x[:8], _DATA[:8])
        np.testing.assert_array_equal(z[:8], codes)  # The real pairs' z is E(x).
        np.testing.assert_array_equal(x[8:], generated)
        np.testing.assert_array_equal(z[8:], _numpy(noise))  # The generated pairs' z is the noise drawn.

        recorder.seen.clear()
        generated, codes = _numpy(bigan.generator(noise)), _numpy(bigan.encoder(real))
        bigan._generator_update((noise, None), {"real": real})
        # G's update sees (G(z), z), E's sees (x, E(x)).
        (g_x, g_z), (e_x, e_z) = recorder.seen
        np.testing.assert_array_equal(g_x, generated)
        np.testing.assert_array_equal(g_z, _numpy(noise))
        np.testing.assert_array_equal(e_x, _DATA[:8])
        np.testing.assert_array_equal(e_z, codes)

    def test_fit_trains_the_encoder(self):
        bigan = _bigan()
        real = tf.constant(_DATA[:16])
        with tf.GradientTape() as tape:
            (logits,) = bigan._discriminate(bigan._pair(real, bigan.encoder(real)))
            loss = bigan._encoder_loss(logits)
        gradients = tape.gradient(loss, bigan.encoder.trainable_weights)
        assert all(float(ops.norm(ops.reshape(g, (-1,)))) > 0 for g in gradients)
        before = [w.copy() for w in bigan.encoder.get_weights()]
        history = bigan.fit(_DATA, batch_size=16, epochs=2, verbose=0).history
        assert np.all(np.isfinite(history["e_loss"]))
        for old, new in zip(before, bigan.encoder.get_weights()):
            assert not np.array_equal(old, new)
        assert int(bigan.e_optimizer.iterations) == 8


class TestUpdates:
    @pytest.mark.parametrize("game", _GAMES, ids=repr)
    def test_each_update_descends_its_players_loss_and_moves_no_other(self, game):
        bigan = _bigan(loss=game, learning_rate=0.02)
        real = tf.constant(_DATA[:32])
        noise = bigan.sample_latent(32, seed=1)

        def logits():
            real_pairs = bigan._pair(real, bigan.encoder(real, training=False))
            fake_pairs = bigan._pair(bigan.generator(noise, training=False), noise)
            return bigan._discriminate(real_pairs, fake_pairs, training=False)

        def weights(*models):
            return [w.copy() for model in models for w in model.get_weights()]

        def unchanged(old, models):
            return all(np.array_equal(a, b) for a, b in zip(old, weights(*models)))

        before = float(game.discriminator_loss(*logits()))
        players = weights(bigan.generator, bigan.encoder)
        bigan._discriminator_update({"real": real}, (noise, None))
        assert float(game.discriminator_loss(*logits())) < before
        assert unchanged(players, (bigan.generator, bigan.encoder))

        real_logits, fake_logits = logits()
        g_before, e_before = float(game.generator_loss(fake_logits)), float(bigan._encoder_loss(real_logits))
        discriminator = weights(bigan.discriminator)
        generator, encoder = weights(bigan.generator), weights(bigan.encoder)
        bigan._generator_update((noise, None), {"real": real})
        # The logged losses are the ones each update descended, before it.
        np.testing.assert_allclose(float(bigan._trackers["g_loss"].result()), g_before, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(float(bigan._trackers["e_loss"].result()), e_before, rtol=1e-5, atol=1e-6)
        real_logits, fake_logits = logits()
        assert float(game.generator_loss(fake_logits)) < g_before
        assert float(bigan._encoder_loss(real_logits)) < e_before
        assert unchanged(discriminator, (bigan.discriminator,))
        assert not unchanged(generator, (bigan.generator,)) and not unchanged(encoder, (bigan.encoder,))


class TestLosses:
    @pytest.mark.parametrize("game", _GAMES, ids=repr)
    def test_the_mirror_swaps_the_discriminators_targets(self, game):
        # D's loss with real and generated exchanged is its loss on the mirrored logits.
        rng = np.random.default_rng(0)
        r, f = rng.normal(0, 2, (2, 64, 1)).astype("float32")
        bigan = _bigan(loss=game)
        c = bigan.mirror_center
        swapped = float(game.discriminator_loss(f, r))
        mirrored = float(game.discriminator_loss(c - r, c - f))
        assert abs(swapped - mirrored) <= 64 * _EPS32 * (1 + abs(swapped))

    @pytest.mark.parametrize(
        "game, expected",
        [
            # BiGAN's loss with inverted labels: -log D(G(z), z) - log(1 - D(x, E(x))).
            (losses.NonSaturating(), lambda r, f: np.mean(np.logaddexp(0, -f)) + np.mean(np.logaddexp(0, r))),
            # V(D, E, G) = E log D(x, E(x)) + E log(1 - D(G(z), z)), what D ascends.
            (losses.Minimax(), lambda r, f: -np.mean(np.logaddexp(0, -r)) - np.mean(np.logaddexp(0, f))),
            (losses.Wasserstein(), lambda r, f: np.mean(r) - np.mean(f)),
            (losses.Hinge(), lambda r, f: np.mean(r) - np.mean(f)),
            (losses.LeastSquares(), lambda r, f: 0.5 * np.mean((f - 1) ** 2) + 0.5 * np.mean(r**2)),
        ],
        # Not repr: a lambda's holds its address, which differs between pytest workers.
        ids=["non_saturating", "minimax", "wasserstein", "hinge", "least_squares"],
    )
    def test_the_players_joint_loss_is_the_direct_formula(self, game, expected):
        rng = np.random.default_rng(1)
        r, f = rng.normal(0, 3, (2, 64, 1)).astype("float32")
        bigan = _bigan(loss=game)
        joint = float(game.generator_loss(f)) + float(bigan._encoder_loss(r))
        want = expected(r.astype("float64"), f.astype("float64"))
        assert abs(joint - want) <= 64 * _EPS32 * (10 + abs(want)), (joint, want)

    def test_non_saturating_is_the_discriminators_loss_with_the_roles_swapped(self):
        rng = np.random.default_rng(2)
        r, f = rng.normal(0, 3, (2, 32, 1)).astype("float32")
        game = losses.NonSaturating()
        bigan = _bigan(loss=game)
        joint = float(game.generator_loss(f)) + float(bigan._encoder_loss(r))
        swapped = float(game.discriminator_loss(real_logits=f, fake_logits=r))
        # The game's D loss averages its two halves: the players' sum is twice it.
        assert abs(joint - 2 * swapped) <= 64 * _EPS32 * (1 + abs(joint))

    def test_wasserstein_players_descend_what_the_critic_ascends(self):
        rng = np.random.default_rng(3)
        r, f = rng.normal(0, 3, (2, 32, 1)).astype("float32")
        game = losses.Wasserstein()
        bigan = _bigan(loss=game)
        joint = float(game.generator_loss(f)) + float(bigan._encoder_loss(r))
        assert abs(joint + float(game.discriminator_loss(r, f))) <= 64 * _EPS32 * (1 + abs(joint))

    def test_r1_penalizes_the_gradient_with_respect_to_the_whole_pair(self):
        bigan = _bigan(loss="hinge", regularizer=losses.R1(2.0))
        real = tf.constant(_DATA[:8])
        codes = bigan.encoder(real)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(real)
            tape.watch(codes)
            logits = bigan.discriminator([real, codes])
        squared = np.sum(_numpy(tape.gradient(logits, real)) ** 2, axis=1) + np.sum(
            _numpy(tape.gradient(logits, codes)) ** 2, axis=1
        )
        noise = bigan.sample_latent(8, seed=0)
        pairs = (bigan._pair(real, codes), bigan._pair(bigan.generator(noise), noise))
        _, _, penalty = bigan._discriminator_outputs(*pairs, (None, None), training=False)
        np.testing.assert_allclose(float(penalty), 0.5 * 2.0 * np.mean(squared), rtol=1e-5)

    @pytest.mark.parametrize("loss, regularizer", [("wasserstein", "gradient_penalty"), ("hinge", "r1")])
    def test_fit_with_a_penalty_on_pairs(self, loss, regularizer):
        bigan = _bigan(loss=loss, regularizer=regularizer, learning_rate=0.01)
        history = bigan.fit(_DATA, batch_size=16, epochs=1, verbose=0).history
        penalty = history[bigan.regularizer.name][-1]
        assert np.isfinite(penalty) and penalty > 0
        assert np.all(np.isfinite([values[-1] for values in history.values()]))


def _mixture(n, seed):
    """Four tight clusters at the corners of a square, and each point's cluster."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 4, n)
    return (_CORNERS[cluster] + rng.normal(0.0, 0.2, (n, 2))).astype("float32"), cluster


_CORNERS = np.array([[2.0, 2.0], [2.0, -2.0], [-2.0, 2.0], [-2.0, -2.0]], "float32")


class TestToyMixture:
    def test_reconstructions_stay_in_their_cluster(self):
        # z and x linked by training alone: G(E(x)) must land in x's cluster
        # (chance: 1/4) and be closer to x than a random other data point is.
        x, _ = _mixture(1500 * 64, seed=0)
        test_x, test_cluster = _mixture(1000, seed=99)
        random_pairs = np.linalg.norm(test_x[np.random.default_rng(1).permutation(1000)] - test_x, axis=1).mean()

        def cluster_kept_and_distance(bigan):
            reconstructions = bigan.reconstruct(test_x)
            nearest = np.argmin(((reconstructions[:, None] - _CORNERS[None]) ** 2).sum(-1), axis=1)
            return np.mean(nearest == test_cluster), np.linalg.norm(reconstructions - test_x, axis=1).mean()

        untrained, trained = [], []
        # A GAN's outcome hangs on small perturbations: over ~20 reshuffled runs
        # of seeds 0 and 1 the cluster kept ranged from 0.27 to 1.0, so the claim
        # is on the median of five seeds (here: kept 1.0, distance 0.70 against
        # a bound of 2.39), each run the same on one machine.
        for seed in range(5):
            generator, discriminator, encoder = _players(seed=seed, units=(64, 64), shape=(2,))
            bigan = keras_gan.BiGAN(generator, discriminator, encoder, latent_prior="gaussian", seed=seed)
            bigan.compile(
                d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                steps_per_execution=25,
            )
            untrained.append(cluster_kept_and_distance(bigan))
            # The draws are independent already; Keras' own shuffle would be unseeded.
            bigan.fit(x, batch_size=64, epochs=1, verbose=0, shuffle=False)
            trained.append(cluster_kept_and_distance(bigan))
        # The baseline can fail: the untrained pairs do.
        kept, distance = np.median(untrained, axis=0)
        assert kept < 0.6 or distance > 0.7 * random_pairs, (untrained, random_pairs)
        kept, distance = np.median(trained, axis=0)
        assert kept >= 0.6 and distance < 0.7 * random_pairs, (trained, random_pairs)


class TestSavingAndEvaluation:
    def test_keras_file_round_trip_in_safe_mode(self, tmp_path):
        bigan = _bigan(loss="least_squares", ema_decay=0.9)
        bigan.compile(
            d_optimizer=keras.optimizers.SGD(0.05),
            g_optimizer=keras.optimizers.Adam(1e-3),
            e_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
            loss="least_squares",
        )
        bigan.fit(_DATA, batch_size=16, verbose=0)
        bigan.save(tmp_path / "bigan.keras")
        loaded = keras.saving.load_model(tmp_path / "bigan.keras", safe_mode=True)
        assert isinstance(loaded, keras_gan.BiGAN) and loaded.game == losses.LeastSquares()
        np.testing.assert_array_equal(loaded.encode(_DATA), bigan.encode(_DATA))
        np.testing.assert_array_equal(loaded.reconstruct(_DATA), bigan.reconstruct(_DATA))
        np.testing.assert_array_equal(loaded.generate(8, seed=0), bigan.generate(8, seed=0))
        assert loaded.get_compile_config()["e_optimizer"] == bigan.get_compile_config()["e_optimizer"]
        for a, b in zip(bigan.e_optimizer.variables, loaded.e_optimizer.variables):
            np.testing.assert_array_equal(_numpy(a), _numpy(b))
        history = loaded.fit(_DATA, batch_size=16, verbose=0).history
        assert sorted(history) == sorted(metric.name for metric in bigan.metrics)

    def test_e_optimizer_defaults_to_a_copy_of_g_optimizers_settings(self):
        bigan = _bigan()
        assert bigan.e_optimizer is not bigan.g_optimizer
        assert bigan.e_optimizer.get_config() == {**bigan.g_optimizer.get_config(), "name": bigan.e_optimizer.name}

    def test_evaluate_reports_the_training_logs_and_moves_no_weight(self):
        bigan = _bigan()
        weights = [w.copy() for w in bigan.get_weights()]
        logs = bigan.evaluate(_DATA, batch_size=16, verbose=0, return_dict=True)
        assert sorted(logs) == sorted(metric.name for metric in bigan.metrics)
        assert {"d_loss", "g_loss", "e_loss", "d_real", "d_fake"} <= set(logs)
        assert all(np.isfinite(value) for value in logs.values())
        for old, new in zip(weights, bigan.get_weights()):
            np.testing.assert_array_equal(old, new)


class TestErrors:
    def test_a_discriminator_without_two_inputs(self):
        generator, _, encoder = _players()
        single = keras_gan.models.mlp_discriminator(_SHAPE, hidden_units=(8,))
        message = _one_line_value_error(
            lambda: keras_gan.BiGAN(generator, single, encoder), "taking \\[examples, z\\]"
        )
        assert "1 inputs" in message

    def test_a_discriminator_whose_z_is_not_latent_dim(self):
        generator, _, encoder = _players()
        _one_line_value_error(
            lambda: keras_gan.BiGAN(generator, _pair_discriminator(latent_dim=5), encoder),
            "second input of shape \\(5,\\).*Expected \\(2,\\)",
        )

    def test_a_conditional_gan(self):
        _, discriminator, encoder = _players()
        conditional = keras_gan.models.mlp_generator(_LATENT, _SHAPE, hidden_units=(8,), num_classes=3)
        _one_line_value_error(lambda: keras_gan.BiGAN(conditional, discriminator, encoder), "unconditional")
        generator, discriminator, encoder = _players()
        _one_line_value_error(
            lambda: keras_gan.BiGAN(generator, discriminator, encoder, num_classes=3), "num_classes=3"
        )

    def test_an_encoder_whose_output_is_not_latent_dim(self):
        generator, discriminator, _ = _players()
        wrong = keras_gan.inference.mnist_encoder(_LATENT + 1, _SHAPE, hidden_units=(8,))
        _one_line_value_error(
            lambda: keras_gan.BiGAN(generator, discriminator, wrong), "one output of shape \\(2,\\)"
        )

    def test_bad_examples_to_encode(self):
        bigan = _bigan()
        _one_line_value_error(lambda: bigan.encode(np.zeros((2, 4), "float32")), "Invalid value for argument `x`")


class TestMnistBiganDiscriminator:
    def test_judges_pairs_with_dropout_and_a_logit(self):
        discriminator = keras_gan.models.mnist_bigan_discriminator(
            latent_dim=10, hidden_units=(16, 8), pieces=2, seed=0
        )
        assert [tuple(t.shape[1:]) for t in discriminator.inputs] == [(28, 28, 1), (10,)]
        assert discriminator.layers[-1].name == "logit"
        # Dropout on the pixels and after each maxout layer; none on z.
        rates = [layer.rate for layer in discriminator.layers if isinstance(layer, keras.layers.Dropout)]
        assert rates == [0.2, 0.5, 0.5]
        # The first layer reads the whole pair: every unit can weigh x against z.
        assert discriminator.get_layer("maxout_0").input.shape[-1] == 28 * 28 + 10
        images = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype("float32")
        z = np.zeros((4, 10), "float32")
        assert tuple(discriminator([images, z]).shape) == (4, 1)
        generator = keras_gan.models.mnist_generator(latent_dim=10, hidden_units=(16,), seed=1)
        encoder = keras_gan.inference.mnist_encoder(10, hidden_units=(16,), seed=2)
        bigan = keras_gan.BiGAN(generator, discriminator, encoder, seed=0)
        bigan.compile(d_optimizer="sgd", g_optimizer="sgd")
        logs = bigan.fit(images, batch_size=4, verbose=0).history
        assert np.isfinite(logs["e_loss"][-1])

    def test_needs_a_layer(self):
        _one_line_value_error(
            lambda: keras_gan.models.mnist_bigan_discriminator(hidden_units=()), "at least one layer"
        )
