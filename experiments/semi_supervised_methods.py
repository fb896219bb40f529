"""The methods `experiments.semi_supervised` compares: each trains a classifier on a few labels.

`train_method(method, ...)` trains one of `METHODS` for one seed on the
labelled subset and selects its weights on the validation digits
(`SelectOnValidation`):

- `scratch`: the GAN's discriminator network, freshly initialised, under a
  10-way head, all of it trained (`classifier_from_discriminator`);
- `discriminator_frozen` / `discriminator_fine_tuned`: the trained D's hidden
  layers under a new head, frozen or trained too;
- `encoder`: a head on z = E(x), E an inference net trained on fresh pairs
  (G(z), z) by `train_encoder`, frozen (`classifier_from_encoder`);
- `k_plus_one`: the K+1-class GAN of Salimans et al. (2016), its moving
  average the classifier, its learning rates decaying linearly to 0
  (`k_plus_one_schedule`).

Every head reads its features standardized on the unlabelled digits
(`standardize_with`). The classifiers are trained with Adam on the cross-entropy, at
`head_learning_rate` when only the head trains and `classifier_learning_rate`
otherwise; accuracies are the argmax's, with noise and dropout off
(`accuracy`).
"""

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf

import keras_gan
from experiments import sources
from experiments import train
from experiments.configs import semi_supervised as semi_supervised_config
from keras_gan import semi_supervised as ss
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard

METHODS = semi_supervised_config.METHODS
NUM_CLASSES = 10
# Samples of the generator that set the encoder's input standardization and measure its R^2.
_ENCODER_SAMPLES = 10000
# Training examples that initialise the K+1 discriminator's weight-normalised
# layers (the original code's 500).
_INIT_EXAMPLES = 500


@dataclasses.dataclass
class Digits:
    """The run's digits, float32 `[n, 28, 28, 1]` in [0, 1], and their int64 labels `[n]`."""

    train_images: np.ndarray
    train_labels: np.ndarray
    valid_images: np.ndarray
    valid_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def train_encoder(generator, config, seed, history):
    """Trains E ~ p(z | x) for `generator` on fresh pairs (G(z), z) (`keras_gan.inference.InferenceNet`).

    E is `keras_gan.inference.mnist_encoder`, its input standardized by the
    generator's per-pixel mean and variance; Adam at `encoder_learning_rate`
    for `encoder_steps` of `encoder_batch_size` pairs.

    Args:
        generator: The GAN's sampling generator, a `keras_gan.Generator`.
        config: The run's config.
        seed: Int, the seed of E's weights and of the pairs.
        history: Path of the CSV log.

    Returns:
        `(encoder, r2)`: E, and the share of z's variance it recovers on
        fresh samples.
    """
    keras.utils.set_random_seed(seed)
    samples = generator.generate(_ENCODER_SAMPLES, seed=seed)
    encoder = keras_gan.inference.mnist_encoder(
        latent_dim=generator.latent_dim,
        image_shape=samples.shape[1:],
        input_mean=samples.mean(axis=0),
        input_variance=samples.var(axis=0),
        seed=seed,
    )
    net = keras_gan.inference.InferenceNet(generator, encoder, seed=seed)
    net.compile(
        keras.optimizers.Adam(config.encoder_learning_rate),
        steps_per_execution=math.gcd(config.encoder_steps, train.STEPS_PER_EXECUTION_ONE_DEVICE),
    )
    net.fit(
        batch_size=config.encoder_batch_size,
        steps_per_epoch=config.encoder_steps,
        epochs=1,
        callbacks=[NonFiniteGuard(), keras.callbacks.CSVLogger(history)],
        verbose=config.verbose,
    )
    return encoder, float(net.r_squared(_ENCODER_SAMPLES, seed=seed + 1))


def train_method(method, config, data, labeled, seed, history, gan=None, encoder=None, network_config=None):
    """Trains `method` on the labelled digits `labeled` for `seed`; its weights selected on validation.

    Args:
        method: A name of `METHODS`.
        config: The run's config.
        data: The run's `Digits`.
        labeled: Indices of the labelled digits in `data.train_images`.
        seed: Int, the seed of the weights, the order and the noise.
        history: Path of the CSV log (with `valid_accuracy` per selection point).
        gan: The trained `keras_gan.GAN`, for the discriminator methods.
        encoder: The trained encoder E, for `encoder`.
        network_config: The GAN's config, whose discriminator network `scratch` builds.

    Returns:
        `(classifier, selection)`: the classifier, from images to class
        probabilities, with the selected weights, and its `SelectOnValidation`.
    """
    keras.utils.set_random_seed(seed)
    labeled_x, labeled_y = data.train_images[labeled], data.train_labels[labeled]
    if method == "k_plus_one":
        return _train_k_plus_one(config, data, labeled_x, labeled_y, seed, history)
    classifier = _head_classifier(method, data, seed, gan, encoder, network_config)
    frozen = method in semi_supervised_config.FROZEN_METHODS
    learning_rate = config.head_learning_rate if frozen else config.classifier_learning_rate
    return classifier, _train_classifier(classifier, config, learning_rate, data, labeled_x, labeled_y, seed, history)


def _head_classifier(method, data, seed, gan, encoder, network_config):
    """The 10-way classifier of a head method, untrained head on its features."""
    if method == "scratch":
        # The GAN's discriminator network, freshly initialised from this seed.
        network_config = network_config.copy_and_resolve_references()
        network_config.seed = seed
        _, discriminator = sources.image_networks(
            network_config,
            data.train_images.shape[1:],
            keras_gan.data.pixel_mean(data.train_images),
            "sigmoid",
            sources.PAPER_NETWORKS["mnist"],
        )
        return ss.classifier_from_discriminator(
            discriminator, NUM_CLASSES, fine_tune=True, standardize_with=data.train_images, seed=seed
        )
    if method == "encoder":
        return ss.classifier_from_encoder(encoder, NUM_CLASSES, standardize_with=data.train_images, seed=seed)
    fine_tune = method == "discriminator_fine_tuned"
    return ss.classifier_from_discriminator(
        gan.discriminator, NUM_CLASSES, fine_tune=fine_tune, standardize_with=data.train_images, seed=seed
    )


def _train_classifier(classifier, config, learning_rate, data, labeled_x, labeled_y, seed, history):
    """Adam on the labelled subset for `classifier_steps`, validated every `select_every` steps."""
    batch_size = min(config.classifier_batch_size, len(labeled_x))
    batches = (
        tf.data.Dataset.from_tensor_slices((labeled_x, labeled_y))
        .shuffle(len(labeled_x), seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=True)
    )
    classifier.compile(
        keras.optimizers.Adam(learning_rate),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=math.gcd(config.select_every, train.STEPS_PER_EXECUTION_ONE_DEVICE),
    )
    selection = SelectOnValidation(classifier, data.valid_images, data.valid_labels)
    classifier.fit(
        batches,
        epochs=config.classifier_steps // config.select_every,
        steps_per_epoch=config.select_every,
        callbacks=[NonFiniteGuard(), selection, keras.callbacks.CSVLogger(history)],
        verbose=config.verbose,
        shuffle=False,  # The dataset shuffles, with the seed.
    )
    return selection


def _train_k_plus_one(config, data, labeled_x, labeled_y, seed, history):
    """The K+1 GAN of Salimans et al. (2016) with linearly decaying rates; returns its classifier."""
    generator = ss.salimans_mnist_generator(seed=seed)
    discriminator = ss.salimans_mnist_discriminator(NUM_CLASSES, seed=seed + 1000)
    ss.data_dependent_init(discriminator, data.train_images[:_INIT_EXAMPLES])
    gan = ss.SemiSupervisedGAN(generator, discriminator, classifier_ema_decay=config.k_plus_one_ema_decay, seed=seed)
    steps_per_epoch = len(data.train_images) // config.k_plus_one_batch_size
    gan.compile(
        d_optimizer=keras.optimizers.Adam(k_plus_one_schedule(config, steps_per_epoch), beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(k_plus_one_schedule(config, steps_per_epoch), beta_1=0.5),
        steps_per_execution=math.gcd(steps_per_epoch, train.STEPS_PER_EXECUTION_ONE_DEVICE),
    )
    batches = ss.semi_supervised_pipeline(
        data.train_images, labeled_x, labeled_y, batch_size=config.k_plus_one_batch_size,
        num_classes=NUM_CLASSES, seed=seed,
    )
    selection = SelectOnValidation(gan.classifier, data.valid_images, data.valid_labels)
    gan.fit(
        batches,
        epochs=config.k_plus_one_epochs,
        callbacks=[NonFiniteGuard(), selection, keras.callbacks.CSVLogger(history)],
        verbose=config.verbose,
        shuffle=False,  # semi_supervised_pipeline shuffles, with the seed.
    )
    return gan.classifier, selection


def k_plus_one_schedule(config, steps_per_epoch):
    """The K+1 learning rate: constant, then linearly to 0 over the last `k_plus_one_decay_fraction`.

    One update of D or G per step (k = 1), so both optimizers count the
    same steps. Constant rates collapsed in the measurements of issue #17.

    Returns:
        A `keras_gan.schedules.LinearRamp`, or the constant rate when the
        fraction is 0.
    """
    total = config.k_plus_one_epochs * steps_per_epoch
    start = int(round(total * (1.0 - config.k_plus_one_decay_fraction)))
    if start >= total:
        return config.k_plus_one_learning_rate
    return keras_gan.schedules.LinearRamp(config.k_plus_one_learning_rate, 0.0, start, total)


class SelectOnValidation(keras.callbacks.Callback):
    """Model selection: after each epoch, the classifier's validation accuracy; the best weights at the end.

    The accuracy is added to the epoch's logs as `valid_accuracy` (a
    `CSVLogger` after it records it). Ties keep the earlier weights.

    Args:
        classifier: The `keras.Model` from images to class scores whose
            weights are selected (for the K+1 GAN, `gan.classifier`).
        images: The validation images.
        labels: Their labels.
    """

    def __init__(self, classifier, images, labels):
        super().__init__()
        self.classifier = classifier
        self.images, self.labels = images, labels
        self.best_accuracy, self.best_epoch, self.best_weights = -1.0, -1, None

    def on_epoch_end(self, epoch, logs=None):
        current = accuracy(self.classifier, self.images, self.labels)
        if logs is not None:
            logs["valid_accuracy"] = current
        if current > self.best_accuracy:
            self.best_accuracy, self.best_epoch = current, epoch
            self.best_weights = self.classifier.get_weights()

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.classifier.set_weights(self.best_weights)


def accuracy(classifier, images, labels, batch_size=1000):
    """The share of `images` whose highest-scoring class is their label, without noise or dropout.

    Calls the model in batches instead of `predict`, which would trace a
    function for every new classifier and every selection point.
    """
    predicted = [
        np.argmax(keras.ops.convert_to_numpy(classifier(images[start : start + batch_size], training=False)), -1)
        for start in range(0, len(images), batch_size)
    ]
    return float(np.mean(np.concatenate(predicted) == labels))
