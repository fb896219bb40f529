"""MNIST models side by side: the paper's, `stable` and DCGAN-style, against the real-data reference rows.

Reads the `metrics.json` of offline-protocol runs (each scores 7,000
samples against the held-out digits [7000:8000] in the digit classifier's
features, and the Parzen window of 10,000 samples), computes the two
reference rows the same way (`benchmarks.metrics_benchmark`), and prints
one Markdown table, then the issue's targets for each run: Frechet distance
at most 2x the real-data row's, recall at least 80% and precision at least
90% of its values.

Usage (after the three runs of BENCHMARKS.md; `--data_dir` as in `metrics_benchmark`):
    python -m benchmarks.mnist_models --runs=paper:runs/mnist-paper,stable:runs/mnist-stable,dcgan:runs/mnist-dcgan
"""

import json
import os

from absl import app
from absl import flags

from benchmarks import metrics_benchmark
from keras_gan import metrics

_RUNS = flags.DEFINE_list(
    "runs",
    ["paper:runs/mnist-paper", "stable:runs/mnist-stable", "dcgan:runs/mnist-dcgan"],
    "name:output_dir of each run, in the table's order.",
)

# What the issue asks of the best model, as fractions of the real-data row.
TARGETS = {"fd": ("<=", 2.0), "recall": (">=", 0.8), "precision": (">=", 0.9)}


def reference_rows(data_dir, num_samples):
    """{name: metrics} of the training digits and of mean-plus-noise against [7000:8000]."""
    digits = metrics_benchmark.load_digits(data_dir)
    train, held_out = digits[:7000], digits[7000:8000]
    feature_model = metrics.digit_features()
    reference = metrics.extract_features(held_out, feature_model)
    rows = {
        "real training digits [0:7000]": train[:num_samples],
        "mean image plus per-pixel noise": metrics_benchmark.mean_plus_noise(train, num_samples),
    }
    return {
        name: metrics.compute_feature_metrics(reference, metrics.extract_features(images, feature_model))
        for name, images in rows.items()
    }


def meets(value, real_value, target):
    comparison, fraction = target
    bound = fraction * real_value
    return value <= bound if comparison == "<=" else value >= bound


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    runs = {}
    for entry in _RUNS.value:
        name, _, directory = entry.partition(":")
        with open(os.path.join(directory, "metrics.json")) as f:
            runs[name] = json.load(f)
    sample_counts = {run["feature_num_samples"] for run in runs.values()}
    if len(sample_counts) != 1:
        raise app.UsageError(f"The runs scored different sample counts: {sorted(sample_counts)}.")
    references = reference_rows(flags.FLAGS.data_dir, sample_counts.pop())

    print("| model | FD | KID | precision | recall | coverage | Parzen (nats) | epochs | wall / CPU min |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, run in runs.items():
        print(
            f"| {name} | {run['fd']:.1f} | {run['kid']:.2f} | {run['precision']:.3f} | {run['recall']:.3f} | "
            f"{run['coverage']:.3f} | {run['parzen_log_likelihood']:+.1f} +- {run['parzen_stderr']:.1f} | "
            f"{run['epochs']} | {run['wall_time_seconds'] / 60:.1f} / {run.get('cpu_time_seconds', float('nan')) / 60:.1f} |"
        )
    for name, row in references.items():
        print(
            f"| reference: {name} | {row['fd']:.1f} | {row['kid']:.2f} | {row['precision']:.3f} | "
            f"{row['recall']:.3f} | {row['coverage']:.3f} | - | - | - |"
        )
    real = references["real training digits [0:7000]"]
    print()
    for name, run in runs.items():
        verdicts = [
            f"{key} {run[key]:.3f} {'meets' if meets(run[key], real[key], target) else 'misses'} "
            f"{target[0]} {target[1]}x real = {target[1] * real[key]:.3f}"
            for key, target in TARGETS.items()
        ]
        print(f"{name}: " + "; ".join(verdicts))


if __name__ == "__main__":
    app.run(main)
