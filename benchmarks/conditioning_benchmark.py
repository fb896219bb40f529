"""How a conditional MNIST GAN learns its classes: one-hot (`concat`) against `projection` discriminators.

Trains the paper's networks with the `stable` recipe on the offline digits
[0:7000] with their labels, and every 5 epochs asks for 1,000 samples of
each digit and reads them with the package's digit classifier
(`keras_gan.metrics.class_accuracy`). Prints one JSON line per evaluation:
epochs, wall and CPU minutes, accuracy over all samples, worst class.
Run the two conditionings side by side (one process each) to compare them
at the same CPU time.

Usage:
    python -m benchmarks.conditioning_benchmark --conditioning=projection --minutes=12
    python -m benchmarks.conditioning_benchmark --conditioning=concat --minutes=12
"""

import json
import time

import keras
import tensorflow as tf
from absl import app
from absl import flags

import keras_gan

_CONDITIONING = flags.DEFINE_enum("conditioning", "projection", list(keras_gan.models.CONDITIONINGS),
                                  "How the discriminator takes the class.")
_MINUTES = flags.DEFINE_float("minutes", 12.0, "Wall-clock budget; evaluations every 5 epochs until it is spent.")
_DATA_DIR = flags.DEFINE_string("data_dir", "/work/shared/data/mnist-8k", "The offline MNIST digits.")


def main(argv):
    del argv
    keras.utils.set_random_seed(0)
    images, labels = keras_gan.data.load_array("mnist", "0:7000", data_dir=_DATA_DIR.value, with_labels=True)
    batches = keras_gan.data.training_pipeline(tf.data.Dataset.from_tensor_slices((images, labels)), 100, seed=0)
    generator = keras_gan.models.mnist_generator(num_classes=10, data_mean=images.mean(0), seed=0)
    discriminator = keras_gan.models.mnist_discriminator(num_classes=10, conditioning=_CONDITIONING.value, seed=1)
    gan = keras_gan.GAN(generator, discriminator, ema_decay=0.999, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        regularizer=keras_gan.losses.R1(10.0),
        steps_per_execution=10,
    )
    classifier = keras_gan.metrics.digit_classifier()

    def classify(x):
        return classifier.predict(x, batch_size=1000, verbose=0).argmax(-1)

    wall, cpu, epochs = time.time(), time.process_time(), 0
    while time.time() - wall < 60 * _MINUTES.value:
        gan.fit(batches, epochs=epochs + 5, initial_epoch=epochs, verbose=0)
        epochs += 5
        result = keras_gan.metrics.class_accuracy(gan, classify, seed=1)
        print(json.dumps({
            "conditioning": _CONDITIONING.value,
            "epochs": epochs,
            "wall_minutes": round((time.time() - wall) / 60, 2),
            "cpu_minutes": round((time.process_time() - cpu) / 60, 2),
            "class_accuracy": result["class_accuracy"],
            "min_class_accuracy": result["min_class_accuracy"],
        }), flush=True)


if __name__ == "__main__":
    app.run(main)
