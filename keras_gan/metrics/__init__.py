"""Every metric of the package, one module each, and the registry that runs them.

Metrics of generated samples: `parzen` (the paper's Parzen window
log-likelihood, `ParzenWindow` and `parzen.evaluate`), `mode_coverage` and
`ks_distance` (against a `keras_gan.toy` distribution), `sample_moments`,
and `nearest_neighbours` (the training example nearest each sample, for
the paper's Figure 2). Of a conditional generator: `class_accuracy` (how
often a classifier finds the class that was asked for). Metrics of features `[n, d]`: `frechet_distance`,
`kernel_distance` (KID), `precision_recall`, `density_coverage` (and
`neighbourhood_metrics`, the last two at once), with features from
`extract_features` and a feature model: `digit_features()` (the digit
classifier shipped with the package) for MNIST, `inception_features()` for
other images.

Each metric registers itself with `registry` under a name (`metric_names()`);
`evaluate_samples(samples, metrics, reference=..., validation=...,
distribution=..., ...)` runs the requested ones and returns the flat dict a
run writes to `metrics.json`, and the callbacks `SampleMetrics`,
`FeatureMetrics` and `ParzenEstimate` run them during `fit`. A new metric
is a module that registers itself, and one import line below.
"""

from keras_gan.metrics import registry

# The metrics register themselves on import, in this order: the order of their log keys.
from keras_gan.metrics import parzen
from keras_gan.metrics.mode_coverage import mode_coverage
from keras_gan.metrics.ks_distance import ks_distance
from keras_gan.metrics import sample_moments
from keras_gan.metrics.frechet_distance import frechet_distance
from keras_gan.metrics.kernel_distance import kernel_distance
from keras_gan.metrics.precision_recall import precision_recall
from keras_gan.metrics.density_coverage import density_coverage

from keras_gan.metrics.class_accuracy import class_accuracy
from keras_gan.metrics.density_coverage import DensityCoverage
from keras_gan.metrics.digit_classifier import build_digit_classifier
from keras_gan.metrics.digit_classifier import digit_classifier
from keras_gan.metrics.digit_classifier import digit_features
from keras_gan.metrics.feature_extraction import extract_features
from keras_gan.metrics.frechet_distance import frechet_distance_from_moments
from keras_gan.metrics.inception_features import inception_features
from keras_gan.metrics.kernel_distance import KernelDistance
from keras_gan.metrics.mode_coverage import ModeCoverage
from keras_gan.metrics.nearest_neighbours import nearest_neighbours
from keras_gan.metrics.neighbourhoods import NeighbourhoodMetrics
from keras_gan.metrics.neighbourhoods import kth_neighbour_distances
from keras_gan.metrics.neighbourhoods import neighbourhood_metrics
from keras_gan.metrics.parzen import ParzenResult
from keras_gan.metrics.parzen import ParzenWindow
from keras_gan.metrics.precision_recall import PrecisionRecall
from keras_gan.metrics.registry import Evaluation
from keras_gan.metrics.registry import check_options
from keras_gan.metrics.registry import compute_feature_metrics
from keras_gan.metrics.registry import evaluate_samples
from keras_gan.metrics.registry import feature_metric_names
from keras_gan.metrics.registry import metric_names
from keras_gan.metrics.registry import register
