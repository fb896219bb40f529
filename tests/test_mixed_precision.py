"""Tests of training under mixed precision (`mixed_float16`, `mixed_bfloat16`).

Under `mixed_float16` both players' optimizers are wrapped in Keras'
`LossScaleOptimizer` (the paper's fused momentum SGD included), R1 and the
gradient penalty take their input gradients under the same loss scale,
and D's logits, the losses and the EMA generator's weights stay float32.
The reference is always float32 from the same initial weights and data.

Every test restores the global dtype policy. They also turn off Grappler's
remapper while they run: TF 2.21's oneDNN kernel for a fused float16
MatMul + BiasAdd takes ~1 s per layer on CPU (a 50-step run would take
minutes); unfused, the same ops take milliseconds and give the same values.
"""

import contextlib
import json
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import export
import keras_gan
import processes

# float16's unit roundoff: one rounding moves a value by at most u/2 of itself.
_U = 2.0**-11


def _reduced_precision_runs_here():
    """Whether TensorFlow's CPU kernels here multiply in float16 and bfloat16 without aborting.

    oneDNN aborts the whole process ("could not create a primitive
    descriptor for the matmul primitive") where the CPU lacks float16
    instructions, e.g. an AVX2-only CPU (or ONEDNN_MAX_CPU_ISA=AVX2): probed
    in a subprocess, so this one survives to report it.
    """
    probe = (
        "import keras\n"
        "for policy in ('mixed_float16', 'mixed_bfloat16'):\n"
        "    keras.mixed_precision.set_global_policy(policy)\n"
        "    print(float(keras.layers.Dense(4)(keras.ops.ones((2, 3))).numpy().sum()))\n"
    )
    return processes.run_python("-c", probe).returncode == 0


pytestmark = pytest.mark.skipif(
    not _reduced_precision_runs_here(),
    reason="TensorFlow's oneDNN aborts on float16/bfloat16 matmuls on this CPU (no such instructions); "
    "mixed precision is for GPUs and CPUs with AVX512-FP16/AMX",
)
_WORKER = Path(__file__).resolve().parent / "scripts" / "mixed_precision_mirrored.py"
_STEPS = 50


@contextlib.contextmanager
def _global_policy(name):
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


@pytest.fixture(autouse=True, scope="module")
def _unfused_float16_matmuls():
    previous = tf.config.optimizer.get_experimental_options().get("remapping", True)
    tf.config.optimizer.set_experimental_options({"remapping": False})
    yield
    tf.config.optimizer.set_experimental_options({"remapping": previous})
    keras.mixed_precision.set_global_policy("float32")


def _paper_sgd():
    """The paper's optimizer: fused momentum SGD, 0.1 decaying, momentum 0.5 -> 0.7."""
    return keras_gan.optimizers.ScheduledMomentumSGD(
        learning_rate=keras_gan.schedules.ExponentialDecayWithFloor(0.1, 1.000004, 1e-6),
        momentum=keras_gan.schedules.LinearRamp(0.5, 0.7, 70, 250 * 70),
    )


def _paper_models(data_mean):
    """The paper's MNIST architectures (ReLU MLP G, maxout D with dropout), narrower."""
    generator = keras_gan.models.mnist_generator(
        data_mean=data_mean, hidden_units=(128, 128), seed=0
    )
    discriminator = keras_gan.models.mnist_discriminator(hidden_units=(64, 64), seed=1)
    return generator, discriminator


def _flat(weights):
    return np.concatenate([np.ravel(w).astype(np.float64) for w in weights])


def _cosine(a, b):
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))


def _train(policy, digits, initial=None, steps=_STEPS):
    """`steps` of the paper's SGD on batches of 100 digits: the GAN, the weights before and after."""
    with _global_policy(policy):
        generator, discriminator = _paper_models(digits.mean(0))
        if initial is not None:
            generator.set_weights(initial[0])
            discriminator.set_weights(initial[1])
        gan = keras_gan.GAN(generator, discriminator, seed=0)
        gan.compile(d_optimizer=_paper_sgd(), g_optimizer=_paper_sgd())
        players = (gan.generator, gan.discriminator)
        start = [player.get_weights() for player in players]
        data = tf.data.Dataset.from_tensor_slices(digits).repeat().batch(100).take(steps)
        gan.fit(data, epochs=1, shuffle=False, verbose=0)
    return gan, start, [player.get_weights() for player in players]


@pytest.fixture(scope="module")
def float32_run(mnist_digits):
    return _train("float32", mnist_digits)


def _assert_moves_like_float32(float32_run, run):
    _, start32, end32 = float32_run
    _, start, end = run
    for player, name in enumerate(("generator", "discriminator")):
        np.testing.assert_array_equal(_flat(start[player]), _flat(start32[player]))
        reference = _flat(end32[player]) - _flat(start32[player])
        movement = _flat(end[player]) - _flat(start[player])
        assert np.all(np.isfinite(movement)), name
        ratio = np.linalg.norm(movement) / np.linalg.norm(reference)
        cosine = _cosine(movement, reference)
        message = f"{name}: ratio {ratio:.3f}, cosine {cosine:.3f}"
        assert 0.7 <= ratio <= 1.3 and cosine >= 0.9, message


class TestTrainingMatchesFloat32:
    def test_mixed_float16_sgd_moves_both_players_as_float32(self, float32_run, mnist_digits):
        # Measured: ratio 1.005, cosine 0.986 (G); 1.007, 0.983 (D). Without the loss
        # scale G's gradients underflow through D's small weights: ratio 0.000.
        _, start32, _ = float32_run
        run = _train("mixed_float16", mnist_digits, initial=start32)
        gan = run[0]
        for optimizer in (gan.d_optimizer, gan.g_optimizer):
            assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
            assert isinstance(optimizer.inner_optimizer, keras_gan.optimizers.ScheduledMomentumSGD)
        # No step was skipped for a non-finite gradient.
        assert int(gan.d_optimizer.iterations) == int(gan.g_optimizer.iterations) == _STEPS
        _assert_moves_like_float32(float32_run, run)

    def test_mixed_bfloat16_trains_like_float32_without_loss_scale(self, float32_run, mnist_digits):
        # bfloat16 has float32's exponent range. Measured: 0.990, 0.986 (G); 0.993, 0.973 (D).
        _, start32, _ = float32_run
        run = _train("mixed_bfloat16", mnist_digits, initial=start32)
        gan = run[0]
        assert isinstance(gan.d_optimizer, keras_gan.optimizers.ScheduledMomentumSGD)
        assert isinstance(gan.g_optimizer, keras_gan.optimizers.ScheduledMomentumSGD)
        _assert_moves_like_float32(float32_run, run)


def _discriminate(discriminator):
    """D on batches concatenated, in inference mode, logits in float32 (as `GAN` runs it)."""

    def discriminate(*batches):
        inputs = ops.concatenate(batches, axis=0)
        logits = ops.cast(discriminator(inputs, training=False), "float32")
        size = batches[0].shape[0]
        return tuple(logits[i * size : (i + 1) * size] for i in range(len(batches)))

    return discriminate


def _penalty_and_gradient(regularizer, discriminator, real, fake, loss_scale=None):
    """The penalty, and its gradient on D's weights as a loss-scaled update computes it."""
    dtype = discriminator.compute_dtype
    real, fake = ops.cast(real, dtype), ops.cast(fake, dtype)
    with tf.GradientTape() as tape:
        _, _, penalty = regularizer.logits_and_penalty(
            _discriminate(discriminator), real, fake, seed=keras.random.SeedGenerator(3),
            loss_scale=loss_scale,
        )
        scaled = penalty * (loss_scale or 1.0)
    gradients = tape.gradient(scaled, discriminator.trainable_weights)
    gradient = _flat([g for g in gradients if g is not None]) / (loss_scale or 1.0)
    return penalty, gradient


def _discriminators(weight_range):
    """The same maxout D (no dropout in inference) in float32 and in mixed_float16."""
    options = dict(hidden_units=(64, 64), weight_range=weight_range, seed=1)
    reference = keras_gan.models.mnist_discriminator(**options)
    with _global_policy("mixed_float16"):
        mixed = keras_gan.models.mnist_discriminator(**options)
    mixed.set_weights(reference.get_weights())
    return reference, mixed


class TestPenaltiesUnderFloat16:
    # The gradients pass about 9 float16 roundings (the input, three weight
    # matrices, two hidden layers, three backward products), each at most u/2
    # relative: the penalty, quadratic in them, is within 9u of float32's; 10u
    # is allowed (measured: up to 5u). Its gradient on D's weights is held to
    # the same norm tolerance and a cosine of 0.999 (measured: 0.9999).
    @pytest.mark.parametrize("weight_range", [0.005, 0.05])  # The paper's D at init, and larger.
    @pytest.mark.parametrize(
        "regularizer", [keras_gan.losses.R1(10.0), keras_gan.losses.GradientPenalty(10.0)]
    )
    def test_penalty_and_its_gradient_match_float32(self, mnist_digits, regularizer, weight_range):
        real = mnist_digits[:64]
        fake = np.random.default_rng(0).uniform(size=real.shape).astype("float32")
        reference, mixed = _discriminators(weight_range)
        penalty32, gradient32 = _penalty_and_gradient(regularizer, reference, real, fake)
        penalty, gradient = _penalty_and_gradient(regularizer, mixed, real, fake, loss_scale=2.0**15)
        assert penalty.dtype == "float32" and np.isfinite(float(penalty))
        assert abs(float(penalty) - float(penalty32)) <= 10 * _U * abs(float(penalty32))
        assert np.all(np.isfinite(gradient))
        assert abs(np.linalg.norm(gradient) / np.linalg.norm(gradient32) - 1) <= 10 * _U
        assert _cosine(gradient, gradient32) >= 0.999

    def test_r1_gradient_underflows_without_the_loss_scale(self, mnist_digits):
        # Why the scale: at the paper's initial weights (+-0.005) D's input gradients are
        # ~1e-6 per pixel, float16 subnormals; R1's gradient then points elsewhere
        # (measured cosine 0.18 to float32's, 0.9999 with the scale).
        real = mnist_digits[:64]
        reference, mixed = _discriminators(0.005)
        _, gradient32 = _penalty_and_gradient(keras_gan.losses.R1(10.0), reference, real, real)
        _, gradient = _penalty_and_gradient(keras_gan.losses.R1(10.0), mixed, real, real)
        assert _cosine(gradient, gradient32) < 0.5


def _small_gan(**options):
    """A small MNIST-shaped GAN under the current policy: seeded, R1 and an EMA generator."""
    generator = keras_gan.models.mnist_generator(hidden_units=(32,), seed=0)
    discriminator = keras_gan.models.mnist_discriminator(hidden_units=(16,), seed=1)
    gan = keras_gan.GAN(generator, discriminator, seed=0, r1_weight=10.0, ema_decay=0.9, **options)
    gan.compile(d_optimizer=_paper_sgd(), g_optimizer=_paper_sgd())
    return gan


def _optimizer_state(optimizer):
    return [ops.convert_to_numpy(variable.value) for variable in optimizer.variables]


class TestFloat16Step:
    def test_logits_losses_penalty_and_ema_weights_are_float32(self, mnist_digits):
        with _global_policy("mixed_float16"):
            gan = _small_gan()
            logs = gan.train_on_batch(mnist_digits[:32], return_dict=True)
            examples = ops.convert_to_tensor(mnist_digits[:4], "float16")
            (logits,) = gan._discriminate(examples, training=False)
        assert gan.discriminator.compute_dtype == gan.generator.compute_dtype == "float16"
        assert logits.dtype == "float32"
        assert gan.game.discriminator_loss(logits, logits).dtype == "float32"
        assert gan.game.generator_loss(logits).dtype == "float32"
        assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake", "value", "r1_penalty"}
        for metric in gan.metrics:
            result = metric.result()
            assert result.dtype == "float32" and np.isfinite(float(result)), metric.name
        assert logs["r1_penalty"] > 0
        for average, weight in zip(gan.ema_generator.weights, gan.generator.weights):
            assert average.dtype == weight.dtype == "float32", average.path
        averages = _flat(gan.ema_generator.get_weights())
        weights = _flat(gan.generator.get_weights())
        assert np.all(np.isfinite(averages)) and not np.array_equal(averages, weights)

    def test_a_step_with_overflowing_gradients_is_skipped_and_the_scale_halves(self, mnist_digits):
        with _global_policy("mixed_float16"):
            gan = _small_gan()
            # D's scaled loss gradient, 2^40 / 64 at each logit, overflows float16 (65504).
            gan.d_optimizer.dynamic_scale.assign(2.0**40)
            before = _flat(gan.discriminator.get_weights())
            gan.train_on_batch(mnist_digits[:32])
        np.testing.assert_array_equal(_flat(gan.discriminator.get_weights()), before)
        assert int(gan.d_optimizer.iterations) == 0 and int(gan.g_optimizer.iterations) == 1
        assert float(ops.convert_to_numpy(gan.d_optimizer.dynamic_scale.value)) == 2.0**39
        assert float(ops.convert_to_numpy(gan.g_optimizer.dynamic_scale.value)) == 2.0**15
        assert np.all(np.isfinite(gan.generate(4, seed=0)))


class TestSaveLoadExport:
    def test_keras_round_trip_keeps_the_policy_and_the_loss_scale(self, mnist_digits, tmp_path):
        with _global_policy("mixed_float16"):
            gan = _small_gan()
            gan.fit(mnist_digits[:64], batch_size=32, epochs=1, shuffle=False, verbose=0)
        # The compile config holds the optimizers given: wrapping follows the policy.
        config = gan.get_compile_config()
        for name in ("d_optimizer", "g_optimizer"):
            assert config[name]["class_name"] == "ScheduledMomentumSGD", name
        gan.save(tmp_path / "gan.keras")
        loaded = keras.saving.load_model(tmp_path / "gan.keras", safe_mode=True)  # Under float32.
        for name in ("generator", "discriminator", "ema_generator"):
            model = getattr(loaded, name)
            assert keras_gan.distribute.computes_in_float16(model), name
            saved = getattr(gan, name).get_weights()
            np.testing.assert_array_equal(_flat(model.get_weights()), _flat(saved))
        for name in ("d_optimizer", "g_optimizer"):
            optimizer = getattr(loaded, name)
            assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer), name
            schedule = optimizer.inner_optimizer.momentum_schedule
            assert isinstance(schedule, keras_gan.schedules.LinearRamp), name
            saved = _optimizer_state(getattr(gan, name))
            assert len(saved) == len(optimizer.variables)
            for restored, value in zip(_optimizer_state(optimizer), saved):
                np.testing.assert_array_equal(restored, value)
            assert int(optimizer.iterations) == 2
        with _global_policy("mixed_float16"):
            logs = loaded.train_on_batch(mnist_digits[64:96], return_dict=True)
        assert all(np.isfinite(value) for value in logs.values())
        assert int(loaded.g_optimizer.iterations) == 3

    # LiteRT has no float16 MatMul, and a float16 SavedModel reproduces Keras only to a
    # float16 step (4.9e-4), not float32's 1e-5: the exporter exports a float32 copy with
    # the same weights, verifies the artifacts against it, and reports its difference to
    # the mixed-precision generator. Measured on this GAN's EMA generator (sigmoid outputs):
    # 6.0e-4 (1.2u) under mixed_float16, 4.1e-3 (8.4u) under mixed_bfloat16 (8-bit
    # significand); SavedModel and LiteRT within 1.8e-7 of the copy.
    @pytest.mark.parametrize("policy, limit", [("mixed_float16", 4 * _U), ("mixed_bfloat16", 32 * _U)])
    def test_export_of_a_mixed_precision_generator(self, mnist_digits, tmp_path, policy, limit):
        with _global_policy(policy):
            gan = _small_gan()
            gan.fit(mnist_digits[:64], batch_size=32, epochs=1, shuffle=False, verbose=0)
            gan.save(tmp_path / "gan.keras")
        report = export.export_generator(tmp_path / "gan.keras", tmp_path / "export", tflite=True)
        assert keras.mixed_precision.global_policy().name == "float32"
        assert report["output_dtype"] == "float32"
        precision = report["precision"]
        assert (precision["source_policies"], precision["exported_dtype"]) == ([policy], "float32")
        assert 0 < precision["max_abs_difference_to_source"] <= limit
        checks = report["verification"]
        # Held to float32's tolerances, against the float32 copy.
        assert checks["saved_model"]["max_abs_error"] <= export.verify.SAVED_MODEL_TOLERANCE
        assert checks["tflite"]["none"]["max_abs_error"] <= export.verify.TFLITE_TOLERANCES["none"]
        assert json.loads((tmp_path / "export" / "export.json").read_text())["precision"] == precision
        # The copy: the same class, prior and weights, every layer in float32.
        source = gan.sampling_generator
        copy = export.precision.float32_copy(source)
        assert type(copy) is type(source) and copy.latent_prior is source.latent_prior
        assert export.precision.reduced_precision_policies(source) == [policy]
        assert export.precision.reduced_precision_policies(copy) == []
        np.testing.assert_array_equal(_flat(copy.get_weights()), _flat(source.get_weights()))
        # LiteRT, fed the mixed-precision generator's noise, reproduces it to its rounding.
        z = np.asarray(source.sample_latent(16, seed=5), np.float32)
        images = export.LiteRTGenerator(tmp_path / "export" / "generator.tflite")(z)
        mixed = ops.convert_to_numpy(ops.cast(source(z, training=False), "float32"))
        assert np.max(np.abs(images - mixed)) <= limit

    def test_the_launcher_exports_a_mixed_float16_generator_to_litert(self, tmp_path):
        with _global_policy("mixed_float16"):
            generator = keras_gan.models.mnist_generator(hidden_units=(32,), num_classes=3, seed=0)
        generator.latent_prior = keras_gan.priors.gaussian  # What a GAN sets.
        generator.save(tmp_path / "generator.keras")
        finished = processes.run_python(
            "-m", "export", f"--generator={tmp_path / 'generator.keras'}",
            f"--output_dir={tmp_path / 'out'}", "--tflite",
        )
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert "exported in float32 from mixed_float16" in finished.stdout
        report = json.loads((tmp_path / "out" / "export.json").read_text())
        assert report["precision"]["source_policies"] == ["mixed_float16"]
        assert (report["prior"], report["num_classes"]) == ("gaussian", 3)
        assert 0 < report["precision"]["max_abs_difference_to_source"] <= 4 * _U
        assert report["verification"]["tflite"]["none"]["inputs"] == ["z", "labels"]


@pytest.fixture(scope="module")
def mirrored_results():
    """Steps on two logical CPUs and on one device, run by a subprocess (tests/scripts/)."""
    return processes.run_for_result(_WORKER)


class TestMirroredStrategy:
    def test_loss_scaled_fused_sgd_on_two_replicas_matches_one_device(self, mirrored_results):
        results = mirrored_results
        assert results["num_replicas"] == 2
        single, replicas = results["single"], results["replicas"]
        for run in (single, replicas):
            assert run["optimizers"] == ["LossScaleOptimizer", "ScheduledMomentumSGD"]
            assert run["iterations"] == [3, 3]
        start = np.array(single["start"])
        np.testing.assert_array_equal(np.array(replicas["start"]), start)
        for step, (one, two) in enumerate(zip(single["after"], replicas["after"]), start=1):
            one, two = np.array(one), np.array(two)
            # Each replica's weight gradients leave its float16 matmuls rounded to
            # float16 (u/2 relative) before the all-reduce, where one device rounds the
            # whole batch's once: the updates differ by ~u. Measured: 0.5u-0.8u; 4u allowed.
            moved = np.linalg.norm(one - start)
            assert np.all(np.isfinite(two)) and moved > 0.05
            assert np.linalg.norm(two - one) <= 4 * _U * moved, f"step {step}"

    def test_overflowing_step_is_skipped_on_every_replica(self, mirrored_results):
        skipped = mirrored_results["skipped"]
        assert skipped["d_moved"] == 0.0
        assert (skipped["d_iterations"], skipped["g_iterations"]) == (0, 1)
        assert skipped["d_scale"] == 2.0**39  # Halved once, not once per replica.
