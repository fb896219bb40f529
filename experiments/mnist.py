r"""Trains a GAN on MNIST (the paper's section 5).

Offline, on the IDX files shipped with this machine's shared data:

    python -m experiments.mnist --data_dir=../shared/data/mnist-8k \
        --train_range=0:7000 --valid_range=7000:8000 --output_dir=runs/mnist
"""

from absl import app

from experiments import flags as experiment_flags
from experiments import train


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    config = experiment_flags.config_from_flags("mnist")
    experiment_flags.write_flagfile(config, f"{config.output_dir}/flags.txt")
    metrics = train.train_and_evaluate(config)
    print(
        f"Parzen log-likelihood {metrics['parzen_log_likelihood']:.1f} "
        f"+- {metrics['parzen_stderr']:.1f} nats; outputs in {config.output_dir}"
    )


if __name__ == "__main__":
    experiment_flags.run(main)
