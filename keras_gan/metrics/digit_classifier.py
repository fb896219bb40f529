"""The digit classifier shipped with the package, and its feature space.

`digit_classifier()` loads the small CNN stored next to this module
(`digit_classifier.keras`, trained by
`python -m experiments.train_digit_classifier`); `digit_features()`
returns the same network cut at its penultimate layer, the feature space of
the package's MNIST Frechet distance, KID, precision/recall and
density/coverage. Both take `[n, 28, 28, 1]` float images in [0, 1], the
range of the MNIST generators' sigmoid output.

Feature spaces are not comparable with each other: a number measured here
is "in the features of `keras_gan.metrics.digit_features()`" and changes
if the classifier is retrained.
"""

import os

import keras

from keras_gan.validation import check_positive_int

# The stored model, shipped as package data (see setup.py).
DIGIT_CLASSIFIER_PATH = os.path.join(os.path.dirname(__file__), "digit_classifier.keras")
# The penultimate layer: its ReLU outputs are the feature space.
FEATURE_LAYER = "features"
FEATURE_DIM = 128


def build_digit_classifier(feature_dim=FEATURE_DIM, seed=0):
    """Builds the untrained digit classifier.

    Three 3x3 ReLU convolutions (16, 32 and 64 channels), each followed by
    2x2 max pooling (28 -> 14 -> 7 -> 3), then a `feature_dim`-unit ReLU
    layer named `"features"`, dropout 0.5 and a 10-way softmax: 98,442
    weights and 2.0 million multiply-adds an image, so 10,000 images take
    about a second of CPU time.

    Example:

    >>> model = keras_gan.metrics.build_digit_classifier(seed=0)
    >>> model.output_shape
    (None, 10)

    Args:
        feature_dim: Positive int, the width of the feature layer.
        seed: Int seed of the initial weights and of dropout.

    Returns:
        A `keras.Model` from `[n, 28, 28, 1]` images in [0, 1] to `[n, 10]`
        class probabilities.
    """
    feature_dim = check_positive_int("feature_dim", feature_dim)
    initializer = keras.initializers.HeUniform
    inputs = keras.Input((28, 28, 1), name="images")
    x = inputs
    for index, channels in enumerate((16, 32, 64)):
        x = keras.layers.Conv2D(
            channels,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=initializer(seed=seed + index),
            name=f"conv_{index}",
        )(x)
        x = keras.layers.MaxPooling2D(name=f"pool_{index}")(x)  # 14, 7, 3
    x = keras.layers.Flatten(name="flatten")(x)  # [n, 576]
    features = keras.layers.Dense(
        feature_dim,
        activation="relu",
        kernel_initializer=initializer(seed=seed + 3),
        name=FEATURE_LAYER,
    )(x)
    x = keras.layers.Dropout(0.5, seed=seed + 4, name="dropout")(features)
    outputs = keras.layers.Dense(
        10,
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 5),
        name="probabilities",
    )(x)
    return keras.Model(inputs, outputs, name="digit_classifier")


def digit_classifier(path=None):
    """Loads the shipped digit classifier (`safe_mode=True`).

    Trained on the shared digits [0:7000]; its accuracy on [7000:8000],
    which it never saw, is 99.5% (the tests require >= 99%). Each call
    loads a fresh copy, so a caller may fine-tune it without affecting
    other callers.

    Example:

    >>> classifier = keras_gan.metrics.digit_classifier()
    >>> labels = classifier.predict(images).argmax(axis=1)

    Args:
        path: Optional str, another model file to load instead of the
            shipped one (one written by `train_digit_classifier`).

    Returns:
        A `keras.Model` from `[n, 28, 28, 1]` images in [0, 1] to `[n, 10]`
        class probabilities.
    """
    path = DIGIT_CLASSIFIER_PATH if path is None else os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"The digit classifier's weights are missing: {path} does not exist. "
            "Reinstall keras_gan, or write them with "
            "`python -m experiments.train_digit_classifier`."
        )
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def digit_features(path=None):
    """The shipped digit classifier's feature model: its penultimate layer.

    Example:

    >>> features = keras_gan.metrics.digit_features().predict(images)
    >>> features.shape
    (n, 128)

    Args:
        path: Optional str, as in `digit_classifier`.

    Returns:
        A `keras.Model` from `[n, 28, 28, 1]` images in [0, 1] to `[n, 128]`
        non-negative features (ReLU outputs; some units may be zero on all
        digits, so the features' covariance can be singular).
    """
    classifier = digit_classifier(path)
    return feature_model(classifier, FEATURE_LAYER)


def feature_model(model, layer_name):
    """`model` cut at the output of its layer `layer_name`.

    Args:
        model: A functional `keras.Model`.
        layer_name: str, the name of the layer whose output is the feature.

    Returns:
        A `keras.Model` sharing `model`'s weights, named
        `"{model.name}_{layer_name}"`.
    """
    layer = model.get_layer(layer_name)
    return keras.Model(model.inputs, layer.output, name=f"{model.name}_{layer_name}")
