"""SGD whose momentum may follow a schedule, as in the original code."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class ScheduledMomentumSGD(keras.optimizers.SGD):
    """`keras.optimizers.SGD` whose `momentum` may be a schedule of the step.

    Keras' SGD compiles its momentum into the training graph as a constant, so
    a callback cannot change it without retracing. Here the momentum is read
    from a schedule of `iterations` inside the graph, which also makes a
    resumed run continue the schedule exactly.

    Example:

    >>> optimizer = keras_gan.optimizers.ScheduledMomentumSGD(
    ...     learning_rate=keras_gan.schedules.ExponentialDecayWithFloor(0.1),
    ...     momentum=keras_gan.schedules.LinearRamp(0.5, 0.7, 70, 250 * 70))

    Args:
        learning_rate: Float or `LearningRateSchedule`.
        momentum: Float in [0, 1], or a `LearningRateSchedule` (any callable
            of the step) giving the momentum at each step.
        nesterov: Bool, whether to apply Nesterov momentum.
        **kwargs: Other `keras.optimizers.SGD` arguments.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        if isinstance(momentum, dict):
            momentum = keras.saving.deserialize_keras_object(momentum)
        schedule = momentum if callable(momentum) else None
        # With a schedule, any non-zero float makes SGD allocate momentum slots.
        super().__init__(
            learning_rate=learning_rate,
            momentum=0.5 if schedule else momentum,
            nesterov=nesterov,
            **kwargs,
        )
        self.momentum_schedule = schedule

    def update_step(self, gradient, variable, learning_rate):
        if self.momentum_schedule is None:
            return super().update_step(gradient, variable, learning_rate)
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        momentum = ops.cast(self.momentum_schedule(self.iterations), variable.dtype)
        velocity = self.momentums[self._get_variable_index(variable)]
        self.assign(velocity, velocity * momentum - gradient * learning_rate)
        if self.nesterov:
            self.assign_add(variable, velocity * momentum - gradient * learning_rate)
        else:
            self.assign_add(variable, velocity)

    def get_config(self):
        config = super().get_config()
        if self.momentum_schedule is not None:
            config["momentum"] = keras.saving.serialize_keras_object(self.momentum_schedule)
        return config
