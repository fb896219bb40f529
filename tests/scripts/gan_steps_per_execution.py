"""Trains the paper's MNIST GAN at several `steps_per_execution`, under TF op determinism.

Run by tests/test_gan.py in a process of its own, because
`tf.config.experimental.enable_op_determinism()` is process-global and would
change the behaviour of every later test. With it, every op's output is a
function of its inputs alone; all three settings run the same traced
`train_step` (Keras calls it once per step, inside a loop for more than one
step per call), so the trained weights must agree bit for bit. Determinism
also makes any random op without a seed raise: the GAN's noise and the
dropout masks all come from seeded `keras.random.SeedGenerator`s.

    python tests/scripts/gan_steps_per_execution.py DIGITS.npz OUTPUT.npz 1 4 10

DIGITS.npz holds `digits` (float32 [n, 28, 28, 1]); OUTPUT.npz gets, for each
setting S, the arrays `S/0`, `S/1`, ... of the trained weights, and
`S/g_iterations`.
"""

import sys

import numpy as np
import tensorflow as tf

tf.config.experimental.enable_op_determinism()

import keras

import keras_gan
from keras_gan import models


def train(digits, steps_per_execution):
    gan = keras_gan.GAN(
        models.mnist_generator(hidden_units=(64, 64), seed=0),
        models.mnist_discriminator(hidden_units=(16, 16), seed=1),  # with dropout
        seed=0,
    )
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        steps_per_execution=steps_per_execution,
    )
    batches = tf.data.Dataset.from_tensor_slices(digits).batch(64)
    gan.fit(batches, epochs=2, verbose=0)
    weights = [w for model in (gan.generator, gan.discriminator) for w in model.get_weights()]
    return weights, int(gan.g_optimizer.iterations)


def main(digits_path, output_path, settings):
    with np.load(digits_path) as data:
        digits = data["digits"]
    arrays = {}
    for setting in settings:
        weights, iterations = train(digits, int(setting))
        arrays[f"{setting}/g_iterations"] = np.array(iterations)
        arrays.update({f"{setting}/{i}": weight for i, weight in enumerate(weights)})
    np.savez(output_path, **arrays)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
