"""The datasets `load` knows: one `DatasetSpec` entry per dataset.

Adding a dataset is one entry in `_SPECS`: its name, image shape, number
of classes, the original code's named splits, the official part sizes, the readers of its
local files, the `tensorflow_datasets` name to download it with, and the
hint an offline user sees. `load`, the launchers and their `--data_dir`
help read everything from here.
"""

import dataclasses
from typing import Callable, Mapping, Optional, Tuple

from keras_gan.data import cifar10_binary
from keras_gan.data import idx
from keras_gan.data import tfd
from keras_gan.data.splits import SPLITS


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """Everything `load` and the launchers need to know about one dataset.

    Example:

    >>> spec = keras_gan.data.dataset_spec("cifar10")
    >>> spec.image_shape, spec.num_classes, spec.splits["validation"]
    ((32, 32, 3), 10, ('train', 40000, 50000))

    Args:
        name: str, the name `load` takes.
        image_shape: `(height, width, channels)` of every image.
        splits: dict from each name in `SPLITS` to `(part, start, stop)`:
            the slice of an official part (`"train"` or `"test"`) the
            original code used; `start`/`stop` None for the whole part.
        official_sizes: dict from official part to its number of images,
            for checking index ranges before a download.
        local_readers: functions `read(spec, data_dir, parsed_split,
            with_labels)`, tried in order; each returns a uint8 array
            `(n, *image_shape)` (with labels: a pair of it and the int32
            labels `(n,)`), or None when `data_dir` holds none of its files.
        local_format: str, the local files in a few words (`--data_dir` help).
        offline_hint: str, the sentence telling an offline user which local
            data works for this dataset.
        num_classes: int or None, the number of classes of the labels
            `load(..., with_labels=True)` yields (labels `0 ... num_classes - 1`),
            e.g. for a conditional GAN's `num_classes`; None for a dataset
            without labels.
        tfds_name: str or None, the `tensorflow_datasets` name to download
            the dataset with; None when it cannot be downloaded.
        paper_value_range: `(0, 1)` or `(-1, 1)`, the pixel range the
            original experiments (and the launchers) train on: a sigmoid or a
            tanh generator output.
        paper_gcn: bool, whether the original experiments trained on global
            contrast normalized images, which the launcher's
            `--preprocessing=gcn` then selects.
    """

    name: str
    image_shape: Tuple[int, int, int]
    splits: Mapping[str, Tuple[str, Optional[int], Optional[int]]]
    official_sizes: Mapping[str, int]
    local_readers: Tuple[Callable, ...]
    local_format: str
    offline_hint: str
    num_classes: Optional[int] = None
    tfds_name: Optional[str] = None
    paper_value_range: Tuple[int, int] = (0, 1)
    paper_gcn: bool = False

    def __post_init__(self):
        shape = tuple(self.image_shape)
        if len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape):
            raise ValueError(
                f"Invalid value for argument `image_shape`. Received: image_shape={self.image_shape!r}. "
                "Expected (height, width, channels) of positive integers."
            )
        if set(self.splits) != set(SPLITS):
            raise ValueError(
                f"Invalid value for argument `splits`. Received: splits with names "
                f"{sorted(self.splits)}. Expected exactly {list(SPLITS)}."
            )
        if tuple(self.paper_value_range) not in ((0, 1), (-1, 1)):
            raise ValueError(
                "Invalid value for argument `paper_value_range`. Received: "
                f"paper_value_range={self.paper_value_range!r}. Expected (0, 1) or (-1, 1)."
            )
        if self.num_classes is not None and (
            not isinstance(self.num_classes, int) or isinstance(self.num_classes, bool) or self.num_classes < 2
        ):
            raise ValueError(
                "Invalid value for argument `num_classes`. Received: "
                f"num_classes={self.num_classes!r}. Expected an integer >= 2, or None for "
                "a dataset without labels."
            )
        object.__setattr__(self, "image_shape", shape)


_TFDS_HINT = (
    "or a tensorflow_datasets data_dir that already holds the prepared dataset "
    "(run tfds.load({tfds_name!r}, data_dir=DIR) once on a machine with network "
    "access and copy DIR)."
)


def _official_splits(num_train, train_size):
    return {
        "train": ("train", 0, num_train),
        "validation": ("train", num_train, train_size),
        "test": ("test", None, None),
    }


_SPECS = (
    DatasetSpec(
        name="mnist",
        image_shape=(28, 28, 1),
        splits=_official_splits(50000, 60000),
        official_sizes={"train": 60000, "test": 10000},
        local_readers=(idx.read_split,),
        local_format="IDX files",
        offline_hint=(
            "Without network access, pass a local directory of IDX files as data_dir, "
            "e.g. keras_gan.data.load('mnist', split='0:7000', data_dir='/path/to/mnist-idx'), "
            "holding images-idx3-ubyte.gz (index-range splits only) or the official "
            "train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz (with labels: "
            "labels-idx1-ubyte.gz, or train-/t10k-labels-idx1-ubyte.gz, beside them); "
            + _TFDS_HINT.format(tfds_name="mnist")
        ),
        num_classes=10,
        tfds_name="mnist",
    ),
    DatasetSpec(
        name="cifar10",
        image_shape=(32, 32, 3),
        splits=_official_splits(40000, 50000),
        official_sizes={"train": 50000, "test": 10000},
        local_readers=(cifar10_binary.read_split, idx.read_split),
        local_format="the CIFAR-10 binary version (.bin files)",
        offline_hint=(
            "Without network access, pass the CIFAR-10 binary version as data_dir, e.g. "
            "keras_gan.data.load('cifar10', split='test', data_dir='/path/to/cifar-10-batches-bin'): "
            "the directory cifar-10-binary.tar.gz unpacks to, holding data_batch_1.bin ... "
            "data_batch_5.bin and test_batch.bin; "
            + _TFDS_HINT.format(tfds_name="cifar10")
        ),
        num_classes=10,
        tfds_name="cifar10",
        paper_value_range=(-1, 1),
        paper_gcn=True,
    ),
    DatasetSpec(
        name="tfd",
        image_shape=(48, 48, 1),
        splits={name: (name, None, None) for name in SPLITS},
        official_sizes={},
        local_readers=(tfd.read_split,),
        local_format="48x48 image files",
        offline_hint=(
            "The Toronto Face Database (TFD) is not publicly distributable, so it "
            "cannot be downloaded. Pass data_dir=/path/to/tfd, a directory of 48x48 "
            "grayscale image files (PNG, JPEG, ...), optionally with train/, "
            "validation/ and test/ subdirectories for the named splits."
        ),
    ),
)
_REGISTRY = {spec.name: spec for spec in _SPECS}

DATASETS = tuple(_REGISTRY)


def dataset_spec(name):
    """Returns the `DatasetSpec` of a dataset `load` knows.

    Example:

    >>> keras_gan.data.dataset_spec("mnist").image_shape
    (28, 28, 1)

    Args:
        name: str, one of `DATASETS` (case-insensitive).

    Returns:
        The `DatasetSpec`.

    Raises:
        ValueError: for an unknown name.
    """
    if isinstance(name, str) and name.lower() in _REGISTRY:
        return _REGISTRY[name.lower()]
    raise ValueError(
        f"Unknown dataset. Received: name={name!r}. Expected one of: "
        f"{', '.join(repr(d) for d in DATASETS)}."
    )
