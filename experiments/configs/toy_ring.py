"""The 8-Gaussian ring, the standard mode-collapse benchmark, scored by mode coverage.

Settings that train the toy problems in about two minutes on two CPU cores;
`toy_grid.py` and `toy_gaussian_1d.py` start from them. The default of
`python -m experiments.toy`.
"""

from experiments.configs import base


def get_config():
    config = base.get_config("toy")
    config.problem = "ring"
    config.latent_prior = "gaussian"
    config.latent_dim = 16
    config.epochs = 40
    config.batch_size = 256
    config.optimizer = "adam"
    config.learning_rate = 1e-3
    config.beta_1 = 0.5
    config.r1_weight = 0.1
    config.ema_decay = 0.999
    return config
