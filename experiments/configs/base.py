"""Every experiment setting, written once: its name, its default and one line of help.

The config files of this folder start from `get_config(dataset)`, which holds
the settings that apply to that kind of data with the paper's values
(Goodfellow et al., 2014), and change a few of them. A launcher loads one
(`--config=experiments/configs/mnist_stable.py`), applies the command line's
`--config.NAME=VALUE` overrides, lists the result with this help under
`--help`, and writes it to the run's `config.py`.

Values are checked where they are used: the library checks what it receives
(`keras_gan.GAN`, `keras_gan.data.training_pipeline`,
`keras_gan.optimizer_factory.make_optimizer`, ...), and
`experiments.train.check_settings` the settings only the experiments read.
"""

import ml_collections
from ml_collections import config_dict


class Unset:
    """The default of a setting that is None until given a value of `type`."""

    def __init__(self, type_):
        self.type = type_


# name: (default, help). Every experiment has these.
COMMON = {
    "dataset": ("mnist", "Training data: 'mnist', 'cifar10' or 'tfd' (keras_gan.data), 'toy' or 'image_folder'."),
    "seed": (0, "Random seed: the same seed and settings give the same run."),
    # The game: keras_gan.GAN.
    "latent_prior": ("uniform", "Noise prior: 'uniform', 'gaussian' or 'spherical'."),
    "latent_dim": (100, "Size of the noise vector z."),
    "discriminator_steps": (1, "Discriminator updates per training step (the paper's k)."),
    "loss": ("non_saturating", "The game (keras_gan.losses): 'non_saturating' (the paper's practice), 'minimax', 'hinge', 'least_squares' or 'wasserstein'."),
    "r1_weight": (0.0, "Weight of the R1 gradient penalty on real data, keras_gan.losses.R1 (0: off, as in the paper)."),
    "gradient_penalty": (0.0, "Weight of the WGAN-GP gradient penalty, keras_gan.losses.GradientPenalty (0: off); not with r1_weight."),
    "ema_decay": (0.0, "Decay of the generator's weight EMA that samples are drawn from (0: off, as in the paper)."),
    "real_label": (1.0, "Discriminator target for real data (below 1: one-sided label smoothing)."),
    "instance_noise": (0.0, "Std of the noise added to the discriminator's inputs."),
    "conditional": (False, "Train p(x | c), the paper's conditional model: the data's classes (a toy mode is a class) enter G and D."),
    "conditioning": ("projection", "How a conditional D takes the class: 'projection' (Miyato and Koyama, 2018) or 'concat' (one-hot with its input)."),
    # Optimization: keras_gan.optimizer_factory.make_optimizer, both players alike.
    "epochs": (10, "Training epochs."),
    "batch_size": (100, "Minibatch size m (the paper's: 100)."),
    "optimizer": ("sgd", "'sgd' (the paper's, with the schedules below) or 'adam'."),
    "learning_rate": (0.1, "Initial learning rate."),
    "beta_1": (0.5, "Adam's beta_1."),
    "momentum": (0.5, "SGD's momentum during the first epoch."),
    "final_momentum": (0.7, "SGD's momentum from momentum_saturate_epoch on (a linear ramp in between)."),
    "momentum_saturate_epoch": (250, "Epoch where SGD's momentum ramp ends."),
    "decay_factor": (1.000004, "SGD's learning rate is divided by this every step, down to min_learning_rate."),
    "min_learning_rate": (1e-6, "Floor of SGD's decaying learning rate."),
    # Execution.
    "deterministic": (False, "TensorFlow op determinism: bitwise repeatable runs, slower."),
    "strategy": ("default", "tf.distribute strategy: 'default', 'mirrored' or 'multi_worker'."),
    "logical_cpus": (1, "Testing aid: split the CPU into N logical devices (N replicas under 'mirrored')."),
    "jit_compile": ("auto", "XLA: 'auto' (off on CPU), 'true' or 'false'."),
    "steps_per_execution": (Unset(int), "Steps per tf.function call (None: 10 on one device, 1 under a strategy)."),
    "verbose": (1, "Keras verbosity: 0 silent, 1 progress bar, 2 one line per epoch."),
}
# Images: a dataset of keras_gan.data or a folder of images.
IMAGES = {
    "architecture": ("paper", "Networks: the paper's ('paper'), DCGAN-style convolutions ('dcgan') or a 64-unit MLP pair for quick tests ('mlp_small')."),
    "discriminator_architecture": (Unset(str), "The discriminator's network when it differs from the generator's, one of architecture's names (None: architecture's)."),
    "grid_every": (1, "Sample grid every N epochs."),
}
# A dataset of keras_gan.data (MNIST, CIFAR-10, TFD), read from --data_dir or tensorflow_datasets.
REGISTERED = {
    "train_range": (Unset(str), "Index range 'start:stop' of the training images (None: the train split)."),
    "valid_range": (Unset(str), "Index range of the images that select Parzen's sigma (None: the validation split)."),
    "test_range": (Unset(str), "Index range of the scored images (None: the test split, or valid_range's if set)."),
    "preprocessing": ("gcn", "Where the paper normalised contrast (CIFAR-10): 'gcn' as it did, or 'scale' to [-1, 1]."),
    "parzen_every": (5, "Parzen estimate every N epochs (0: only at the end)."),
    "parzen_samples": (10000, "Generator samples in the Parzen window."),
    "feature_every": (5, "MNIST: FD, KID, precision/recall, density/coverage in the digit classifier's features every N epochs (0: only at the end)."),
    "feature_samples": (10000, "MNIST: generator samples for the feature metrics, more than the 128 features (0: no feature metrics)."),
}
# A folder of images, read from --data_dir by keras_gan.data.image_folder.
IMAGE_FOLDER = {
    "image_size": ((28, 28), "(height, width) the images are resized to."),
    "color_mode": ("grayscale", "'grayscale' or 'rgb'."),
}
# A toy distribution of keras_gan.toy.
TOY = {
    "problem": ("ring", "Toy distribution: 'ring' (8 Gaussians), 'grid' (5x5), 'gaussian_1d' (the paper's Figure 1)."),
    "num_examples": (50000, "Training examples drawn from the distribution."),
}
HELP = {name: help for group in (COMMON, IMAGES, REGISTERED, IMAGE_FOLDER, TOY) for name, (_, help) in group.items()}


def kind(dataset):
    """`"toy"`, `"image_folder"` or `"registered"` (a dataset of keras_gan.data)."""
    return dataset if dataset in ("toy", "image_folder") else "registered"


def get_config(dataset="mnist"):
    """The settings that apply to `dataset`, with the paper's values.

    Args:
        dataset: A name of `keras_gan.data.DATASETS`, `"toy"` or `"image_folder"`.

    Returns:
        A `ml_collections.ConfigDict`.
    """
    groups = {"toy": (TOY,), "image_folder": (IMAGES, IMAGE_FOLDER), "registered": (IMAGES, REGISTERED)}
    config = ml_collections.ConfigDict()
    for group in (COMMON, *groups[kind(dataset)]):
        for name, (default, _) in group.items():
            config[name] = config_dict.placeholder(default.type) if isinstance(default, Unset) else default
    config.dataset = dataset
    return config


def stable(config):
    """The `stable` recipe over `config`: R1 10, a generator EMA of 0.999, Adam(2e-4, 0.5).

    With the paper's networks on 7,000 MNIST digits the paper's recipe lets the
    discriminator win within a few hundred steps and the samples collapse;
    R1 bounds the discriminator's gradients on real data, and the EMA
    generator averages out the oscillation of the game.
    """
    config.r1_weight = 10.0
    config.ema_decay = 0.999
    config.optimizer = "adam"
    config.learning_rate = 2e-4
    config.beta_1 = 0.5
    return config


def from_values(values):
    """A config holding `values` (a run's `config.py` calls it): `get_config` with them set.

    Args:
        values: dict from setting name to value, with `"dataset"`.
    """
    config = get_config(values["dataset"])
    config.update(values)
    return config
