"""Pixel values for training: scaling to the generator's range, GCN, the mean image."""

import numpy as np
import tensorflow as tf


def converter(value_range, preprocessing, gcn_scale):
    """Returns the function `load` maps over uint8 images.

    Args:
        value_range: None (meaning `(0, 1)`), `(0, 1)` or `(-1, 1)`.
        preprocessing: None or `"gcn"`.
        gcn_scale: float, the L2 norm of each GCN-normalized image.

    Returns:
        A function from a uint8 image tensor to a float32 one.
    """
    if preprocessing not in (None, "gcn"):
        raise ValueError(
            "Invalid value for argument `preprocessing`. Received: "
            f"preprocessing={preprocessing!r}. Expected None or 'gcn'."
        )
    if preprocessing == "gcn":
        if value_range is not None:
            raise ValueError(
                "value_range does not apply to GCN output, which is unbounded. "
                f"Received: value_range={value_range}, preprocessing='gcn'. Expected "
                "value_range=None."
            )
        if isinstance(gcn_scale, bool) or not isinstance(gcn_scale, (int, float)) or not gcn_scale > 0:
            raise ValueError(
                f"Invalid value for argument `gcn_scale`. Received: gcn_scale={gcn_scale!r}. "
                "Expected a positive number."
            )
        scale = float(gcn_scale)
        return lambda image: global_contrast_normalize(tf.cast(image, tf.float32), scale)
    low_high = (0, 1) if value_range is None else value_range
    low_high = tuple(low_high) if isinstance(low_high, (tuple, list)) else low_high
    if low_high == (0, 1):
        return lambda image: tf.cast(image, tf.float32) / 255.0
    if low_high == (-1, 1):
        return lambda image: tf.cast(image, tf.float32) / 127.5 - 1.0
    raise ValueError(
        f"Invalid value for argument `value_range`. Received: value_range={value_range!r}. "
        "Expected (0, 1) or (-1, 1)."
    )


def pixel_mean(images):
    """Returns the mean image, e.g. for the generator's output-bias init.

    The original code set the sigmoid output bias to the logit of the training
    data's per-pixel mean, so an untrained generator already outputs the
    average digit.

    Example:

    >>> mean = keras_gan.data.pixel_mean(train)   # (28, 28, 1), in [0, 1]

    Args:
        images: array of shape `(n, ...)`, or a `tf.data.Dataset` of single
            images or of `(image, label)` pairs, as returned by `load`.

    Returns:
        A float32 array of the images' shape, averaged in float64.
    """
    if isinstance(images, tf.data.Dataset):
        if isinstance(images.element_spec, tuple):
            images = images.map(lambda image, *_: image)
        batches = images.batch(1024).as_numpy_iterator()
        sums = [(batch.astype(np.float64).sum(axis=0), len(batch)) for batch in batches]
        if not sums:
            raise ValueError("Cannot average an empty dataset. Received: images=<empty>.")
        return (sum(s for s, _ in sums) / sum(n for _, n in sums)).astype(np.float32)
    images = np.asarray(images)
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError(
            "Expected a non-empty array of shape (num_images, ...). "
            f"Received: images.shape={images.shape}."
        )
    return images.astype(np.float64).mean(axis=0).astype(np.float32)


def global_contrast_normalize(images, scale=55.0, min_divisor=1e-8):
    """Global contrast normalization, as in the original CIFAR-10 experiments.

    pylearn2's `global_contrast_normalize` with the settings the adversarial
    code used (`gcn=55.`: `subtract_mean=True`, `use_std=False`,
    `sqrt_bias=0`): each image has its mean over all pixels and channels
    subtracted and is divided by its L2 norm (the square root of the *sum* of
    squares), then multiplied by `scale`. Every image thus has zero mean and
    L2 norm `scale`; with 32x32x3 = 3072 values and scale 55 the per-value RMS
    is about 1. As in pylearn2, an image whose divisor `norm / scale` is
    below `min_divisor` (a constant image) is only centred.

    Example:

    >>> x = keras_gan.data.global_contrast_normalize(images)  # (n, 32, 32, 3)

    Args:
        images: float tensor or array, one image `(h, w, c)` or a batch
            `(n, h, w, c)`.
        scale: float, the L2 norm of each normalized image.
        min_divisor: float, smaller divisors are replaced by 1.

    Returns:
        A float32 tensor of the same shape.
    """
    images = tf.convert_to_tensor(images, dtype=tf.float32)
    axes = [-3, -2, -1]
    centred = images - tf.reduce_mean(images, axis=axes, keepdims=True)
    norm = tf.sqrt(tf.reduce_sum(tf.square(centred), axis=axes, keepdims=True))
    divisor = norm / scale
    divisor = tf.where(divisor < min_divisor, tf.ones_like(divisor), divisor)
    return centred / divisor
