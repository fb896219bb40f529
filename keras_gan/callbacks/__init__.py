"""Keras callbacks: figures, metrics, guards and checkpoints during `fit`."""

from keras_gan.callbacks.backup_and_restore import BackupAndRestore
from keras_gan.callbacks.data_guard import BadBatchError
from keras_gan.callbacks.data_guard import DataGuard
from keras_gan.callbacks.feature_metrics import FeatureMetrics
from keras_gan.callbacks.latent_interpolation import LatentInterpolation
from keras_gan.callbacks.model_checkpoint import ModelCheckpoint
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard
from keras_gan.callbacks.non_finite_guard import NonFiniteLossError
from keras_gan.callbacks.parzen_estimate import ParzenEstimate
from keras_gan.callbacks.sample_grid import SampleGrid
from keras_gan.callbacks.sample_metrics import SampleMetrics
