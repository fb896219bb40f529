"""`python -m experiments.cifar10` end to end, on `tfds.testing.mock_data`.

CIFAR-10 cannot be downloaded here, so the launcher runs in a subprocess that
enters `mock_data` first: the real `tfds.load` path, the config and its overrides, and the run.
"""

import json
import runpy
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
from experiments import launch
with tfds.testing.mock_data(num_examples=256):
    sys.argv = ["cifar10", *sys.argv[1:]]
    launch.run("cifar10_stable.py")
"""


def _launch(output_dir, *extra):
    arguments = [
        f"--output_dir={output_dir}",
        "--config.architecture=mlp_small",
        "--config.epochs=2",
        "--config.batch_size=32",
        "--config.parzen_every=1",
        "--config.parzen_samples=200",
        "--config.verbose=0",
        *extra,
    ]
    command = [sys.executable, "-c", _LAUNCH_UNDER_MOCK_DATA, *arguments]
    return processes.run(command)


class TestCifar10Launcher:
    def test_runs_end_to_end_and_writes_every_output(self, tmp_path):
        result = _launch(tmp_path, "--config.preprocessing=scale")
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
        # preprocessing=scale trains a tanh generator on [-1, 1] data.
        assert keras_gan.images.infer_value_range(generator) == (-1.0, 1.0)
        config = runpy.run_path(str(tmp_path / "config.py"))["get_config"]()
        assert (config.dataset, config.preprocessing, config.architecture) == ("cifar10", "scale", "mlp_small")

    def test_default_global_contrast_normalisation_draws_its_figures(self, tmp_path):
        # GCN pixels have no fixed range and the generator's output is linear: the figures
        # stretch each grid's range instead of failing to infer one.
        result = _launch(tmp_path, "--config.epochs=1", "--config.parzen_every=0")
        assert result.returncode == 0, result.stderr[-3000:]
        assert (tmp_path / "grids" / "samples_epoch_0001.png").is_file()
        assert (tmp_path / "interpolation.png").is_file()
        generator = keras.models.load_model(tmp_path / "generator.keras")
        assert keras_gan.images.infer_value_range(generator) is None
