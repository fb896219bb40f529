"""Named training recipes: `paper` (the original settings) and `stable`.

A preset fixes the GAN's remedies, the optimizers and the minibatch size; the
architectures come from `keras_gan.models`. `paper` turns every remedy off.

Both presets are meant for the paper's networks (`mnist_generator`,
`mnist_discriminator` with maxout and dropout). On 7,000 MNIST digits `paper`
lets the discriminator win within a few hundred steps and the samples collapse;
`stable` keeps D(x) and D(G(z)) near 1/2: R1 bounds the discriminator's
gradients on real data, and the EMA generator averages out the oscillation of
the adversarial game, which sharpens the samples.
"""

import dataclasses

import keras

from keras_gan import optimizers
from keras_gan import schedules


@dataclasses.dataclass(frozen=True)
class Preset:
    """A training recipe.

    Example:

    ```python
    preset = keras_gan.presets.get("stable")
    gan = keras_gan.GAN(generator, discriminator, **preset.gan_options)
    d_optimizer, g_optimizer = preset.make_optimizers(steps_per_epoch=70)
    gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer,
                generator_loss=preset.generator_loss)
    ```

    Attributes:
        name: The preset's name.
        description: One line on what it is for.
        gan_options: Keyword arguments for `keras_gan.GAN` (the remedies).
        generator_loss: `"non_saturating"` or `"minimax"`.
        batch_size: The minibatch size m.
        optimizer: `"sgd"` (the paper's schedules) or `"adam"`.
        learning_rate: The initial learning rate of both optimizers.
        beta_1: Adam's first-moment decay (Adam only).
        momentum: SGD's momentum at the start (SGD only).
        final_momentum: SGD's momentum from `momentum_saturate_epoch` on.
        momentum_saturate_epoch: The epoch where the momentum ramp ends.
        decay_factor: SGD's learning rate is divided by it every step.
        min_learning_rate: The floor of SGD's decaying learning rate.
    """

    name: str
    description: str
    gan_options: dict
    generator_loss: str = "non_saturating"
    batch_size: int = 100
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    beta_1: float = 0.5
    momentum: float = 0.5
    final_momentum: float = 0.7
    momentum_saturate_epoch: int = 250
    decay_factor: float = 1.000004
    min_learning_rate: float = 1e-6

    def make_optimizers(self, steps_per_epoch, learning_rate=None):
        """Builds fresh discriminator and generator optimizers.

        Args:
            steps_per_epoch: Positive int; the paper's momentum schedule is in
                epochs and optimizers count steps.
            learning_rate: Optional float overriding the preset's rate.

        Returns:
            A tuple `(d_optimizer, g_optimizer)`.
        """
        rate = self.learning_rate if learning_rate is None else learning_rate
        return self._make_optimizer(steps_per_epoch, rate), self._make_optimizer(
            steps_per_epoch, rate
        )

    def _make_optimizer(self, steps_per_epoch, learning_rate):
        if self.optimizer == "adam":
            return keras.optimizers.Adam(learning_rate, beta_1=self.beta_1)
        # The original: momentum 0.5 -> 0.7 from epoch 1 to 250, and the rate
        # divided by 1.000004 every step down to 1e-6.
        momentum = schedules.LinearRamp(
            self.momentum,
            self.final_momentum,
            steps_per_epoch,
            self.momentum_saturate_epoch * steps_per_epoch,
        )
        rate = schedules.ExponentialDecayWithFloor(
            learning_rate, self.decay_factor, self.min_learning_rate
        )
        return optimizers.ScheduledMomentumSGD(learning_rate=rate, momentum=momentum)


PAPER = Preset(
    name="paper",
    description="The original code's settings, exactly: SGD 0.1, momentum 0.5 -> 0.7, no remedies.",
    gan_options={},
)

STABLE = Preset(
    name="stable",
    description=(
        "Trains reliably on small data: the paper's networks with an R1 gradient "
        "penalty (10), a generator EMA (0.999) for sampling, and Adam(2e-4, 0.5)."
    ),
    gan_options={"r1_weight": 10.0, "ema_decay": 0.999},
    optimizer="adam",
    learning_rate=2e-4,
    beta_1=0.5,
)

_PRESETS = {preset.name: preset for preset in (PAPER, STABLE)}


def get(name):
    """Returns the preset called `name` (`"paper"` or `"stable"`)."""
    if name not in _PRESETS:
        raise ValueError(
            f"Unknown preset. Received: preset={name!r}. Expected one of {sorted(_PRESETS)}."
        )
    return _PRESETS[name]


def names():
    """The names of all presets."""
    return sorted(_PRESETS)
