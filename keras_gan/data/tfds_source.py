"""Loading through `tensorflow_datasets`, with one clear error when that fails."""

import tensorflow as tf

from keras_gan.data import splits
from keras_gan.data.errors import DatasetUnavailableError


def load_tfds(spec, parsed_split, data_dir, download, with_labels=False):
    """Loads a split with `tfds.load`, as a dataset of uint8 images.

    An index range selects the same images of the official training part
    as it would from local files; a named split is `spec.splits[name]`.

    Args:
        spec: The dataset's `DatasetSpec`; `spec.tfds_name` is not None.
        parsed_split: The result of `splits.parse_split`.
        data_dir: str or None, the `tensorflow_datasets` data directory.
        download: bool, whether `tensorflow_datasets` may download the data.
        with_labels: bool, load the supervised `(image, label)` pairs
            (`as_supervised=True`) instead of the images alone.

    Returns:
        A `tf.data.Dataset` of uint8 images, or of `(image, label)` pairs
        with int32 scalar labels.

    Raises:
        DatasetUnavailableError: when the download fails, or when there is no
            prepared copy and `download=False`. Other errors (an
            `ImportError` of a broken installation, say) propagate as they
            are: they are not missing data.
    """
    split_name, start, stop = parsed_split
    if split_name is None:
        start, stop = splits.resolve_range(
            (start, stop), spec.official_sizes["train"], f"the official {spec.name} train split"
        )
        tfds_split = f"train[{start}:{stop}]"
    else:
        part, start, stop = spec.splits[split_name]
        tfds_split = part if start is None else f"{part}[{start}:{stop}]"
    import tensorflow_datasets as tfds

    where = f"{spec.name!r} (split {tfds_split!r}, data_dir={data_dir!r})"
    try:
        dataset = tfds.load(
            spec.tfds_name,
            split=tfds_split,
            data_dir=data_dir,
            download=download,
            shuffle_files=False,
            as_supervised=with_labels,
        )
    except (OSError, tfds.download.DownloadError) as error:
        # Connection, DNS, proxy and HTTP status errors: the network boundary.
        raise DatasetUnavailableError(
            f"Could not load {where}: the tensorflow_datasets download failed with "
            f"{_reason(error)}. {spec.offline_hint}"
        ) from None
    except AssertionError:
        if download:
            raise
        # tfds asserts that prepared data exists when it may not download.
        raise DatasetUnavailableError(
            f"Could not load {where}: tensorflow_datasets has no prepared copy there "
            f"and download=False. {spec.offline_hint}"
        ) from None
    if with_labels:
        return dataset.map(lambda image, label: (image, tf.cast(label, tf.int32)))
    return dataset.map(lambda example: example["image"])


def _reason(error):
    """`Type: message` of the innermost cause, e.g. the refused connection."""
    seen = set()
    while id(error) not in seen and (error.__cause__ or error.__context__) is not None:
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    lines = str(error).strip().splitlines()
    message = lines[0][:200] if lines else "no message"
    return f"{type(error).__name__}: {message}"
