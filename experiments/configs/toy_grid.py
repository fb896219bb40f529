"""The 5x5 grid of Gaussians, scored by mode coverage, with the ring's settings."""

from experiments.configs import toy_ring


def get_config():
    config = toy_ring.get_config()
    config.problem = "grid"
    return config
