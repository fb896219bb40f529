"""Grids of a GAN's samples: the paper's Figures 2 and 3 as uint8 arrays.

`sample_grid` builds Figure 2 (fair random samples, and in an extra
rightmost column the nearest training example of each row's last sample),
`interpolation_grid` builds Figure 3 (samples along straight lines in z
space); `noise_grid` is Figure 2 from given noise. For a conditional GAN
each row of `sample_grid` is one class, and each line of
`interpolation_grid` keeps one class. The callbacks
`keras_gan.callbacks.SampleGrid` and `LatentInterpolation` call these every
few epochs; they work on their own for figures on demand:

```python
grid = keras_gan.sample_grids.sample_grid(gan, 100, training_data=x_train, seed=0)
keras_gan.images.save_png(grid, "samples.png")
```

Pixels: samples are mapped to uint8 by `keras_gan.images.to_uint8`, from
`value_range` (`None`: inferred from the generator's last activation) and
tiled by `keras_gan.images.tile`.
"""

import math

import numpy as np

from keras_gan import images
from keras_gan.metrics.nearest_neighbours import nearest_neighbours
from keras_gan.validation import check_int_at_least


def generate_from_noise(gan, noise, batch_size=1000, labels=None):
    """Runs the GAN's sampling generator on given noise (and labels), as NumPy.

    A plain call in inference mode (no `predict` loop), so it is cheap for a
    grid and needs no collective op under a multi-worker strategy.

    Args:
        gan: A `keras_gan.GAN`.
        noise: Array `[n, latent_dim]`.
        batch_size: Positive int, noise vectors per call.
        labels: For a conditional GAN, int array `[n]`; else `None`.

    Returns:
        A float NumPy array `[n, *example_shape]`.
    """
    noise = np.asarray(noise, dtype=np.float32)
    outputs = []
    for start in range(0, len(noise), batch_size):
        inputs = noise[start : start + batch_size]
        if labels is not None:
            inputs = [inputs, np.asarray(labels, np.int32)[start : start + batch_size]]
        outputs.append(np.asarray(gan.sampling_generator(inputs, training=False)))
    return np.concatenate(outputs, axis=0)


def grid_draws(gan, num_samples, seed=0):
    """Noise (and labels) for a grid of about `num_samples` samples.

    For a conditional GAN the grid has one row per class: its labels are
    `0, 0, ..., 1, 1, ...`, `ceil(num_samples / num_classes)` of each.

    Args:
        gan: A `keras_gan.GAN`.
        num_samples: Positive int.
        seed: Int seed of the noise.

    Returns:
        `(noise, labels, columns)`: noise `[n, latent_dim]`, int32 labels
        `[n]` or `None`, and the columns per row (`None`: a square grid).
    """
    check_int_at_least("num_samples", num_samples, 1)
    if gan.num_classes is None:
        return np.asarray(gan.sample_latent(num_samples, seed=seed)), None, None
    columns = math.ceil(num_samples / gan.num_classes)
    labels = np.repeat(np.arange(gan.num_classes, dtype=np.int32), columns)
    return np.asarray(gan.sample_latent(len(labels), seed=seed)), labels, columns


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
    check_int_at_least("columns", columns, 1)
    if neighbors is None:
        return images.tile(samples, columns, padding, pad_value)
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
    return images.tile(np.stack(tiles), columns + 1, padding, pad_value)


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
    A conditional GAN's grid has one row per class (`grid_draws`).
    With `training_data`, a rightmost column shows, for each row, the
    training example nearest (in Euclidean distance) to the row's last
    sample: evidence that the model has not memorised the training set.
    Float training data is compared with the float samples; uint8 training
    data with the samples' uint8 pixels.

    Example:

    ```python
    grid = keras_gan.sample_grids.sample_grid(gan, 100, training_data=x_train, seed=0)
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
            `(low, high)`, or `"minmax"`; see `keras_gan.images.to_uint8`.
        columns: Samples per row; default `ceil(sqrt(num_samples))`.
        padding: Pixels between tiles.

    Returns:
        A uint8 array `[height, width, channels]`.
    """
    noise, labels, class_columns = grid_draws(gan, num_samples, seed)
    return noise_grid(
        gan, noise, training_data, value_range, columns or class_columns, padding, labels=labels
    )


def noise_grid(gan, noise, training_data=None, value_range=None, columns=None, padding=1, labels=None):
    """Like `sample_grid`, from given noise `[n, latent_dim]` (e.g. fixed noise).

    Args:
        gan, training_data, value_range, columns, padding: As in `sample_grid`.
        noise: Array `[n, latent_dim]`.
        labels: For a conditional GAN, int array `[n]`; else `None`.

    Returns:
        A uint8 array `[height, width, channels]`.
    """
    value_range = images.resolve_value_range(gan.sampling_generator, value_range)
    samples = generate_from_noise(gan, noise, labels=labels)
    pixels = images.to_uint8(samples, value_range)
    columns = columns if columns is not None else math.ceil(math.sqrt(len(samples)))
    check_int_at_least("columns", columns, 1)
    neighbors = None
    if training_data is not None:
        training_data = _as_examples(training_data, samples.shape[1:])
        # Compare like with like: floats with floats, pixels with pixels.
        queries = pixels if training_data.dtype == np.uint8 else samples
        indices, _ = nearest_neighbours(queries[last_in_row(len(samples), columns)], training_data)
        neighbors = training_data[indices]
        if neighbors.dtype != np.uint8:
            neighbors = images.to_uint8(neighbors, value_range)
    return grid_with_neighbors(pixels, columns, neighbors, padding)


def interpolation_grid(gan, rows=10, steps=10, seed=0, value_range=None, padding=1):
    """The paper's Figure 3: samples along straight lines in z space.

    Each row starts and ends at two independent draws from the GAN's prior
    (drawn with `seed`) and shows `steps` samples at evenly spaced points of
    the segment between them, endpoints included. The paths are straight
    lines as in the paper, also for the spherical prior (whose midpoints
    then leave the sphere). For a conditional GAN, row i keeps class
    `i % num_classes` along its whole line: only z moves.

    Example:

    ```python
    grid = keras_gan.sample_grids.interpolation_grid(gan, rows=10, steps=10)
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
    check_int_at_least("rows", rows, 1)
    check_int_at_least("steps", steps, 2)
    endpoints = np.asarray(gan.sample_latent(2 * rows, seed=seed), dtype=np.float64)
    starts, ends = endpoints[:rows, np.newaxis], endpoints[rows:, np.newaxis]  # [rows, 1, z]
    weights = np.linspace(0.0, 1.0, steps)[np.newaxis, :, np.newaxis]  # [1, steps, 1]
    noise = (1.0 - weights) * starts + weights * ends  # [rows, steps, z]
    labels = None
    if gan.num_classes is not None:
        labels = np.repeat(np.arange(rows, dtype=np.int32) % gan.num_classes, steps)
    return noise_grid(
        gan, noise.reshape(rows * steps, -1), None, value_range, columns=steps, padding=padding,
        labels=labels,
    )


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
