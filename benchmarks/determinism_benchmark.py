"""Cost of --config.deterministic (TF op determinism): ms per training step, runs interleaved.

    python -m benchmarks.determinism_benchmark [ROUNDS]
Prints, for each launcher config, median [min-max] ms/step over epochs 2..N of every run,
with and without it (A B A B ... in one session), the ratio, and whether the
final weights (metrics.json weights_sha256) were identical across runs of each mode.
"""
import json, os, re, statistics, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist-8k")
CONFIGS = {
    "toy ring, MLP 3x128, batch 256, R1+EMA (toy defaults)": [
        "-m", "experiments.toy", "--config.num_examples=10240", "--config.epochs=4"],
    "mnist paper (maxout+dropout), batch 100, config mnist.py": [
        "-m", "experiments.mnist", f"--data_dir={MNIST}", "--config=experiments/configs/mnist.py",
        "--config.train_range=0:2000", "--config.valid_range=7000:7500", "--config.test_range=7500:8000",
        "--config.epochs=4", "--config.parzen_every=0", "--config.parzen_samples=500", "--config.grid_every=100"],
}

def run(args, deterministic, out):
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    flag = f"--config.deterministic={deterministic}"
    r = subprocess.run([sys.executable, *args, "--config.verbose=2", flag, f"--output_dir={out}"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-2000:]
    per_step = [float(m) for m in re.findall(r"- (\d+)ms/step", r.stdout)]
    return per_step[1:], json.load(open(os.path.join(out, "metrics.json")))["weights_sha256"]

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
for name, args in CONFIGS.items():
    times, digests = {False: [], True: []}, {False: set(), True: set()}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(rounds):
            for det in (False, True) if i % 2 == 0 else (True, False):
                t, d = run(args, det, os.path.join(tmp, f"{det}_{i}"))
                times[det] += t
                digests[det].add(d)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{name}: off {med[False]:.0f} ms/step [{min(times[False]):.0f}-{max(times[False]):.0f}], "
          f"on {med[True]:.0f} ms/step [{min(times[True]):.0f}-{max(times[True]):.0f}], "
          f"ratio on/off {med[True] / med[False]:.2f}; n={len(times[False])} epochs each; "
          f"identical weights across runs: off={len(digests[False]) == 1}, on={len(digests[True]) == 1}, "
          f"on==off: {digests[False] == digests[True]}", flush=True)
