"""Keras callbacks that draw the paper's figures and estimates during `fit`."""

from keras_gan.callbacks.latent_interpolation import LatentInterpolation
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard
from keras_gan.callbacks.non_finite_guard import NonFiniteLossError
from keras_gan.callbacks.parzen_estimate import ParzenEstimate
from keras_gan.callbacks.sample_grid import SampleGrid
