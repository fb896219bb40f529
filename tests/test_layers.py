"""Tests for keras_gan.layers: dense and convolutional maxout."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import layers


def _random(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _maxout_reference(inputs, kernel, bias, units, pieces):
    """Unit j takes the max of its pieces, the columns j, units + j, ..., (pieces - 1) * units + j."""
    affine = inputs.astype("float64") @ kernel + bias
    return np.stack([affine[..., j::units].max(axis=-1) for j in range(units)], axis=-1)


class TestMaxout:
    @pytest.mark.parametrize("units, pieces", [(3, 2), (5, 1), (4, 5)])
    def test_equals_a_numpy_max_over_pieces(self, units, pieces):
        layer = layers.Maxout(units, pieces, bias_initializer="random_normal")
        inputs = _random((6, 7), 0)
        outputs = keras.ops.convert_to_numpy(layer(inputs))
        expected = _maxout_reference(
            inputs, layer.kernel.numpy(), layer.bias.numpy(), units, pieces
        )
        assert outputs.shape == (6, units)
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)

    def test_applies_to_the_last_axis_of_higher_rank_inputs(self):
        layer = layers.Maxout(3, 2)
        inputs = _random((2, 4, 5), 1)
        outputs = keras.ops.convert_to_numpy(layer(inputs))
        expected = _maxout_reference(inputs, layer.kernel.numpy(), layer.bias.numpy(), 3, 2)
        assert layer.compute_output_shape((2, 4, 5)) == (2, 4, 3)
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)

    def test_gradients_reach_only_the_winning_pieces(self):
        units, pieces = 4, 3
        layer = layers.Maxout(units, pieces, bias_initializer="random_normal")
        inputs, upstream = _random((6, 7), 3), _random((6, units), 4)
        with tf.GradientTape() as tape:
            outputs = layer(inputs)
        kernel_gradient, bias_gradient = tape.gradient(outputs, layer.weights, upstream)
        affine = inputs.astype("float64") @ layer.kernel.numpy() + layer.bias.numpy()
        winners = affine == np.tile(affine.reshape(6, pieces, units).max(axis=1), pieces)
        assert winners.sum() == 6 * units  # no ties
        affine_gradient = np.where(winners, np.tile(upstream, pieces), 0.0)
        np.testing.assert_allclose(kernel_gradient, inputs.T @ affine_gradient, atol=1e-5)
        np.testing.assert_allclose(bias_gradient, affine_gradient.sum(axis=0), atol=1e-5)

    def test_tied_pieces_pass_the_gradient_to_one_piece(self):
        # All-zero inputs and zero biases tie every piece of every unit.
        layer = layers.Maxout(2, 3)
        with tf.GradientTape() as tape:
            outputs = layer(np.zeros((1, 5), "float32"))
        bias_gradient = tape.gradient(outputs, layer.bias, np.array([[1.0, 2.0]], "float32"))
        per_piece = bias_gradient.numpy().reshape(3, 2)
        np.testing.assert_array_equal(per_piece.sum(axis=0), [1.0, 2.0])
        np.testing.assert_array_equal(np.count_nonzero(per_piece, axis=0), [1, 1])

    def test_kernel_constraint_is_applied_by_the_optimizer(self):
        layer = layers.Maxout(2, 2, kernel_constraint=keras.constraints.MaxNorm(0.1))
        model = keras.Sequential([keras.Input((3,)), layer])
        model.compile(optimizer=keras.optimizers.SGD(10.0), loss="mse")
        model.fit(np.ones((4, 3)), np.full((4, 2), 100.0), verbose=0)
        column_norms = np.linalg.norm(layer.kernel.numpy(), axis=0)
        assert np.all(column_norms <= 0.1 + 1e-6)

    @pytest.mark.parametrize(
        "arguments, name",
        [
            ({"units": 0, "pieces": 2}, "units"),
            ({"units": -3, "pieces": 2}, "units"),
            ({"units": 2.5, "pieces": 2}, "units"),
            ({"units": True, "pieces": 2}, "units"),
            ({"units": 3, "pieces": 0}, "pieces"),
            ({"units": 3, "pieces": "5"}, "pieces"),
        ],
    )
    def test_bad_arguments_are_value_errors(self, arguments, name):
        with pytest.raises(ValueError, match=f"`{name}`.*Received.*positive integer"):
            layers.Maxout(**arguments)


class TestMaxoutConv2D:
    @pytest.mark.parametrize(
        "filters, pieces, kernel_size, strides, padding",
        [(3, 2, 3, 1, "same"), (2, 3, (3, 2), 2, "valid"), (4, 1, 1, 1, "same")],
    )
    def test_equals_a_convolution_then_a_max_over_pieces(
        self, filters, pieces, kernel_size, strides, padding
    ):
        layer = layers.MaxoutConv2D(
            filters,
            pieces,
            kernel_size,
            strides=strides,
            padding=padding,
            bias_initializer="random_normal",
        )
        inputs = _random((2, 9, 8, 3), 2)
        outputs = keras.ops.convert_to_numpy(layer(inputs))
        kernel, bias = (w.numpy() for w in layer.convolution.weights)
        maps = tf.nn.conv2d(inputs, kernel, strides=strides, padding=padding.upper()).numpy() + bias
        expected = np.stack([maps[..., c::filters].max(axis=-1) for c in range(filters)], axis=-1)
        assert outputs.shape == expected.shape == layer.compute_output_shape(inputs.shape)
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)

    def test_rejects_inputs_that_are_not_images(self):
        with pytest.raises(ValueError):
            layers.MaxoutConv2D(2, 2, 3)(np.zeros((2, 8, 3), "float32"))

    @pytest.mark.parametrize(
        "arguments, name",
        [
            ({"filters": 0, "pieces": 2}, "filters"),
            ({"filters": 1.0, "pieces": 2}, "filters"),
            ({"filters": 4, "pieces": -1}, "pieces"),
            ({"filters": 4, "pieces": None}, "pieces"),
        ],
    )
    def test_bad_arguments_are_value_errors(self, arguments, name):
        with pytest.raises(ValueError, match=f"`{name}`.*Received.*positive integer"):
            layers.MaxoutConv2D(kernel_size=3, **arguments)


def _maxout():
    return layers.Maxout(
        4,
        3,
        kernel_initializer="he_normal",
        bias_initializer="random_normal",
        kernel_constraint=keras.constraints.MaxNorm(2.0),
        name="dense_maxout",
    )


def _maxout_conv():
    return layers.MaxoutConv2D(
        3,
        2,
        (3, 2),
        strides=2,
        padding="valid",
        bias_initializer="random_normal",
        kernel_constraint=keras.constraints.NonNeg(),
        name="conv_maxout",
    )


class TestSerialization:
    @pytest.mark.parametrize(
        "make_layer, input_shape", [(_maxout, (2, 6)), (_maxout_conv, (2, 7, 7, 3))]
    )
    def test_config_round_trip_rebuilds_the_same_layer(self, make_layer, input_shape):
        layer = make_layer()
        inputs = _random(input_shape, 3)
        outputs = keras.ops.convert_to_numpy(layer(inputs))
        config = layer.get_config()
        restored = type(layer).from_config(config)
        restored(inputs)
        restored.set_weights(layer.get_weights())
        assert restored.get_config() == config
        np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(inputs)), outputs, rtol=1e-6)

    def test_keras_file_round_trip_in_safe_mode(self, tmp_path):
        images = keras.Input((7, 7, 3))
        x = _maxout_conv()(images)
        x = keras.layers.Flatten()(x)
        x = _maxout()(x)
        model = keras.Model(images, x)
        inputs = _random((2, 7, 7, 3), 4)
        path = tmp_path / "maxout.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert [type(layer).__name__ for layer in loaded.layers][1::2] == ["MaxoutConv2D", "Maxout"]
        loaded_maxout = loaded.get_layer("dense_maxout")
        assert (loaded_maxout.units, loaded_maxout.pieces) == (4, 3)
        assert isinstance(loaded_maxout.kernel_constraint, keras.constraints.MaxNorm)
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(loaded(inputs)), keras.ops.convert_to_numpy(model(inputs))
        )
