"""MultiWorkerMirroredStrategy: two worker processes on 127.0.0.1 run the toy launcher.

One module-scoped fixture starts, at once, the two workers of a multi-worker
run, a single-process reference run with the same global batch, and the two
workers of a noise probe; every process runs in its own process group, bounded
by one deadline, and the groups still running are killed in `finally`. The
tests then read what they left.

The reference is one process with two replicas (MirroredStrategy over two
logical CPUs), the same global batch and the same Keras code path (under a
strategy Keras takes one batch before training, which advances a reshuffling
dataset's order: a default-strategy run would see another order).

Ports: the workers' addresses must be known before they start, so this process
picks them, and it holds them until the workers have exited (`_held_ports`):
a port closed and handed on could be taken by any process in between.
"""

import contextlib
import errno
import json
import socket
import subprocess
import sys
import time
import keras
import numpy as np
import pytest

import keras_gan  # noqa: F401  (registers GAN for keras.saving.load_model)
import processes

REPO = processes.REPO
# The five processes take ~100 s together on 2 quiet cores (deadline: tests/processes.py).
# 256 examples in global batches of 64: 4 steps; SGD keeps rounding differences small.
TOY_FLAGS = [
    "--config.num_examples=256",
    "--config.batch_size=64",
    "--config.epochs=1",
    "--config.optimizer=sgd",
    "--config.learning_rate=0.01",
    "--config.verbose=2",
]
STEPS = 4


@contextlib.contextmanager
def _held_ports(count):
    """Yields `count` free ports of 127.0.0.1, held until the block exits.

    Each port is bound here with SO_REUSEPORT and never listened on, so the
    kernel routes no connection to it. TensorFlow's gRPC server binds with
    SO_REUSEPORT only when TF_GRPC_REUSE_PORT is true (set in `_environment`),
    and then shares the port; a process that does not ask for SO_REUSEPORT, or
    runs as another user, gets EADDRINUSE; bind(port 0) never hands out a port
    that is bound; connect() skips it for its ephemeral port. So nothing else
    can take a port between this choice and the workers' bind.
    """
    sockets = []
    try:
        for _ in range(count):
            sockets.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sockets[-1].setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sockets[-1].bind(("127.0.0.1", 0))
        yield [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _tf_config(ports, index):
    workers = [f"127.0.0.1:{port}" for port in ports]
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def _environment(tf_config=None):
    if not tf_config:
        return processes.environment()
    # TF_GRPC_REUSE_PORT: the worker's server binds the port that `_held_ports` holds.
    return processes.environment(TF_CONFIG=tf_config, TF_GRPC_REUSE_PORT="1")


def _wait(running, peers, deadline):
    """Waits for all `running` processes; returns why any were killed ({name: reason})."""
    killed = {}
    while any(p.poll() is None for p in running.values()):
        if time.monotonic() > deadline:
            for name, process in running.items():
                if process.poll() is None:
                    killed[name] = "still running at the deadline (tests/processes.py)"
                    processes.kill_group(process)
            break
        for name, process in running.items():
            # A worker whose peer failed would wait for it until the deadline.
            if process.poll() is None and any(running[p].returncode not in (None, 0) for p in peers[name]):
                killed[name] = f"killed: its peer {peers[name]} failed"
                processes.kill_group(process)
        time.sleep(0.5)
    return killed


@pytest.fixture(scope="module", params=[False, True], ids=["unconditional", "conditional"])
def runs(tmp_path_factory, request):
    # The conditional toy model: each ring mode is a class, and labels travel with examples.
    toy_flags = [*TOY_FLAGS, f"--config.conditional={request.param}"]
    root = tmp_path_factory.mktemp("multi_worker")
    commands, peers = {}, {}
    running, logs = {}, {}
    with _held_ports(4) as ports:
        launcher_ports, noise_ports = ports[:2], ports[2:]
        for index in (0, 1):
            commands[f"worker{index}"] = (
                [sys.executable, "-m", "experiments.toy", *toy_flags, "--config.strategy=multi_worker",
                 f"--output_dir={root / f'worker{index}'}"],
                _tf_config(launcher_ports, index),
            )
            commands[f"noise{index}"] = (
                [sys.executable, str(REPO / "tests" / "scripts" / "multi_worker_noise.py"),
                 str(root / f"noise{index}.npz")],
                _tf_config(noise_ports, index),
            )
            peers[f"worker{index}"] = [f"worker{1 - index}"]
            peers[f"noise{index}"] = [f"noise{1 - index}"]
        commands["reference"] = (
            [sys.executable, "-m", "experiments.toy", *toy_flags, "--config.strategy=mirrored",
             "--config.logical_cpus=2", f"--output_dir={root / 'reference'}"],
            None,
        )
        peers["reference"] = []
        try:
            for name, (command, tf_config) in commands.items():
                logs[name] = open(root / f"{name}.log", "w+")
                running[name] = processes.start(
                    command, env=_environment(tf_config), stdout=logs[name], stderr=subprocess.STDOUT
                )
            killed = _wait(running, peers, time.monotonic() + processes.timeout())
        finally:
            for process in running.values():
                processes.kill_group(process)
            for log in logs.values():
                log.close()
    outputs = {name: (root / f"{name}.log").read_text() for name in commands}
    for name, reason in killed.items():
        outputs[name] += f"\n[test_multi_worker: {name} {reason}]"
    return root, {name: p.returncode for name, p in running.items()}, outputs


def _weights(path):
    gan = keras.saving.load_model(path)
    return [(w.path, keras.ops.convert_to_numpy(w.value)) for w in gan.weights]


def _stdout_value(output, key):
    lines = [line for line in output.splitlines() if line.startswith(f"{key}: ")]
    assert lines, f"no '{key}:' line in the output:\n{output[-3000:]}"
    return lines[-1].split(": ", 1)[1]


class TestHeldPorts:
    def test_a_plain_bind_fails_while_held(self):
        with _held_ports(1) as (port,):
            for address in ("127.0.0.1", "0.0.0.0"):
                with socket.socket() as other, pytest.raises(OSError) as error:
                    other.bind((address, port))
                assert error.value.errno == errno.EADDRINUSE

    def test_ports_are_distinct(self):
        with _held_ports(4) as ports:
            assert len(set(ports)) == 4


class TestMultiWorkerLauncher:
    def test_every_process_succeeds(self, runs):
        _, returncodes, outputs = runs
        for name, code in returncodes.items():
            assert code == 0, f"{name} exited with {code}:\n{outputs[name][-3000:]}"

    def test_workers_end_with_identical_weights(self, runs):
        # Bitwise, legitimately: both workers run the same graph, the all-reduce hands
        # both the same summed gradients, and every later op on the weights is elementwise.
        _, _, outputs = runs
        digests = [_stdout_value(outputs[f"worker{i}"], "weights_sha256") for i in (0, 1)]
        assert digests[0] == digests[1]

    def test_only_the_chief_writes_files(self, runs):
        root, _, _ = runs
        chief = root / "worker0"
        for name in ("config.py", "history.csv", "metrics.json", "gan.keras", "generator.keras",
                     "samples.png", "checkpoints/last.keras", "backup/epoch_0001/model.weights.h5"):
            assert (chief / name).is_file(), name
        other = root / "worker1"
        written = [str(p) for p in other.rglob("*")] if other.exists() else []
        assert written == []

    def test_trains_two_replicas(self, runs):
        root, _, _ = runs
        for run in ("worker0", "reference"):
            assert json.loads((root / run / "metrics.json").read_text())["num_replicas"] == 2

    def test_equals_single_process_run_with_same_global_batch(self, runs):
        root, _, _ = runs
        multi_worker = _weights(root / "worker0" / "gan.keras")
        single_process = _weights(root / "reference" / "gan.keras")
        assert [path for path, _ in multi_worker] == [path for path, _ in single_process]
        floats = [(a, b) for (_, a), (_, b) in zip(multi_worker, single_process) if a.dtype.kind == "f"]
        assert floats and all(a.dtype == np.float32 for a, _ in floats)
        # Each step's update can round to the neighbouring float32 when the two
        # processes' kernels sum a gradient in another order: at most one ulp of
        # the largest weight per step, carried on by the later steps (and the EMA).
        scale = max(float(np.abs(b).max()) for _, b in floats)
        bound = STEPS * float(np.spacing(np.float32(scale)))
        difference = max(float(np.abs(a - b).max()) for a, b in floats)
        assert difference <= bound, f"max |difference| {difference:.3g} > {bound:.3g}"
        for (path, a), (_, b) in zip(multi_worker, single_process):
            if a.dtype.kind != "f":
                np.testing.assert_array_equal(a, b, err_msg=path)  # counters, seeds
        # Both trained: STEPS steps of 64 examples, not two untouched models.
        for run in ("worker0", "reference"):
            gan = keras.saving.load_model(root / run / "gan.keras")
            assert int(keras.ops.convert_to_numpy(gan.d_optimizer.iterations.value)) == STEPS


class TestMultiWorkerNoise:
    def test_each_worker_draws_its_own_share_of_the_step_noise(self, runs):
        root, returncodes, outputs = runs
        for name in ("noise0", "noise1"):
            assert returncodes[name] == 0, f"{name} exited with {returncodes[name]}:\n{outputs[name][-3000:]}"
        shares = [np.load(root / f"noise{i}.npz") for i in (0, 1)]
        local = [share["local"] for share in shares]
        assert local[0].shape == local[1].shape == (4, 3)
        # No two workers generate from the same noise vector.
        assert not np.any(np.isclose(local[0][:, None, :], local[1][None, :, :]).all(axis=-1))
        # Together the two shares are exactly the noise one device would draw. Bitwise,
        # legitimately: the same counter-based random op, same shape and seed, and no
        # reduction, so no summation order can differ between the graph and eager draw.
        np.testing.assert_array_equal(np.concatenate(local), shares[0]["single_device"])
        np.testing.assert_array_equal(shares[0]["single_device"], shares[1]["single_device"])
