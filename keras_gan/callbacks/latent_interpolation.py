"""`LatentInterpolation`: the paper's Figure 3 at the end of training."""

import os

import keras

from keras_gan import distribute
from keras_gan import images
from keras_gan import sample_grids
from keras_gan import validation


class LatentInterpolation(keras.callbacks.Callback):
    """Writes samples along straight lines in z space when training ends.

    Each of `rows` rows joins two independent draws from the GAN's prior
    (drawn with `seed`) and shows `steps` samples at evenly spaced points
    between them, endpoints included: the paper's Figure 3. Smooth changes
    along a row suggest the generator has learned a continuous mapping
    rather than memorised examples. The grid is written to
    `{directory}/{filename}` in `on_train_end`; for the same figure at any
    other time, use `keras_gan.sample_grids.interpolation_grid` and
    `keras_gan.images.save_png`.

    Pixel values as in `SampleGrid`: `value_range=None` infers [0, 1] from a
    sigmoid output and [-1, 1] from tanh. Under a multi-worker
    `tf.distribute` strategy only the chief writes the file.

    Example:

    ```python
    gan.fit(
        dataset,
        epochs=100,
        callbacks=[keras_gan.callbacks.LatentInterpolation("figures")],
    )   # writes figures/latent_interpolation.png
    ```

    Args:
        directory: Where the PNG goes; created if missing.
        rows: Positive int, the number of interpolation lines.
        steps: Int >= 2, samples per line.
        seed: Int seed of the endpoints.
        value_range: `None` (inferred), `(low, high)` or `"minmax"`.
        filename: Name of the PNG file.
    """

    def __init__(
        self,
        directory,
        rows=10,
        steps=10,
        seed=0,
        value_range=None,
        filename="latent_interpolation.png",
    ):
        super().__init__()
        validation.check_int_at_least("rows", rows, 1)
        validation.check_int_at_least("steps", steps, 2)
        if value_range is not None:
            value_range = images.resolve_value_range(None, value_range)
        if not isinstance(filename, str) or not filename.lower().endswith(".png"):
            raise ValueError(
                f"Invalid value for argument `filename`. Received: filename={filename!r}. "
                "Expected a file name ending in '.png'."
            )
        self.directory = os.fspath(directory)
        self.rows = int(rows)
        self.steps = int(steps)
        self.seed = seed
        self.value_range = value_range
        self.filename = filename

    @property
    def path(self):
        """The file the grid is written to."""
        return os.path.join(self.directory, self.filename)

    def on_train_end(self, logs=None):
        grid = sample_grids.interpolation_grid(
            self.model, self.rows, self.steps, self.seed, self.value_range
        )
        if distribute.is_chief(getattr(self.model, "distribute_strategy", None)):
            images.save_png(grid, self.path)
