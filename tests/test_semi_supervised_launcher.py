"""`python -m experiments.semi_supervised` (issue #17): the comparison end to end, its errors, its labelled subsets.

The launcher runs once in a subprocess on the real digits, shortened: 500
unlabelled digits, 2 labels per class, one seed, every method a few steps,
the GAN it trains itself a 64-unit MLP for one epoch (about 30 s of CPU).
The accuracies of so short a run are near chance; what is checked is the
protocol: which digits are labelled, scored and selected on, and that the
recorded numbers are those of the saved classifiers.
"""

import csv
import gzip
import json
import os
import sys

import keras
import numpy as np
import pytest

import processes
from experiments import semi_supervised
from experiments import semi_supervised_methods
from experiments.configs import semi_supervised as semi_supervised_config

MNIST_DIR = processes.REPO.parent / "shared" / "data" / "mnist-8k"
LAUNCHER = [sys.executable, "-m", "experiments.semi_supervised", f"--data_dir={MNIST_DIR}"]
# Settings of the tiny run, as --config.NAME=VALUE and as config values.
TINY = {
    "seeds": (0,),
    "labels_per_class": 2,
    "train_range": "0:500",
    "valid_range": "7000:7200",
    "test_range": "7200:7400",
    "classifier_steps": 20,
    "select_every": 10,
    "encoder_steps": 20,
    "k_plus_one_epochs": 1,
    "verbose": 0,
    "gan.architecture": "mlp_small",
    "gan.epochs": 1,
    "gan.parzen_samples": 200,
    "gan.feature_samples": 0,
}


def _flags(settings):
    return [f"--config.{name}={value}" for name, value in settings.items()]


def _tiny_config(**changes):
    config = semi_supervised_config.get_config()
    for name, value in {**TINY, **changes}.items():
        *parents, leaf = name.split(".")
        target = config
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return config


def _digits(start, stop):
    """Real digits [start:stop] in [0, 1] and their labels, read with NumPy alone (not keras_gan.data)."""
    with gzip.open(MNIST_DIR / "images-idx3-ubyte.gz", "rb") as file:
        images = np.frombuffer(file.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)
    with gzip.open(MNIST_DIR / "labels-idx1-ubyte.gz", "rb") as file:
        labels = np.frombuffer(file.read(), np.uint8, offset=8)
    return images[start:stop].astype("float32") / 255.0, labels[start:stop].astype(np.int64)


def _scarcest(start, stop):
    """`(count, class)` of the rarest digit among [start:stop]."""
    counts = np.bincount(_digits(start, stop)[1], minlength=10)
    return int(counts.min()), int(counts.argmin())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The tiny run and two runs with a bad setting, all through the launcher, side by side.

    Returns `(output_dir, the tiny run's completed process, its metrics.json as written, the bad
    runs' completed processes by name)`: the metrics are read at once, before a test reruns into
    the directory.
    """
    root = tmp_path_factory.mktemp("semi_supervised")
    commands = {
        "tiny": LAUNCHER + _flags(TINY) + [f"--output_dir={root / 'tiny'}"],
        "unknown_method": LAUNCHER + ["--config.methods=('scratch', 'k_plus_two')", f"--output_dir={root / 'bad'}"],
        # More labels of the rarest digit than [0:500] holds.
        "too_many_labels": LAUNCHER + _flags({**TINY, "labels_per_class": _scarcest(0, 500)[0] + 1})
        + [f"--output_dir={root / 'too_many_labels'}"],
    }
    started = {name: processes.start(command) for name, command in commands.items()}
    done = {name: processes.finish(process, commands[name]) for name, process in started.items()}
    tiny = done.pop("tiny")
    assert tiny.returncode == 0, tiny.stderr[-3000:]
    metrics = json.loads((root / "tiny" / "metrics.json").read_text())
    return root, tiny, metrics, done


class TestEndToEnd:
    def test_metrics_hold_every_method_with_its_fields(self, run):
        _, completed, metrics, _ = run
        assert sorted(metrics["methods"]) == sorted(semi_supervised_config.METHODS)
        for method, summary in metrics["methods"].items():
            (accuracy,) = summary["test_accuracy_per_seed"]
            assert summary["test_accuracy"] == accuracy and 0.0 <= accuracy <= 1.0, method
            assert summary["test_accuracy_std"] == 0.0  # one seed
            assert len(summary["valid_accuracy_per_seed"]) == 1
            assert set(summary["seconds"]) == {"wall", "cpu"}
            assert all(len(times) == 1 and times[0] > 0 for times in summary["seconds"].values()), method
        assert metrics["seeds"] == [0] and metrics["num_labels"] == 20
        assert metrics["label_counts_per_seed"] == [[2] * 10]
        assert (metrics["num_unlabeled"], metrics["num_valid"], metrics["num_test"]) == (500, 200, 200)
        assert metrics["config"]["labels_per_class"] == 2 and metrics["config"]["gan"]["train_range"] == "0:500"
        assert metrics["test_range"] == "7200:7400"
        # The GAN trained once here, the encoder on its generator.
        assert set(metrics["shared_seconds"]) == {"gan", "encoder"} and -1.0 < metrics["encoder_r2"] < 1.0
        # The table: a row per method, with its accuracy in percent.
        rows = {line.split()[0]: line for line in completed.stdout.splitlines() if line.strip()}
        for method, summary in metrics["methods"].items():
            assert f"{100 * summary['test_accuracy']:.2f}%" in rows[method]

    def test_recorded_accuracies_are_those_of_the_saved_selected_classifiers(self, run):
        root, _, metrics, _ = run
        output_dir = root / "tiny"
        valid_x, valid_y = _digits(7000, 7200)
        test_x, test_y = _digits(7200, 7400)
        for method, summary in metrics["methods"].items():
            classifier = keras.saving.load_model(output_dir / "classifiers" / f"{method}_seed0.keras")

            def accuracy(images, labels):
                scores = keras.ops.convert_to_numpy(classifier(images, training=False))
                return float(np.mean(scores.argmax(axis=-1) == labels))

            # Scored on test_range, and the weights kept are the best on valid_range.
            assert accuracy(test_x, test_y) == summary["test_accuracy_per_seed"][0], method
            with open(output_dir / "history" / f"{method}_seed0.csv", encoding="utf-8") as file:
                logged = [float(row["valid_accuracy"]) for row in csv.DictReader(file)]
            expected_epochs = 1 if method == "k_plus_one" else TINY["classifier_steps"] // TINY["select_every"]
            assert len(logged) == expected_epochs, method
            assert accuracy(valid_x, valid_y) == max(logged) == summary["valid_accuracy_per_seed"][0], method

    def test_the_labelled_digits_are_the_seeds_balanced_subset(self, run):
        _, _, metrics, _ = run
        _, labels = _digits(0, 500)
        (recorded,) = metrics["labeled_indices_per_seed"]
        assert recorded == semi_supervised.labeled_subset(labels, 2, seed=0).tolist()
        assert np.bincount(labels[recorded], minlength=10).tolist() == [2] * 10

    def test_a_rerun_reuses_the_results_and_takes_a_gan_run(self, run):
        root, _, first, _ = run
        output_dir = root / "tiny"
        gan_metrics = output_dir / "gan" / "metrics.json"
        written = os.path.getmtime(gan_metrics)
        methods = ("scratch", "discriminator_frozen")
        config = _tiny_config(gan_run=str(output_dir / "gan"), methods=methods)
        metrics = semi_supervised.train_and_evaluate(config, str(output_dir), str(MNIST_DIR))
        assert metrics["gan_weights_sha256"] == first["gan_weights_sha256"]
        assert metrics["gan_run"] == str(output_dir / "gan") and metrics["shared_seconds"] == {"gan": None}
        # Read back, not trained again: the same accuracies and the first run's times.
        for method in methods:
            assert metrics["methods"][method] == first["methods"][method], method
        assert os.path.getmtime(gan_metrics) == written


class TestSelection:
    def test_the_best_validation_weights_are_restored_and_logged(self):
        # Class 1 where the first input is positive: kernel +-1 on it, against a zero second logit.
        images = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [-3.0, 0.0]], "float32")
        labels = (images[:, 0] > 0).astype(np.int64)
        classifier = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, use_bias=False)])
        right = np.array([[0.0, 1.0], [0.0, 0.0]], "float32")
        selection = semi_supervised_methods.SelectOnValidation(classifier, images, labels)
        logs = []
        for epoch, kernel in enumerate((right, -right, right * 0.5)):  # all right, all wrong, all right
            classifier.set_weights([kernel])
            logs.append({})
            selection.on_epoch_end(epoch, logs[-1])
        selection.on_train_end()
        assert [log["valid_accuracy"] for log in logs] == [1.0, 0.0, 1.0]
        # The first of the best epochs, its weights.
        assert (selection.best_epoch, selection.best_accuracy) == (0, 1.0)
        np.testing.assert_array_equal(classifier.get_weights()[0], right)


class TestSubsets:
    def test_balanced_and_the_same_for_the_same_seed(self):
        _, labels = _digits(0, 7000)
        chosen = semi_supervised.labeled_subset(labels, 10, seed=1)
        assert np.bincount(labels[chosen], minlength=10).tolist() == [10] * 10
        assert len(set(chosen.tolist())) == 100 and chosen.min() >= 0 and chosen.max() < 7000
        np.testing.assert_array_equal(chosen, semi_supervised.labeled_subset(labels, 10, seed=1))
        assert not np.array_equal(chosen, semi_supervised.labeled_subset(labels, 10, seed=2))


def _error_line(result):
    """The one `error: ...` line of a launcher that stopped on a user error."""
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-3000:]
    return errors[0]


class TestBadValues:
    def test_unknown_method_is_one_line_through_the_launcher(self, run):
        assert _error_line(run[3]["unknown_method"]) == (
            "error: Invalid value for argument `methods`. Received: methods=('scratch', 'k_plus_two'). "
            f"Expected distinct names of {list(semi_supervised_config.METHODS)}."
        )

    def test_more_labels_than_a_class_holds_is_one_line_before_anything_trains(self, run):
        count, digit = _scarcest(0, 500)
        assert _error_line(run[3]["too_many_labels"]) == (
            f"error: Invalid value for argument `labels_per_class`. Received: labels_per_class={count + 1}, but "
            f"train_range='0:500' holds only {count} digits of class {digit}. Expected labels_per_class <= "
            f"{count}, or a longer train_range."
        )
        assert not (run[0] / "too_many_labels").exists()

    def test_zero_labels_per_class_is_refused_before_the_data_is_read(self, tmp_path):
        with pytest.raises(ValueError) as excinfo:
            # A data_dir without digits: the setting is checked first.
            semi_supervised.train_and_evaluate(_tiny_config(labels_per_class=0), str(tmp_path / "run"), str(tmp_path))
        assert str(excinfo.value) == (
            "Invalid value for argument `labels_per_class`. Received: labels_per_class=0. Expected a positive integer."
        )
        assert not (tmp_path / "run").exists()

    def test_selecting_or_scoring_training_digits_is_refused(self):
        for name in ("valid_range", "test_range"):
            config = _tiny_config(**{name: "400:600"}).copy_and_resolve_references()
            with pytest.raises(ValueError) as excinfo:
                semi_supervised.check_settings(config)
            assert str(excinfo.value) == (
                f"Invalid value for argument `{name}`. Received: {name}='400:600' with train_range='0:500'. "
                "Expected digits outside the training range: its digits, the labelled ones among them, "
                "would be scored."
            )

    def test_a_gan_run_that_saw_the_selecting_digits_is_refused_before_anything_trains(self, run, tmp_path):
        # The tiny run's GAN trained on [0:500]; these classifiers would select on [0:200].
        gan_run = str(run[0] / "tiny" / "gan")
        config = _tiny_config(train_range="1000:1500", valid_range="0:200", gan_run=gan_run)
        with pytest.raises(ValueError) as excinfo:
            semi_supervised.train_and_evaluate(config, str(tmp_path / "run"), str(MNIST_DIR))
        assert str(excinfo.value) == (
            "Invalid value for argument `gan_run`. Received: a GAN trained on digits 0:500, which overlap "
            "valid_range='0:200'. Expected a GAN that never saw the digits that select or score the classifiers."
        )
        assert not (tmp_path / "run").exists()


class TestConfig:
    def test_defaults_and_the_gan_following_the_ranges(self):
        config = semi_supervised_config.get_config()
        assert (config.labels_per_class, config.seeds, config.methods) == (10, (0, 1, 2), semi_supervised_config.METHODS)
        assert (config.train_range, config.valid_range, config.test_range, config.gan_run) == (
            "0:7000", "7000:8000", None, None
        )
        # The `stable` recipe on the paper's networks.
        assert (config.gan.architecture, config.gan.r1_weight, config.gan.ema_decay, config.gan.optimizer) == (
            "paper", 10.0, 0.999, "adam"
        )
        config.train_range = "0:500"
        assert config.gan.train_range == "0:500"
        semi_supervised.check_settings(config.copy_and_resolve_references())

    def test_k_plus_one_rate_is_constant_then_falls_linearly_to_zero(self):
        config = _tiny_config(k_plus_one_epochs=10, k_plus_one_learning_rate=3e-3, k_plus_one_decay_fraction=0.8)
        schedule = semi_supervised_methods.k_plus_one_schedule(config, steps_per_epoch=70)
        rates = [float(schedule(step)) for step in (0, 140, 420, 700, 800)]
        # 700 steps: constant for the first 140 (20%), halfway down at 420, 0 at the end and after.
        np.testing.assert_allclose(rates, [3e-3, 3e-3, 1.5e-3, 0.0, 0.0], rtol=1e-6, atol=1e-12)
