"""Tests for keras_gan.figures: the paper's Figure 1 on 1-D Gaussian data."""

import ast
import math
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gan
from keras_gan import figures


def toy_gan(latent_dim=1, train=True):
    generator = keras_gan.models.mlp_generator(
        latent_dim=latent_dim, output_shape=(1,), hidden_units=(16,), seed=0
    )
    discriminator = keras_gan.models.mlp_discriminator(
        input_shape=(1,), hidden_units=(16,), dropout=0.5, seed=0
    )
    gan = keras_gan.GAN(generator, discriminator, latent_prior="uniform", seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    if train:
        data = keras_gan.toy.gaussian_1d().sample(2000, seed=0)
        gan.fit(data, batch_size=100, epochs=1, verbose=0)
    return gan


def normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


@pytest.fixture(scope="module")
def gan():
    return toy_gan()


class TestPlot1d:
    def test_writes_a_png_and_returns_the_curves(self, gan, tmp_path):
        path = tmp_path / "figures" / "figure1.png"
        curves = figures.plot_1d(gan, keras_gan.toy.gaussian_1d(), path, num_samples=2000)
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size[0] > 300 and image.size[1] > 200
        assert curves.path == str(path)
        assert curves.x.shape == curves.discriminator.shape == (400,)
        # The default range covers the data, N(4, 0.5^2), and the samples.
        samples = gan.generate(2000, seed=0)
        assert curves.x[0] < min(4.0 - 3 * 0.5, np.percentile(samples, 1))
        assert curves.x[-1] > max(4.0 + 3 * 0.5, np.percentile(samples, 99))

    def test_discriminator_curve_is_sigmoid_of_the_logit(self, gan, tmp_path):
        curves = figures.plot_1d(
            gan, keras_gan.toy.gaussian_1d(), tmp_path / "f.png", num_samples=500, x_range=(-3, 7)
        )
        logits = gan.discriminator.predict(curves.x.reshape(-1, 1).astype("float32"), verbose=0)
        expected = 1.0 / (1.0 + np.exp(-logits[:, 0].astype(np.float64)))
        np.testing.assert_allclose(curves.discriminator, expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(curves.x[[0, -1]], [-3.0, 7.0])
        assert not np.allclose(curves.discriminator, curves.discriminator[0])

    def test_densities(self, gan, tmp_path):
        curves = figures.plot_1d(
            gan, keras_gan.toy.gaussian_1d(mean=1.0, std=0.5), tmp_path / "f.png",
            num_samples=3000, x_range=(-8, 8), num_points=1601,
        )
        np.testing.assert_allclose(curves.data_density, normal_pdf(curves.x, 1.0, 0.5), rtol=1e-9)
        step = curves.x[1] - curves.x[0]
        assert curves.generator_density.sum() * step == pytest.approx(1.0, abs=1e-3)
        # p_g is the kernel estimate (Scott's bandwidth) of G's samples for the same seed.
        samples = gan.generate(3000, seed=0)[:, 0].astype(np.float64)
        bandwidth = samples.std() * 3000**-0.2
        expected = normal_pdf(curves.x[:, None], samples[None, :], bandwidth).mean(axis=1)
        np.testing.assert_allclose(curves.generator_density, expected, rtol=1e-9, atol=1e-300)

    def test_data_as_samples_with_and_without_a_density(self, gan, tmp_path):
        samples = np.random.default_rng(0).normal(4.0, 0.5, (5000, 1))
        with_density = figures.plot_1d(
            gan, samples, tmp_path / "a.png", density=lambda x: normal_pdf(x, 4.0, 0.5),
            num_samples=500,
        )
        np.testing.assert_allclose(with_density.data_density, normal_pdf(with_density.x, 4.0, 0.5))
        estimated = figures.plot_1d(gan, samples, tmp_path / "b.png", num_samples=500)
        step = estimated.x[1] - estimated.x[0]
        l1_error = np.abs(estimated.data_density - normal_pdf(estimated.x, 4.0, 0.5)).sum() * step
        assert l1_error < 0.1

    def test_multidimensional_noise_draws_without_the_mapping_panel(self, tmp_path):
        curves = figures.plot_1d(
            toy_gan(latent_dim=3, train=False), keras_gan.toy.gaussian_1d(), tmp_path / "f.png",
            num_samples=300,
        )
        assert (tmp_path / "f.png").exists()
        assert np.all((curves.discriminator > 0) & (curves.discriminator < 1))

    def test_invalid_arguments(self, gan, tmp_path):
        data = keras_gan.toy.gaussian_1d()
        with pytest.raises(ValueError, match="Received: x_range="):
            figures.plot_1d(gan, data, tmp_path / "f.png", x_range=(2, 1))
        with pytest.raises(ValueError, match="Received: num_points=1"):
            figures.plot_1d(gan, data, tmp_path / "f.png", num_points=1)
        with pytest.raises(ValueError, match="`data`"):
            figures.plot_1d(gan, np.zeros((10, 2)), tmp_path / "f.png")
        generator = keras_gan.models.mlp_generator(latent_dim=2, output_shape=(2,), hidden_units=(4,))
        discriminator = keras_gan.models.mlp_discriminator(input_shape=(2,), hidden_units=(4,))
        with pytest.raises(ValueError, match="one-dimensional data"):
            figures.plot_1d(keras_gan.GAN(generator, discriminator), data, tmp_path / "f.png")


class TestDensityEstimate:
    def test_matches_the_direct_sum(self):
        samples = np.array([0.0, 1.0, 3.0])
        x = np.linspace(-2, 5, 9)
        expected = normal_pdf(x[:, None], samples[None, :], 0.7).mean(axis=1)
        # The estimate is the toy mixture of Gaussians centred on the samples.
        np.testing.assert_allclose(
            np.exp(keras_gan.toy.GaussianMixture(samples[:, None], 0.7).log_prob(x)),
            expected,
            rtol=1e-12,
        )

    def test_collapsed_samples_still_give_a_density(self):
        x = np.linspace(-1, 1, 201)
        density = figures.density_estimate(np.zeros(50), x)
        assert np.all(np.isfinite(density)) and x[np.argmax(density)] == 0.0


def test_matplotlib_is_imported_only_when_drawing():
    # TensorFlow itself may import matplotlib, so read the module's own imports.
    tree = ast.parse(Path(figures.__file__).read_text())
    top_level = {
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert "matplotlib" not in top_level
    assert "numpy" in top_level
