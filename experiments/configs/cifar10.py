"""CIFAR-10 with the paper's settings: its networks, global contrast normalisation, m = 128, SGD 0.004."""

from experiments.configs import base


def get_config():
    config = base.get_config("cifar10")
    # The original CIFAR-10 settings (REFERENCE.md section 3).
    config.batch_size = 128
    config.learning_rate = 0.004
    return config
