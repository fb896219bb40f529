"""The offline MNIST protocol: digits [0:7000] train, [7000:8000] select sigma and are scored.

For the 8,000 digits of `../shared/data/mnist-8k` (`--data_dir`): the
`stable` recipe for 100 epochs, or the paper's with
`--config=experiments/configs/mnist_offline.py:paper`. `make mnist-offline`
runs it.
"""

from experiments.configs import mnist
from experiments.configs import mnist_stable


def get_config(recipe="stable"):
    """Args: recipe: `"stable"` (`mnist_stable.py`) or `"paper"` (`mnist.py`)."""
    recipes = {"stable": mnist_stable, "paper": mnist}
    if recipe not in recipes:
        raise ValueError(f"Unknown recipe. Received: recipe={recipe!r}. Expected one of {sorted(recipes)}.")
    config = recipes[recipe].get_config()
    config.train_range = "0:7000"
    config.valid_range = "7000:8000"
    config.epochs = 100
    config.parzen_every = 10
    config.feature_every = 10
    # As many samples as the real-data reference row (the 7,000 training
    # digits): precision and recall depend on the sample count.
    config.feature_samples = 7000
    return config
