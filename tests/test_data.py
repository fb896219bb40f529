"""Tests for keras_gan.data: sources, splits, preprocessing and the training pipeline."""

import gzip
import os
import socket
import struct
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from keras_gan import data

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MNIST_CANDIDATES = [
    os.environ.get("KERAS_GAN_MNIST_DIR", ""),
    os.path.join(_REPO, "..", "shared", "data", "mnist-8k"),
    "/work/shared/data/mnist-8k",
]


@pytest.fixture(scope="module")
def mnist_dir():
    """The real MNIST IDX files. They exist in CI: missing files FAIL, not skip."""
    for candidate in _MNIST_CANDIDATES:
        if candidate and os.path.isfile(os.path.join(candidate, "images-idx3-ubyte.gz")):
            return candidate
    pytest.fail(
        "Real MNIST files not found (images-idx3-ubyte.gz); looked in "
        f"{[c for c in _MNIST_CANDIDATES if c]}. Set KERAS_GAN_MNIST_DIR."
    )


@pytest.fixture(scope="module")
def mnist_raw(mnist_dir):
    with gzip.open(os.path.join(mnist_dir, "images-idx3-ubyte.gz")) as f:
        raw = f.read()
    # Independent of read_idx: the header is 16 bytes for idx3.
    return np.frombuffer(raw, np.uint8, offset=16).reshape(8000, 28, 28, 1)


def _write_idx(path, array, compress=False):
    codes = {np.dtype("uint8"): 0x08, np.dtype(">f4"): 0x0D}
    array = np.ascontiguousarray(array)
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    payload = header + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(payload)
    return path


def _to_numpy(dataset):
    return np.stack(list(dataset.as_numpy_iterator()))


class TestIdxSource:
    def test_ranges_select_slices_of_the_real_file(self, mnist_dir, mnist_raw):
        train = data.load("mnist", "0:7000", data_dir=mnist_dir)
        valid = data.load("mnist", "7000:8000", data_dir=mnist_dir)
        assert train.element_spec == tf.TensorSpec((28, 28, 1), tf.float32)
        assert int(train.cardinality()) == 7000 and int(valid.cardinality()) == 1000
        np.testing.assert_array_equal(_to_numpy(valid), mnist_raw[7000:] / np.float32(255))
        first = next(iter(train)).numpy()
        np.testing.assert_array_equal(first, mnist_raw[0] / np.float32(255))

    def test_load_array_and_value_ranges(self, mnist_dir, mnist_raw):
        unit = data.load_array("mnist", "7000:8000", data_dir=mnist_dir)
        assert unit.shape == (1000, 28, 28, 1) and unit.dtype == np.float32
        assert unit.min() == 0.0 and unit.max() == 1.0
        symmetric = data.load_array(
            "mnist", "7000:8000", data_dir=mnist_dir, value_range=(-1, 1)
        )
        assert symmetric.min() == -1.0 and symmetric.max() == 1.0
        np.testing.assert_allclose(symmetric, mnist_raw[7000:] / 127.5 - 1.0, atol=1e-6)

    def test_open_ended_ranges(self, mnist_dir):
        assert int(data.load("mnist", "7500:", data_dir=mnist_dir).cardinality()) == 500
        assert int(data.load("mnist", ":300", data_dir=mnist_dir).cardinality()) == 300

    def test_pixel_mean_of_dataset_and_array(self, mnist_dir, mnist_raw):
        train = data.load("mnist", "0:7000", data_dir=mnist_dir)
        expected = mnist_raw[:7000].mean(axis=0) / 255.0
        mean = data.pixel_mean(train)
        assert mean.shape == (28, 28, 1) and mean.dtype == np.float32
        np.testing.assert_allclose(mean, expected, atol=1e-6)
        np.testing.assert_allclose(data.pixel_mean(mnist_raw[:7000] / 255.0), expected, atol=1e-6)
        assert 0.1 < mean.mean() < 0.15  # MNIST's well-known mean intensity ~0.13.

    def test_read_idx_labels(self, mnist_dir):
        labels = data.read_idx(os.path.join(mnist_dir, "labels-idx1-ubyte.gz"))
        assert labels.shape == (8000,) and labels.dtype == np.uint8
        assert set(np.unique(labels)) == set(range(10))

    def test_uncompressed_copy_reads_the_same(self, mnist_dir, mnist_raw, tmp_path):
        with gzip.open(os.path.join(mnist_dir, "images-idx3-ubyte.gz")) as src:
            (tmp_path / "images-idx3-ubyte").write_bytes(src.read())
        got = data.load_array("mnist", "100:200", data_dir=str(tmp_path))
        np.testing.assert_array_equal(got, mnist_raw[100:200] / np.float32(255))

    def test_named_split_of_a_single_file_needs_a_range(self, mnist_dir):
        with pytest.raises(ValueError, match="index range such as '0:7000'"):
            data.load("mnist", "train", data_dir=mnist_dir)

    @pytest.mark.parametrize(
        "split, message",
        [
            ("0:9000", "holds 8000 images"),
            ("7000:7000", "start must be below stop"),
            ("-5:10", "Invalid split"),
            ("train[0:10]", "Invalid split"),
            ("a:b", "Invalid split"),
        ],
    )
    def test_bad_ranges(self, mnist_dir, split, message):
        with pytest.raises(ValueError, match=message):
            data.load("mnist", split, data_dir=mnist_dir)

    def test_official_file_pair_gives_the_original_splits(self, tmp_path):
        # Image i carries its index in its first two pixels.
        index = np.arange(60000)
        train = np.zeros((60000, 28, 28), np.uint8)
        train[:, 0, 0], train[:, 0, 1] = index % 256, index // 256
        _write_idx(tmp_path / "train-images-idx3-ubyte.gz", train, compress=True)
        _write_idx(tmp_path / "t10k-images-idx3-ubyte", np.full((7, 28, 28), 9, np.uint8))

        def first_index(dataset):
            pixels = np.round(next(iter(dataset)).numpy()[0, :2, 0] * 255)
            return int(pixels[0] + 256 * pixels[1])

        splits = {s: data.load("mnist", s, data_dir=str(tmp_path)) for s in data.SPLITS}
        assert [int(splits[s].cardinality()) for s in data.SPLITS] == [50000, 10000, 7]
        assert first_index(splits["train"]) == 0
        assert first_index(splits["validation"]) == 50000
        assert first_index(data.load("mnist", "123:", data_dir=str(tmp_path))) == 123

    def test_color_idx4_for_cifar10_and_shape_check(self, tmp_path):
        images = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
        _write_idx(tmp_path / "images-idx4-ubyte", images)
        got = data.load_array("cifar10", "2:5", data_dir=str(tmp_path))
        np.testing.assert_array_equal(got, images[2:5] / np.float32(255))
        with pytest.raises(ValueError, match=r"'mnist' images are \(28, 28, 1\)"):
            data.load("mnist", "0:6", data_dir=str(tmp_path))

    def test_ambiguous_layout(self, tmp_path):
        for name in ("images-idx3-ubyte", "train-images-idx3-ubyte"):
            _write_idx(tmp_path / name, np.zeros((2, 28, 28), np.uint8))
        with pytest.raises(ValueError, match="Ambiguous IDX directory"):
            data.load("mnist", "0:1", data_dir=str(tmp_path))


@pytest.fixture(scope="module")
def mnist_labels(mnist_dir):
    with gzip.open(os.path.join(mnist_dir, "labels-idx1-ubyte.gz")) as f:
        raw = f.read()
    # Independent of read_idx: the header is 8 bytes for idx1.
    return np.frombuffer(raw, np.uint8, offset=8)


class TestIdxLabels:
    def test_labels_align_with_the_real_images(self, mnist_dir, mnist_raw, mnist_labels):
        pairs = data.load("mnist", "0:10", data_dir=mnist_dir, with_labels=True)
        assert pairs.element_spec == (
            tf.TensorSpec((28, 28, 1), tf.float32),
            tf.TensorSpec((), tf.int32),
        )
        images, labels = zip(*pairs.as_numpy_iterator())
        expected = data.read_idx(os.path.join(mnist_dir, "labels-idx1-ubyte.gz"))[:10]
        np.testing.assert_array_equal(labels, expected)
        np.testing.assert_array_equal(labels, mnist_labels[:10])
        np.testing.assert_array_equal(np.stack(images), mnist_raw[:10] / np.float32(255))
        assert int(pairs.cardinality()) == 10
        # pixel_mean takes the pairs too (e.g. for a conditional generator's data_mean).
        expected_mean = mnist_raw[:10].mean(axis=0) / 255.0
        np.testing.assert_allclose(data.pixel_mean(pairs), expected_mean, atol=1e-6)

    def test_load_array_with_labels(self, mnist_dir, mnist_raw, mnist_labels):
        images, labels = data.load_array(
            "mnist", "7000:8000", data_dir=mnist_dir, with_labels=True, value_range=(-1, 1)
        )
        assert images.shape == (1000, 28, 28, 1) and images.dtype == np.float32
        assert labels.shape == (1000,) and labels.dtype == np.int32
        np.testing.assert_array_equal(labels, mnist_labels[7000:])
        np.testing.assert_allclose(images, mnist_raw[7000:] / 127.5 - 1.0, atol=1e-6)
        # Without labels the images are the same.
        np.testing.assert_array_equal(
            data.load_array("mnist", "7000:8000", data_dir=mnist_dir, value_range=(-1, 1)), images
        )

    def test_official_pair_and_unpacked_labels(self, tmp_path):
        # Image i carries its index in its first pixel; label i = (3 * i) % 10.
        train = np.zeros((20, 28, 28), np.uint8)
        train[:, 0, 0] = np.arange(20)
        _write_idx(tmp_path / "train-images-idx3-ubyte.gz", train, compress=True)
        _write_idx(tmp_path / "train-labels-idx1-ubyte", (3 * np.arange(20) % 10).astype(np.uint8))
        _write_idx(tmp_path / "t10k-images-idx3-ubyte", np.full((4, 28, 28), 9, np.uint8))
        _write_idx(
            tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([9, 8, 7, 6], np.uint8), compress=True
        )
        images, labels = data.load_array("mnist", "5:12", data_dir=str(tmp_path), with_labels=True)
        indices = np.round(images[:, 0, 0, 0] * 255).astype(int)
        np.testing.assert_array_equal(indices, np.arange(5, 12))
        np.testing.assert_array_equal(labels, 3 * indices % 10)
        _, labels = data.load_array("mnist", "test", data_dir=str(tmp_path), with_labels=True)
        assert labels.tolist() == [9, 8, 7, 6]

    def _one_clear_line(self, error):
        message = str(error)
        assert "\n" not in message and error.__cause__ is None
        return message

    def test_a_directory_without_labels_file(self, tmp_path):
        _write_idx(tmp_path / "images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
        with pytest.raises(data.DatasetUnavailableError) as info:
            data.load("mnist", "0:3", data_dir=str(tmp_path), with_labels=True)
        message = self._one_clear_line(info.value)
        assert message.startswith(
            "with_labels=True needs the labels of images-idx3-ubyte, but "
            f"{tmp_path} holds no labels-idx1-ubyte.gz"
        )
        # The images alone still load.
        assert data.load_array("mnist", "0:3", data_dir=str(tmp_path)).shape == (3, 28, 28, 1)

    def test_the_official_test_part_without_its_labels(self, tmp_path):
        _write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
        _write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
        _write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
        assert len(data.load_array("mnist", "0:3", data_dir=str(tmp_path), with_labels=True)[1]) == 3
        with pytest.raises(data.DatasetUnavailableError, match="holds no t10k-labels-idx1-ubyte.gz"):
            data.load("mnist", "test", data_dir=str(tmp_path), with_labels=True)

    @pytest.mark.parametrize(
        "labels, message",
        [
            (np.zeros(4, np.uint8), "4 labels for 3 images"),
            (np.array([0, 10, 1], np.uint8), "Received: labels from 0 to 10. Expected 0 <= label < 10"),
            (np.zeros((3, 1), np.uint8), r"Expected integer labels of shape \(n,\)"),
            (np.zeros(3, ">f4"), "Expected integer labels"),
        ],
    )
    def test_bad_labels_file(self, tmp_path, labels, message):
        _write_idx(tmp_path / "images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
        _write_idx(tmp_path / "labels-idx1-ubyte", labels)
        with pytest.raises(ValueError, match=message):
            data.load("mnist", "0:3", data_dir=str(tmp_path), with_labels=True)

    def test_ambiguous_labels_layout(self, tmp_path):
        _write_idx(tmp_path / "images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
        for name in ("labels-idx1-ubyte", "train-labels-idx1-ubyte"):
            _write_idx(tmp_path / name, np.zeros(2, np.uint8))
        with pytest.raises(ValueError, match="both a single labels file and train-/t10k- files"):
            data.load("mnist", "0:1", data_dir=str(tmp_path), with_labels=True)

    def test_datasets_without_labels_and_a_bad_flag(self, tmp_path, mnist_dir):
        Image.fromarray(np.zeros((48, 48), np.uint8), mode="L").save(tmp_path / "face.png")
        message = (
            "The 'tfd' dataset has no labels. Received: name='tfd', with_labels=True. "
            "Expected with_labels=False, or a labelled folder of your own: "
            "keras_gan.data.image_folder"
        )
        for data_dir in (None, str(tmp_path)):
            with pytest.raises(ValueError) as info:
                data.load("tfd", "0:1", data_dir=data_dir, with_labels=True)
            assert self._one_clear_line(info.value).startswith(message)
        with pytest.raises(ValueError, match="Received: with_labels='yes'. Expected True or False"):
            data.load("mnist", "0:3", data_dir=mnist_dir, with_labels="yes")


class TestCorruptIdx:
    @pytest.fixture
    def valid_bytes(self, tmp_path):
        images = (np.arange(2 * 28 * 28) % 251).astype(np.uint8).reshape(2, 28, 28)
        path = _write_idx(tmp_path / "ok", images)
        return path.read_bytes()

    def _load(self, tmp_path, payload, name="images-idx3-ubyte"):
        (tmp_path / name).write_bytes(payload)
        return data.load("mnist", "0:1", data_dir=str(tmp_path))

    def test_bad_magic_number(self, tmp_path, valid_bytes):
        message = "not an IDX file: bad magic number. Received: magic=0x12340803"
        with pytest.raises(ValueError, match=message):
            self._load(tmp_path, b"\x12\x34" + valid_bytes[2:])

    def test_truncated_data(self, tmp_path, valid_bytes):
        with pytest.raises(ValueError, match="is truncated: its header declares shape"):
            self._load(tmp_path, valid_bytes[:-10])

    def test_truncated_header(self, tmp_path, valid_bytes):
        with pytest.raises(ValueError, match="is truncated: its header needs 16 bytes"):
            self._load(tmp_path, valid_bytes[:9])

    def test_trailing_bytes(self, tmp_path, valid_bytes):
        with pytest.raises(ValueError, match="trailing bytes"):
            self._load(tmp_path, valid_bytes + b"\0\0")

    def test_truncated_gzip(self, tmp_path, valid_bytes):
        compressed = gzip.compress(valid_bytes)
        with pytest.raises(ValueError, match="truncated or corrupt"):
            self._load(tmp_path, compressed[: len(compressed) // 2], "images-idx3-ubyte.gz")

    def test_non_uint8_images(self, tmp_path):
        _write_idx(tmp_path / "images-idx3-ubyte", np.zeros((2, 28, 28), ">f4"))
        with pytest.raises(ValueError, match="Expected uint8 images"):
            data.load("mnist", "0:1", data_dir=str(tmp_path))

    def test_read_idx_round_trips_other_dtypes(self, tmp_path):
        array = np.linspace(-1, 1, 12, dtype=">f4").reshape(3, 4)
        got = data.read_idx(_write_idx(tmp_path / "x.idx", array))
        assert got.dtype == np.float32 and got.dtype.isnative
        np.testing.assert_array_equal(got, array)


class TestTfdsSource:
    @pytest.fixture
    def recorded_calls(self, monkeypatch):
        calls = []
        original = tfds.load

        def spy(*args, **kwargs):
            calls.append(kwargs)
            return original(*args, **kwargs)

        monkeypatch.setattr(tfds, "load", spy)
        return calls

    @pytest.mark.parametrize(
        "name, shape, expected_splits",
        [
            ("mnist", (28, 28, 1), ["train[0:50000]", "train[50000:60000]", "test"]),
            ("cifar10", (32, 32, 3), ["train[0:40000]", "train[40000:50000]", "test"]),
        ],
    )
    def test_mocked_splits_shapes_and_range(
        self, recorded_calls, tmp_path, name, shape, expected_splits
    ):
        with tfds.testing.mock_data(num_examples=4):
            datasets = [
                data.load(name, split, data_dir=str(tmp_path), download=False)
                for split in ("train", "validation", "test", "0:7000")
            ]
            raw = _to_numpy(tfds.load(name, split="train").map(lambda ex: ex["image"]))
            symmetric = _to_numpy(data.load(name, "train", value_range=(-1, 1)))
        assert [call["split"] for call in recorded_calls[:4]] == expected_splits + ["train[0:7000]"]
        for call in recorded_calls[:4]:
            assert call["data_dir"] == str(tmp_path) and call["download"] is False
        for dataset in datasets:
            assert dataset.element_spec == tf.TensorSpec(shape, tf.float32)
        images = _to_numpy(datasets[0])
        assert images.shape == (4, *shape) and 0.0 <= images.min() and images.max() <= 1.0
        np.testing.assert_array_equal(images, raw / np.float32(255))
        assert -1.0 <= symmetric.min() and symmetric.max() <= 1.0
        np.testing.assert_allclose(symmetric, raw / 127.5 - 1.0, atol=1e-6)

    @pytest.mark.parametrize("name", ["mnist", "cifar10"])
    def test_mocked_labels(self, recorded_calls, tmp_path, name):
        spec = data.dataset_spec(name)
        with tfds.testing.mock_data(num_examples=6):
            pairs = data.load(name, "validation", data_dir=str(tmp_path), download=False, with_labels=True)
            images, labels = data.load_array(name, "2:5", with_labels=True, value_range=(-1, 1))
            raw = list(tfds.load(name, split="train", as_supervised=True).as_numpy_iterator())
        assert recorded_calls[0]["as_supervised"] is True
        assert recorded_calls[0]["split"] == spec.splits["validation"][0] + "[{}:{}]".format(
            *spec.splits["validation"][1:]
        )
        assert recorded_calls[1]["split"] == "train[2:5]" and recorded_calls[1]["as_supervised"]
        assert pairs.element_spec == (
            tf.TensorSpec(spec.image_shape, tf.float32),
            tf.TensorSpec((), tf.int32),
        )
        # mock_data ignores the split: every example of the mocked part, in order.
        assert images.shape == (6, *spec.image_shape) and labels.dtype == np.int32
        raw_images, raw_labels = map(np.stack, zip(*raw))
        np.testing.assert_array_equal(labels, raw_labels)
        np.testing.assert_allclose(images, raw_images / 127.5 - 1.0, atol=1e-6)
        assert 0 <= labels.min() and labels.max() < spec.num_classes

    def test_cifar10_gcn(self):
        with tfds.testing.mock_data(num_examples=3):
            images = _to_numpy(data.load("cifar10", "test", preprocessing="gcn"))
        flat = images.reshape(3, -1).astype(np.float64)
        np.testing.assert_allclose(flat.mean(axis=1), 0.0, atol=1e-4)
        np.testing.assert_allclose(np.linalg.norm(flat, axis=1), 55.0, rtol=1e-5)

    def test_range_beyond_the_official_train_split(self):
        with pytest.raises(ValueError, match="holds 60000 images"):
            data.load("mnist", "59000:61000")


@pytest.fixture
def refused_network(monkeypatch):
    """Sends every HTTP(S) request to a local port that refuses the connection.

    The port is bound but never listens, so `connect` fails at once with
    ECONNREFUSED, here and on machines with network alike. tfds retries a
    failed download 10 times with exponential backoff (about 3.5 minutes);
    one attempt is enough to reach the socket.
    """
    from tensorflow_datasets.core.download import downloader

    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed_port.getsockname()[1]}"
        for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(variable, proxy)
            monkeypatch.setenv(variable.lower(), proxy)
        for variable in ("NO_PROXY", "no_proxy", "REQUEST_METHOD"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setattr(downloader, "MAX_RETRIES", 0)
        yield proxy


class TestOffline:
    def _assert_one_clear_message(self, error):
        message = str(error)
        assert "\n" not in message
        assert error.__cause__ is None and error.__suppress_context__
        return message

    @pytest.mark.parametrize("with_labels", [False, True])
    @pytest.mark.parametrize(
        "name, local_files",
        [
            ("mnist", "pass a local directory of IDX files"),
            ("cifar10", "data_batch_1.bin ... data_batch_5.bin and test_batch.bin"),
        ],
    )
    def test_real_tfds_path_up_to_the_refused_download(
        self, refused_network, tmp_path, name, local_files, with_labels
    ):
        # No mock: keras_gan.data.load -> tfds.load -> the download manager ->
        # requests -> a socket. A module missing inside tfds (importlib_resources
        # once) fails here with ModuleNotFoundError instead of this error.
        started = time.monotonic()
        with pytest.raises(data.DatasetUnavailableError) as info:
            data.load(name, "train", data_dir=str(tmp_path), download=True, with_labels=with_labels)
        elapsed = time.monotonic() - started
        message = self._assert_one_clear_message(info.value)
        assert message.startswith(f"Could not load {name!r} (split 'train[0:")
        assert "the tensorflow_datasets download failed with ConnectionRefusedError" in message
        assert local_files in message and "data_dir" in message
        assert elapsed < 60, f"the refused download took {elapsed:.0f} s: tfds retried"

    def test_simulated_download_failure_on_any_machine(self, tmp_path, monkeypatch):
        def no_network(self, *args, **kwargs):
            raise ConnectionError("[Errno -3] Temporary failure in name resolution")

        monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_network)
        with pytest.raises(data.DatasetUnavailableError, match="ConnectionError") as info:
            data.load("mnist", data_dir=str(tmp_path), download=True)
        assert isinstance(info.value, RuntimeError)
        assert "data_dir='/path/to/mnist-idx'" in self._assert_one_clear_message(info.value)

    def test_a_broken_tfds_install_is_not_reported_as_missing_data(self, tmp_path, monkeypatch):
        def broken(*args, **kwargs):
            raise ModuleNotFoundError("No module named 'importlib_resources'")

        monkeypatch.setattr(tfds, "load", broken)
        with pytest.raises(ModuleNotFoundError, match="importlib_resources"):
            data.load("mnist", data_dir=str(tmp_path))

    @pytest.mark.parametrize("with_labels", [False, True])
    def test_no_local_data_without_download(self, tmp_path, with_labels):
        # The real tfds path: no prepared copy in data_dir.
        with pytest.raises(data.DatasetUnavailableError) as info:
            data.load("cifar10", "test", data_dir=str(tmp_path), download=False, with_labels=with_labels)
        message = self._assert_one_clear_message(info.value)
        assert "no prepared copy there and download=False" in message
        assert "data_dir='/path/to/cifar-10-batches-bin'" in message
        # CIFAR-10 does not come as IDX files: the hint must not suggest them.
        assert "idx" not in message.lower()

    def test_unknown_name_lists_known_ones(self):
        with pytest.raises(ValueError, match="Expected one of: 'mnist', 'cifar10', 'tfd'"):
            data.load("imagenet")

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"value_range": (0, 255)}, "Expected \\(0, 1\\) or \\(-1, 1\\)"),
            ({"preprocessing": "zca"}, "Expected None or 'gcn'"),
            ({"preprocessing": "gcn", "value_range": (0, 1)}, "unbounded"),
            ({"preprocessing": "gcn", "gcn_scale": -1.0}, "Received: gcn_scale=-1.0"),
        ],
    )
    def test_bad_preprocessing_arguments(self, mnist_dir, kwargs, message):
        with pytest.raises(ValueError, match=message):
            data.load("mnist", "0:10", data_dir=mnist_dir, **kwargs)


class TestTfdSource:
    def _write_faces(self, directory, count, size=(48, 48)):
        os.makedirs(directory, exist_ok=True)
        faces = np.random.default_rng(0).integers(0, 256, (count, *size), dtype=np.uint8)
        for i, face in enumerate(faces):
            Image.fromarray(face, mode="L").save(os.path.join(directory, f"face_{i:03d}.png"))
        return faces

    def test_without_data_dir_says_it_is_not_distributable(self):
        message = "not publicly distributable.*data_dir="
        with pytest.raises(data.DatasetUnavailableError, match=message):
            data.load("tfd")

    def test_range_and_named_splits(self, tmp_path):
        faces = self._write_faces(tmp_path, 5)
        got = data.load_array("tfd", "1:4", data_dir=str(tmp_path))
        np.testing.assert_array_equal(got, faces[1:4, :, :, None] / np.float32(255))
        message = "Named splits read data_dir/<split>/"
        with pytest.raises(data.DatasetUnavailableError, match=message):
            data.load("tfd", "train", data_dir=str(tmp_path))
        test_faces = self._write_faces(tmp_path / "test", 2)
        got = data.load_array("tfd", "test", data_dir=str(tmp_path))
        np.testing.assert_array_equal(got[..., 0], test_faces / np.float32(255))

    def test_wrong_image_size(self, tmp_path):
        self._write_faces(tmp_path, 2, size=(32, 48))
        with pytest.raises(ValueError, match="TFD images are 48x48"):
            data.load("tfd", "0:2", data_dir=str(tmp_path))


class TestGlobalContrastNormalize:
    def test_matches_pylearn2_formula(self):
        images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype(np.float32)
        flat = images.reshape(4, -1).astype(np.float64)
        centred = flat - flat.mean(axis=1, keepdims=True)
        expected = centred / (np.sqrt((centred**2).sum(axis=1, keepdims=True)) / 55.0)
        got = data.global_contrast_normalize(images).numpy().reshape(4, -1)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
        single = data.global_contrast_normalize(images[0]).numpy().reshape(-1)
        np.testing.assert_allclose(single, expected[0], rtol=1e-4, atol=1e-4)

    def test_constant_image_is_only_centred(self):
        got = data.global_contrast_normalize(np.full((1, 4, 4, 3), 7.0)).numpy()
        np.testing.assert_array_equal(got, np.zeros_like(got))


class TestTrainingPipeline:
    def _ids(self, n):
        return tf.data.Dataset.range(n).map(lambda i: tf.cast(i, tf.float32))

    def _epochs(self, pipeline, count):
        return [np.concatenate(list(pipeline.as_numpy_iterator())) for _ in range(count)]

    def test_batches_hold_k_times_m_examples(self):
        with pytest.warns(UserWarning, match="16 of the 1000 examples are left out of each epoch"):
            pipeline = data.training_pipeline(
                self._ids(1000), batch_size=8, discriminator_steps=3, seed=0
            )
        assert pipeline.element_spec == tf.TensorSpec((24,), tf.float32)
        batches = list(pipeline.as_numpy_iterator())
        assert len(batches) == 1000 // 24 and all(b.shape == (24,) for b in batches)

    def test_remainder_differs_between_epochs_and_nothing_repeats(self):
        with pytest.warns(UserWarning):
            pipeline = data.training_pipeline(self._ids(100), batch_size=30, seed=1)
        epochs = self._epochs(pipeline, 6)
        for epoch in epochs:
            assert len(epoch) == 90 and len(set(epoch)) == 90
        left_out = [frozenset(range(100)) - set(epoch.astype(int)) for epoch in epochs]
        assert len(set(left_out)) > 1
        assert set().union(*map(set, epochs)) == set(range(100))

    def test_no_warning_without_remainder(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pipeline = data.training_pipeline(self._ids(100), batch_size=25, discriminator_steps=2)
        assert sorted(np.concatenate(list(pipeline.as_numpy_iterator()))) == list(range(100))

    def test_keep_remainder(self):
        pipeline = data.training_pipeline(self._ids(50), 20, drop_remainder=False, seed=0)
        assert [len(b) for b in pipeline.as_numpy_iterator()] == [20, 20, 10]
        pipeline = data.training_pipeline(self._ids(51), 4, 3, drop_remainder=False)
        assert [len(b) for b in pipeline.as_numpy_iterator()] == [12] * 4 + [3]
        with pytest.raises(ValueError, match="last batch holds 2 examples.*discriminator_steps=4"):
            data.training_pipeline(self._ids(50), 2, 4, drop_remainder=False)

    def test_seed_determinism_and_reshuffle(self):
        def two_epochs(seed):
            pipeline = data.training_pipeline(self._ids(200), batch_size=10, seed=seed)
            return self._epochs(pipeline, 2)

        first, again, other = two_epochs(7), two_epochs(7), two_epochs(8)
        np.testing.assert_array_equal(first[0], again[0])
        np.testing.assert_array_equal(first[1], again[1])
        assert not np.array_equal(first[0], first[1])
        assert not np.array_equal(first[0], other[0])
        assert sorted(first[0]) == list(range(200))

    def test_unknown_cardinality_is_counted(self):
        evens = self._ids(40).filter(lambda x: tf.equal(tf.math.floormod(x, 2.0), 0.0))
        with pytest.warns(UserWarning, match="2 of the 20 examples"):
            pipeline = data.training_pipeline(evens, batch_size=6, seed=0)
        assert len(list(pipeline.as_numpy_iterator())) == 3

    def test_file_cache(self, tmp_path):
        cache = str(tmp_path / "cache")
        pipeline = data.training_pipeline(self._ids(20), batch_size=5, seed=0, cache=cache)
        assert len(self._epochs(pipeline, 2)[1]) == 20
        assert any(name.startswith("cache") for name in os.listdir(tmp_path))

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"batch_size": 0}, "argument `batch_size`. Received: batch_size=0"),
            ({"batch_size": 4, "discriminator_steps": 1.5}, "Received: discriminator_steps=1.5"),
            ({"batch_size": 11}, "fewer than one training step"),
            ({"batch_size": 2, "cache": 1}, "Received: cache=1"),
        ],
    )
    def test_invalid_arguments(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            data.training_pipeline(self._ids(10), **kwargs)

    def test_rejects_float_labels_infinite_and_non_datasets(self):
        labelled = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2)), np.zeros(4, np.int64)))
        assert data.training_pipeline(labelled, batch_size=2).element_spec[1].shape == (2,)
        float_labels = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2)), np.zeros(4)))
        with pytest.raises(ValueError, match="each label must be an integer scalar"):
            data.training_pipeline(float_labels, batch_size=2)
        with pytest.raises(ValueError, match="infinite dataset"):
            data.training_pipeline(self._ids(4).repeat(), batch_size=2)
        with pytest.raises(ValueError, match="Expected a tf.data.Dataset"):
            data.training_pipeline(np.zeros((4, 2)), batch_size=2)


class TestTrainingPipelineWithLabels:
    def _pairs(self, n, classes=7):
        # The label is a function of the example: label = id % classes.
        ids = tf.data.Dataset.range(n)
        return ids.map(
            lambda i: (tf.fill([2], tf.cast(i, tf.float32)), tf.cast(i % classes, tf.int32))
        )

    def test_pairs_stay_aligned_through_shuffle_and_the_strided_split(self):
        k, m = 3, 8
        with pytest.warns(UserWarning, match="16 of the 1000 examples"):
            pipeline = data.training_pipeline(
                self._pairs(1000), batch_size=m, discriminator_steps=k, seed=0
            )
        assert pipeline.element_spec == (
            tf.TensorSpec((k * m, 2), tf.float32),
            tf.TensorSpec((k * m,), tf.int32),
        )
        epochs = []
        for _ in range(2):
            ids = []
            for examples, labels in pipeline.as_numpy_iterator():
                assert examples.shape == (k * m, 2) and labels.shape == (k * m,)
                np.testing.assert_array_equal(labels, examples[:, 0].astype(int) % 7)
                # Discriminator update i: rows i, i + k, ... with their own labels.
                for i in range(k):
                    np.testing.assert_array_equal(labels[i::k], examples[i::k, 0].astype(int) % 7)
                ids.append(examples[:, 0].astype(int))
            epochs.append(np.concatenate(ids))
        for epoch in epochs:
            assert len(epoch) == 984 and len(set(epoch)) == 984
            assert not np.array_equal(epoch, np.sort(epoch))  # shuffled
        assert not np.array_equal(epochs[0], epochs[1])  # reshuffled each epoch

    def test_same_order_as_without_labels_for_the_same_seed(self):
        paired = data.training_pipeline(self._pairs(60), batch_size=20, seed=3)
        alone = data.training_pipeline(self._pairs(60).map(lambda x, y: x), batch_size=20, seed=3)
        for (examples, _), images in zip(paired.as_numpy_iterator(), alone.as_numpy_iterator()):
            np.testing.assert_array_equal(examples, images)

    def test_remainder_policy_and_counting_apply_to_pairs(self):
        odd = self._pairs(41).filter(lambda x, y: tf.equal(y % 2, 1))
        pipeline = data.training_pipeline(odd, 2, 3, drop_remainder=False, seed=0)
        sizes = [len(labels) for _, labels in pipeline.as_numpy_iterator()]
        assert sum(sizes) == sum(1 for i in range(41) if i % 7 % 2 == 1)
        assert sizes[:-1] == [6] * (len(sizes) - 1) and sizes[-1] % 3 == 0

    @pytest.mark.parametrize(
        "labels, message",
        [
            (np.eye(4, dtype=np.int32), r"label spec TensorSpec\(shape=\(4,\), dtype=tf.int32"),
            (np.eye(4, dtype=np.float32), "tf.argmax"),
            (np.arange(4, dtype=np.float32), "dtype=tf.float32"),
            (np.arange(4).reshape(4, 1), r"shape=\(1,\)"),
            (np.array([True, False, True, False]), "dtype=tf.bool"),
        ],
    )
    def test_refuses_one_hot_float_and_non_scalar_labels(self, labels, message):
        pairs = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2), np.float32), labels))
        with pytest.raises(ValueError, match="each label must be an integer scalar.*" + message):
            data.training_pipeline(pairs, batch_size=2)

    @pytest.mark.parametrize(
        "elements",
        [
            (np.zeros((4, 2)), np.zeros(4, np.int32), np.ones(4)),  # with sample weights
            {"image": np.zeros((4, 2)), "label": np.zeros(4, np.int32)},
            ((np.zeros((4, 2)), np.zeros((4, 2))), np.zeros(4, np.int32)),
        ],
    )
    def test_refuses_other_structures(self, elements):
        dataset = tf.data.Dataset.from_tensor_slices(elements)
        with pytest.raises(ValueError, match="Expected single examples, or \\(example, label\\) pairs"):
            data.training_pipeline(dataset, batch_size=2)

    def test_image_folder_pairs_feed_it_directly(self, tmp_path):
        for label, name in enumerate(["a", "b", "c"]):
            (tmp_path / name).mkdir()
            for i in range(4):
                # Each class has its own grey level, so the label follows from the image.
                Image.new("L", (6, 6), 40 + 80 * label).save(tmp_path / name / f"{i}.png")
        pairs = data.image_folder(str(tmp_path), image_size=(6, 6), with_labels=True)
        assert pairs.element_spec[1] == tf.TensorSpec((), tf.int32)
        pipeline = data.training_pipeline(pairs, batch_size=3, discriminator_steps=2, seed=0)
        batches = list(pipeline.as_numpy_iterator())
        assert len(batches) == 2
        for images, labels in batches:
            assert images.shape == (6, 6, 6, 1) and labels.dtype == np.int32
            np.testing.assert_array_equal(np.round((images.mean(axis=(1, 2, 3)) * 255 - 40) / 80), labels)


class TestDataDir:
    @pytest.fixture
    def tfds_calls(self, monkeypatch):
        calls = []
        monkeypatch.setattr(tfds, "load", lambda *args, **kwargs: calls.append(kwargs))
        return calls

    @pytest.mark.parametrize("name", data.DATASETS)
    def test_missing_directory_is_not_found_not_a_download(self, tmp_path, tfds_calls, name):
        missing = tmp_path / "mistyped"
        with pytest.raises(ValueError) as info:
            data.load(name, "0:10", data_dir=str(missing))
        message = str(info.value)
        assert message.startswith(
            f"Could not load {name!r}: directory not found. Received: data_dir='{missing}'. "
            "Expected an existing directory."
        )
        assert data.dataset_spec(name).offline_hint in message
        assert tfds_calls == [] and not missing.exists()

    def test_a_file_is_not_a_directory(self, tmp_path, tfds_calls):
        path = tmp_path / "images-idx3-ubyte.gz"
        path.write_bytes(b"")
        with pytest.raises(ValueError, match="Could not load 'mnist': not a directory"):
            data.load("mnist", "0:10", data_dir=str(path))
        assert tfds_calls == []

    def test_home_directory_is_expanded(self, tmp_path, monkeypatch):
        _write_idx(tmp_path / "images-idx3-ubyte", np.full((3, 28, 28), 255, np.uint8))
        monkeypatch.setenv("HOME", str(tmp_path))
        np.testing.assert_array_equal(data.load_array("mnist", "1:3", data_dir="~"), 1.0)

    def test_launcher_prints_one_error_line_and_exits_1(self, tmp_path):
        missing = tmp_path / "nonexistent"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "experiments.mnist",
                f"--data_dir={missing}",
                f"--output_dir={tmp_path / 'run'}",
            ],
            cwd=_REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 1, result.stderr[-2000:]
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert errors == [result.stderr.rstrip().splitlines()[-1]]
        assert errors[0].startswith(
            f"error: Could not load 'mnist': directory not found. Received: data_dir='{missing}'."
        )
        assert "Traceback" not in result.stderr and not missing.exists()


def _write_cifar_batch(path, images, labels):
    """Writes CIFAR-10 binary records: a label byte, then the R, G and B planes."""
    planes = np.asarray(images, np.uint8).transpose(0, 3, 1, 2).reshape(len(images), -1)
    records = np.concatenate([np.asarray(labels, np.uint8)[:, None], planes], axis=1)
    path.write_bytes(records.tobytes())


class TestCifar10Binary:
    @pytest.fixture
    def batches(self, tmp_path):
        """Five 3-image training batches and a 2-image test batch in cifar-10-batches-bin/."""
        directory = tmp_path / "cifar-10-batches-bin"
        directory.mkdir()
        rng = np.random.default_rng(0)
        train = rng.integers(0, 256, (15, 32, 32, 3), dtype=np.uint8)
        test = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
        # Written out of order: the reader orders batches by number, not by name.
        for number in (3, 1, 5, 2, 4):
            part = slice(3 * (number - 1), 3 * number)
            _write_cifar_batch(directory / f"data_batch_{number}.bin", train[part], [number] * 3)
        _write_cifar_batch(directory / "test_batch.bin", test, [0, 1])
        return directory, train, test

    def test_ranges_and_test_split(self, batches):
        directory, train, test = batches
        got = data.load_array("cifar10", "2:11", data_dir=str(directory))
        np.testing.assert_array_equal(got, train[2:11] / np.float32(255))
        got = data.load_array("cifar10", "test", data_dir=str(directory), value_range=(-1, 1))
        np.testing.assert_allclose(got, test / 127.5 - 1.0, atol=1e-6)

    def test_labels_from_the_records(self, batches):
        directory, train, test = batches
        images, labels = data.load_array("cifar10", "2:11", data_dir=str(directory), with_labels=True)
        np.testing.assert_array_equal(images, train[2:11] / np.float32(255))
        # Batch N's records carry the label N; images 2..10 span batches 1-4.
        assert labels.dtype == np.int32 and labels.tolist() == [1, 2, 2, 2, 3, 3, 3, 4, 4]
        pairs = data.load("cifar10", "test", data_dir=str(directory), with_labels=True)
        assert pairs.element_spec[1] == tf.TensorSpec((), tf.int32)
        assert [int(label) for _, label in pairs] == [0, 1]

    def test_labels_out_of_range(self, tmp_path):
        _write_cifar_batch(tmp_path / "test_batch.bin", np.zeros((2, 32, 32, 3)), [3, 12])
        with pytest.raises(ValueError, match="labels from 3 to 12. Expected 0 <= label < 10"):
            data.load("cifar10", "test", data_dir=str(tmp_path), with_labels=True)
        assert data.load_array("cifar10", "test", data_dir=str(tmp_path)).shape == (2, 32, 32, 3)

    def test_parent_of_the_unpacked_directory_works_too(self, batches):
        directory, train, _ = batches
        got = data.load_array("cifar10", ":4", data_dir=str(directory.parent))
        np.testing.assert_array_equal(got, train[:4] / np.float32(255))

    def test_planes_are_red_green_blue(self, tmp_path):
        image = np.zeros((1, 32, 32, 3), np.uint8)
        image[0, 0, 1] = (10, 20, 30)
        _write_cifar_batch(tmp_path / "test_batch.bin", image, [7])
        images, labels = data.cifar10_binary.read_batch(str(tmp_path / "test_batch.bin"))
        assert images.shape == (1, 32, 32, 3) and labels.tolist() == [7]
        assert images[0, 0, 1].tolist() == [10, 20, 30] and images.sum() == 60

    def test_named_training_splits_need_the_official_sizes(self, batches):
        directory, _, _ = batches
        message = r"Split range 0:40000 does not fit the cifar10 train part in .*holds 15 images"
        with pytest.raises(ValueError, match=message):
            data.load("cifar10", "train", data_dir=str(directory))

    def test_missing_part(self, batches):
        directory, _, _ = batches
        (directory / "test_batch.bin").unlink()
        with pytest.raises(data.DatasetUnavailableError, match="No test part of cifar10 in"):
            data.load("cifar10", "test", data_dir=str(directory))

    def test_truncated_file(self, tmp_path):
        (tmp_path / "test_batch.bin").write_bytes(bytes(3073 + 5))
        with pytest.raises(ValueError, match="truncated or not a CIFAR-10 binary file"):
            data.load("cifar10", "test", data_dir=str(tmp_path))


class TestRegistry:
    def test_every_dataset_has_one_complete_entry(self):
        assert data.DATASETS == ("mnist", "cifar10", "tfd")
        for name in data.DATASETS:
            spec = data.dataset_spec(name)
            assert spec.name == name and set(spec.splits) == set(data.SPLITS)
            assert len(spec.image_shape) == 3 and spec.local_readers and spec.offline_hint
        assert data.dataset_spec("MNIST") is data.dataset_spec("mnist")
        assert [data.dataset_spec(name).num_classes for name in data.DATASETS] == [10, 10, None]

    def test_the_offline_hint_names_files_that_load(self, tmp_path):
        # The files each hint names, written small, load through that hint's data_dir.
        mnist = tmp_path / "mnist-idx"
        mnist.mkdir()
        assert "images-idx3-ubyte.gz" in data.dataset_spec("mnist").offline_hint
        _write_idx(mnist / "images-idx3-ubyte.gz", np.zeros((7, 28, 28), np.uint8), compress=True)
        assert data.load_array("mnist", "0:7", data_dir=str(mnist)).shape == (7, 28, 28, 1)

        cifar = tmp_path / "cifar-10-batches-bin"
        cifar.mkdir()
        hint = data.dataset_spec("cifar10").offline_hint
        assert "cifar-10-batches-bin" in hint and "idx" not in hint.lower()
        for filename in ("data_batch_1.bin", "data_batch_5.bin", "test_batch.bin"):
            assert filename in hint
            _write_cifar_batch(cifar / filename, np.zeros((2, 32, 32, 3), np.uint8), [0, 0])
        assert data.load_array("cifar10", "test", data_dir=str(cifar)).shape == (2, 32, 32, 3)
        assert data.load_array("cifar10", "0:4", data_dir=str(cifar)).shape == (4, 32, 32, 3)

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"image_shape": (28, 28)}, "Received: image_shape=\\(28, 28\\)"),
            ({"splits": {"train": ("train", None, None)}}, "Expected exactly \\['train', "),
            ({"paper_value_range": (0, 255)}, "Received: paper_value_range=\\(0, 255\\)"),
            ({"num_classes": 1}, "Received: num_classes=1. Expected an integer >= 2"),
            ({"num_classes": 10.0}, "Received: num_classes=10.0"),
        ],
    )
    def test_a_bad_entry_fails_at_definition(self, kwargs, message):
        entry = dict(
            name="new",
            image_shape=(8, 8, 1),
            splits={split: (split, None, None) for split in data.SPLITS},
            official_sizes={},
            local_readers=(),
            local_format="files",
            offline_hint="Pass data_dir.",
        )
        with pytest.raises(ValueError, match=message):
            data.DatasetSpec(**{**entry, **kwargs})
