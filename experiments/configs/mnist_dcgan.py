"""MNIST's best model here: DCGAN-style convolutions with R1 and a generator EMA, on the offline protocol.

Two stride-2 (transposed) convolutions each way (`keras_gan.models.dcgan_generator`
and `dcgan_discriminator`), Adam(2e-4, 0.5) as in the DCGAN paper, R1 1 and
an EMA of 0.999 from the `stable` recipe. 80 epochs of digits [0:7000] take
about 30 minutes on 2 CPU cores; `python -m benchmarks.mnist_models` compares
it with the paper's and the `stable` MLPs.
"""

from experiments.configs import mnist_offline


def get_config():
    config = mnist_offline.get_config()
    config.architecture = "dcgan"
    # The paper's maxout D needed R1 10; a convolutional D on [0, 1] pixels
    # needs less (Mescheder et al., 2018, trained with 10 on [-1, 1] images).
    config.r1_weight = 1.0
    config.epochs = 80
    return config
