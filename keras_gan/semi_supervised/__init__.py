"""Semi-supervised learning from the adversarial game (the paper's section 7, extensions 3 and 4).

Two ways to turn a GAN into a classifier trained on few labels:

- Reuse a trained network's features: `classifier_from_discriminator` puts a
  new K-way head on a copy of D's hidden layers (extension 4),
  `classifier_from_encoder` on an inference net E ~ p(z | x) (extension 3);
  `feature_classifier` is the mechanism behind both.
- Train the discriminator as a classifier from the start: the K+1-class GAN
  of Salimans et al. (2016), `SemiSupervisedGAN` with its game
  `KPlusOneGame`, on batches from `semi_supervised_pipeline`, with the
  paper's MNIST networks `salimans_mnist_discriminator` and
  `salimans_mnist_generator` (weight-normalised: `WeightNormDense`, initialised from data by
  `data_dependent_init`).

`balanced_subset` draws the labelled examples, as many per class.

Modules: `classifiers`, `k_plus_one_game`, `semi_supervised_gan`,
`pipeline`, `balanced_subset`, `salimans_networks`, `weight_norm_dense`.
"""

from keras_gan.semi_supervised.balanced_subset import balanced_subset
from keras_gan.semi_supervised.classifiers import classifier_from_discriminator
from keras_gan.semi_supervised.classifiers import classifier_from_encoder
from keras_gan.semi_supervised.classifiers import feature_classifier
from keras_gan.semi_supervised.k_plus_one_game import KPlusOneGame
from keras_gan.semi_supervised.pipeline import semi_supervised_pipeline
from keras_gan.semi_supervised.salimans_networks import salimans_mnist_discriminator
from keras_gan.semi_supervised.salimans_networks import salimans_mnist_generator
from keras_gan.semi_supervised.semi_supervised_gan import SemiSupervisedGAN
from keras_gan.semi_supervised.weight_norm_dense import WeightNormDense
from keras_gan.semi_supervised.weight_norm_dense import data_dependent_init
