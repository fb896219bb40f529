"""`load` and `load_array`: a registered dataset's split as float32 images (and labels)."""

import os

import numpy as np
import tensorflow as tf

from keras_gan.data import preprocessing as preprocessing_lib
from keras_gan.data import registry
from keras_gan.data import splits
from keras_gan.data import tfds_source
from keras_gan.data.errors import DatasetUnavailableError


def load(
    name,
    split="train",
    data_dir=None,
    download=True,
    value_range=None,
    preprocessing=None,
    gcn_scale=55.0,
    with_labels=False,
):
    """Loads an image dataset as a `tf.data.Dataset` of float32 images.

    The dataset yields single images of shape `(height, width, channels)` in
    the order of the source (shuffling is `training_pipeline`'s job); with
    `with_labels=True`, `(image, label)` pairs for a conditional GAN, the
    label an int32 scalar in `[0, dataset_spec(name).num_classes)`, the
    same split of the same source. With `preprocessing=None` pixels are scaled to the generator's output
    range; `preprocessing="gcn"` applies the original CIFAR-10 global contrast
    normalization instead (see `global_contrast_normalize`).

    Splits follow the original code: MNIST train = train[0:50000], validation
    = train[50000:60000]; CIFAR-10 train = train[0:40000], validation =
    train[40000:50000]; test = the official test set. An index range
    `"start:stop"` selects training images instead (the images of the single
    file of a one-file IDX source), e.g. the offline protocol `"0:7000"` and
    `"7000:8000"`.

    Which source is read (`keras_gan.data.dataset_spec(name)` lists each
    dataset's readers):
    - MNIST: a directory of IDX files. A single `images-idx3-ubyte[.gz]`
      file accepts only index-range splits; the official `train-`/`t10k-`
      pair also accepts the named splits. Labels come from the
      `labels-idx1-ubyte[.gz]` file beside the images (`train-`/`t10k-`
      prefixed for the pair).
    - CIFAR-10: the binary version, the `cifar-10-batches-bin` directory
      (or its parent) with `data_batch_1.bin` ... `data_batch_5.bin` and
      `test_batch.bin` (whose records hold the labels); IDX files of
      32x32x3 images also work.
    - TFD: a directory of 48x48 grayscale image files, without labels. A
      named split reads `data_dir/<split>/`; a range indexes the sorted
      files in `data_dir`.
    - otherwise (no such files in `data_dir`):
      `tfds.load(name, data_dir=data_dir, download=download)`, with
      `as_supervised=True` for labels.

    For a folder of your own images, use `image_folder` instead.

    Example:

    >>> train = keras_gan.data.load(
    ...     "mnist", split="0:7000", data_dir="/work/shared/data/mnist-8k")
    >>> train.element_spec
    TensorSpec(shape=(28, 28, 1), dtype=tf.float32, name=None)
    >>> pairs = keras_gan.data.load(
    ...     "mnist", split="0:7000", data_dir="/work/shared/data/mnist-8k",
    ...     with_labels=True)
    >>> pairs.element_spec[1]
    TensorSpec(shape=(), dtype=tf.int32, name=None)

    Args:
        name: str, one of `keras_gan.data.DATASETS`: `"mnist"`, `"cifar10"`,
            `"tfd"`.
        split: str, `"train"`, `"validation"`, `"test"`, or an index range
            `"start:stop"` (either end may be omitted) into the training images.
        data_dir: str or None, an existing directory: local files (see
            above) or the `tensorflow_datasets` data directory. None: the
            `tensorflow_datasets` default.
        download: bool, whether `tensorflow_datasets` may download the data.
        value_range: `(0, 1)` (default, for a sigmoid output) or `(-1, 1)`
            (for tanh). Must be None with `preprocessing="gcn"`.
        preprocessing: None or `"gcn"` (global contrast normalization).
        gcn_scale: float, the L2 norm of each normalized image (55 originally).
        with_labels: bool, yield `(image, label)` pairs (int32 labels)
            instead of images; only for a dataset with `num_classes`.

    Returns:
        A finite `tf.data.Dataset` of float32 images, or of `(image, label)`
        pairs, with a known cardinality.

    Raises:
        ValueError: for an unknown name, a bad split or range, a `data_dir`
            that is not a directory, a corrupt file, or labels asked of a
            dataset without labels (TFD).
        DatasetUnavailableError: when the data is neither local nor
            downloadable (the message says which local files work), or
            when a local source has no labels file for `with_labels=True`.
    """
    spec = registry.dataset_spec(name)
    parsed_split = splits.parse_split(split)
    convert = preprocessing_lib.converter(value_range, preprocessing, gcn_scale)
    _check_with_labels(spec, with_labels)
    data_dir = _check_data_dir(spec, data_dir)
    for read in spec.local_readers:
        arrays = read(spec, data_dir, parsed_split, with_labels=with_labels)
        if arrays is not None:
            dataset = tf.data.Dataset.from_tensor_slices(arrays)
            break
    else:
        if spec.tfds_name is None:
            raise DatasetUnavailableError(spec.offline_hint)
        dataset = tfds_source.load_tfds(spec, parsed_split, data_dir, download, with_labels)
    if with_labels:
        return dataset.map(
            lambda image, label: (convert(image), label), num_parallel_calls=tf.data.AUTOTUNE
        )
    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def load_array(name, split="train", **kwargs):
    """Loads a whole split as one NumPy array (same values as `load`).

    For evaluations that need every image at once: the Parzen window's
    validation and test sets, nearest-neighbour grids, `pixel_mean`, a
    classifier's labelled test set.

    Example:

    >>> valid = keras_gan.data.load_array(
    ...     "mnist", "7000:8000", data_dir="/work/shared/data/mnist-8k")
    >>> valid.shape, valid.dtype
    ((1000, 28, 28, 1), dtype('float32'))
    >>> images, labels = keras_gan.data.load_array(
    ...     "mnist", "7000:8000", data_dir="/work/shared/data/mnist-8k",
    ...     with_labels=True)
    >>> labels.shape, labels.dtype
    ((1000,), dtype('int32'))

    Args:
        name: str, as for `load`.
        split: str, as for `load`.
        **kwargs: the other arguments of `load`, `with_labels` included.

    Returns:
        A float32 array of shape `(num_examples, height, width, channels)`;
        with `with_labels=True`, the pair of it and the int32 labels
        `(num_examples,)`.
    """
    batches = list(load(name, split, **kwargs).batch(1024).as_numpy_iterator())
    if kwargs.get("with_labels", False):
        images, labels = zip(*batches)
        return np.concatenate(images, axis=0), np.concatenate(labels, axis=0)
    return np.concatenate(batches, axis=0)


def _check_with_labels(spec, with_labels):
    """Refuses a non-bool `with_labels`, and labels of a dataset without them."""
    if not isinstance(with_labels, bool):
        raise ValueError(
            f"Invalid value for argument `with_labels`. Received: with_labels={with_labels!r}. "
            "Expected True or False."
        )
    if with_labels and spec.num_classes is None:
        raise ValueError(
            f"The {spec.name!r} dataset has no labels. Received: name={spec.name!r}, "
            "with_labels=True. Expected with_labels=False, or a labelled folder of your "
            "own: keras_gan.data.image_folder(directory, image_size, with_labels=True)."
        )


def _check_data_dir(spec, data_dir):
    """Returns `data_dir` with `~` expanded; refuses a path that is no directory.

    A mistyped path must not fall through to `tensorflow_datasets`, which
    would create it and start a download.
    """
    if data_dir is None:
        return None
    if not isinstance(data_dir, (str, os.PathLike)):
        raise ValueError(
            f"Invalid value for argument `data_dir`. Received: data_dir={data_dir!r}. "
            "Expected a directory path (str) or None."
        )
    path = os.path.expanduser(os.fspath(data_dir))
    if not os.path.isdir(path):
        problem = "not a directory" if os.path.exists(path) else "directory not found"
        raise ValueError(
            f"Could not load {spec.name!r}: {problem}. Received: data_dir={data_dir!r}. "
            f"Expected an existing directory. {spec.offline_hint}"
        )
    return path
