r"""Trains a GAN on a toy distribution that needs no download.

Problems: `ring` (8 Gaussians on a circle) and `grid` (5x5 Gaussians), the
standard mode-collapse benchmarks, scored by mode coverage; `gaussian_1d`, the
paper's Figure 1, scored by how close D(x) is to 1/2 over the data.

    python -m experiments.toy --problem=ring --output_dir=runs/ring
"""

import dataclasses
import os
import time

import numpy as np
from absl import app
from absl import flags

import keras_gan
from experiments import flags as experiment_flags
from experiments import reporting
from experiments import train

_PROBLEM = flags.DEFINE_enum("problem", "ring", ["ring", "grid", "gaussian_1d"], "Toy distribution.")
_NUM_EXAMPLES = flags.DEFINE_integer("num_examples", 50000, "Training examples drawn from the distribution.")
flags.register_validator("num_examples", lambda v: v >= 1, message="--num_examples must be positive.")

# Settings that train these small problems in about two minutes here; flags override them.
TOY_DEFAULTS = {
    "latent_prior": "gaussian",
    "latent_dim": 16,
    "epochs": 40,
    "batch_size": 256,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "beta_1": 0.5,
    "r1_weight": 0.1,
    "ema_decay": 0.999,
}
_EVALUATION_SAMPLES = 10000
# The modes' widths (0.02, 0.05) sit far below the paper's image grid [0.1, 1].
_TOY_SIGMAS = np.logspace(-3, 0, 13)


def train_toy(config):
    """Trains on `config.problem` and writes plots, models and metrics.

    Args:
        config: An `experiments.config.TrainConfig` with `dataset="toy"`.

    Returns:
        The metrics dict also written to `metrics.json`.

    Raises:
        keras_gan.callbacks.NonFiniteLossError: when training diverges.
    """
    start = time.time()
    strategy = train.setup_run(config)
    distribution = keras_gan.toy.get(config.problem)
    num_examples = config.num_examples
    preset = config.resolved_preset()
    steps_per_epoch = max(1, num_examples // (preset.batch_size * config.discriminator_steps))
    with strategy.scope():
        gan = _build_gan(config, preset, distribution)
        train.compile_gan(gan, config, preset, steps_per_epoch)
    batches = train.shard_by_data(
        keras_gan.data.training_pipeline(
            distribution.dataset(num_examples, seed=config.seed),
            preset.batch_size,
            config.discriminator_steps,
            seed=config.seed,
        )
    )
    with keras_gan.distribute.writable_directory(config.output_dir, strategy) as output_dir:
        run = dataclasses.replace(config, output_dir=output_dir)
        train.trim_history(run, restore_from=config.output_dir)
        callbacks = train.run_callbacks(run, restore_from=config.output_dir, dataset=batches)
        history = gan.fit(
            batches, epochs=config.epochs, callbacks=callbacks, verbose=config.verbose, shuffle=False
        )
        metrics = _evaluate(run, gan, distribution)
        metrics.update(
            epochs=int(config.epochs),
            num_replicas=int(strategy.num_replicas_in_sync),
            weights_sha256=train.weights_digest(gan),
            wall_time_seconds=round(time.time() - start, 1),
            final_logs={k: float(v[-1]) for k, v in history.history.items() if v},
        )
        reporting.save_models(gan, output_dir)
        reporting.write_metrics(metrics, os.path.join(output_dir, "metrics.json"))
    return metrics


def _build_gan(config, preset, distribution):
    # Both networks work on data centred at the origin, where their ReLU kinks
    # start (see `mlp_discriminator`): without it the 1-D generator ends 40%
    # too wide or 25% too narrow. The scales are already O(1); rescaling
    # them measured worse on the grid (68% high quality against 84%).
    generator = keras_gan.models.mlp_generator(
        latent_dim=config.latent_dim,
        output_shape=(distribution.dim,),
        hidden_units=(128, 128, 128),
        output_mean=distribution.mean,
        output_variance=np.ones(distribution.dim),
        seed=config.seed,
    )
    discriminator = keras_gan.models.mlp_discriminator(
        input_shape=(distribution.dim,),
        hidden_units=(128, 128, 128),
        input_mean=distribution.mean,
        input_variance=np.ones(distribution.dim),
        seed=config.seed + 1000,
    )
    return train.make_gan(config, preset, generator, discriminator)


def _evaluate(config, gan, distribution):
    samples = gan.generate(_EVALUATION_SAMPLES, seed=config.seed)
    if config.problem == "gaussian_1d":
        path = os.path.join(config.output_dir, "figure1.png")
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
    path = os.path.join(config.output_dir, "samples.png")
    reporting.plot_samples_2d(
        samples,
        distribution.modes,
        path,
        title=f"{config.problem}: {evaluation['modes_covered']}/{evaluation['num_modes']} modes, "
        f"{100 * evaluation['high_quality_fraction']:.1f}% high quality",
    )
    return {"problem": config.problem, **evaluation, "figure": path}


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    config = experiment_flags.config_from_flags(
        "toy",
        launcher_defaults=TOY_DEFAULTS,
        problem=_PROBLEM.value,
        num_examples=_NUM_EXAMPLES.value,
    )
    experiment_flags.write_flagfile(
        config, f"{config.output_dir}/flags.txt", launcher_flags=("problem", "num_examples")
    )
    metrics = train_toy(config)
    print(f"metrics: {os.path.join(config.output_dir, 'metrics.json')}")
    print(f"plot:    {metrics['figure']}")
    reported = (
        "modes_covered",
        "high_quality_fraction",
        "parzen_log_likelihood",
        "max_abs_d_minus_half_over_bulk",
        "generated_mean",
        "generated_std",
        "ks_distance",
        "weights_sha256",
    )
    for key in reported:
        if key in metrics:
            print(f"{key}: {metrics[key]}")


if __name__ == "__main__":
    experiment_flags.run(main)
