"""`ModelCheckpoint`: the whole model after every epoch, saved atomically."""

import os

import keras

from keras_gan import checkpoints

_LAST = "last.keras"
_PREVIOUS = "previous.keras"


class ModelCheckpoint(keras.callbacks.Callback):
    """Saves the whole model to `directory/last.keras` after every epoch, atomically.

    Unlike `keras.callbacks.ModelCheckpoint`, which writes the file in place,
    the model is saved to a hidden temporary file first; then `last.keras`
    becomes `previous.keras` and the new file becomes `last.keras`, both by
    `os.replace`. A kill at any moment leaves at least one complete file.
    `keras_gan.checkpoints.load_latest(directory)` loads the newest one that
    is intact.

    Example:

    ```python
    gan.fit(dataset, epochs=10, callbacks=[
        keras_gan.callbacks.ModelCheckpoint("runs/mnist/checkpoints")])
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
        checkpoints.remove_partial_files(self.directory)
        temporary = os.path.join(self.directory, f"{checkpoints.PARTIAL_PREFIX}{os.getpid()}.keras")
        self.model.save(temporary)
        last = os.path.join(self.directory, _LAST)
        if os.path.exists(last):
            os.replace(last, os.path.join(self.directory, _PREVIOUS))
        os.replace(temporary, last)
