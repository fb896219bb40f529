"""`training_pipeline`: k * m shuffled real examples (and their labels) per training step."""

import warnings

import numpy as np
import tensorflow as tf

from keras_gan import validation


def training_pipeline(
    dataset,
    batch_size,
    discriminator_steps=1,
    seed=None,
    cache=True,
    shuffle_buffer_size=None,
    drop_remainder=True,
):
    """Batches real examples for `GAN.fit`: k * m examples per training step.

    One step of Algorithm 1 makes k = `discriminator_steps` discriminator
    updates, each on m = `batch_size` new real examples, so every batch holds
    k * m examples; discriminator update i takes examples i, i + k, i + 2k, ...
    (the strided split `keras_gan.GAN` makes). The pipeline caches the
    examples, shuffles them with `seed` (a new order every epoch; the same
    sequence of orders for the same seed), batches and prefetches.

    Labels, for a conditional GAN: a dataset of `(example, label)` pairs,
    each label an integer scalar (a class index, not one-hot), is shuffled
    and batched as pairs, so every batch is `(examples, labels)` with each
    label still beside its example. The k * m contract is the same: the GAN
    splits examples and labels alike, so discriminator update i gets
    examples i, i + k, ... with their own labels (the generator's labels
    are drawn fresh by the GAN).

    Remainder policy: with `drop_remainder=True` (default) every step has
    exactly k * m examples, and the `n % (k * m)` examples left over are left
    out of that epoch, with a warning stating the count. Because the data is
    reshuffled every epoch, a different random subset is left out each time,
    so no example is excluded for good. `drop_remainder=False` keeps a smaller
    last batch instead; it must still split into k equal minibatches.

    Example:

    >>> train = keras_gan.data.load("mnist", "0:7000", data_dir=mnist_dir)
    >>> batches = keras_gan.data.training_pipeline(
    ...     train, batch_size=100, discriminator_steps=1, seed=0)
    >>> gan.fit(batches, epochs=10)
    >>> pairs = keras_gan.data.load(
    ...     "mnist", "0:7000", data_dir=mnist_dir, with_labels=True)
    >>> batches = keras_gan.data.training_pipeline(pairs, batch_size=100, seed=0)
    >>> conditional_gan.fit(batches, epochs=10)   # batches (100, 28, 28, 1), (100,)

    Args:
        dataset: finite `tf.data.Dataset` of single examples, or of
            `(example, label)` pairs with integer scalar labels, such as
            `load` or `image_folder` return.
        batch_size: int, m, the examples per discriminator or generator update.
        discriminator_steps: int, k, discriminator updates per step.
        seed: int or None, the shuffle seed (None: a different order per run).
        cache: bool or str, cache the examples in memory (True) or in the
            file named by the string, so later epochs skip loading.
        shuffle_buffer_size: int or None; None shuffles the whole dataset
            uniformly (the buffer then holds a second copy of the data).
        drop_remainder: bool, the remainder policy described above.

    Returns:
        A `tf.data.Dataset` of batches `(k * m, *example_shape)`, or of
        pairs of them and their labels `(k * m,)`.

    Raises:
        ValueError: for an argument out of range, an infinite dataset, one
            with fewer than k * m examples, or elements that are neither
            single examples nor `(example, label)` pairs with an integer
            scalar label.
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(
            "Invalid value for argument `dataset`. Received: dataset of type "
            f"{type(dataset).__name__}. Expected a tf.data.Dataset."
        )
    _check_element_spec(dataset.element_spec)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    discriminator_steps = validation.check_positive_int("discriminator_steps", discriminator_steps)
    step_size = batch_size * discriminator_steps
    num_examples = _num_examples(dataset)
    if num_examples < step_size:
        raise ValueError(
            f"The dataset has {num_examples} examples, fewer than one training step "
            f"needs: discriminator_steps * batch_size = {discriminator_steps} * "
            f"{batch_size} = {step_size}. Received: batch_size={batch_size}."
        )
    remainder = num_examples % step_size
    if drop_remainder and remainder:
        warnings.warn(
            f"{remainder} of the {num_examples} examples are left out of each epoch so "
            f"that every step has exactly {step_size} examples (discriminator_steps="
            f"{discriminator_steps} x batch_size={batch_size}); the reshuffle leaves "
            "out a different subset each epoch. Pass drop_remainder=False to keep a "
            "smaller last batch instead.",
            stacklevel=2,
        )
    if not drop_remainder and remainder % discriminator_steps:
        raise ValueError(
            f"With drop_remainder=False the last batch holds {remainder} examples, which "
            f"do not split into discriminator_steps={discriminator_steps} equal minibatches. "
            "Use drop_remainder=True or a dataset size that leaves a multiple of k over."
        )
    if shuffle_buffer_size is None:
        shuffle_buffer_size = num_examples
    shuffle_buffer_size = validation.check_positive_int("shuffle_buffer_size", shuffle_buffer_size)
    if not isinstance(cache, (bool, str)):
        raise ValueError(
            f"Invalid value for argument `cache`. Received: cache={cache!r}. "
            "Expected a bool or a file name."
        )
    if cache:
        dataset = dataset.cache("" if cache is True else cache)
    dataset = dataset.shuffle(shuffle_buffer_size, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(step_size, drop_remainder=bool(drop_remainder))
    return dataset.prefetch(tf.data.AUTOTUNE)


def _check_element_spec(spec):
    """Accepts single examples, or `(example, label)` with an integer scalar label."""
    is_pair = isinstance(spec, tuple) and len(spec) == 2
    if isinstance(spec, tf.TensorSpec) or (is_pair and isinstance(spec[0], tf.TensorSpec)):
        label = spec[1] if is_pair else None
    else:
        raise ValueError(
            "Invalid value for argument `dataset`. Received: element_spec="
            f"{spec}. Expected single examples, or (example, label) pairs for a "
            "conditional GAN."
        )
    if label is None:
        return
    if not isinstance(label, tf.TensorSpec) or not label.dtype.is_integer or label.shape.rank != 0:
        raise ValueError(
            "Invalid labels in argument `dataset`: each label must be an integer scalar, "
            f"the class index. Received: label spec {label}. Expected shape () and an "
            "integer dtype: map one-hot labels with tf.argmax(label), float ones with "
            "tf.cast(label, tf.int32)."
        )


def _num_examples(dataset):
    count = int(dataset.cardinality())
    if count == tf.data.INFINITE_CARDINALITY:
        raise ValueError(
            "Expected a finite dataset (Keras repeats it each epoch). Received an "
            "infinite dataset, e.g. one with .repeat()."
        )
    if count == tf.data.UNKNOWN_CARDINALITY:
        # One counting pass, e.g. after `filter`; needed for the buffer and remainder.
        count = int(dataset.reduce(np.int64(0), lambda n, _: n + 1))
    return count
