"""MNIST with the paper's networks and the `stable` recipe (R1 10, EMA 0.999, Adam 2e-4).

The default of `python -m experiments.mnist`.
"""

from experiments.configs import base
from experiments.configs import mnist


def get_config():
    return base.stable(mnist.get_config())
