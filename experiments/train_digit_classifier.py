"""Trains the digit classifier shipped as `keras_gan/metrics/digit_classifier.keras`.

On the shared digits [0:7000] with their labels; prints the accuracy on
[7000:8000] (see `keras_gan.metrics.train_digit_classifier`).

Usage:
    python -m experiments.train_digit_classifier \
        [--data_dir=../shared/data/mnist-8k] [--output=keras_gan/metrics/digit_classifier.keras] \
        [--epochs=20] [--seed=0]
"""

import json
import os
import time

import tensorflow as tf
from absl import app
from absl import flags

from keras_gan.metrics.digit_classifier import DIGIT_CLASSIFIER_PATH
from keras_gan.metrics.train_digit_classifier import HELD_OUT_SPLIT
from keras_gan.metrics.train_digit_classifier import TRAIN_SPLIT
from keras_gan.metrics.train_digit_classifier import accuracy
from keras_gan.metrics.train_digit_classifier import load_digits
from keras_gan.metrics.train_digit_classifier import train_digit_classifier

_DEFAULT_DATA_DIR = os.path.join(
    os.path.dirname(__file__), os.pardir, os.pardir, "shared", "data", "mnist-8k"
)

_DATA_DIR = flags.DEFINE_string(
    "data_dir",
    os.path.normpath(_DEFAULT_DATA_DIR),
    "Directory with images-idx3-ubyte.gz and labels-idx1-ubyte.gz (8,000 MNIST digits).",
)
_OUTPUT = flags.DEFINE_string("output", DIGIT_CLASSIFIER_PATH, "Where to write the .keras file.")
_EPOCHS = flags.DEFINE_integer("epochs", 20, "Passes over the 7,000 training digits.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the weights, augmentation, dropout and order.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    # Process-wide, so here rather than in the library function.
    tf.config.experimental.enable_op_determinism()
    images, labels = load_digits(_DATA_DIR.value)
    start = time.perf_counter()
    classifier = train_digit_classifier(
        images[TRAIN_SPLIT], labels[TRAIN_SPLIT], epochs=_EPOCHS.value, seed=_SEED.value
    )
    seconds = time.perf_counter() - start
    held_out = accuracy(classifier, images[HELD_OUT_SPLIT], labels[HELD_OUT_SPLIT])
    train = accuracy(classifier, images[TRAIN_SPLIT], labels[TRAIN_SPLIT])
    classifier.save(_OUTPUT.value)
    print(
        json.dumps(
            {
                "output": _OUTPUT.value,
                "bytes": os.path.getsize(_OUTPUT.value),
                "seed": _SEED.value,
                "epochs": _EPOCHS.value,
                "train_seconds": round(seconds, 1),
                "accuracy_train_0_7000": train,
                "accuracy_held_out_7000_8000": held_out,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    app.run(main)
