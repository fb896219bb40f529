"""Tests for keras_gan.callbacks, each inside a real `GAN.fit` on MNIST digits."""

import csv
import gzip
import os
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan import images
from keras_gan import metrics
from keras_gan import sample_grids
from keras_gan.metrics import parzen
from keras_gan.callbacks import LatentInterpolation
from keras_gan.callbacks import ParzenEstimate
from keras_gan.callbacks import SampleGrid
from keras_gan.callbacks import SampleMetrics

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-8k"
SIGMAS = (0.1, 0.2, 0.5)


@pytest.fixture(scope="module")
def mnist():
    """Real digits as float32 [n, 28, 28, 1] in [0, 1]: train, validation, test."""
    with gzip.open(MNIST_DIR / "images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    digits = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28, 1)
    digits = digits.astype("float32") / 255.0
    return digits[:1000], digits[7000:7100], digits[7100:7200]


def mnist_gan(train, learning_rate=0.1):
    generator = keras_gan.models.mnist_generator(
        hidden_units=(64,), data_mean=train.mean(0), seed=0
    )
    discriminator = keras_gan.models.mnist_discriminator(hidden_units=(32,), pieces=2, seed=0)
    gan = keras_gan.GAN(generator, discriminator, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(learning_rate),
        g_optimizer=keras.optimizers.SGD(learning_rate),
    )
    return gan


def _unambiguous_nearest(candidates, query):
    """The index of the candidate nearest `query`, checked to be clear of the runner-up.

    The library computes ||q||^2 - 2 q.c + ||c||^2 in float64, with a rounding error of
    about D * 2^-53 (||q||^2 + ||c||^2), 1e-13 of it for D = 3072; a gap of 1e-9 of it
    means both ways of computing pick the same neighbour on any CPU.
    """
    squared = ((candidates - query) ** 2).sum(axis=1)
    first, second = np.partition(squared, 1)[:2]
    scale = (query**2).sum() + (candidates**2).sum(axis=1).max()
    assert second - first > 1e-9 * scale, "a near tie: the test's samples need another seed"
    return int(np.argmin(squared))


def read_png(path):
    with Image.open(path) as image:
        return np.asarray(image)


@pytest.fixture(scope="module")
def mnist_run(mnist, tmp_path_factory):
    """One 3-epoch fit with every callback, shared by the tests that read its files."""
    train, valid, test = mnist
    root = tmp_path_factory.mktemp("run")
    gan = mnist_gan(train)
    tensorboard = keras.callbacks.TensorBoard(str(root / "logs"))
    plain = SampleGrid(root / "plain", log_dir=tensorboard)
    with_neighbors = SampleGrid(root / "neighbors", training_data=train, every_n_epochs=2)
    estimate = ParzenEstimate(valid, test, every_n_epochs=5, num_samples=300, sigmas=SIGMAS)
    interpolation = LatentInterpolation(root / "figures", rows=4, steps=6)
    callbacks = [
        tensorboard,
        plain,
        with_neighbors,
        # Before the callbacks that read its keys.
        estimate,
        keras.callbacks.ModelCheckpoint(
            str(root / "best_{epoch}.keras"),
            monitor="parzen_ll",
            mode="max",
            save_best_only=True,
        ),
        keras.callbacks.CSVLogger(str(root / "log.csv")),
        interpolation,
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = gan.fit(train, batch_size=100, epochs=3, verbose=0, callbacks=callbacks)
    return dict(
        gan=gan,
        root=root,
        history=history.history,
        plain=plain,
        with_neighbors=with_neighbors,
        estimate=estimate,
        interpolation=interpolation,
        warnings=[str(w.message) for w in caught],
        train=train,
    )


class TestSampleGrid:
    def test_writes_a_grid_per_epoch(self, mnist_run):
        for epoch in (1, 2, 3):
            grid = read_png(mnist_run["root"] / "plain" / f"samples_epoch_{epoch:04d}.png")
            assert grid.shape == (10 * 29 + 1, 10 * 29 + 1)

    def test_every_n_epochs_and_neighbor_column_width(self, mnist_run):
        directory = mnist_run["root"] / "neighbors"
        assert sorted(os.listdir(directory)) == ["samples_epoch_0002.png"]
        grid = read_png(directory / "samples_epoch_0002.png")
        plain = read_png(mnist_run["root"] / "plain" / "samples_epoch_0002.png")
        assert grid.shape == (plain.shape[0], plain.shape[1] + 28 + 1)
        # The sample columns are the same samples as in the plain grid.
        np.testing.assert_array_equal(grid[:, : plain.shape[1]], plain)

    def test_neighbor_column_is_the_nearest_training_example(self, mnist_run):
        # The final grid shows the generator as it is after training.
        gan, train, callback = mnist_run["gan"], mnist_run["train"], mnist_run["with_neighbors"]
        samples = sample_grids.generate_from_noise(gan, callback.noise)
        grid = sample_grids.noise_grid(gan, callback.noise, training_data=train)
        flat_train = train.reshape(len(train), -1).astype(np.float64)
        for row in range(10):
            last = samples[10 * row + 9].reshape(-1).astype(np.float64)
            nearest = _unambiguous_nearest(flat_train, last)
            tile = grid[1 + 29 * row : 29 + 29 * row, 1 + 29 * 10 : 29 + 29 * 10, 0]
            np.testing.assert_array_equal(tile, images.to_uint8(train[nearest, ..., 0], (0, 1)))

    def test_noise_is_drawn_once_from_the_seed(self, mnist_run):
        gan, callback = mnist_run["gan"], mnist_run["plain"]
        np.testing.assert_array_equal(callback.noise, np.asarray(gan.sample_latent(100, seed=0)))
        last = read_png(mnist_run["root"] / "plain" / "samples_epoch_0003.png")
        np.testing.assert_array_equal(last, sample_grids.sample_grid(gan, 100, seed=0)[..., 0])

    def test_tensorboard_gets_an_image_summary(self, mnist_run):
        log_dir = mnist_run["root"] / "logs" / "samples"
        steps = []
        for event_file in tf.io.gfile.glob(str(log_dir / "events.out.tfevents.*")):
            for event in tf.compat.v1.train.summary_iterator(event_file):
                for value in event.summary.value:
                    if value.tag == "samples":
                        assert value.metadata.plugin_data.plugin_name == "images"
                        steps.append(event.step)
        assert steps == [0, 1, 2]

    def test_unchanged_generator_gives_identical_grids(self, mnist, tmp_path):
        train = mnist[0][:200]
        gan = mnist_gan(train, learning_rate=0.0)
        callback = SampleGrid(tmp_path, num_samples=16)
        gan.fit(train, batch_size=100, epochs=2, verbose=0, callbacks=[callback])
        first = read_png(tmp_path / "samples_epoch_0001.png")
        np.testing.assert_array_equal(first, read_png(tmp_path / "samples_epoch_0002.png"))
        # Sixteen different draws, not one sample repeated.
        assert len({first[1 + 29 * i : 29 + 29 * i, 1:29].tobytes() for i in range(4)}) == 4

    def test_rgb_tanh_generator(self, mnist, tmp_path):
        # MNIST digits padded to 32x32, as RGB in [-1, 1].
        digits = np.pad(mnist[0][:200], ((0, 0), (2, 2), (2, 2), (0, 0)))
        train = np.repeat(digits, 3, axis=-1) * 2.0 - 1.0
        generator = keras_gan.models.mlp_generator(
            latent_dim=16, output_shape=(32, 32, 3), hidden_units=(32,),
            output_activation="tanh", seed=0,
        )
        discriminator = keras_gan.models.mlp_discriminator(
            input_shape=(32, 32, 3), hidden_units=(16,), seed=0
        )
        gan = keras_gan.GAN(generator, discriminator, seed=0)
        gan.compile(d_optimizer="sgd", g_optimizer="sgd")
        callback = SampleGrid(tmp_path, num_samples=16, training_data=train)
        gan.fit(train, batch_size=100, epochs=2, verbose=0, callbacks=[callback])
        with Image.open(tmp_path / "samples_epoch_0002.png") as image:
            assert image.mode == "RGB"
            grid = np.asarray(image)
        assert grid.shape == (4 * 33 + 1, 5 * 33 + 1, 3)
        samples = sample_grids.generate_from_noise(gan, callback.noise)
        flat_train = train.reshape(len(train), -1).astype(np.float64)
        nearest = _unambiguous_nearest(flat_train, samples[3].reshape(-1).astype(np.float64))
        np.testing.assert_array_equal(grid[1:33, 133:165], images.to_uint8(train[nearest], (-1, 1)))
        np.testing.assert_array_equal(grid[1:33, 1:33], images.to_uint8(samples[0], (-1, 1)))

    def test_invalid_arguments(self, tmp_path):
        with pytest.raises(ValueError, match="Received: every_n_epochs=0"):
            SampleGrid(tmp_path, every_n_epochs=0)
        with pytest.raises(ValueError, match="Received: num_samples=-1"):
            SampleGrid(tmp_path, num_samples=-1)
        with pytest.raises(ValueError, match="Received: value_range="):
            SampleGrid(tmp_path, value_range=(1, -1))


class TestParzenEstimate:
    def test_logs_hold_finite_estimates_every_epoch(self, mnist_run):
        history = mnist_run["history"]
        for key in ("parzen_ll", "parzen_stderr", "parzen_sigma"):
            assert len(history[key]) == 3
            assert np.all(np.isfinite(history[key]))
        assert set(history["parzen_sigma"]) <= set(SIGMAS)

    def test_runs_first_scheduled_and_last_epochs_and_carries_values(self, mnist_run):
        estimate, history = mnist_run["estimate"], mnist_run["history"]
        # every_n_epochs=5 in 3 epochs: only the first and the last run.
        assert sorted(estimate.results) == [1, 3]
        assert history["parzen_ll"][1] == history["parzen_ll"][0]
        assert history["parzen_ll"][2] == estimate.results[3].mean
        assert history["parzen_stderr"][2] == estimate.results[3].stderr
        # The carried epoch says where each logged value comes from.
        assert history["parzen_epoch"] == [1, 1, 3]

    def test_results_match_parzen_evaluate(self, mnist, mnist_run):
        _, valid, test = mnist
        centers = mnist_run["gan"].generate(300, seed=0)
        expected = parzen.evaluate(centers, test, validation=valid, sigmas=SIGMAS)
        result = mnist_run["estimate"].results[3]
        # The same samples (same weights, noise seed and program) scored by the same
        # computation in the same process: the same bits.
        assert (result.sigma, result.mean, result.stderr) == (
            expected.sigma, expected.mean, expected.stderr
        )

    def test_model_checkpoint_saves_on_improvement_only(self, mnist_run):
        history = mnist_run["history"]["parzen_ll"]
        saved = sorted(name for name in os.listdir(mnist_run["root"]) if name.endswith(".keras"))
        expected = ["best_1.keras"] + (["best_3.keras"] if history[2] > history[0] else [])
        # Epoch 2 carries epoch 1's value forward: not an improvement, no save.
        assert saved == expected
        assert not any("parzen_ll available" in message for message in mnist_run["warnings"])

    def test_csv_logger_sees_the_keys(self, mnist_run):
        with open(mnist_run["root"] / "log.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 3
        values = [float(row["parzen_ll"]) for row in rows]
        # Python floats are written with repr, which reads back to the same double.
        assert values == mnist_run["history"]["parzen_ll"]

    def test_without_test_set_scores_the_validation_set(self, mnist):
        train, valid, _ = mnist
        gan = mnist_gan(train)
        callback = ParzenEstimate(valid, num_samples=200, sigmas=SIGMAS, seed=4)
        callback.set_model(gan)
        result = callback.evaluate()
        expected = parzen.evaluate(
            gan.generate(200, seed=4), valid, validation=valid, sigmas=SIGMAS
        )
        # Same samples, same computation, same process: the same bits.
        assert result.mean == expected.mean
        assert result.validation_log_likelihoods == expected.validation_log_likelihoods

    def test_invalid_arguments(self, mnist):
        valid = mnist[1]
        with pytest.raises(ValueError, match="Received: every_n_epochs=0"):
            ParzenEstimate(valid, every_n_epochs=0)
        with pytest.raises(ValueError, match="Received: num_samples=0"):
            ParzenEstimate(valid, num_samples=0)
        with pytest.raises(ValueError, match="`sigmas`"):
            ParzenEstimate(valid, sigmas=[0.1, -1.0])
        with pytest.raises(ValueError, match="`validation`"):
            ParzenEstimate((valid * 255).astype("uint8"))


class TestLatentInterpolation:
    def test_writes_the_figure_at_the_end_of_training(self, mnist_run):
        callback = mnist_run["interpolation"]
        grid = read_png(callback.path)
        assert callback.path == os.path.join(mnist_run["root"] / "figures", "latent_interpolation.png")
        assert grid.shape == (4 * 29 + 1, 6 * 29 + 1)
        expected = sample_grids.interpolation_grid(mnist_run["gan"], rows=4, steps=6, seed=0)
        np.testing.assert_array_equal(grid, expected[..., 0])

    def test_invalid_arguments(self, tmp_path):
        with pytest.raises(ValueError, match="Received: steps=1"):
            LatentInterpolation(tmp_path, steps=1)
        with pytest.raises(ValueError, match="Received: rows=0"):
            LatentInterpolation(tmp_path, rows=0)
        with pytest.raises(ValueError, match="Received: filename="):
            LatentInterpolation(tmp_path, filename="figure.jpg")


class TestSampleMetrics:
    def test_a_registered_metric_shows_up_in_the_logs(self, monkeypatch, tmp_path):
        # Registered for this test only: the registry is restored afterwards.
        monkeypatch.setattr(metrics.registry, "_METRICS", dict(metrics.registry._METRICS))

        @metrics.register("fake", log_keys=("fake_max",))
        def _fake_logs(evaluation):
            return {"fake_max": float(evaluation.samples.max())}

        ring = keras_gan.toy.ring()
        generator = keras_gan.models.mlp_generator(
            latent_dim=2, output_shape=(2,), hidden_units=(8,), seed=0
        )
        discriminator = keras_gan.models.mlp_discriminator(
            input_shape=(2,), hidden_units=(8,), seed=1
        )
        gan = keras_gan.GAN(generator, discriminator, seed=0)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
        callback = SampleMetrics(
            ["fake", "mode_coverage"], distribution=ring, every_n_epochs=2, num_samples=50, seed=1
        )
        callbacks = [callback, keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))]
        history = gan.fit(
            ring.sample(200, seed=0), batch_size=50, epochs=3, verbose=0, callbacks=callbacks
        ).history
        assert history["sample_metrics_epoch"] == [1, 2, 3]
        assert history["fake_max"][2] == callback.results[3]["fake_max"]
        assert callback.results[3]["fake_max"] == float(gan.generate(50, seed=1).max())
        assert list(callback.results[3]) == [
            "fake_max", "modes_covered", "num_modes", "high_quality_fraction"
        ]
        with open(tmp_path / "log.csv", newline="") as f:
            assert "fake_max" in next(csv.DictReader(f))

    def test_invalid_arguments(self, mnist):
        valid = mnist[1]
        with pytest.raises(ValueError, match="'parzen' needs `validation`"):
            SampleMetrics(["parzen"], reference=valid)
        with pytest.raises(ValueError, match="Unknown metric. Received: 'fid'"):
            SampleMetrics(["fid"], reference=valid)
        with pytest.raises(ValueError, match="Received: kid_subset_size=1"):
            SampleMetrics(["kid"], reference=valid, kid_subset_size=1)
        with pytest.raises(ValueError, match="`reference`"):
            SampleMetrics(["parzen"], reference=(valid * 255).astype("uint8"), validation=valid)
        with pytest.raises(ValueError, match="Received: every_n_epochs=0"):
            SampleMetrics(["parzen"], reference=valid, validation=valid, every_n_epochs=0)
