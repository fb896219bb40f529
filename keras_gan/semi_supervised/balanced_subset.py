"""`balanced_subset`: the indices of a labelled subset with as many examples of each class."""

import numpy as np

from keras_gan import validation


def balanced_subset(labels, per_class, seed=None):
    """Draws `per_class` examples of each class, uniformly without replacement.

    The usual semi-supervised protocol (Salimans et al., 2016, for MNIST: 10
    labels per class, 100 in all): a labelled set balanced over the classes,
    drawn from the training examples with a seed, the rest used unlabelled.

    Example:

    >>> images, labels = keras_gan.data.load_array(
    ...     "mnist", "0:7000", data_dir=mnist_dir, with_labels=True)
    >>> chosen = keras_gan.semi_supervised.balanced_subset(labels, 10, seed=0)
    >>> labeled_x, labeled_y = images[chosen], labels[chosen]   # 100 digits

    Args:
        labels: 1-D array of non-negative integer labels.
        per_class: Positive int, how many examples of each class to draw.
        seed: Optional int seed of the draw.

    Returns:
        A sorted int64 array of `per_class * num_classes` indices into
        `labels`, `num_classes` being the number of distinct labels.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or labels.size == 0:
        raise ValueError(
            f"Invalid value for argument `labels`. Received: labels of shape {labels.shape} and "
            f"dtype {labels.dtype}. Expected a non-empty 1-D array of integer class labels."
        )
    per_class = validation.check_positive_int("per_class", per_class)
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < per_class:
        scarce = int(classes[np.argmin(counts)])
        raise ValueError(
            f"Invalid value for argument `per_class`. Received: per_class={per_class}, but class "
            f"{scarce} has only {counts.min()} examples. Expected per_class <= {counts.min()}."
        )
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in classes]
    return np.sort(np.concatenate(chosen)).astype(np.int64)
