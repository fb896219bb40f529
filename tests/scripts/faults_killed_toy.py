"""The toy launcher, killed with SIGKILL by itself at a chosen point of training.

Run by tests/test_faults.py to interrupt a run at a reproducible moment (a kill
sent from outside at a wall-clock time lands somewhere else on every run):

    python tests/scripts/faults_killed_toy.py --kill_epoch=2 --kill_after_calls=1 \\
        --output_dir=OUTPUT [--config.NAME=VALUE settings of experiments.toy]

The launcher is `experiments.toy` unchanged but for one callback, placed just
before the backup callback:

- `--kill_epoch`: the epoch to die in, counted from 0 as Keras does.
- `--kill_after_calls=N`, N >= 1: right after the N-th call of the training
  function in that epoch (each call runs `steps_per_execution` steps), i.e.
  mid-epoch; N = 0: at the end of that epoch after every other callback but
  the backup, so `history.csv` has the epoch's row and no backup holds it.

If the epoch has fewer calls than N, the script exits with an error instead.
"""

import os
import signal
import sys

import keras
from absl import flags

from experiments import launch
from experiments import train
import keras_gan

_KILL_EPOCH = flags.DEFINE_integer("kill_epoch", None, "Epoch (from 0) to die in.", lower_bound=0)
_KILL_AFTER_CALLS = flags.DEFINE_integer(
    "kill_after_calls", None, "Die after this many training calls of the epoch (0: at its end).", lower_bound=0
)
flags.mark_flags_as_required(["kill_epoch", "kill_after_calls"])


def _die():
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class SigkillAt(keras.callbacks.Callback):
    """Kills its own process with SIGKILL at one point of training."""

    def __init__(self, epoch, calls):
        super().__init__()
        self.epoch = epoch
        self.calls = calls
        self._current_epoch = None
        self._calls_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._calls_seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._calls_seen += 1
        if self._current_epoch == self.epoch and self._calls_seen == self.calls:
            _die()

    def on_epoch_end(self, epoch, logs=None):
        if epoch != self.epoch:
            return
        if self.calls == 0:
            _die()
        raise RuntimeError(
            f"Epoch {epoch} made {self._calls_seen} training calls, fewer than "
            f"--kill_after_calls={self.calls}: the process was not killed."
        )


_launcher_callbacks = train.run_callbacks


def _callbacks_with_kill(*args, **kwargs):
    callbacks = _launcher_callbacks(*args, **kwargs)
    if not isinstance(callbacks[-1], keras_gan.callbacks.BackupAndRestore):
        raise RuntimeError(f"Expected the backup callback last. Received: {callbacks}.")
    return [*callbacks[:-1], SigkillAt(_KILL_EPOCH.value, _KILL_AFTER_CALLS.value), callbacks[-1]]


if __name__ == "__main__":
    train.run_callbacks = _callbacks_with_kill  # `train_and_evaluate` calls it through the module.
    launch.run("toy_ring.py")
