"""Crash-safe checkpoint files: their layout, and loaders that skip broken files.

A process killed while saving must never leave a checkpoint that loads as
garbage. The callbacks that write them (`keras_gan.callbacks.ModelCheckpoint`
and `keras_gan.callbacks.BackupAndRestore`) write a temporary file (or
directory) beside its destination, named `.partial-*` and ignored by the
loaders, and rename it into place with `os.replace`, which is atomic on
POSIX file systems; the previous checkpoint is kept, so one broken file
(truncated by a full disk, or corrupted later) still leaves a good one.

- `load_latest` loads the newest `.keras` file of a directory that loads
  (`ModelCheckpoint` keeps `last.keras` and `previous.keras`).
- `latest_backup_epoch` reads how far the backups of `BackupAndRestore` go:
  directories `epoch_NNNN` holding `model.weights.h5` and `state.json`
  (`list_backups` lists them).
"""

import os
import shutil
import warnings
import zipfile

import keras

# The layout of a `BackupAndRestore` directory.
BACKUP_PREFIX = "epoch_"
BACKUP_WEIGHTS = "model.weights.h5"
BACKUP_STATE = "state.json"
# The prefix of the temporaries of an unfinished save.
PARTIAL_PREFIX = ".partial-"


def latest_backup_epoch(backup_dir):
    """The number of epochs the newest backup in `backup_dir` holds (0: none).

    Args:
        backup_dir: A `keras_gan.callbacks.BackupAndRestore` directory.

    Returns:
        An int.
    """
    backups = list_backups(backup_dir)
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
            `keras_gan.callbacks.ModelCheckpoint` writes.
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


def list_backups(directory):
    """`[(path, epochs_done)]` of the complete backups in `directory`, newest first."""
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        path, suffix = os.path.join(directory, name), name[len(BACKUP_PREFIX) :]
        parts = (BACKUP_WEIGHTS, BACKUP_STATE)
        complete = all(os.path.isfile(os.path.join(path, part)) for part in parts)
        if name.startswith(BACKUP_PREFIX) and suffix.isdigit() and complete:
            found.append((path, int(suffix)))
    return sorted(found, key=lambda item: item[1], reverse=True)


def remove_partial_files(directory):
    """Deletes the temporaries an interrupted save left in `directory`."""
    for name in os.listdir(directory):
        if name.startswith(PARTIAL_PREFIX):
            path = os.path.join(directory, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
