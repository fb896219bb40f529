"""IDX files, the format MNIST is distributed in.

`read_idx` reads one file; `read_split` reads a split from a directory of
IDX image files: either one `images-idx3-ubyte[.gz]` file without official
splits, or the official `train-`/`t10k-` pair; with labels, from the
`labels-idx1-ubyte[.gz]` file beside each images file (`train-`/`t10k-`
prefixed for the official pair).
"""

import gzip
import os
import re
import struct
import zlib

import numpy as np

from keras_gan.data import splits
from keras_gan.data.errors import DatasetUnavailableError

# `images-idx3-ubyte.gz` (one file) or `train-`/`t10k-` prefixed official files.
_IDX_IMAGES = re.compile(r"^(?:(train|t10k|test)-)?images[-.]idx[34]-ubyte(\.gz)?$")
_IDX_LABELS = re.compile(r"^(?:(train|t10k|test)-)?labels[-.]idx1-ubyte(\.gz)?$")
_LABELS_FILE = {"all": "labels-idx1-ubyte.gz", "train": "train-labels-idx1-ubyte.gz",
                "test": "t10k-labels-idx1-ubyte.gz"}
_IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Reads an IDX file (gzipped or not) into a NumPy array.

    Example:

    >>> images = keras_gan.data.read_idx("mnist-8k/images-idx3-ubyte.gz")
    >>> images.shape, images.dtype
    ((8000, 28, 28), dtype('uint8'))

    Args:
        path: str, the file; gzip is detected from its content.

    Returns:
        An array with the file's dimensions and dtype (native byte order).

    Raises:
        ValueError: for a bad magic number or a truncated or oversized file.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:
            raise ValueError(
                f"Could not decompress the gzip file {path} ({error}). The file is "
                "truncated or corrupt; download it again."
            ) from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise ValueError(
            f"{path} is not an IDX file: bad magic number. Received: magic=0x"
            f"{raw[:4].hex()}. Expected 0x0000TTNN (TT = data type code such as 08 "
            "for uint8, NN = number of dimensions)."
        )
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{path} is truncated: its header needs {header_size} bytes for {ndim} "
            f"dimensions but the file has {len(raw)}."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_size
    if found != expected:
        problem = "truncated" if found < expected else "corrupt (trailing bytes)"
        raise ValueError(
            f"{path} is {problem}: its header declares shape {shape} ({expected} "
            f"bytes of data) but the file holds {found} bytes of data."
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def read_split(spec, data_dir, parsed_split, with_labels=False):
    """Reads a split from a directory of IDX image files.

    Args:
        spec: The dataset's `DatasetSpec`.
        data_dir: str or None, the directory.
        parsed_split: The result of `splits.parse_split`.
        with_labels: bool, also read the labels file beside the images.

    Returns:
        A uint8 array `(n, height, width, channels)` (with labels: the pair
        of it and the int32 labels `(n,)`), or None when `data_dir` holds no
        IDX images file.

    Raises:
        DatasetUnavailableError: with labels, when the part's labels file is
            missing.
    """
    files = _find_idx(data_dir, _IDX_IMAGES, "images")
    if not files:
        return None
    sources = {part: _image_reader(path) for part, path in files.items()}
    if with_labels:
        label_files = _find_idx(data_dir, _IDX_LABELS, "labels")
        sources = {
            part: _with_labels(read, files[part], label_files.get(part), part)
            for part, read in sources.items()
        }
    return splits.select(spec, parsed_split, sources, data_dir)


def _find_idx(data_dir, pattern, kind):
    """Maps part ('all', 'train', 'test') to the IDX file matching `pattern`, or {}."""
    if data_dir is None:
        return {}
    found = {}
    # Sorting puts `x-ubyte` before `x-ubyte.gz`: an unpacked copy wins.
    for filename in sorted(os.listdir(data_dir)):
        match = pattern.match(filename)
        if match:
            part = {None: "all", "train": "train"}.get(match.group(1), "test")
            found.setdefault(part, os.path.join(data_dir, filename))
    if "all" in found and len(found) > 1:
        raise ValueError(
            f"Ambiguous IDX directory {data_dir}: it holds both a single {kind} file "
            "and train-/t10k- files. Keep one layout. Received: "
            f"data_dir={data_dir!r}."
        )
    return found


def _image_reader(path):
    def read():
        images = read_idx(path)
        if images.dtype != np.uint8 or images.ndim not in (3, 4):
            raise ValueError(
                f"Expected uint8 images of shape (n, height, width[, channels]) in {path}. "
                f"Received: dtype={images.dtype}, shape={images.shape}."
            )
        return images[..., np.newaxis] if images.ndim == 3 else images

    return read


def _with_labels(read_images, images_path, labels_path, part):
    """A reader of `(images, labels)`: the images and the labels file beside them."""

    def read():
        if labels_path is None:
            directory, images_file = os.path.split(images_path)
            raise DatasetUnavailableError(
                f"with_labels=True needs the labels of {images_file}, but {directory} holds "
                f"no {_LABELS_FILE[part]} (or its unpacked copy). Received: "
                f"data_dir={directory!r}, with_labels=True. Expected the IDX labels file "
                "beside the images, or with_labels=False."
            )
        labels = read_idx(labels_path)
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"Expected integer labels of shape (n,) in {labels_path}. Received: "
                f"dtype={labels.dtype}, shape={labels.shape}."
            )
        return read_images(), labels

    return read
