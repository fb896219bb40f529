r"""Compares semi-supervised MNIST classifiers on the offline protocol (issue #17).

Unlabelled digits [0:7000], a balanced labelled subset of them per seed,
[7000:8000] for model selection and scoring:

    python -m experiments.semi_supervised --data_dir=../shared/data/mnist-8k \
        --output_dir=runs/semi-supervised --config.gan_run=runs/mnist-offline

Without --config.gan_run the launcher trains the GAN itself first (into
OUTPUT_DIR/gan). The config is experiments/configs/semi_supervised.py;
metrics.json holds every method's test accuracy, mean and per seed.
"""

import json
import math
import os
import runpy
import time

import keras
import numpy as np

import keras_gan
from experiments import launch
from experiments import reporting
from experiments import semi_supervised_methods as methods
from experiments import sources
from experiments import train
from experiments.configs import semi_supervised as semi_supervised_config
from keras_gan import semi_supervised as ss
from keras_gan import validation
from keras_gan.data import splits

METHODS = semi_supervised_config.METHODS
NUM_CLASSES = methods.NUM_CLASSES
# The settings a (method, seed) result depends on: a rerun reuses the results
# written with the same ones (`results/`).
_DATA_SETTINGS = ("labels_per_class", "train_range", "valid_range", "test_range")
_CLASSIFIER_SETTINGS = (
    "classifier_steps",
    "classifier_batch_size",
    "classifier_learning_rate",
    "head_learning_rate",
    "select_every",
)
_ENCODER_SETTINGS = ("encoder_steps", "encoder_batch_size", "encoder_learning_rate")
_K_PLUS_ONE_SETTINGS = (
    "k_plus_one_epochs",
    "k_plus_one_batch_size",
    "k_plus_one_learning_rate",
    "k_plus_one_decay_fraction",
    "k_plus_one_ema_decay",
)


def main(config):
    """The launcher's `main`: `train_and_evaluate` with the flags' directories, then the table."""
    metrics = train_and_evaluate(config, launch.OUTPUT_DIR.value, launch.DATA_DIR.value)
    print(f"metrics: {os.path.join(launch.OUTPUT_DIR.value, 'metrics.json')}")
    print(table(metrics))


def train_and_evaluate(config, output_dir, data_dir=None):
    """Trains and scores every method of `config` for every seed; writes `output_dir`.

    Output directory layout:

        config.py                      the settings: --config=<it> repeats the run
        gan/                           the GAN trained here (`experiments.mnist`'s layout), without gan_run
        encoder/encoder.keras          the inference net E, trained once per GAN (encoder.json: its R^2)
        classifiers/METHOD_seedN.keras each classifier, with the weights that were scored
        history/METHOD_seedN.csv       its training logs, with `valid_accuracy` at each selection point
        results/METHOD_seedN.json      one finished (method, seed)
        metrics.json                   every method's accuracies and times, the label counts, the config

    Rerunning into the same directory resumes: the GAN resumes from its
    backups, and every (method, seed) whose result was written with the
    same settings is read back instead of trained again (adding a seed or a
    method trains only those).

    `metrics["methods"][method]` holds `test_accuracy` (the mean over the
    seeds), `test_accuracy_std` (their standard deviation, N - 1 in the
    denominator; 0 for one seed), `test_accuracy_per_seed`,
    `valid_accuracy_per_seed` (the selected weights' accuracy on
    `valid_range`) and `seconds` (`wall` and `cpu` lists per seed: the
    method's own training and scoring; the GAN and the encoder, shared by
    the seeds, are in `shared_seconds`). Lists follow `metrics["seeds"]`.

    Example:

    ```python
    from experiments.configs import semi_supervised

    config = semi_supervised.get_config()
    config.gan_run = "runs/mnist-offline"
    metrics = train_and_evaluate(config, "runs/semi-supervised", "../shared/data/mnist-8k")
    print(metrics["methods"]["k_plus_one"]["test_accuracy"])
    ```

    Args:
        config: A config of `experiments/configs/semi_supervised.py`.
        output_dir: The run's directory.
        data_dir: Optional directory of the MNIST IDX files (`--data_dir`).

    Returns:
        The metrics dict also written to `metrics.json`.

    Raises:
        ValueError: for a bad setting, checked before any data is loaded
            (`labels_per_class` against the classes' counts right after the
            labels are).
    """
    start, start_cpu = time.time(), time.process_time()
    config = config.copy_and_resolve_references()
    check_settings(config)
    gan_run, network_config = _gan_source(config, output_dir)
    data = load_digits(config, data_dir)
    subsets = {
        seed: labeled_subset(data.train_labels, config.labels_per_class, seed, config.train_range)
        for seed in config.seeds
    }
    if "k_plus_one" in config.methods and len(data.train_images) < config.k_plus_one_batch_size:
        raise ValueError(
            f"Invalid value for argument `k_plus_one_batch_size`. Received: k_plus_one_batch_size="
            f"{config.k_plus_one_batch_size} with train_range={config.train_range!r}, {len(data.train_images)} "
            "digits. Expected at most the digits of train_range."
        )
    os.makedirs(output_dir, exist_ok=True)
    write_config(config, os.path.join(output_dir, "config.py"))
    shared_seconds = {}
    gan = gan_digest = encoder = None
    needs_gan = any(method in semi_supervised_config.GAN_METHODS for method in config.methods)
    if needs_gan:
        gan, shared_seconds["gan"] = _trained_gan(config, gan_run, output_dir, data_dir)
        gan_digest = train.weights_digest(gan)
    if "encoder" in config.methods:
        encoder, shared_seconds["encoder"] = _trained_encoder(config, gan, gan_digest, network_config.seed, output_dir)
    results = {}
    for seed in config.seeds:
        labeled = subsets[seed]
        for method in config.methods:
            key = _result_key(config, method, gan_digest, network_config)
            path = os.path.join(output_dir, "results", f"{method}_seed{seed}.json")
            result = _read_result(path, key)
            if result is None:
                result = _run_method(
                    method, config, data, labeled, seed, gan=gan, encoder=encoder, network_config=network_config,
                    output_dir=output_dir,
                )
                reporting.write_metrics({**result, "key": key}, _in_directory(path))
            results[method, seed] = result
    metrics = {
        "methods": {method: _summary([results[method, seed] for seed in config.seeds]) for method in config.methods},
        "seeds": list(config.seeds),
        "labels_per_class": int(config.labels_per_class),
        "num_labels": int(config.labels_per_class) * NUM_CLASSES,
        "label_counts_per_seed": [
            np.bincount(data.train_labels[subsets[seed]], minlength=NUM_CLASSES).tolist() for seed in config.seeds
        ],
        "labeled_indices_per_seed": [subsets[seed].tolist() for seed in config.seeds],
        "num_unlabeled": len(data.train_images),
        "num_valid": len(data.valid_images),
        "num_test": len(data.test_images),
        "test_range": config.test_range or config.valid_range,
        "gan_run": gan_run if needs_gan else None,
        "gan_weights_sha256": gan_digest,
        "shared_seconds": shared_seconds,
        "wall_time_seconds": round(time.time() - start, 1),
        "cpu_time_seconds": round(time.process_time() - start_cpu, 1),
        "config": config.to_dict(),
    }
    if encoder is not None:
        metrics["encoder_r2"] = _read_json(os.path.join(output_dir, "encoder", "encoder.json"))["r2"]
    reporting.write_metrics(metrics, os.path.join(output_dir, "metrics.json"))
    return metrics


def check_settings(config):
    """Checks every setting before anything runs (the GAN's with `train.check_settings`).

    Raises:
        ValueError: naming the first bad setting, in Keras' style.
    """
    expected = set(semi_supervised_config.SETTINGS)
    if set(config) != expected:
        raise ValueError(
            f"The config does not hold the semi-supervised settings. Received: settings {sorted(config)}. "
            f"Expected {sorted(expected)}: start from experiments/configs/semi_supervised.py."
        )
    validation.check_positive_int("labels_per_class", config.labels_per_class)
    _check_sequence("seeds", config.seeds, lambda seed: isinstance(seed, int) and not isinstance(seed, bool)
                    and seed >= 0, "distinct integers >= 0, e.g. (0, 1, 2)")
    _check_sequence("methods", config.methods, lambda method: method in METHODS,
                    f"distinct names of {list(METHODS)}")
    for name in ("train_range", "valid_range", "test_range"):
        train._check_range(name, config[name])
    if config.train_range is None or config.valid_range is None:
        raise ValueError(
            f"Invalid value for argument `train_range` or `valid_range`. Received: train_range="
            f"{config.train_range!r}, valid_range={config.valid_range!r}. Expected index ranges, e.g. "
            "'0:7000' and '7000:8000'."
        )
    name = _range_sharing_digits(config.train_range, config)
    if name is not None:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={config[name]!r} with train_range="
            f"{config.train_range!r}. Expected digits outside the training range: its digits, the "
            "labelled ones among them, would be scored."
        )
    for name in ("classifier_steps", "classifier_batch_size", "select_every", "encoder_steps",
                 "k_plus_one_epochs", "k_plus_one_batch_size"):
        validation.check_positive_int(name, config[name])
    validation.check_int_at_least("encoder_batch_size", config.encoder_batch_size, 2)
    if config.classifier_steps % config.select_every:
        raise ValueError(
            f"Invalid value for argument `select_every`. Received: select_every={config.select_every} with "
            f"classifier_steps={config.classifier_steps}. Expected a divisor of classifier_steps."
        )
    for name in ("classifier_learning_rate", "head_learning_rate", "encoder_learning_rate", "k_plus_one_learning_rate"):
        _check_float(name, config[name], 0.0, None, "a positive float", low_open=True)
    _check_float("k_plus_one_decay_fraction", config.k_plus_one_decay_fraction, 0.0, 1.0, "a float in [0, 1]")
    _check_float("k_plus_one_ema_decay", config.k_plus_one_ema_decay, 0.0, 1.0, "a float in [0, 1)",
                 high_open=True)
    train._check_choice((0, 1, 2))("verbose", config.verbose)
    if config.gan_run is None:
        for name in semi_supervised_config.LINKED:
            if config.gan[name] != config[name]:
                raise ValueError(
                    f"Invalid value for argument `gan.{name}`. Received: gan.{name}={config.gan[name]!r} "
                    f"with {name}={config[name]!r}. Expected the same value: set {name}, which the GAN "
                    "follows."
                )
        train.check_settings(train.resolve(config.gan))


def _check_sequence(name, values, is_valid, expected):
    if (
        not isinstance(values, (tuple, list))
        or not values
        or not all(is_valid(value) for value in values)
        or len(set(values)) != len(values)
    ):
        raise ValueError(f"Invalid value for argument `{name}`. Received: {name}={values!r}. Expected {expected}.")


def _check_float(name, value, low, high, expected, low_open=False, high_open=False):
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if (
        not is_number
        or value < low
        or (low_open and value == low)
        or (high is not None and (value > high or (high_open and value == high)))
    ):
        raise ValueError(f"Invalid value for argument `{name}`. Received: {name}={value!r}. Expected {expected}.")


def _interval(split):
    """`[start, stop)` of an index range, an open end as 0 or infinity."""
    _, start, stop = splits.parse_split(split)
    return (start or 0), (math.inf if stop is None else stop)


def _range_sharing_digits(train_range, config):
    """The name of `config`'s first selecting or scored range sharing digits with `train_range`, or None."""
    names = [name for name in ("valid_range", "test_range") if config[name] is not None]
    return next((name for name in names if _overlap(train_range, config[name])), None)


def _overlap(first, second):
    (a, b), (c, d) = _interval(first), _interval(second)
    return max(a, c) < min(b, d)


def load_digits(config, data_dir=None):
    """The digits of `config`'s three ranges, with their labels (`keras_gan.data.load_array`)."""

    def load(split):
        images, labels = keras_gan.data.load_array("mnist", split, data_dir=data_dir, with_labels=True)
        sources.check_finite(images, f"mnist {split} digits")
        return images, labels.astype(np.int64)

    train_images, train_labels = load(config.train_range)
    valid_images, valid_labels = load(config.valid_range)
    if config.test_range is None or config.test_range == config.valid_range:
        test_images, test_labels = valid_images, valid_labels
    else:
        test_images, test_labels = load(config.test_range)
    return methods.Digits(train_images, train_labels, valid_images, valid_labels, test_images, test_labels)


def labeled_subset(labels, per_class, seed, train_range=None):
    """The indices of the labelled digits for `seed`: `per_class` of each class, drawn uniformly.

    `keras_gan.semi_supervised.balanced_subset`, with an error that names
    the launcher's setting.

    Args:
        labels: The training range's labels.
        per_class: The setting `labels_per_class`.
        seed: Int, the seed of the draw: the same seed, the same subset.
        train_range: Optional str, the range the labels are of, for the message.

    Returns:
        A sorted int64 array of `per_class * 10` indices into `labels`.
    """
    per_class = validation.check_positive_int("labels_per_class", per_class)
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    if counts.min() < per_class:
        scarce = int(np.argmin(counts))
        raise ValueError(
            f"Invalid value for argument `labels_per_class`. Received: labels_per_class={per_class}, but "
            f"train_range={train_range!r} holds only {counts.min()} digits of class {scarce}. Expected "
            f"labels_per_class <= {counts.min()}, or a longer train_range."
        )
    return ss.balanced_subset(labels, per_class, seed=seed)


def write_config(config, path):
    """Writes `config` as a config file, atomically: `--config=<path>` repeats the run."""
    values = "".join(f"            {name!r}: {value!r},\n" for name, value in sorted(config.to_dict().items()))
    text = f'''"""The settings of the semi-supervised run in this directory, as it ran them.

Rerunning into this directory resumes the run; into another, it repeats it:

    python -m experiments.semi_supervised --config={path} --output_dir=NEW_DIR

with the same --data_dir.
"""

from experiments.configs import semi_supervised


def get_config():
    return semi_supervised.from_values(
        {{
{values}        }}
    )
'''
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


# The GAN and the encoder, shared by the seeds.


def _gan_source(config, output_dir):
    """`(the GAN's run directory, the config of its networks)`: `gan_run`'s, or `gan` in `output_dir/gan`."""
    if config.gan_run is None:
        return os.path.join(output_dir, "gan"), train.resolve(config.gan)
    path = os.path.join(config.gan_run, "config.py")
    finished = all(os.path.isfile(os.path.join(config.gan_run, name)) for name in ("gan.keras", "metrics.json"))
    if not os.path.isfile(path) or not finished:
        raise ValueError(
            f"Invalid value for argument `gan_run`. Received: gan_run={config.gan_run!r}, which holds no finished "
            "run (config.py, gan.keras and metrics.json). Expected the output directory of a finished "
            "`python -m experiments.mnist` run."
        )
    run_config = runpy.run_path(path)["get_config"]()
    if run_config.dataset != "mnist" or run_config.train_range is None:
        raise ValueError(
            f"Invalid value for argument `gan_run`. Received: a run of dataset={run_config.dataset!r} on "
            f"train_range={run_config.train_range!r}. Expected an MNIST run on an index range, such as "
            "experiments/configs/mnist_offline.py's."
        )
    name = _range_sharing_digits(run_config.train_range, config)
    if name is not None:
        raise ValueError(
            f"Invalid value for argument `gan_run`. Received: a GAN trained on digits "
            f"{run_config.train_range}, which overlap {name}={config[name]!r}. Expected a GAN that never "
            "saw the digits that select or score the classifiers."
        )
    return config.gan_run, run_config


def _trained_gan(config, run_dir, output_dir, data_dir):
    """The GAN of `run_dir`, trained first when it is this run's own; and its seconds (None when reused)."""
    seconds = None
    if config.gan_run is None:
        gan_config = train.resolve(config.gan)
        written = os.path.join(run_dir, "config.py")
        if os.path.isfile(written):
            previous = runpy.run_path(written)["get_config"]()
            if previous.to_dict() != gan_config.to_dict():
                raise ValueError(
                    f"{run_dir} holds a GAN with other settings than `gan`. Received: {_differences(previous, gan_config)}. "
                    "Expected the same settings, or another --output_dir."
                )
        if not os.path.isfile(os.path.join(run_dir, "metrics.json")):
            start, start_cpu = time.time(), time.process_time()
            train.train_and_evaluate(gan_config, run_dir, data_dir)
            seconds = _seconds(start, start_cpu)
    gan = keras.saving.load_model(os.path.join(run_dir, "gan.keras"))
    return gan, seconds


def _differences(previous, current):
    previous, current = previous.to_dict(), current.to_dict()
    names = sorted(name for name in set(previous) | set(current) if previous.get(name) != current.get(name))
    return ", ".join(f"gan.{name}={current.get(name)!r} (was {previous.get(name)!r})" for name in names)


def _trained_encoder(config, gan, gan_digest, seed, output_dir):
    """E ~ p(z | x) for `gan`'s sampling generator, trained once, or read back; and its seconds."""
    directory = os.path.join(output_dir, "encoder")
    key = {"gan_weights_sha256": gan_digest, "seed": int(seed), **{name: config[name] for name in _ENCODER_SETTINGS}}
    record = _read_result(os.path.join(directory, "encoder.json"), key)
    path = os.path.join(directory, "encoder.keras")
    if record is not None and os.path.isfile(path):
        return keras.saving.load_model(path), None
    start, start_cpu = time.time(), time.process_time()
    encoder, r2 = methods.train_encoder(
        gan.sampling_generator, config, seed, _in_directory(os.path.join(directory, "history.csv"))
    )
    encoder.save(path)
    seconds = _seconds(start, start_cpu)
    reporting.write_metrics({"key": key, "r2": r2, "seconds": seconds}, os.path.join(directory, "encoder.json"))
    return encoder, seconds


def _run_method(method, config, data, labeled, seed, gan, encoder, network_config, output_dir):
    """Trains `method` for `seed` (`semi_supervised_methods.train_method`), scores and saves it."""
    start, start_cpu = time.time(), time.process_time()
    name = f"{method}_seed{seed}"
    classifier, selection = methods.train_method(
        method, config, data, labeled, seed,
        history=_in_directory(os.path.join(output_dir, "history", f"{name}.csv")),
        gan=gan, encoder=encoder, network_config=network_config,
    )
    test_accuracy = methods.accuracy(classifier, data.test_images, data.test_labels)
    classifier.save(_in_directory(os.path.join(output_dir, "classifiers", f"{name}.keras")))
    return {
        "test_accuracy": test_accuracy,
        "valid_accuracy": selection.best_accuracy,
        "selected_epoch": selection.best_epoch + 1,
        "seconds": _seconds(start, start_cpu),
    }


# Results, their reuse and the table.


def _result_key(config, method, gan_digest, network_config):
    """What a (method, seed) result depends on besides the seed: a rerun reuses it when equal."""
    names = _DATA_SETTINGS + (_K_PLUS_ONE_SETTINGS if method == "k_plus_one" else _CLASSIFIER_SETTINGS)
    if method == "encoder":
        names += _ENCODER_SETTINGS
    key = {name: config[name] for name in names}
    if method in semi_supervised_config.GAN_METHODS:
        key["gan_weights_sha256"] = gan_digest
    if method == "scratch":
        key["architecture"] = network_config.discriminator_architecture or network_config.architecture
    return key


def _read_json(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def _read_result(path, key):
    """The result written at `path` for the same `key`, or None."""
    if not os.path.isfile(path):
        return None
    result = _read_json(path)
    if result.pop("key", None) != key:
        return None
    return result


def _in_directory(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def _seconds(start, start_cpu):
    return {"wall": round(time.time() - start, 1), "cpu": round(time.process_time() - start_cpu, 1)}


def _summary(results):
    accuracies = [result["test_accuracy"] for result in results]
    return {
        "test_accuracy": float(np.mean(accuracies)),
        "test_accuracy_std": float(np.std(accuracies, ddof=1)) if len(accuracies) > 1 else 0.0,
        "test_accuracy_per_seed": accuracies,
        "valid_accuracy_per_seed": [result["valid_accuracy"] for result in results],
        "selected_epoch_per_seed": [result["selected_epoch"] for result in results],
        "seconds": {kind: [result["seconds"][kind] for result in results] for kind in ("wall", "cpu")},
    }


def table(metrics):
    """The methods' accuracies as a small text table, one row per method."""
    seeds = len(metrics["seeds"])
    header = ("method", f"test accuracy (mean +- std, {seeds} seed{'s' * (seeds > 1)})", "valid (mean)", "CPU s / seed")
    rows = [header]
    for method, summary in metrics["methods"].items():
        rows.append((
            method,
            f"{100 * summary['test_accuracy']:.2f}% +- {100 * summary['test_accuracy_std']:.2f}",
            f"{100 * np.mean(summary['valid_accuracy_per_seed']):.2f}%",
            f"{np.mean(summary['seconds']['cpu']):.0f}",
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([
        f"{metrics['num_labels']} labels ({metrics['labels_per_class']} per class), "
        f"{metrics['num_unlabeled']} unlabelled digits, scored on {metrics['test_range']}:",
        *lines,
    ])


if __name__ == "__main__":
    launch.run("semi_supervised.py", main, settings_help=semi_supervised_config.HELP)
