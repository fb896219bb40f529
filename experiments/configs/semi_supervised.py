"""Semi-supervised MNIST on the offline protocol: five classifiers from a few labels (issue #17).

Digits [0:7000] are the unlabelled data; `labels_per_class` of each digit,
drawn from them with each seed, are the labelled subset; [7000:8000] select
each classifier's weights (its best validation accuracy) and, with no other
digits here, are also scored (`test_range`). The methods
(`experiments.semi_supervised`):

- `scratch`: the discriminator's network with a 10-way head, trained from
  scratch on the labelled subset alone (the baseline);
- `discriminator_frozen`, `discriminator_fine_tuned`: the trained GAN's D
  under a new head (`classifier_from_discriminator`), its layers frozen or
  trained too (the paper's extension 4);
- `encoder`: an inference net E ~ p(z | x) trained on fresh pairs (G(z), z),
  with a head on z (`classifier_from_encoder`, extension 3);
- `k_plus_one`: the K+1-class GAN of Salimans et al. (2016), trained on the
  unlabelled and labelled digits together (`SemiSupervisedGAN`).

The GAN of the discriminator and encoder methods is `gan_run`, a finished
`python -m experiments.mnist` run, or else the `gan` settings below (the
`stable` recipe of `mnist_stable.py` on `mnist_offline.py`'s 100 epochs),
trained once into `OUTPUT_DIR/gan` and shared by every seed.

    python -m experiments.semi_supervised --data_dir=../shared/data/mnist-8k \\
        --output_dir=runs/semi-supervised --config.gan_run=runs/mnist-offline
"""

from ml_collections import config_dict

from experiments.configs import base
from experiments.configs import mnist_offline

METHODS = ("scratch", "discriminator_frozen", "discriminator_fine_tuned", "encoder", "k_plus_one")
# The methods that need a trained GAN (scratch needs only its discriminator's architecture).
GAN_METHODS = ("discriminator_frozen", "discriminator_fine_tuned", "encoder")
# The methods that train a head alone, on frozen features (at `head_learning_rate`).
FROZEN_METHODS = ("discriminator_frozen", "encoder")

# name: (default, help), in the order `--help` lists them.
SETTINGS = {
    "labels_per_class": (10, "Labelled digits of each class, drawn from train_range with each seed (10: 100 labels)."),
    "seeds": ((0, 1, 2), "Seeds: each draws a labelled subset and trains every method once; the metrics give mean and std over them."),
    "methods": (METHODS, f"Methods to compare, of {', '.join(METHODS)}."),
    "train_range": ("0:7000", "Index range of the unlabelled digits (the GAN's training data); the labelled ones are among them."),
    "valid_range": ("7000:8000", "Index range of the digits that select each classifier's weights (its best validation accuracy)."),
    "test_range": (base.Unset(str), "Index range of the scored digits (None: valid_range's; the offline protocol has no others)."),
    "gan_run": (base.Unset(str), "Output directory of a finished `python -m experiments.mnist` run to take G and D from (None: train `gan` once into OUTPUT_DIR/gan)."),
    "classifier_steps": (2000, "Training steps of the scratch, discriminator_* and encoder classifiers."),
    "classifier_batch_size": (100, "Labelled examples per classifier step (at most the labelled subset)."),
    "classifier_learning_rate": (1e-3, "Adam's learning rate for the classifiers trained whole: scratch and discriminator_fine_tuned."),
    "head_learning_rate": (1e-2, "Adam's learning rate for a head alone, on frozen features: discriminator_frozen and encoder."),
    "select_every": (100, "Classifier steps between validation accuracies (a divisor of classifier_steps); the best is scored."),
    "encoder_steps": (5000, "Steps of the inference net E ~ p(z | x), on fresh pairs (G(z), z); trained once per GAN."),
    "encoder_batch_size": (100, "Pairs (G(z), z) per encoder step."),
    "encoder_learning_rate": (1e-3, "Adam's learning rate for the encoder."),
    "k_plus_one_epochs": (100, "Epochs of the K+1 GAN over train_range (70 steps each for 7,000 digits); validated after each."),
    "k_plus_one_batch_size": (100, "Unlabelled and labelled digits per K+1 update (m and m_l, the original's 100 and 100)."),
    "k_plus_one_learning_rate": (3e-3, "Initial learning rate of the K+1 GAN's Adam (beta_1 0.5), D and G."),
    "k_plus_one_decay_fraction": (0.8, "The K+1 learning rates fall linearly to 0 over this last fraction of training (constant rates collapsed)."),
    "k_plus_one_ema_decay": (0.999, "Decay of the moving average of the K+1 discriminator that classifies (classifier_ema_decay)."),
    "verbose": (2, "Keras verbosity of every fit: 0 silent, 1 progress bar, 2 one line per epoch."),
    "gan": (None, "The GAN trained when gan_run is None: the settings of experiments/configs/mnist_stable.py."),
}
HELP = {name: help for name, (_, help) in SETTINGS.items()}
# The GAN's settings that follow this config's own (references: an override of one moves both).
LINKED = ("train_range", "valid_range", "test_range", "verbose")


def get_config():
    config = config_dict.ConfigDict()
    for name, (default, _) in SETTINGS.items():
        if name == "gan":
            continue
        config[name] = config_dict.placeholder(default.type) if isinstance(default, base.Unset) else default
    gan = mnist_offline.get_config("stable")
    # Evaluated once at the end: the periodic estimates would only cost time here.
    gan.parzen_every = 0
    gan.feature_every = 0
    config.gan = gan
    for name in LINKED:
        config.gan[name] = config.get_ref(name)
    return config


def from_values(values):
    """A config holding `values` (a run's `config.py` calls it): `get_config` with them set.

    The GAN's linked settings keep following the top-level ones.

    Args:
        values: dict from setting name to value, with `"gan"` a dict of the
            GAN's settings.
    """
    config = get_config()
    values = dict(values)
    gan = values.pop("gan", {})
    config.update(values)
    config.gan.update({name: value for name, value in gan.items() if name not in LINKED})
    return config
