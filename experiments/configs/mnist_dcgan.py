"""MNIST's best model here: a DCGAN-style generator against the paper's maxout discriminator, on the offline protocol.

The generator has two stride-2 transposed convolutions with batch norm
(`keras_gan.models.dcgan_generator`, Radford et al., 2016); the
discriminator is the paper's (`mnist_discriminator`: maxout and dropout),
with the `stable` recipe's R1 10, generator EMA 0.999 and Adam(2e-4, 0.5).
Against DCGAN's own convolutional discriminator
(`--config.discriminator_architecture=dcgan --config.r1_weight=1`) the
samples cover as much of the digits but far fewer are well formed
(BENCHMARKS.md). 180 epochs of digits [0:7000] took 23 minutes on 2
CPU cores; `python -m benchmarks.mnist_models` compares it with the paper's
and the `stable` MLPs.
"""

from experiments.configs import mnist_offline


def get_config():
    # mnist_offline's default recipe is `stable`.
    config = mnist_offline.get_config()
    config.architecture = "dcgan"
    config.discriminator_architecture = "paper"
    config.epochs = 180
    return config
