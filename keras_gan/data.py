"""Image datasets for GAN training: MNIST, CIFAR-10 and TFD as `tf.data` pipelines.

`load` reads local IDX files, a directory of TFD images, or goes through
`tensorflow_datasets`, with the original code's splits; `training_pipeline`
batches k * m real examples per training step of Algorithm 1.
"""

import gzip
import os
import re
import struct
import warnings
import zlib

import numpy as np
import tensorflow as tf

DATASETS = ("mnist", "cifar10", "tfd")
SPLITS = ("train", "validation", "test")

_IMAGE_SHAPES = {"mnist": (28, 28, 1), "cifar10": (32, 32, 3), "tfd": (48, 48, 1)}
# The original code's named splits as (official split, start, stop).
_NAMED_SPLITS = {
    name: {
        "train": ("train", 0, num_train),
        "validation": ("train", num_train, total),
        "test": ("test", None, None),
    }
    for name, num_train, total in (("mnist", 50000, 60000), ("cifar10", 40000, 50000))
}
_OFFICIAL_TRAIN_SIZES = {"mnist": 60000, "cifar10": 50000}
_RANGE = re.compile(r"^\s*(\d*)\s*:\s*(\d*)\s*$")
# `images-idx3-ubyte.gz` (one file) or `train-`/`t10k-` prefixed official files.
_IDX_IMAGES = re.compile(r"^(?:(train|t10k|test)-)?images[-.]idx[34]-ubyte(\.gz)?$")
_IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".tif", ".tiff")


class DatasetUnavailableError(RuntimeError):
    """The requested data can neither be found locally nor downloaded."""


def load(
    name,
    split="train",
    data_dir=None,
    download=True,
    value_range=None,
    preprocessing=None,
    gcn_scale=55.0,
):
    """Loads an image dataset as a `tf.data.Dataset` of float32 images.

    The dataset yields single images of shape `(height, width, channels)`, no
    labels, in the order of the source (shuffling is `training_pipeline`'s
    job). With `preprocessing=None` pixels are scaled to the generator's output
    range; `preprocessing="gcn"` applies the original CIFAR-10 global contrast
    normalization instead (see `global_contrast_normalize`).

    Splits follow the original code: MNIST train = train[0:50000], validation
    = train[50000:60000]; CIFAR-10 train = train[0:40000], validation =
    train[40000:50000]; test = the official test set. An index range
    `"start:stop"` selects training images instead (the images of the single
    file of a one-file IDX source), e.g. the offline protocol `"0:7000"` and
    `"7000:8000"`.

    Which source is read:
    - `data_dir` is a directory with an IDX images file: read it locally. A
      single `images-idx3-ubyte[.gz]` file accepts only index-range splits; the
      official `train-`/`t10k-` pair also accepts the named splits.
    - `name="tfd"`: `data_dir` is a directory of 48x48 grayscale image files.
      A named split reads `data_dir/<split>/`; a range indexes the sorted
      files directly in `data_dir`.
    - otherwise `tfds.load(name, data_dir=data_dir, download=download)`.

    Example:

    >>> train = keras_gan.data.load(
    ...     "mnist", split="0:7000", data_dir="/work/shared/data/mnist-8k")
    >>> train.element_spec
    TensorSpec(shape=(28, 28, 1), dtype=tf.float32, name=None)

    Args:
        name: str, one of `"mnist"`, `"cifar10"`, `"tfd"`.
        split: str, `"train"`, `"validation"`, `"test"`, or an index range
            `"start:stop"` (either end may be omitted) into the training images.
        data_dir: str or None, a local IDX or image directory (see above), or
            the `tensorflow_datasets` data directory.
        download: bool, whether `tensorflow_datasets` may download the data.
        value_range: `(0, 1)` (default, for a sigmoid output) or `(-1, 1)`
            (for tanh). Must be None with `preprocessing="gcn"`.
        preprocessing: None or `"gcn"` (global contrast normalization).
        gcn_scale: float, the L2 norm of each normalized image (55 originally).

    Returns:
        A finite `tf.data.Dataset` of float32 images with a known cardinality.

    Raises:
        ValueError: for an unknown name, a bad split or range, or a corrupt file.
        DatasetUnavailableError: when the data is neither local nor downloadable.
    """
    name = _check_name(name)
    parsed_split = _parse_split(split)
    convert = _converter(value_range, preprocessing, gcn_scale)
    if name == "tfd":
        dataset = tf.data.Dataset.from_tensor_slices(
            _read_image_directory(data_dir, parsed_split)
        )
    else:
        idx_files = _find_idx_images(data_dir)
        if idx_files:
            images = _read_idx_split(name, idx_files, parsed_split)
            dataset = tf.data.Dataset.from_tensor_slices(images)
        else:
            dataset = _load_tfds(name, parsed_split, data_dir, download)
    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def load_array(name, split="train", **kwargs):
    """Loads a whole split as one NumPy array (same values as `load`).

    For evaluations that need every image at once: the Parzen window's
    validation and test sets, nearest-neighbour grids, `pixel_mean`.

    Example:

    >>> valid = keras_gan.data.load_array(
    ...     "mnist", "7000:8000", data_dir="/work/shared/data/mnist-8k")
    >>> valid.shape, valid.dtype
    ((1000, 28, 28, 1), dtype('float32'))

    Args:
        name: str, as for `load`.
        split: str, as for `load`.
        **kwargs: the other arguments of `load`.

    Returns:
        A float32 array of shape `(num_examples, height, width, channels)`.
    """
    batches = load(name, split, **kwargs).batch(1024).as_numpy_iterator()
    return np.concatenate(list(batches), axis=0)


def pixel_mean(images):
    """Returns the mean image, e.g. for the generator's output-bias init.

    The original code set the sigmoid output bias to the logit of the training
    data's per-pixel mean, so an untrained generator already outputs the
    average digit.

    Example:

    >>> mean = keras_gan.data.pixel_mean(train)   # (28, 28, 1), in [0, 1]

    Args:
        images: array of shape `(n, ...)`, or a `tf.data.Dataset` of single
            images as returned by `load`.

    Returns:
        A float32 array of the images' shape, averaged in float64.
    """
    if isinstance(images, tf.data.Dataset):
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

    Args:
        dataset: finite `tf.data.Dataset` of single examples (no labels).
        batch_size: int, m, the examples per discriminator or generator update.
        discriminator_steps: int, k, discriminator updates per step.
        seed: int or None, the shuffle seed (None: a different order per run).
        cache: bool or str, cache the examples in memory (True) or in the
            file named by the string, so later epochs skip loading.
        shuffle_buffer_size: int or None; None shuffles the whole dataset
            uniformly (the buffer then holds a second copy of the data).
        drop_remainder: bool, the remainder policy described above.

    Returns:
        A `tf.data.Dataset` of batches `(k * m, *example_shape)`.
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(
            f"Expected a tf.data.Dataset. Received: dataset={type(dataset).__name__}."
        )
    if not isinstance(dataset.element_spec, tf.TensorSpec):
        raise ValueError(
            "Expected a dataset of single examples without labels. Received: "
            f"element_spec={dataset.element_spec}. Map the dataset to its images first."
        )
    batch_size = _check_positive_int("batch_size", batch_size)
    discriminator_steps = _check_positive_int("discriminator_steps", discriminator_steps)
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
    shuffle_buffer_size = _check_positive_int("shuffle_buffer_size", shuffle_buffer_size)
    if not isinstance(cache, (bool, str)):
        raise ValueError(f"Expected a bool or a file name. Received: cache={cache!r}.")
    if cache:
        dataset = dataset.cache("" if cache is True else cache)
    dataset = dataset.shuffle(shuffle_buffer_size, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(step_size, drop_remainder=bool(drop_remainder))
    return dataset.prefetch(tf.data.AUTOTUNE)


def read_idx(path):
    """Reads an IDX file (gzipped or not) into a NumPy array.

    Example:

    >>> images = keras_gan.data.read_idx("mnist-8k/images-idx3-ubyte.gz")
    >>> images.shape, images.dtype
    ((8000, 28, 28), dtype('uint8'))

    Args:
        path: str, the file; gzip is detected from its content.

    Returns:
        An array with the file's dimensions and dtype (native byte order).

    Raises:
        ValueError: for a bad magic number or a truncated or oversized file.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:
            raise ValueError(
                f"Could not decompress the gzip file {path} ({error}). The file is "
                "truncated or corrupt; download it again."
            ) from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise ValueError(
            f"{path} is not an IDX file: bad magic number. Received: magic=0x"
            f"{raw[:4].hex()}. Expected 0x0000TTNN (TT = data type code such as 08 "
            "for uint8, NN = number of dimensions)."
        )
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{path} is truncated: its header needs {header_size} bytes for {ndim} "
            f"dimensions but the file has {len(raw)}."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_size
    if found != expected:
        problem = "truncated" if found < expected else "corrupt (trailing bytes)"
        raise ValueError(
            f"{path} is {problem}: its header declares shape {shape} ({expected} "
            f"bytes of data) but the file holds {found} bytes of data."
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def _check_name(name):
    if not isinstance(name, str) or name.lower() not in DATASETS:
        raise ValueError(
            f"Unknown dataset. Received: name={name!r}. Expected one of: "
            f"{', '.join(repr(d) for d in DATASETS)}."
        )
    return name.lower()


def _parse_split(split):
    """Returns `(name, None, None)` for a named split or `(None, start, stop)`."""
    if isinstance(split, str) and split in SPLITS:
        return split, None, None
    match = _RANGE.match(split) if isinstance(split, str) else None
    if match is None:
        raise ValueError(
            f"Invalid split. Received: split={split!r}. Expected one of "
            f"{', '.join(repr(s) for s in SPLITS)} or an index range 'start:stop' "
            "such as '0:7000'."
        )
    start = int(match.group(1)) if match.group(1) else None
    stop = int(match.group(2)) if match.group(2) else None
    if start is not None and stop is not None and start >= stop:
        raise ValueError(
            f"Invalid split range: start must be below stop. Received: split={split!r}."
        )
    return None, start, stop


def _resolve_range(split_range, size, source):
    """Checks `start:stop` against a source of `size` images; returns ints."""
    start = 0 if split_range[0] is None else split_range[0]
    stop = size if split_range[1] is None else split_range[1]
    if stop > size or start >= stop:
        raise ValueError(
            f"Split range {start}:{stop} does not fit {source}, which holds {size} "
            f"images. Expected 0 <= start < stop <= {size}."
        )
    return start, stop


def _converter(value_range, preprocessing, gcn_scale):
    if preprocessing not in (None, "gcn"):
        raise ValueError(
            f"Invalid preprocessing. Received: preprocessing={preprocessing!r}. "
            "Expected None or 'gcn'."
        )
    if preprocessing == "gcn":
        if value_range is not None:
            raise ValueError(
                "value_range does not apply to GCN output, which is unbounded. "
                f"Received: value_range={value_range}, preprocessing='gcn'."
            )
        if not isinstance(gcn_scale, (int, float)) or gcn_scale <= 0:
            raise ValueError(f"Expected a positive gcn_scale. Received: gcn_scale={gcn_scale!r}.")
        scale = float(gcn_scale)
        return lambda image: global_contrast_normalize(tf.cast(image, tf.float32), scale)
    low_high = (0, 1) if value_range is None else value_range
    low_high = tuple(low_high) if isinstance(low_high, (tuple, list)) else low_high
    if low_high == (0, 1):
        return lambda image: tf.cast(image, tf.float32) / 255.0
    if low_high == (-1, 1):
        return lambda image: tf.cast(image, tf.float32) / 127.5 - 1.0
    raise ValueError(
        f"Invalid value_range. Received: value_range={value_range!r}. "
        "Expected (0, 1) or (-1, 1)."
    )


def _find_idx_images(data_dir):
    """Maps role ('all', 'train', 'test') to an IDX images file, or {}."""
    if data_dir is None or not os.path.isdir(data_dir):
        return {}
    found = {}
    # Sorting puts `x-ubyte` before `x-ubyte.gz`: an unpacked copy wins.
    for filename in sorted(os.listdir(data_dir)):
        match = _IDX_IMAGES.match(filename)
        if match:
            role = {None: "all", "train": "train"}.get(match.group(1), "test")
            found.setdefault(role, os.path.join(data_dir, filename))
    if "all" in found and len(found) > 1:
        raise ValueError(
            f"Ambiguous IDX directory {data_dir}: it holds both a single images file "
            "and train-/t10k- files. Keep one layout. Received: "
            f"data_dir={data_dir!r}."
        )
    return found


def _read_idx_split(name, idx_files, parsed_split):
    split_name, start, stop = parsed_split
    if split_name is None:
        path = idx_files.get("all", idx_files.get("train"))
        if path is None:
            raise ValueError(
                "An index-range split reads the training images, but "
                f"{os.path.dirname(idx_files['test'])} holds no train-images file. "
                "Received: an index-range split. Expected 'test' for this directory."
            )
    else:
        if "all" in idx_files:
            raise ValueError(
                f"The IDX source {idx_files['all']} is a single file without official "
                f"splits, so the split must be an index range such as '0:7000'. "
                f"Received: split={split_name!r}."
            )
        role, start, stop = _NAMED_SPLITS[name][split_name]
        if role not in idx_files:
            directory = os.path.dirname(next(iter(idx_files.values())))
            raise DatasetUnavailableError(
                f"No {role}-images IDX file in {directory} for split={split_name!r}."
            )
        path = idx_files[role]
    images = read_idx(path)
    if images.dtype != np.uint8 or images.ndim not in (3, 4):
        raise ValueError(
            f"Expected uint8 images of shape (n, height, width[, channels]) in {path}. "
            f"Received: dtype={images.dtype}, shape={images.shape}."
        )
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.shape[1:] != _IMAGE_SHAPES[name]:
        raise ValueError(
            f"{path} holds images of shape {images.shape[1:]}, but {name!r} images are "
            f"{_IMAGE_SHAPES[name]}. Received: name={name!r}."
        )
    start, stop = _resolve_range((start, stop), images.shape[0], path)
    return images[start:stop]


def _load_tfds(name, parsed_split, data_dir, download):
    split_name, start, stop = parsed_split
    if split_name is None:
        start, stop = _resolve_range(
            (start, stop), _OFFICIAL_TRAIN_SIZES[name], f"the official {name} train split"
        )
        tfds_split = f"train[{start}:{stop}]"
    else:
        base, start, stop = _NAMED_SPLITS[name][split_name]
        tfds_split = base if start is None else f"{base}[{start}:{stop}]"
    try:
        import tensorflow_datasets as tfds

        dataset = tfds.load(
            name, split=tfds_split, data_dir=data_dir, download=download, shuffle_files=False
        )
    except Exception as error:  # Any downloader failure means: data unavailable.
        cause = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        kind = "idx3" if name == "mnist" else "idx4"
        raise DatasetUnavailableError(
            f"Could not load {name!r} (split {tfds_split!r}) with tensorflow_datasets "
            f"(data_dir={data_dir!r}, download={download}): {type(error).__name__}: "
            f"{cause}. Without network access, pass a local directory of IDX files, "
            f"e.g. keras_gan.data.load({name!r}, split='0:7000', "
            f"data_dir='/path/to/{name}-idx'), holding images-{kind}-ubyte.gz (or "
            f"train-images-{kind}-ubyte.gz and t10k-images-{kind}-ubyte.gz)."
        ) from None
    return dataset.map(lambda example: example["image"])


def _read_image_directory(data_dir, parsed_split):
    """Reads TFD-style 48x48 grayscale image files into a uint8 array."""
    if data_dir is None:
        raise DatasetUnavailableError(
            "The Toronto Face Database (TFD) is not publicly distributable, so it "
            "cannot be downloaded. Pass data_dir=/path/to/tfd, a directory of 48x48 "
            "grayscale image files (PNG, JPEG, ...), optionally with train/, "
            "validation/ and test/ subdirectories for the named splits."
        )
    split_name, start, stop = parsed_split
    directory = data_dir if split_name is None else os.path.join(data_dir, split_name)
    if not os.path.isdir(directory):
        raise DatasetUnavailableError(
            f"No TFD image directory {directory} for split={split_name or 'range'!r}. "
            "Named splits read data_dir/<split>/; index ranges read data_dir itself."
        )
    files = sorted(
        f for f in os.listdir(directory) if f.lower().endswith(_IMAGE_SUFFIXES)
    )
    if not files:
        raise DatasetUnavailableError(
            f"No image files ({', '.join(_IMAGE_SUFFIXES)}) in {directory}."
        )
    start, stop = _resolve_range((start, stop), len(files), directory)
    from PIL import Image, UnidentifiedImageError

    images = []
    for filename in files[start:stop]:
        path = os.path.join(directory, filename)
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("L"))
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"Could not decode the image {path}: {error}.") from None
        if pixels.shape != _IMAGE_SHAPES["tfd"][:2]:
            raise ValueError(
                f"TFD images are 48x48. Received: {path} of shape {pixels.shape}."
            )
        images.append(pixels)
    return np.stack(images)[..., np.newaxis]


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


def _check_positive_int(arg_name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"Expected a positive integer for `{arg_name}`. Received: {arg_name}={value!r}."
        )
    return int(value)
