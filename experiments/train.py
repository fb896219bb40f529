"""`train_and_evaluate`: one image-GAN experiment, from data to exported files.

Output directory layout:

    flags.txt               the effective settings, a valid --flagfile
    backup/                 BackupAndRestore state: rerunning resumes from it
    checkpoints/last.keras  the whole GAN after the latest epoch
    tensorboard/            scalars and sample grids
    grids/                  samples_epoch_NNNN.png, nearest neighbour on the right
    interpolation.png       latent interpolations (the paper's Figure 3)
    history.csv             per-epoch metrics, appended across resumes
    learning_curve.png      Parzen log-likelihood against epoch
    metrics.json            final Parzen estimate, wall time, settings
    gan.keras               the trained GAN
    generator.keras         the sampling generator (EMA copy when enabled)
"""

import os
import time

import keras
import tensorflow as tf

import keras_gan
from experiments import reporting
from keras_gan import callbacks as gan_callbacks

_ARCHITECTURES = {
    "mnist": {
        "paper": (keras_gan.models.mnist_generator, keras_gan.models.mnist_discriminator),
    },
    "cifar10": {
        "paper": (keras_gan.models.cifar10_generator, keras_gan.models.cifar10_discriminator),
    },
}
# Neighbour columns compare samples with this many training images at most.
_NEIGHBOUR_POOL = 10000


def train_and_evaluate(config):
    """Trains a GAN on `config.dataset` and writes everything to `config.output_dir`.

    Rerunning with the same config resumes from the last finished epoch.

    Args:
        config: An `experiments.config.TrainConfig`.

    Returns:
        The metrics dict also written to `metrics.json`.
    """
    start = time.time()
    strategy = setup_run(config)
    data = ImageData(config)
    preset = config.resolved_preset()
    steps_per_epoch = data.steps_per_epoch(preset.batch_size, config.discriminator_steps)
    with strategy.scope():
        gan = build_gan(config, preset, data.pixel_mean)
        d_optimizer, g_optimizer = preset.make_optimizers(steps_per_epoch)
        gan.compile(
            d_optimizer=d_optimizer,
            g_optimizer=g_optimizer,
            generator_loss=preset.generator_loss,
            jit_compile=_jit_compile(config.jit_compile),
            steps_per_execution=config.steps_per_execution,
        )
    batches = keras_gan.data.training_pipeline(
        data.train, preset.batch_size, config.discriminator_steps, seed=config.seed
    )
    history = gan.fit(
        batches,
        epochs=config.epochs,
        callbacks=training_callbacks(config, data),
        verbose=config.verbose,
        shuffle=False,  # training_pipeline shuffles, with the run's seed.
    )
    return finish_run(config, gan, data, history, start)


def setup_run(config):
    """Seeds, determinism, output directory and flags; returns the strategy."""
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    os.makedirs(config.output_dir, exist_ok=True)
    return keras_gan.distribute.make_strategy(config.strategy)


class ImageData:
    """The splits one run needs: a training dataset and evaluation arrays."""

    def __init__(self, config):
        options = _load_options(config)
        train_split = config.train_range or "train"
        self.train = keras_gan.data.load(config.dataset, train_split, **options)
        self.train_array = keras_gan.data.load_array(config.dataset, train_split, **options)
        self.validation = keras_gan.data.load_array(
            config.dataset, config.valid_range or "validation", **options
        )
        # Offline, the held-out range is both the sigma-selection and test set.
        test_split = config.test_range or ("test" if config.valid_range is None else None)
        self.test = (
            keras_gan.data.load_array(config.dataset, test_split, **options)
            if test_split
            else self.validation
        )
        self.pixel_mean = keras_gan.data.pixel_mean(self.train_array)
        self.neighbours = self.train_array[:_NEIGHBOUR_POOL]

    def steps_per_epoch(self, batch_size, discriminator_steps):
        return max(1, len(self.train_array) // (batch_size * discriminator_steps))


def build_gan(config, preset, pixel_mean):
    """Builds the generator, discriminator and GAN that `config` describes."""
    try:
        make_generator, make_discriminator = _ARCHITECTURES[config.dataset][config.architecture]
    except KeyError:
        raise ValueError(
            f"Unknown architecture for {config.dataset}. Received: architecture="
            f"{config.architecture!r}. Expected one of {sorted(_ARCHITECTURES[config.dataset])}."
        ) from None
    if config.dataset == "mnist":
        generator = make_generator(latent_dim=config.latent_dim, data_mean=pixel_mean, seed=config.seed)
    else:
        activation = "linear" if config.preprocessing == "gcn" else "tanh"
        generator = make_generator(
            latent_dim=config.latent_dim, output_activation=activation, seed=config.seed
        )
    discriminator = make_discriminator(seed=config.seed + 1000)
    return keras_gan.GAN(
        generator,
        discriminator,
        latent_prior=config.latent_prior,
        discriminator_steps=config.discriminator_steps,
        seed=config.seed,
        **preset.gan_options,
    )


def training_callbacks(config, data):
    """Checkpointing, logging and the paper's figures, in the order Keras needs.

    `ParzenEstimate` comes before the callbacks that read its log keys.
    """
    output = config.output_dir
    tensorboard_dir = os.path.join(output, "tensorboard")
    callbacks = [
        backup_and_restore(output),
        gan_callbacks.SampleGrid(
            os.path.join(output, "grids"),
            every_n_epochs=config.grid_every,
            training_data=data.neighbours,
            log_dir=tensorboard_dir,
        ),
    ]
    if config.parzen_every:
        callbacks.append(
            gan_callbacks.ParzenEstimate(
                data.validation,
                every_n_epochs=config.parzen_every,
                num_samples=config.parzen_samples,
                seed=config.seed,
            )
        )
    callbacks += [
        keras.callbacks.ModelCheckpoint(os.path.join(output, "checkpoints", "last.keras")),
        keras.callbacks.CSVLogger(os.path.join(output, "history.csv"), append=True),
        keras.callbacks.TensorBoard(tensorboard_dir),
    ]
    return callbacks


def backup_and_restore(output_dir):
    """Saves the training state every epoch; a rerun resumes from it.

    The backup is kept after the last epoch, so rerunning a finished command
    trains no further and only rewrites the final files.
    """
    return keras.callbacks.BackupAndRestore(os.path.join(output_dir, "backup"), delete_checkpoint=False)


def finish_run(config, gan, data, history, start):
    """The final evaluation and files: Parzen, figures, models, metrics.json."""
    output = config.output_dir
    samples = gan.generate(config.parzen_samples, seed=config.seed)
    parzen = keras_gan.parzen.evaluate(samples, data.test, validation=data.validation)
    keras_gan.images.save_png(
        keras_gan.images.interpolation_grid(gan, rows=10, steps=10, seed=config.seed),
        os.path.join(output, "interpolation.png"),
    )
    reporting.plot_learning_curve(os.path.join(output, "history.csv"), os.path.join(output, "learning_curve.png"))
    gan.save(os.path.join(output, "gan.keras"))
    gan.sampling_generator.save(os.path.join(output, "generator.keras"))
    metrics = {
        "parzen_log_likelihood": float(parzen.mean),
        "parzen_stderr": float(parzen.stderr),
        "parzen_sigma": float(parzen.sigma),
        "parzen_num_samples": int(config.parzen_samples),
        "epochs": int(config.epochs),
        "wall_time_seconds": round(time.time() - start, 1),
        "latent_prior": config.latent_prior,
        "latent_dim": int(config.latent_dim),
        "final_logs": {k: float(v[-1]) for k, v in history.history.items() if v},
    }
    reporting.write_metrics(metrics, os.path.join(output, "metrics.json"))
    return metrics


def _load_options(config):
    options = {"data_dir": config.data_dir}
    if config.dataset == "cifar10":
        if config.preprocessing == "gcn":
            options["preprocessing"] = "gcn"
        else:
            options["value_range"] = (-1, 1)
    return options


def _jit_compile(value):
    return {"auto": "auto", "true": True, "false": False}[value]
