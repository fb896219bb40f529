"""What a run trains on, and what follows from the data: networks, figures, final metrics.

One class per kind of data (`experiments.configs.base.kind`):

- `RegisteredData`: a dataset of `keras_gan.data` (MNIST, CIFAR-10, TFD) with
  the paper's splits, networks and Parzen estimate;
- `FolderData`: a folder of the user's own images (`keras_gan.data.image_folder`);
- `ToyData`: a distribution of `keras_gan.toy`, scored by mode coverage or, in
  1-D, by the paper's Figure 1.

Each has `train` (a finite `tf.data.Dataset` of single examples, or of
`(example, label)` pairs for a conditional run), `num_examples`,
`num_classes` (None unless conditional), `networks(config)`,
`callbacks(config, output_dir)` and `evaluate(config, gan, output_dir)`,
which `experiments.train` calls in that order.
"""

import os

import numpy as np

import keras_gan
from experiments import reporting
from experiments.configs import base
from keras_gan import callbacks as gan_callbacks

# Neighbour columns compare samples with this many training images at most.
_NEIGHBOUR_POOL = 10000
_TOY_EVALUATION_SAMPLES = 10000
# The toy modes' widths (0.02, 0.05) sit far below the paper's image grid [0.1, 1].
_TOY_SIGMAS = np.logspace(-3, 0, 13)


def get(config, data_dir=None):
    """The data source of `config.dataset`, loaded.

    Args:
        config: The run's config (`experiments/configs/`).
        data_dir: Optional directory of local data (`--data_dir`).
    """
    sources = {"registered": RegisteredData, "image_folder": FolderData, "toy": ToyData}
    return sources[base.kind(config.dataset)](config, data_dir)


class _Images:
    """What image data shares: the networks, sample grids and interpolations.

    Subclasses set `train`, `num_examples`, `image_shape`, `pixel_mean`,
    `neighbours`, `value_range` (None: the generator's activation tells),
    `output_activation` and `paper_networks`.
    """

    def networks(self, config):
        return image_networks(
            config, self.image_shape, self.pixel_mean, self.output_activation, self.paper_networks, self.num_classes
        )

    def callbacks(self, config, output_dir):
        return [
            gan_callbacks.SampleGrid(
                os.path.join(output_dir, "grids"),
                every_n_epochs=config.grid_every,
                training_data=self.neighbours,
                value_range=self.value_range,
                log_dir=os.path.join(output_dir, "tensorboard"),
            )
        ]

    def save_interpolation(self, config, gan, output_dir):
        keras_gan.images.save_png(
            keras_gan.sample_grids.interpolation_grid(
                gan, rows=10, steps=10, seed=config.seed, value_range=self.value_range
            ),
            os.path.join(output_dir, "interpolation.png"),
        )


class RegisteredData(_Images):
    """A dataset of `keras_gan.data`: a training dataset and the evaluation arrays."""

    def __init__(self, config, data_dir=None):
        spec = keras_gan.data.dataset_spec(config.dataset)
        # Where the paper normalised contrast (CIFAR-10), `preprocessing` decides.
        gcn = spec.paper_gcn and config.preprocessing == "gcn"
        options = {"data_dir": data_dir}
        if gcn:
            options["preprocessing"] = "gcn"
        else:
            options["value_range"] = spec.paper_value_range
        train_split = config.train_range or "train"
        self.num_classes = spec.num_classes if config.conditional else None
        self.train = keras_gan.data.load(config.dataset, train_split, with_labels=config.conditional, **options)
        self.train_array = keras_gan.data.load_array(config.dataset, train_split, **options)
        self.validation = keras_gan.data.load_array(config.dataset, config.valid_range or "validation", **options)
        # Offline, the held-out range is both the sigma-selection and test set.
        test_split = config.test_range or ("test" if config.valid_range is None else None)
        self.test = keras_gan.data.load_array(config.dataset, test_split, **options) if test_split else self.validation
        for split, array in (("training", self.train_array), ("validation", self.validation), ("test", self.test)):
            check_finite(array, f"{config.dataset} {split} data")
        self.num_examples = len(self.train_array)
        self.image_shape = spec.image_shape
        self.pixel_mean = keras_gan.data.pixel_mean(self.train_array)
        self.neighbours = self.train_array[:_NEIGHBOUR_POOL]
        # GCN pixels have no fixed range: the figures stretch each grid's.
        self.value_range = "minmax" if gcn else None
        if gcn:
            self.output_activation = "linear"
        else:
            self.output_activation = "sigmoid" if tuple(spec.paper_value_range) == (0, 1) else "tanh"
        self.paper_networks = PAPER_NETWORKS.get(spec.name)
        # Feature metrics need a feature model: the digit classifier, for MNIST.
        self.feature_metrics = config.dataset == "mnist" and config.feature_samples > 0

    def callbacks(self, config, output_dir):
        figures = super().callbacks(config, output_dir)
        if config.parzen_every:
            figures.append(
                gan_callbacks.ParzenEstimate(
                    self.validation,
                    every_n_epochs=config.parzen_every,
                    num_samples=config.parzen_samples,
                    seed=config.seed,
                )
            )
        if self.feature_metrics and config.feature_every:
            figures.append(
                gan_callbacks.FeatureMetrics(
                    self.validation,
                    every_n_epochs=config.feature_every,
                    num_samples=config.feature_samples,
                    seed=config.seed,
                )
            )
        return figures

    def evaluate(self, config, gan, output_dir):
        # A conditional GAN's samples here have uniform labels: the Parzen
        # window scores its marginal p(x), as an unconditional model's.
        samples = gan.generate(config.parzen_samples, seed=config.seed)
        evaluation = keras_gan.metrics.evaluate_samples(
            samples, ("parzen",), reference=self.test, validation=self.validation
        )
        if self.feature_metrics:
            evaluation.update(
                keras_gan.metrics.evaluate_samples(
                    gan.generate(config.feature_samples, seed=config.seed),
                    keras_gan.metrics.feature_metric_names(),
                    reference=self.test,
                    feature_model=keras_gan.metrics.digit_features(),
                    seed=config.seed,
                )
            )
            evaluation["feature_num_samples"] = int(config.feature_samples)
        if self.num_classes is not None and config.dataset == "mnist":
            classifier = keras_gan.metrics.digit_classifier()
            evaluation.update(
                keras_gan.metrics.class_accuracy(
                    gan, lambda x: classifier.predict(x, batch_size=1000, verbose=0).argmax(-1), seed=config.seed
                )
            )
        self.save_interpolation(config, gan, output_dir)
        reporting.plot_learning_curve(
            os.path.join(output_dir, "history.csv"), os.path.join(output_dir, "learning_curve.png")
        )
        return {**evaluation, "parzen_num_samples": int(config.parzen_samples)}


class FolderData(_Images):
    """A folder of images: PNG/JPEG of any size, resized, in [0, 1]."""

    def __init__(self, config, data_dir=None):
        if data_dir is None:
            raise ValueError(
                "The image_folder dataset reads the folder given by --data_dir. Received: "
                "data_dir=None. Expected --data_dir=PATH, a folder of PNG or JPEG images."
            )
        self.train = keras_gan.data.image_folder(
            data_dir, tuple(config.image_size), color_mode=config.color_mode, with_labels=config.conditional
        )
        # Subfolders are the classes of a conditional run.
        self.num_classes = len(self.train.class_names) if config.conditional else None
        images = np.stack([example[0] if config.conditional else example for example in self.train.as_numpy_iterator()])
        check_finite(images, f"image folder {data_dir}")
        self.num_examples = len(images)
        self.image_shape = images.shape[1:]
        self.pixel_mean = keras_gan.data.pixel_mean(images)
        self.neighbours = images[:_NEIGHBOUR_POOL]
        self.value_range = None
        self.output_activation = "sigmoid"
        # The paper's MNIST networks take any image shape.
        self.paper_networks = PAPER_NETWORKS["mnist"]

    def evaluate(self, config, gan, output_dir):
        self.save_interpolation(config, gan, output_dir)
        return {"num_examples": int(self.num_examples)}


class ToyData:
    """A toy distribution: examples drawn once with the run's seed."""

    def __init__(self, config, data_dir=None):
        self.distribution = keras_gan.toy.get(config.problem)
        # A conditional run's classes are the modes.
        self.train = self.distribution.dataset(config.num_examples, seed=config.seed, with_labels=config.conditional)
        self.num_examples = config.num_examples
        self.num_classes = self.distribution.num_modes if config.conditional else None

    def networks(self, config):
        # Both networks work on data centred at the origin, where their ReLU kinks
        # start (see `mlp_discriminator`): without it the 1-D generator ends 40%
        # too wide or 25% too narrow. The scales are already O(1); rescaling
        # them measured worse on the grid (68% high quality against 84%).
        distribution = self.distribution
        generator = keras_gan.models.mlp_generator(
            latent_dim=config.latent_dim,
            output_shape=(distribution.dim,),
            hidden_units=(128, 128, 128),
            output_mean=distribution.mean,
            output_variance=np.ones(distribution.dim),
            num_classes=self.num_classes,
            seed=config.seed,
        )
        discriminator = keras_gan.models.mlp_discriminator(
            input_shape=(distribution.dim,),
            hidden_units=(128, 128, 128),
            input_mean=distribution.mean,
            input_variance=np.ones(distribution.dim),
            num_classes=self.num_classes,
            conditioning=config.conditioning,
            seed=config.seed + 1000,
        )
        return generator, discriminator

    def callbacks(self, config, output_dir):
        return []

    def evaluate(self, config, gan, output_dir):
        distribution = self.distribution
        samples = gan.generate(_TOY_EVALUATION_SAMPLES, seed=config.seed)
        if config.problem == "gaussian_1d":
            path = os.path.join(output_dir, "figure1.png")
            curves = keras_gan.figures.plot_1d(gan, distribution, path, seed=config.seed)
            # The bulk of p_data: within two standard deviations of its mean.
            mean, std = float(distribution.modes[0, 0]), float(distribution.std)
            bulk = np.abs(curves.x - mean) <= 2 * std
            # D = 1/2 means little unless p_g matches p_data: report both.
            return {
                "problem": config.problem,
                "max_abs_d_minus_half_over_bulk": float(np.abs(curves.discriminator[bulk] - 0.5).max()),
                "data_mean": mean,
                "data_std": std,
                **keras_gan.metrics.evaluate_samples(
                    samples, ("sample_moments", "ks_distance"), distribution=distribution
                ),
                "figure": path,
            }
        # Held-out draws: 1,000 select sigma, 10,000 are scored (the paper's protocol).
        held_out = distribution.sample(11000, seed=config.seed + 1)
        evaluation = keras_gan.metrics.evaluate_samples(
            samples,
            ("mode_coverage", "parzen"),
            distribution=distribution,
            reference=held_out[1000:],
            validation=held_out[:1000],
            parzen_sigmas=_TOY_SIGMAS,
        )
        if self.num_classes is not None:
            evaluation.update(keras_gan.metrics.class_accuracy(gan, distribution.nearest_mode, seed=config.seed))
        path = os.path.join(output_dir, "samples.png")
        reporting.plot_samples_2d(
            samples,
            distribution.modes,
            path,
            title=f"{config.problem}: {evaluation['modes_covered']}/{evaluation['num_modes']} modes, "
            f"{100 * evaluation['high_quality_fraction']:.1f}% high quality",
        )
        return {"problem": config.problem, **evaluation, "figure": path}


def image_networks(config, image_shape, pixel_mean, output_activation, paper_networks=None, num_classes=None):
    """The generator and discriminator `config` names, for images of `image_shape`.

    Args:
        config: The run's config: `architecture` (both networks'),
            `discriminator_architecture` (the discriminator's, when set),
            `latent_dim`, `seed`.
        image_shape: `(height, width, channels)`.
        pixel_mean: The training images' mean, where a sigmoid output's bias starts.
        output_activation: The generator's: `"sigmoid"` for [0, 1] pixels,
            `"tanh"` for [-1, 1], `"linear"` for contrast-normalised ones.
        paper_networks: `(make_generator, make_discriminator)`, the paper's
            networks for this data, or None when it has none.
        num_classes: None, or the classes of a conditional run.

    Returns:
        `(generator, discriminator)`.
    """
    architectures = {"mlp_small": _small_mlp(image_shape), "dcgan": _DCGAN}
    if paper_networks is not None:
        architectures["paper"] = paper_networks
    names = {
        "architecture": config.architecture,
        "discriminator_architecture": config.discriminator_architecture or config.architecture,
    }
    for setting, name in names.items():
        if name not in architectures:
            raise ValueError(
                f"Unknown architecture for {config.dataset}. Received: {setting}="
                f"{name!r}. Expected one of {sorted(architectures)}."
            )
    make_generator = architectures[names["architecture"]][0]
    make_discriminator = architectures[names["discriminator_architecture"]][1]
    shared = {"image_shape": image_shape, "num_classes": num_classes}
    generator = make_generator(
        latent_dim=config.latent_dim, output_activation=output_activation, data_mean=pixel_mean, seed=config.seed, **shared
    )
    discriminator = make_discriminator(conditioning=config.conditioning, seed=config.seed + 1000, **shared)
    return generator, discriminator


def check_finite(array, name):
    """Raises a `ValueError` naming the first NaN or Inf in `array`."""
    finite = np.isfinite(array)
    if not finite.all():
        index = np.argwhere(~finite)[0]
        raise ValueError(
            f"The {name} contains NaN or Inf. Received: {array[tuple(index)]} at index "
            f"{tuple(int(i) for i in index)} of an array of shape {array.shape}. Expected finite "
            "values: fix or drop those examples."
        )


def _small_mlp(image_shape):
    """A 64-unit MLP pair: fast runs for tests, not a model of the paper."""

    def generator(latent_dim, image_shape, seed, num_classes, output_activation, **unused):
        return keras_gan.models.mlp_generator(
            latent_dim, image_shape, hidden_units=(64,), output_activation=output_activation,
            num_classes=num_classes, seed=seed,
        )

    def discriminator(image_shape, seed, num_classes, conditioning):
        return keras_gan.models.mlp_discriminator(
            image_shape, hidden_units=(64,), num_classes=num_classes, conditioning=conditioning, seed=seed
        )

    return generator, discriminator


# Generator makers take `latent_dim, image_shape, seed, num_classes,
# output_activation, data_mean` and use what their network has.


def _mnist_generator(output_activation, **kwargs):
    # A sigmoid output, its bias initialised to the logit of the mean image.
    del output_activation
    return keras_gan.models.mnist_generator(**kwargs)


def _cifar10_generator(latent_dim, image_shape, seed, num_classes, output_activation, **unused):
    return keras_gan.models.cifar10_generator(
        latent_dim=latent_dim, output_activation=output_activation, num_classes=num_classes, seed=seed
    )


def _dcgan_generator(data_mean, **kwargs):
    del data_mean  # Its output is a convolution: one bias per channel, not per pixel.
    return keras_gan.models.dcgan_generator(**kwargs)


# DCGAN-style convolutions (Radford et al., 2016), for images of any size divisible by 4.
_DCGAN = (_dcgan_generator, keras_gan.models.dcgan_discriminator)

# The paper's networks, for the datasets it trained them on; each takes the image shape.
PAPER_NETWORKS = {
    "mnist": (_mnist_generator, keras_gan.models.mnist_discriminator),
    "cifar10": (_cifar10_generator, keras_gan.models.cifar10_discriminator),
}
