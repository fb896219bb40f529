"""Trains a GAN under `MirroredStrategy` on two logical CPUs; prints the results as JSON.

Run by tests/test_mirrored.py in a subprocess: the logical devices must be set
before TensorFlow initialises its devices, which the test process has done.
The last line of the output is `RESULT {...}`.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

_CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(_CPU, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan  # noqa: E402
from keras_gan import models  # noqa: E402

_LATENT_DIM = 3
_SHAPE = (4,)
_DATA = np.random.default_rng(0).normal(size=(64, *_SHAPE)).astype("float32")
_NUM_CLASSES = 3
_LABELS = np.random.default_rng(1).integers(0, _NUM_CLASSES, size=64).astype("int32")


def _keras_sgd():
    return keras.optimizers.SGD(0.1, momentum=0.5)


def _scheduled_sgd():
    # The paper preset's optimizer: fused kernel, momentum read from a schedule.
    momentum = keras_gan.schedules.LinearRamp(0.5, 0.7, 0, 2)
    return keras_gan.optimizers.ScheduledMomentumSGD(0.1, momentum=momentum)


def _build(strategy, optimizer=_keras_sgd, num_classes=None, conditioning="concat", **options):
    """A seeded GAN without dropout, built and compiled under `strategy`."""
    with strategy.scope():
        generator = models.mlp_generator(
            _LATENT_DIM, _SHAPE, hidden_units=(16,), num_classes=num_classes, seed=1
        )
        discriminator = models.mlp_discriminator(
            _SHAPE, hidden_units=(16,), num_classes=num_classes, conditioning=conditioning, seed=2
        )
        gan = keras_gan.GAN(generator, discriminator, seed=0, **options)
        gan.compile(d_optimizer=optimizer(), g_optimizer=optimizer())
    return gan


def _weights(gan):
    return [w for model in (gan.generator, gan.discriminator) for w in model.get_weights()]


def fit_history(strategy):
    gan = _build(strategy, r1_weight=1.0, ema_decay=0.9, discriminator_steps=2)
    dataset = tf.data.Dataset.from_tensor_slices(_DATA).batch(16, drop_remainder=True)
    history = gan.fit(dataset, epochs=2, verbose=0).history
    return {name: [float(v) for v in values] for name, values in history.items()}


def step_differences(strategy, k, optimizer=_keras_sgd, global_batch=16, steps=2, **model_options):
    """Max |weight difference| after each step on `strategy` against one device.

    Also the largest |weight| of the one-device run after each step (`scale`),
    for tolerances in float32 ulps, and how far the first step moved it.
    With `num_classes` in `model_options`, a conditional GAN on labelled data.
    """
    examples = _DATA[: steps * global_batch]
    if model_options.get("num_classes"):
        examples = (examples, _LABELS[: steps * global_batch])
    batches = tf.data.Dataset.from_tensor_slices(examples).batch(global_batch)
    runs = []
    for run_strategy in (strategy, tf.distribute.get_strategy()):
        keras.utils.set_random_seed(0)
        gan = _build(run_strategy, optimizer, discriminator_steps=k, **model_options)
        initial = _weights(gan)
        after_each_step = []
        record = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs, gan=gan, out=after_each_step: out.append(
                _weights(gan)
            )
        )
        gan.fit(batches, callbacks=[record], verbose=0)
        runs.append(after_each_step)
    distributed, single = runs
    return {
        "difference": [
            max(float(np.abs(a - b).max()) for a, b in zip(*pair))
            for pair in zip(distributed, single)
        ],
        "scale": [max(float(np.abs(w).max()) for w in weights) for weights in single],
        "dtypes": sorted({str(w.dtype) for weights in distributed + single for w in weights}),
        "moved": max(float(np.abs(a - b).max()) for a, b in zip(initial, single[0])),
    }


def replica_noise(strategy, per_replica=5):
    """The noise each replica draws, and what one device draws from the same seed."""
    gan = _build(strategy)
    draws = strategy.run(tf.function(lambda: gan._replica_noise(per_replica)))
    local = [t.numpy().tolist() for t in strategy.experimental_local_results(draws)]
    single = _build(tf.distribute.get_strategy())._replica_noise(per_replica * len(local))
    return {"replicas": local, "single_device": keras.ops.convert_to_numpy(single).tolist()}


def steps_per_execution_error(strategy):
    """The message of compiling with several steps per call on two replicas."""
    try:
        with strategy.scope():
            _build(strategy).compile(d_optimizer="sgd", g_optimizer="sgd", steps_per_execution=2)
    except ValueError as error:
        return str(error)
    return None


def main():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    result = {
        "num_replicas": strategy.num_replicas_in_sync,
        "steps_per_execution_error": steps_per_execution_error(strategy),
        "history": fit_history(strategy),
        "steps": {str(k): step_differences(strategy, k) for k in (1, 2)},
        "scheduled_sgd_steps": step_differences(strategy, 2, _scheduled_sgd, steps=3),
        "conditional_steps": {
            conditioning: step_differences(strategy, 2, num_classes=_NUM_CLASSES, conditioning=conditioning)
            for conditioning in ("concat", "projection")
        },
        "noise": replica_noise(strategy),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
