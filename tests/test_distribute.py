"""`keras_gan.distribute`, and a launcher run under MirroredStrategy on two logical CPUs.

The replica equivalence of `GAN.train_step` (2 x B/2 == 1 x B) is tested in
test_mirrored.py; multi-worker runs in test_multi_worker.py.
"""

import json
import os
import sys
import types
from pathlib import Path

import keras
import pytest
import tensorflow as tf

import keras_gan
import processes
from keras_gan import distribute

MNIST_DIR = processes.REPO.parent / "shared" / "data" / "mnist-8k"


def _tf_config(task_type="worker", index=0):
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    return json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}})


def _worker(index):
    """A stand-in for a multi-worker strategy as seen by worker `index`.

    `MultiWorkerMirroredStrategy.extended.should_checkpoint` is True on worker 0
    only; tests/test_multi_worker.py checks the real strategy with 2 processes.
    """
    return types.SimpleNamespace(extended=types.SimpleNamespace(should_checkpoint=index == 0))


class TestMakeStrategy:
    def test_default_is_the_current_strategy(self):
        assert distribute.make_strategy("default") is tf.distribute.get_strategy()

    def test_multi_worker_needs_tf_config(self, monkeypatch):
        monkeypatch.delenv("TF_CONFIG", raising=False)
        with pytest.raises(ValueError, match="needs the TF_CONFIG environment variable"):
            distribute.make_strategy("multi_worker")

    @pytest.mark.parametrize("raw", ["{not json", '{"cluster": {}}', _tf_config(task_type="ps")])
    def test_multi_worker_rejects_a_bad_tf_config(self, monkeypatch, raw):
        monkeypatch.setenv("TF_CONFIG", raw)
        with pytest.raises(ValueError, match="TF_CONFIG"):
            distribute.make_strategy("multi_worker")


class TestChief:
    def test_single_process_is_chief(self):
        assert distribute.is_chief()

    def test_only_worker_zero_is_chief(self):
        assert distribute.is_chief(_worker(0))
        assert not distribute.is_chief(_worker(1))

    @pytest.mark.parametrize(
        "tf_config, expected",
        [(None, True), (_tf_config("worker", 0), True), (_tf_config("chief", 0), True),
         (_tf_config("worker", 1), False), ("{not json", True)],
    )
    def test_is_chief_task_reads_tf_config(self, monkeypatch, tf_config, expected):
        if tf_config is None:
            monkeypatch.delenv("TF_CONFIG", raising=False)
        else:
            monkeypatch.setenv("TF_CONFIG", tf_config)
        assert distribute.is_chief_task() is expected

    def test_chief_writes_to_the_output_directory(self, tmp_path):
        output = tmp_path / "run"
        with distribute.writable_directory(str(output), _worker(0)) as directory:
            assert directory == str(output) and output.is_dir()

    def test_other_workers_write_to_a_temporary_directory(self, tmp_path):
        output = tmp_path / "run"
        with distribute.writable_directory(str(output), _worker(1)) as directory:
            assert directory != str(output) and os.path.isdir(directory)
            Path(directory, "gan.keras").write_text("a worker's copy")
        assert not os.path.exists(directory)  # deleted on exit
        assert not output.exists()  # nothing in the chief's directory



class TestSplitCpu:
    @pytest.mark.parametrize("num_devices", [0, -2, 1.5, True, "2"])
    def test_invalid_count(self, num_devices):
        with pytest.raises(ValueError, match="Expected a positive integer"):
            distribute.split_cpu(num_devices)

    def test_one_device_is_a_no_op(self, monkeypatch):
        cpu = tf.config.list_physical_devices("CPU")[0]
        before = tf.config.get_logical_device_configuration(cpu)
        calls = []
        monkeypatch.setattr(
            tf.config, "set_logical_device_configuration", lambda *args, **kwargs: calls.append(args)
        )
        assert distribute.split_cpu(1) is None
        assert calls == []  # the CPU is left as it is: not even re-split into one device
        assert tf.config.get_logical_device_configuration(cpu) == before

    def test_too_late_is_a_clear_error(self):
        tf.constant(1.0) + 1.0  # TensorFlow's devices are initialised by now.
        with pytest.raises(RuntimeError, match="already initialised its devices"):
            distribute.split_cpu(3)


class TestMirroredLauncher:
    def test_mnist_launcher_trains_two_replicas_on_two_logical_cpus(self, tmp_path):
        output = tmp_path / "mirrored"
        command = [
            sys.executable, "-m", "experiments.mnist", f"--data_dir={MNIST_DIR}", "--config.train_range=0:256",
            "--config.valid_range=7000:7100", "--config.test_range=7100:7200", "--config.architecture=mlp_small",
            "--config.batch_size=64", "--config.epochs=1", "--config.parzen_every=0", "--config.parzen_samples=100",
            "--config.feature_samples=0",
            "--config.verbose=2", "--config.strategy=mirrored", "--config.logical_cpus=2", f"--output_dir={output}",
        ]
        result = processes.run(command)
        assert result.returncode == 0, result.stderr[-3000:]
        metrics = json.loads((output / "metrics.json").read_text())
        assert metrics["num_replicas"] == 2 and metrics["epochs"] == 1
        expected_files = ("gan.keras", "generator.keras", "interpolation.png", "grids/samples_epoch_0001.png",
                          "checkpoints/last.keras", "backup/epoch_0001/model.weights.h5", "history.csv")
        for name in expected_files:
            assert (output / name).is_file(), name
        assert "'logical_cpus': 2," in (output / "config.py").read_text()
        # 256 images in global batches of 64: 4 steps, each split over the replicas.
        gan = keras.saving.load_model(output / "gan.keras")
        assert isinstance(gan, keras_gan.GAN)
        assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations.value)) == 4
