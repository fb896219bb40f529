"""Tests for keras_gan.models: the paper's architectures and their initialisation."""

import keras
import numpy as np
import pytest

from keras_gan import layers, models


def _numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def _kernels(model):
    return [w.numpy() for w in model.weights if "kernel" in w.path]


def _dropout_rates(model):
    return {
        layer.name: layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)
    }


def _assert_uniform_within(kernels, limit):
    assert all(np.abs(kernel).max() <= limit for kernel in kernels)
    # Uniform over the whole interval, not a narrower initializer.
    values = np.concatenate([kernel.reshape(-1) for kernel in kernels])
    assert np.abs(values).max() > 0.99 * limit
    np.testing.assert_allclose(values.std(), limit / np.sqrt(3), rtol=0.05)


class TestMnistGenerator:
    def test_maps_noise_to_images_in_the_unit_interval(self):
        generator = models.mnist_generator(latent_dim=10, hidden_units=(32, 16), seed=0)
        images = _numpy(
            generator(np.random.default_rng(0).uniform(-2, 2, (5, 10)).astype("float32"))
        )
        assert generator.input_shape == (None, 10) and generator.output_shape == (None, 28, 28, 1)
        assert images.shape == (5, 28, 28, 1)
        assert images.min() >= 0.0 and images.max() <= 1.0
        hidden = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dense)]
        assert [layer.units for layer in hidden] == [32, 16, 784]
        assert [layer.activation.__name__ for layer in hidden] == ["relu", "relu", "sigmoid"]

    def test_output_bias_is_the_logit_of_the_clipped_data_mean(self, mnist_digits):
        data_mean = mnist_digits.mean(axis=0)
        assert data_mean.min() == 0.0  # Real MNIST has always-black corner pixels.
        generator = models.mnist_generator(latent_dim=10, data_mean=data_mean, hidden_units=(32,))
        clipped = np.clip(data_mean.reshape(-1).astype("float64"), 1e-3, 1 - 1e-3)
        bias = generator.get_layer("output").bias.numpy()
        np.testing.assert_allclose(bias, np.log(clipped / (1 - clipped)), rtol=1e-5, atol=1e-5)
        assert np.all(np.isfinite(bias))

    def test_untrained_generator_outputs_the_data_mean(self, mnist_digits):
        data_mean = mnist_digits.mean(axis=0)
        clipped = np.clip(data_mean, 1e-3, 1 - 1e-3)
        generator = models.mnist_generator(
            latent_dim=10, data_mean=data_mean, hidden_units=(32,), seed=0
        )
        # Zero noise reaches the output layer as zeros: the output is sigmoid(bias).
        np.testing.assert_allclose(_numpy(generator(np.zeros((1, 10))))[0], clipped, atol=1e-5)
        small = models.mnist_generator(
            latent_dim=10, data_mean=data_mean, hidden_units=(32,), weight_range=1e-3, seed=0
        )
        noise = np.random.default_rng(1).uniform(-1.7, 1.7, (4, 10)).astype("float32")
        np.testing.assert_allclose(
            _numpy(small(noise)), np.broadcast_to(clipped, (4, 28, 28, 1)), atol=1e-4
        )

    def test_weights_start_uniform_within_0_05(self):
        generator = models.mnist_generator(latent_dim=100, hidden_units=(64,), seed=0)
        _assert_uniform_within(_kernels(generator), 0.05)
        assert np.all(generator.get_layer("output").bias.numpy() == 0.0)

    @pytest.mark.parametrize(
        "data_mean, match",
        [
            (np.full(100, 0.5), "784 values"),
            (np.full(784, 1.5), r"\[0, 1\]"),
            (np.full(784, -0.1), r"\[0, 1\]"),
            (np.full(784, np.nan), "finite"),
        ],
    )
    def test_bad_data_mean_is_a_value_error(self, data_mean, match):
        with pytest.raises(ValueError, match=f"data_mean.*{match}|{match}.*data_mean"):
            models.mnist_generator(data_mean=data_mean, hidden_units=(8,))


class TestMnistDiscriminator:
    def test_maps_images_to_one_logit_through_maxout(self):
        discriminator = models.mnist_discriminator(hidden_units=(32, 16), pieces=3, seed=0)
        assert discriminator.input_shape == (None, 28, 28, 1) and discriminator.output_shape == (
            None,
            1,
        )
        maxouts = [layer for layer in discriminator.layers if isinstance(layer, layers.Maxout)]
        assert [(layer.units, layer.pieces) for layer in maxouts] == [(32, 3), (16, 3)]
        assert (
            discriminator.layers[-1].activation.__name__ == "linear"
        )  # Logits, not probabilities.
        logits = _numpy(discriminator(np.ones((3, 28, 28, 1), "float32")))
        assert logits.shape == (3, 1)

    def test_default_is_the_paper_size(self):
        discriminator = models.mnist_discriminator()
        maxouts = [layer for layer in discriminator.layers if isinstance(layer, layers.Maxout)]
        assert [(layer.units, layer.pieces) for layer in maxouts] == [(240, 5), (240, 5)]

    def test_weights_start_uniform_within_0_005(self):
        discriminator = models.mnist_discriminator(hidden_units=(64, 32), seed=0)
        _assert_uniform_within(_kernels(discriminator), 0.005)

    def test_dropout_drops_inputs_at_0_2_and_hidden_units_at_0_5(self):
        discriminator = models.mnist_discriminator(hidden_units=(8, 8))
        assert _dropout_rates(discriminator) == {
            "input_dropout": 0.2,
            "dropout_0": 0.5,
            "dropout_1": 0.5,
        }
        # Inference is deterministic; training drops units.
        images = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype("float32")
        np.testing.assert_array_equal(_numpy(discriminator(images)), _numpy(discriminator(images)))
        assert not np.allclose(
            _numpy(discriminator(images, training=True)),
            _numpy(discriminator(images, training=False)),
        )

    def test_same_seed_same_weights_different_seed_different_weights(self):
        first, again, other = (
            models.mnist_discriminator(hidden_units=(16,), seed=s) for s in (3, 3, 4)
        )
        for a, b, c in zip(first.get_weights(), again.get_weights(), other.get_weights()):
            np.testing.assert_array_equal(a, b)
            if np.any(a):  # Biases start at zero for every seed.
                assert not np.allclose(a, c)


class TestCifar10:
    def test_generator_is_dense_then_a_stride_3_transposed_convolution(self):
        generator = models.cifar10_generator(latent_dim=20, hidden_units=300, seed=0)
        assert generator.output_shape == (None, 32, 32, 3)
        assert generator.get_layer("maps").output.shape == (None, 10, 10, 3)
        transposed = generator.get_layer("images")
        assert (transposed.kernel_size, transposed.strides) == ((5, 5), (3, 3))
        assert _numpy(generator(np.zeros((2, 20), "float32"))).shape == (2, 32, 32, 3)

    @pytest.mark.parametrize("activation, low, high", [("sigmoid", 0, 1), ("tanh", -1, 1)])
    def test_generator_output_activation_bounds_the_output(self, activation, low, high):
        generator = models.cifar10_generator(
            latent_dim=4, hidden_units=100, output_activation=activation, seed=0
        )
        images = _numpy(
            generator(10 * np.random.default_rng(0).normal(size=(3, 4)).astype("float32"))
        )
        assert images.min() >= low and images.max() <= high

    def test_generator_units_must_be_a_multiple_of_100(self):
        with pytest.raises(ValueError, match="hidden_units.*Received.*multiple of 100"):
            models.cifar10_generator(hidden_units=250)

    def test_discriminator_has_the_paper_architecture(self):
        discriminator = models.cifar10_discriminator(seed=0)
        assert discriminator.input_shape == (None, 32, 32, 3) and discriminator.output_shape == (
            None,
            1,
        )
        convolutions = [
            layer for layer in discriminator.layers if isinstance(layer, layers.MaxoutConv2D)
        ]
        assert [
            (layer.filters, layer.pieces, layer.convolution.kernel_size) for layer in convolutions
        ] == [
            (32, 2, (8, 8)),
            (32, 2, (8, 8)),
            (192, 2, (5, 5)),
        ]
        pools = [
            layer for layer in discriminator.layers if isinstance(layer, keras.layers.MaxPooling2D)
        ]
        assert [(layer.pool_size, layer.strides) for layer in pools] == [
            ((4, 4), (2, 2)),
            ((4, 4), (2, 2)),
            ((2, 2), (2, 2)),
        ]
        maxout = discriminator.get_layer("maxout")
        assert (maxout.units, maxout.pieces) == (500, 5)
        rates = _dropout_rates(discriminator)
        assert (
            rates.pop("input_dropout") == 0.2 and set(rates.values()) == {0.5} and len(rates) == 4
        )
        _assert_uniform_within(_kernels(discriminator), 0.005)
        assert _numpy(discriminator(np.zeros((2, 32, 32, 3), "float32"))).shape == (2, 1)


class TestDcgan:
    @pytest.mark.parametrize(
        "image_shape, activation, low, high", [((28, 28, 1), "sigmoid", 0, 1), ((32, 32, 3), "tanh", -1, 1)]
    )
    def test_two_stride_2_convolutions_each_way(self, image_shape, activation, low, high):
        generator = models.dcgan_generator(
            latent_dim=8, image_shape=image_shape, filters=(16, 8), output_activation=activation, seed=0
        )
        discriminator = models.dcgan_discriminator(image_shape=image_shape, filters=(8, 16), seed=1)
        height, width, _ = image_shape
        assert generator.get_layer("maps").output.shape == (None, height // 4, width // 4, 16)
        upsampling = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2DTranspose)]
        downsampling = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
        assert [(layer.filters, layer.strides) for layer in upsampling] == [(16, (2, 2)), (8, (2, 2))]
        assert [(layer.filters, layer.strides) for layer in downsampling] == [(8, (2, 2)), (16, (2, 2))]
        z = 10 * np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
        images = _numpy(generator(z))
        assert images.shape == (3, *image_shape) and images.min() >= low and images.max() <= high
        assert _numpy(discriminator(images)).shape == (3, 1)

    def test_weights_start_normal_with_std_0_02(self):
        kernels = _kernels(models.dcgan_discriminator(seed=0))
        values = np.concatenate([kernel.reshape(-1) for kernel in kernels])
        # n draws: the sample std's relative spread is 1 / sqrt(2 n), its mean's 0.02 / sqrt(n); allow 5 of each.
        n = values.size
        np.testing.assert_allclose(values.std(), 0.02, rtol=5 / np.sqrt(2 * n))
        assert abs(values.mean()) < 5 * 0.02 / np.sqrt(n)

    @pytest.mark.parametrize("conditioning", ["concat", "projection"])
    def test_conditional_pair_takes_labels(self, conditioning):
        generator = models.dcgan_generator(latent_dim=4, filters=(8, 4), num_classes=3, seed=0)
        discriminator = models.dcgan_discriminator(
            filters=(4, 8), num_classes=3, conditioning=conditioning, seed=1
        )
        z = np.zeros((3, 4), "float32")
        labels = np.array([0, 1, 2], "int32")
        images = _numpy(generator([z, labels]))
        # Equal noise, different classes: different images and logits.
        assert not np.allclose(images[0], images[1])
        logits = _numpy(discriminator([np.repeat(images[:1], 3, axis=0), labels]))
        assert len(np.unique(logits)) == 3

    def test_same_seed_same_weights_and_a_safe_mode_round_trip(self, tmp_path):
        first, again = (models.dcgan_generator(latent_dim=4, filters=(8, 4), seed=5) for _ in range(2))
        for a, b in zip(first.get_weights(), again.get_weights()):
            np.testing.assert_array_equal(a, b)
        path = str(tmp_path / "generator.keras")
        first.save(path)
        z = np.random.default_rng(0).uniform(-1, 1, size=(4, 4)).astype("float32")
        np.testing.assert_array_equal(_numpy(keras.saving.load_model(path)(z)), _numpy(first(z)))

    def test_image_sides_must_divide_by_the_upsampling(self):
        with pytest.raises(ValueError, match=r"image_shape=\(30, 30, 1\)\. Expected .* multiples of 4"):
            models.dcgan_generator(image_shape=(30, 30, 1))
        with pytest.raises(ValueError, match="multiples of 8"):
            models.dcgan_discriminator(image_shape=(28, 28, 1), filters=(4, 8, 16))


class TestMlp:
    def test_shapes_and_dropout(self):
        generator = models.mlp_generator(
            latent_dim=3, output_shape=(2, 2), hidden_units=(8,), seed=0
        )
        discriminator = models.mlp_discriminator(
            input_shape=(2, 2), hidden_units=(8, 8), dropout=0.3, seed=0
        )
        fake = generator(np.zeros((5, 3), "float32"))
        assert fake.shape == (5, 2, 2)
        assert discriminator(fake).shape == (5, 1)
        assert set(_dropout_rates(discriminator).values()) == {0.3}
        assert _dropout_rates(models.mlp_discriminator(hidden_units=(8,))) == {}

    def test_standardised_networks_work_in_unit_scale(self, tmp_path):
        mean, variance = [4.0, -2.0], [0.25, 9.0]
        generator = models.mlp_generator(
            latent_dim=3, output_shape=(2,), hidden_units=(8,), output_mean=mean,
            output_variance=variance, seed=0,
        )
        discriminator = models.mlp_discriminator(
            input_shape=(2,), hidden_units=(8,), input_mean=mean, input_variance=variance, seed=0
        )
        # The generator's last Dense output is mapped to mean + std * output...
        raw = keras.Model(generator.input, generator.get_layer("output").output)
        z = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
        np.testing.assert_allclose(
            _numpy(generator(z)), np.array(mean) + np.sqrt(variance) * _numpy(raw(z)), rtol=1e-5
        )
        # ...and the discriminator's first hidden layer sees (x - mean) / std.
        scaled = keras.Model(discriminator.input, discriminator.get_layer("input_scale").output)
        x = np.array([[4.0, -2.0], [4.5, 1.0]], "float32")
        np.testing.assert_allclose(_numpy(scaled(x)), [[0.0, 0.0], [1.0, 1.0]], atol=1e-6)
        # Fixed statistics, not weights, and they survive a safe_mode round trip.
        assert not discriminator.get_layer("input_scale").trainable_weights
        path = str(tmp_path / "discriminator.keras")
        discriminator.save(path)
        restored = keras.saving.load_model(path)
        np.testing.assert_allclose(_numpy(restored(x)), _numpy(discriminator(x)), rtol=1e-6)

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            ({"input_mean": [0.0, 0.0]}, "both `input_mean` and `input_variance`"),
            ({"input_mean": [0.0, 0.0], "input_variance": [1.0, 0.0]}, "positive `input_variance`"),
        ],
    )
    def test_bad_standardisation_is_a_value_error(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            models.mlp_discriminator(input_shape=(2,), hidden_units=(8,), **kwargs)
