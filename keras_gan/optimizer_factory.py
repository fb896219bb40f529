"""`make_optimizer`: a player's optimizer from a run's optimizer settings.

The settings' values live in the experiment configs
(`experiments/configs/`: the paper's in `base.py`, the `stable` recipe's
Adam in `base.stable`); this function checks them and builds the optimizer.
"""

import numbers

import keras

from keras_gan import optimizers
from keras_gan import schedules
from keras_gan import validation

OPTIMIZERS = ("sgd", "adam")


def make_optimizer(
    name,
    learning_rate,
    steps_per_epoch,
    *,
    beta_1,
    momentum,
    final_momentum,
    momentum_saturate_epoch,
    decay_factor,
    min_learning_rate,
):
    """Builds a fresh optimizer: the paper's scheduled SGD, or Adam.

    `"sgd"` is the original code's: `ScheduledMomentumSGD` whose rate is
    divided by `decay_factor` every step down to `min_learning_rate`, and
    whose momentum holds `momentum` during the first epoch, then rises
    linearly to `final_momentum` at epoch `momentum_saturate_epoch`.
    `"adam"` is `keras.optimizers.Adam(learning_rate, beta_1=beta_1)`. Each
    takes the settings it uses and ignores the others; call it once per
    player.

    Example:

    ```python
    settings = dict(beta_1=0.5, momentum=0.5, final_momentum=0.7, momentum_saturate_epoch=250,
                    decay_factor=1.000004, min_learning_rate=1e-6)
    d_optimizer, g_optimizer = (
        keras_gan.optimizer_factory.make_optimizer("sgd", 0.1, steps_per_epoch=70, **settings)
        for _ in range(2))
    ```

    Args:
        name: `"sgd"` or `"adam"`.
        learning_rate: Positive float, the initial learning rate.
        steps_per_epoch: Positive int: SGD's momentum schedule is in epochs,
            optimizers count steps.
        beta_1: Float in [0, 1), Adam's first-moment decay.
        momentum: Float in [0, 1], SGD's momentum during the first epoch.
        final_momentum: Float in [0, 1], SGD's momentum from
            `momentum_saturate_epoch` on.
        momentum_saturate_epoch: Int >= 2, the epoch where the ramp ends.
        decay_factor: Float >= 1, SGD's per-step rate divisor.
        min_learning_rate: Non-negative float, the floor of SGD's rate.

    Returns:
        A `keras.optimizers.Optimizer`.
    """
    if name not in OPTIMIZERS:
        raise ValueError(
            f"Invalid value for argument `name`. Received: name={name!r}. Expected one of {list(OPTIMIZERS)}."
        )
    _check_float("learning_rate", learning_rate, lambda v: v > 0, "a positive float")
    steps_per_epoch = validation.check_positive_int("steps_per_epoch", steps_per_epoch)
    if name == "adam":
        _check_float("beta_1", beta_1, lambda v: 0 <= v < 1, "a float in [0, 1)")
        return keras.optimizers.Adam(learning_rate, beta_1=beta_1)
    _check_float("momentum", momentum, lambda v: 0 <= v <= 1, "a float in [0, 1]")
    _check_float("final_momentum", final_momentum, lambda v: 0 <= v <= 1, "a float in [0, 1]")
    momentum_saturate_epoch = validation.check_int_at_least("momentum_saturate_epoch", momentum_saturate_epoch, 2)
    _check_float("min_learning_rate", min_learning_rate, lambda v: v >= 0, "a float >= 0")
    momentum_schedule = schedules.LinearRamp(
        momentum, final_momentum, steps_per_epoch, momentum_saturate_epoch * steps_per_epoch
    )
    rate = schedules.ExponentialDecayWithFloor(learning_rate, decay_factor, min_learning_rate)
    return optimizers.ScheduledMomentumSGD(learning_rate=rate, momentum=momentum_schedule)


def _check_float(name, value, accepts, expected):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not accepts(value):
        raise ValueError(f"Invalid value for argument `{name}`. Received: {name}={value!r}. Expected {expected}.")
