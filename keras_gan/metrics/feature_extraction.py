"""`extract_features`: images through a feature model, in batches."""

import numpy as np
import tensorflow as tf

from keras_gan.validation import check_interval
from keras_gan.validation import check_positive_int


def extract_features(images, feature_model, batch_size=1000, value_range=None):
    """Runs `images` through `feature_model` and returns its features.

    A feature model takes `[n, h, w, c]` float images in [0, 1] and returns
    `[n, d]` features: `keras_gan.metrics.digit_features()` for MNIST
    digits, `keras_gan.metrics.inception_features()` for other images, or
    any Keras model following that convention. Two adaptations are made on
    the way in, batch by batch:

    - grayscale images are repeated to 3 channels when the model takes 3;
    - when the model has a fixed spatial size different from the images',
      they are resized (bilinear) to it.

    Any other preprocessing (such as InceptionV3's scaling to [-1, 1])
    belongs in the model, as `inception_features` does.

    Example:

    >>> features = keras_gan.metrics.extract_features(
    ...     images, keras_gan.metrics.digit_features()
    ... )

    Args:
        images: Array `[n, h, w, c]` of floats in [0, 1], or uint8 in
            [0, 255] (scaled by 1/255).
        feature_model: A `keras.Model` as above.
        batch_size: Positive int, images per forward pass.
        value_range: Optional `(low, high)` of float `images` (a generator's
            output range), mapped linearly to [0, 1] first; `None`: they
            are in [0, 1].

    Returns:
        float32 NumPy array `[n, d]`.
    """
    batch_size = check_positive_int("batch_size", batch_size)
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    elif value_range is not None:
        low, high = check_interval("value_range", value_range, ", e.g. (0, 1) or (-1, 1)")
        images = (images - low) / (high - low)
    if images.ndim != 4 or len(images) == 0 or not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            "Invalid value for argument `images`. Received: an array of shape "
            f"{images.shape} and dtype {images.dtype}. Expected a non-empty float array "
            "[n, height, width, channels] in [0, 1]."
        )
    input_shape = feature_model.input_shape
    if isinstance(input_shape, list):
        raise ValueError(
            f"Invalid value for argument `feature_model`. Received: a model with "
            f"{len(input_shape)} inputs. Expected a model with one image input."
        )
    _, height, width, channels = input_shape
    if channels not in (None, images.shape[-1]) and not (channels == 3 and images.shape[-1] == 1):
        raise ValueError(
            f"The images do not fit the feature model {feature_model.name!r}. Received: images "
            f"with {images.shape[-1]} channels for a model taking {channels}. Expected "
            f"{channels} channels (or 1, repeated to 3)."
        )
    resize = (height, width) if None not in (height, width) else None
    if resize == tuple(images.shape[1:3]):
        resize = None
    repeat = channels == 3 and images.shape[-1] == 1
    if resize is None and not repeat:
        features = feature_model.predict(images, batch_size=batch_size, verbose=0)
    else:

        def adapt(batch):
            batch = tf.cast(batch, tf.float32)
            if repeat:
                batch = tf.repeat(batch, 3, axis=-1)
            if resize is not None:
                batch = tf.image.resize(batch, resize, method="bilinear")
            return batch

        dataset = tf.data.Dataset.from_tensor_slices(images).batch(batch_size).map(adapt)
        features = feature_model.predict(dataset, verbose=0)
    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(
            f"The feature model {feature_model.name!r} returned features of shape "
            f"{features.shape}. Expected [n, d]: pool or flatten inside the model, e.g. "
            "keras.applications.InceptionV3(include_top=False, pooling='avg')."
        )
    return features.astype(np.float32, copy=False)
