"""Split names and index ranges: which images of a source `load` returns."""

import re

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
            reads that part as a uint8 array `(n, height, width, channels)`;
            only the part the split needs is read.
        directory: str, the directory of the source, for messages.

    Returns:
        A uint8 array of the split's images.
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
    return images[start:stop]
