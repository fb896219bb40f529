"""`BackupAndRestore`: the training state every epoch, and resuming from it."""

import json
import os
import shutil
import warnings
import zipfile

import keras
import numpy as np

from keras_gan import checkpoints

# What a truncated or corrupted `.keras` or `.h5` file raises when loaded.
_BROKEN_FILE_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
# Shuffle orders Keras 3's `fit` (without `steps_per_epoch`) draws from a dataset
# per epoch: each `iter()` of a reshuffling `tf.data` dataset draws the next order,
# and `fit` makes an iterator at the start of every epoch and another after its
# last batch, which the next epoch's replaces unused. Epoch e trains on order 2e - 1.
_ORDERS_PER_EPOCH = 2


class BackupAndRestore(keras.callbacks.Callback):
    """Backs up the training state every epoch; a rerun of `fit` resumes from it.

    What `keras.callbacks.BackupAndRestore` does, made crash-safe and complete:

    - Each backup is a directory `epoch_NNNN` (N epochs done) holding
      `model.weights.h5` (all weights and every optimizer's state, including
      a `keras_gan.GAN`'s two optimizers) and `state.json` (the epoch and the
      state of the model's random generators, which `save_weights` leaves
      out: without it a resumed GAN would replay the first epochs' noise).
      It is written under a hidden name and renamed into place, so a backup
      directory is always complete. The newest `keep` backups are kept.
    - On `on_train_begin` the newest backup that loads is restored and `fit`
      continues after its epoch; a backup that fails to load is skipped with
      a warning.
    - Given the `dataset` that `fit` trains on, a resumed run also trains
      on the same example orders: a `tf.data` dataset that reshuffles every
      epoch (`keras_gan.data.training_pipeline`) draws its next order at
      every `iter()`, so a new process would start again from the first
      epoch's order. On restoring N epochs, the orders `fit` drew for them
      are drawn and dropped. With the same seeds and
      `tf.config.experimental.enable_op_determinism()`, a run resumed after
      a kill then ends with the same weights as the run uninterrupted.
      This counts the orders of `fit` without `steps_per_epoch`.
    - In a multi-worker run every worker must save (see
      `keras_gan.distribute.writable_directory`): workers other than the
      chief restore from the shared `backup_dir` and write to `write_dir`.

    The backups are never deleted at the end, so rerunning a finished run
    trains no further.

    Example:

    ```python
    batches = keras_gan.data.training_pipeline(dataset, batch_size=100, seed=0)
    gan.fit(batches, epochs=10, callbacks=[
        keras_gan.callbacks.BackupAndRestore("runs/mnist/backup", dataset=batches)])
    ```

    Args:
        backup_dir: Directory of the backups.
        write_dir: Optional directory to write to instead of `backup_dir`.
        keep: Positive int, how many of the newest backups to keep.
        dataset: Optional, the dataset object passed to `fit`, when its order
            changes every epoch (see above). `None`: the data order is not
            restored.
    """

    def __init__(self, backup_dir, write_dir=None, keep=2, dataset=None):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                f"Invalid value for argument `backup_dir`. Received: backup_dir={backup_dir!r}. "
                "Expected a directory path."
            )
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(
                f"Invalid value for argument `keep`. Received: keep={keep!r}. Expected a positive integer."
            )
        self.backup_dir = backup_dir
        self.write_dir = write_dir or backup_dir
        self.keep = keep
        self.dataset = dataset
        self.restored_epoch = 0

    def on_train_begin(self, logs=None):
        backups = checkpoints.list_backups(self.backup_dir)
        failures = []
        for path, epoch in backups:
            try:
                self._restore(path)
            except _BROKEN_FILE_ERRORS as error:
                failures.append(f"{path}: {type(error).__name__}: {error}")
                warnings.warn(f"Skipping the unreadable backup {failures[-1]}.", stacklevel=2)
                continue
            self.restored_epoch = epoch
            # How keras.callbacks.BackupAndRestore resumes: `fit` starts here.
            self.model._initial_epoch = epoch
            if self.dataset is not None:
                # `fit` makes its first iterator after `on_train_begin`.
                for _ in range(_ORDERS_PER_EPOCH * epoch):
                    iter(self.dataset)
            return
        if backups:
            # A failed load may have changed some weights: never train on those.
            raise ValueError(
                f"No backup in {self.backup_dir} loads. Received: {'; '.join(failures)}. "
                "Expected backups of this model; delete the directory to start over."
            )

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.write_dir, exist_ok=True)
        checkpoints.remove_partial_files(self.write_dir)
        temporary = os.path.join(self.write_dir, f"{checkpoints.PARTIAL_PREFIX}{os.getpid()}")
        os.makedirs(temporary)
        self.model.save_weights(os.path.join(temporary, checkpoints.BACKUP_WEIGHTS))
        state = {
            "epoch": epoch + 1,
            "random_states": [_to_list(v) for v in _random_states(self.model)],
        }
        with open(os.path.join(temporary, checkpoints.BACKUP_STATE), "w", encoding="utf-8") as file:
            json.dump(state, file)
        destination = os.path.join(self.write_dir, f"{checkpoints.BACKUP_PREFIX}{epoch + 1:04d}")
        if os.path.exists(destination):
            shutil.rmtree(destination)  # Left by a run resumed from an older backup.
        os.replace(temporary, destination)
        for path, _ in checkpoints.list_backups(self.write_dir)[self.keep :]:
            shutil.rmtree(path, ignore_errors=True)

    def _restore(self, path):
        with open(os.path.join(path, checkpoints.BACKUP_STATE), encoding="utf-8") as file:
            state = json.load(file)
        variables = _random_states(self.model)
        if len(state["random_states"]) != len(variables):
            raise ValueError(
                f"The backup {path} holds {len(state['random_states'])} random generator "
                f"states, but the model has {len(variables)}: it was made by another model."
            )
        self.model.load_weights(os.path.join(path, checkpoints.BACKUP_WEIGHTS))
        for variable, value in zip(variables, state["random_states"]):
            variable.assign(np.asarray(value, dtype=keras.backend.standardize_dtype(variable.dtype)))


def _random_states(model):
    """The model's `SeedGenerator` states, in a fixed order."""
    return [v for v in model.non_trainable_variables if v.name == "seed_generator_state"]


def _to_list(variable):
    return keras.ops.convert_to_numpy(variable.value).tolist()
