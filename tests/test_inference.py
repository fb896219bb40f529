"""Tests of learned approximate inference (`keras_gan.inference`).

A tiny generator (z in R^4 -> 16 ReLU -> 6 sigmoid outputs) stands for a
trained G; the encoders are small MLPs. The margins come from runs of this
setup over generator seeds 0-2 and the uniform and Gaussian priors (Adam
1e-2, batch 64, 3 x 100 steps): the encoder's R^2 went from -0.03..-0.06 to
0.68..0.85, the epoch mean of the batch R^2 rose by 0.29..0.40, and the loss
of the last epoch was 0.30..0.54 of the first's.
"""

import keras
import numpy as np
import pytest
from keras import ops

import keras_gan
from keras_gan import inference

LATENT_DIM = 4
EXAMPLE_SHAPE = (6,)


def _generator(seed=0, num_classes=None):
    return keras_gan.models.mlp_generator(
        latent_dim=LATENT_DIM, output_shape=EXAMPLE_SHAPE, hidden_units=(16,),
        output_activation="sigmoid", num_classes=num_classes, seed=seed,
    )


def _encoder(seed=10, hidden_units=(32, 32)):
    return inference.mnist_encoder(
        latent_dim=LATENT_DIM, image_shape=EXAMPLE_SHAPE, hidden_units=hidden_units, seed=seed
    )


def _net(generator=None, encoder=None, learning_rate=1e-2, **compile_kwargs):
    net = inference.InferenceNet(generator or _generator(), encoder or _encoder(), seed=0)
    net.compile(keras.optimizers.Adam(learning_rate), **compile_kwargs)
    return net


def _one_line_error(function, *args, match, **kwargs):
    with pytest.raises(ValueError, match=match) as caught:
        function(*args, **kwargs)
    assert "\n" not in str(caught.value)
    return str(caught.value)


class _Recorder(keras.layers.Layer):
    """Passes its input through, keeping every training batch in a rolling buffer.

    The buffer lives in a variable, so it records what the compiled step
    really fed the encoder (a batch drawn once while tracing would show up
    as repeated rows).
    """

    def __init__(self, capacity, width, **kwargs):
        super().__init__(**kwargs)
        self.seen = self.add_weight(shape=(capacity, width), initializer="zeros", trainable=False, name="seen")

    def call(self, inputs, training=False):
        if training:
            rows = ops.cast(inputs, self.seen.dtype)
            self.seen.assign(ops.concatenate([self.seen[ops.shape(rows)[0]:], rows], axis=0))
        return inputs


@pytest.fixture(scope="module")
def trained():
    """An inference net trained 3 x 100 steps, its history, and R^2 before training."""
    keras.utils.set_random_seed(0)
    generator = _generator()
    generator.latent_prior = keras_gan.priors.gaussian  # As a GAN would set it.
    net = _net(generator)
    before = net.r_squared(2000, seed=0)
    history = net.fit(batch_size=64, steps_per_epoch=100, epochs=3, verbose=0)
    return net, history.history, before


class TestMnistEncoder:
    def test_maps_images_to_z(self):
        encoder = inference.mnist_encoder(latent_dim=7, hidden_units=(8,), seed=0)
        assert encoder(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 7)
        assert encoder.layers[-1].activation.__name__ == "linear"

    def test_seed_fixes_the_weights(self):
        first, second, other = (
            inference.mnist_encoder(hidden_units=(8,), seed=seed) for seed in (3, 3, 4)
        )
        for a, b in zip(first.get_weights(), second.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])

    def test_bad_sizes(self):
        _one_line_error(inference.mnist_encoder, latent_dim=0, match="argument `latent_dim`")
        _one_line_error(inference.mnist_encoder, hidden_units=(8, -1), match="argument `hidden_units`")

    def test_standardizes_by_the_generators_statistics(self):
        mean = np.array([0.5, 0.25, 0.1, 0.9], "float32")
        variance = np.array([0.04, 1e-9, 0.01, 0.0], "float32")
        encoder = inference.mnist_encoder(
            latent_dim=2, image_shape=(2, 2, 1), hidden_units=(3,), input_mean=mean.reshape(2, 2, 1),
            input_variance=variance, seed=0,
        )
        layer = encoder.get_layer("standardize")
        floor = inference.MIN_STDDEV**2
        # Values within float16's relative rounding (2^-11) of the statistics,
        # variances floored at one 8-bit pixel step squared.
        np.testing.assert_allclose(ops.convert_to_numpy(layer.mean).ravel(), mean, rtol=2**-11)
        np.testing.assert_allclose(
            ops.convert_to_numpy(layer.variance).ravel(), np.maximum(variance, floor), rtol=2**-10
        )
        for name in ("mean", "variance"):
            values = ops.convert_to_numpy(getattr(layer, name))
            np.testing.assert_array_equal(values.astype("float16").astype("float32"), values)

    def test_bad_statistics(self):
        _one_line_error(
            inference.mnist_encoder, image_shape=(2,), input_mean=[0.5, 0.5], match="argument `input_variance`"
        )
        _one_line_error(
            inference.mnist_encoder, image_shape=(2,), input_mean=[0.5], input_variance=[1.0, 1.0],
            match=r"argument `input_mean`. Received: input_mean with 1 values. Expected 2",
        )
        _one_line_error(
            inference.mnist_encoder, image_shape=(2,), input_mean=[0.5, 0.5], input_variance=[1.0, -1.0],
            match="variances >= 0",
        )


class TestTraining:
    def test_loss_falls_and_r2_rises(self, trained):
        net, history, before = trained
        after = net.r_squared(2000, seed=0)
        # An untrained encoder is uncorrelated with z: R^2 <= 0 up to sampling noise.
        assert before < 0.1
        assert after > before + 0.4
        assert history["loss"][-1] < 0.6 * history["loss"][0]
        assert history["r2"][-1] > history["r2"][0] + 0.2

    def test_r_squared_is_float64_and_reproducible(self, trained):
        net, _, _ = trained
        value = net.r_squared(500, seed=3)
        assert isinstance(value, np.float64)
        assert value == net.r_squared(500, seed=3)

    def test_evaluate_reports_loss_and_r2_on_fresh_samples(self, trained):
        net, _, _ = trained
        logs = net.evaluate(batch_size=500, steps=4, return_dict=True, verbose=0)
        assert set(logs) == {"loss", "r2"}
        # Two estimates of one R^2 from 2,000 samples each: their spread is
        # about 0.01 here (relative error sqrt(2 / (n d)) of an unexplained
        # share of ~0.2-0.3), so 0.05 is five of it. The batch estimate reads
        # the unexplained part 500 / 499 too high, far below that.
        assert abs(logs["r2"] - net.r_squared(2000, seed=1)) < 0.05
        # The MSE of z in units of its variance (1 for the Gaussian prior) is 1 - R^2.
        assert abs(logs["loss"] - (1.0 - logs["r2"])) < 0.05

    def test_generator_is_frozen(self):
        # BatchNormalization and Dropout show whether G runs in inference mode.
        z = keras.Input((LATENT_DIM,), name="z")
        h = keras.layers.Dense(16, "relu")(z)
        h = keras.layers.BatchNormalization()(h)
        h = keras.layers.Dropout(0.5)(h)
        x = keras.layers.Dense(EXAMPLE_SHAPE[0], "sigmoid")(h)
        generator = keras_gan.Generator(z, x, latent_prior="gaussian")
        before = [weight.copy() for weight in generator.get_weights()]
        net = _net(generator)
        encoder_before = [weight.copy() for weight in net.encoder.get_weights()]
        net.fit(batch_size=16, steps_per_epoch=5, epochs=2, verbose=0)
        for old, new in zip(before, generator.get_weights()):
            np.testing.assert_array_equal(old, new)
        assert all(weight.trainable for weight in generator.trainable_weights)  # Left as given.
        assert any(not np.array_equal(a, b) for a, b in zip(encoder_before, net.encoder.get_weights()))
        assert [id(w) for w in net.trainable_weights] == [id(w) for w in net.encoder.trainable_weights]

    def test_optimizer_averaging_finalizes_the_encoder_only(self):
        # Keras' fit ends with `finalize_variable_values(trainable_weights)`.
        generator = _generator()
        before = [weight.copy() for weight in generator.get_weights()]
        net = inference.InferenceNet(generator, _encoder(), seed=0)
        net.compile(keras.optimizers.Adam(1e-2, use_ema=True))
        net.fit(batch_size=16, steps_per_epoch=3, verbose=0)
        for old, new in zip(before, generator.get_weights()):
            np.testing.assert_array_equal(old, new)

    def test_each_step_draws_fresh_pairs(self):
        steps, epochs, batch = 5, 2, 8
        images = keras.Input(EXAMPLE_SHAPE)
        recorded = _Recorder(steps * epochs * batch, EXAMPLE_SHAPE[0])(images)
        encoder = keras.Model(images, keras.layers.Dense(LATENT_DIM)(recorded))
        net = _net(encoder=encoder)
        net.fit(batch_size=batch, steps_per_epoch=steps, epochs=epochs, verbose=0)
        seen = ops.convert_to_numpy(encoder.layers[1].seen)
        # Every row was written (sigmoid outputs are never exactly 0), and no
        # row, so no batch, came twice.
        assert np.all(np.any(seen != 0, axis=1))
        assert len(np.unique(seen, axis=0)) == len(seen)

    def test_same_seed_same_training(self):
        results = []
        for _ in range(2):
            net = inference.InferenceNet(_generator(), _encoder(), seed=5)
            net.compile(keras.optimizers.Adam(1e-2))
            net.fit(batch_size=16, steps_per_epoch=3, verbose=0)
            results.append(net.encoder.get_weights())
        for a, b in zip(*results):
            np.testing.assert_array_equal(a, b)

    def test_fit_with_callbacks_validation_and_metrics(self):
        net = _net(metrics=["mae"])
        batches = []
        callback = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(logs))
        history = net.fit(
            batch_size=16, steps_per_epoch=4, epochs=2, validation_steps=2, callbacks=[callback], verbose=0
        )
        assert len(batches) == 8
        assert set(batches[-1]) == {"loss", "r2", "mae"}
        assert set(history.history) == {"loss", "r2", "mae", "val_loss", "val_r2", "val_mae"}

    def test_sample_batches_set_the_batch_size(self):
        net = _net()
        history = net.fit(
            inference.sample_batches(16), steps_per_epoch=2,
            validation_data=inference.sample_batches(32), validation_steps=1, verbose=0,
        )
        assert "val_r2" in history.history


class TestEncodeAndReconstruct:
    def test_encode_and_reconstruct(self, trained):
        net, _, _ = trained
        x = net.generator.generate(50, seed=2)
        z = net.encode(x, batch_size=16)
        assert z.shape == (50, LATENT_DIM) and z.dtype == np.float32
        np.testing.assert_allclose(z, ops.convert_to_numpy(net(x)), rtol=1e-5, atol=1e-6)
        reconstructed = net.reconstruct(x)
        assert reconstructed.shape == (50, *EXAMPLE_SHAPE)
        # A trained encoder reconstructs better than the mean example does.
        assert np.mean((reconstructed - x) ** 2) < np.mean((x - x.mean(0)) ** 2)

    def test_predict_encodes(self, trained):
        net, _, _ = trained
        x = net.generator.generate(8, seed=2)
        np.testing.assert_allclose(net.predict(x, verbose=0), net.encode(x), rtol=1e-5, atol=1e-6)


class TestSaving:
    def test_keras_file_round_trip(self, trained, tmp_path):
        net, _, _ = trained
        path = tmp_path / "inference_net.keras"
        net.save(path)
        loaded = keras.saving.load_model(path)
        assert isinstance(loaded, inference.InferenceNet)
        assert loaded.latent_prior is keras_gan.priors.gaussian
        x = net.generator.generate(20, seed=4)
        np.testing.assert_array_equal(loaded.encode(x), net.encode(x))
        for a, b in zip(loaded.generator.get_weights(), net.generator.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert int(loaded.optimizer.iterations) == int(net.optimizer.iterations) == 300
        loaded.fit(batch_size=16, steps_per_epoch=2, verbose=0)  # Compiled, and trains on.

    def test_config_round_trip(self):
        net = inference.InferenceNet(_generator(), _encoder(), seed=7, name="inferer")
        clone = inference.InferenceNet.from_config(net.get_config())
        assert clone.name == "inferer" and clone.seed == 7
        assert clone.encoder.get_config() == net.encoder.get_config()
        assert clone.latent_dim == LATENT_DIM and clone.example_shape == EXAMPLE_SHAPE


class TestConditional:
    def test_conditional_generator(self):
        keras.utils.set_random_seed(0)
        generator = _generator(num_classes=3)
        net = _net(generator)
        assert net.num_classes == 3
        before = net.r_squared(1000, seed=0)
        history = net.fit(batch_size=64, steps_per_epoch=100, epochs=2, verbose=0).history
        after = net.r_squared(1000, seed=0)
        assert after > before + 0.3
        assert history["loss"][-1] < history["loss"][0]
        x = generator.generate(9, labels=[0, 1, 2] * 3, seed=1)
        assert net.reconstruct(x, labels=[0, 1, 2] * 3).shape == (9, *EXAMPLE_SHAPE)
        _one_line_error(net.reconstruct, x, match="labels=None for a conditional")
        _one_line_error(net.reconstruct, x, labels=[5] * 9, match="argument `labels`")


class TestBadInput:
    def test_fit_refuses_data(self):
        net = _net()
        message = _one_line_error(
            net.fit, np.zeros((8, *EXAMPLE_SHAPE), "float32"), steps_per_epoch=2,
            match=r"Invalid value for argument `x`\. Received: x=ndarray of shape \(8, 6\)\. Expected None",
        )
        assert "batch_size" in message
        _one_line_error(net.fit, y=np.zeros((8, 4)), steps_per_epoch=2, match="argument `y`")
        _one_line_error(net.fit, validation_split=0.1, steps_per_epoch=2, match="argument `validation_split`")
        _one_line_error(
            net.fit, validation_data=np.zeros((8, 6)), validation_steps=1, steps_per_epoch=2,
            match="argument `validation_data`",
        )

    def test_steps_are_required(self):
        net = _net()
        _one_line_error(net.fit, batch_size=8, match="argument `steps_per_epoch`. Received: steps_per_epoch=None")
        _one_line_error(net.evaluate, batch_size=8, match="argument `steps`")
        _one_line_error(
            net.fit, inference.sample_batches(8), steps_per_epoch=1,
            validation_data=inference.sample_batches(8), match="argument `validation_steps`",
        )

    def test_batch_size_needs_two_samples(self):
        _one_line_error(_net().fit, batch_size=1, steps_per_epoch=1, match="argument `batch_size`.*>= 2")

    def test_evaluate_refuses_data(self):
        _one_line_error(_net().evaluate, np.zeros((8, 6), "float32"), steps=1, match="argument `x`")

    def test_encode_checks_its_input(self):
        net = _net()
        _one_line_error(net.encode, np.zeros((3, 7), "float32"), match=r"Received: x of shape \(3, 7\)")
        _one_line_error(net.encode, np.zeros((3, 6), "uint8"), match="dtype uint8")
        _one_line_error(net.encode, np.full((3, 6), np.nan, "float32"), match="NaN or Inf")
        # 0..255 pixels for a sigmoid generator, whose range is [0, 1].
        _one_line_error(net.encode, np.full((3, 6), 255.0, "float32"), match=r"values in \[255, 255\]")
        _one_line_error(net.encode, "images", match="Received: x of")

    def test_models_must_fit_together(self):
        _one_line_error(
            inference.InferenceNet, _generator(), inference.mnist_encoder(latent_dim=3, image_shape=(6,)),
            match=r"argument `encoder`.*\(3,\)",
        )
        _one_line_error(
            inference.InferenceNet, _generator(), inference.mnist_encoder(latent_dim=4, image_shape=(5,)),
            match="argument `encoder`",
        )
        _one_line_error(inference.InferenceNet, "generator", _encoder(), match="argument `generator`")
        _one_line_error(inference.InferenceNet, _generator(), _encoder(), seed=1.5, match="argument `seed`")

    def test_plain_generator_is_wrapped(self):
        generator = _generator()
        plain = keras.Model(generator.inputs[0], generator.outputs[0])
        net = inference.InferenceNet(plain, _encoder())
        assert isinstance(net.generator, keras_gan.Generator)
        assert net.latent_prior is keras_gan.priors.uniform
