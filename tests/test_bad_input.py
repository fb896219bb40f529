"""Bad input: each mistake ends in one clear error naming the problem and the fix.

Launcher-level mistakes (flags, exit codes, no traceback) are in test_launchers.py.
"""

import numpy as np
import pytest
import tensorflow as tf

import keras
import keras_gan
from experiments import config as config_lib
from experiments import train
from keras_gan import checkpoints
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard
from keras_gan.callbacks.non_finite_guard import NonFiniteLossError


def _models(latent_dim=3, shape=(2,)):
    generator = keras_gan.models.mlp_generator(latent_dim, shape, hidden_units=(8,), seed=0)
    discriminator = keras_gan.models.mlp_discriminator(shape, hidden_units=(8,), seed=1)
    return generator, discriminator


def _compiled_gan(**kwargs):
    gan = keras_gan.GAN(*_models(), **kwargs)
    gan.compile(d_optimizer="sgd", g_optimizer="sgd")
    return gan


def _one_line(error):
    message = str(error.value)
    assert "\n" not in message
    return message


class _UnbuiltGenerator(keras.Model):
    """A subclassed generator: it has no weights until it is first called."""

    def __init__(self, units=2):
        super().__init__(name="subclassed_generator")
        self.dense = keras.layers.Dense(units)

    def call(self, z):
        return self.dense(z)


class TestData:
    def test_wrong_example_shape(self):
        batches = tf.data.Dataset.from_tensor_slices(np.zeros((8, 3), "float32")).batch(4)
        expected = r"do not fit the discriminator.*\(3,\).*Expected: \(2,\)"
        with pytest.raises(ValueError, match=expected) as error:
            _compiled_gan().fit(batches, verbose=0)
        _one_line(error)

    def test_uint8_pixels_are_refused_with_the_conversion(self):
        batches = tf.data.Dataset.from_tensor_slices(np.full((8, 2), 255, "uint8")).batch(4)
        with pytest.raises(ValueError, match=r"must be floats.*uint8.*images / 255"):
            _compiled_gan().fit(batches, verbose=0)

    def test_nan_in_loaded_arrays_is_named(self):
        images = np.zeros((4, 28, 28, 1), "float32")
        images[2, 5, 6, 0] = np.inf
        expected = r"mnist training data contains NaN or Inf.*inf at index \(2, 5, 6, 0\)"
        with pytest.raises(ValueError, match=expected):
            train.check_finite(images, "mnist training data")

    def test_launcher_data_with_nan_is_refused_before_training(self, monkeypatch):
        images = np.zeros((16, 28, 28, 1), "float32")
        images[3, 0, 0, 0] = np.nan
        dataset = tf.data.Dataset.from_tensor_slices(images)
        monkeypatch.setattr(keras_gan.data, "load", lambda *args, **kwargs: dataset)
        monkeypatch.setattr(keras_gan.data, "load_array", lambda *args, **kwargs: images)
        with pytest.raises(ValueError, match="training data contains NaN or Inf"):
            train.ImageData(config_lib.TrainConfig(output_dir="unused"))

    def test_nan_at_training_time_stops_at_the_first_step(self):
        data = np.zeros((8, 2), "float32")
        data[5] = np.nan
        batches = tf.data.Dataset.from_tensor_slices(data).batch(8)
        with pytest.raises(NonFiniteLossError, match="epoch 1, batch 1") as error:
            _compiled_gan().fit(batches, callbacks=[NonFiniteGuard()], verbose=0)
        _one_line(error)

    def test_empty_dataset(self):
        empty = tf.data.Dataset.from_tensor_slices(np.zeros((0, 2), "float32"))
        with pytest.raises(ValueError, match="has 0 examples, fewer than one training step"):
            keras_gan.data.training_pipeline(empty, batch_size=4)

    def test_unknown_dataset(self):
        with pytest.raises(ValueError, match=r"Unknown dataset. Received: name='svhn'"):
            keras_gan.data.load("svhn")

    def test_offline_without_local_data(self, tmp_path):
        expected = "pass a local directory of IDX files"
        with pytest.raises(keras_gan.data.DatasetUnavailableError, match=expected) as error:
            keras_gan.data.load("mnist", "train", data_dir=str(tmp_path), download=False)
        _one_line(error)


class TestSettings:
    @pytest.mark.parametrize("steps", [0, -1, 1.5])
    def test_discriminator_steps_below_one(self, steps):
        with pytest.raises(ValueError, match=f"Received: discriminator_steps={steps}"):
            keras_gan.GAN(*_models(), discriminator_steps=steps)
        if isinstance(steps, int):
            with pytest.raises(ValueError, match="discriminator_steps"):
                config_lib.TrainConfig(discriminator_steps=steps)

    @pytest.mark.parametrize("rate", [0.0, -0.1])
    def test_run_config_needs_a_positive_learning_rate(self, rate):
        with pytest.raises(ValueError, match=f"Received: learning_rate={rate}"):
            config_lib.TrainConfig(learning_rate=rate)

    def test_gan_refuses_a_negative_learning_rate(self):
        # 0 stays allowed in the library: it freezes a player.
        gan = keras_gan.GAN(*_models())
        with pytest.raises(ValueError, match="learning rate of `g_optimizer`. Received: learning_rate=-0.1"):
            gan.compile(d_optimizer="sgd", g_optimizer=keras.optimizers.SGD(-0.1))

    def test_unknown_prior(self):
        with pytest.raises(ValueError, match="cauchy"):
            keras_gan.GAN(*_models(), latent_prior="cauchy")

    def test_unknown_generator_loss(self):
        gan = keras_gan.GAN(*_models())
        with pytest.raises(ValueError, match="Received: generator_loss='wasserstein'"):
            gan.compile(d_optimizer="sgd", g_optimizer="sgd", generator_loss="wasserstein")

    def test_unknown_strategy(self):
        with pytest.raises(ValueError, match=r"Unknown strategy. Received: strategy='horovod'"):
            keras_gan.distribute.make_strategy("horovod")
        with pytest.raises(ValueError, match="Unknown strategy"):
            config_lib.TrainConfig(strategy="horovod")

    def test_unknown_architecture(self):
        config = config_lib.TrainConfig(architecture="resnet")
        expected = r"Received: architecture='resnet'. Expected one of \['mlp_small', 'paper'\]"
        with pytest.raises(ValueError, match=expected):
            train.build_gan(config, config.resolved_preset(), np.zeros((28, 28, 1), "float32"))


class TestModels:
    def test_generator_output_does_not_fit_the_discriminator(self):
        generator, _ = _models(shape=(3,))
        _, discriminator = _models(shape=(2,))
        expected = r"generator output shape \(3,\), discriminator input shape \(2,\)"
        with pytest.raises(ValueError, match=expected):
            keras_gan.GAN(generator, discriminator)

    def test_subclassed_generator_that_does_not_fit_fails_clearly_at_fit(self):
        generator = _UnbuiltGenerator(units=3)
        generator(np.zeros((1, 4), "float32"))
        gan = keras_gan.GAN(generator, _models()[1], latent_dim=4)
        gan.compile(d_optimizer="sgd", g_optimizer="sgd")
        batches = tf.data.Dataset.from_tensor_slices(np.zeros((8, 2), "float32")).batch(4)
        expected = r"Received: generated examples of shape \(3,\), real examples of shape \(2,\)"
        with pytest.raises(ValueError, match=expected):
            gan.fit(batches, verbose=0)

    def test_unbuilt_generator_without_latent_dim(self):
        with pytest.raises(ValueError, match="Cannot infer `latent_dim` from an unbuilt generator"):
            keras_gan.GAN(_UnbuiltGenerator(), _models()[1])

    def test_generate_builds_an_unbuilt_generator(self):
        # Not an error: the first call builds a subclassed generator.
        gan = keras_gan.GAN(_UnbuiltGenerator(), _models()[1], latent_dim=4)
        samples = gan.generate(5, seed=0)
        assert samples.shape == (5, 2) and np.isfinite(samples).all()
        np.testing.assert_array_equal(samples, gan.generate(5, seed=0))

    def test_compile_with_an_unbuilt_generator_says_how_to_build_it(self):
        gan = keras_gan.GAN(_UnbuiltGenerator(), _models()[1], latent_dim=4)
        with pytest.raises(ValueError, match=r"generator is not built.*keras.ops.zeros\(\(1, 4\)\)"):
            gan.compile(d_optimizer="sgd", g_optimizer="sgd")

    def test_truncated_checkpoint(self, tmp_path):
        path = tmp_path / "gan.keras"
        _compiled_gan().save(path)
        path.write_bytes(path.read_bytes()[:-100])
        with pytest.raises(ValueError, match="gan.keras is truncated or corrupt") as error:
            checkpoints.load_checkpoint(path)
        _one_line(error)
