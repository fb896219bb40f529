"""Trains the digit classifier shipped as `keras_gan/metrics/digit_classifier.keras`.

On the shared digits: images [0:7000] with their labels for training,
[7000:8000] held out for the accuracy, the offline protocol's split (the
GANs also train on [0:7000]; the held-out digits are the protocol's
validation set). Augmentation: random shifts of up to 2 pixels, rotations
of up to 8 degrees and zooms of up to 8%, drawn from the seed.

With the defaults: 99.5% accuracy on [7000:8000] (99.5% on [0:7000]) after
about 1.5 minutes on two CPU cores; the file is 435 KB.

The run is reproducible from `--seed` on one machine: the random draws come
from the seed and TensorFlow's op determinism is enabled; a CPU with other
vector instructions may round differently and end with different weights.

The launcher is `python -m experiments.train_digit_classifier`.
"""

import os

import keras
import numpy as np

from keras_gan.data import read_idx
from keras_gan.metrics.digit_classifier import build_digit_classifier
from keras_gan.validation import check_positive_int

TRAIN_SPLIT = slice(0, 7000)
HELD_OUT_SPLIT = slice(7000, 8000)


def load_digits(data_dir):
    """The shared digits as float32 `[n, 28, 28, 1]` in [0, 1] and int labels `[n]`."""
    images = read_idx(os.path.join(data_dir, "images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, "labels-idx1-ubyte.gz"))
    if len(images) != len(labels):
        raise ValueError(
            f"The images and labels in {data_dir} do not match. Received: {len(images)} images "
            f"and {len(labels)} labels. Expected as many of each."
        )
    return images[..., None].astype(np.float32) / 255.0, labels.astype(np.int64)


def train_digit_classifier(images, labels, epochs=20, batch_size=64, seed=0):
    """Trains `build_digit_classifier(seed=seed)` on `images` with augmentation.

    Adam, learning rate 2e-3 decayed along a cosine to zero over all steps,
    sparse categorical cross-entropy; the augmentation (shifts of up to 2
    pixels, rotations up to 8 degrees, zooms up to 8%) runs in a wrapper
    model during training only, so the returned classifier holds no random
    layers.

    Args:
        images: float32 `[n, 28, 28, 1]` in [0, 1].
        labels: int `[n]` in 0..9.
        epochs: Positive int.
        batch_size: Positive int.
        seed: Int, seeds everything random in the run (through
            `keras.utils.set_random_seed`, which also reseeds Python's and
            NumPy's global generators). For bitwise repeatable runs, call
            `tf.config.experimental.enable_op_determinism()` first, as the
            script does.

    Returns:
        The trained `keras.Model` (softmax output).
    """
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    keras.utils.set_random_seed(seed)
    classifier = build_digit_classifier(seed=seed)
    augment = keras.Sequential(
        [
            keras.layers.RandomRotation(8 / 360, fill_mode="constant", seed=seed + 10),
            keras.layers.RandomZoom(0.08, fill_mode="constant", seed=seed + 11),
            # 2 pixels of 28.
            keras.layers.RandomTranslation(2 / 28, 2 / 28, fill_mode="constant", seed=seed + 12),
        ],
        name="augment",
    )
    inputs = keras.Input((28, 28, 1))
    trainer = keras.Model(inputs, classifier(augment(inputs)), name="trainer")
    steps = epochs * -(-len(images) // batch_size)
    trainer.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    trainer.fit(images, labels, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=2)
    return classifier


def accuracy(classifier, images, labels):
    """The share of `images` whose most probable class is the label."""
    probabilities = classifier.predict(images, batch_size=1000, verbose=0)
    return float(np.mean(probabilities.argmax(axis=1) == labels))
