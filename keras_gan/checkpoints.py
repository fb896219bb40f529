"""Crash-safe checkpoints: atomic writes, and loaders that skip broken files.

A process killed while saving must never leave a checkpoint that loads as
garbage. Every save here writes a temporary file (or directory) beside its
destination and renames it into place with `os.replace`, which is atomic on
POSIX file systems; the previous checkpoint is kept, so one broken file
(truncated by a full disk, or corrupted later) still leaves a good one.
Temporary names start with a dot and are ignored by the loaders.

- `ModelCheckpoint` keeps `last.keras` and `previous.keras` (whole models).
- `BackupAndRestore` keeps the training state of the last epochs, including
  what `model.save_weights` leaves out: the random generators' state.
- `load_latest` loads the newest `.keras` file of a directory that loads.
"""

import json
import os
import shutil
import warnings
import zipfile

import keras
import numpy as np

_LAST = "last.keras"
_PREVIOUS = "previous.keras"
_BACKUP_PREFIX = "epoch_"
_WEIGHTS = "model.weights.h5"
_STATE = "state.json"
# What a truncated or corrupted `.keras` or `.h5` file raises when loaded.
_BROKEN_FILE_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


class ModelCheckpoint(keras.callbacks.Callback):
    """Saves the whole model to `directory/last.keras` after every epoch, atomically.

    Unlike `keras.callbacks.ModelCheckpoint`, which writes the file in place,
    the model is saved to a hidden temporary file first; then `last.keras`
    becomes `previous.keras` and the new file becomes `last.keras`, both by
    `os.replace`. A kill at any moment leaves at least one complete file.
    `load_latest(directory)` loads the newest one that is intact.

    Example:

    ```python
    gan.fit(dataset, epochs=10, callbacks=[
        keras_gan.checkpoints.ModelCheckpoint("runs/mnist/checkpoints")])
    gan = keras_gan.checkpoints.load_latest("runs/mnist/checkpoints")
    ```

    Args:
        directory: Where `last.keras` and `previous.keras` go; created if missing.
    """

    def __init__(self, directory):
        super().__init__()
        if not directory:
            raise ValueError(
                f"Invalid value for argument `directory`. Received: directory={directory!r}. "
                "Expected a directory path."
            )
        self.directory = directory

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.directory, exist_ok=True)
        _remove_temporaries(self.directory)
        temporary = os.path.join(self.directory, f".partial-{os.getpid()}.keras")
        self.model.save(temporary)
        last = os.path.join(self.directory, _LAST)
        if os.path.exists(last):
            os.replace(last, os.path.join(self.directory, _PREVIOUS))
        os.replace(temporary, last)


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
    - In a multi-worker run every worker must save (see
      `keras_gan.distribute.writable_directory`): workers other than the
      chief restore from the shared `backup_dir` and write to `write_dir`.

    The backups are never deleted at the end, so rerunning a finished run
    trains no further.

    Example:

    ```python
    gan.fit(dataset, epochs=10, callbacks=[
        keras_gan.checkpoints.BackupAndRestore("runs/mnist/backup")])
    ```

    Args:
        backup_dir: Directory of the backups.
        write_dir: Optional directory to write to instead of `backup_dir`.
        keep: Positive int, how many of the newest backups to keep.
    """

    def __init__(self, backup_dir, write_dir=None, keep=2):
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
        self.restored_epoch = 0

    def on_train_begin(self, logs=None):
        backups = _backups(self.backup_dir)
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
            return
        if backups:
            # A failed load may have changed some weights: never train on those.
            raise ValueError(
                f"No backup in {self.backup_dir} loads. Received: {'; '.join(failures)}. "
                "Expected backups of this model; delete the directory to start over."
            )

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.write_dir, exist_ok=True)
        _remove_temporaries(self.write_dir)
        temporary = os.path.join(self.write_dir, f".partial-{os.getpid()}")
        os.makedirs(temporary)
        self.model.save_weights(os.path.join(temporary, _WEIGHTS))
        state = {
            "epoch": epoch + 1,
            "random_states": [_to_list(v) for v in _random_states(self.model)],
        }
        with open(os.path.join(temporary, _STATE), "w", encoding="utf-8") as file:
            json.dump(state, file)
        destination = os.path.join(self.write_dir, f"{_BACKUP_PREFIX}{epoch + 1:04d}")
        if os.path.exists(destination):
            shutil.rmtree(destination)  # Left by a run resumed from an older backup.
        os.replace(temporary, destination)
        for path, _ in _backups(self.write_dir)[self.keep :]:
            shutil.rmtree(path, ignore_errors=True)

    def _restore(self, path):
        with open(os.path.join(path, _STATE), encoding="utf-8") as file:
            state = json.load(file)
        variables = _random_states(self.model)
        if len(state["random_states"]) != len(variables):
            raise ValueError(
                f"The backup {path} holds {len(state['random_states'])} random generator "
                f"states, but the model has {len(variables)}: it was made by another model."
            )
        self.model.load_weights(os.path.join(path, _WEIGHTS))
        for variable, value in zip(variables, state["random_states"]):
            variable.assign(np.asarray(value, dtype=keras.backend.standardize_dtype(variable.dtype)))


def latest_backup_epoch(backup_dir):
    """The number of epochs the newest backup in `backup_dir` holds (0: none).

    Args:
        backup_dir: A `BackupAndRestore` directory.

    Returns:
        An int.
    """
    backups = _backups(backup_dir)
    return backups[0][1] if backups else 0


def load_latest(directory, **kwargs):
    """Loads the newest `.keras` file in `directory` that is intact.

    Files are tried newest first (by modification time); a truncated or
    corrupted one is skipped with a warning naming it. Hidden files (the
    temporaries of an interrupted save) are ignored.

    Example:

    >>> gan = keras_gan.checkpoints.load_latest("runs/mnist/checkpoints")

    Args:
        directory: A directory of `.keras` files, such as the one
            `ModelCheckpoint` writes.
        **kwargs: Arguments of `keras.saving.load_model`, e.g. `safe_mode`.

    Returns:
        The loaded model.

    Raises:
        ValueError: when no file loads (the message names each failure).
    """
    if not os.path.isdir(directory):
        raise ValueError(
            f"No checkpoint directory. Received: directory={directory!r}, which does not "
            "exist. Expected the directory a run wrote its checkpoints to."
        )
    candidates = [
        os.path.join(directory, name)
        for name in os.listdir(directory)
        if name.endswith(".keras") and not name.startswith(".")
    ]
    candidates.sort(key=os.path.getmtime, reverse=True)
    failures = []
    for path in candidates:
        try:
            return load_checkpoint(path, **kwargs)
        except ValueError as error:
            failures.append(str(error))
            warnings.warn(f"{error} Trying an older checkpoint.", stacklevel=2)
    raise ValueError(
        f"No intact checkpoint in {directory}. Received: {len(candidates)} .keras file(s)"
        + (f": {' '.join(failures)}" if failures else ".")
        + " Expected a file written by a finished save; rerun training to write one."
    )


def load_checkpoint(path, **kwargs):
    """Loads one `.keras` file, with a clear error when it is truncated or corrupt.

    Args:
        path: The `.keras` file.
        **kwargs: Arguments of `keras.saving.load_model`.

    Returns:
        The loaded model.

    Raises:
        ValueError: when the file is missing, truncated or corrupt.
    """
    if not os.path.isfile(path):
        raise ValueError(f"No checkpoint file. Received: path={path!r}. Expected an existing .keras file.")
    # Keras reports a truncated zip as "File not found": check the archive first.
    try:
        with zipfile.ZipFile(path) as archive:
            broken_member = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        broken_member = f"({type(error).__name__}: {error})"
    if broken_member is not None:
        raise ValueError(
            f"The checkpoint {path} is truncated or corrupt: bad zip member {broken_member}. "
            "Expected a complete .keras file; load an older checkpoint or rerun training."
        )
    # Every member passed its CRC check: other errors are not damage, let them speak.
    return keras.saving.load_model(path, **kwargs)


def _backups(directory):
    """`[(path, epochs_done)]` of the complete backups, newest first."""
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        path, suffix = os.path.join(directory, name), name[len(_BACKUP_PREFIX) :]
        complete = all(os.path.isfile(os.path.join(path, part)) for part in (_WEIGHTS, _STATE))
        if name.startswith(_BACKUP_PREFIX) and suffix.isdigit() and complete:
            found.append((path, int(suffix)))
    return sorted(found, key=lambda item: item[1], reverse=True)


def _random_states(model):
    """The model's `SeedGenerator` states, in a fixed order."""
    return [v for v in model.non_trainable_variables if v.name == "seed_generator_state"]


def _to_list(variable):
    return keras.ops.convert_to_numpy(variable.value).tolist()


def _remove_temporaries(directory):
    for name in os.listdir(directory):
        if name.startswith(".partial-"):
            path = os.path.join(directory, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
