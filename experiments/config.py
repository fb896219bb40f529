"""`TrainConfig`: everything one experiment run needs, independent of absl."""

import dataclasses
from typing import Optional


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """The settings of one run. Launchers build it from flags; tests directly.

    `None` in a preset-controlled field means "the preset's value".
    """

    dataset: str = "mnist"
    output_dir: str = "runs/mnist"
    data_dir: Optional[str] = None
    train_range: Optional[str] = None
    valid_range: Optional[str] = None
    test_range: Optional[str] = None
    problem: Optional[str] = None  # toy problems only
    num_examples: int = 50000  # toy problems only
    preset: str = "stable"
    architecture: str = "paper"
    epochs: int = 10
    batch_size: Optional[int] = None
    discriminator_steps: int = 1
    generator_loss: Optional[str] = None
    latent_prior: str = "uniform"
    latent_dim: int = 100
    optimizer: Optional[str] = None
    learning_rate: Optional[float] = None
    beta_1: Optional[float] = None
    momentum: Optional[float] = None
    final_momentum: Optional[float] = None
    momentum_saturate_epoch: Optional[int] = None
    decay_factor: Optional[float] = None
    min_learning_rate: Optional[float] = None
    r1_weight: Optional[float] = None
    ema_decay: Optional[float] = None
    real_label: Optional[float] = None
    instance_noise: Optional[float] = None
    seed: int = 0
    deterministic: bool = False
    strategy: str = "default"
    jit_compile: str = "auto"
    steps_per_execution: int = 1
    parzen_every: int = 5
    parzen_samples: int = 10000
    grid_every: int = 1
    preprocessing: str = "gcn"  # cifar10 only
    verbose: int = 1

    def resolved_preset(self):
        """The preset with this config's explicit settings applied over it."""
        from keras_gan import presets

        preset = presets.get(self.preset)
        fields = (
            "batch_size",
            "generator_loss",
            "optimizer",
            "learning_rate",
            "beta_1",
            "momentum",
            "final_momentum",
            "momentum_saturate_epoch",
            "decay_factor",
            "min_learning_rate",
        )
        overrides = {f: getattr(self, f) for f in fields if getattr(self, f) is not None}
        gan_options = dict(preset.gan_options)
        for option in ("r1_weight", "ema_decay", "real_label", "instance_noise"):
            if getattr(self, option) is not None:
                gan_options[option] = getattr(self, option)
        return dataclasses.replace(preset, gan_options=gan_options, **overrides)
