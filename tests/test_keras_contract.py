"""The Keras contract: evaluate and validation_data on real data, predict from noise, a keras-io model pair."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan

_SHAPE = (4,)
_RNG = np.random.default_rng(0)
_TRAIN = _RNG.uniform(size=(96, *_SHAPE)).astype("float32")
_HELD_OUT = _RNG.uniform(size=(32, *_SHAPE)).astype("float32")


def _gan(loss=None, regularizer=None, steps_per_execution=1, **options):
    generator = keras_gan.models.mlp_generator(
        3, _SHAPE, hidden_units=(16,), output_activation="sigmoid", seed=0
    )
    discriminator = keras_gan.models.mlp_discriminator(_SHAPE, hidden_units=(16,), dropout=0.5, seed=1)
    gan = keras_gan.GAN(generator, discriminator, seed=0, **options)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        loss=loss,
        regularizer=regularizer,
        steps_per_execution=steps_per_execution,
    )
    return gan


def _state(gan):
    """Every weight of the GAN and both optimizers' variables (iterations included)."""
    variables = gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables
    return [keras.ops.convert_to_numpy(v) for v in variables]


class TestEvaluate:
    def test_reports_the_training_logs_on_real_data(self):
        gan = _gan()
        gan.fit(_TRAIN, batch_size=16, verbose=0)
        logs = gan.evaluate(_HELD_OUT, batch_size=16, verbose=0, return_dict=True)
        assert sorted(logs) == ["d_fake", "d_loss", "d_real", "g_loss", "value"]
        # D(x) on the held-out data, dropout off: no noise involved.
        d_real = keras.ops.sigmoid(gan.discriminator(_HELD_OUT, training=False))
        np.testing.assert_allclose(logs["d_real"], float(keras.ops.mean(d_real)), rtol=1e-5)
        np.testing.assert_allclose(logs["value"], -2 * logs["d_loss"], rtol=1e-5)
        assert 0 < logs["d_fake"] < 1 and np.isfinite(logs["g_loss"])

    @pytest.mark.parametrize(
        "options", [{}, {"ema_decay": 0.9, "r1_weight": 1.0}, {"loss": "wasserstein", "regularizer": "gradient_penalty"}]
    )
    def test_updates_no_weight_and_no_optimizer(self, options):
        gan = _gan(**options)
        gan.fit(_TRAIN, batch_size=16, verbose=0)
        before = _state(gan)
        logs = gan.evaluate(_HELD_OUT, batch_size=8, verbose=0, return_dict=True)
        assert sorted(logs) == sorted(metric.name for metric in gan.metrics)
        assert all(np.isfinite(value) for value in logs.values())
        for old, new in zip(before, _state(gan)):
            np.testing.assert_array_equal(old, new)

    def test_fresh_noise_for_every_batch(self):
        gan = _gan()
        first = gan.evaluate(_HELD_OUT, batch_size=32, verbose=0, return_dict=True)
        second = gan.evaluate(_HELD_OUT, batch_size=32, verbose=0, return_dict=True)
        assert first["d_real"] == second["d_real"] and first["d_fake"] != second["d_fake"]

    def test_other_games_report_their_diagnostics(self):
        gan = _gan(loss="hinge")
        logs = gan.evaluate(_HELD_OUT, batch_size=16, verbose=0, return_dict=True)
        assert sorted(logs) == ["d_loss", "fake_score", "g_loss", "real_score"]
        np.testing.assert_allclose(
            logs["real_score"], float(keras.ops.mean(gan.discriminator(_HELD_OUT))), rtol=1e-5
        )


class TestValidationData:
    @pytest.mark.parametrize("steps_per_execution", [1, 10])
    def test_fit_reports_val_logs_each_epoch(self, steps_per_execution):
        gan = _gan(steps_per_execution=steps_per_execution)
        validation = tf.data.Dataset.from_tensor_slices(_HELD_OUT).batch(16)
        history = gan.fit(_TRAIN, batch_size=16, epochs=2, validation_data=validation, verbose=0).history
        names = ["d_fake", "d_loss", "d_real", "g_loss", "value"]
        assert sorted(history) == sorted(names + [f"val_{name}" for name in names])
        for values in history.values():
            assert len(values) == 2 and np.all(np.isfinite(values))
        # The last epoch's validation ran on the final weights.
        final = gan.evaluate(validation, verbose=0, return_dict=True)
        np.testing.assert_allclose(history["val_d_real"][-1], final["d_real"], rtol=1e-5)

    def test_validation_does_not_change_the_epoch_it_follows(self):
        # Validation draws noise too, so later epochs get other noise; the first is the same.
        one_epoch, one_validated = _gan(), _gan()
        one_epoch.fit(_TRAIN, batch_size=16, shuffle=False, verbose=0)
        one_validated.fit(_TRAIN, batch_size=16, shuffle=False, validation_data=_HELD_OUT, verbose=0)
        for a, b in zip(one_epoch.get_weights(), one_validated.get_weights()):
            np.testing.assert_array_equal(a, b)


class TestGeneration:
    def test_predict_and_call_generate_from_noise(self):
        gan = _gan(ema_decay=0.5)
        gan.fit(_TRAIN, batch_size=16, verbose=0)
        noise = gan.sample_latent(10, seed=3)
        expected = keras.ops.convert_to_numpy(gan.sampling_generator(noise))
        np.testing.assert_allclose(gan.predict(noise, batch_size=5, verbose=0), expected, rtol=1e-6)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(noise)), expected, rtol=1e-6)


def _keras_io_dcgan(image_size=16, width=8, latent_dim=16, sigmoid=True):
    """keras-io's `dcgan_overriding_train_step` pair, at `image_size` and 1/`width` of its filters.

    The same layers, kernels, strides and activations; the discriminator's
    last Dense has a sigmoid there (`sigmoid=True`).
    """
    layers = keras.layers
    start = image_size // 8
    discriminator = keras.Sequential(
        [
            keras.Input((image_size, image_size, 3)),
            layers.Conv2D(64 // width, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(128 // width, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(128 // width, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Flatten(),
            layers.Dropout(0.2),
            layers.Dense(1, activation="sigmoid" if sigmoid else None),
        ],
        name="discriminator",
    )
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(start * start * 128 // width),
            layers.Reshape((start, start, 128 // width)),
            layers.Conv2DTranspose(128 // width, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(256 // width, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(512 // width, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(3, 5, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )
    return generator, discriminator


class TestKerasIoDcganPort:
    def test_the_sigmoid_discriminator_is_refused_at_construction(self):
        with pytest.raises(ValueError, match="must return logits, not probabilities") as error:
            keras_gan.GAN(*_keras_io_dcgan(sigmoid=True))
        message = str(error.value)
        assert "\n" not in message and "'dense" in message and "applies sigmoid" in message

    def test_without_the_sigmoid_it_trains(self):
        keras.utils.set_random_seed(0)
        generator, discriminator = _keras_io_dcgan(sigmoid=False)
        gan = keras_gan.GAN(generator, discriminator, latent_prior="gaussian", seed=0)
        # keras-io's optimizers: Adam(1e-4) for both; their images are in [0, 1].
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-4), g_optimizer=keras.optimizers.Adam(1e-4))
        images = _RNG.uniform(size=(64, 16, 16, 3)).astype("float32")
        before = [w.copy() for w in gan.get_weights()]
        history = gan.fit(images, batch_size=16, epochs=2, verbose=0).history
        assert all(np.all(np.isfinite(values)) for values in history.values())
        assert all(0 < p < 1 for p in history["d_real"] + history["d_fake"])
        assert all(not np.array_equal(a, b) for a, b in zip(before, gan.get_weights()))
        samples = gan.generate(4, seed=0)
        assert samples.shape == (4, 16, 16, 3) and np.all((samples >= 0) & (samples <= 1))
        logs = gan.evaluate(images[:32], batch_size=16, verbose=0, return_dict=True)
        assert np.isfinite(logs["d_loss"])
