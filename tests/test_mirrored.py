"""Tests for GAN training under `tf.distribute.MirroredStrategy` on two logical CPUs.

The distributed runs happen in a subprocess (tests/mirrored_worker.py): the
logical devices must be configured before TensorFlow initialises its devices,
and doing so here would change the devices of every other test.
"""

from pathlib import Path

import numpy as np
import pytest

import processes

_WORKER = Path(__file__).resolve().parent / "mirrored_worker.py"


@pytest.fixture(scope="module")
def results():
    return processes.run_for_result(_WORKER)


def _assert_within_ulps_per_step(steps):
    """Checks each step's max |weight difference| against the float32 rounding bound."""
    assert steps["dtypes"] == ["float32"]
    for step, difference in enumerate(steps["difference"], start=1):
        # The all-reduce sums the halves' gradients in another order than one device's
        # reduction, so each step's update may round to the neighbouring float32: at
        # most 1 ulp of the largest weight per step, carried on by the later steps.
        bound = step * float(np.spacing(np.float32(max(steps["scale"][:step]))))
        assert difference <= bound, f"step {step}: max |difference| {difference:.3g} > {bound:.3g}"
    assert steps["moved"] > 1e-3  # The steps changed the weights: equality is not vacuous.


class TestMirroredStrategy:
    def test_fit_runs_on_two_replicas_with_finite_metrics(self, results):
        assert results["num_replicas"] == 2
        history = results["history"]
        assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake", "value", "r1_penalty"}
        for name, values in history.items():
            assert len(values) == 2 and np.all(np.isfinite(values)), name
        assert all(0 < p < 1 for p in history["d_real"] + history["d_fake"])

    def test_several_steps_per_call_is_a_clear_error(self, results):
        # Keras' multi-step loop would fail deep inside TF at the first step.
        message = results["steps_per_execution_error"]
        assert message is not None
        assert "keras-team/keras#19246" in message
        assert "Received: steps_per_execution=2 with 2 replicas" in message

    @pytest.mark.parametrize("k", ["1", "2"])
    def test_steps_on_two_replicas_equal_steps_on_one_device(self, results, k):
        # Weights after step 1 and step 2 of a global batch of 16, split 8 + 8; the
        # largest weight is ~0.56, so the bounds are 6e-8 and 1.2e-7.
        steps = results["steps"][k]
        assert len(steps["difference"]) == 2
        _assert_within_ulps_per_step(steps)

    def test_scheduled_momentum_sgd_on_two_replicas_equals_one_device(self, results):
        # Its fused update must apply to each replica's own copy of the weights.
        steps = results["scheduled_sgd_steps"]
        assert len(steps["difference"]) == 3
        _assert_within_ulps_per_step(steps)

    @pytest.mark.parametrize("conditioning", ["concat", "projection"])
    def test_conditional_steps_on_two_replicas_equal_steps_on_one_device(self, results, conditioning):
        # Labels are split with their examples, and the fakes' labels drawn per
        # replica as the noise is: two replicas then train as one device does.
        steps = results["conditional_steps"][conditioning]
        assert len(steps["difference"]) == 2
        _assert_within_ulps_per_step(steps)

    def test_each_replica_draws_its_own_slice_of_the_global_noise(self, results):
        replicas = np.array(results["noise"]["replicas"])
        single = np.array(results["noise"]["single_device"])
        assert replicas.shape == (2, 5, 3)
        # No two replicas generate from the same noise.
        assert not np.any(np.isclose(replicas[0][:, None, :], replicas[1][None, :, :]).all(axis=-1))
        # Together they draw exactly what one device draws from the same seed. Bitwise,
        # legitimately: the same counter-based random op, same shape and seed, and no
        # reduction, so no summation order can differ between the two graphs.
        np.testing.assert_array_equal(replicas.reshape(10, 3), single)
