"""Subprocesses for the tests: one deadline rule, and no process left behind.

Tests that start TensorFlow in another process (launchers, workers, exports)
bound it by a deadline so that a hang fails instead of blocking the suite
(pytest has no timeout of its own here). The deadline is generous, since 2
shared cores can be slow, and scales with `KERAS_GAN_TEST_TIMEOUT_SCALE` on
a slower machine; it is capped, so a hang still fails. Each process runs in a
session of its own, and the whole group is killed at the deadline.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_SCALE_VARIABLE = "KERAS_GAN_TEST_TIMEOUT_SCALE"
# A process that takes ~10-60 s on 2 quiet cores gets ten times that and more.
DEFAULT_TIMEOUT_SECONDS = 600
_MAX_TIMEOUT_SECONDS = 3600


def timeout_scale():
    """The factor of every deadline, from `KERAS_GAN_TEST_TIMEOUT_SCALE` (default 1)."""
    raw = os.environ.get(TIMEOUT_SCALE_VARIABLE, "1")
    try:
        scale = float(raw)
    except ValueError:
        scale = float("nan")
    if not 0 < scale < float("inf"):
        raise ValueError(
            f"Invalid {TIMEOUT_SCALE_VARIABLE}. Received: {raw!r}. Expected a positive number."
        )
    return scale


def timeout(seconds=DEFAULT_TIMEOUT_SECONDS):
    """A deadline in seconds: `seconds` times the scale, capped at an hour."""
    return min(seconds * timeout_scale(), _MAX_TIMEOUT_SECONDS)


def environment(**variables):
    """This process's environment with the repository importable, TF's logs quiet, no TF_CONFIG."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env.pop("TF_CONFIG", None)
    env.update(variables)
    return env


def start(command, env=None, cwd=REPO, **kwargs):
    """`subprocess.Popen` in a new session, with text pipes for stdout and stderr."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=environment() if env is None else env,
        stdout=kwargs.pop("stdout", subprocess.PIPE),
        stderr=kwargs.pop("stderr", subprocess.PIPE),
        text=True,
        start_new_session=True,
        **kwargs,
    )


def kill_group(process):
    """Kills `process` and everything it started; safe if it has already exited."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def finish(process, command, deadline=None):
    """Waits for a started process; at the deadline kills its group and fails the test.

    Returns:
        A `subprocess.CompletedProcess` with the process's text output.
    """
    deadline = timeout() if deadline is None else deadline
    try:
        stdout, stderr = process.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        kill_group(process)
        _, stderr = process.communicate()
        pytest.fail(
            f"{' '.join(map(str, command[:3]))} still running after {deadline:.0f} s; killed "
            f"(on a slow machine raise {TIMEOUT_SCALE_VARIABLE}). Its stderr ends:\n{stderr[-3000:]}"
        )
    finally:
        kill_group(process)  # e.g. on KeyboardInterrupt
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def run(command, env=None, cwd=REPO, deadline=None):
    """Runs `command` to the end within the deadline (see `finish`)."""
    return finish(start(command, env=env, cwd=cwd), command, deadline)


def run_python(*args, env=None, cwd=REPO, deadline=None):
    """Runs this Python with `args`, e.g. `run_python("-m", "experiments.toy", ...)`."""
    return run([sys.executable, *map(str, args)], env=env, cwd=cwd, deadline=deadline)


def run_for_result(script):
    """Runs a Python script that prints `RESULT <json>` last; returns the JSON, or fails the test."""
    result = run([sys.executable, str(script)])
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode or not lines:
        pytest.fail(f"{Path(script).name} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])
