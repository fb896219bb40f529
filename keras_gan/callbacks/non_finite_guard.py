"""`NonFiniteGuard`: stops training at the first NaN or Inf, before anything is saved."""

import math

import keras
import numpy as np


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss or weight.

    Attributes:
        name: The log key (such as `"d_loss"`) or weight path that was not finite.
        value: The offending value (for a weight, its first non-finite entry).
        epoch: The 0-based epoch.
        batch: The 0-based batch of the epoch, or `None` at the end of an epoch.
        step: The 1-based training step counted from the first epoch, or `None`.
        diagnosis: The message without the advice on what to try.
    """

    def __init__(self, name, value, epoch, batch=None, step=None):
        self.name, self.value, self.epoch, self.batch, self.step = name, value, epoch, batch, step
        where = f"epoch {epoch + 1}" if batch is None else f"epoch {epoch + 1}, batch {batch + 1}"
        if step is not None:
            where += f" (training step {step})"
        self.diagnosis = (
            f"Training diverged: {name}={value} at {where}. It was stopped before any "
            "callback could save it: checkpoints, if any, hold the last finite weights."
        )
        super().__init__(
            f"{self.diagnosis} Try a lower learning rate, check the data for NaN or Inf, "
            "or add a gradient penalty (`gan.compile(..., regularizer=keras_gan.losses.R1(10.0))`)."
        )


class NonFiniteGuard(keras.callbacks.Callback):
    """Raises `NonFiniteLossError` at the first non-finite loss or weight.

    `keras.callbacks.TerminateOnNaN` only asks `fit` to stop, so the epoch
    still ends and `on_epoch_end` callbacks (`BackupAndRestore`,
    `ModelCheckpoint`) save the NaN weights over the last good ones. This
    callback raises instead: `fit` ends at once and nothing else runs.

    It checks the batch logs after every step, and at the end of each epoch
    the epoch logs and the model's weights (a step can leave NaN weights
    behind a finite loss; the next step's loss would show it, but the last
    step of an epoch has no next step before the savers run).

    Put it FIRST in the callbacks list: Keras calls callbacks in order, so a
    callback placed before it would still run on a diverged epoch.

    Example:

    ```python
    gan.fit(
        dataset,
        epochs=10,
        callbacks=[
            keras_gan.callbacks.NonFiniteGuard(),
            keras.callbacks.ModelCheckpoint("checkpoints/last.keras"),
        ],
    )
    ```

    Args:
        monitor: Optional list of log keys to check; `None` checks every
            numeric log value (all of `GAN`'s metrics are losses or means).
        check_weights: Bool, whether to check the weights at the end of each
            epoch. The cost is one pass over the weights per epoch.
    """

    def __init__(self, monitor=None, check_weights=True):
        super().__init__()
        if monitor is not None and (
            not isinstance(monitor, (list, tuple)) or not all(isinstance(key, str) for key in monitor)
        ):
            raise ValueError(
                f"Invalid value for argument `monitor`. Received: monitor={monitor!r}. "
                "Expected None or a list of log keys such as ['d_loss', 'g_loss']."
            )
        self.monitor = None if monitor is None else list(monitor)
        self.check_weights = bool(check_weights)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        steps = (self.params or {}).get("steps")
        step = self._epoch * steps + batch + 1 if steps else None
        self._check_logs(logs, batch=batch, step=step)

    def on_epoch_end(self, epoch, logs=None):
        self._check_logs(logs, batch=None, step=None)
        if not self.check_weights:
            return
        for weight in self.model.weights:
            values = keras.ops.convert_to_numpy(weight.value)
            if np.issubdtype(values.dtype, np.floating) and not np.isfinite(values).all():
                first = values.reshape(-1)[~np.isfinite(values.reshape(-1))][0]
                raise NonFiniteLossError(f"weight {weight.path}", first, epoch)

    def _check_logs(self, logs, batch, step):
        for key, value in (logs or {}).items():
            if self.monitor is not None and key not in self.monitor:
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue  # Not a scalar: nothing to check.
            if not math.isfinite(number):
                raise NonFiniteLossError(key, number, self._epoch, batch=batch, step=step)
