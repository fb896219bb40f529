r"""Trains the paper's convolutional GAN on CIFAR-10 (needs its files or tensorflow_datasets).

    python -m experiments.cifar10 --data_dir=~/tensorflow_datasets --output_dir=runs/cifar10

The default config is experiments/configs/cifar10_stable.py; the paper's
settings are --config=experiments/configs/cifar10.py.
"""

from experiments import launch

if __name__ == "__main__":
    launch.run("cifar10_stable.py")
