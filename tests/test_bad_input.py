"""Bad input: each mistake ends in one clear error naming the problem and the fix.

Launcher-level mistakes (flags, exit codes, no traceback) are in test_launchers.py.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import keras
import keras_gan
from experiments import sources
from experiments.configs import mnist
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
            sources.check_finite(images, "mnist training data")

    def test_launcher_data_with_nan_is_refused_before_training(self, monkeypatch):
        images = np.zeros((16, 28, 28, 1), "float32")
        images[3, 0, 0, 0] = np.nan
        dataset = tf.data.Dataset.from_tensor_slices(images)
        monkeypatch.setattr(keras_gan.data, "load", lambda *args, **kwargs: dataset)
        monkeypatch.setattr(keras_gan.data, "load_array", lambda *args, **kwargs: images)
        with pytest.raises(ValueError, match="training data contains NaN or Inf"):
            sources.RegisteredData(mnist.get_config())

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

    @pytest.mark.parametrize("rate", [0.0, -0.1])
    def test_optimizer_factory_needs_a_positive_learning_rate(self, rate):
        settings = dict(beta_1=0.5, momentum=0.5, final_momentum=0.7, momentum_saturate_epoch=250,
                        decay_factor=1.000004, min_learning_rate=1e-6)
        for name in keras_gan.optimizer_factory.OPTIMIZERS:
            with pytest.raises(ValueError, match=f"Received: learning_rate={rate}. Expected a positive float"):
                keras_gan.optimizer_factory.make_optimizer(name, rate, 10, **settings)

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

    def test_unknown_architecture(self):
        config = mnist.get_config()
        config.architecture = "resnet"
        expected = r"Received: architecture='resnet'. Expected one of \['dcgan', 'mlp_small', 'paper'\]"
        with pytest.raises(ValueError, match=expected):
            sources.image_networks(
                config, (28, 28, 1), np.zeros((28, 28, 1), "float32"), "sigmoid", sources.PAPER_NETWORKS["mnist"]
            )

    def test_unknown_discriminator_architecture(self):
        config = mnist.get_config()
        config.architecture, config.discriminator_architecture = "dcgan", "paper"
        # Data without the paper's networks (a folder of images) has no 'paper'.
        expected = r"Received: discriminator_architecture='paper'. Expected one of \['dcgan', 'mlp_small'\]"
        with pytest.raises(ValueError, match=expected):
            sources.image_networks(config, (28, 28, 1), np.zeros((28, 28, 1), "float32"), "sigmoid")


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


# ---------------------------------------------------------------- bad batches through `fit`


def _range_gan(activation="sigmoid", k=1, steps_per_execution=1, shape=(2,)):
    generator = keras_gan.models.mlp_generator(
        3, shape, hidden_units=(8,), output_activation=activation, seed=0
    )
    discriminator = keras_gan.models.mlp_discriminator(shape, hidden_units=(8,), seed=1)
    gan = keras_gan.GAN(generator, discriminator, discriminator_steps=k, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        steps_per_execution=steps_per_execution,
    )
    return gan


def _state(gan):
    variables = gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables
    return [keras.ops.convert_to_numpy(v) for v in variables]


_UNIT = np.random.default_rng(0).uniform(size=(64, 2)).astype("float32")


class TestBadBatches:
    @pytest.mark.parametrize("steps_per_execution", [1, 10])
    @pytest.mark.parametrize("value, count", [(np.nan, "1 NaN and 0 Inf"), (-np.inf, "0 NaN and 1 Inf")])
    def test_a_non_finite_batch_stops_training_before_it_updates(self, steps_per_execution, value, count):
        data = _UNIT.copy()
        data[29, 1] = value  # In batch 4 of 8.
        gan = _range_gan(steps_per_execution=steps_per_execution)
        with pytest.raises(keras_gan.callbacks.BadBatchError, match=f"batch 4 of epoch 1. Received: {count}") as error:
            gan.fit(data, batch_size=8, epochs=2, shuffle=False, verbose=0)
        assert (error.value.epoch, error.value.batch) == (0, 3)
        assert "updated any weight" in _one_line(error)
        # Exactly the state of a run on the three batches before it, later steps included.
        reference = _range_gan(steps_per_execution=steps_per_execution)
        reference.fit(data[:24], batch_size=8, shuffle=False, verbose=0)
        for expected, actual in zip(_state(reference), _state(gan)):
            np.testing.assert_array_equal(actual, expected)
        assert int(gan.d_optimizer.iterations) == 3
        assert np.isfinite(gan.generate(16, seed=0)).all()

    def test_a_loss_watching_callback_still_sees_the_batch(self):
        data = _UNIT.copy()
        data[0, 0] = np.nan
        seen = []
        watcher = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["d_loss"]))
        with pytest.raises(keras_gan.callbacks.BadBatchError):
            _range_gan().fit(data, batch_size=8, shuffle=False, callbacks=[watcher], verbose=0)
        assert seen == []  # The DataGuard runs first and stops `fit`.
        with pytest.raises(NonFiniteLossError, match="d_loss=nan at epoch 1, batch 1"):
            _range_gan().fit(data, batch_size=8, shuffle=False, callbacks=[NonFiniteGuard()], verbose=0)

    @pytest.mark.parametrize(
        "activation, scale, expected",
        [
            ("sigmoid", lambda x: 255 * x, r"far outside.*applies sigmoid \(range \[0, 1\]\).*`x / 255`"),
            ("tanh", lambda x: 255 * x, r"far outside.*applies tanh \(range \[-1, 1\]\).*`x / 127.5 - 1`"),
            ("tanh", lambda x: x, r"only the upper half.*applies tanh.*`x \* 2 - 1`"),
            ("sigmoid", lambda x: 2 * x - 1, r"far below.*applies sigmoid.*`\(x \+ 1\) / 2`"),
        ],
        ids=["pixels_for_sigmoid", "pixels_for_tanh", "unit_for_tanh", "symmetric_for_sigmoid"],
    )
    def test_data_out_of_the_generators_range_fails_at_the_first_batch(self, activation, scale, expected):
        gan = _range_gan(activation)
        before = _state(gan)
        with pytest.raises(keras_gan.callbacks.BadBatchError, match=expected) as error:
            gan.fit(scale(_UNIT), batch_size=8, verbose=0)
        assert "(batch 1 of epoch 1)" in _one_line(error)
        for old, new in zip(before, _state(gan)):
            np.testing.assert_array_equal(old, new)

    def test_data_in_range_and_unbounded_generators_are_not_checked(self):
        _range_gan("tanh").fit(2 * _UNIT - 1, batch_size=8, verbose=0)
        _range_gan("linear").fit(255 * _UNIT, batch_size=8, verbose=0)

    @pytest.mark.parametrize("as_dataset", [False, True], ids=["arrays", "dataset"])
    def test_a_last_partial_batch_not_divisible_by_k_is_left_out_with_a_warning(self, as_dataset):
        data = _UNIT[:61]  # Batches of 20: 20, 20, 20 and 1.
        if as_dataset:
            data = tf.data.Dataset.from_tensor_slices(data).batch(20)
        gan = _range_gan(k=2)
        with pytest.warns(UserWarning, match=r"1 example left out of epoch 1: 1 batch .*discriminator_steps=2"):
            gan.fit(data, batch_size=None if as_dataset else 20, epochs=2, shuffle=False, verbose=0)
        assert int(gan.g_optimizer.iterations) == 6 and int(gan.d_optimizer.iterations) == 12

    def test_a_first_batch_not_divisible_by_k_is_an_error(self):
        dataset = tf.data.Dataset.from_tensor_slices(_UNIT[:30]).batch(10)
        gan = _range_gan(k=3)
        with pytest.raises(ValueError, match=r"Received: a batch of 10 with discriminator_steps=3") as error:
            gan.fit(dataset, verbose=0)
        _one_line(error)
        assert int(gan.d_optimizer.iterations) == 0

    @pytest.mark.parametrize("method", ["fit", "evaluate"])
    def test_empty_data_is_an_error(self, method):
        empty = tf.data.Dataset.from_tensor_slices(np.zeros((0, 2), "float32")).batch(4)
        expected = {"fit": "The training data is empty", "evaluate": "The evaluation data is empty"}[method]
        with pytest.raises(ValueError, match=expected) as error:
            getattr(_range_gan(), method)(empty, verbose=0)
        _one_line(error)

    def test_evaluation_data_with_nan(self):
        data = _UNIT.copy()
        data[12] = np.nan
        with pytest.raises(keras_gan.callbacks.BadBatchError, match="batch 2 of the evaluation data") as error:
            _range_gan().evaluate(data, batch_size=8, verbose=0)
        _one_line(error)
        with pytest.raises(keras_gan.callbacks.BadBatchError, match="batch 2 of the evaluation data"):
            _range_gan().fit(_UNIT, batch_size=8, validation_data=data, verbose=0)


class TestDiscriminatorOutput:
    @pytest.mark.parametrize(
        "head",
        [
            lambda: [keras.layers.Dense(1, activation="sigmoid", name="probability")],
            lambda: [keras.layers.Dense(1, name="probability"), keras.layers.Activation("sigmoid")],
            lambda: [keras.layers.Dense(2, name="probability"), keras.layers.Softmax()],
        ],
        ids=["dense_sigmoid", "activation_layer", "softmax_layer"],
    )
    def test_a_probability_output_is_refused_at_construction(self, head):
        discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4), *head()])
        with pytest.raises(ValueError, match="must return logits, not probabilities. Received:") as error:
            keras_gan.GAN(_models()[0], discriminator)
        assert "Expected a linear output" in _one_line(error)

    def test_a_nested_functional_model_is_inspected(self):
        inner = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
        inputs = keras.Input((2,))
        with pytest.raises(ValueError, match="applies sigmoid"):
            keras_gan.GAN(_models()[0], keras.Model(inputs, inner(inputs)))


_MIRRORED_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, keras_gan
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

def build():
    with strategy.scope():
        generator = keras_gan.models.mlp_generator(3, (4,), hidden_units=(8,), seed=1)
        discriminator = keras_gan.models.mlp_discriminator((4,), hidden_units=(8,), seed=2)
        gan = keras_gan.GAN(generator, discriminator, seed=0, r1_weight=1.0, discriminator_steps=2)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5), g_optimizer="sgd")
    return gan

data = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
data[40, 2] = np.nan  # Batch 3 of 4, in the second replica's half.
reference = build()
reference.fit(tf.data.Dataset.from_tensor_slices(data[:32]).batch(16), verbose=0)
gan = build()
try:
    gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(16), verbose=0)
    message = None
except keras_gan.callbacks.BadBatchError as error:
    message = str(error)
same = all(np.array_equal(a, b) for a, b in zip(reference.get_weights(), gan.get_weights()))
print(json.dumps({"message": message, "same": same}))
"""


class TestUnderAStrategy:
    def test_a_nan_in_one_replicas_shard_stops_every_replica_before_the_update(self):
        result = subprocess.run(
            [sys.executable, "-c", _MIRRORED_SCRIPT],
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        assert result.returncode == 0, result.stderr[-3000:]
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        assert outcome["message"].startswith("Real examples contain NaN or Inf: batch 3 of epoch 1.")
        assert "a batch of 16 examples" in outcome["message"]
        assert outcome["same"]
