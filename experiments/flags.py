"""The launchers' shared flags, defined once, and their conversion to a `TrainConfig`.

Optimizer and schedule flags default to the paper's values. A preset other
than `paper` replaces the values of the flags that were not given; the flags
actually used are written to `output_dir/flags.txt`, a valid `--flagfile`.
"""

import dataclasses
import os
import re
import sys
import traceback

from absl import app
from absl import flags

from experiments.config import TrainConfig
from keras_gan import data
from keras_gan import distribute
from keras_gan import presets

_RANGE = re.compile(r"^\d+:\d+$")

OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Directory for checkpoints, logs, grids, metrics.")
DATA_DIR = flags.DEFINE_string(
    "data_dir",
    None,
    "Local data: a directory of "
    + "; ".join(f"{name}: {data.dataset_spec(name).local_format}" for name in data.DATASETS)
    + ". Otherwise the tensorflow_datasets data_dir.",
)
TRAIN_RANGE = flags.DEFINE_string("train_range", None, "Index range 'start:stop' of the training images.")
VALID_RANGE = flags.DEFINE_string("valid_range", None, "Index range of the validation images (sigma selection).")
TEST_RANGE = flags.DEFINE_string("test_range", None, "Index range of the test images; default: the test split.")
PRESET = flags.DEFINE_enum("preset", "stable", presets.names(), "Training recipe.")
ARCHITECTURE = flags.DEFINE_enum(
    "architecture", "paper", ["paper", "mlp_small"], "Image networks: the paper's, or a small MLP for quick tests."
)
EPOCHS = flags.DEFINE_integer("epochs", 10, "Training epochs.")
BATCH_SIZE = flags.DEFINE_integer("batch_size", 100, "Minibatch size m (the paper's: 100).")
DISCRIMINATOR_STEPS = flags.DEFINE_integer("discriminator_steps", 1, "Discriminator updates per step (k).")
GENERATOR_LOSS = flags.DEFINE_enum(
    "generator_loss", "non_saturating", ["non_saturating", "minimax"], "Generator objective."
)
LATENT_PRIOR = flags.DEFINE_enum("latent_prior", "uniform", ["uniform", "gaussian", "spherical"], "Noise prior.")
LATENT_DIM = flags.DEFINE_integer("latent_dim", 100, "Size of the noise vector z.")
OPTIMIZER = flags.DEFINE_enum("optimizer", "sgd", ["sgd", "adam"], "Optimizer of both players.")
LEARNING_RATE = flags.DEFINE_float("learning_rate", 0.1, "Initial learning rate.")
BETA_1 = flags.DEFINE_float("beta_1", 0.5, "Adam's beta_1.")
MOMENTUM = flags.DEFINE_float("momentum", 0.5, "SGD's initial momentum.")
FINAL_MOMENTUM = flags.DEFINE_float("final_momentum", 0.7, "SGD's momentum at the end of the ramp.")
MOMENTUM_SATURATE_EPOCH = flags.DEFINE_integer("momentum_saturate_epoch", 250, "Epoch where the ramp ends.")
DECAY_FACTOR = flags.DEFINE_float("decay_factor", 1.000004, "SGD's rate is divided by this every step.")
MIN_LEARNING_RATE = flags.DEFINE_float("min_learning_rate", 1e-6, "Floor of SGD's learning rate.")
R1_WEIGHT = flags.DEFINE_float("r1_weight", 0.0, "R1 gradient-penalty weight (0: off, the paper).")
EMA_DECAY = flags.DEFINE_float("ema_decay", None, "Generator weight EMA decay for sampling (unset: off).")
REAL_LABEL = flags.DEFINE_float("real_label", 1.0, "Discriminator target for real data (<1: smoothing).")
INSTANCE_NOISE = flags.DEFINE_float("instance_noise", 0.0, "Std of noise added to D's inputs.")
SEED = flags.DEFINE_integer("seed", 0, "Random seed: same seed and flags, same run.")
DETERMINISTIC = flags.DEFINE_bool("deterministic", False, "Enable TF op determinism (slower).")
STRATEGY = flags.DEFINE_enum("strategy", "default", list(distribute.STRATEGIES), "tf.distribute strategy.")
LOGICAL_CPUS = flags.DEFINE_integer(
    "logical_cpus", 1, "Testing aid: split the CPU into N logical devices, so --strategy=mirrored has N replicas."
)
JIT_COMPILE = flags.DEFINE_enum("jit_compile", "auto", ["auto", "true", "false"], "XLA (auto: off on CPU).")
STEPS_PER_EXECUTION = flags.DEFINE_integer(
    "steps_per_execution", None, "Training steps per tf.function call (unset: 10 on one device, 1 under a strategy)."
)
PARZEN_EVERY = flags.DEFINE_integer("parzen_every", 5, "Parzen estimate every N epochs (0: only at the end).")
PARZEN_SAMPLES = flags.DEFINE_integer("parzen_samples", 10000, "Generator samples for the Parzen window.")
GRID_EVERY = flags.DEFINE_integer("grid_every", 1, "Sample grid every N epochs.")
VERBOSE = flags.DEFINE_integer("verbose", 1, "Keras verbosity: 1 progress bar, 2 one line per epoch.")

# Flags whose unset value yields to the preset's.
_PRESET_FLAGS = {
    "batch_size": BATCH_SIZE,
    "generator_loss": GENERATOR_LOSS,
    "optimizer": OPTIMIZER,
    "learning_rate": LEARNING_RATE,
    "beta_1": BETA_1,
    "momentum": MOMENTUM,
    "final_momentum": FINAL_MOMENTUM,
    "momentum_saturate_epoch": MOMENTUM_SATURATE_EPOCH,
    "decay_factor": DECAY_FACTOR,
    "min_learning_rate": MIN_LEARNING_RATE,
    "r1_weight": R1_WEIGHT,
    "ema_decay": EMA_DECAY,
    "real_label": REAL_LABEL,
    "instance_noise": INSTANCE_NOISE,
}

flags.mark_flag_as_required("output_dir")
for _name, _check, _message in (
    ("epochs", lambda v: v >= 1, "--epochs must be a positive integer."),
    ("batch_size", lambda v: v >= 1, "--batch_size must be a positive integer."),
    ("discriminator_steps", lambda v: v >= 1, "--discriminator_steps (the paper's k) must be >= 1."),
    ("latent_dim", lambda v: v >= 1, "--latent_dim must be a positive integer."),
    ("learning_rate", lambda v: v > 0, "--learning_rate must be positive."),
    ("beta_1", lambda v: 0 <= v < 1, "--beta_1 must be in [0, 1)."),
    ("momentum", lambda v: 0 <= v <= 1, "--momentum must be in [0, 1]."),
    ("final_momentum", lambda v: 0 <= v <= 1, "--final_momentum must be in [0, 1]."),
    ("momentum_saturate_epoch", lambda v: v >= 2, "--momentum_saturate_epoch must be >= 2."),
    ("decay_factor", lambda v: v >= 1, "--decay_factor must be >= 1."),
    ("min_learning_rate", lambda v: v >= 0, "--min_learning_rate must be >= 0."),
    ("r1_weight", lambda v: v >= 0, "--r1_weight must be >= 0."),
    ("ema_decay", lambda v: v is None or 0 <= v < 1, "--ema_decay must be in [0, 1)."),
    ("real_label", lambda v: 0 < v <= 1, "--real_label must be in (0, 1]."),
    ("instance_noise", lambda v: v >= 0, "--instance_noise must be >= 0."),
    ("logical_cpus", lambda v: v >= 1, "--logical_cpus must be a positive integer."),
    ("steps_per_execution", lambda v: v is None or v >= 1, "--steps_per_execution must be a positive integer."),
    ("parzen_every", lambda v: v >= 0, "--parzen_every must be >= 0."),
    ("parzen_samples", lambda v: v >= 1, "--parzen_samples must be a positive integer."),
    ("grid_every", lambda v: v >= 1, "--grid_every must be a positive integer."),
):
    flags.register_validator(_name, _check, message=_message)
for _name in ("train_range", "valid_range", "test_range"):
    flags.register_validator(
        _name,
        lambda v: v is None or bool(_RANGE.match(v)) and int(v.split(":")[0]) < int(v.split(":")[1]),
        message=f"--{_name} must be 'start:stop' with start < stop, e.g. 0:7000.",
    )


def config_from_flags(dataset, launcher_defaults=None, **extra):
    """Builds the run's `TrainConfig` from the parsed flags.

    A setting comes from its flag when the flag was given, else from
    `launcher_defaults`, else from the preset.

    Args:
        dataset: `"mnist"`, `"cifar10"` or `"toy"`.
        launcher_defaults: Optional dict of launcher-specific settings for
            flags that were not given (for example CIFAR-10's batch size).
        **extra: Launcher-specific fields, such as `problem`.

    Returns:
        A `TrainConfig`.
    """
    values = dict(
        dataset=dataset,
        output_dir=OUTPUT_DIR.value,
        data_dir=DATA_DIR.value,
        train_range=TRAIN_RANGE.value,
        valid_range=VALID_RANGE.value,
        test_range=TEST_RANGE.value,
        preset=PRESET.value,
        architecture=ARCHITECTURE.value,
        epochs=EPOCHS.value,
        discriminator_steps=DISCRIMINATOR_STEPS.value,
        latent_prior=LATENT_PRIOR.value,
        latent_dim=LATENT_DIM.value,
        seed=SEED.value,
        deterministic=DETERMINISTIC.value,
        strategy=STRATEGY.value,
        logical_cpus=LOGICAL_CPUS.value,
        jit_compile=JIT_COMPILE.value,
        steps_per_execution=STEPS_PER_EXECUTION.value,
        parzen_every=PARZEN_EVERY.value,
        parzen_samples=PARZEN_SAMPLES.value,
        grid_every=GRID_EVERY.value,
        verbose=VERBOSE.value,
    )
    # The preset decides unless the flag was given (or the preset is `paper`,
    # whose values are the flags' defaults).
    for name, holder in _PRESET_FLAGS.items():
        if holder.present or PRESET.value == "paper":
            values[name] = holder.value
    for name, value in (launcher_defaults or {}).items():
        if not flags.FLAGS[name].present:
            values[name] = value
    values.update(extra)
    return TrainConfig(**values)


def write_flagfile(config, path, launcher_flags=()):
    """Writes the effective settings of `config` as a `--flagfile`.

    Args:
        config: The run's `TrainConfig`.
        path: Where to write.
        launcher_flags: Names of launcher-specific flags stored in `config`.
    """
    if config.strategy == "multi_worker" and not distribute.is_chief_task():
        return  # Every worker runs the launcher; the chief alone writes.
    preset = config.resolved_preset()
    effective = dataclasses.asdict(config)
    effective["steps_per_execution"] = config.resolved_steps_per_execution()
    effective.update({name: getattr(preset, name) for name in _PRESET_FLAGS if hasattr(preset, name)})
    effective.update(
        {name: preset.gan_options.get(name, flags.FLAGS[name].default) for name in _GAN_OPTION_FLAGS}
    )
    names = [name for name in flags.FLAGS if name in effective and _owned(name, launcher_flags)]
    lines = []
    for name in sorted(set(names)):
        value = effective[name]
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"--{name}" if value else f"--no{name}")
        else:
            lines.append(f"--{name}={value}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


def run(main):
    """Runs a launcher's `main` like `absl.app.run`, with user errors on one line.

    A bad setting, missing data or a diverged run raises a `ValueError` or
    `RuntimeError` from this project's code (`keras_gan.data.
    DatasetUnavailableError`, `keras_gan.callbacks.NonFiniteLossError`, ...):
    the launcher prints `error: <message>` to stderr and exits with code 1,
    without a traceback. Exceptions raised elsewhere (TensorFlow, Keras: most
    likely bugs) keep their traceback.

    Example:

    ```python
    if __name__ == "__main__":
        experiment_flags.run(main)
    ```

    Args:
        main: The launcher's `main(argv)`.
    """

    def main_with_clear_errors(argv):
        try:
            return main(argv)
        except (ValueError, RuntimeError) as error:
            if not _raised_by_this_project(error):
                raise
            sys.exit(f"error: {_one_line(error)}")

    app.run(main_with_clear_errors)


def _raised_by_this_project(error):
    """Whether the innermost frame of `error` is in keras_gan/ or experiments/."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return False
    filename = os.path.abspath(frames[-1].filename)
    return any(filename.startswith(root + os.sep) for root in _PROJECT_ROOTS)


def _one_line(error):
    from keras_gan.callbacks import non_finite_guard

    if isinstance(error, non_finite_guard.NonFiniteLossError):
        return (
            f"{error.diagnosis} Try a lower --learning_rate, check the data for NaN or Inf, "
            "or enable --r1_weight (e.g. 10)."
        )
    return " ".join(str(error).split())


_PROJECT_ROOTS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) for module in (distribute, sys.modules[__name__])
)
_GAN_OPTION_FLAGS = ("r1_weight", "ema_decay", "real_label", "instance_noise")


def _owned(name, launcher_flags):
    module = flags.FLAGS.find_module_defining_flag(name)
    return name in launcher_flags or (module or "").endswith("experiments.flags")
