"""Sizes and generator latency of the exported artifacts, side by side.

Exports the paper's MNIST generator (100-1200-1200-784; untrained weights,
which cost the same as trained ones) with every LiteRT variant, then times
one generator call at batch 1 and batch 100 for:

- Keras: `model(z)` (eager call) and `model.predict_on_batch(z)`;
- the SavedModel's `generate` signature, loaded with `tf.saved_model.load`;
- LiteRT float32, dynamic int8 and float16, in
  `ai_edge_litert.interpreter.Interpreter` with as many threads as CPUs
  (TensorFlow's default too).

Contenders are interleaved: every round times a block of calls of each, in
a rotating order, and the figures are the median and min-max over rounds of
the time per call.

    python -m benchmarks.export_benchmark [--rounds=30]
"""

import os
import pathlib
import platform
import statistics
import tempfile
import time

from absl import app
from absl import flags
from absl import logging

import numpy as np
import tensorflow as tf

import export
import keras_gan

_ROUNDS = flags.DEFINE_integer("rounds", 30, "Timing rounds per contender and batch size.")
_BLOCK_SECONDS = flags.DEFINE_float(
    "block_seconds", 0.05, "Approximate duration of one timed block of calls."
)
flags.register_validator("rounds", lambda value: value >= 3, message="--rounds must be >= 3.")

BATCH_SIZES = (1, 100)
LITERT_VARIANTS = (("none", "LiteRT float32"), ("dynamic", "LiteRT dynamic int8"),
                   ("float16", "LiteRT float16"))


def make_contenders(generator, output_dir, batch_size, threads):
    """Returns `{name: callable(z)}` for one batch size (one interpreter each)."""
    generate = tf.saved_model.load(str(output_dir / "saved_model")).signatures["generate"]
    contenders = {
        "Keras model(z)": lambda z: generator(z, training=False).numpy(),
        "Keras predict_on_batch": generator.predict_on_batch,
        "SavedModel generate": lambda z: generate(z=tf.constant(z))["images"].numpy(),
    }
    for mode, name in LITERT_VARIANTS:
        runner = export.LiteRTGenerator(output_dir / export.tflite.FILENAMES[mode], num_threads=threads)
        runner(np.zeros((batch_size, generator.input_shape[-1]), np.float32))  # Allocates.
        contenders[name] = runner
    return contenders


def time_interleaved(contenders, z, rounds, block_seconds):
    """Per-call seconds of each contender over `rounds` interleaved rounds."""
    calls = {}
    for name, function in contenders.items():
        for _ in range(3):
            function(z)  # Warm-up: tracing, allocation, caches.
        start = time.perf_counter()
        function(z)
        calls[name] = max(1, int(block_seconds / max(time.perf_counter() - start, 1e-6)))
    timings = {name: [] for name in contenders}
    names = list(contenders)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            function, count = contenders[name], calls[name]
            start = time.perf_counter()
            for _ in range(count):
                function(z)
            timings[name].append((time.perf_counter() - start) / count)
    return timings


def directory_size(path):
    path = pathlib.Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)
    threads = os.cpu_count()
    generator = keras_gan.models.mnist_generator(seed=0)
    with tempfile.TemporaryDirectory(prefix="export_benchmark_") as scratch:
        scratch = pathlib.Path(scratch)
        generator.save(scratch / "generator.keras")
        report = export.export_generator(
            scratch / "generator.keras", scratch / "export", quantize=["dynamic", "float16"]
        )
        sizes = {".keras file": directory_size(scratch / "generator.keras"),
                 "SavedModel directory": directory_size(scratch / "export" / "saved_model")}
        for mode, name in LITERT_VARIANTS:
            sizes[name] = report["verification"]["tflite"][mode]["size_bytes"]
        results = {}
        for batch_size in BATCH_SIZES:
            z = np.random.default_rng(0).uniform(-3**0.5, 3**0.5, (batch_size, 100)).astype(np.float32)
            contenders = make_contenders(generator, scratch / "export", batch_size, threads)
            results[batch_size] = time_interleaved(contenders, z, _ROUNDS.value, _BLOCK_SECONDS.value)
    print_report(sizes, results, report, threads)


def _format(seconds):
    return f"{seconds * 1e3:.3f}"


def print_report(sizes, results, report, threads):
    """Prints the figures as a markdown section for BENCHMARKS.md."""
    versions = report["versions"]
    lines = [
        "## Generator export: artifact sizes and latency",
        "",
        "`python -m benchmarks.export_benchmark` (paper's MNIST generator 100-1200-1200-784, "
        f"untrained weights; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"LiteRT with {threads} threads; TF {versions['tensorflow']}, Keras {versions['keras']}, "
        f"ai-edge-litert {versions['ai_edge_litert']}; {_ROUNDS.value} interleaved rounds, "
        "milliseconds per call, median (min-max)).",
        "",
        "| artifact | size (MB) |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {size / 1e6:.2f} |" for name, size in sizes.items()]
    lines += ["", "| generator call | batch 1 (ms) | batch 100 (ms) |", "| --- | ---: | ---: |"]
    for name in results[BATCH_SIZES[0]]:
        cells = []
        for batch_size in BATCH_SIZES:
            timings = results[batch_size][name]
            cells.append(f"{_format(statistics.median(timings))} "
                         f"({_format(min(timings))}-{_format(max(timings))})")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines.append("")
    for batch_size in BATCH_SIZES:
        medians = {name: statistics.median(t) for name, t in results[batch_size].items()}
        keras_best = min(("Keras model(z)", "Keras predict_on_batch"), key=medians.get)
        litert = medians["LiteRT float32"]
        lines.append(
            f"Batch {batch_size}: the faster Keras path is `{keras_best}`; its median time over "
            f"LiteRT float32's is {medians[keras_best] / litert:.1f}x (SavedModel over LiteRT "
            f"float32: {medians['SavedModel generate'] / litert:.1f}x; > 1 means LiteRT is faster)."
        )
    lines.append("")
    tflite = report["verification"]["tflite"]
    lines.append(
        "Max abs error vs Keras on 100 noise vectors: "
        + ", ".join(f"{name} {tflite[mode]['max_abs_error']:.1e}" for mode, name in LITERT_VARIANTS)
        + f"; SavedModel {report['verification']['saved_model']['max_abs_error']:.1e}."
    )
    print("\n".join(lines))


if __name__ == "__main__":
    app.run(main)
