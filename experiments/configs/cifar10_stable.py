"""CIFAR-10 with the paper's networks and the `stable` recipe (R1 10, EMA 0.999, Adam 2e-4, m = 100).

The default of `python -m experiments.cifar10`.
"""

from experiments.configs import base


def get_config():
    return base.stable(base.get_config("cifar10"))
