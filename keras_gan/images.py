"""Image grids and PNG files: the paper's Figures 2 and 3 as arrays.

Model outputs are floats in the generator's output range; `to_uint8` maps
them back to [0, 255]. `tile` lays images out in a grid, `sample_grid`
builds the paper's Figure 2 (fair random samples, and in an extra rightmost
column the nearest training example of each row's last sample), and
`interpolation_grid` builds Figure 3 (samples along straight lines in z
space). `save_png` writes any grid with Pillow. The callbacks in
`keras_gan.callbacks` call these every few epochs; they work on their own
for figures on demand:

```python
grid = keras_gan.images.sample_grid(gan, 100, training_data=x_train, seed=0)
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
    _check_int("columns", columns, minimum=1)
    _check_int("padding", padding, minimum=0)
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


def nearest_neighbors(queries, candidates, chunk_size=4096):
    """Index of the nearest candidate of every query, in Euclidean distance.

    Squared distances are `||q||^2 - 2 q.c + ||c||^2`: one matrix product per
    chunk of `chunk_size` candidates, in float64, with a running minimum, so
    memory stays at `[n_queries, chunk_size]` whatever the training set size.

    Example:

    >>> index, distance = keras_gan.images.nearest_neighbors(samples, x_train)
    >>> x_train[index]        # the training example closest to each sample

    Args:
        queries: Array `[n, ...]`, e.g. generated samples.
        candidates: Array `[m, ...]` with the same features, e.g. the
            training set (any numeric dtype; converted one chunk at a time).
        chunk_size: Positive int, candidates compared at once.

    Returns:
        A pair `(indices, distances)`: int64 `[n]` and float64 `[n]`.
        Ties go to the lowest index.
    """
    _check_int("chunk_size", chunk_size, minimum=1)
    queries = np.asarray(queries)
    candidates = np.asarray(candidates)
    features = math.prod(queries.shape[1:])
    if candidates.ndim < 1 or candidates.shape[0] == 0 or math.prod(candidates.shape[1:]) != features:
        raise ValueError(
            "Candidates must be a non-empty array with the queries' features. Received: "
            f"queries.shape={queries.shape}, candidates.shape={candidates.shape}."
        )
    flat_queries = queries.reshape(len(queries), features).astype(np.float64)  # [n, D]
    query_norms = np.sum(flat_queries**2, axis=1, keepdims=True)  # [n, 1]
    best_squared = np.full(len(queries), np.inf)
    best_index = np.zeros(len(queries), dtype=np.int64)
    for start in range(0, len(candidates), chunk_size):
        chunk = candidates[start : start + chunk_size].reshape(-1, features).astype(np.float64)
        squared = query_norms - 2.0 * flat_queries @ chunk.T + np.sum(chunk**2, axis=1)  # [n, c]
        chunk_best = np.argmin(squared, axis=1)
        chunk_squared = squared[np.arange(len(queries)), chunk_best]
        better = chunk_squared < best_squared  # Strict: earlier chunks win ties.
        best_squared[better] = chunk_squared[better]
        best_index[better] = start + chunk_best[better]
    return best_index, np.sqrt(np.maximum(best_squared, 0.0))


def generate_from_noise(gan, noise, batch_size=1000):
    """Runs the GAN's sampling generator on given noise, as NumPy.

    A plain call in inference mode (no `predict` loop), so it is cheap for a
    grid and needs no collective op under a multi-worker strategy.

    Args:
        gan: A `keras_gan.GAN`.
        noise: Array `[n, latent_dim]`.
        batch_size: Positive int, noise vectors per call.

    Returns:
        A float NumPy array `[n, *example_shape]`.
    """
    noise = np.asarray(noise, dtype=np.float32)
    outputs = [
        np.asarray(gan.sampling_generator(noise[start : start + batch_size], training=False))
        for start in range(0, len(noise), batch_size)
    ]
    return np.concatenate(outputs, axis=0)


def grid_with_neighbors(samples, columns, neighbors=None, padding=1, pad_value=255):
    """Tiles uint8 samples, with an extra rightmost column of neighbours.

    With `neighbors`, every row gets one more tile on the right (the paper's
    Figure 2 puts there the training example nearest to the row's last
    sample; `last_in_row` gives those samples' indices), so the grid is one
    tile plus `padding` wider than without.

    Args:
        samples: uint8 array `[n, height, width, channels]`.
        columns: Positive int, samples per row.
        neighbors: Optional uint8 array `[rows, height, width, channels]`,
            one image per row, `rows = ceil(n / columns)`.
        padding: Non-negative int, pixels between tiles.
        pad_value: Int in [0, 255], the colour of the padding.

    Returns:
        A uint8 grid `[height', width', channels]`.
    """
    samples = np.asarray(samples)
    _check_int("columns", columns, minimum=1)
    if neighbors is None:
        return tile(samples, columns, padding, pad_value)
    rows = math.ceil(len(samples) / columns)
    neighbors = np.asarray(neighbors)
    if neighbors.shape != (rows, *samples.shape[1:]):
        raise ValueError(
            f"Expected one neighbour image per row, of shape {(rows, *samples.shape[1:])}. "
            f"Received: neighbors.shape={neighbors.shape}."
        )
    blank = np.full(samples.shape[1:], pad_value, dtype=np.uint8)
    tiles = []
    for row in range(rows):
        row_samples = list(samples[row * columns : (row + 1) * columns])
        row_samples += [blank] * (columns - len(row_samples))
        tiles += row_samples + [neighbors[row]]
    return tile(np.stack(tiles), columns + 1, padding, pad_value)


def last_in_row(num_samples, columns):
    """Indices of the last sample of every row of a grid: int64 `[rows]`."""
    rows = math.ceil(num_samples / columns)
    return np.minimum(np.arange(1, rows + 1) * columns, num_samples) - 1


def sample_grid(
    gan,
    num_samples=100,
    training_data=None,
    seed=0,
    value_range=None,
    columns=None,
    padding=1,
):
    """The paper's Figure 2: fair random samples, with nearest neighbours.

    Draws `num_samples` noise vectors from the GAN's prior with `seed` (the
    same seed gives the same noise, hence comparable grids across training),
    generates, maps the samples to uint8, and tiles them `columns` per row.
    With `training_data`, a rightmost column shows, for each row, the
    training example nearest (in Euclidean distance) to the row's last
    sample: evidence that the model has not memorised the training set.
    Float training data is compared with the float samples; uint8 training
    data with the samples' uint8 pixels.

    Example:

    ```python
    grid = keras_gan.images.sample_grid(gan, 100, training_data=x_train, seed=0)
    keras_gan.images.save_png(grid, "figure2.png")   # 10 x (10 + 1) tiles
    ```

    Args:
        gan: A `keras_gan.GAN`.
        num_samples: Positive int.
        training_data: Optional array `[m, *example_shape]` (or flattened
            `[m, features]`) of training examples in the generator's value
            range, or uint8 pixels.
        seed: Int seed of the noise.
        value_range: `None` (inferred from the generator's last activation),
            `(low, high)`, or `"minmax"`; see `to_uint8`.
        columns: Samples per row; default `ceil(sqrt(num_samples))`.
        padding: Pixels between tiles.

    Returns:
        A uint8 array `[height, width, channels]`.
    """
    _check_int("num_samples", num_samples, minimum=1)
    noise = np.asarray(gan.sample_latent(num_samples, seed=seed))
    return noise_grid(gan, noise, training_data, value_range, columns, padding)


def noise_grid(gan, noise, training_data=None, value_range=None, columns=None, padding=1):
    """Like `sample_grid`, from given noise `[n, latent_dim]` (e.g. fixed noise).

    Args:
        gan, training_data, value_range, columns, padding: As in `sample_grid`.
        noise: Array `[n, latent_dim]`.

    Returns:
        A uint8 array `[height, width, channels]`.
    """
    value_range = resolve_value_range(gan.sampling_generator, value_range)
    samples = generate_from_noise(gan, noise)
    pixels = to_uint8(samples, value_range)
    columns = columns if columns is not None else math.ceil(math.sqrt(len(samples)))
    _check_int("columns", columns, minimum=1)
    neighbors = None
    if training_data is not None:
        training_data = _as_examples(training_data, samples.shape[1:])
        # Compare like with like: floats with floats, pixels with pixels.
        queries = pixels if training_data.dtype == np.uint8 else samples
        indices, _ = nearest_neighbors(queries[last_in_row(len(samples), columns)], training_data)
        neighbors = training_data[indices]
        if neighbors.dtype != np.uint8:
            neighbors = to_uint8(neighbors, value_range)
    return grid_with_neighbors(pixels, columns, neighbors, padding)


def interpolation_grid(gan, rows=10, steps=10, seed=0, value_range=None, padding=1):
    """The paper's Figure 3: samples along straight lines in z space.

    Each row starts and ends at two independent draws from the GAN's prior
    (drawn with `seed`) and shows `steps` samples at evenly spaced points of
    the segment between them, endpoints included. The paths are straight
    lines as in the paper, also for the spherical prior (whose midpoints
    then leave the sphere).

    Example:

    ```python
    grid = keras_gan.images.interpolation_grid(gan, rows=10, steps=10)
    keras_gan.images.save_png(grid, "figure3.png")
    ```

    Args:
        gan: A `keras_gan.GAN`.
        rows: Positive int, the number of segments.
        steps: Int >= 2, samples per segment.
        seed: Int seed of the endpoints.
        value_range: As in `sample_grid`.
        padding: Pixels between tiles.

    Returns:
        A uint8 array `[height, width, channels]` of `rows x steps` tiles.
    """
    _check_int("rows", rows, minimum=1)
    _check_int("steps", steps, minimum=2)
    endpoints = np.asarray(gan.sample_latent(2 * rows, seed=seed), dtype=np.float64)
    starts, ends = endpoints[:rows, np.newaxis], endpoints[rows:, np.newaxis]  # [rows, 1, z]
    weights = np.linspace(0.0, 1.0, steps)[np.newaxis, :, np.newaxis]  # [1, steps, 1]
    noise = (1.0 - weights) * starts + weights * ends  # [rows, steps, z]
    return noise_grid(
        gan, noise.reshape(rows * steps, -1), None, value_range, columns=steps, padding=padding
    )


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


def _as_examples(training_data, example_shape):
    """Training examples checked and laid out like the samples."""
    training_data = np.asarray(training_data)
    features = math.prod(example_shape)
    if (
        training_data.ndim < 1
        or len(training_data) == 0
        or training_data.size != len(training_data) * features
    ):
        raise ValueError(
            "Invalid value for argument `training_data`. Received: an array of shape "
            f"{training_data.shape}. Expected [n, {', '.join(map(str, example_shape))}] "
            "like the generator's samples."
        )
    return training_data.reshape((-1, *example_shape))


def _check_value_range(value_range):
    if isinstance(value_range, str) and value_range == "minmax":
        return value_range
    return validation.check_interval(
        "value_range",
        value_range,
        ", e.g. (0, 1) for sigmoid outputs or (-1, 1) for tanh outputs, or 'minmax'",
    )


def _check_int(name, value, minimum):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
            f"Expected an integer >= {minimum}."
        )
