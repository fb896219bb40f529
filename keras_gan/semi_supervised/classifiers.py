"""Classifiers on a trained network's features: the paper's extensions 3 and 4.

`feature_classifier` puts a new head on a copy of any feature network;
`classifier_from_discriminator` uses D's hidden layers (extension 4),
`classifier_from_encoder` an inference net E ~ p(z | x) (extension 3).
"""

import keras
import numpy as np

from keras_gan import validation

ACTIVATIONS = ("softmax", "linear")
# The name of a discriminator's final layer; its input is D's last hidden features.
LOGIT_LAYER = "logit"
# Layers that add noise in training only: a frozen copy drops them.
_NOISE_LAYERS = (
    keras.layers.Dropout,
    keras.layers.SpatialDropout1D,
    keras.layers.SpatialDropout2D,
    keras.layers.SpatialDropout3D,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
)


def feature_classifier(
    features, num_classes, fine_tune=False, standardize_with=None, activation="softmax", seed=None, name=None
):
    """A classifier made of a copy of `features` and a new dense head.

    The mechanism behind `classifier_from_discriminator` and
    `classifier_from_encoder`. The classifier holds a *copy* of the feature
    network with its current weights, nested as one layer: freezing it
    (`fine_tune=False`) must not freeze the GAN's own network, and
    fine-tuning it (`fine_tune=True`) must not move it. A frozen copy is a
    fixed map, the one the head will classify: its dropout and noise layers
    become `Identity` layers, and its batch normalisation runs in inference
    mode (Keras' rule for frozen layers). A fine-tuned copy keeps its noise
    layers, active while the classifier trains.

    A GAN's hidden features have no set scale (the paper's D starts with
    weights in +-0.005), so one learning rate does not suit every network's
    head; `standardize_with` puts a `keras.layers.Normalization` before the
    head, adapted to the features of unlabelled examples.

    Example:

    >>> features = keras.Model(model.inputs, model.get_layer("hidden").output)
    >>> classifier = keras_gan.semi_supervised.feature_classifier(features, 10)
    >>> classifier.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    Args:
        features: A functional `keras.Model` with one input and one output,
            `[batch, ...]` features (flattened if they are not a vector).
        num_classes: Int >= 2, the number of classes.
        fine_tune: Bool. False: the copied layers are frozen and only the
            head trains. True: they train too.
        standardize_with: Optional examples `[n, *input_shape]` (the
            unlabelled data): the head's input is standardized per feature
            by the mean and variance of their features.
        activation: `"softmax"` (class probabilities, for
            `sparse_categorical_crossentropy`) or `"linear"` (logits, for
            `SparseCategoricalCrossentropy(from_logits=True)`).
        seed: Optional int seed of the head's initial weights.
        name: Name of the classifier. Default: `"{features.name}_classifier"`.

    Returns:
        A functional `keras.Model` from the feature network's input to
        `[batch, num_classes]`, whose layers are the copy (named
        `features.name`), a `Flatten` if needed, the `Normalization`
        `"standardize_features"` if asked for, and the head `"classes"`.
    """
    inputs = getattr(features, "inputs", None) if isinstance(features, keras.Model) else None
    outputs = getattr(features, "outputs", None) if isinstance(features, keras.Model) else None
    if not inputs or not outputs or len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            f"Invalid value for argument `features`. Received: features of type "
            f"{type(features).__name__} with {len(inputs or [])} inputs and {len(outputs or [])} "
            "outputs. Expected a functional `keras.Model` with one input and one output."
        )
    num_classes = validation.check_int_at_least("num_classes", num_classes, 2)
    if not isinstance(fine_tune, bool):
        raise ValueError(
            f"Invalid value for argument `fine_tune`. Received: fine_tune={fine_tune!r}. "
            "Expected True (train the copied layers too) or False (freeze them)."
        )
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"Invalid value for argument `activation`. Received: activation={activation!r}. "
            f"Expected one of {list(ACTIVATIONS)}."
        )
    copy = keras.models.clone_model(features, clone_function=None if fine_tune else _without_noise)
    copy.set_weights(features.get_weights())  # Noise layers hold no weights: the lists match.
    copy.trainable = fine_tune
    inputs = keras.Input(tuple(features.inputs[0].shape[1:]), dtype=features.inputs[0].dtype, name="inputs")
    x = copy(inputs)
    if len(x.shape) != 2:
        x = keras.layers.Flatten(name="flatten_features")(x)
    if standardize_with is not None:
        x = _standardize(x, features, standardize_with)
    outputs = keras.layers.Dense(
        num_classes,
        activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        name="classes",
    )(x)
    return keras.Model(inputs, outputs, name=name or f"{features.name}_classifier")


def _without_noise(layer):
    """`clone_model`'s clone of `layer`, an `Identity` for a noise layer."""
    if isinstance(layer, _NOISE_LAYERS):
        return keras.layers.Identity(name=layer.name)
    return layer.__class__.from_config(layer.get_config())


def _standardize(x, features, examples, batch_size=1000):
    """`x` through a `Normalization` adapted to the (flattened) features of `examples`."""
    examples = np.asarray(examples)
    input_shape = tuple(features.inputs[0].shape[1:])
    if examples.ndim != len(input_shape) + 1 or examples.shape[1:] != input_shape or not len(examples):
        raise ValueError(
            f"Invalid value for argument `standardize_with`. Received: an array of shape {examples.shape}. "
            f"Expected examples [n, {', '.join(map(str, input_shape))}] with n >= 1, the feature network's input."
        )
    values = np.concatenate([
        keras.ops.convert_to_numpy(features(examples[start : start + batch_size], training=False))
        .reshape(len(examples[start : start + batch_size]), -1)
        for start in range(0, len(examples), batch_size)
    ])
    standardize = keras.layers.Normalization(name="standardize_features")
    standardize.adapt(values)
    return standardize(x)


def classifier_from_discriminator(
    discriminator, num_classes, fine_tune=False, standardize_with=None, activation="softmax", seed=None, name=None
):
    """A classifier made of a trained discriminator's hidden layers and a new head.

    Semi-supervised learning through the discriminator (the paper, section
    7): train G and D on unlabelled data, replace D's last layer by a
    `num_classes`-way layer, and train on a small labelled set, either the
    new layer alone (`fine_tune=False`) or everything (`fine_tune=True`).

    The hidden layers are everything up to the input of D's final layer,
    the one named `"logit"` (as in every `keras_gan.models` discriminator),
    copied with their weights (see `feature_classifier`): training the
    classifier never changes D. D's dropout and noise layers come along:
    active while a fine-tuned classifier trains, off in a frozen one.

    A conditional D is accepted when its hidden layers do not read the
    label (projection conditioning: the label only enters the logit); the
    classifier then takes images alone. With concat conditioning the
    features depend on the label, which a classifier does not have: refused.

    Example:

    ```python
    gan.fit(unlabeled_batches, epochs=50)
    classifier = keras_gan.semi_supervised.classifier_from_discriminator(
        gan.discriminator, num_classes=10)
    classifier.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    classifier.fit(labeled_x, labeled_y, epochs=100)
    ```

    Args:
        discriminator: A functional `keras.Model` whose final layer is named
            `"logit"`.
        num_classes: Int >= 2, the number of classes.
        fine_tune: Bool: whether D's copied layers train too.
        standardize_with: Optional unlabelled images whose features
            standardize the head's input (see `feature_classifier`).
        activation: `"softmax"` or `"linear"` (logits), the head's output.
        seed: Optional int seed of the head's initial weights.
        name: Name of the classifier. Default: `"{discriminator.name}_classifier"`.

    Returns:
        A functional `keras.Model` from images to `[batch, num_classes]`.
    """
    if not isinstance(discriminator, keras.Model) or not getattr(discriminator, "inputs", None):
        raise ValueError(
            "Invalid value for argument `discriminator`. Received: discriminator of type "
            f"{type(discriminator).__name__}. Expected a functional `keras.Model` (built from "
            "`keras.Input`), such as `keras_gan.models.mnist_discriminator()`."
        )
    names = [layer.name for layer in discriminator.layers]
    if LOGIT_LAYER not in names:
        raise ValueError(
            f"Invalid value for argument `discriminator`. Received: discriminator={discriminator.name!r} "
            f"with layers {names}. Expected a final layer named {LOGIT_LAYER!r}, whose input "
            "is D's last hidden features."
        )
    hidden = discriminator.get_layer(LOGIT_LAYER).input
    images = discriminator.inputs[0]
    try:
        features = keras.Model(images, hidden, name=f"{discriminator.name}_hidden")
    except ValueError:
        raise ValueError(
            f"Invalid value for argument `discriminator`. Received: a conditional discriminator "
            f"{discriminator.name!r} whose hidden layers read its {len(discriminator.inputs) - 1} "
            "label input(s). Expected hidden layers that depend on the images alone: build D "
            "unconditional or with conditioning='projection'."
        ) from None
    return feature_classifier(
        features,
        num_classes,
        fine_tune=fine_tune,
        standardize_with=standardize_with,
        activation=activation,
        seed=seed,
        name=name or f"{discriminator.name}_classifier",
    )


def classifier_from_encoder(
    encoder, num_classes, fine_tune=False, standardize_with=None, activation="softmax", seed=None, name=None
):
    """A classifier made of an inference net E (images -> z) and a new head on z.

    Semi-supervised learning through the generator (the paper's talk): train
    G on unlabelled data, learn E ~ p(z | x) (on pairs (G(z), z), or jointly
    as in BiGAN / ALI), then "add a layer on top" of E and train it on the
    labelled set.

    The head goes on E's output, the code z, not on E's last hidden layer:
    z is the representation the adversarial game defines (G's factors of
    the data, with a known distribution), it is the same whatever E's
    architecture, and it is small (100 numbers for the MNIST models), which
    is what a linear layer trained on 100 labels needs. A hidden layer of E
    is a regression intermediate with no such meaning; for it, build
    `keras.Model(encoder.inputs, encoder.get_layer(name).output)` and call
    `feature_classifier`.

    E is copied with its weights (see `feature_classifier`): training the
    classifier never changes it.

    Example:

    ```python
    classifier = keras_gan.semi_supervised.classifier_from_encoder(encoder, 10)
    classifier.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    classifier.fit(labeled_x, labeled_y, epochs=200)
    ```

    Args:
        encoder: A functional `keras.Model` with one input (images) and one
            output (z).
        num_classes: Int >= 2, the number of classes.
        fine_tune: Bool: whether E's copied layers train too.
        standardize_with: Optional unlabelled images whose codes
            standardize the head's input (see `feature_classifier`).
        activation: `"softmax"` or `"linear"` (logits), the head's output.
        seed: Optional int seed of the head's initial weights.
        name: Name of the classifier. Default: `"{encoder.name}_classifier"`.

    Returns:
        A functional `keras.Model` from images to `[batch, num_classes]`.
    """
    inputs = getattr(encoder, "inputs", None) if isinstance(encoder, keras.Model) else None
    outputs = getattr(encoder, "outputs", None) if isinstance(encoder, keras.Model) else None
    if not inputs or not outputs or len(inputs) != 1 or len(outputs) != 1:
        received = (
            f"a model with {len(inputs or [])} inputs and {len(outputs or [])} outputs"
            if isinstance(encoder, keras.Model)
            else f"encoder of type {type(encoder).__name__}"
        )
        raise ValueError(
            f"Invalid value for argument `encoder`. Received: {received}. Expected a functional "
            "`keras.Model` from images to z: one input, one output."
        )
    return feature_classifier(
        encoder,
        num_classes,
        fine_tune=fine_tune,
        standardize_with=standardize_with,
        activation=activation,
        seed=seed,
        name=name or f"{encoder.name}_classifier",
    )
