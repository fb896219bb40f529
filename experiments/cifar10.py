r"""Trains the paper's convolutional GAN on CIFAR-10 (needs tfds data or network).

    python -m experiments.cifar10 --output_dir=runs/cifar10 --data_dir=~/tensorflow_datasets
"""

from absl import app
from absl import flags

from experiments import flags as experiment_flags
from experiments import train

_PREPROCESSING = flags.DEFINE_enum(
    "preprocessing", "gcn", ["gcn", "scale"], "gcn: global contrast normalisation (scale 55, the original); scale: [-1, 1]."
)
# The original CIFAR-10 settings (REFERENCE.md section 3).
_PAPER_SETTINGS = {"batch_size": 128, "learning_rate": 0.004}


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    preset_is_paper = experiment_flags.PRESET.value == "paper"
    config = experiment_flags.config_from_flags(
        "cifar10",
        launcher_defaults=_PAPER_SETTINGS if preset_is_paper else None,
        preprocessing=_PREPROCESSING.value,
    )
    experiment_flags.write_flagfile(config, f"{config.output_dir}/flags.txt", launcher_flags=("preprocessing",))
    metrics = train.train_and_evaluate(config)
    print(
        f"Parzen log-likelihood {metrics['parzen_log_likelihood']:.1f} "
        f"+- {metrics['parzen_stderr']:.1f} nats; outputs in {config.output_dir}"
    )


if __name__ == "__main__":
    experiment_flags.run(main)
