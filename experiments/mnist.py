r"""Trains a GAN on MNIST (the paper's section 5).

Offline, on the IDX files shipped with this machine's shared data:

    python -m experiments.mnist --data_dir=../shared/data/mnist-8k \
        --config.train_range=0:7000 --config.valid_range=7000:8000 --output_dir=runs/mnist

The default config is experiments/configs/mnist_stable.py; the paper's
settings are --config=experiments/configs/mnist.py.
"""

from experiments import launch

if __name__ == "__main__":
    launch.run("mnist_stable.py")
