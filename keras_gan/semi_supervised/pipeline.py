"""`semi_supervised_pipeline`: batches of unlabelled examples, each with a labelled minibatch."""

import warnings

import numpy as np
import tensorflow as tf

from keras_gan import validation


def semi_supervised_pipeline(
    unlabeled,
    labeled_x,
    labeled_y,
    batch_size,
    labeled_batch_size=None,
    discriminator_steps=1,
    num_classes=None,
    seed=None,
):
    """Batches for `SemiSupervisedGAN.fit`: `(unlabeled, (labeled_x, labeled_y))`.

    Each batch holds k * m unlabelled examples (k = `discriminator_steps`,
    m = `batch_size`) and k * m_l labelled ones with their labels (m_l =
    `labeled_batch_size`). An epoch is one pass over the unlabelled examples,
    shuffled anew each epoch, the `n % (k * m)` left over left out (with a
    warning). The labelled set, usually far smaller, is cycled: reshuffled
    at every pass, as many passes as the epoch needs, so each labelled
    example is seen about equally often (the original code's schedule).

    `SemiSupervisedGAN` splits both parts into k minibatches the way
    `keras_gan.GAN` splits real examples (update i takes rows i, i + k, ...).

    Example:

    >>> chosen = keras_gan.semi_supervised.balanced_subset(labels, 10, seed=0)
    >>> batches = keras_gan.semi_supervised.semi_supervised_pipeline(
    ...     images, images[chosen], labels[chosen], batch_size=100,
    ...     num_classes=10, seed=0)
    >>> ssgan.fit(batches, epochs=10)

    Args:
        unlabeled: Float array `[n, ...]` of unlabelled examples, in the
            generator's output range. The labelled examples may be among them.
        labeled_x: Float array `[n_l, ...]` of labelled examples, of the
            same example shape.
        labeled_y: Integer array `[n_l]` of their class labels.
        batch_size: Positive int, m, unlabelled examples per update.
        labeled_batch_size: Positive int, m_l, labelled examples per update.
            Default: `batch_size` (the original code's 100 and 100).
        discriminator_steps: Positive int, k, discriminator updates per step.
        num_classes: Optional int: when given, labels must lie in
            `[0, num_classes)`.
        seed: Optional int seed of both shuffles.

    Returns:
        A finite `tf.data.Dataset` of `(unlabeled [k*m, ...],
        (labeled_x [k*m_l, ...], labeled_y [k*m_l] int32))`.
    """
    unlabeled = _float_examples("unlabeled", unlabeled)
    labeled_x = _float_examples("labeled_x", labeled_x)
    if labeled_x.shape[1:] != unlabeled.shape[1:]:
        raise ValueError(
            f"Invalid value for argument `labeled_x`. Received: examples of shape {labeled_x.shape[1:]}. "
            f"Expected the unlabelled examples' shape {unlabeled.shape[1:]}."
        )
    labeled_y = _labels(labeled_y, len(labeled_x), num_classes)
    k = validation.check_positive_int("discriminator_steps", discriminator_steps)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    labeled_batch_size = batch_size if labeled_batch_size is None else labeled_batch_size
    labeled_batch_size = validation.check_positive_int("labeled_batch_size", labeled_batch_size)
    step_size = k * batch_size
    if len(unlabeled) < step_size:
        raise ValueError(
            f"Invalid value for argument `batch_size`. Received: batch_size={batch_size} with "
            f"discriminator_steps={k}, {step_size} examples a step. Expected at most the "
            f"{len(unlabeled)} unlabelled examples per step."
        )
    remainder = len(unlabeled) % step_size
    if remainder:
        warnings.warn(
            f"{remainder} of the {len(unlabeled)} unlabelled examples are left out of each epoch "
            f"so that every step has exactly {step_size}; the reshuffle leaves out a different "
            "subset each epoch.",
            stacklevel=2,
        )
    # Different seeds for the two shuffles: the same one would pair the orders.
    labeled_seed = None if seed is None else seed + 1
    unlabeled_batches = (
        tf.data.Dataset.from_tensor_slices(unlabeled)
        .shuffle(len(unlabeled), seed=seed, reshuffle_each_iteration=True)
        .batch(step_size, drop_remainder=True)
    )
    labeled_batches = (
        tf.data.Dataset.from_tensor_slices((labeled_x, labeled_y))
        .shuffle(len(labeled_x), seed=labeled_seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(k * labeled_batch_size, drop_remainder=True)
    )
    # The zip ends with the finite unlabelled pass: one epoch.
    return tf.data.Dataset.zip((unlabeled_batches, labeled_batches)).prefetch(tf.data.AUTOTUNE)


def _float_examples(name, values):
    values = np.asarray(values)
    if values.ndim < 2 or len(values) == 0 or not np.issubdtype(values.dtype, np.floating):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name} of shape {values.shape} and dtype "
            f"{values.dtype}. Expected a non-empty float array [n, ...] in the generator's "
            "output range, e.g. `images / 255`."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {int(np.sum(~np.isfinite(values)))} NaN "
            "or Inf values. Expected finite values."
        )
    return values.astype(np.float32, copy=False)


def _labels(labels, count, num_classes):
    labels = np.asarray(labels)
    if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Invalid value for argument `labeled_y`. Received: labeled_y of shape {labels.shape} and "
            f"dtype {labels.dtype}. Expected {count} integer class labels, one per labelled "
            "example (not one-hot)."
        )
    high = None if num_classes is None else validation.check_int_at_least("num_classes", num_classes, 2)
    if labels.min() < 0 or (high is not None and labels.max() >= high):
        expected = f"[0, {high})" if high is not None else "non-negative integers"
        raise ValueError(
            f"Invalid value for argument `labeled_y`. Received: labeled_y in [{labels.min()}, "
            f"{labels.max()}]. Expected class labels in {expected}."
        )
    return labels.astype(np.int32)
