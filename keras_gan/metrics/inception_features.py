"""`inception_features`: InceptionV3's pooled features as a feature model for images in [0, 1]."""

import keras

from keras_gan.validation import check_int_at_least


def inception_features(weights="imagenet", image_size=299, model=None):
    """InceptionV3's 2048 average-pooled features, taking images in [0, 1] of any size.

    The usual feature space of the Frechet inception distance for natural
    images. The returned model resizes its input (bilinear) to
    `image_size` x `image_size`, scales [0, 1] to [-1, 1] (what
    `keras.applications.inception_v3.preprocess_input` does to [0, 255])
    and runs `keras.applications.InceptionV3(include_top=False,
    pooling="avg")`. Grayscale images are repeated to 3 channels by
    `extract_features`.

    The ImageNet weights are downloaded by Keras on first use (about
    90 MB); offline, download them elsewhere and pass their file as
    `weights`, or build the network yourself and pass it as `model`. Keras'
    InceptionV3 is not the TensorFlow 1 graph of the original FID code, so
    its numbers are comparable with each other, not with published FIDs.

    Example:

    >>> extractor = keras_gan.metrics.inception_features()
    >>> features = keras_gan.metrics.extract_features(cifar_images, extractor)
    >>> features.shape
    (n, 2048)

    Args:
        weights: `"imagenet"`, `None` (random weights, for tests) or the
            path of a weights file; ignored when `model` is given.
        image_size: Int >= 75 (InceptionV3's smallest input), the size
            images are resized to; 299 is InceptionV3's native size.
        model: Optional `keras.applications.InceptionV3(include_top=False,
            pooling="avg", input_shape=(s, s, 3))` (or another model taking
            [-1, 1] images and returning `[n, d]`); `image_size` is then
            read from its input shape.

    Returns:
        A `keras.Model` from `[n, h, w, 3]` images in [0, 1] to `[n, d]`
        features (d = 2048 for InceptionV3).
    """
    if model is None:
        image_size = check_int_at_least("image_size", image_size, 75)
        model = keras.applications.InceptionV3(
            include_top=False,
            weights=weights,
            input_shape=(image_size, image_size, 3),
            pooling="avg",
        )
    else:
        _, height, width, channels = model.input_shape
        if height is None or width is None or channels != 3:
            raise ValueError(
                "Invalid value for argument `model`. Received: a model with input shape "
                f"{model.input_shape}. Expected a fixed-size RGB input [n, s, s, 3]."
            )
        image_size = (height, width)
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    inputs = keras.Input((None, None, 3), name="images")
    x = keras.layers.Resizing(*image_size, interpolation="bilinear", name="resize")(inputs)
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_minus_one_one")(x)
    return keras.Model(inputs, model(x), name="inception_features")
