"""Tests for benchmarks/torch_reference.py: the PyTorch reference is keras_gan's step.

PyTorch is the optional `bench` extra: without it this module is skipped. CI installs
it (`.ci/run`), so the equivalence is checked on every change.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

# `benchmarks` is not an installed package: import it from the repository.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras_gan  # noqa: E402
from benchmarks import torch_reference  # noqa: E402


def _small_models(dropout):
    rates = {} if dropout else {"input_dropout": 0.0, "hidden_dropout": 0.0}
    generator = keras_gan.models.mnist_generator(latent_dim=8, hidden_units=(32, 32), seed=0)
    discriminator = keras_gan.models.mnist_discriminator(
        hidden_units=(16, 12), pieces=3, seed=10, **rates
    )
    return generator, discriminator


class TestTorchReference:
    def test_copies_sizes_dropout_rates_and_forward_passes(self, mnist_digits):
        generator, discriminator = _small_models(dropout=True)
        torch_generator = torch_reference.generator_from_keras(generator)
        torch_discriminator = torch_reference.discriminator_from_keras(discriminator).eval()
        assert torch_discriminator.input_dropout.p == pytest.approx(0.2)
        assert torch_discriminator.hidden_dropout.p == pytest.approx(0.5)
        assert [m.units for m in torch_discriminator.maxout] == [16, 12]
        noise = np.random.default_rng(0).uniform(-1.7, 1.7, (5, 8)).astype("float32")
        images = mnist_digits[:5]
        with torch.no_grad():
            torch_images = torch_generator(torch.from_numpy(noise)).numpy()
            torch_logits = torch_discriminator(torch.from_numpy(images)).numpy()
        # float32 products summed in another order: images in [0, 1] and logits of size ~0.1
        # differ by a few ulps of the ~100-1200-term sums, well under 1e-6.
        np.testing.assert_allclose(torch_images, generator(noise).numpy(), atol=1e-6)
        np.testing.assert_allclose(torch_logits, discriminator(images).numpy(), atol=1e-6)

    @pytest.mark.parametrize("k", [1, 2])
    def test_training_steps_match_fit(self, mnist_digits, k):
        generator, discriminator = _small_models(dropout=False)
        gap = torch_reference.compare_training_steps(
            generator, discriminator, mnist_digits[: 3 * k * 8], discriminator_steps=k
        )
        # Losses of size ~0.7 from float32 sums in another order: ~1e-7 apart (6e-8 measured).
        assert gap["d_loss"] < 1e-5 and gap["g_loss"] < 1e-5
        # Weights of size <= 0.05 after 3 steps whose gradients agree to float32 rounding:
        # ~1e-8 apart (6.5e-9 measured), far below a wrong step's error (the update itself).
        assert gap["weights"] < 1e-6
        # The weights moved far more than the two runs differ: a real check.
        assert gap["update"] > 1000 * gap["weights"]

    def test_paper_initialisation_ranges(self):
        generator = torch_reference.Generator()
        discriminator = torch_reference.Discriminator()
        assert [layer.out_features for layer in generator.dense] == [1200, 1200, 784]
        assert [m.linear.out_features for m in discriminator.maxout] == [1200, 1200]
        d_weights = [m.linear.weight for m in discriminator.maxout] + [discriminator.logit.weight]
        for weights, limit in (([layer.weight for layer in generator.dense], 0.05), (d_weights, 0.005)):
            largest = max(w.abs().max().item() for w in weights)
            # Filling the range: float32 rounding may reach the limit itself.
            assert 0.99 * limit < largest <= limit * (1 + 1e-6)
