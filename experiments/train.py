"""`train_and_evaluate`: the run every launcher makes, from a config to the files it leaves.

Output directory layout:

    config.py               the run's settings: --config=<it> repeats the run
    backup/epoch_NNNN/      training state after N epochs: rerunning resumes from it
    checkpoints/last.keras  the whole GAN after the latest epoch (previous.keras: the one before)
    tensorboard/            scalars (and sample grids of images)
    history.csv             per-epoch metrics, one row per epoch across resumes
    metrics.json            final metrics, weights digest, wall time
    gan.keras               the trained GAN
    generator.keras         the sampling generator (EMA copy when enabled), generator.json its prior
    images: grids/samples_epoch_NNNN.png (nearest neighbour on the right), interpolation.png
            (the paper's Figure 3), learning_curve.png (Parzen log-likelihood against epoch)
    toy:    samples.png, or figure1.png (the paper's Figure 1)

In a multi-worker run only the chief writes there (the others write to
temporary directories), and every file is written atomically or per epoch,
so a killed run leaves no broken file.
"""

import csv
import hashlib
import os
import time

import keras
import numpy as np
import tensorflow as tf

import keras_gan
from experiments import reporting
from experiments import sources
from experiments.configs import base
from keras_gan import callbacks as gan_callbacks
from keras_gan import checkpoints
from keras_gan import validation
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard
from keras_gan.data import splits

# Training steps per tf.function call when `steps_per_execution` is None and
# there is no strategy: the same weights as 1, bit for bit, with less time
# between steps (BENCHMARKS.md). Under a strategy 1, where Keras cannot run
# more on several replicas (keras-team/keras#19246).
STEPS_PER_EXECUTION_ONE_DEVICE = 10
_JIT_COMPILE = {"auto": "auto", "true": True, "false": False}


def train_and_evaluate(config, output_dir, data_dir=None):
    """Trains the GAN `config` describes and writes everything to `output_dir`.

    Rerunning with the same config resumes from the last finished epoch.

    Example:

    ```python
    from experiments.configs import toy_ring

    config = toy_ring.get_config()
    config.epochs = 2
    metrics = train_and_evaluate(config, "runs/ring")
    ```

    Args:
        config: A `ml_collections.ConfigDict` of `experiments/configs/`.
        output_dir: The run's directory.
        data_dir: Optional directory of local data (`--data_dir`).

    Returns:
        The metrics dict also written to `metrics.json`.

    Raises:
        ValueError: for a bad setting, before any data is loaded when the
            experiments check it, else where the library receives it.
        keras_gan.callbacks.NonFiniteLossError: when training diverges; the
            checkpoints then still hold the last finite weights.
    """
    start, start_cpu = time.time(), time.process_time()
    config = resolve(config)
    check_settings(config)
    strategy = setup_run(config)
    data = sources.get(config, data_dir)
    batches = shard_by_data(
        keras_gan.data.training_pipeline(data.train, config.batch_size, config.discriminator_steps, seed=config.seed)
    )
    steps_per_epoch = data.num_examples // (config.batch_size * config.discriminator_steps)
    with strategy.scope():
        generator, discriminator = data.networks(config)
        gan = make_gan(config, generator, discriminator)
        compile_gan(gan, config, steps_per_epoch)
    with keras_gan.distribute.writable_directory(output_dir, strategy) as directory:
        reporting.write_config(config, os.path.join(directory, "config.py"))
        trim_history(directory, restore_from=output_dir)
        history = gan.fit(
            batches,
            epochs=config.epochs,
            callbacks=run_callbacks(
                directory, data.callbacks(config, directory), restore_from=output_dir, dataset=batches
            ),
            verbose=config.verbose,
            shuffle=False,  # training_pipeline shuffles, with the run's seed.
        )
        metrics = {
            **data.evaluate(config, gan, directory),
            "epochs": int(config.epochs),
            "num_replicas": int(strategy.num_replicas_in_sync),
            "weights_sha256": weights_digest(gan),
            "wall_time_seconds": round(time.time() - start, 1),
            # Wall time depends on what else runs; CPU time on this process alone.
            "cpu_time_seconds": round(time.process_time() - start_cpu, 1),
            "latent_prior": config.latent_prior,
            "latent_dim": int(config.latent_dim),
            "final_logs": {k: float(v[-1]) for k, v in history.history.items() if v},
        }
        reporting.save_models(gan, directory)
        reporting.write_metrics(metrics, os.path.join(directory, "metrics.json"))
    return metrics


def resolve(config):
    """A copy of `config` as the run uses it: `steps_per_execution` decided.

    None means 10 steps per call on one device and 1 under a strategy.
    """
    config = config.copy_and_resolve_references()
    if config.steps_per_execution is None:
        config.steps_per_execution = STEPS_PER_EXECUTION_ONE_DEVICE if config.strategy == "default" else 1
    return config


def check_settings(config):
    """Checks the settings that only the experiments read, before anything runs.

    The others are checked where the library receives them: the game's by
    `keras_gan.GAN`, `batch_size` and `discriminator_steps` by
    `training_pipeline`, the optimizer's by `keras_gan.optimizer_factory`,
    `strategy` and `logical_cpus` by `keras_gan.distribute`, the data's by
    `keras_gan.data`.
    """
    expected = base.get_config(config.dataset)
    if set(config) != set(expected):
        raise ValueError(
            f"The config does not hold the settings of dataset={config.dataset!r}. Received: "
            f"settings {sorted(config)}. Expected {sorted(expected)}: start from a config of that "
            "kind of data in experiments/configs/."
        )
    for name, check in _CHECKS.items():
        if name in config:
            check(name, config[name])


def _check_choice(choices):
    def check(name, value):
        if value not in choices:
            raise ValueError(
                f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
                f"Expected one of {list(choices)}."
            )

    return check


def _check_range(name, value):
    if value is None:
        return
    try:
        splits.parse_split(value)
    except ValueError:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. Expected an index "
            "range 'start:stop' with start < stop, e.g. '0:7000'."
        ) from None


_CHECKS = {
    "epochs": validation.check_positive_int,
    "jit_compile": _check_choice(_JIT_COMPILE),
    "verbose": _check_choice((0, 1, 2)),
    "grid_every": validation.check_positive_int,
    "parzen_every": lambda name, value: validation.check_int_at_least(name, value, 0),
    "parzen_samples": validation.check_positive_int,
    "feature_every": lambda name, value: validation.check_int_at_least(name, value, 0),
    "feature_samples": lambda name, value: validation.check_int_at_least(name, value, 0),
    "num_examples": validation.check_positive_int,
    "preprocessing": _check_choice(("gcn", "scale")),
    "conditioning": _check_choice(keras_gan.models.CONDITIONINGS),
    "train_range": _check_range,
    "valid_range": _check_range,
    "test_range": _check_range,
}


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


def make_gan(config, generator, discriminator):
    """The `GAN` of a run: its noise, k and remedies, each setting named as `GAN`'s argument.

    A conditional run's networks already take labels (`sources`): the GAN
    reads the number of classes from them.
    """
    settings = {name: config[name] for name in _GAN_SETTINGS}
    return keras_gan.GAN(generator, discriminator, ema_decay=config.ema_decay or None, **settings)  # ema 0: off


def compile_gan(gan, config, steps_per_epoch):
    """Compiles `gan` with the config's optimizers, game, penalty and execution settings."""
    d_optimizer, g_optimizer = (make_optimizer(config, steps_per_epoch) for _ in range(2))
    gan.compile(
        d_optimizer=d_optimizer,
        g_optimizer=g_optimizer,
        loss=config.loss,
        regularizer=regularizer(config),
        jit_compile=_JIT_COMPILE[config.jit_compile],
        steps_per_execution=config.steps_per_execution,
    )


def make_optimizer(config, steps_per_epoch):
    """A fresh optimizer with the config's settings, each named as `make_optimizer`'s argument."""
    settings = {name: config[name] for name in _OPTIMIZER_SETTINGS}
    return keras_gan.optimizer_factory.make_optimizer(
        config.optimizer, config.learning_rate, steps_per_epoch, **settings
    )


def regularizer(config):
    """The penalty on D the config asks for (`keras_gan.losses`), or None."""
    if config.r1_weight and config.gradient_penalty:
        raise ValueError(
            "Two penalties on the discriminator. Received: r1_weight="
            f"{config.r1_weight}, gradient_penalty={config.gradient_penalty}. Expected at most one "
            "of them above 0."
        )
    if config.gradient_penalty:
        return keras_gan.losses.GradientPenalty(config.gradient_penalty)
    return keras_gan.losses.R1(config.r1_weight) if config.r1_weight else None


_GAN_SETTINGS = ("latent_prior", "discriminator_steps", "real_label", "instance_noise", "seed")
_OPTIMIZER_SETTINGS = (
    "beta_1",
    "momentum",
    "final_momentum",
    "momentum_saturate_epoch",
    "decay_factor",
    "min_learning_rate",
)


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


def trim_history(output_dir, restore_from):
    """Drops the `history.csv` rows of epochs that the backup will redo.

    CSVLogger writes an epoch's row before the backup of that epoch (the
    backup comes last in the callbacks); a run killed in between redoes the
    epoch, and would otherwise log it twice.

    Args:
        output_dir: The directory of `history.csv`.
        restore_from: The output directory whose `backup/` the run resumes from.
    """
    epochs_done = checkpoints.latest_backup_epoch(os.path.join(restore_from, "backup"))
    path = os.path.join(output_dir, "history.csv")
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


def run_callbacks(output_dir, figure_callbacks=(), restore_from=None, dataset=None):
    """Every run's callbacks, in the order that keeps a killed run consistent.

    Keras calls callbacks in list order. `NonFiniteGuard` comes first, so a
    diverged step raises before any later callback can save NaN weights.
    The figure callbacks come before `CSVLogger`, which logs their keys.
    The backup comes last: an epoch counts as done only once everything
    else has recorded it (see `trim_history`).

    Args:
        output_dir: The directory the files go to.
        figure_callbacks: Callbacks that draw figures or add log keys.
        restore_from: Output directory whose backup a rerun resumes from;
            defaults to `output_dir`.
        dataset: The dataset passed to `fit`. Pass it: a resumed run then
            continues the sequence of shuffle orders instead of restarting it
            (see `backup_and_restore`).

    Returns:
        A list of callbacks.
    """
    return [
        NonFiniteGuard(),
        *figure_callbacks,
        keras.callbacks.CSVLogger(os.path.join(output_dir, "history.csv"), append=True),
        keras.callbacks.TensorBoard(os.path.join(output_dir, "tensorboard")),
        gan_callbacks.ModelCheckpoint(os.path.join(output_dir, "checkpoints")),
        backup_and_restore(restore_from or output_dir, write_dir=output_dir, dataset=dataset),
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
    return gan_callbacks.BackupAndRestore(os.path.join(output_dir, "backup"), write_dir=write_dir, dataset=dataset)


def weights_digest(model):
    """SHA-256 of all of `model`'s weights: equal digests, bitwise-equal weights.

    Lets two runs (or the workers of one run) be compared without files.
    """
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight.value)).tobytes())
    return digest.hexdigest()
