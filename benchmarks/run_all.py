"""Runs every benchmark script of this folder in sequence (`make bench`).

The scripts are the modules `benchmarks/*_benchmark.py`: the Parzen window
protocol, the exported generator, then training speed, then any others in
name order (today `determinism_benchmark`). Each runs in its own process,
so that one's threads, caches and compiled functions do not affect the
next, and its output is passed through.
By default every script gets flags that keep the whole run under about 15
minutes on a shared 2-core machine; `--full` runs each with its own defaults.

Usage:
    python -m benchmarks.run_all [--full] [--only=training_benchmark,...]
"""

import os
import subprocess
import sys
import time

from absl import app
from absl import flags

_FULL = flags.DEFINE_bool("full", False, "Run every script with its own (longer) defaults.")
_ONLY = flags.DEFINE_list("only", [], "Run only these scripts (module names), in the usual order.")

_ORDER = ("parzen_benchmark", "export_benchmark", "training_benchmark")
# Shorter settings for the routine run: fewer rounds, same protocols.
_SHORT_FLAGS = {
    "parzen_benchmark": ["--repeats=2", "--reference_points=10"],
    "export_benchmark": ["--rounds=10"],
    "training_benchmark": ["--rounds=3", "--steps=20"],
    "determinism_benchmark": ["1"],  # rounds, its only (positional) argument
}


def benchmark_scripts(directory):
    """Module names of the benchmark scripts in `directory`, in running order."""
    found = sorted(name[:-3] for name in os.listdir(directory) if name.endswith("_benchmark.py"))
    return [name for name in _ORDER if name in found] + [name for name in found if name not in _ORDER]


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    directory = os.path.dirname(os.path.abspath(__file__))
    scripts = benchmark_scripts(directory)
    unknown = set(_ONLY.value) - set(scripts)
    if unknown:
        raise app.UsageError(f"Unknown benchmark scripts: {sorted(unknown)}. Expected some of {scripts}.")
    if _ONLY.value:
        scripts = [name for name in scripts if name in _ONLY.value]
    root = os.path.dirname(directory)
    summary = []
    for name in scripts:
        command = [sys.executable, "-m", f"benchmarks.{name}"]
        if not _FULL.value:
            command += _SHORT_FLAGS.get(name, [])
        print(f"\n{'=' * 78}\n$ {' '.join(command[1:])}\n{'=' * 78}", flush=True)
        start = time.perf_counter()
        returncode = subprocess.run(command, cwd=root).returncode
        summary.append((name, returncode, time.perf_counter() - start))
    print(f"\n{'=' * 78}\nSummary")
    for name, returncode, seconds in summary:
        status = "ok" if returncode == 0 else f"FAILED (exit {returncode})"
        print(f"  {name:24s} {status:18s} {seconds:6.0f} s")
    print(f"  total {sum(seconds for _, _, seconds in summary) / 60:.1f} min")
    if any(returncode for _, returncode, _ in summary):
        sys.exit(1)


if __name__ == "__main__":
    app.run(main)
