"""What every launcher shares: its flags, its `--help`, and errors on one line.

A launcher is its docstring and `launch.run("<its default config>.py")`. The
settings come from a config file (`--config`, by default the launcher's, in
`experiments/configs/`) with `--config.NAME=VALUE` overrides; only the paths
of this machine are plain flags: `--output_dir` and `--data_dir`. `--help`
lists the settings the run would use, with their help
(`experiments/configs/base.py`).
"""

import contextlib
import os
import re
import sys
import traceback

import ml_collections
from absl import app
from absl import flags
from ml_collections import config_flags

from experiments import train
from experiments.configs import base
from keras_gan import data
from keras_gan import distribute

_CONFIGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")

OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Directory for checkpoints, logs, figures and metrics; rerunning into it resumes the run."
)
DATA_DIR = flags.DEFINE_string(
    "data_dir",
    None,
    "Local data: a folder of images (image_folder), or a directory of "
    + "; ".join(f"{name}: {data.dataset_spec(name).local_format}" for name in data.DATASETS)
    + "; otherwise the tensorflow_datasets data_dir.",
)
flags.mark_flag_as_required("output_dir")

_CONFIG_HELP = "The settings: a file of experiments/configs/ or a run's config.py; --config.NAME=VALUE overrides one."
_HELP_ARGUMENTS = ("-h", "-?", "--help", "--helpshort")
# The metrics a launcher prints, when the run has them.
_REPORTED = (
    "parzen_log_likelihood",
    "parzen_stderr",
    "modes_covered",
    "high_quality_fraction",
    "class_accuracy",
    "min_class_accuracy",
    "fd",
    "precision",
    "recall",
    "max_abs_d_minus_half_over_bulk",
    "generated_mean",
    "generated_std",
    "ks_distance",
    "figure",
    "weights_sha256",
)


def run(default_config, main=None, settings_help=None):
    """Runs a launcher like `absl.app.run`, with its settings' `--help` and errors on one line.

    A bad setting, missing data or a diverged run raises a `ValueError` or
    `RuntimeError` from this project's code (`keras_gan.data.
    DatasetUnavailableError`, `keras_gan.callbacks.NonFiniteLossError`, ...):
    the launcher prints `error: <message>` to stderr and exits with code 1,
    without a traceback. Exceptions raised elsewhere (TensorFlow, Keras: most
    likely bugs) keep their traceback.

    Example:

    ```python
    if __name__ == "__main__":
        launch.run("mnist_stable.py")
    ```

    Args:
        default_config: The config file used without `--config`, a name in
            `experiments/configs/`.
        main: Optional `main(config)`; by default `train_and_report`.
        settings_help: Optional dict from setting name to its one line of
            help, in the order `--help` lists them; by default
            `experiments.configs.base.HELP`. A setting holding a nested
            config is listed field by field (`gan.epochs`), with
            `base.HELP`'s help.
    """
    if "config" not in flags.FLAGS:
        with _flag_errors():  # ml_collections loads the default config (and its overrides) here.
            config_flags.DEFINE_config_file(
                "config", default=os.path.join(_CONFIGS, default_config), help_string=_CONFIG_HELP
            )
    main = main or train_and_report

    def main_with_clear_errors(argv):
        if len(argv) > 1:
            sys.exit(f"error: Unexpected arguments: {' '.join(argv[1:])}. Settings are --config.NAME=VALUE.")
        try:
            return main(flags.FLAGS.config)
        except (ValueError, RuntimeError) as error:
            if not _raised_by_this_project(error):
                raise
            sys.exit(f"error: {_one_line(error)}")

    app.run(main_with_clear_errors, flags_parser=lambda argv: _parse_flags(argv, settings_help))


def train_and_report(config):
    """`train.train_and_evaluate` with the flags' directories; prints the main metrics."""
    metrics = train.train_and_evaluate(config, OUTPUT_DIR.value, DATA_DIR.value)
    print(f"metrics: {os.path.join(OUTPUT_DIR.value, 'metrics.json')}")
    for key in _REPORTED:
        if key in metrics:
            print(f"{key}: {metrics[key]}")


def help_text(settings_help=None):
    """The launcher's docstring, its flags, and the settings of the config it would run.

    Args:
        settings_help: Optional dict from setting name to help (see `run`);
            by default `base.HELP`.
    """
    config = flags.FLAGS.config
    path = flags.FLAGS["config"].config_filename
    if not os.path.relpath(path).startswith(".."):
        path = os.path.relpath(path)
    doc = (sys.modules["__main__"].__doc__ or "").strip()
    flag_lines = [
        f"  --config={path}\n      {_CONFIG_HELP}",
        *(f"  --{holder.name}=PATH\n      {flags.FLAGS[holder.name].help}" for holder in (OUTPUT_DIR, DATA_DIR)),
        "  --helpfull\n      absl's flags as well.",
    ]
    settings = _listed_settings(config, settings_help or base.HELP)
    width = max(len(setting) for setting, _ in settings)
    return "\n".join(
        [
            *([doc, ""] if doc else []),
            "Flags:",
            *flag_lines,
            "",
            "Settings, as this run would use them (change one with --config.NAME=VALUE):",
            *(f"  {setting.ljust(width)}  # {help}" for setting, help in settings),
        ]
    )


def _listed_settings(config, settings_help, prefix=""):
    """`(setting = value, help)` pairs of `config`'s settings, nested configs field by field."""
    listed = []
    for name, help in settings_help.items():
        if name not in config:
            continue
        value = config[name]
        if isinstance(value, ml_collections.ConfigDict):
            listed.extend(_listed_settings(value, base.HELP, prefix=f"{prefix}{name}."))
        else:
            listed.append((f"{prefix}{name} = {value!r}", help))
    return listed


def _parse_flags(argv, settings_help=None):
    """absl's flag parsing, with `--help` listing the settings and errors on one line."""
    wants_help = any(argument in _HELP_ARGUMENTS for argument in argv[1:])
    argv = [argument for argument in argv if argument not in _HELP_ARGUMENTS]
    with _flag_errors():
        try:
            remaining = flags.FLAGS(argv)
        except flags.IllegalFlagValueError:
            # Raised after parsing only for a missing required flag (--output_dir).
            if not (wants_help and flags.FLAGS.is_parsed()):
                raise
            remaining = argv
    if wants_help:
        print(help_text(settings_help))
        sys.exit(0)
    config = flags.FLAGS.config
    if not isinstance(config, ml_collections.ConfigDict):  # ml_collections defers a load error
        _exit_with_flag_error(f"--config: {config._error}")
    return remaining


@contextlib.contextmanager
def _flag_errors():
    """Exits like absl on a bad flag, and on an unknown setting, which ml_collections lets through."""
    try:
        yield
    except flags.Error as error:
        _exit_with_flag_error(error)
    except (AttributeError, KeyError) as error:
        # ml_collections quotes the name twice: "'\\'epoch\\'\\nDid you mean ...?'".
        name, _, suggestion = re.sub(r"[\\'\"]", "", str(error).replace("\\n", " ")).partition(" ")
        _exit_with_flag_error(f"unknown setting --config.{name}. {suggestion}")


def _exit_with_flag_error(message):
    message = str(message)
    if "Traceback (most recent call last)" in message:  # a config file's get_config raised
        message = f"{message.split(': ', 1)[0]}: {message.strip().splitlines()[-1]}"
    sys.stderr.write(f"FATAL Flags parsing error: {' '.join(message.split())}\n")
    sys.stderr.write("Pass --help to see the flags and settings.\n")
    sys.exit(1)


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
            f"{error.diagnosis} Try a lower --config.learning_rate, check the data for NaN or Inf, "
            "or enable --config.r1_weight (e.g. 10)."
        )
    return " ".join(str(error).split())


_PROJECT_ROOTS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) for module in (distribute, sys.modules[__name__])
)
