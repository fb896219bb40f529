"""`SampleGrid`: the paper's Figure 2 written every few epochs."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_gan import distribute
from keras_gan import images
from keras_gan import sample_grids
from keras_gan.validation import check_positive_int


class SampleGrid(keras.callbacks.Callback):
    """Writes a PNG grid of samples from fixed noise every few epochs.

    The noise is drawn once from the GAN's prior with `seed`, when training
    begins, and reused at every epoch: the samples are fair random draws,
    and successive grids show the same z, so they can be compared. For a
    conditional GAN each row is one class (with `ceil(num_samples /
    num_classes)` columns unless `columns` is given). The file is `{directory}/samples_epoch_{N:04d}.png`, N being the 1-based
    epoch.

    With `training_data`, the grid has one more column on the right: for
    each row, the training example nearest (Euclidean distance) to the
    row's last sample, as in the paper's Figure 2, to show that samples are
    not copies of the training set. Neighbours are found by chunked matrix
    products (`keras_gan.metrics.nearest_neighbours`).

    Pixel values: `value_range=None` infers the generator's output range
    from its last activation (sigmoid: [0, 1], tanh: [-1, 1]); other
    generators need `value_range=(low, high)` (or `"minmax"` to stretch
    each sample). See `keras_gan.images.to_uint8`.

    TensorBoard: with `log_dir` (a directory, or the `keras.callbacks.
    TensorBoard` callback of the same `fit`, whose `log_dir` is then used),
    every grid is also written with `tf.summary.image` under the tag
    `"samples"` to the run `{log_dir}/samples`, next to TensorBoard's own
    `train` run, at step `epoch` (0-based, the step of TensorBoard's epoch
    scalars). A callback cannot see the other callbacks of a `fit`, hence
    the explicit argument.

    Under a multi-worker `tf.distribute` strategy every worker generates the
    grid but only the chief writes files (`keras_gan.distribute.is_chief`).

    Example:

    ```python
    tensorboard = keras.callbacks.TensorBoard("logs")
    gan.fit(
        dataset,
        epochs=100,
        callbacks=[
            tensorboard,
            keras_gan.callbacks.SampleGrid(
                "samples", training_data=x_train, log_dir=tensorboard
            ),
        ],
    )
    ```

    Args:
        directory: Where the PNG files go; created if missing.
        every_n_epochs: Positive int; a grid after every epoch N with
            N % every_n_epochs == 0 (N 1-based).
        num_samples: Positive int, samples in the grid.
        training_data: Optional NumPy array of training examples (in the
            generator's value range, or uint8 pixels) for the neighbour
            column.
        value_range: `None` (inferred), `(low, high)` or `"minmax"`.
        columns: Samples per row; default `ceil(sqrt(num_samples))`.
        seed: Int seed of the fixed noise.
        log_dir: Optional TensorBoard log directory, or a
            `keras.callbacks.TensorBoard` instance.
    """

    def __init__(
        self,
        directory,
        every_n_epochs=1,
        num_samples=100,
        training_data=None,
        value_range=None,
        columns=None,
        seed=0,
        log_dir=None,
    ):
        super().__init__()
        check_positive_int("every_n_epochs", every_n_epochs)
        check_positive_int("num_samples", num_samples)
        if columns is not None:
            check_positive_int("columns", columns)
        if value_range is not None:
            value_range = images.resolve_value_range(None, value_range)
        if training_data is not None:
            training_data = np.asarray(training_data)
            if training_data.ndim < 2 or len(training_data) == 0:
                raise ValueError(
                    "Invalid value for argument `training_data`. Received: an array of shape "
                    f"{training_data.shape}. Expected a non-empty array [n, ...] of examples."
                )
        if isinstance(log_dir, keras.callbacks.TensorBoard):
            log_dir = log_dir.log_dir
        self.directory = os.fspath(directory)
        self.every_n_epochs = int(every_n_epochs)
        self.num_samples = int(num_samples)
        self.training_data = training_data
        self.value_range = value_range
        self.columns = columns
        self.seed = seed
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.noise = None
        self.labels = None
        self._writer = None

    def on_train_begin(self, logs=None):
        # Drawn once: every later grid shows the same z.
        if self.noise is None:
            self.noise, self.labels, class_columns = sample_grids.grid_draws(
                self.model, self.num_samples, self.seed
            )
            self.columns = self.columns or class_columns

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        grid = sample_grids.noise_grid(
            self.model, self.noise, self.training_data, self.value_range, self.columns, labels=self.labels
        )
        if not distribute.is_chief(getattr(self.model, "distribute_strategy", None)):
            return
        images.save_png(grid, self.path_for_epoch(epoch))
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid[np.newaxis], step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def path_for_epoch(self, epoch):
        """The file name of the grid written after `epoch` (0-based)."""
        return os.path.join(self.directory, f"samples_epoch_{epoch + 1:04d}.png")
