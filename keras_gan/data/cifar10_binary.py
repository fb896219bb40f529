"""The binary version of CIFAR-10, as distributed in `cifar-10-binary.tar.gz`.

The archive unpacks to `cifar-10-batches-bin/`: five training files
`data_batch_1.bin` ... `data_batch_5.bin` of 10000 images each and
`test_batch.bin`. Every record is one label byte followed by the image's
3072 bytes: the 32x32 red plane, then green, then blue, rows first. This is
also the file `tensorflow_datasets` downloads for `cifar10`.
"""

import os
import re

import numpy as np

from keras_gan.data import splits

SUBDIRECTORY = "cifar-10-batches-bin"
_TRAIN_FILE = re.compile(r"^data_batch_(\d+)\.bin$")
_TEST_FILE = "test_batch.bin"
_HEIGHT = _WIDTH = 32
_RECORD_BYTES = 1 + 3 * _HEIGHT * _WIDTH


def read_split(spec, data_dir, parsed_split, with_labels=False):
    """Reads a split from the CIFAR-10 binary files.

    The training part is the five `data_batch_N.bin` files in order, so
    `train[0:40000]` (the original code's training split) is batches 1-4.

    Args:
        spec: The dataset's `DatasetSpec`.
        data_dir: str or None, the `cifar-10-batches-bin` directory or its
            parent.
        parsed_split: The result of `splits.parse_split`.
        with_labels: bool, also return the records' labels.

    Returns:
        A uint8 array `(n, 32, 32, 3)` (with labels: the pair of it and the
        labels `(n,)`), or None when `data_dir` holds no CIFAR-10 binary file.
    """
    if data_dir is None:
        return None
    directory = data_dir
    train_files, test_file = _batch_files(directory)
    if not (train_files or test_file):
        directory = os.path.join(data_dir, SUBDIRECTORY)
        train_files, test_file = _batch_files(directory)
    sources = {}
    if train_files:
        sources["train"] = lambda: _read_batches(train_files, with_labels)
    if test_file:
        sources["test"] = lambda: _read_batches([test_file], with_labels)
    if not sources:
        return None
    return splits.select(spec, parsed_split, sources, directory)


def read_batch(path):
    """Reads one CIFAR-10 binary file.

    Example:

    >>> images, labels = keras_gan.data.cifar10_binary.read_batch(
    ...     "cifar-10-batches-bin/test_batch.bin")
    >>> images.shape, labels.shape
    ((10000, 32, 32, 3), (10000,))

    Args:
        path: str, a `data_batch_N.bin` or `test_batch.bin` file.

    Returns:
        `(images, labels)`: uint8 arrays `(n, 32, 32, 3)` and `(n,)`.

    Raises:
        ValueError: when the file is not a whole number of records.
    """
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % _RECORD_BYTES:
        raise ValueError(
            f"{path} is truncated or not a CIFAR-10 binary file: it holds {raw.size} bytes, "
            f"expected a positive multiple of {_RECORD_BYTES} (one label byte and "
            "3072 pixel bytes per image)."
        )
    records = raw.reshape(-1, _RECORD_BYTES)
    images = records[:, 1:].reshape(-1, 3, _HEIGHT, _WIDTH).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), records[:, 0].copy()


def _read_batches(paths, with_labels):
    """The images of `paths` concatenated, or the pair of images and labels."""
    images, labels = zip(*(read_batch(path) for path in paths))
    images = np.concatenate(images)
    return (images, np.concatenate(labels)) if with_labels else images


def _batch_files(directory):
    """The training files in batch order and the test file (or None)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return [], None
    numbered = sorted(
        (int(match.group(1)), name) for name in names if (match := _TRAIN_FILE.match(name))
    )
    train = [os.path.join(directory, name) for _, name in numbered]
    test = os.path.join(directory, _TEST_FILE) if _TEST_FILE in names else None
    return train, test
