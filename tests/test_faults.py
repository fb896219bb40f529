"""Fault tolerance: kill -9 and resume, divergence, and interrupted checkpoint writes."""

import csv
import json
import os
import random
import shutil
import signal
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
import processes
from experiments import train
from keras_gan import checkpoints
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard
from keras_gan.callbacks.non_finite_guard import NonFiniteLossError

REPO = processes.REPO
STEPS = 4  # steps per epoch of the in-process runs: 32 examples, batches of 8


def _from_environment(name, default, kind):
    """`kind(os.environ[name])`, or `default` when it is unset."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"Invalid {name}. Received: {value!r}. Expected a {kind.__name__}.") from None


# Picks the kill point of the kill-and-resume test; the test prints it, and
# KERAS_GAN_TEST_SEED=<that seed> replays the same kill.
SEED = _from_environment("KERAS_GAN_TEST_SEED", 0, int)


def _toy_command(output_dir, *flags):
    return [sys.executable, "-m", "experiments.toy", "--config.verbose=2", f"--output_dir={output_dir}", *flags]


def _gan(seed=0):
    generator = keras_gan.models.mlp_generator(2, (2,), hidden_units=(8,), seed=seed)
    discriminator = keras_gan.models.mlp_discriminator((2,), hidden_units=(8,), seed=seed + 1)
    gan = keras_gan.GAN(generator, discriminator, latent_prior="gaussian", seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def _data(poison=None):
    x = np.random.default_rng(0).normal(size=(STEPS * 8, 2)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(x)
    if poison is not None:
        dataset = dataset.map(lambda example: example + poison)
    return dataset.batch(8)


def _shuffled_data():
    """`_data()` through the launchers' pipeline: a new order every epoch."""
    x = np.random.default_rng(0).normal(size=(STEPS * 8, 2)).astype("float32")
    return keras_gan.data.training_pipeline(tf.data.Dataset.from_tensor_slices(x), 8, seed=0)


def _iterations(optimizer):
    return int(keras.ops.convert_to_numpy(optimizer.iterations.value))


def _seed_state(gan):
    return keras.ops.convert_to_numpy(gan.seed_generator.state.value).tolist()


def _history_epochs(path):
    with open(path, newline="", encoding="utf-8") as file:
        return [int(row["epoch"]) for row in csv.DictReader(file)]


def _values(variables):
    """`[(path, array)]` in order: paths repeat across the generator, discriminator and EMA copy."""
    return [(variable.path, keras.ops.convert_to_numpy(variable.value)) for variable in variables]


def _optimizer_values(optimizer):
    """`_values` of the optimizer's state, without the optimizer's name ("adam_4/...")."""
    return [(path.split("/", 1)[-1], value) for path, value in _values(optimizer.variables)]


def _assert_same_values(got, expected, message):
    """Bitwise equality of two `_values` lists, the first mismatch named."""
    assert [path for path, _ in got] == [path for path, _ in expected], message
    for index, ((path, value), (_, expected_value)) in enumerate(zip(got, expected)):
        np.testing.assert_array_equal(value, expected_value, err_msg=f"#{index} {path}: {message}")


@pytest.fixture
def op_determinism():
    """TensorFlow op determinism for one test: bitwise comparisons of two trainings need it."""
    from tensorflow.python.framework import config as tf_config  # disable_op_determinism is not public

    was_enabled = tf_config.is_op_determinism_enabled()
    tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        if not was_enabled:  # Left on, it would make other tests' unseeded random ops raise.
            tf_config.disable_op_determinism()


@pytest.fixture(scope="module")
def diverging_launcher(tmp_path_factory):
    """A toy launcher run with an absurd learning rate, started early to overlap other tests."""
    output = tmp_path_factory.mktemp("diverging") / "run"
    settings = ("learning_rate=1e30", "num_examples=256", "batch_size=64", "epochs=2")
    command = _toy_command(output, *(f"--config.{setting}" for setting in settings))
    process = processes.start(command)
    try:
        yield process, command, output
    finally:
        processes.kill_group(process)


class TestKillAndResume:
    EPOCHS = 6
    STEPS_PER_EPOCH = 32  # 2048 examples in batches of 64
    CALLS = 4  # training-function calls per epoch: 10 + 10 + 10 + 2 steps (steps_per_execution=10)
    # deterministic: TF op determinism, so the same command gives bitwise the same weights.
    FLAGS = ("--config.num_examples=2048", "--config.batch_size=64", f"--config.epochs={EPOCHS}",
             "--config.deterministic")

    @pytest.mark.parametrize("conditional", [False, True], ids=["unconditional", "conditional"])
    def test_sigkill_mid_run_then_rerun_resumes_and_finishes(self, tmp_path, diverging_launcher, conditional):
        # The kill point: after 1..4 training calls of an epoch (mid-epoch), or at its end before
        # its backup (0), in any epoch after the first backup. Seeded, so a failure replays.
        rng = random.Random(SEED)
        kill_epoch, kill_calls = rng.randrange(1, self.EPOCHS), rng.randrange(0, self.CALLS + 1)
        where = "at its end before its backup" if kill_calls == 0 else f"after training call {kill_calls}"
        replay = f"[replay: KERAS_GAN_TEST_SEED={SEED}; killed in epoch {kill_epoch + 1} {where}]"
        print(replay)
        output, reference_output = tmp_path / "run", tmp_path / "reference"
        flags = (*self.FLAGS, f"--config.conditional={conditional}")
        command = _toy_command(output, *flags)
        # The same command uninterrupted, alongside: the resumed run must end exactly like it.
        reference_command = _toy_command(reference_output, *flags)
        reference = processes.start(reference_command)
        try:
            killer = REPO / "tests" / "scripts" / "faults_killed_toy.py"
            killed = processes.run_python(
                killer, f"--kill_epoch={kill_epoch}", f"--kill_after_calls={kill_calls}", *command[3:]
            )
            assert killed.returncode == -signal.SIGKILL, f"{replay} {killed.stderr[-3000:]}"
            assert not (output / "metrics.json").exists(), replay
            backups = output / "backup"
            assert checkpoints.latest_backup_epoch(backups) == kill_epoch, replay
            # Killed at the end of an epoch, CSVLogger had logged it: the rerun must drop that row.
            logged = kill_epoch + (kill_calls == 0)
            assert _history_epochs(output / "history.csv") == list(range(logged)), replay

            rerun = processes.run(command)
            assert rerun.returncode == 0, f"{replay} {rerun.stderr[-3000:]}"
            reference_result = processes.finish(reference, reference_command)
            assert reference_result.returncode == 0, f"{replay} {reference_result.stderr[-3000:]}"
        finally:
            processes.kill_group(reference)
        # Resumed after the last backup: only the interrupted epoch is redone.
        trained = [line for line in rerun.stdout.splitlines() if line.startswith("Epoch ")]
        expected = [f"Epoch {epoch}/{self.EPOCHS}" for epoch in range(kill_epoch + 1, self.EPOCHS + 1)]
        assert trained == expected, replay
        assert _history_epochs(output / "history.csv") == list(range(self.EPOCHS)), replay
        assert json.loads((output / "metrics.json").read_text())["epochs"] == self.EPOCHS, replay
        gan = keras.saving.load_model(output / "gan.keras")
        # Both optimizers and the noise generator continued, not restarted.
        steps = self.EPOCHS * self.STEPS_PER_EPOCH
        assert _iterations(gan.d_optimizer) == _iterations(gan.g_optimizer) == steps, replay
        last_backup = Path("backup") / f"epoch_{self.EPOCHS:04d}" / "state.json"
        state = json.loads((output / last_backup).read_text())
        # Per step (k = 1): two noise draws, and two of the fakes' labels if conditional.
        assert state["random_states"] == [[0, steps * (4 if conditional else 2)]], replay

        # What users care about: the same weights as the run never killed, bit for bit (same
        # machine, op determinism): generator, discriminator, EMA generator, both optimizers'
        # state, the noise generator, and every epoch's logged losses.
        uninterrupted = keras.saving.load_model(reference_output / "gan.keras")
        _assert_same_values(_values(gan.weights), _values(uninterrupted.weights), replay)
        for name in ("d_optimizer", "g_optimizer"):
            _assert_same_values(_optimizer_values(getattr(gan, name)),
                                _optimizer_values(getattr(uninterrupted, name)), f"{name} {replay}")
        assert state == json.loads((reference_output / last_backup).read_text()), replay
        assert (output / "history.csv").read_text() == (reference_output / "history.csv").read_text(), replay
        digest = [line for line in rerun.stdout.splitlines() if line.startswith("weights_sha256:")]
        assert digest and digest == [line for line in reference_result.stdout.splitlines()
                                     if line.startswith("weights_sha256:")], replay


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    """One 2-epoch run with both checkpoint callbacks, and what it looked like after each epoch."""
    root = tmp_path_factory.mktemp("two_epochs")
    gan = _gan()
    after = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: after.append(
            {"weights": [w.numpy() for w in gan.weights], "seed_state": _seed_state(gan)}
        )
    )
    callbacks = [keras_gan.callbacks.ModelCheckpoint(root / "checkpoints"), keras_gan.callbacks.BackupAndRestore(root / "backup"),
                 record]
    gan.fit(_data(), epochs=2, callbacks=callbacks, verbose=0)
    return root, after


def _copy(two_epochs, name, tmp_path):
    shutil.copytree(two_epochs[0] / name, tmp_path / name)
    return tmp_path / name


class TestBackupAndRestore:
    def test_resume_continues_both_optimizers_and_the_noise(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "backup", tmp_path)
        resumed = _gan(seed=5)  # Other initial weights: all must come from the backup.
        backup = keras_gan.callbacks.BackupAndRestore(directory, keep=2)
        history = resumed.fit(_data(), epochs=3, callbacks=[backup], verbose=0)
        assert backup.restored_epoch == 2
        assert len(history.history["d_loss"]) == 1  # only the third epoch
        assert _iterations(resumed.d_optimizer) == _iterations(resumed.g_optimizer) == 3 * STEPS
        seed, draws = two_epochs[1][-1]["seed_state"]
        assert _seed_state(resumed) == [seed, draws + 2 * STEPS]  # two draws per step
        # The newest `keep` backups remain, each a complete directory.
        assert sorted(os.listdir(directory)) == ["epoch_0002", "epoch_0003"]
        assert sorted(os.listdir(directory / "epoch_0003")) == ["model.weights.h5", "state.json"]

    def test_restores_weights_and_noise_state_exactly(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "backup", tmp_path)
        resumed = _gan(seed=5)
        resumed.fit(_data(), epochs=2, callbacks=[keras_gan.callbacks.BackupAndRestore(directory)], verbose=0)
        assert len(resumed.weights) == len(two_epochs[1][-1]["weights"])
        for got, expected in zip(resumed.weights, two_epochs[1][-1]["weights"]):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(got.value), expected)
        assert _seed_state(resumed) == two_epochs[1][-1]["seed_state"]

    def test_resume_trains_on_the_data_orders_of_the_uninterrupted_run(self, tmp_path, op_determinism):
        uninterrupted = _gan()
        uninterrupted.fit(_shuffled_data(), epochs=3, verbose=0)
        first = _gan()
        data = _shuffled_data()
        first.fit(data, epochs=1, callbacks=[keras_gan.callbacks.BackupAndRestore(tmp_path / "a", dataset=data)], verbose=0)
        shutil.copytree(tmp_path / "a", tmp_path / "b")
        resumed = _gan(seed=5)  # Other initial weights: all must come from the backup.
        data = _shuffled_data()
        resumed.fit(data, epochs=3, callbacks=[keras_gan.callbacks.BackupAndRestore(tmp_path / "a", dataset=data)], verbose=0)
        _assert_same_values(_values(resumed.weights), _values(uninterrupted.weights), "weights")
        for name in ("d_optimizer", "g_optimizer"):
            _assert_same_values(_optimizer_values(getattr(resumed, name)),
                                _optimizer_values(getattr(uninterrupted, name)), name)
        # Without the dataset, epochs 2 and 3 train on the orders of epochs 1 and 2: the
        # comparison above does see the data order.
        blind = _gan(seed=5)
        blind.fit(_shuffled_data(), epochs=3, callbacks=[keras_gan.callbacks.BackupAndRestore(tmp_path / "b")], verbose=0)
        pairs = zip(_values(blind.weights), _values(uninterrupted.weights))
        assert any(not np.array_equal(got, expected) for (_, got), (_, expected) in pairs)

    def test_damaged_newest_backup_falls_back_to_the_previous_one(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "backup", tmp_path)
        weights = directory / "epoch_0002" / "model.weights.h5"
        weights.write_bytes(weights.read_bytes()[:200])  # A write cut short.
        (directory / ".partial-999").mkdir()  # What a kill during a save leaves.
        resumed = _gan()
        backup = keras_gan.callbacks.BackupAndRestore(directory)
        with pytest.warns(UserWarning, match="Skipping the unreadable backup"):
            history = resumed.fit(_data(), epochs=2, callbacks=[backup], verbose=0)
        assert backup.restored_epoch == 1
        # One epoch trained after the restored one: a fresh start would also end at 2 * STEPS.
        assert len(history.history["d_loss"]) == 1
        assert _iterations(resumed.d_optimizer) == 2 * STEPS
        assert not (directory / ".partial-999").exists()  # Cleaned by the next save.

    def test_no_loadable_backup_is_an_error_not_a_fresh_start(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "backup", tmp_path)
        for name in ("epoch_0001", "epoch_0002"):
            (directory / name / "state.json").write_text("{trunc")
        with pytest.warns(UserWarning), pytest.raises(ValueError, match="No backup in .* loads"):
            _gan().fit(_data(), epochs=3, callbacks=[keras_gan.callbacks.BackupAndRestore(directory)], verbose=0)

    def test_partial_backup_is_invisible(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "backup", tmp_path)
        (directory / ".partial-999").mkdir()  # A save killed before its rename.
        (directory / ".partial-999" / "state.json").write_text('{"epoch": 9}')
        (directory / "epoch_0003").mkdir()  # Without its files it is no backup.
        assert checkpoints.latest_backup_epoch(directory) == 2
        backup = keras_gan.callbacks.BackupAndRestore(directory)
        _gan().fit(_data(), epochs=2, callbacks=[backup], verbose=0)
        assert backup.restored_epoch == 2


class TestModelCheckpoint:
    def test_keeps_last_and_previous(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "checkpoints", tmp_path)
        assert sorted(os.listdir(directory)) == ["last.keras", "previous.keras"]
        assert _iterations(checkpoints.load_latest(directory).d_optimizer) == 2 * STEPS

    @pytest.mark.parametrize("damage", ["truncate", "corrupt", "empty"])
    def test_damaged_newest_file_loads_the_previous_one(self, two_epochs, tmp_path, damage):
        directory = _copy(two_epochs, "checkpoints", tmp_path)
        last = directory / "last.keras"
        content = last.read_bytes()
        if damage == "truncate":
            last.write_bytes(content[: len(content) // 2])
        elif damage == "corrupt":
            middle = len(content) // 2
            flipped = bytes(255 - b for b in content[middle : middle + 64])
            last.write_bytes(content[:middle] + flipped + content[middle + 64 :])
        else:
            last.write_bytes(b"")
        with pytest.warns(UserWarning, match="truncated or corrupt"):
            gan = checkpoints.load_latest(directory)
        assert _iterations(gan.d_optimizer) == STEPS  # previous.keras: after epoch 1

    def test_loading_a_damaged_file_is_a_clear_error(self, two_epochs, tmp_path):
        last = _copy(two_epochs, "checkpoints", tmp_path) / "last.keras"
        last.write_bytes(last.read_bytes()[:1000])
        with pytest.raises(ValueError, match=r"last\.keras is truncated or corrupt"):
            checkpoints.load_checkpoint(last)

    def test_every_file_damaged_is_an_error(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "checkpoints", tmp_path)
        for name in ("last.keras", "previous.keras"):
            (directory / name).write_bytes(b"PK\x03\x04 not a zip")
        with pytest.warns(UserWarning), pytest.raises(ValueError, match="No intact checkpoint"):
            checkpoints.load_latest(directory)

    def test_partial_save_is_ignored_then_cleaned(self, two_epochs, tmp_path):
        directory = _copy(two_epochs, "checkpoints", tmp_path)
        partial = directory / ".partial-999.keras"
        partial.write_bytes(b"half a file")  # The newest file: a save killed midway.
        assert _iterations(checkpoints.load_latest(directory).d_optimizer) == 2 * STEPS
        callback = keras_gan.callbacks.ModelCheckpoint(directory)
        callback.set_model(_gan())
        callback.on_epoch_end(2)
        assert sorted(os.listdir(directory)) == ["last.keras", "previous.keras"]
        assert _iterations(checkpoints.load_latest(directory).d_optimizer) == 0  # the new save
        assert _iterations(checkpoints.load_checkpoint(directory / "previous.keras").d_optimizer) == 2 * STEPS


class TestNonFiniteGuard:
    def test_nan_data_stops_at_once_and_keeps_the_last_good_checkpoint(self, tmp_path):
        poison = tf.Variable(0.0)
        gan = _gan()
        good = {}
        callbacks = train.run_callbacks(str(tmp_path)) + [
            keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: good.setdefault("weights", [w.numpy() for w in gan.weights]),
                on_epoch_begin=lambda epoch, logs: poison.assign(np.nan if epoch == 1 else 0.0),
            )
        ]
        assert isinstance(callbacks[0], NonFiniteGuard)
        with pytest.raises(NonFiniteLossError) as raised:
            gan.fit(_data(poison), epochs=3, callbacks=callbacks, verbose=0)
        error = raised.value
        assert (error.epoch, error.batch, error.step) == (1, 0, STEPS + 1)
        assert error.name in ("d_loss", "g_loss", "d_real", "d_fake", "value")
        assert "epoch 2, batch 1" in str(error) and "learning rate" in str(error)
        # No on_epoch_end callback ran on the diverged epoch.
        assert sorted(os.listdir(tmp_path / "backup")) == ["epoch_0001"]
        assert _history_epochs(tmp_path / "history.csv") == [0]
        kept = checkpoints.load_latest(tmp_path / "checkpoints")
        for got, expected in zip(kept.weights, good["weights"]):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(got.value), expected)

    def test_non_finite_weights_at_the_end_of_an_epoch_raise(self):
        gan = _gan()

        def break_last_step(batch, logs):
            if batch == STEPS - 1:
                gan.generator.weights[0].assign(np.full(gan.generator.weights[0].shape, np.inf))

        spoiler = keras.callbacks.LambdaCallback(on_train_batch_end=break_last_step)
        with pytest.raises(NonFiniteLossError, match="weight .*=inf at epoch 1"):
            gan.fit(_data(), epochs=1, callbacks=[NonFiniteGuard(), spoiler], verbose=0)

    def test_invalid_monitor(self):
        with pytest.raises(ValueError, match="Received: monitor='d_loss'"):
            NonFiniteGuard(monitor="d_loss")

    def test_launcher_prints_one_line_and_exits_1(self, diverging_launcher):
        process, command, output = diverging_launcher
        result = processes.finish(process, command)
        stderr = result.stderr
        assert result.returncode == 1
        assert "Traceback" not in stderr
        last_line = stderr.strip().splitlines()[-1]
        assert last_line.startswith("error: Training diverged: ")
        assert "--config.learning_rate" in last_line and "--config.r1_weight" in last_line
        assert not (output / "checkpoints").exists() and not (output / "backup").exists()
