"""Tests for keras_gan.schedules and keras_gan.optimizers: the original code's SGD schedules."""

import math

import keras
import numpy as np
import pytest

from keras_gan import optimizers, schedules

# float32's unit roundoff: one rounding moves a value by at most this fraction of itself.
_U = 2.0**-24


def _value(schedule, step):
    return float(keras.ops.convert_to_numpy(schedule(step)))


def _decay_rtol(step, decay_factor=1.000004):
    """Relative float32 error of `lr * exp(-step * log(decay_factor))` against exact arithmetic.

    log(f) and lr are rounded to float32 (u each; log's error scales with the exponent x = step * log f,
    as does the product's), exp is within 2 ulp (4u), and the final product rounds once (u):
    u * (2x + 6) in all.
    """
    return _U * (2 * step * math.log(decay_factor) + 6)


class TestExponentialDecayWithFloor:
    def test_starts_at_the_initial_rate(self):
        # exp(-0 * c) = 1 exactly, so step 0 gives the float32 initial rate itself.
        assert _value(schedules.ExponentialDecayWithFloor(0.1), 0) == float(np.float32(0.1))

    @pytest.mark.parametrize("step", [1, 2, 1000, 100_000, 1_000_000, 2_000_000])
    def test_divides_by_1_000004_per_step(self, step):
        expected = 0.1 / 1.000004**step
        rtol = _decay_rtol(step)
        # The check resolves one step of decay: a schedule stuck at 0.1 (or one step late) fails it.
        assert expected * (1.000004 - 1) > 2 * rtol * expected
        np.testing.assert_allclose(
            _value(schedules.ExponentialDecayWithFloor(0.1), step), expected, rtol=rtol, atol=0
        )

    def test_the_floor_holds_from_the_step_where_the_decay_reaches_it(self):
        schedule = schedules.ExponentialDecayWithFloor(0.1)
        # 0.1 / 1.000004**t = 1e-6 at t = ln(1e5) / ln(1.000004) = 2,878,237.4.
        crossing = math.log(0.1 / 1e-6) / math.log(1.000004)
        before = int(crossing) - 1000  # 1000 steps of decay above the floor: 0.4% > the rtol.
        np.testing.assert_allclose(
            _value(schedule, before), 0.1 / 1.000004**before, rtol=_decay_rtol(before), atol=0
        )
        assert _value(schedule, before) > float(np.float32(1e-6))
        # From the crossing on, maximum(rate, floor) returns the float32 floor itself.
        for step in (int(crossing) + 1000, 3_000_000, 10_000_000):
            assert _value(schedule, step) == float(np.float32(1e-6)), step

    @pytest.mark.parametrize("step", [7, 100])
    def test_another_floor_and_factor(self, step):
        # 0.1 / 2**t falls below 0.01 at t = 3.3: the float32 floor from there on.
        assert _value(schedules.ExponentialDecayWithFloor(0.1, 2.0, floor=0.01), step) == float(
            np.float32(0.01)
        )

    def test_floor_zero_keeps_decaying(self):
        schedule = schedules.ExponentialDecayWithFloor(1.0, decay_factor=2.0, floor=0.0)
        for step in (0, 1, 2, 3, 100):
            np.testing.assert_allclose(
                _value(schedule, step), 2.0**-step, rtol=_decay_rtol(step, 2.0), atol=0
            )

    @pytest.mark.parametrize(
        "arguments, name",
        [
            ({"initial_learning_rate": 0.0}, "initial_learning_rate"),
            ({"initial_learning_rate": 0.1, "decay_factor": 0.9}, "decay_factor"),
            ({"initial_learning_rate": 0.1, "floor": -1e-6}, "floor"),
        ],
    )
    def test_bad_arguments_are_value_errors(self, arguments, name):
        with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}="):
            schedules.ExponentialDecayWithFloor(**arguments)


class TestLinearRamp:
    # initial + fraction * (final - initial) in float32: five roundings (the fraction, the
    # difference, the product, initial, the sum) of values at most 2 * max(|initial|, |final|).
    @pytest.mark.parametrize(
        "step, expected", [(0, 0.5), (10, 0.5), (15, 0.6), (20, 0.7), (19, 0.68), (1000, 0.7)]
    )
    def test_holds_ramps_and_holds(self, step, expected):
        np.testing.assert_allclose(
            _value(schedules.LinearRamp(0.5, 0.7, 10, 20), step), expected, rtol=0, atol=8 * _U * 0.7
        )

    def test_can_ramp_down(self):
        # 1 + (1/4) * (0 - 1): every value is a short binary fraction, exact in float32.
        assert _value(schedules.LinearRamp(1.0, 0.0, 0, 4), 1) == 0.75

    @pytest.mark.parametrize("start_step, end_step", [(5, 5), (6, 5), (-1, 5)])
    def test_bad_steps_are_value_errors(self, start_step, end_step):
        with pytest.raises(
            ValueError, match=f"Received: start_step={start_step}, end_step={end_step}"
        ):
            schedules.LinearRamp(0.5, 0.7, start_step, end_step)


_GRADIENTS = [
    np.array([1.0, -2.0], "float32"),
    np.array([0.5, 0.5], "float32"),
    np.array([-1.0, 3.0], "float32"),
]


def _apply(optimizer, gradients=_GRADIENTS, start=(1.0, 1.0)):
    variable = keras.Variable(np.array(start, "float32"))
    trajectory = []
    for gradient in gradients:
        optimizer.apply_gradients([(gradient, variable)])
        trajectory.append(variable.numpy().copy())
    return np.array(trajectory)


def _momentum_sgd_atol(steps, scale, input_rtol=0.0):
    """Worst-case float32 error of `steps` momentum-SGD updates against exact arithmetic.

    `scale` bounds |w|, |v|, |lr * g| along the way; `input_rtol` is the relative error of
    scheduled rates and momenta beyond their rounding to float32. Each step adds to v's error
    at most (input_rtol + 5u) * scale (lr and m rounded, m * v, lr * g and their difference
    rounded), and to w's at most 4u * scale (Nesterov's extra product and sums included) plus
    v's error times 1 + m <= 2; v's error carries on with m <= 1.
    """
    per_velocity = (input_rtol + 5 * _U) * scale
    return sum(2 * step * per_velocity + 4 * _U * scale for step in range(1, steps + 1))


def _hand_computed(rates, momenta, nesterov=False):
    """The update in float64, and the largest |w|, |v|, |lr * g| it passed through."""
    variable, velocity, expected, scale = np.array([1.0, 1.0]), np.zeros(2), [], 1.0
    for gradient, rate, momentum in zip(_GRADIENTS, rates, momenta):
        velocity = momentum * velocity - rate * gradient
        if nesterov:
            variable = variable + momentum * velocity - rate * gradient
        else:
            variable = variable + velocity
        expected.append(variable)
        scale = max(scale, *np.abs(variable), *np.abs(velocity), *np.abs(rate * gradient))
    return np.array(expected), scale


class TestScheduledMomentumSGD:
    def test_follows_a_hand_computed_momentum_ramp(self):
        # Momentum 0.5 at steps 0 and 1, 0.6 at step 2; the rate halves every step.
        momentum = schedules.LinearRamp(0.5, 0.7, 1, 3)
        rate = schedules.ExponentialDecayWithFloor(0.1, decay_factor=2.0, floor=0.0)
        trajectory = _apply(optimizers.ScheduledMomentumSGD(rate, momentum=momentum))
        expected, scale = _hand_computed([0.1, 0.05, 0.025], [0.5, 0.5, 0.6])
        # Inputs' own errors: the decay schedule's (largest at step 2) and the ramp's (8u).
        atol = _momentum_sgd_atol(3, scale, input_rtol=_decay_rtol(2, 2.0) + 8 * _U)
        # A momentum frozen at 0.5 would put w off by 0.1 * |v_2| = 7.5e-3 at step 2.
        assert atol < 7.5e-3 / 100
        np.testing.assert_allclose(trajectory, expected, rtol=0, atol=atol)

    def test_hand_computed_nesterov_update(self):
        momentum = schedules.LinearRamp(0.0, 0.9, 0, 1)  # 0 at step 0, then 0.9.
        trajectory = _apply(optimizers.ScheduledMomentumSGD(0.1, momentum=momentum, nesterov=True))
        expected, scale = _hand_computed([0.1] * 3, [0.0, 0.9, 0.9], nesterov=True)
        atol = _momentum_sgd_atol(3, scale, input_rtol=8 * _U)  # The ramp's 8u.
        np.testing.assert_allclose(trajectory, expected, rtol=0, atol=atol)

    @pytest.mark.parametrize("nesterov", [False, True])
    def test_a_constant_schedule_equals_keras_sgd(self, nesterov):
        constant = schedules.LinearRamp(0.6, 0.6, 0, 1)
        scheduled = _apply(
            optimizers.ScheduledMomentumSGD(0.05, momentum=constant, nesterov=nesterov)
        )
        reference = _apply(keras.optimizers.SGD(0.05, momentum=0.6, nesterov=nesterov))
        _, scale = _hand_computed([0.05] * 3, [0.6] * 3, nesterov=nesterov)
        # A fused kernel against Keras' element-wise ops: each within the bound of exact.
        atol = 2 * _momentum_sgd_atol(3, scale, input_rtol=8 * _U)
        np.testing.assert_allclose(scheduled, reference, rtol=0, atol=atol)

    def test_a_float_momentum_equals_keras_sgd(self):
        _, scale = _hand_computed([0.05] * 3, [0.3] * 3)
        np.testing.assert_allclose(
            _apply(optimizers.ScheduledMomentumSGD(0.05, momentum=0.3)),
            _apply(keras.optimizers.SGD(0.05, momentum=0.3)),
            rtol=0,
            atol=2 * _momentum_sgd_atol(3, scale),
        )

    def test_the_schedule_follows_iterations_inside_a_compiled_fit(self):
        # fit runs in a tf.function: the momentum must be read per step, not frozen at trace time.
        model = keras.Sequential(
            [keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")]
        )
        momentum = schedules.LinearRamp(0.0, 1.0, 0, 2)  # 0, 0.5, 1.0, 1.0
        model.compile(
            optimizer=optimizers.ScheduledMomentumSGD(1.0, momentum=momentum),
            loss="mean_absolute_error",
        )
        # d|w x - y| / dw = -1 at x=1, y=100 while w < 100: a constant gradient of -1.
        model.fit(np.ones((4, 1)), np.full((4, 1), 100.0), batch_size=1, shuffle=False, verbose=0)
        velocity = 0.0
        weight = 0.0
        for m in [0.0, 0.5, 1.0, 1.0]:
            velocity = m * velocity + 1.0
            weight += velocity
        # Momenta, velocities (1, 1.5, 2.5, 3.5) and weights are short binary fractions: exact.
        assert model.get_weights()[0].item() == weight == 8.5


class TestSerialization:
    @pytest.mark.parametrize(
        "schedule",
        [
            schedules.ExponentialDecayWithFloor(0.3, 1.01, 0.02),
            schedules.LinearRamp(0.5, 0.7, 7, 1750),
        ],
        ids=["decay", "ramp"],
    )
    def test_schedules_round_trip(self, schedule):
        restored = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(schedule)
        )
        assert type(restored) is type(schedule) and restored.get_config() == schedule.get_config()
        for step in (0, 7, 100, 1000, 5000):
            assert _value(restored, step) == _value(schedule, step)

    def test_optimizer_round_trips_and_keeps_its_schedules(self):
        optimizer = optimizers.ScheduledMomentumSGD(
            schedules.ExponentialDecayWithFloor(0.1, 2.0, 0.0),
            momentum=schedules.LinearRamp(0.5, 0.7, 1, 3),
            nesterov=True,
        )
        restored = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(optimizer)
        )
        assert isinstance(restored, optimizers.ScheduledMomentumSGD) and restored.nesterov
        assert isinstance(restored.momentum_schedule, schedules.LinearRamp)
        assert restored.momentum_schedule.get_config() == optimizer.momentum_schedule.get_config()
        np.testing.assert_array_equal(_apply(restored), _apply(optimizer))

    def test_optimizer_with_float_momentum_round_trips(self):
        optimizer = optimizers.ScheduledMomentumSGD(0.2, momentum=0.4)
        restored = optimizers.ScheduledMomentumSGD.from_config(optimizer.get_config())
        assert restored.momentum_schedule is None and restored.momentum == pytest.approx(0.4)
        np.testing.assert_array_equal(_apply(restored), _apply(optimizer))
