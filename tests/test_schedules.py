"""Tests for keras_gan.schedules and keras_gan.optimizers: the original code's SGD schedules."""

import keras
import numpy as np
import pytest

from keras_gan import optimizers, schedules


def _value(schedule, step):
    return float(keras.ops.convert_to_numpy(schedule(step)))


class TestExponentialDecayWithFloor:
    def test_starts_at_the_initial_rate(self):
        np.testing.assert_allclose(
            _value(schedules.ExponentialDecayWithFloor(0.1), 0), 0.1, rtol=1e-7
        )

    @pytest.mark.parametrize("step", [1, 1000, 100_000])
    def test_divides_by_1_000004_per_step(self, step):
        expected = 0.1 / 1.000004**step
        np.testing.assert_allclose(
            _value(schedules.ExponentialDecayWithFloor(0.1), step), expected, rtol=1e-3
        )

    def test_after_a_million_steps_it_is_near_0_1_over_e_to_the_4(self):
        # 1.000004 ** -1e6 = exp(-4.0) to 1e-5.
        rate = _value(schedules.ExponentialDecayWithFloor(0.1), 1_000_000)
        np.testing.assert_allclose(rate, 0.1 / 1.000004**1_000_000, rtol=1e-2)

    def test_after_a_million_steps_it_is_accurate_to_1e_4(self):
        rate = _value(schedules.ExponentialDecayWithFloor(0.1), 1_000_000)
        np.testing.assert_allclose(rate, 0.1 / 1.000004**1_000_000, rtol=1e-4)

    @pytest.mark.parametrize("step", [3_000_000, 10_000_000])
    def test_stops_at_the_floor(self, step):
        assert _value(schedules.ExponentialDecayWithFloor(0.1), step) == pytest.approx(
            1e-6, rel=1e-6
        )
        assert _value(
            schedules.ExponentialDecayWithFloor(0.1, 2.0, floor=0.01), step
        ) == pytest.approx(0.01)

    def test_floor_zero_keeps_decaying(self):
        schedule = schedules.ExponentialDecayWithFloor(1.0, decay_factor=2.0, floor=0.0)
        assert [_value(schedule, t) for t in range(4)] == [1.0, 0.5, 0.25, 0.125]

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
    @pytest.mark.parametrize(
        "step, expected", [(0, 0.5), (10, 0.5), (15, 0.6), (20, 0.7), (19, 0.68), (1000, 0.7)]
    )
    def test_holds_ramps_and_holds(self, step, expected):
        assert _value(schedules.LinearRamp(0.5, 0.7, 10, 20), step) == pytest.approx(
            expected, abs=1e-6
        )

    def test_can_ramp_down(self):
        assert _value(schedules.LinearRamp(1.0, 0.0, 0, 4), 1) == pytest.approx(0.75)

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


class TestScheduledMomentumSGD:
    def test_follows_a_hand_computed_momentum_ramp(self):
        # Momentum 0.5 at steps 0 and 1, 0.6 at step 2; the rate halves every step.
        momentum = schedules.LinearRamp(0.5, 0.7, 1, 3)
        rate = schedules.ExponentialDecayWithFloor(0.1, decay_factor=2.0, floor=0.0)
        trajectory = _apply(optimizers.ScheduledMomentumSGD(rate, momentum=momentum))
        variable, velocity, expected = np.array([1.0, 1.0]), np.zeros(2), []
        for step, (m, lr) in enumerate([(0.5, 0.1), (0.5, 0.05), (0.6, 0.025)]):
            velocity = m * velocity - lr * _GRADIENTS[step]
            variable = variable + velocity
            expected.append(variable)
        np.testing.assert_allclose(trajectory, expected, rtol=1e-6)

    def test_hand_computed_nesterov_update(self):
        momentum = schedules.LinearRamp(0.0, 0.9, 0, 1)  # 0 at step 0, then 0.9.
        trajectory = _apply(optimizers.ScheduledMomentumSGD(0.1, momentum=momentum, nesterov=True))
        variable, velocity, expected = np.array([1.0, 1.0]), np.zeros(2), []
        for step, m in enumerate([0.0, 0.9, 0.9]):
            velocity = m * velocity - 0.1 * _GRADIENTS[step]
            variable = variable + m * velocity - 0.1 * _GRADIENTS[step]
            expected.append(variable)
        np.testing.assert_allclose(trajectory, expected, rtol=1e-6)

    @pytest.mark.parametrize("nesterov", [False, True])
    def test_a_constant_schedule_equals_keras_sgd(self, nesterov):
        constant = schedules.LinearRamp(0.6, 0.6, 0, 1)
        scheduled = _apply(
            optimizers.ScheduledMomentumSGD(0.05, momentum=constant, nesterov=nesterov)
        )
        reference = _apply(keras.optimizers.SGD(0.05, momentum=0.6, nesterov=nesterov))
        np.testing.assert_allclose(scheduled, reference, rtol=1e-6)

    def test_a_float_momentum_equals_keras_sgd(self):
        np.testing.assert_allclose(
            _apply(optimizers.ScheduledMomentumSGD(0.05, momentum=0.3)),
            _apply(keras.optimizers.SGD(0.05, momentum=0.3)),
            rtol=1e-6,
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
        np.testing.assert_allclose(model.get_weights()[0].item(), weight, rtol=1e-6)


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
