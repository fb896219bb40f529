"""`image_folder`: your own images, a folder tree of PNG or JPEG files, for a GAN."""

import os

import keras
import tensorflow as tf

from keras_gan import validation

# What `keras.utils.image_dataset_from_directory` reads, and how each file begins.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"GIF87a", b"GIF89a")
_CHANNELS = {"grayscale": 1, "rgb": 3}


def image_folder(directory, image_size, color_mode="grayscale", with_labels=False):
    """Reads a folder tree of image files as a dataset for `training_pipeline`.

    Every PNG, JPEG, BMP or GIF file under `directory` (subfolders included,
    in sorted path order) is decoded by `keras.utils.image_dataset_from_directory`,
    converted to `color_mode` whatever its own channels (grayscale, RGB,
    with alpha or a palette), resized bilinearly to `image_size` whatever
    its own size, and scaled to float32 in [0, 1], the range of a sigmoid
    generator output. For a tanh generator, map `lambda x: 2 * x - 1`.

    With `with_labels=True` each subfolder of `directory` is one class
    (class i = the i-th subfolder holding images, in sorted order; images in
    deeper folders belong to their top subfolder), for conditional models;
    the class names are in the dataset's `class_names` attribute. The pairs
    feed `training_pipeline` as they are.

    Example:

    >>> faces = keras_gan.data.image_folder("faces/", image_size=(48, 48))
    >>> faces.element_spec
    TensorSpec(shape=(48, 48, 1), dtype=tf.float32, name=None)
    >>> batches = keras_gan.data.training_pipeline(faces, batch_size=100, seed=0)

    Args:
        directory: str, the folder; images may be in it and its subfolders.
        image_size: `(height, width)`, positive integers: the size every
            image is resized to.
        color_mode: `"grayscale"` (1 channel) or `"rgb"` (3 channels).
        with_labels: bool; True yields `(image, label)` pairs with int32
            scalar labels from the subfolders.

    Returns:
        A finite, unbatched `tf.data.Dataset` of float32 images
        `(height, width, channels)` in [0, 1], or of `(image, label)` pairs.

    Raises:
        ValueError: for a missing directory, a directory without images, a
            file that is not an image, a bad `image_size` or `color_mode`,
            or, with labels, images outside any class subfolder.
    """
    directory = _check_directory(directory)
    image_size = _check_image_size(image_size)
    if color_mode not in _CHANNELS:
        raise ValueError(
            f"Invalid value for argument `color_mode`. Received: color_mode={color_mode!r}. "
            "Expected 'grayscale' or 'rgb'."
        )
    if not isinstance(with_labels, bool):
        raise ValueError(
            f"Invalid value for argument `with_labels`. Received: with_labels={with_labels!r}. "
            "Expected True or False."
        )
    files = _image_files(directory)
    if not files:
        raise ValueError(
            "Invalid value for argument `directory`: no image files in it or its "
            f"subfolders. Received: directory={directory!r}. Expected files ending in "
            f"{', '.join(IMAGE_SUFFIXES)}."
        )
    for path in files:
        _check_signature(path)
    class_names = _class_names(directory, files) if with_labels else None
    dataset = keras.utils.image_dataset_from_directory(
        directory,
        labels="inferred" if with_labels else None,
        label_mode="int" if with_labels else None,
        class_names=class_names,
        color_mode=color_mode,
        batch_size=None,
        image_size=image_size,
        shuffle=False,  # `training_pipeline` shuffles, with its seed.
        interpolation="bilinear",
        data_format="channels_last",
        verbose=False,
    )
    if with_labels:
        dataset = dataset.map(
            lambda image, label: (_to_unit_range(image), tf.cast(label, tf.int32)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    else:
        dataset = dataset.map(_to_unit_range, num_parallel_calls=tf.data.AUTOTUNE)
    dataset.class_names = class_names
    return dataset


def _to_unit_range(image):
    # Bilinear resizing stays within the input's range; the clip guards rounding.
    return tf.clip_by_value(tf.cast(image, tf.float32) / 255.0, 0.0, 1.0)


def _check_directory(directory):
    if not isinstance(directory, (str, os.PathLike)):
        raise ValueError(
            f"Invalid value for argument `directory`. Received: directory={directory!r}. "
            "Expected a directory path (str)."
        )
    path = os.path.normpath(os.path.expanduser(os.fspath(directory)))
    if not os.path.isdir(path):
        problem = "not a directory" if os.path.exists(path) else "directory not found"
        raise ValueError(
            f"Invalid value for argument `directory`: {problem}. Received: "
            f"directory={directory!r}. Expected an existing directory of image files."
        )
    return path


def _check_image_size(image_size):
    try:
        height, width = image_size
        return (
            validation.check_positive_int("image_size", height),
            validation.check_positive_int("image_size", width),
        )
    except (TypeError, ValueError):
        raise ValueError(
            f"Invalid value for argument `image_size`. Received: image_size={image_size!r}. "
            "Expected a pair (height, width) of positive integers, e.g. (28, 28)."
        ) from None


def _image_files(directory):
    """Every image file under `directory`, as `image_dataset_from_directory` lists them."""
    found = []
    for root, _, names in sorted(os.walk(directory), key=lambda walked: walked[0]):
        found.extend(
            os.path.join(root, name) for name in sorted(names) if name.lower().endswith(IMAGE_SUFFIXES)
        )
    return found


def _check_signature(path):
    """Refuses a file whose first bytes are no image format's, naming the file.

    Decoding errors otherwise surface mid-epoch, without the file's name.
    """
    with open(path, "rb") as file:
        head = file.read(8)
    if not head.startswith(_SIGNATURES):
        raise ValueError(
            f"Invalid image file {path}: it is not a PNG, JPEG, BMP or GIF file (its "
            f"first bytes are {head!r}). Expected only image files under the directory: "
            "remove or convert it."
        )


def _class_names(directory, files):
    """The subfolders holding images; refuses images outside any subfolder."""
    loose = [path for path in files if os.path.dirname(path) == directory]
    if loose:
        count = "1 image file lies" if len(loose) == 1 else f"{len(loose)} image files lie"
        raise ValueError(
            "with_labels=True reads each subfolder of `directory` as one class, but "
            f"{count} directly in {directory} (e.g. "
            f"{os.path.basename(loose[0])!r}), outside any class. Received: "
            f"directory={directory!r}, with_labels=True. Expected every image in a class "
            "subfolder: move them into one, or pass with_labels=False."
        )
    top = {os.path.relpath(path, directory).split(os.sep)[0] for path in files}
    return sorted(name for name in top if not name.startswith("."))
