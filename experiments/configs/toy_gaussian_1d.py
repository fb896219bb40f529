"""The paper's Figure 1: N(4, 0.5^2), scored by how close D(x) is to 1/2 over the data and p_g to p_data."""

from experiments.configs import toy_ring


def get_config():
    config = toy_ring.get_config()
    config.problem = "gaussian_1d"
    return config
