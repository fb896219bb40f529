"""The original code's learning-rate and momentum schedules, per optimizer step."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class ExponentialDecayWithFloor(keras.optimizers.schedules.LearningRateSchedule):
    """Divides the learning rate by `decay_factor` every step, down to `floor`.

    The original MNIST code: `lr_t = max(0.1 / 1.000004**t, 1e-6)`.

    Example:

    >>> schedule = keras_gan.schedules.ExponentialDecayWithFloor(0.1)
    >>> optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=0.5)

    Args:
        initial_learning_rate: Positive float, the rate at step 0.
        decay_factor: Float >= 1, the divisor applied at each step.
        floor: Non-negative float, the smallest rate.
    """

    def __init__(self, initial_learning_rate, decay_factor=1.000004, floor=1e-6):
        if not initial_learning_rate > 0:
            raise ValueError(
                "Invalid value for argument `initial_learning_rate`. "
                f"Received: initial_learning_rate={initial_learning_rate}. "
                "Expected a positive float."
            )
        if not decay_factor >= 1:
            raise ValueError(
                f"Invalid value for argument `decay_factor`. Received: decay_factor={decay_factor}. "
                "Expected a float >= 1 (the rate is divided by it each step)."
            )
        if not floor >= 0:
            raise ValueError(
                f"Invalid value for argument `floor`. Received: floor={floor}. "
                "Expected a non-negative float."
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_factor = float(decay_factor)
        self.floor = float(floor)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        # exp(-t log f), with log f taken in float64: float32's 1/1.000004 is
        # off by 6.5e-9, an error that compounds to 1% over 2e6 steps.
        rate = self.initial_learning_rate * ops.exp(-step * math.log(self.decay_factor))
        return ops.maximum(rate, self.floor)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_factor": self.decay_factor,
            "floor": self.floor,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class LinearRamp(keras.optimizers.schedules.LearningRateSchedule):
    """Holds `initial` until `start_step`, then moves linearly to `final` at `end_step`.

    The original code's momentum rose from 0.5 at epoch 1 to 0.7 at epoch 250;
    with `s` steps per epoch that is `LinearRamp(0.5, 0.7, s, 250 * s)`.

    Example:

    >>> momentum = keras_gan.schedules.LinearRamp(0.5, 0.7, 70, 250 * 70)
    >>> optimizer = keras_gan.optimizers.ScheduledMomentumSGD(0.1, momentum=momentum)

    Args:
        initial: Float, the value up to `start_step`.
        final: Float, the value from `end_step` on.
        start_step: Non-negative int.
        end_step: Int greater than `start_step`.
    """

    def __init__(self, initial, final, start_step, end_step):
        if not 0 <= start_step < end_step:
            raise ValueError(
                "Invalid values for arguments `start_step` and `end_step`. "
                f"Received: start_step={start_step}, end_step={end_step}. "
                "Expected 0 <= start_step < end_step."
            )
        self.initial = float(initial)
        self.final = float(final)
        self.start_step = int(start_step)
        self.end_step = int(end_step)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        fraction = (step - self.start_step) / (self.end_step - self.start_step)
        fraction = ops.clip(fraction, 0.0, 1.0)
        return self.initial + fraction * (self.final - self.initial)

    def get_config(self):
        return {
            "initial": self.initial,
            "final": self.final,
            "start_step": self.start_step,
            "end_step": self.end_step,
        }
