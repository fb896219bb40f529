"""One worker of a two-worker run: saves the noise its replica draws for a step.

Run by tests/test_multi_worker.py with `TF_CONFIG` set; writes an `.npz` with
`local` (this worker's share of the step's noise, `GAN._replica_noise`) and
`single_device` (the draw one device would make from the same seed).

    TF_CONFIG=... python tests/scripts/multi_worker_noise.py OUTPUT.npz
"""

import sys

import keras
import numpy as np
import tensorflow as tf

import keras_gan

_SEED = 7
_PER_REPLICA = 4
_LATENT_DIM = 3


def main(path):
    strategy = keras_gan.distribute.make_strategy("multi_worker")
    with strategy.scope():
        generator = keras_gan.models.mlp_generator(_LATENT_DIM, (2,), hidden_units=(4,), seed=0)
        discriminator = keras_gan.models.mlp_discriminator((2,), hidden_units=(4,), seed=1)
        gan = keras_gan.GAN(generator, discriminator, latent_prior="gaussian", seed=_SEED)

    @tf.function
    def draw():
        return strategy.run(lambda: gan._replica_noise(_PER_REPLICA))

    local = strategy.experimental_local_results(draw())[0]
    single_device = gan.latent_prior(
        (strategy.num_replicas_in_sync * _PER_REPLICA, _LATENT_DIM), seed=keras.random.SeedGenerator(_SEED)
    )
    to_numpy = keras.ops.convert_to_numpy
    np.savez(path, local=to_numpy(local), single_device=to_numpy(single_device))


if __name__ == "__main__":
    main(sys.argv[1])
