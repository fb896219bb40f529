"""MNIST with the paper's settings: its networks, SGD 0.1 with the original schedules, no remedies.

On 7,000 digits the discriminator wins within a few hundred steps and the
samples collapse: `mnist_stable.py` is the recipe that trains there.
"""

from experiments.configs import base


def get_config():
    return base.get_config("mnist")
