"""keras_gan: Generative Adversarial Nets (Goodfellow et al., 2014) in Keras."""

from keras_gan import callbacks
from keras_gan import checkpoints
from keras_gan import data
from keras_gan import distribute
from keras_gan import figures
from keras_gan import images
from keras_gan import inference
from keras_gan import layers
from keras_gan import losses
from keras_gan import metrics
from keras_gan import models
from keras_gan import optimizer_factory
from keras_gan import optimizers
from keras_gan import priors
from keras_gan import sample_grids
from keras_gan import schedules
from keras_gan import semi_supervised
from keras_gan import toy
from keras_gan.bigan import BiGAN
from keras_gan.gan import GAN
from keras_gan.generator import Generator

__version__ = "0.1.0"
