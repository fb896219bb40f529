"""Tests for the shipped digit classifier and the feature extractors of keras_gan.metrics."""

import gzip
import os
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import metrics
from keras_gan.metrics.digit_classifier import DIGIT_CLASSIFIER_PATH
from keras_gan.metrics.train_digit_classifier import accuracy
from keras_gan.metrics.train_digit_classifier import train_digit_classifier

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-8k"


@pytest.fixture(scope="module")
def digits_and_labels():
    """All 8,000 shared digits, float32 [n, 28, 28, 1] in [0, 1], and their labels."""
    with gzip.open(MNIST_DIR / "images-idx3-ubyte.gz", "rb") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)
    with gzip.open(MNIST_DIR / "labels-idx1-ubyte.gz", "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


class TestShippedClassifier:
    def test_file_is_small_and_loads_in_safe_mode(self):
        assert os.path.getsize(DIGIT_CLASSIFIER_PATH) <= 2 * 1024 * 1024
        # Keras refuses lambdas and unknown code in safe mode: a plain architecture.
        model = keras.saving.load_model(DIGIT_CLASSIFIER_PATH, compile=False, safe_mode=True)
        assert model.input_shape == (None, 28, 28, 1)
        assert model.output_shape == (None, 10)
        with zipfile.ZipFile(DIGIT_CLASSIFIER_PATH) as archive:
            assert "model.weights.h5" in archive.namelist()

    def test_held_out_accuracy_is_at_least_99_percent(self, digits_and_labels):
        images, labels = digits_and_labels
        # Digits [7000:8000] were held out of training (the script trains on [0:7000]).
        assert accuracy(metrics.digit_classifier(), images[7000:8000], labels[7000:8000]) >= 0.99

    def test_features_are_the_penultimate_layer(self, digits_and_labels):
        images = digits_and_labels[0][:64]
        classifier = metrics.digit_classifier()
        features = metrics.extract_features(images, metrics.digit_features())
        assert features.shape == (64, 128) and features.dtype == np.float32
        assert np.all(features >= 0.0)  # ReLU outputs
        # The softmax layer applied to the features gives the classifier's output
        # (float32, 129 terms of O(10) each: 1e-4 absolute is far above its rounding).
        logits_layer = classifier.get_layer("probabilities")
        np.testing.assert_allclose(
            np.asarray(logits_layer(features)), classifier.predict(images, verbose=0), atol=1e-4
        )

    def test_uint8_images_are_scaled(self, digits_and_labels):
        images = digits_and_labels[0][:32]
        model = metrics.digit_features()
        as_uint8 = np.round(images * 255.0).astype(np.uint8)
        # The shared digits are uint8 / 255, so both arrays hold the same float32 values.
        np.testing.assert_array_equal(
            metrics.extract_features(as_uint8, model), metrics.extract_features(images, model)
        )

    def test_missing_file_is_a_clear_error(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="train_digit_classifier"):
            metrics.digit_classifier(tmp_path / "missing.keras")


class TestTrainingScript:
    def test_same_seed_same_weights(self, digits_and_labels):
        images, labels = digits_and_labels
        runs = [
            train_digit_classifier(images[:256], labels[:256], epochs=1, batch_size=64, seed=5)
            for _ in range(2)
        ]
        for first, second in zip(runs[0].get_weights(), runs[1].get_weights()):
            np.testing.assert_array_equal(first, second)

    def test_invalid_arguments(self, digits_and_labels):
        images, labels = digits_and_labels
        with pytest.raises(ValueError, match="Received: epochs=0"):
            train_digit_classifier(images[:10], labels[:10], epochs=0)


class TestOtherFeatureModels:
    def test_inception_features_resize_and_scale(self, digits_and_labels):
        # Random weights at InceptionV3's smallest size: the code path of the ImageNet one.
        extractor = metrics.inception_features(weights=None, image_size=75)
        digits = digits_and_labels[0][:3]
        features = metrics.extract_features(digits, extractor, batch_size=2)
        assert features.shape == (3, 2048)
        inception = extractor.get_layer("inception_v3")
        # What keras.applications expects: RGB in [0, 255] at its input size, then its own
        # preprocess_input; the same float32 ops in another order, hence 1e-4 relative.
        rgb = tf.image.resize(np.repeat(digits, 3, axis=-1), (75, 75)) * 255.0
        expected = inception(keras.applications.inception_v3.preprocess_input(rgb))
        np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-5)

    def test_fixed_size_model_gets_resized_rgb(self, digits_and_labels):
        inputs = keras.Input((32, 32, 3))
        pooled = keras.layers.GlobalAveragePooling2D()(
            keras.layers.Conv2D(4, 3, kernel_initializer=keras.initializers.GlorotUniform(0))(
                inputs
            )
        )
        model = keras.Model(inputs, pooled)
        digits = digits_and_labels[0][:5]
        features = metrics.extract_features(digits, model)
        expected = model(tf.image.resize(np.repeat(digits, 3, axis=-1), (32, 32)))
        # The same ops on the same values, batched differently: float32 rounding only.
        np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-6)

    def test_bad_models_and_images(self, digits_and_labels):
        digits = digits_and_labels[0][:4]
        rgb_only = keras.Sequential([keras.Input((28, 28, 2)), keras.layers.Flatten()])
        with pytest.raises(ValueError, match="1 channels for a model taking 2"):
            metrics.extract_features(digits, rgb_only)
        unpooled = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3)])
        with pytest.raises(ValueError, match=r"Expected \[n, d\]"):
            metrics.extract_features(digits, unpooled)
        with pytest.raises(ValueError, match=r"Received: an array of shape \(4, 28, 28\)"):
            metrics.extract_features(digits[..., 0], unpooled)
        with pytest.raises(ValueError, match="Expected a fixed-size RGB input"):
            metrics.inception_features(model=unpooled)
