# Two entry points for a fresh machine: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Extras installed with the package; CI adds `bench` (PyTorch, CPU) for the reference test.
EXTRAS ?= test

.PHONY: demo test test-portable mnist-offline bench

$(VENV)/installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

# The main job: train on the 8-Gaussian ring (no download), then export the generator.
demo: $(VENV)/installed
	$(PY) -m experiments.toy --config=experiments/configs/toy_ring.py --output_dir=runs/demo
	$(PY) -m export --generator=runs/demo/generator.keras --output_dir=runs/demo/export --tflite --overwrite

test: $(VENV)/installed
	$(PY) -m pytest -q tests

# The suite on another CPU's arithmetic: oneDNN held to AVX2, what an AVX2-only CPU runs,
# and one intra-op thread, which splits Eigen's products differently (python -m
# benchmarks.cpu_paths shows which ops each changes). A CPU-dependent result fails here.
# One thread per process: two pytest workers (pytest-xdist), each taking whole test files
# (their module fixtures run once), keep two cores busy.
test-portable: $(VENV)/installed
	ONEDNN_MAX_CPU_ISA=AVX2 TF_NUM_INTRAOP_THREADS=1 $(PY) -m pytest -q -n 2 --dist loadfile tests

# The offline MNIST protocol: digits [0:7000] train, [7000:8000] select sigma and score.
mnist-offline: $(VENV)/installed
	$(PY) -m experiments.mnist --config=experiments/configs/mnist_offline.py --config.verbose=2 \
		--data_dir=../shared/data/mnist-8k --output_dir=runs/mnist-offline

bench: $(VENV)/installed
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(PY) -m benchmarks.run_all
