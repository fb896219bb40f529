"""Trains under `mixed_float16` on two logical CPUs and on one device; prints the results as JSON.

Run by tests/test_mixed_precision.py in a subprocess: the logical devices
must be set before TensorFlow initialises its devices. Both players'
optimizers are the paper's fused momentum SGD inside Keras'
`LossScaleOptimizer`, and D has an R1 penalty, whose input gradients are
loss-scaled too. The last line of the output is `RESULT {...}`.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

_CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(_CPU, [tf.config.LogicalDeviceConfiguration()] * 2)
# TF 2.21's oneDNN fused float16 MatMul + BiasAdd takes ~1 s per layer on CPU.
tf.config.optimizer.set_experimental_options({"remapping": False})

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan  # noqa: E402

_STEPS = 3
_DATA = np.random.default_rng(0).uniform(size=(_STEPS * 16, 4)).astype("float32")


def _build(strategy):
    """A seeded GAN without dropout, built and compiled under `strategy`."""
    with strategy.scope():
        generator = keras_gan.models.mlp_generator(
            3, (4,), hidden_units=(16,), output_activation="sigmoid", seed=1
        )
        discriminator = keras_gan.models.mlp_discriminator((4,), hidden_units=(16,), seed=2)
        gan = keras_gan.GAN(generator, discriminator, seed=0, r1_weight=1.0)
        gan.compile(
            d_optimizer=keras_gan.optimizers.ScheduledMomentumSGD(
                0.1, momentum=keras_gan.schedules.LinearRamp(0.5, 0.7, 0, 2)
            ),
            g_optimizer=keras_gan.optimizers.ScheduledMomentumSGD(0.1, momentum=0.5),
        )
    return gan


def _weights(gan):
    return [w for model in (gan.generator, gan.discriminator) for w in model.get_weights()]


def _int(variable):
    return int(keras.ops.convert_to_numpy(variable.value))


def _flat(weights):
    return np.concatenate([np.ravel(w).astype(np.float64) for w in weights])


def steps(strategy, initial=None):
    """Weights after each of `_STEPS` steps on a global batch of 16."""
    gan = _build(strategy)
    if initial is not None:
        gan.generator.set_weights(initial[0])
        gan.discriminator.set_weights(initial[1])
    start = _weights(gan)
    players = [gan.generator.get_weights(), gan.discriminator.get_weights()]
    dataset = tf.data.Dataset.from_tensor_slices(_DATA).batch(16)
    after = []
    for batch in dataset:
        gan.fit(tf.data.Dataset.from_tensors(batch), epochs=1, shuffle=False, verbose=0)
        after.append(_flat(_weights(gan)).tolist())
    return {
        "start": _flat(start).tolist(),
        "after": after,
        "optimizers": [type(o).__name__ for o in (gan.d_optimizer, gan.d_optimizer.inner_optimizer)],
        "iterations": [_int(gan.d_optimizer.iterations), _int(gan.g_optimizer.iterations)],
        "initial": initial or players,
    }


def skipped_step(strategy):
    """One step whose D gradients overflow float16 at a huge loss scale."""
    gan = _build(strategy)
    gan.d_optimizer.dynamic_scale.assign(2.0**40)
    before = _flat(gan.discriminator.get_weights())
    gan.fit(tf.data.Dataset.from_tensors(_DATA[:16]), epochs=1, shuffle=False, verbose=0)
    return {
        "d_moved": float(np.max(np.abs(_flat(gan.discriminator.get_weights()) - before))),
        "d_iterations": _int(gan.d_optimizer.iterations),
        "g_iterations": _int(gan.g_optimizer.iterations),
        "d_scale": float(keras.ops.convert_to_numpy(gan.d_optimizer.dynamic_scale.value)),
    }


def main():
    keras.mixed_precision.set_global_policy("mixed_float16")
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    single = steps(tf.distribute.get_strategy())
    initial = single.pop("initial")
    replicas = steps(mirrored, initial)
    replicas.pop("initial")
    result = {
        "num_replicas": mirrored.num_replicas_in_sync,
        "single": single,
        "replicas": replicas,
        "skipped": skipped_step(mirrored),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
