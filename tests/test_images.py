"""Tests for keras_gan.images, keras_gan.sample_grids and keras_gan.metrics.nearest_neighbours:
value mapping, tiling, neighbours, grids, PNGs."""

import gzip
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan import distribute
from keras_gan import images
from keras_gan import metrics
from keras_gan import sample_grids

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-8k"


def load_mnist(count):
    """The first `count` real MNIST digits as float32 [count, 28, 28, 1] in [0, 1]."""
    with gzip.open(MNIST_DIR / "images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28, 1)
    return pixels[:count].astype("float32") / 255.0


def brute_force_nearest(queries, candidates):
    queries = queries.reshape(len(queries), -1).astype(np.float64)
    candidates = candidates.reshape(len(candidates), -1).astype(np.float64)
    distances = np.linalg.norm(queries[:, None, :] - candidates[None, :, :], axis=-1)
    return np.argmin(distances, axis=1), distances.min(axis=1)


def small_gan(output_activation="sigmoid", image_shape=(28, 28, 1), latent_dim=8):
    generator = keras_gan.models.mlp_generator(
        latent_dim=latent_dim,
        output_shape=image_shape,
        hidden_units=(16,),
        output_activation=output_activation,
        seed=0,
    )
    discriminator = keras_gan.models.mlp_discriminator(
        input_shape=image_shape, hidden_units=(8,), seed=0
    )
    return keras_gan.GAN(generator, discriminator, seed=0)


class TestToUint8:
    def test_tanh_range_maps_exactly(self):
        pixels = images.to_uint8(np.array([-1.0, 0.0, 1.0, -0.5]), (-1, 1))
        # 0 lands on 127.5, rounded half up to 128; -0.5 on 63.75 -> 64.
        np.testing.assert_array_equal(pixels, [0, 128, 255, 64])
        assert pixels.dtype == np.uint8

    def test_sigmoid_range_maps_exactly(self):
        pixels = images.to_uint8(np.array([0.0, 0.5, 1.0, 0.2, 1 / 255]), (0, 1))
        np.testing.assert_array_equal(pixels, [0, 128, 255, 51, 1])

    def test_uint8_round_trip_of_pixels(self):
        original = np.arange(256, dtype=np.uint8)
        np.testing.assert_array_equal(images.to_uint8(original / 255.0, (0, 1)), original)
        np.testing.assert_array_equal(
            images.to_uint8(original / 127.5 - 1.0, (-1, 1)), original
        )

    def test_out_of_range_values_are_clipped(self):
        np.testing.assert_array_equal(
            images.to_uint8(np.array([-3.0, 2.0]), (-1, 1)), [0, 255]
        )

    def test_minmax_stretches_each_image(self):
        batch = np.array([[[2.0, 4.0]], [[-1.0, -1.0]]])
        np.testing.assert_array_equal(images.to_uint8(batch, "minmax"), [[[0, 255]], [[0, 0]]])

    @pytest.mark.parametrize("value_range", [(1, 0), (0, 0), "auto", (0, np.inf), 3])
    def test_bad_value_range_raises(self, value_range):
        with pytest.raises(ValueError, match="Received: value_range="):
            images.to_uint8(np.zeros(2), value_range)


class TestInferValueRange:
    def test_sigmoid_generator_behind_reshape(self):
        generator = keras_gan.models.mnist_generator(hidden_units=(8,))
        assert images.infer_value_range(generator) == (0.0, 1.0)

    def test_tanh_generator(self):
        generator = keras_gan.models.cifar10_generator(hidden_units=100, output_activation="tanh")
        assert images.infer_value_range(generator) == (-1.0, 1.0)

    def test_linear_generator_needs_an_explicit_range(self):
        generator = keras_gan.models.cifar10_generator(hidden_units=100)
        assert images.infer_value_range(generator) is None
        with pytest.raises(ValueError, match="Pass value_range"):
            images.resolve_value_range(generator)
        assert images.resolve_value_range(generator, (-2, 2)) == (-2.0, 2.0)


class TestTile:
    def test_layout_padding_and_partial_row(self):
        tiles = np.stack([np.full((2, 3, 1), value, np.uint8) for value in (10, 20, 30)])
        grid = images.tile(tiles, columns=2, padding=1, pad_value=255)
        assert grid.shape == (2 * 3 + 1, 2 * 4 + 1, 1)
        np.testing.assert_array_equal(grid[1:3, 1:4, 0], 10)
        np.testing.assert_array_equal(grid[1:3, 5:8, 0], 20)
        np.testing.assert_array_equal(grid[4:6, 1:4, 0], 30)
        np.testing.assert_array_equal(grid[4:6, 5:8, 0], 255)  # Blank tile.
        np.testing.assert_array_equal(grid[0], 255)
        np.testing.assert_array_equal(grid[:, 4], 255)

    def test_rgb_tiles_keep_channels(self):
        tiles = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
        grid = images.tile(tiles, columns=2, padding=2)
        assert grid.shape == (2 * 34 + 2, 2 * 34 + 2, 3)
        np.testing.assert_array_equal(grid[36:68, 36:68], tiles[3])

    def test_float_images_are_refused(self):
        with pytest.raises(ValueError, match="to_uint8"):
            images.tile(np.zeros((2, 4, 4, 1)), columns=2)

    def test_bad_columns_raise(self):
        with pytest.raises(ValueError, match="Received: columns=0"):
            images.tile(np.zeros((2, 4, 4, 1), np.uint8), columns=0)


class TestNearestNeighbours:
    def test_matches_brute_force_on_mnist(self):
        digits = load_mnist(1200)
        candidates, queries = digits[:1000], digits[1000:1040]
        noisy = queries + np.random.default_rng(0).normal(0, 0.3, queries.shape)
        indices, distances = metrics.nearest_neighbours(noisy, candidates, chunk_size=128)
        expected_indices, expected_distances = brute_force_nearest(noisy, candidates)
        np.testing.assert_array_equal(indices, expected_indices)
        np.testing.assert_allclose(distances, expected_distances, rtol=1e-9)

    def test_exact_copies_are_found_across_chunks(self):
        candidates = load_mnist(500)
        picks = np.array([0, 127, 128, 499])
        indices, distances = metrics.nearest_neighbours(candidates[picks], candidates, chunk_size=128)
        np.testing.assert_array_equal(indices, picks)
        np.testing.assert_allclose(distances, 0.0, atol=1e-5)

    def test_ties_go_to_the_lowest_index(self):
        candidates = np.array([[1.0], [3.0], [1.0]])
        indices, _ = metrics.nearest_neighbours(np.array([[2.0], [1.0]]), candidates, chunk_size=1)
        np.testing.assert_array_equal(indices, [0, 0])

    def test_mismatched_features_raise(self):
        with pytest.raises(ValueError, match="queries' features"):
            metrics.nearest_neighbours(np.zeros((2, 4)), np.zeros((3, 5)))


class TestSampleGrid:
    def test_neighbor_column_is_the_nearest_training_example(self):
        gan = small_gan()
        training = load_mnist(600)
        grid = sample_grids.sample_grid(gan, 12, training_data=training, seed=3, columns=4)
        assert grid.shape == (3 * 29 + 1, 5 * 29 + 1, 1)
        samples = sample_grids.generate_from_noise(gan, gan.sample_latent(12, seed=3))
        expected, _ = brute_force_nearest(samples[[3, 7, 11]], training)
        for row, index in enumerate(expected):
            tile = grid[1 + row * 29 : 29 + row * 29, 1 + 4 * 29 : 29 + 4 * 29]
            np.testing.assert_array_equal(tile, images.to_uint8(training[index], (0, 1)))
            first = grid[1 + row * 29 : 29 + row * 29, 1:29]
            np.testing.assert_array_equal(first, images.to_uint8(samples[4 * row], (0, 1)))

    def test_same_seed_same_grid_other_seed_other_grid(self):
        gan = small_gan()
        first = sample_grids.sample_grid(gan, 9, seed=1)
        np.testing.assert_array_equal(first, sample_grids.sample_grid(gan, 9, seed=1))
        assert not np.array_equal(first, sample_grids.sample_grid(gan, 9, seed=2))
        assert first.shape == (3 * 29 + 1, 3 * 29 + 1, 1)

    def test_rgb_tanh_grid_and_uint8_training_data(self):
        gan = small_gan("tanh", image_shape=(32, 32, 3))
        training = np.random.default_rng(0).integers(0, 256, (50, 32, 32, 3), dtype=np.uint8)
        grid = sample_grids.sample_grid(gan, 4, training_data=training, seed=0, columns=2)
        assert grid.shape == (2 * 33 + 1, 3 * 33 + 1, 3)
        pixels = images.to_uint8(
            sample_grids.generate_from_noise(gan, gan.sample_latent(4, seed=0)), (-1, 1)
        )
        expected, _ = brute_force_nearest(pixels[[1, 3]], training)
        np.testing.assert_array_equal(grid[1:33, 67:99], training[expected[0]])
        np.testing.assert_array_equal(grid[34:66, 67:99], training[expected[1]])

    def test_training_data_of_the_wrong_shape_raises(self):
        with pytest.raises(ValueError, match="training_data"):
            sample_grids.sample_grid(small_gan(), 4, training_data=np.zeros((5, 27, 27, 1)))


class TestInterpolationGrid:
    def test_rows_run_between_prior_draws(self):
        gan = small_gan(latent_dim=4)
        grid = sample_grids.interpolation_grid(gan, rows=3, steps=5, seed=7)
        assert grid.shape == (3 * 29 + 1, 5 * 29 + 1, 1)
        endpoints = np.asarray(gan.sample_latent(6, seed=7))
        ends = images.to_uint8(sample_grids.generate_from_noise(gan, endpoints), (0, 1))
        for row in range(3):
            top = 1 + row * 29
            np.testing.assert_array_equal(grid[top : top + 28, 1:29], ends[row])
            np.testing.assert_array_equal(grid[top : top + 28, 1 + 4 * 29 : 29 + 4 * 29], ends[3 + row])

    def test_midpoint_is_the_generator_at_the_mean_of_the_endpoints(self):
        gan = small_gan(latent_dim=4)
        grid = sample_grids.interpolation_grid(gan, rows=1, steps=3, seed=0)
        endpoints = np.asarray(gan.sample_latent(2, seed=0))
        middle_sample = sample_grids.generate_from_noise(gan, endpoints.mean(0, keepdims=True))
        middle = images.to_uint8(middle_sample, (0, 1))
        np.testing.assert_array_equal(grid[1:29, 30:58], middle[0])

    def test_one_step_raises(self):
        with pytest.raises(ValueError, match="Received: steps=1"):
            sample_grids.interpolation_grid(small_gan(), rows=2, steps=1)


class TestSavePng:
    def test_grey_and_rgb_round_trip(self, tmp_path):
        grey = np.random.default_rng(0).integers(0, 256, (5, 7, 1), dtype=np.uint8)
        rgb = np.random.default_rng(1).integers(0, 256, (5, 7, 3), dtype=np.uint8)
        images.save_png(grey, tmp_path / "sub" / "grey.png")
        images.save_png(rgb, tmp_path / "rgb.png")
        with Image.open(tmp_path / "sub" / "grey.png") as image:
            assert image.mode == "L"
            np.testing.assert_array_equal(np.asarray(image), grey[..., 0])
        with Image.open(tmp_path / "rgb.png") as image:
            assert image.mode == "RGB"
            np.testing.assert_array_equal(np.asarray(image), rgb)

    def test_float_image_raises(self, tmp_path):
        with pytest.raises(ValueError, match="uint8"):
            images.save_png(np.zeros((4, 4, 1)), tmp_path / "x.png")


class TestIsChief:
    def test_single_process_strategies_are_chief(self):
        assert distribute.is_chief()
        assert distribute.is_chief(tf.distribute.OneDeviceStrategy("/cpu:0"))

    def test_non_chief_worker_is_not(self):
        worker = SimpleNamespace(extended=SimpleNamespace(should_checkpoint=False))
        assert not distribute.is_chief(worker)
