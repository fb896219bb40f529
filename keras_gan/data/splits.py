"""Split names and index ranges: which images of a source `load` returns."""

import re

import numpy as np

from keras_gan.data.errors import DatasetUnavailableError

SPLITS = ("train", "validation", "test")

_RANGE = re.compile(r"^\s*(\d*)\s*:\s*(\d*)\s*$")


def parse_split(split):
    """Parses a split argument.

    Args:
        split: str, a name in `SPLITS` or an index range `"start:stop"`
            (either end may be omitted).

    Returns:
        `(name, None, None)` for a named split, `(None, start, stop)` for a
        range, with None for an omitted end.

    Raises:
        ValueError: for anything else, or a range with start >= stop.
    """
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


def resolve_range(split_range, size, source):
    """Checks `(start, stop)` against a source of `size` images.

    Args:
        split_range: `(start, stop)`, either may be None (an open end).
        size: int, the number of images in the source.
        source: str, the source's name for the message.

    Returns:
        `(start, stop)` as ints.

    Raises:
        ValueError: when the range does not fit the source.
    """
    start = 0 if split_range[0] is None else split_range[0]
    stop = size if split_range[1] is None else split_range[1]
    if stop > size or start >= stop:
        raise ValueError(
            f"Split range {start}:{stop} does not fit {source}, which holds {size} "
            f"images. Expected 0 <= start < stop <= {size}."
        )
    return start, stop


def select(spec, parsed_split, sources, directory):
    """Reads the images of one split from a local source with official splits.

    The source holds either one file of images without official splits
    (`sources["all"]`, index ranges only) or the official `"train"` and
    `"test"` parts; a named split is then the slice `spec.splits[name]` of
    one part, and an index range slices the training part.

    Args:
        spec: The dataset's `DatasetSpec`.
        parsed_split: The result of `parse_split`.
        sources: dict from `"all"`, `"train"` or `"test"` to a function that
            reads that part as a uint8 array `(n, height, width, channels)`,
            or as a pair of it and its labels `(n,)`; only the part the split
            needs is read.
        directory: str, the directory of the source, for messages.

    Returns:
        A uint8 array of the split's images, or the pair `(images, labels)`
        (labels int32) when the source reads labels too: the same slice of both.
    """
    split_name, start, stop = parsed_split
    if split_name is None:
        part = "all" if "all" in sources else "train"
        if part not in sources:
            raise DatasetUnavailableError(
                f"An index-range split reads the training images, but {directory} "
                "holds only the test part. Received: an index-range split. Expected "
                "split='test' for this directory."
            )
    elif "all" in sources:
        raise ValueError(
            f"The {spec.name} source in {directory} is a single file without official "
            "splits, so the split must be an index range such as '0:7000'. "
            f"Received: split={split_name!r}."
        )
    else:
        part, start, stop = spec.splits[split_name]
        if part not in sources:
            raise DatasetUnavailableError(
                f"No {part} part of {spec.name} in {directory} for split={split_name!r}. "
                f"{spec.offline_hint}"
            )
    images = sources[part]()
    labels = None
    if isinstance(images, tuple):
        images, labels = images
    if images.shape[1:] != spec.image_shape:
        raise ValueError(
            f"The {spec.name} source in {directory} holds images of shape "
            f"{images.shape[1:]}, but {spec.name!r} images are {spec.image_shape}. "
            f"Received: name={spec.name!r}."
        )
    source = f"the {spec.name} source in {directory}"
    if part != "all":
        source = f"the {spec.name} {part} part in {directory}"
    start, stop = resolve_range((start, stop), images.shape[0], source)
    if labels is None:
        return images[start:stop]
    labels = check_labels(spec, labels, len(images), source)
    return images[start:stop], labels[start:stop]


def check_labels(spec, labels, num_images, source):
    """Returns `labels` as int32 after checking them against the images.

    Args:
        spec: The dataset's `DatasetSpec`; its `num_classes` bounds the labels.
        labels: integer array, one label per image.
        num_images: int, the number of images the labels belong to.
        source: str, the labels' source, for messages.

    Returns:
        An int32 array `(num_images,)`.

    Raises:
        ValueError: for labels that are not one integer per image or lie
            outside `[0, spec.num_classes)`.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Expected one integer label per image in {source}. Received: labels of "
            f"shape {labels.shape} and dtype {labels.dtype}."
        )
    if len(labels) != num_images:
        raise ValueError(
            f"The labels of {source} do not match its images: {len(labels)} labels for "
            f"{num_images} images. Expected the labels file of these images."
        )
    if spec.num_classes is not None and len(labels) and not (
        labels.min() >= 0 and labels.max() < spec.num_classes
    ):
        raise ValueError(
            f"Labels out of range in {source}. Received: labels from {labels.min()} to "
            f"{labels.max()}. Expected 0 <= label < {spec.num_classes} for {spec.name!r}."
        )
    return labels.astype(np.int32)
