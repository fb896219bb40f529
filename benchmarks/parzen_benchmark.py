"""Parzen window protocol at the paper's size: keras_gan.metrics.parzen against two references.

The protocol: 10,000 centers of 784 features, sigma selected from
logspace(-1, 0, 10) on 1,000 validation examples, evaluated on 10,000 test
examples. Contenders, run interleaved in one process:

- fast: `keras_gan.metrics.parzen.evaluate` (one float32 product per chunk, refined).
- original: a NumPy port of the 2014 Theano algorithm: for every sigma and
  batch of 10 points, a [10, N, D] tensor of scaled differences.
- tfp: `tfd.MixtureSameFamily(Categorical, Independent(Normal))`, log_prob
  in a tf.function on batches of 10 points (again [10, N, D] inside).

The references take tens of minutes at full size, so they run the same
protocol on the first `--reference_points` validation and test examples and
their time is extrapolated linearly in (point, sigma) evaluations, which is
exact for them: their cost does not depend on the values.

Usage:
    python -m benchmarks.parzen_benchmark [--repeats=3] [--reference_points=20]
"""

import gzip
import os
import platform
import time

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp
from absl import app
from absl import flags

from keras_gan.metrics import parzen, parzen_kernel

_REPEATS = flags.DEFINE_integer("repeats", 3, "Interleaved repeats of every contender.")
_REFERENCE_POINTS = flags.DEFINE_integer(
    "reference_points", 20, "Validation and test examples the slow references run on."
)
_DATA_DIR = flags.DEFINE_string(
    "data_dir", "/work/shared/data/mnist-8k", "Directory with images-idx3-ubyte.gz."
)

_NUM_CENTERS, _NUM_VALID, _NUM_TEST = 10000, 1000, 10000
_SIGMAS = np.logspace(-1.0, 0.0, 10)
_BATCH = 10  # points per [batch, N, D] tensor in both references


def load_data(data_dir):
    """Centers, validation and test sets built from the 8,000 real MNIST digits."""
    with gzip.open(os.path.join(data_dir, "images-idx3-ubyte.gz")) as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape([-1, 28, 28])
    digits = digits.astype(np.float32) / 255.0
    rng = np.random.default_rng(0)
    # Stand-ins for generator samples: digits 0-3499, shifted by up to a pixel, noised.
    picked = digits[rng.integers(0, 3500, _NUM_CENTERS)]
    shifted = np.stack([np.roll(d, tuple(rng.integers(-1, 2, 2)), axis=(0, 1)) for d in picked])
    centers = np.clip(shifted + rng.normal(0.0, 0.1, shifted.shape), 0.0, 1.0)
    validation = digits[7000:8000]
    # 10,000 test points: digits 3500-6999 (never used for centers) and their 1-pixel shifts.
    held_out = digits[3500:7000]
    shifts = [np.roll(held_out, 1, axis=2), np.roll(held_out, 1, axis=1)]
    test = np.concatenate([held_out, *shifts])
    arrays = (centers, validation, test[:_NUM_TEST])
    return (a.reshape([len(a), 784]).astype(np.float32) for a in arrays)


def original_log_likelihoods(centers, points, sigma):
    """The 2014 algorithm in NumPy float32: broadcast differences per batch and sigma."""
    sigma = np.float32(sigma)
    log_normalizer = centers.shape[1] * np.log(sigma * np.sqrt(2.0 * np.pi))
    results = []
    for start in range(0, len(points), _BATCH):
        batch = points[start : start + _BATCH]
        scaled = (batch[:, None, :] - centers[None, :, :]) / sigma  # [b, N, D]
        exponents = -0.5 * (scaled**2).sum(axis=2)  # [b, N]
        largest = exponents.max(axis=1, keepdims=True)
        log_mean = largest[:, 0] + np.log(np.exp(exponents - largest).mean(axis=1))
        results.append(log_mean - log_normalizer)
    return np.concatenate(results).astype(np.float64)


@tf.function(reduce_retracing=True)
def _tfp_log_prob(centers, points, sigma):
    mixture = tfp.distributions.MixtureSameFamily(
        tfp.distributions.Categorical(logits=tf.zeros([tf.shape(centers)[0]])),
        tfp.distributions.Independent(tfp.distributions.Normal(centers, sigma), 1),
    )
    return mixture.log_prob(points)


def tfp_log_likelihoods(centers, points, sigma):
    """TFP MixtureSameFamily in float32, on batches of points."""
    sigma = tf.constant(sigma, tf.float32)
    batches = [points[s : s + _BATCH] for s in range(0, len(points), _BATCH)]
    return np.concatenate([_tfp_log_prob(centers, b, sigma).numpy() for b in batches]).astype(
        np.float64
    )


def reference_protocol(log_likelihoods, centers, validation, test):
    """Per-sigma validation log-likelihoods [S, m], chosen sigma, test ones [m]."""
    per_sigma = np.stack([log_likelihoods(centers, validation, s) for s in _SIGMAS])
    sigma = float(_SIGMAS[int(np.argmax(per_sigma.mean(axis=1)))])
    return per_sigma, sigma, log_likelihoods(centers, test, sigma)


def exact_log_likelihoods(centers, points, sigmas):
    """Float64 NumPy ground truth from explicit differences: [S, m]."""
    centers64 = centers.astype(np.float64)
    squared = np.stack([((p.astype(np.float64) - centers64) ** 2).sum(axis=1) for p in points])
    results = []
    for sigma in sigmas:
        exponents = -squared / (2.0 * sigma**2)  # [m, N]
        largest = exponents.max(axis=1, keepdims=True)
        log_sum = largest[:, 0] + np.log(np.exp(exponents - largest).sum(axis=1))
        normalizer = np.log(len(centers)) + 0.5 * centers.shape[1] * np.log(2 * np.pi * sigma**2)
        results.append(log_sum - normalizer)
    return np.stack(results)


def fast_per_example(centers, points, sigmas, **options):
    # float64 centers make a float64 distribution, so outputs are not rounded
    # to float32; the computation (float32 product + refinement) is the same.
    centers = centers.astype(np.float64)
    windows = [parzen.ParzenWindow(centers, s, **options) for s in sigmas]
    return np.stack([w.log_prob(points).numpy() for w in windows])


_CPU_SECONDS = []  # process CPU time (all threads) of each `timed` call


def timed(fn):
    start, start_cpu = time.perf_counter(), time.process_time()
    result = fn()
    _CPU_SECONDS.append(time.process_time() - start_cpu)
    return time.perf_counter() - start, result


def summary(times):
    return (
        f"median {np.median(times):8.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
        f"n={len(times)})"
    )


def peak_tensor_memory(fn):
    """Peak TensorFlow CPU memory above the current level while fn runs, in MB."""
    tf.config.experimental.reset_memory_stats("CPU:0")
    before = tf.config.experimental.get_memory_info("CPU:0")["current"]
    seconds, _ = timed(fn)
    return seconds, (tf.config.experimental.get_memory_info("CPU:0")["peak"] - before) / 2**20


def gemm_gflops(dtype):
    a = tf.random.uniform([1000, 784], dtype=dtype)
    b = tf.random.uniform([10000, 784], dtype=dtype)
    product = tf.function(lambda a, b: tf.matmul(a, b, transpose_b=True))
    product(a, b).numpy()
    best = min(timed(lambda: product(a, b).numpy())[0] for _ in range(3))
    return 2 * 1000 * 784 * 10000 / best / 1e9


def print_machine():
    with open("/proc/cpuinfo") as f:
        cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    threads = tf.config.threading.get_intra_op_parallelism_threads() or "all cores"
    print(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
          f"TF {tf.__version__}, TFP {tfp.__version__}, NumPy {np.__version__}")
    print(f"TF intra-op threads: {threads}; load average at start {os.getloadavg()[0]:.2f} "
          "(the machine is shared with other jobs)")


def compare_speed(centers, validation, test, m, repeats):
    """Interleaved timings; returns speed-ups, the fast median and reference outputs."""
    scale = (len(_SIGMAS) * _NUM_VALID + _NUM_TEST) / ((len(_SIGMAS) + 1) * m)
    print(f"\nInterleaved runs. References run on {m} validation x {len(_SIGMAS)} sigmas + "
          f"{m} test points, extrapolated x{scale:.1f} to the full protocol "
          f"({len(_SIGMAS)} x {_NUM_VALID} + {_NUM_TEST} point-sigma evaluations).")
    centers_tensor = tf.constant(centers)
    contenders = {
        "fast": (lambda: parzen.evaluate(centers, test, validation=validation), 1.0),
        "original": (lambda: reference_protocol(
            original_log_likelihoods, centers, validation[:m], test[:m]), scale),
        "tfp": (lambda: reference_protocol(
            tfp_log_likelihoods, centers_tensor, validation[:m], test[:m]), scale),
    }
    labels = {"fast": "keras_gan.metrics.parzen.evaluate (full)",
              "original": "original algorithm (extrapolated)",
              "tfp": "TFP MixtureSameFamily (extrapolated)"}
    times, cpu = {n: [] for n in contenders}, {n: [] for n in contenders}
    outputs, gemm_rates = {}, []
    for _ in range(repeats):
        gemm_rates.append(gemm_gflops(tf.float32))
        for name, (run, factor) in contenders.items():
            seconds, outputs[name] = timed(run)
            times[name].append(seconds * factor)
            cpu[name].append(_CPU_SECONDS[-1] * factor)
    for name, label in labels.items():
        print(f"  {label:37s} wall {summary(times[name])}; CPU {np.median(cpu[name]):6.1f} s")
    speedups = {}
    for name in ("original", "tfp"):
        speedups[name] = np.median(times[name]) / np.median(times["fast"])
        print(f"  speed-up vs {name:8s}: {speedups[name]:4.0f}x wall (ratio of medians; "
              f"worst pairing {min(times[name]) / max(times['fast']):.0f}x), "
              f"{np.median(cpu[name]) / np.median(cpu['fast']):.0f}x in CPU-seconds")
    fast_cpu, gemm_rate = np.median(cpu["fast"]), np.median(gemm_rates)
    rate = 2 * (_NUM_VALID + _NUM_TEST) * _NUM_CENTERS * 785 / 1e9 / np.median(times["fast"])
    print(f"  fast uses {fast_cpu:.2f} CPU-seconds (2 threads): {fast_cpu / 2:.2f} s of wall time "
          f"if both cores were free; its products run at {rate:.0f} GFLOP/s = "
          f"{100 * rate / gemm_rate:.0f}% of the raw float32 GEMM rate between runs "
          f"({gemm_rate:.0f} GFLOP/s)")
    del outputs["fast"]
    return speedups, np.median(times["fast"]), outputs


def compare_values(centers, validation, test, m, outputs):
    """Per-example differences on the reference points; returns the largest ones."""
    print(f"\nAgreement per example on the {m}+{m} reference points (nats, max |difference|):")
    exact = exact_log_likelihoods(centers, validation[:m], _SIGMAS)  # [S, m]
    fast = fast_per_example(centers, validation[:m], _SIGMAS)
    errors = {}
    for name, (per_sigma, sigma, test_values) in outputs.items():
        fast_test = fast_per_example(centers, test[:m], [sigma])[0]
        errors[name] = max(np.abs(fast - per_sigma).max(), np.abs(fast_test - test_values).max())
        print(f"  fast vs {name:8s}: {errors[name]:.2e} (its own error vs float64 truth "
              f"{np.abs(per_sigma - exact).max():.2e}; sigma chosen on its subset {sigma:.4f})")
    errors["float64 truth"] = np.abs(fast - exact).max()
    plain = np.abs(fast_per_example(centers, validation[:m], _SIGMAS, num_refined=0) - exact)
    print(f"  fast vs float64 truth: {errors['float64 truth']:.2e} (plain float32 product, "
          f"num_refined=0: {plain.max():.2e}, worst at sigma="
          f"{_SIGMAS[np.argmax(plain.max(axis=1))]:.3f})")
    return errors


def compare_kernels(centers, validation, test, float64_gflops):
    """What float64, no refinement and XLA would change."""
    total_gflop = 2 * (_NUM_VALID + _NUM_TEST) * _NUM_CENTERS * 785 / 1e9
    print(f"\nfloat64 instead of float32 + refinement: the products alone would take >= "
          f"{total_gflop / float64_gflops:.1f} s at the float64 GEMM rate above")
    seconds, _ = timed(lambda: parzen.evaluate(centers, test, validation=validation, num_refined=0))
    print(f"num_refined=0 (no float64 re-scoring), one warm run of the protocol: {seconds:.2f} s")
    print("XLA for the exp-sum of one [1000, 10000] chunk (the part XLA could fuse):")
    prepared = parzen_kernel.prepare_centers(tf.constant(centers))
    points = tf.constant(validation, tf.float64) - prepared.mean
    augmented = tf.concat([points, tf.ones_like(points[:, :1])], 1)
    products = tf.matmul(tf.cast(augmented, tf.float32), prepared.augmented32, transpose_b=True)
    largest = tf.reduce_max(products, axis=1)
    for num_sigmas in (1, len(_SIGMAS)):
        scales = tf.constant(1.0 / (2.0 * _SIGMAS[:num_sigmas] ** 2), tf.float32)
        for label, jit in (("plain tf.function", False), ("jit_compile=True", True)):
            kernel = tf.function(parzen_kernel._sum_exp, jit_compile=jit)
            cold, _ = timed(lambda: kernel(products, largest, scales).numpy())
            warm = [timed(lambda: kernel(products, largest, scales).numpy())[0] for _ in range(5)]
            print(f"  {num_sigmas:2d} sigma(s), {label:18s}: first call {cold:5.2f} s, "
                  f"then median {1000 * np.median(warm):6.1f} ms")


def measure_memory(centers, test, sigma):
    print(f"\nPeak TF memory of ParzenWindow(sigma={sigma:.4f}).log_prob on the {_NUM_TEST} test "
          "points (inputs already allocated), by chunk sizes:")
    test_tensor = tf.constant(test)
    for chunk_size, center_chunk_size in ((250, 10000), (1000, 10000), (4000, 10000), (1000, 2500)):
        window = parzen.ParzenWindow(
            centers, sigma, chunk_size=chunk_size, center_chunk_size=center_chunk_size
        )
        window.log_prob(test_tensor[:10])  # trace outside the measurement
        seconds, peak = peak_tensor_memory(lambda: window.log_prob(test_tensor).numpy())
        padded = -(-min(center_chunk_size, _NUM_CENTERS) // 64) * 64
        print(f"  chunk_size={chunk_size:5d} center_chunk_size={center_chunk_size:5d}: "
              f"{seconds:5.2f} s, peak {peak:5.0f} MB (one [chunk, center_chunk] float32 matrix: "
              f"{chunk_size * padded * 4 / 2**20:4.0f} MB, [chunk, 8, 784] float64 gather: "
              f"{chunk_size * 8 * 784 * 8 / 2**20:4.0f} MB)")
    naive_gb = _NUM_TEST * _NUM_CENTERS * 784 * 4 / 2**30
    batch_mb = _BATCH * _NUM_CENTERS * 784 * 4 / 2**20
    print(f"  (a naive [n_test, N, D] float32 tensor: {naive_gb:.0f} GB; "
          f"each reference batch [10, N, D]: {batch_mb:.0f} MB)")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    m, repeats = _REFERENCE_POINTS.value, _REPEATS.value
    print_machine()
    centers, validation, test = load_data(_DATA_DIR.value)
    print(f"Data: {len(centers)} centers (MNIST digits 0-3499, shifted <= 1 px, + N(0, 0.1) noise, "
          f"clipped), {len(validation)} validation (digits 7000-7999), {len(test)} test "
          "(digits 3500-6999 and their 1-px shifts), D=784")
    f32, f64 = gemm_gflops(tf.float32), gemm_gflops(tf.float64)
    total_gflop = 2 * (_NUM_VALID + _NUM_TEST) * _NUM_CENTERS * 785 / 1e9
    print(f"TF GEMM 1000x784 @ 784x10000: float32 {f32:.0f} GFLOP/s, float64 {f64:.0f} GFLOP/s; "
          f"the protocol's products are {total_gflop:.0f} GFLOP (>= {total_gflop / f32:.2f} s)")

    cold_seconds, result = timed(lambda: parzen.evaluate(centers, test, validation=validation))
    print(f"\nfast, first call (includes tf.function tracing): {cold_seconds:.2f} s")
    print(f"Result: {result.mean:.2f} +- {result.stderr:.2f} nats, sigma={result.sigma:.4f}")
    curve = zip(result.sigmas, result.validation_log_likelihoods)
    print("Validation curve: " + ", ".join(f"{s:.3f}:{v:.1f}" for s, v in curve))

    speedups, fast_median, outputs = compare_speed(centers, validation, test, m, repeats)
    errors = compare_values(centers, validation, test, m, outputs)
    compare_kernels(centers, validation, test, f64)
    measure_memory(centers, test, result.sigma)

    checks = {
        f"protocol <= 10 s (wall median {fast_median:.1f} s)": fast_median <= 10.0,
        ">= 30x vs original": speedups["original"] >= 30,
        ">= 30x vs TFP": speedups["tfp"] >= 30,
        "agreement <= 1e-3 nats": max(errors.values()) <= 1e-3,
    }
    print("\nChecks: " + ", ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in checks.items())
          + f"; load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    app.run(main)
