"""Tests of the encoder exporter (`export/encoder.py`).

A small inference net (an MNIST-shaped generator 8-16-784 and an encoder
784-32-8 standardized by the generator's sample statistics) is trained
briefly, saved whole, and exported once with every LiteRT variant by a
module-scoped fixture; most tests read that export. A bare encoder file
covers the other kind of source.
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import export
import keras_gan
from export import encoder as encoder_export
from keras_gan import inference

LATENT_DIM = 8


@pytest.fixture(scope="module")
def net():
    keras.utils.set_random_seed(0)
    generator = keras_gan.models.mnist_generator(latent_dim=LATENT_DIM, hidden_units=(16,), seed=0)
    generator.latent_prior = keras_gan.priors.gaussian
    samples = generator.generate(2000, seed=1)
    encoder = inference.mnist_encoder(
        latent_dim=LATENT_DIM, hidden_units=(32,), input_mean=samples.mean(0),
        input_variance=samples.var(0), seed=2,
    )
    net = inference.InferenceNet(generator, encoder, seed=0)
    net.compile(keras.optimizers.Adam(1e-3))
    net.fit(batch_size=64, steps_per_epoch=50, verbose=0)
    return net


@pytest.fixture(scope="module")
def net_file(net, tmp_path_factory):
    path = tmp_path_factory.mktemp("net") / "inference_net.keras"
    net.save(path)
    return path


@pytest.fixture(scope="module")
def exported(net_file, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("exports") / "encoder"
    report = export.export_encoder(net_file, output_dir, quantize=["dynamic", "float16"], verification_batch=50)
    return output_dir, report


@pytest.fixture(scope="module")
def digits(net):
    return net.generator.generate(20, seed=7)


class TestExportedFiles:
    def test_files_and_report(self, exported, net_file):
        output_dir, report = exported
        names = {path.name for path in output_dir.iterdir()}
        assert names == {"saved_model", "export.json", *encoder_export.FILENAMES.values()}
        assert json.loads((output_dir / "export.json").read_text()) == report
        assert report["model"] == "encoder"
        assert report["source"]["kind"] == "inference_net"
        assert report["source"]["path"] == str(net_file.resolve())
        assert report["image_shape"] == [28, 28, 1] and report["latent_dim"] == LATENT_DIM
        assert report["prior"] == "gaussian"
        assert report["signatures"]["encode"]["outputs"]["z"]["shape"] == [None, LATENT_DIM]
        assert report["verification_images"]["origin"].startswith("the generator's samples")
        assert not list(output_dir.parent.glob(".encoder.partial-*"))

    def test_checks_passed_within_tolerance(self, exported):
        _, report = exported
        checks = report["verification"]
        assert checks["saved_model"]["signatures"] == ["encode"]
        assert checks["saved_model"]["max_abs_error"] <= checks["saved_model"]["tolerance"]
        assert set(checks["tflite"]) == {"none", "dynamic", "float16"}
        for check in checks["tflite"].values():
            assert check["max_abs_error"] <= check["tolerance"]
            assert not any(op.startswith("Flex") or op == "CUSTOM" for op in check["ops"])
        sizes = {mode: check["size_bytes"] for mode, check in checks["tflite"].items()}
        assert sizes["dynamic"] < sizes["float16"] < sizes["none"]


class TestArtifacts:
    def test_saved_model_encodes_like_keras(self, exported, net, digits):
        output_dir, _ = exported
        encode = tf.saved_model.load(str(output_dir / "saved_model")).signatures["encode"]
        z = encode(images=tf.constant(digits))["z"].numpy()
        expected = net.encode(digits)
        # float32 and the same graph: products summed in another order at most.
        np.testing.assert_allclose(z, expected, rtol=0, atol=1e-5 * max(1.0, np.abs(expected).max()))

    def test_litert_encodes_like_keras_at_any_batch(self, exported, net, digits):
        output_dir, _ = exported
        runner = encoder_export.LiteRTEncoder(output_dir / "encoder.tflite")
        assert runner.image_shape == (28, 28, 1)
        expected = net.encode(digits)
        tolerance = encoder_export.TFLITE_TOLERANCES["none"] * max(1.0, np.abs(expected).max())
        for batch in (20, 1, 7):
            np.testing.assert_allclose(runner(digits[:batch]), expected[:batch], rtol=0, atol=tolerance)

    def test_check_catches_a_wrong_model(self, exported, digits, net):
        output_dir, _ = exported
        wrong = net.encode(digits) + 0.5
        with pytest.raises(export.VerificationError, match="differs from the Keras encoder"):
            encoder_export.check_tflite(output_dir / "encoder.tflite", digits, wrong)
        with pytest.raises(export.VerificationError, match="differs from the Keras encoder"):
            encoder_export.check_saved_model(output_dir / "saved_model", digits, wrong)

    def test_litert_refuses_wrong_images(self, exported):
        output_dir, _ = exported
        runner = encoder_export.LiteRTEncoder(output_dir / "encoder.tflite")
        with pytest.raises(ValueError, match=r"argument `images`. Received: images.shape=\(2, 784\)"):
            runner(np.zeros((2, 784), "float32"))


class TestSources:
    def test_bare_encoder_file_with_images(self, net, digits, tmp_path):
        path = tmp_path / "encoder.keras"
        net.encoder.save(path)
        report = export.export_encoder(path, tmp_path / "out", tflite=True, images=digits)
        assert report["source"]["kind"] == "encoder" and report["prior"] is None
        assert report["verification_images"] == {
            "origin": "the images argument", "count": 20,
            "range": [float(digits.min()), float(digits.max())],
        }
        assert set(report["verification"]["tflite"]) == {"none"}

    def test_bare_encoder_in_memory_checks_on_noise(self, net, tmp_path):
        report = export.export_encoder(net.encoder, tmp_path / "out", verification_batch=4)
        assert report["source"] == {"path": None, "kind": "encoder", "sha256": None}
        assert report["verification_images"]["origin"].startswith("uniform noise")
        assert "tflite" not in report["verification"]

    def test_a_generator_is_not_an_encoder(self, net, tmp_path):
        path = tmp_path / "generator.keras"
        net.generator.save(path)
        with pytest.raises(ValueError, match="is not an encoder"):
            export.export_encoder(path, tmp_path / "out")
        assert not (tmp_path / "out").exists()


class TestBadInput:
    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="encoder file does not exist"):
            export.export_encoder(tmp_path / "missing.keras", tmp_path / "out")

    def test_wrong_images(self, net, tmp_path):
        with pytest.raises(ValueError, match=r"argument `images`. Received: images of shape \(3, 784\)"):
            export.export_encoder(net.encoder, tmp_path / "out", images=np.zeros((3, 784), "float32"))

    def test_existing_output_is_kept(self, exported, net):
        output_dir, report = exported
        with pytest.raises(ValueError, match="not empty"):
            export.export_encoder(net.encoder, output_dir)
        assert json.loads((output_dir / "export.json").read_text()) == report

    def test_failed_check_leaves_nothing(self, net, tmp_path, monkeypatch):
        def fail(*args, **kwargs):
            raise export.VerificationError("forced")

        monkeypatch.setattr(encoder_export, "check_saved_model", fail)
        with pytest.raises(export.VerificationError, match="forced"):
            export.export_encoder(net.encoder, tmp_path / "out", verification_batch=2)
        assert list(tmp_path.iterdir()) == []
