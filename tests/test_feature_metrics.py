"""Tests for keras_gan.callbacks.FeatureMetrics inside real `GAN.fit` runs on MNIST digits."""

import csv
import gzip
import os
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import metrics
from keras_gan.callbacks import FeatureMetrics

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-8k"
KEYS = ("fd", "kid", "kid_std", "precision", "recall", "density", "coverage")
# Small but valid: FD needs more samples than the classifier's 128 features.
SMALL = dict(num_samples=300, kid_subsets=10, kid_subset_size=200)


@pytest.fixture(scope="module")
def mnist():
    """Real digits as float32 [n, 28, 28, 1] in [0, 1]: training [0:1000], held-out [7000:7300]."""
    with gzip.open(MNIST_DIR / "images-idx3-ubyte.gz", "rb") as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)
    digits = digits.astype("float32") / 255.0
    return digits[:1000], digits[7000:7300]


@pytest.fixture(scope="module")
def feature_model():
    return metrics.digit_features()


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


@pytest.fixture(scope="module")
def run(mnist, feature_model, tmp_path_factory):
    """A 3-epoch fit with FeatureMetrics, ModelCheckpoint on fd and a CSVLogger."""
    train, held_out = mnist
    root = tmp_path_factory.mktemp("feature_metrics")
    gan = mnist_gan(train)
    callback = FeatureMetrics(held_out, feature_model, every_n_epochs=5, seed=3, **SMALL)
    callbacks = [
        # Before the callbacks that read its keys.
        callback,
        keras.callbacks.ModelCheckpoint(
            str(root / "best_{epoch}.keras"), monitor="fd", mode="min", save_best_only=True
        ),
        keras.callbacks.CSVLogger(str(root / "log.csv")),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = gan.fit(train, batch_size=100, epochs=3, verbose=0, callbacks=callbacks)
    return dict(
        gan=gan,
        root=root,
        callback=callback,
        history=history.history,
        warnings=[str(w.message) for w in caught],
    )


class TestFeatureMetrics:
    def test_logs_hold_every_key_every_epoch(self, run):
        for key in KEYS:
            assert len(run["history"][key]) == 3
            assert np.all(np.isfinite(run["history"][key]))
        for key in ("precision", "recall", "coverage"):
            assert all(0.0 <= value <= 1.0 for value in run["history"][key])

    def test_runs_first_and_last_epochs_and_carries_values(self, run):
        callback, history = run["callback"], run["history"]
        # every_n_epochs=5 in 3 epochs: only the first and the last run.
        assert sorted(callback.results) == [1, 3]
        assert history["feature_metrics_epoch"] == [1, 1, 3]
        assert history["fd"][1] == history["fd"][0]
        assert history["fd"][2] == callback.results[3]["fd"]

    def test_results_match_the_metric_functions(self, run, mnist, feature_model):
        _, held_out = mnist
        samples = run["gan"].generate(300, seed=3)
        expected = metrics.compute_feature_metrics(
            metrics.extract_features(held_out, feature_model),
            metrics.extract_features(samples, feature_model),
            seed=3,
            kid_subsets=10,
            kid_subset_size=200,
        )
        # The same weights, noise seed, programs and process: the same bits.
        assert run["callback"].results[3] == expected

    def test_model_checkpoint_on_fd_saves_on_improvement_only(self, run):
        fd = run["history"]["fd"]
        saved = sorted(name for name in os.listdir(run["root"]) if name.endswith(".keras"))
        # Epoch 2 carries epoch 1's value: not an improvement, no save.
        assert saved == ["best_1.keras"] + (["best_3.keras"] if fd[2] < fd[0] else [])
        assert not any("fd available" in message for message in run["warnings"])

    def test_csv_logger_sees_the_keys(self, run):
        with open(run["root"] / "log.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        # Floats are written with repr, which reads back to the same double.
        assert [float(row["fd"]) for row in rows] == run["history"]["fd"]
        assert [float(row["coverage"]) for row in rows] == run["history"]["coverage"]

    def test_early_stopping_on_fd(self, mnist, feature_model):
        # A frozen generator (learning rate 0) scores the same fd every epoch, so
        # EarlyStopping(patience=1) stops after the second epoch.
        train, held_out = mnist
        gan = mnist_gan(train[:200], learning_rate=0.0)
        callback = FeatureMetrics(
            held_out, feature_model, every_n_epochs=1, metrics=["fd"], num_samples=200
        )
        stopper = keras.callbacks.EarlyStopping(monitor="fd", mode="min", patience=1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = gan.fit(
                train[:200], batch_size=100, epochs=5, verbose=0, callbacks=[callback, stopper]
            )
        fd = history.history["fd"]
        assert len(fd) == 2 and fd[0] == fd[1] and stopper.stopped_epoch == 1
        assert not any("not available" in str(w.message) for w in caught)

    def test_tanh_generator_images_are_mapped_to_zero_one(self, mnist, feature_model):
        train, held_out = mnist
        generator = keras_gan.models.mlp_generator(
            latent_dim=8,
            output_shape=(28, 28, 1),
            hidden_units=(16,),
            output_activation="tanh",
            seed=0,
        )
        discriminator = keras_gan.models.mlp_discriminator(
            input_shape=(28, 28, 1), hidden_units=(16,), seed=0
        )
        gan = keras_gan.GAN(generator, discriminator, seed=0)
        callback = FeatureMetrics(
            held_out * 2.0 - 1.0, feature_model, metrics=["fd"], num_samples=200, seed=1
        )
        callback.set_model(gan)
        value = callback.evaluate()["fd"]
        samples = (gan.generate(200, seed=1) + 1.0) / 2.0
        expected = metrics.frechet_distance(
            metrics.extract_features(held_out, feature_model),
            metrics.extract_features(samples, feature_model),
        )
        # Mapping [-1, 1] back to [0, 1] is exact for the digits (x * 2 - 1, + 1, / 2),
        # and the samples go through the same ops: equal up to float32 rounding of the
        # affine map, far below 1e-6 of the distance.
        np.testing.assert_allclose(value, expected, rtol=1e-6)

    def test_default_feature_model_is_the_shipped_digit_classifier(self, mnist):
        train, held_out = mnist
        gan = mnist_gan(train[:100])
        callback = FeatureMetrics(
            held_out, metrics=["kid"], num_samples=50, kid_subsets=2, kid_subset_size=20
        )
        callback.set_model(gan)
        assert set(callback.evaluate()) == {"kid", "kid_std"}
        assert callback.feature_model.name == "digit_classifier_features"
        assert callback.real_features.shape == (300, 128)

    def test_too_few_samples_for_fd_fails_before_training(self, mnist, feature_model):
        train, held_out = mnist
        gan = mnist_gan(train[:100])
        callback = FeatureMetrics(held_out, feature_model, num_samples=100)
        with pytest.raises(ValueError, match="Received: num_samples gives 100 samples"):
            gan.fit(train[:100], batch_size=100, epochs=1, verbose=0, callbacks=[callback])
        # Without fd, 100 samples are enough.
        callback = FeatureMetrics(
            held_out,
            feature_model,
            num_samples=100,
            metrics=["kid", "precision_recall"],
            kid_subset_size=50,
            kid_subsets=2,
        )
        history = gan.fit(train[:100], batch_size=100, epochs=1, verbose=0, callbacks=[callback])
        assert "fd" not in history.history and "recall" in history.history

    def test_a_registered_feature_metric_shows_up_in_the_logs(
        self, mnist, feature_model, monkeypatch
    ):
        # Registered for this test only: the registry is restored afterwards.
        monkeypatch.setattr(metrics.registry, "_METRICS", dict(metrics.registry._METRICS))

        @metrics.register("mean_gap", log_keys=("mean_gap",), needs=("features",))
        def _mean_gap_logs(evaluation):
            real, fake = evaluation.features
            return {"mean_gap": float(np.abs(real.mean(0) - fake.mean(0)).max())}

        assert "mean_gap" in metrics.feature_metric_names()
        train, held_out = mnist
        gan = mnist_gan(train[:100])
        callback = FeatureMetrics(held_out, feature_model, metrics=["mean_gap"], num_samples=50)
        callback.set_model(gan)
        callback.on_train_begin()
        logs = {}
        callback.on_epoch_end(0, logs)
        fake = metrics.extract_features(gan.generate(50, seed=0), feature_model)
        expected = float(np.abs(callback.real_features.mean(0) - fake.mean(0)).max())
        assert logs == {"mean_gap": expected, "feature_metrics_epoch": 1}

    def test_invalid_arguments(self, mnist):
        held_out = mnist[1]
        with pytest.raises(ValueError, match="Received: every_n_epochs=0"):
            FeatureMetrics(held_out, every_n_epochs=0)
        with pytest.raises(ValueError, match="Received: num_samples=-1"):
            FeatureMetrics(held_out, num_samples=-1)
        with pytest.raises(ValueError, match="Unknown feature metric. Received: 'fid'"):
            FeatureMetrics(held_out, metrics=["fid"])
        with pytest.raises(ValueError, match="Received: kid_subset_size=1"):
            FeatureMetrics(held_out, kid_subset_size=1)
        with pytest.raises(ValueError, match="`real`"):
            FeatureMetrics(held_out.reshape(300, -1))
        with pytest.raises(ValueError, match="value_range"):
            FeatureMetrics(held_out, value_range=(1, 0))
        with pytest.raises(TypeError, match="unexpected keyword"):
            FeatureMetrics(held_out, kid_subset=3)
