"""End to end: the real MNIST digits with their labels train a conditional GAN."""

import gzip

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import data


@pytest.fixture(scope="module")
def mnist_dir(mnist_images_path):
    labels = mnist_images_path.parent / "labels-idx1-ubyte.gz"
    if not labels.is_file():
        pytest.fail(f"Real MNIST labels not found at {labels}; expected beside the images.")
    return str(mnist_images_path.parent)


class TestConditionalData:
    def test_labelled_digits_train_a_conditional_gan(self, mnist_dir):
        keras.utils.set_random_seed(0)
        pairs = data.load("mnist", "0:200", data_dir=mnist_dir, with_labels=True)
        batches = data.training_pipeline(pairs, batch_size=50, discriminator_steps=2, seed=0)
        assert batches.element_spec == (
            tf.TensorSpec((100, 28, 28, 1), tf.float32),
            tf.TensorSpec((100,), tf.int32),
        )
        # Every batch keeps each digit's own label (read here without keras_gan.data).
        with gzip.open(f"{mnist_dir}/images-idx3-ubyte.gz") as f:
            raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:200]
        with gzip.open(f"{mnist_dir}/labels-idx1-ubyte.gz") as f:
            expected_labels = np.frombuffer(f.read(), np.uint8, offset=8)[:200]
        label_of = {digit.tobytes(): label for digit, label in zip(raw, expected_labels)}
        for images, labels in batches.as_numpy_iterator():
            digits = np.round(images.reshape(-1, 784) * 255).astype(np.uint8)
            assert [label_of[digit.tobytes()] for digit in digits] == labels.tolist()

        g = keras_gan.models.mnist_generator(num_classes=10, hidden_units=(32,))
        d = keras_gan.models.mnist_discriminator(num_classes=10, hidden_units=(16,))
        gan = keras_gan.GAN(g, d, discriminator_steps=2)
        gan.compile(d_optimizer="sgd", g_optimizer="sgd")
        history = gan.fit(batches, epochs=1, verbose=0, shuffle=False)
        assert gan.num_classes == 10
        assert {"d_loss", "g_loss"} <= set(history.history)
        for name, values in history.history.items():
            assert len(values) == 1 and np.all(np.isfinite(values)), (name, values)
        digits = gan.generate(10, labels=list(range(10)), seed=0)
        assert digits.shape == (10, 28, 28, 1) and np.all(np.isfinite(digits))
