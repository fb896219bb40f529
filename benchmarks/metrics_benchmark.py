"""Feature metrics: their speed at 10,000 x 10,000 digits, and the MNIST reference rows.

Speed: the digit classifier's features of 10,000 "real" and 10,000
"generated" digits, then the Frechet distance, KID (100 subsets of 1,000),
precision/recall (k = 3) and density/coverage (k = 5) through
`keras_gan.metrics.compute_feature_metrics`, as `FeatureMetrics` runs them.
There are 8,000 shared digits, so both sets are built from them: "real" is
digits [0:7000] and 3,000 of them shifted by a pixel; "generated" is digits
[0:7000] shifted by up to a pixel with Gaussian noise (sd 0.1), clipped.
The first run includes tracing and XLA compilation (the classifier is
loaded before the clock starts); the next `--repeats` runs are timed
separately, wall and CPU time.

Reference rows, the offline protocol's held-out digits [7000:8000] as the
real set against:
- the training digits [0:7000] (real data: the best a generator can hope for);
- 7,000 images of the mean training digit plus independent Gaussian noise
  with each pixel's standard deviation over the training digits, clipped
  to [0, 1] (a trivial "generator" that matches every pixel's mean and
  variance but draws no strokes).
Both compared sets hold 7,000 images, as do generator rows measured the
same way (the metrics depend on the sample count: the Frechet distance's
bias shrinks as 1/n, the neighbour balls shrink as n grows).

Usage:
    python -m benchmarks.metrics_benchmark [--repeats=3] [--data_dir=../shared/data/mnist-8k]
"""

import gzip
import os
import platform
import time

import numpy as np
from absl import app
from absl import flags

from keras_gan import metrics

_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed runs after the first.")
_DATA_DIR = flags.DEFINE_string(
    "data_dir",
    os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "shared", "data", "mnist-8k"),
    "Directory with images-idx3-ubyte.gz.",
)

_SIZE = 10000
_REFERENCE_SAMPLES = 7000
_KEYS = ("fd", "kid", "kid_std", "precision", "recall", "density", "coverage")


def load_digits(data_dir):
    """The 8,000 shared digits as float32 [n, 28, 28, 1] in [0, 1]."""
    with gzip.open(os.path.join(data_dir, "images-idx3-ubyte.gz")) as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape([-1, 28, 28, 1])
    return digits.astype(np.float32) / 255.0


def _shift(images, rng, max_shift):
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    return np.stack([np.roll(image, tuple(s), axis=(0, 1)) for image, s in zip(images, shifts)])


def speed_sets(digits):
    """10,000 "real" and 10,000 "generated" digits built from digits [0:7000]."""
    rng = np.random.default_rng(0)
    train = digits[:7000]
    extra = train[rng.choice(7000, _SIZE - 7000, replace=False)]
    real = np.concatenate([train, _shift(extra, rng, 1)])
    picked = train[rng.integers(0, 7000, _SIZE)]
    fake = np.clip(_shift(picked, rng, 1) + rng.normal(0.0, 0.1, picked.shape), 0.0, 1.0)
    return real, fake.astype(np.float32)


def mean_plus_noise(train, num_samples, seed=0):
    """The mean training image plus per-pixel Gaussian noise of the data's spread, clipped."""
    rng = np.random.default_rng(seed)
    mean, std = train.mean(axis=0), train.std(axis=0)
    noise = rng.normal(size=(num_samples,) + train.shape[1:])
    return np.clip(mean + std * noise, 0.0, 1.0).astype(np.float32)


def timed_run(feature_model, real, fake):
    """Features of both sets, then all registered metrics; times of each part."""
    times = {}
    wall, cpu = time.perf_counter(), time.process_time()
    real_features = metrics.extract_features(real, feature_model)
    fake_features = metrics.extract_features(fake, feature_model)
    times["features"] = time.perf_counter() - wall
    start = time.perf_counter()
    values = metrics.compute_feature_metrics(real_features, fake_features)
    times["metrics"] = time.perf_counter() - start
    times["total"] = time.perf_counter() - wall
    times["total_cpu"] = time.process_time() - cpu
    return times, values


def part_times(real_features, fake_features):
    """Each metric alone, for the breakdown (warm)."""
    parts = {}
    for name in metrics.feature_metric_names():
        start = time.perf_counter()
        metrics.compute_feature_metrics(real_features, fake_features, metrics=[name])
        parts[name] = time.perf_counter() - start
    start = time.perf_counter()
    metrics.neighbourhood_metrics(real_features, fake_features)
    parts["precision_recall+density_coverage"] = time.perf_counter() - start
    return parts


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    digits = load_digits(_DATA_DIR.value)
    feature_model = metrics.digit_features()
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )

    real, fake = speed_sets(digits)
    print(f"\n## Speed: features + all metrics, {len(real):,} x {len(fake):,} digits\n")
    print("| run | features s | metrics s | total s (wall) | total s (CPU) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for run in range(1 + _REPEATS.value):
        times, values = timed_run(feature_model, real, fake)
        label = "first (traces, compiles)" if run == 0 else f"repeat {run}"
        print(
            f"| {label} | {times['features']:.2f} | {times['metrics']:.2f} | "
            f"{times['total']:.2f} | {times['total_cpu']:.2f} |"
        )
    real_features = metrics.extract_features(real, feature_model)
    fake_features = metrics.extract_features(fake, feature_model)
    parts = part_times(real_features, fake_features)
    print("\nEach metric alone (warm): " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
    print("Values: " + ", ".join(f"{k} {values[k]:.4g}" for k in _KEYS))

    held_out = digits[7000:8000]
    train = digits[:7000]
    rows = {
        "real training digits [0:7000]": train[:_REFERENCE_SAMPLES],
        "mean image plus per-pixel noise": mean_plus_noise(train, _REFERENCE_SAMPLES),
    }
    reference = metrics.extract_features(held_out, feature_model)
    print(
        f"\n## Reference rows: against the held-out digits [7000:8000], "
        f"{_REFERENCE_SAMPLES:,} images each, digit classifier features\n"
    )
    print("| compared set | FD | KID | precision | recall | density | coverage |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, images in rows.items():
        values = metrics.compute_feature_metrics(
            reference, metrics.extract_features(images, feature_model)
        )
        print(
            f"| {name} | {values['fd']:.2f} | {values['kid']:.3f} +- {values['kid_std']:.3f} | "
            f"{values['precision']:.3f} | {values['recall']:.3f} | {values['density']:.3f} | "
            f"{values['coverage']:.3f} |"
        )


if __name__ == "__main__":
    app.run(main)
