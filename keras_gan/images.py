"""Model outputs as pixels, tiled into grids and written as PNG files.

Model outputs are floats in the generator's output range; `to_uint8` maps
them back to [0, 255]. `tile` lays images out in a grid and `save_png`
writes any grid with Pillow. The grids of a GAN's samples (the paper's
Figures 2 and 3) are in `keras_gan.sample_grids`:

```python
grid = keras_gan.sample_grids.sample_grid(gan, 100, training_data=x_train, seed=0)
keras_gan.images.save_png(grid, "samples.png")
```

Value ranges: `value_range=None` reads the generator's last activation
(`infer_value_range`): sigmoid means [0, 1], tanh means [-1, 1]. Any other
output (e.g. linear, for contrast-normalised data) needs an explicit
`(low, high)` or `"minmax"`, which stretches every image to its own
minimum and maximum.
"""

import math
import os

import numpy as np

from keras_gan import validation

_ACTIVATION_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def infer_value_range(model):
    """The output range of `model` from its last activation, or `None`.

    Layers without an activation (`Reshape`, `Flatten`, ...) are skipped, so
    `Dense(784, "sigmoid")` followed by `Reshape((28, 28, 1))` gives (0, 1).

    Example:

    >>> keras_gan.images.infer_value_range(keras_gan.models.mnist_generator())
    (0.0, 1.0)

    Args:
        model: A `keras.Model` (a generator).

    Returns:
        `(0.0, 1.0)` for sigmoid, `(-1.0, 1.0)` for tanh, else `None`.
    """
    for layer in reversed(getattr(model, "layers", [])):
        if hasattr(layer, "layers"):  # A nested model ends the outer one.
            return infer_value_range(layer)
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return _ACTIVATION_RANGES.get(getattr(activation, "__name__", None))
    return None


def resolve_value_range(model, value_range=None):
    """`value_range` checked, or inferred from `model` when `None`.

    Args:
        model: The generator, read only when `value_range` is `None`.
        value_range: `None`, `"minmax"`, or a pair `(low, high)`, low < high.

    Returns:
        `"minmax"` or a tuple of two floats.
    """
    if value_range is None:
        inferred = infer_value_range(model)
        if inferred is None:
            raise ValueError(
                "Cannot infer the generator's output range from its last activation "
                f"(of model {getattr(model, 'name', model)!r}). Received: value_range=None. "
                "Pass value_range=(low, high), e.g. (0, 1) or (-1, 1), or 'minmax'."
            )
        return inferred
    return _check_value_range(value_range)


def to_uint8(images, value_range=(0.0, 1.0)):
    """Maps model outputs back to uint8 pixels in [0, 255].

    `low` maps to 0 and `high` to 255, linearly; values outside are clipped.
    Rounding is to the nearest integer with halves rounded up, so the middle
    of the range (0.5 for sigmoid, 0 for tanh, which land on 127.5) gives 128.

    Example:

    >>> keras_gan.images.to_uint8(np.array([-1.0, 0.0, 1.0]), (-1, 1))
    array([  0, 128, 255], dtype=uint8)

    Args:
        images: Float array of any shape (`[n, ...]` for `"minmax"`).
        value_range: `(low, high)`, or `"minmax"` to stretch each image (each
            entry of the first axis) from its own minimum to its maximum.

    Returns:
        A uint8 array of the same shape.
    """
    value_range = _check_value_range(value_range)
    images = np.asarray(images, dtype=np.float64)
    if value_range == "minmax":
        axes = tuple(range(1, images.ndim))
        low = images.min(axis=axes, keepdims=True)
        high = images.max(axis=axes, keepdims=True)
        scale = np.where(high > low, high - low, 1.0)
    else:
        low, high = value_range
        scale = high - low
    pixels = np.floor((images - low) / scale * 255.0 + 0.5)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def tile(images, columns, padding=1, pad_value=255):
    """Lays out images row by row in a grid.

    Tiles are separated, and surrounded, by `padding` pixels of `pad_value`,
    so a grid of `c` columns of width `w` is `c * w + (c + 1) * padding`
    pixels wide. A last row that is not full is left blank on the right.

    Example:

    >>> keras_gan.images.tile(np.zeros((6, 28, 28, 1), "uint8"), 3).shape
    (61, 88, 1)

    Args:
        images: uint8 array `[n, height, width, channels]` (or
            `[n, height, width]`, read as one channel).
        columns: Positive int, images per row.
        padding: Non-negative int, pixels between and around tiles.
        pad_value: Int in [0, 255], the colour of the padding.

    Returns:
        A uint8 array `[rows * (height + padding) + padding,
        columns * (width + padding) + padding, channels]`.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[0] == 0 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "Expected images of shape [n, height, width, channels] with n >= 1 and 1 or 3 "
            f"channels. Received: images.shape={images.shape}."
        )
    if images.dtype != np.uint8:
        raise ValueError(
            f"Expected uint8 images. Received: dtype={images.dtype}. Convert model outputs "
            "with `keras_gan.images.to_uint8` first."
        )
    validation.check_int_at_least("columns", columns, 1)
    validation.check_int_at_least("padding", padding, 0)
    count, height, width, channels = images.shape
    rows = math.ceil(count / columns)
    grid = np.full(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels),
        pad_value,
        dtype=np.uint8,
    )
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def save_png(image, path):
    """Writes a uint8 image `[height, width, 1 or 3]` as a PNG with Pillow.

    Missing parent directories are created.

    Args:
        image: uint8 array `[height, width]`, `[height, width, 1]` (grey) or
            `[height, width, 3]` (RGB).
        path: Destination file name.

    Returns:
        `path`.
    """
    from PIL import Image  # Pillow is only needed when writing.

    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (
        image.ndim == 3 and image.shape[-1] not in (1, 3)
    ):
        raise ValueError(
            "Expected a uint8 image [height, width, 1 or 3]. Received: "
            f"shape={image.shape}, dtype={image.dtype}."
        )
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)
    Image.fromarray(image, mode="L" if image.ndim == 2 else "RGB").save(path, format="PNG")
    return path


def _check_value_range(value_range):
    if isinstance(value_range, str) and value_range == "minmax":
        return value_range
    return validation.check_interval(
        "value_range",
        value_range,
        ", e.g. (0, 1) for sigmoid outputs or (-1, 1) for tanh outputs, or 'minmax'",
    )
