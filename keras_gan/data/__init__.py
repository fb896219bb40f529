"""Image datasets for GAN training as `tf.data` pipelines.

`load` reads a registered dataset (MNIST, CIFAR-10, TFD; see
`dataset_spec`) from its local files or through `tensorflow_datasets`, with
the original code's splits, and with `with_labels=True` its labels for a
conditional GAN; `image_folder` reads a folder of your own images (a class
per subfolder); `training_pipeline` batches k * m real examples (and their
labels) per training step of Algorithm 1.

Modules: `registry` (the datasets), `loading` (`load`), `splits`, the local
formats `idx`, `cifar10_binary` and `tfd`, `tfds_source`, `image_folders`,
`preprocessing` and `pipeline`.
"""

from keras_gan.data.errors import DatasetUnavailableError
from keras_gan.data.idx import read_idx
from keras_gan.data.image_folders import image_folder
from keras_gan.data.loading import load
from keras_gan.data.loading import load_array
from keras_gan.data.pipeline import training_pipeline
from keras_gan.data.preprocessing import global_contrast_normalize
from keras_gan.data.preprocessing import pixel_mean
from keras_gan.data.registry import DATASETS
from keras_gan.data.registry import DatasetSpec
from keras_gan.data.registry import dataset_spec
from keras_gan.data.splits import SPLITS
