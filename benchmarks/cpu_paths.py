"""Which TensorFlow ops change their float32 results with the CPU's vector width and threads.

A float32 result may differ between an AVX-512 and an AVX2-only CPU when its
kernel picks its code path at run time. This script shows which kernels do,
on the ops the GAN step uses, by running one probe per setting in a separate
process and comparing the results bit for bit (same machine, so the
comparison is exact):

- `ONEDNN_MAX_CPU_ISA=AVX2`: oneDNN's just-in-time kernels as on an AVX2-only
  CPU (what `make test-portable` uses);
- `TF_NUM_INTRAOP_THREADS=1`: one thread, which splits Eigen's work differently;
- `TF_ENABLE_ONEDNN_OPTS=0`: TensorFlow's Eigen kernels instead of oneDNN's.

Usage:
    python -m benchmarks.cpu_paths
"""

import hashlib
import itertools
import os
import subprocess
import sys

import numpy as np

_SETTINGS = {
    "ONEDNN_MAX_CPU_ISA": (None, "AVX2"),
    "TF_NUM_INTRAOP_THREADS": (None, "1"),
    "TF_ENABLE_ONEDNN_OPTS": ("1", "0"),
}


def probe():
    """Prints a short digest of each op's float32 result, one `name=digest` per line."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    rng = np.random.default_rng(0)
    inputs = tf.constant(rng.normal(size=(256, 784)).astype("float32"))
    weights = tf.constant(rng.normal(size=(784, 1200)).astype("float32"))
    product = tf.matmul(inputs, weights)
    results = {
        "matmul": product,
        "column_sum": tf.reduce_sum(weights, axis=0),
        "total_sum": tf.reduce_sum(product),
        "exp": tf.exp(inputs),
        "sigmoid": tf.sigmoid(inputs),
    }
    for name, value in results.items():
        print(f"{name}={hashlib.sha256(value.numpy().tobytes()).hexdigest()[:12]}")


def _run_probe(environment):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for key, value in environment.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.cpu_paths", "--probe"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    return dict(line.split("=", 1) for line in output.split())


def main():
    names = list(_SETTINGS)
    ops = None
    print("First 6 hex digits of each op's float32 result (same digits: the same bits).")
    for values in itertools.product(*_SETTINGS.values()):
        environment = dict(zip(names, values))
        digests = _run_probe(environment)
        if ops is None:
            ops = list(digests)
            print(" | ".join([f"{name:<22}" for name in names] + [f"{op:<10}" for op in ops]))
        cells = [f"{value or 'unset':<22}" for value in values]
        print(" | ".join(cells + [f"{digests[op][:6]:<10}" for op in ops]))


if __name__ == "__main__":
    if sys.argv[1:] == ["--probe"]:
        probe()
    else:
        main()
