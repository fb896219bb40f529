"""The Toronto Face Database (TFD): a local directory of 48x48 face images.

TFD is not publicly distributable, so it is only ever read from files: a
named split reads `data_dir/<split>/`; an index range indexes the sorted
image files directly in `data_dir`.
"""

import os

import numpy as np

from keras_gan.data import splits
from keras_gan.data.errors import DatasetUnavailableError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".tif", ".tiff")


def read_split(spec, data_dir, parsed_split, with_labels=False):
    """Reads TFD-style grayscale image files into a uint8 array.

    Args:
        spec: The dataset's `DatasetSpec` (its `image_shape` is enforced).
        data_dir: str or None, the image directory.
        parsed_split: The result of `splits.parse_split`.
        with_labels: bool; must be False, TFD's files carry no labels
            (`load` refuses labels before reading).

    Returns:
        A uint8 array `(n, 48, 48, 1)` in file-name order, or None when
        `data_dir` is None.

    Raises:
        DatasetUnavailableError: when the split's directory or its images
            are missing.
        ValueError: for an image that cannot be decoded or has another size,
            or `with_labels=True`.
    """
    if with_labels:
        raise ValueError(
            "TFD image files carry no labels. Received: with_labels=True. Expected "
            "with_labels=False."
        )
    if data_dir is None:
        return None
    split_name, start, stop = parsed_split
    directory = data_dir if split_name is None else os.path.join(data_dir, split_name)
    if not os.path.isdir(directory):
        raise DatasetUnavailableError(
            f"No TFD image directory {directory} for split={split_name or 'range'!r}. "
            "Named splits read data_dir/<split>/; index ranges read data_dir itself."
        )
    files = sorted(f for f in os.listdir(directory) if f.lower().endswith(IMAGE_SUFFIXES))
    if not files:
        raise DatasetUnavailableError(
            f"No image files ({', '.join(IMAGE_SUFFIXES)}) in {directory}."
        )
    start, stop = splits.resolve_range((start, stop), len(files), directory)
    from PIL import Image, UnidentifiedImageError

    height, width, _ = spec.image_shape
    images = []
    for filename in files[start:stop]:
        path = os.path.join(directory, filename)
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("L"))
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"Could not decode the image {path}: {error}.") from None
        if pixels.shape != (height, width):
            raise ValueError(
                f"TFD images are {height}x{width}. Received: {path} of shape {pixels.shape}."
            )
        images.append(pixels)
    return np.stack(images)[..., np.newaxis]
