"""Shared fixtures: the real MNIST digits beside the repository, and tiny GANs."""

import gzip
from pathlib import Path

import numpy as np
import pytest

# CI clones the repository next to `shared/`, as on the development machine.
MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-8k"


@pytest.fixture(scope="session")
def mnist_images_path():
    """The real MNIST IDX images. They always exist: a missing file FAILS."""
    path = MNIST_DIR / "images-idx3-ubyte.gz"
    if not path.is_file():
        pytest.fail(f"Real MNIST images not found at {path}; expected shared/ beside the repo.")
    return path


@pytest.fixture(scope="session")
def mnist_digits(mnist_images_path):
    """The first 512 real digits as float32 in [0, 1], shape [512, 28, 28, 1].

    Read with NumPy alone (gzip, a 16-byte IDX header, uint8 pixels), so the
    tests do not depend on `keras_gan.data`.
    """
    with gzip.open(mnist_images_path, "rb") as f:
        raw = f.read()
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28, 1)
    return images[:512].astype("float32") / 255.0
