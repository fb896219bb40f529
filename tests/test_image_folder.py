"""Tests for keras_gan.data.image_folder: a folder of the user's own images."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan import data, models

# (relative path, PIL mode, size (width, height), solid colour as RGB): mixed
# sizes, channel counts and formats, nested in class subfolders. Each colour
# is grey or has distinct channels, so both colour modes have known values.
_FILES = [
    ("birds/palette.png", "P", (20, 30), (0, 0, 255)),
    ("cats/rgb.png", "RGB", (40, 30), (255, 0, 0)),
    ("cats/nested/grey.jpg", "L", (12, 20), (128, 128, 128)),
    ("dogs/grey.png", "L", (28, 28), (255, 255, 255)),
    ("dogs/rgb.jpg", "RGB", (64, 64), (0, 255, 0)),
    ("dogs/rgba.png", "RGBA", (10, 10), (64, 64, 64)),
]
_LABELS = [0, 1, 1, 2, 2, 2]
_JPEG_TOLERANCE = 4 / 255  # a solid colour survives JPEG within a few levels


def _write(root, files=_FILES):
    for relative, mode, size, rgb in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", size, rgb)
        if mode == "P":
            image = image.convert("P", palette=Image.ADAPTIVE)
        elif mode != "RGB":
            image = image.convert(mode)
        image.save(path, quality=95) if relative.endswith(".jpg") else image.save(path)
    return root


@pytest.fixture
def folder(tmp_path):
    return str(_write(tmp_path / "images"))


def _numpy(dataset):
    return list(dataset.as_numpy_iterator())


class TestImageFolder:
    def test_rgb_images_resized_in_unit_range(self, folder):
        dataset = data.image_folder(folder, image_size=(16, 24), color_mode="rgb")
        assert dataset.element_spec == tf.TensorSpec((16, 24, 3), tf.float32)
        assert int(dataset.cardinality()) == len(_FILES)
        images = np.stack(_numpy(dataset))
        assert images.min() >= 0.0 and images.max() <= 1.0
        # Sorted path order; a solid colour stays that colour through the resize.
        for image, (relative, _, _, rgb) in zip(images, _FILES):
            atol = _JPEG_TOLERANCE if relative.endswith(".jpg") else 1e-6
            np.testing.assert_allclose(image, np.broadcast_to(np.divide(rgb, 255), image.shape), atol=atol)

    def test_grayscale_images_of_any_channel_count(self, folder):
        dataset = data.image_folder(folder, image_size=(8, 8))
        assert dataset.element_spec == tf.TensorSpec((8, 8, 1), tf.float32)
        images = np.stack(_numpy(dataset))
        grey = {relative: rgb[0] / 255 for relative, _, _, rgb in _FILES if len(set(rgb)) == 1}
        for image, (relative, *_) in zip(images, _FILES):
            if relative in grey:
                np.testing.assert_allclose(image, grey[relative], atol=_JPEG_TOLERANCE)
        # Pure red, green and blue convert to distinct, non-zero grey levels.
        coloured = [images[i].mean() for i in (0, 1, 4)]
        assert len(set(np.round(coloured, 3))) == 3 and min(coloured) > 0

    def test_labels_from_subfolders(self, folder):
        dataset = data.image_folder(folder, image_size=(8, 8), color_mode="rgb", with_labels=True)
        image_spec, label_spec = dataset.element_spec
        assert image_spec == tf.TensorSpec((8, 8, 3), tf.float32)
        assert label_spec == tf.TensorSpec((), tf.int32)
        assert dataset.class_names == ["birds", "cats", "dogs"]
        pairs = _numpy(dataset)
        assert [int(label) for _, label in pairs] == _LABELS
        np.testing.assert_allclose(pairs[1][0][..., 0], 1.0)  # cats/rgb.png is red

    def test_unlabelled_images_train_a_small_gan(self, folder):
        images = data.image_folder(folder, image_size=(12, 12))
        batches = data.training_pipeline(images, batch_size=2, seed=0)
        generator = models.mlp_generator(
            latent_dim=4, output_shape=(12, 12, 1), hidden_units=(16,), output_activation="sigmoid", seed=0
        )
        discriminator = models.mlp_discriminator(input_shape=(12, 12, 1), hidden_units=(16,), seed=1)
        gan = keras_gan.GAN(generator, discriminator, seed=0)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
        history = gan.fit(batches, epochs=2, verbose=0, shuffle=False)
        for values in history.history.values():
            assert len(values) == 2 and np.all(np.isfinite(values))
        assert gan.generate(3, seed=0).shape == (3, 12, 12, 1)

    def test_labelled_pairs_feed_the_pipeline_directly(self, folder):
        pairs = data.image_folder(folder, image_size=(8, 8), with_labels=True)
        batches = data.training_pipeline(pairs, batch_size=3, seed=0)
        assert batches.element_spec == (
            tf.TensorSpec((3, 8, 8, 1), tf.float32),
            tf.TensorSpec((3,), tf.int32),
        )
        labels = np.concatenate([labels for _, labels in batches.as_numpy_iterator()])
        assert sorted(labels.tolist()) == _LABELS

    def test_trailing_slash_and_home_directory(self, tmp_path, monkeypatch):
        _write(tmp_path / "pictures" / "only", _FILES[:2])
        monkeypatch.setenv("HOME", str(tmp_path))
        dataset = data.image_folder("~/pictures/", image_size=(4, 4), with_labels=True)
        assert dataset.class_names == ["only"] and len(_numpy(dataset)) == 2


class TestImageFolderErrors:
    def test_missing_directory(self, tmp_path):
        missing = tmp_path / "nope"
        message = (
            "Invalid value for argument `directory`: directory not found. "
            f"Received: directory='{missing}'"
        )
        with pytest.raises(ValueError, match=message):
            data.image_folder(str(missing), image_size=(8, 8))

    def test_no_images(self, tmp_path):
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "notes.txt").write_text("not an image")
        with pytest.raises(ValueError, match="no image files in it or its subfolders"):
            data.image_folder(str(tmp_path), image_size=(8, 8))

    def test_a_file_that_is_not_an_image(self, folder):
        with open(os.path.join(folder, "cats", "broken.png"), "w") as file:
            file.write("<html>not found</html>")
        with pytest.raises(ValueError, match=r"Invalid image file .*broken.png: it is not a PNG"):
            data.image_folder(folder, image_size=(8, 8))

    @pytest.mark.parametrize("color_mode", ["rgba", "RGB", None])
    def test_bad_color_mode(self, folder, color_mode):
        message = f"argument `color_mode`. Received: color_mode={color_mode!r}. Expected 'grayscale' or 'rgb'"
        with pytest.raises(ValueError, match=message):
            data.image_folder(folder, image_size=(8, 8), color_mode=color_mode)

    @pytest.mark.parametrize("image_size", [(0, 8), (8,), 8, "8x8", (8.5, 8), (8, 8, 1), (True, 8)])
    def test_bad_image_size(self, folder, image_size):
        message = r"argument `image_size`. Received: image_size=.*Expected a pair \(height, width\)"
        with pytest.raises(ValueError, match=message):
            data.image_folder(folder, image_size=image_size)

    def test_labels_need_every_image_in_a_class_folder(self, folder):
        Image.new("L", (8, 8)).save(os.path.join(folder, "loose.png"))
        with pytest.raises(ValueError, match=r"1 image file lies directly in .*'loose.png'"):
            data.image_folder(folder, image_size=(8, 8), with_labels=True)
        # Without labels the loose image is simply one more image.
        assert len(_numpy(data.image_folder(folder, image_size=(8, 8)))) == len(_FILES) + 1
