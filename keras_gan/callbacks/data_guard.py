"""`DataGuard`: stops `GAN.fit` and `GAN.evaluate` at a bad batch, before it updates anything.

The checks run inside the step (`BatchChecks`, called by `GAN.train_step`
and `GAN.test_step`), where a bad batch is withheld from the update; the
callback reads what they found after each call of the step function and
raises from Python, so the user reads one line instead of a graph trace.
`GAN.fit` and `GAN.evaluate` add a `DataGuard` themselves.
"""

import warnings

import keras
import numpy as np
from keras import ops

from keras_gan import distribute
from keras_gan import validation

# The problems a batch can have, in order of precedence (0: none).
_NON_FINITE, _BAD_LABELS, _FAR_OUTSIDE, _OTHER_SCALE, _NOT_DIVISIBLE = 1, 2, 3, 4, 5
# "Far" outside the generator's range: more than this many range widths
# beyond it. Pixels in 0..255 are 254 widths past a sigmoid's [0, 1].
_FAR = 25.0

# Slots of a state vector: counts of this call's steps, the first bad one, and the left-out batches.
_STEPS, _BAD_STEP, _PROBLEM, _LOW, _HIGH, _SIZE, _NAN, _INF, _LEFT_OUT, _LEFT_OUT_BATCHES = range(10)
_STATE_SIZE = 10


class BadBatchError(ValueError):
    """A batch of real examples that training or evaluation cannot use.

    Attributes:
        epoch: The 0-based epoch, or `None` during `evaluate`.
        batch: The 0-based batch of the epoch (or of the evaluation).
    """

    def __init__(self, message, epoch, batch):
        super().__init__(message)
        self.epoch, self.batch = epoch, batch


class BatchChecks:
    """The in-step half of `DataGuard`: checks each batch, records what is wrong.

    A batch is bad when it holds NaN or Inf; when its values lie far outside
    the generator's output range (more than 25 range widths beyond it:
    0..255 pixels for a sigmoid or tanh generator); when it is scaled for the
    other bounded output ([0, 1] data for a tanh generator: nothing below 0
    and a maximum above 0.5; [-1, 1] data for a sigmoid one: a minimum below
    -0.5); for a conditional GAN, when a label is outside [0, num_classes);
    or, in training, when its size is not a multiple of k on the
    first step of a `fit` call. A later batch
    whose size is not a multiple of k (the last, partial batch of an epoch)
    is left out and counted. After a bad batch no later step of the same
    call updates anything.

    State lives in two small vectors (training, evaluation) of per-replica
    variables: they are not weights, not saved, and cost one read per call
    of the step function.

    Args:
        value_range: `(low, high)` of the generator's output, or `None`.
        discriminator_steps: The GAN's k.
        num_classes: The GAN's number of classes, or `None` if unconditional.
    """

    def __init__(self, value_range, discriminator_steps, num_classes=None):
        self.value_range = value_range
        self.discriminator_steps = int(discriminator_steps)
        self.num_classes = num_classes
        self._states = {
            mode: keras.Variable(
                np.zeros(_STATE_SIZE, "float32"),
                trainable=False,
                synchronization="on_read",
                aggregation="only_first_replica",
                name=f"batch_checks_{mode}",
            )
            for mode in ("train", "test")
        }

    def check(self, real, training, labels=None):
        """Checks one batch (in the step) and records a problem.

        Args:
            real: Float tensor `[n, ...]`, this replica's real examples.
            training: Bool, whether this is a training step.
            labels: Int tensor `[n]`, their labels (conditional GANs only).

        Returns:
            `(usable, non_finite)`: boolean scalars, equal on every replica.
            `usable`: the step may update; `non_finite`: the batch has NaN or Inf.
        """
        values = ops.cast(real, "float32")
        size = ops.cast(ops.shape(values)[0], "float32")
        low, high = self._finite_extremes(values)
        range_flags = self._range_flags(low, high)
        bad_labels = ops.convert_to_tensor(0.0)
        if labels is not None:
            outside = ops.logical_or(ops.less(labels, 0), ops.greater_equal(labels, self.num_classes))
            bad_labels = ops.sum(ops.cast(outside, "float32"))
            # The message then reports the labels' range instead of the values'.
            low = ops.where(bad_labels > 0, ops.cast(ops.min(labels), "float32"), low)
            high = ops.where(bad_labels > 0, ops.cast(ops.max(labels), "float32"), high)
        counts = ops.stack(
            [
                ops.sum(ops.cast(ops.isnan(values), "float32")),
                ops.sum(ops.cast(ops.isinf(values), "float32")),
                size,
                bad_labels,
                *range_flags,
                ops.cast(ops.not_equal(ops.mod(size, self.discriminator_steps), 0), "float32"),
            ]
        )
        # One all-reduce: every replica then agrees on what to do.
        num_nan, num_inf, total, bad_labels, far, other_scale, uneven = ops.unstack(
            distribute.sum_over_replicas(counts)
        )
        state = self._states["train" if training else "test"]
        previous = state.value
        steps = previous[_STEPS] + 1.0
        uneven = ops.logical_and(ops.greater(uneven, 0.0), training)
        non_finite = ops.greater(num_nan + num_inf, 0.0)
        problem = ops.convert_to_tensor(0.0)
        for condition, code in reversed(
            [
                (non_finite, _NON_FINITE),
                (ops.greater(bad_labels, 0.0), _BAD_LABELS),
                (ops.greater(far, 0.0), _FAR_OUTSIDE),
                (ops.greater(other_scale, 0.0), _OTHER_SCALE),
                (ops.logical_and(uneven, ops.equal(steps, 1.0)), _NOT_DIVISIBLE),
            ]
        ):
            problem = ops.where(condition, float(code), problem)
        earlier_problem = ops.greater(previous[_BAD_STEP], 0.0)
        new_problem = ops.logical_and(ops.greater(problem, 0.0), ops.logical_not(earlier_problem))
        left_out = ops.logical_and(uneven, ops.equal(problem, 0.0))
        recorded = ops.stack([steps, steps, problem, low, high, total, num_nan, num_inf])
        kept = ops.concatenate([ops.expand_dims(steps, 0), previous[_BAD_STEP:_LEFT_OUT]])
        counted = previous[_LEFT_OUT:] + ops.cast(left_out, "float32") * ops.stack([total, 1.0])
        state.assign(ops.concatenate([ops.where(new_problem, recorded, kept), counted]))
        usable = ops.logical_not(
            ops.logical_or(ops.logical_or(earlier_problem, new_problem), left_out)
        )
        return usable, non_finite

    def _range_flags(self, low_seen, high_seen):
        """`(far, other_scale)` as 0/1 floats; zeros without a bounded output."""
        if self.value_range is None:
            return [ops.convert_to_tensor(0.0)] * 2
        low, high = self.value_range
        width = high - low
        far = ops.logical_or(
            ops.greater(high_seen, high + _FAR * width), ops.less(low_seen, low - _FAR * width)
        )
        if low == -high:
            # [0, 1] data for a tanh generator: nothing below the middle.
            other_scale = ops.logical_and(
                ops.greater_equal(low_seen, 0.0), ops.greater(high_seen, 0.5 * high)
            )
        else:
            # [-1, 1] data for a sigmoid generator: half a width below it.
            other_scale = ops.less(low_seen, low - 0.5 * width)
        return [ops.cast(flag, "float32") for flag in (far, other_scale)]

    @staticmethod
    def _finite_extremes(values):
        finite = ops.isfinite(values)
        return ops.min(ops.where(finite, values, np.inf)), ops.max(ops.where(finite, values, -np.inf))

    def reset(self, mode):
        """Forgets what earlier steps of `mode` (`"train"` or `"test"`) found."""
        self._states[mode].assign(np.zeros(_STATE_SIZE, "float32"))

    def read(self, mode):
        """The state of `mode` as a NumPy vector (see the slot names above)."""
        return ops.convert_to_numpy(self._states[mode].value)


class DataGuard(keras.callbacks.Callback):
    """Raises a one-line `BadBatchError` at the first bad batch of `fit` or `evaluate`.

    `GAN.fit` and `GAN.evaluate` add it themselves, first in the callbacks
    list, or right after a `NonFiniteGuard` placed first (which then reports
    a batch with NaN or Inf as the non-finite `d_loss` it gives, in its own
    words). The step withholds a bad batch from the update (see
    `BatchChecks`); this callback says why, after the step function returns:

    - NaN or Inf in a batch: an error naming the batch; no weight took it.
    - Values far outside the generator's output range (0..255 pixels for a
      sigmoid generator, [0, 1] data for a tanh one): an error at the first
      batch, saying how to scale the data.
    - A first batch whose size is not a multiple of k: an error. A later
      batch (the last, partial one) is left out, with a warning giving the
      count, as `keras_gan.data.training_pipeline` leaves out a remainder.
    - No batch at all: an error.

    Example:

    ```python
    gan.fit(images_0_to_255, epochs=1)
    # BadBatchError: Real examples lie far outside the generator's output range. ...
    ```
    """

    def __init__(self):
        super().__init__()
        self._epoch = 0
        self._epoch_start = 0
        self._steps = 0
        self._left_out_reported = 0

    def _checks(self):
        return getattr(self.model, "_batch_checks", None)

    def on_train_begin(self, logs=None):
        self._steps, self._epoch_start, self._left_out_reported = 0, 0, 0
        if self._checks() is not None:
            self._checks().reset("train")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._epoch_start = epoch, self._steps

    def on_train_batch_end(self, batch, logs=None):
        if self._checks() is None:
            return
        state = self._checks().read("train")
        self._steps = int(state[_STEPS])
        if state[_BAD_STEP]:
            bad_batch = int(state[_BAD_STEP]) - self._epoch_start - 1
            where = f"batch {bad_batch + 1} of epoch {self._epoch + 1}"
            message = self._message(state, where)
            if int(state[_PROBLEM]) == _NON_FINITE:
                message += " Training stopped before this batch updated any weight."
            raise BadBatchError(message, self._epoch, bad_batch)

    def on_epoch_end(self, epoch, logs=None):
        if self._checks() is None:
            return
        state = self._checks().read("train")
        if not state[_STEPS]:
            k = self.model.discriminator_steps
            raise ValueError(
                "The training data is empty. Received: data that yielded no batch in "
                f"epoch {epoch + 1}. Expected batches of discriminator_steps * m examples "
                f"(discriminator_steps={k})."
            )
        left_out = int(state[_LEFT_OUT]) - self._left_out_reported
        if left_out and not self._left_out_reported:
            k = self.model.discriminator_steps
            batches = int(state[_LEFT_OUT_BATCHES])
            warnings.warn(
                f"{left_out} example{'s' * (left_out != 1)} left out of epoch {epoch + 1}: "
                f"{batches} batch{'es' * (batches != 1)} (the last, partial one) did not "
                f"split into discriminator_steps={k} equal minibatches. As "
                "keras_gan.data.training_pipeline does with a remainder, such a batch is "
                "left out; batch with `drop_remainder=True` to avoid it.",
                stacklevel=2,
            )
        self._left_out_reported = int(state[_LEFT_OUT])

    def on_test_begin(self, logs=None):
        if self._checks() is not None:
            self._checks().reset("test")

    def on_test_batch_end(self, batch, logs=None):
        if self._checks() is None:
            return
        state = self._checks().read("test")
        if state[_BAD_STEP]:
            bad_batch = int(state[_BAD_STEP]) - 1
            raise BadBatchError(
                self._message(state, f"batch {bad_batch + 1} of the evaluation data"),
                None,
                bad_batch,
            )

    def on_test_end(self, logs=None):
        if self._checks() is not None and not self._checks().read("test")[_STEPS]:
            raise ValueError(
                "The evaluation data is empty. Received: data that yielded no batch. "
                "Expected at least one batch of real examples."
            )

    def _message(self, state, where):
        problem, size = int(state[_PROBLEM]), int(state[_SIZE])
        if problem == _NON_FINITE:
            return (
                f"Real examples contain NaN or Inf: {where}. Received: {int(state[_NAN])} NaN "
                f"and {int(state[_INF])} Inf values in a batch of {size} examples. Expected "
                "finite values: fix or drop those examples."
            )
        if problem == _BAD_LABELS:
            num_classes = self._checks().num_classes
            return (
                f"Labels outside [0, {num_classes}): {where}. Received: labels in "
                f"[{state[_LOW]:g}, {state[_HIGH]:g}] for num_classes={num_classes}. Expected "
                f"integer class labels 0..{num_classes - 1}: fix them, or build the models "
                "with more classes."
            )
        if problem == _NOT_DIVISIBLE:
            k = self.model.discriminator_steps
            return (
                "Each batch must hold discriminator_steps * m examples. "
                f"Received: a batch of {size} with discriminator_steps={k}. "
                "Batch the data with keras_gan.data.training_pipeline, or use "
                "`dataset.batch(k * m, drop_remainder=True)`."
            )
        return _range_message(problem, state[_LOW], state[_HIGH], where, self._checks().value_range,
                              _activation_name(self.model))


def _activation_name(model):
    return validation.output_range(model.generator)[1]


def _range_message(problem, low_seen, high_seen, where, value_range, activation):
    low, high = value_range
    received = (
        f"Received: values in [{low_seen:g}, {high_seen:g}] ({where}) for a generator whose "
        f"output layer applies {activation} (range [{low:g}, {high:g}])."
    )
    expected = f"Expected data in [{low:g}, {high:g}]: scale it, e.g."
    if problem == _FAR_OUTSIDE:
        pixels = {(0.0, 1.0): "`x / 255`", (-1.0, 1.0): "`x / 127.5 - 1`"}[(low, high)]
        return (
            f"Real examples lie far outside the generator's output range. {received} "
            f"{expected} {pixels} for pixels in 0..255."
        )
    if low == -high:
        return (
            "Real examples use only the upper half of the generator's output range. "
            f"{received} {expected} `x * 2 - 1` for data in [0, 1], or give the generator "
            "a sigmoid output."
        )
    return (
        "Real examples reach far below the generator's output range. "
        f"{received} {expected} `(x + 1) / 2` for data in [-1, 1], or give the generator "
        "a tanh output."
    )
