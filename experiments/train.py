"""`train_and_evaluate`: one image-GAN experiment, from data to exported files.

Output directory layout:

    flags.txt               the effective settings, a valid --flagfile
    backup/epoch_NNNN/      training state after N epochs: rerunning resumes from it
    checkpoints/last.keras  the whole GAN after the latest epoch (previous.keras: the one before)
    tensorboard/            scalars and sample grids
    grids/                  samples_epoch_NNNN.png, nearest neighbour on the right
    interpolation.png       latent interpolations (the paper's Figure 3)
    history.csv             per-epoch metrics, one row per epoch across resumes
    learning_curve.png      Parzen log-likelihood against epoch
    metrics.json            final Parzen estimate, wall time, settings
    gan.keras               the trained GAN
    generator.keras         the sampling generator (EMA copy when enabled)

In a multi-worker run only the chief writes there (the others write to
temporary directories), and every file is written atomically or per epoch,
so a killed run leaves no broken file.
"""

import csv
import dataclasses
import hashlib
import os
import time

import keras
import numpy as np
import tensorflow as tf

import keras_gan
from experiments import reporting
from keras_gan import callbacks as gan_callbacks
from keras_gan import checkpoints
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard


def _small_mlp(image_shape):
    """A 64-unit MLP pair: fast runs for tests, not a model of the paper."""

    def generator(latent_dim, seed, output_activation="sigmoid", **unused):
        return keras_gan.models.mlp_generator(
            latent_dim, image_shape, hidden_units=(64,), output_activation=output_activation, seed=seed
        )

    def discriminator(seed):
        return keras_gan.models.mlp_discriminator(image_shape, hidden_units=(64,), seed=seed)

    return generator, discriminator


# The paper's networks, for the datasets it trained them on. Every dataset of
# `keras_gan.data.DATASETS` has `mlp_small`, shaped by its registry entry.
_PAPER_ARCHITECTURES = {
    "mnist": (keras_gan.models.mnist_generator, keras_gan.models.mnist_discriminator),
    "cifar10": (keras_gan.models.cifar10_generator, keras_gan.models.cifar10_discriminator),
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

    Raises:
        keras_gan.callbacks.NonFiniteLossError: when training diverges; the
            checkpoints then still hold the last finite weights.
    """
    start = time.time()
    strategy = setup_run(config)
    data = ImageData(config)
    preset = config.resolved_preset()
    steps_per_epoch = data.steps_per_epoch(preset.batch_size, config.discriminator_steps)
    with strategy.scope():
        gan = build_gan(config, preset, data.pixel_mean)
        compile_gan(gan, config, preset, steps_per_epoch)
    batches = shard_by_data(
        keras_gan.data.training_pipeline(
            data.train, preset.batch_size, config.discriminator_steps, seed=config.seed
        )
    )
    with keras_gan.distribute.writable_directory(config.output_dir, strategy) as output_dir:
        run = dataclasses.replace(config, output_dir=output_dir)
        trim_history(run, restore_from=config.output_dir)
        history = gan.fit(
            batches,
            epochs=config.epochs,
            callbacks=training_callbacks(run, data, restore_from=config.output_dir, dataset=batches),
            verbose=config.verbose,
            shuffle=False,  # training_pipeline shuffles, with the run's seed.
        )
        return finish_run(run, gan, data, history, start)


def setup_run(config):
    """Devices, seeds and determinism; returns the strategy.

    The output directory is made by `keras_gan.distribute.writable_directory`,
    on the chief only.
    """
    # First: devices can only be split before TensorFlow initialises them.
    keras_gan.distribute.split_cpu(config.logical_cpus)
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    return keras_gan.distribute.make_strategy(config.strategy)


def shard_by_data(batches):
    """Makes each worker of a multi-worker run train on its share of every batch.

    tf.distribute shards by files first (AUTO); in-memory data has none, so
    it would fall back to DATA with a warning. DATA, set here explicitly:
    every worker runs the same pipeline (same seed, so the same shuffled
    order) and keeps its own replicas' slices of each global batch, the
    slices MirroredStrategy would give those replicas on one machine. With
    the GAN's strided k-split and per-replica noise, N workers then make the
    same update as one process with the same global batch.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return batches.with_options(options)


def trim_history(config, restore_from):
    """Drops the `history.csv` rows of epochs that the backup will redo.

    CSVLogger writes an epoch's row before the backup of that epoch (the
    backup comes last in the callbacks); a run killed in between redoes the
    epoch, and would otherwise log it twice.

    Args:
        config: The run's `TrainConfig`; the file is in `config.output_dir`.
        restore_from: The output directory whose `backup/` the run resumes from.
    """
    epochs_done = checkpoints.latest_backup_epoch(os.path.join(restore_from, "backup"))
    path = os.path.join(config.output_dir, "history.csv")
    if not os.path.exists(path):
        return
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    if not rows or "epoch" not in rows[0]:
        return
    column = rows[0].index("epoch")
    kept = [rows[0]] + [row for row in rows[1:] if row and int(row[column]) < epochs_done]
    if len(kept) == len(rows):
        return
    temporary = f"{path}.tmp"
    with open(temporary, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(kept)
    os.replace(temporary, path)


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
        splits = (("training", self.train_array), ("validation", self.validation), ("test", self.test))
        for split, array in splits:
            check_finite(array, f"{config.dataset} {split} data")
        self.pixel_mean = keras_gan.data.pixel_mean(self.train_array)
        self.neighbours = self.train_array[:_NEIGHBOUR_POOL]

    def steps_per_epoch(self, batch_size, discriminator_steps):
        return max(1, len(self.train_array) // (batch_size * discriminator_steps))


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


def build_gan(config, preset, pixel_mean):
    """Builds the generator, discriminator and GAN that `config` describes."""
    spec = keras_gan.data.dataset_spec(config.dataset)
    architectures = {"mlp_small": _small_mlp(spec.image_shape)}
    if spec.name in _PAPER_ARCHITECTURES:
        architectures["paper"] = _PAPER_ARCHITECTURES[spec.name]
    try:
        make_generator, make_discriminator = architectures[config.architecture]
    except KeyError:
        raise ValueError(
            f"Unknown architecture for {config.dataset}. Received: architecture="
            f"{config.architecture!r}. Expected one of {sorted(architectures)}."
        ) from None
    if spec.paper_value_range == (0, 1):
        # A sigmoid output, its bias initialised to the logit of the mean image.
        generator = make_generator(latent_dim=config.latent_dim, data_mean=pixel_mean, seed=config.seed)
    else:
        activation = "linear" if _uses_gcn(config) else "tanh"
        generator = make_generator(
            latent_dim=config.latent_dim, output_activation=activation, seed=config.seed
        )
    return make_gan(config, preset, generator, make_discriminator(seed=config.seed + 1000))


def make_gan(config, preset, generator, discriminator):
    """The `GAN` of a run: the config's noise and k, the preset's remedies."""
    return keras_gan.GAN(
        generator,
        discriminator,
        latent_prior=config.latent_prior,
        discriminator_steps=config.discriminator_steps,
        seed=config.seed,
        **preset.gan_options,
    )


def compile_gan(gan, config, preset, steps_per_epoch):
    """Compiles `gan` with the preset's optimizers and loss, the config's execution settings."""
    d_optimizer, g_optimizer = preset.make_optimizers(steps_per_epoch)
    gan.compile(
        d_optimizer=d_optimizer,
        g_optimizer=g_optimizer,
        generator_loss=preset.generator_loss,
        jit_compile=_jit_compile(config.jit_compile),
        steps_per_execution=config.resolved_steps_per_execution(),
    )


def training_callbacks(config, data, restore_from=None, dataset=None):
    """The paper's figures, then logging and checkpoints (see `run_callbacks`).

    `ParzenEstimate` comes before the callbacks that read its log keys.
    """
    figures = [
        gan_callbacks.SampleGrid(
            os.path.join(config.output_dir, "grids"),
            every_n_epochs=config.grid_every,
            training_data=data.neighbours,
            log_dir=os.path.join(config.output_dir, "tensorboard"),
        ),
    ]
    if config.parzen_every:
        figures.append(
            gan_callbacks.ParzenEstimate(
                data.validation,
                every_n_epochs=config.parzen_every,
                num_samples=config.parzen_samples,
                seed=config.seed,
            )
        )
    return run_callbacks(config, figures, restore_from=restore_from, dataset=dataset)


def run_callbacks(config, figure_callbacks=(), restore_from=None, dataset=None):
    """Every launcher's callbacks, in the order that keeps a killed run consistent.

    Keras calls callbacks in list order. `NonFiniteGuard` comes first, so a
    diverged step raises before any later callback can save NaN weights.
    The figure callbacks come before `CSVLogger`, which logs their keys.
    The backup comes last: an epoch counts as done only once everything
    else has recorded it (see `trim_history`).

    Args:
        config: The run's `TrainConfig`; files go to `config.output_dir`.
        figure_callbacks: Callbacks that draw figures or add log keys.
        restore_from: Output directory whose backup a rerun resumes from;
            defaults to `config.output_dir`.
        dataset: The dataset passed to `fit`. Pass it: a resumed run then
            continues the sequence of shuffle orders instead of restarting it
            (see `backup_and_restore`).

    Returns:
        A list of callbacks.
    """
    output = config.output_dir
    return [
        NonFiniteGuard(),
        *figure_callbacks,
        keras.callbacks.CSVLogger(os.path.join(output, "history.csv"), append=True),
        keras.callbacks.TensorBoard(os.path.join(output, "tensorboard")),
        gan_callbacks.ModelCheckpoint(os.path.join(output, "checkpoints")),
        backup_and_restore(restore_from or output, write_dir=output, dataset=dataset),
    ]


def backup_and_restore(output_dir, write_dir=None, dataset=None):
    """Saves the training state every epoch; a rerun resumes from it.

    `keras_gan.callbacks.BackupAndRestore`, not Keras': it writes
    atomically and also restores the GAN's noise generator and, given the
    `dataset` passed to `fit`, the data order: the pipeline reshuffles every
    epoch, and without it a rerun would train the epochs it redoes on the
    first epochs' orders, so a resumed run would end with other weights than
    the same run uninterrupted. Backups are kept after the last epoch, so
    rerunning a finished command trains no further and only rewrites the
    final files.

    Args:
        output_dir: The run's output directory; the backups are in `backup/`.
        write_dir: Optional output directory to write the backups to instead
            (for a multi-worker run's other workers).
        dataset: Optional, the dataset passed to `fit`.
    """
    write_dir = os.path.join(write_dir, "backup") if write_dir else None
    return gan_callbacks.BackupAndRestore(
        os.path.join(output_dir, "backup"), write_dir=write_dir, dataset=dataset
    )


def finish_run(config, gan, data, history, start):
    """The final evaluation and files: Parzen, figures, models, metrics.json."""
    output = config.output_dir
    samples = gan.generate(config.parzen_samples, seed=config.seed)
    evaluation = keras_gan.metrics.evaluate_samples(
        samples, ("parzen",), reference=data.test, validation=data.validation
    )
    keras_gan.images.save_png(
        keras_gan.sample_grids.interpolation_grid(gan, rows=10, steps=10, seed=config.seed),
        os.path.join(output, "interpolation.png"),
    )
    reporting.plot_learning_curve(os.path.join(output, "history.csv"), os.path.join(output, "learning_curve.png"))
    reporting.save_models(gan, output)
    metrics = {
        **evaluation,
        "parzen_num_samples": int(config.parzen_samples),
        "epochs": int(config.epochs),
        "num_replicas": int(gan.distribute_strategy.num_replicas_in_sync),
        "weights_sha256": weights_digest(gan),
        "wall_time_seconds": round(time.time() - start, 1),
        "latent_prior": config.latent_prior,
        "latent_dim": int(config.latent_dim),
        "final_logs": {k: float(v[-1]) for k, v in history.history.items() if v},
    }
    reporting.write_metrics(metrics, os.path.join(output, "metrics.json"))
    return metrics


def weights_digest(model):
    """SHA-256 of all of `model`'s weights: equal digests, bitwise-equal weights.

    Lets two runs (or the workers of one run) be compared without files.
    """
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight.value)).tobytes())
    return digest.hexdigest()


def _load_options(config):
    """`load`'s pixel options: the range the dataset's paper generator outputs, or GCN."""
    options = {"data_dir": config.data_dir}
    if _uses_gcn(config):
        options["preprocessing"] = "gcn"
    else:
        options["value_range"] = keras_gan.data.dataset_spec(config.dataset).paper_value_range
    return options


def _uses_gcn(config):
    """`config.preprocessing` (the CIFAR-10 launcher's flag) applies where the paper used GCN."""
    return config.preprocessing == "gcn" and keras_gan.data.dataset_spec(config.dataset).paper_gcn


def _jit_compile(value):
    return {"auto": "auto", "true": True, "false": False}[value]
