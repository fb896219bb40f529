"""`python -m experiments.cifar10` end to end, on `tfds.testing.mock_data`.

CIFAR-10 cannot be downloaded here, so the launcher runs in a subprocess that
enters `mock_data` first: the real `tfds.load` path, flag parsing and `main`.
"""

import json
import sys
from pathlib import Path

import keras
import numpy as np
from PIL import Image

import keras_gan
import processes

REPO = Path(__file__).resolve().parents[1]

_LAUNCH_UNDER_MOCK_DATA = """
import sys
import tensorflow_datasets as tfds
from experiments import cifar10, flags
with tfds.testing.mock_data(num_examples=256):
    sys.argv = ["cifar10", *sys.argv[1:]]
    flags.run(cifar10.main)
"""


def _launch(output_dir, *extra):
    arguments = [
        f"--output_dir={output_dir}",
        "--architecture=mlp_small",
        "--epochs=2",
        "--batch_size=32",
        "--parzen_every=1",
        "--parzen_samples=200",
        "--verbose=0",
        *extra,
    ]
    command = [sys.executable, "-c", _LAUNCH_UNDER_MOCK_DATA, *arguments]
    return processes.run(command)


class TestCifar10Launcher:
    def test_runs_end_to_end_and_writes_every_output(self, tmp_path):
        result = _launch(tmp_path, "--preprocessing=scale")
        assert result.returncode == 0, result.stderr[-3000:]
        metrics = json.loads((tmp_path / "metrics.json").read_text())
        assert metrics["epochs"] == 2
        assert np.isfinite(metrics["parzen_log_likelihood"])
        grid = Image.open(tmp_path / "grids" / "samples_epoch_0002.png")
        # 10 x 10 samples + the nearest-neighbour column, 32-pixel RGB tiles, 1-pixel padding.
        assert grid.mode == "RGB" and grid.size == (11 * 33 + 1, 10 * 33 + 1)
        generator = keras.models.load_model(tmp_path / "generator.keras")
        images = generator(np.zeros((2, generator.input_shape[-1]), "float32"))
        assert tuple(images.shape) == (2, 32, 32, 3)
        # --preprocessing=scale trains a tanh generator on [-1, 1] data.
        assert keras_gan.images.infer_value_range(generator) == (-1.0, 1.0)
        flagfile = (tmp_path / "flags.txt").read_text()
        assert "--preprocessing=scale" in flagfile and "--architecture=mlp_small" in flagfile
