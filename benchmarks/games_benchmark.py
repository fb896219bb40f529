"""The games of `keras_gan.losses` side by side: mode coverage on the ring, step time on MNIST.

Parts:

- ring: every game trains the 8-Gaussian ring with the toy launcher's
  defaults (`experiments/configs/toy_ring.py`, the networks of
  `experiments.sources.ToyData`, the
  `training_pipeline`, 10 steps per call), the paper's game alongside;
  reported: modes covered (of 8), the share of high-quality samples (within
  3 standard deviations of a mode) and the time per step. A game keeps the
  toy default regulariser, R1(0.1), unless its entry names another:
  `wasserstein+gradient_penalty` trains with GradientPenalty(10) instead.
- mnist: time per step of Algorithm 1 for each game on the paper's MNIST
  networks (as `training_benchmark.build_gan` builds them: G
  100-1200-1200-784, maxout D 240x5 x2 with dropout, the paper's SGD 0.1
  with momentum 0.5, k = 1, m = 100, 10 steps per call), timed like
  `training_benchmark` does: one-epoch `fit` calls of `--steps` iterations
  (the first call, which traces, left out), in interleaved rounds; medians
  of wall and process CPU time per step, and each game's per-round ratio to
  the paper's game.

Usage:
    python -m benchmarks.games_benchmark [--parts=ring,mnist] [--games=...]
        [--toy_epochs=40] [--rounds=5] [--steps=100]
"""

import gzip
import os
import time

import keras
import numpy as np
import tensorflow as tf
from absl import app
from absl import flags

import keras_gan
from experiments import sources
from experiments import train
from experiments.configs import toy_ring

_PARTS = ("ring", "mnist")
_GAMES = (
    "non_saturating",
    "minimax",
    "hinge",
    "least_squares",
    "wasserstein",
    "wasserstein+gradient_penalty",
)
_PART_LIST = flags.DEFINE_list("parts", list(_PARTS), f"Parts to run, of {_PARTS}.")
_GAME_LIST = flags.DEFINE_list(
    "games", list(_GAMES), "Games, each `name` or `name+regularizer` (keras_gan.losses names)."
)
_TOY_EPOCHS = flags.DEFINE_integer("toy_epochs", None, "Epochs on the ring; default: the toy launcher's.")
_RING_SEED = flags.DEFINE_integer("ring_seed", 0, "Seed of the ring runs.")
_ROUNDS = flags.DEFINE_integer("rounds", 5, "Interleaved rounds of every game (mnist).")
_STEPS = flags.DEFINE_integer("steps", 100, "Iterations per timed block (mnist).")
_MNIST_DIR = flags.DEFINE_string(
    "mnist_dir", "/work/shared/data/mnist-8k", "Directory with images-idx3-ubyte.gz (mnist)."
)
_M = 100


def parse_game(entry, default_regularizer):
    """`"wasserstein+gradient_penalty"` -> `(Wasserstein(), GradientPenalty(10))`."""
    name, _, regularizer = entry.partition("+")
    game = keras_gan.losses.get(name)
    return game, keras_gan.losses.get(regularizer) if regularizer else default_regularizer


# ---------------------------------------------------------------- ring


def ring_config(seed, epochs=None):
    """The toy launcher's default config (`experiments/configs/toy_ring.py`), as it runs it."""
    config = toy_ring.get_config()
    config.update(seed=seed, verbose=0)
    if epochs is not None:
        config.epochs = epochs
    return train.resolve(config)


def train_ring(entry, config):
    """Trains one game on the ring; returns (modes covered, high-quality share, ms per step)."""
    keras.utils.set_random_seed(config.seed)
    data = sources.ToyData(config)
    # The launcher's networks and remedies; the game and its regulariser chosen here.
    game, regularizer = parse_game(entry, keras_gan.losses.R1(config.r1_weight))
    gan = keras_gan.GAN(
        *data.networks(config),
        latent_prior=config.latent_prior,
        discriminator_steps=config.discriminator_steps,
        real_label=config.real_label,
        instance_noise=config.instance_noise,
        ema_decay=config.ema_decay or None,
        seed=config.seed,
    )
    steps_per_epoch = config.num_examples // config.batch_size
    gan.compile(
        d_optimizer=train.make_optimizer(config, steps_per_epoch),
        g_optimizer=train.make_optimizer(config, steps_per_epoch),
        loss=game,
        regularizer=regularizer,
        steps_per_execution=config.steps_per_execution,
    )
    batches = keras_gan.data.training_pipeline(data.train, config.batch_size, seed=config.seed)
    start = time.perf_counter()
    gan.fit(batches, epochs=config.epochs, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    samples = gan.generate(10000, seed=config.seed)
    result = keras_gan.metrics.mode_coverage(samples, data.distribution)
    steps = config.epochs * steps_per_epoch
    return result.modes_covered, result.high_quality_fraction, 1e3 * seconds / steps


def ring_part(games, seed, epochs):
    config = ring_config(seed, epochs)
    print(
        f"\n== 8-Gaussian ring, toy defaults ({config.epochs} epochs of {config.num_examples} "
        f"examples, m={config.batch_size}, Adam {config.learning_rate} "
        f"beta_1={config.beta_1}, R1 {config.r1_weight} unless named, EMA {config.ema_decay}, "
        f"seed {seed})"
    )
    print(f"  {'game':32s} {'modes':>6s} {'high quality':>13s} {'ms/step (incl. first call)':>28s}")
    for entry in games:
        modes, quality, ms = train_ring(entry, config)
        print(f"  {entry:32s} {modes:4d}/8 {100 * quality:12.1f}% {ms:28.2f}")


# ---------------------------------------------------------------- mnist


def load_digits(directory):
    with gzip.open(os.path.join(directory, "images-idx3-ubyte.gz")) as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape([-1, 28, 28, 1])
    return digits.astype(np.float32) / 255.0


def paper_gan(digits, game, regularizer):
    generator = keras_gan.models.mnist_generator(data_mean=digits.mean(0), seed=0)
    discriminator = keras_gan.models.mnist_discriminator(seed=10)
    gan = keras_gan.GAN(generator, discriminator, seed=0)
    gan.compile(
        d_optimizer=keras_gan.optimizers.ScheduledMomentumSGD(0.1, momentum=0.5),
        g_optimizer=keras_gan.optimizers.ScheduledMomentumSGD(0.1, momentum=0.5),
        loss=game,
        regularizer=regularizer,
        steps_per_execution=train.STEPS_PER_EXECUTION_ONE_DEVICE,
    )
    return gan


class _FitTimer(keras.callbacks.Callback):
    """Wall and process CPU seconds from `on_epoch_begin` to `on_epoch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = (time.perf_counter() - self.start[0], time.process_time() - self.start[1])


def mnist_part(games, digits, steps, rounds):
    print(f"\n== Step time per game, paper MNIST networks (k=1, m={_M}): "
          f"{rounds} rounds x {steps} iterations")
    count = len(digits) // _M
    dataset = tf.data.Dataset.from_tensor_slices(digits[: count * _M].reshape(count, _M, 28, 28, 1)).repeat()
    timer = _FitTimer()
    gans = {}
    for entry in games:
        gans[entry] = paper_gan(digits, *parse_game(entry, None))
        gans[entry].fit(dataset, epochs=1, steps_per_epoch=10, verbose=0)  # Traces.
    times = {entry: [] for entry in games}  # [rounds, (wall, cpu)] seconds per step
    for r in range(rounds):
        for entry in games[r % len(games):] + games[: r % len(games)]:
            gans[entry].fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
            times[entry].append(np.array(timer.seconds) / steps)
    times = {entry: np.array(value) for entry, value in times.items()}
    paper = games[0]
    print(f"  {'game':30s} {'wall ms/step, median (min-max)':32s} {'CPU ms/step':>12s}   "
          f"per-round ratio to {paper}: wall median (min-max), CPU median")
    for entry, value in times.items():
        wall, cpu = 1e3 * value[:, 0], 1e3 * value[:, 1]
        wall_ratio = value[:, 0] / times[paper][:, 0]
        cpu_ratio = value[:, 1] / times[paper][:, 1]
        print(f"  {entry:30s} {np.median(wall):8.2f} ({wall.min():6.2f}-{wall.max():6.2f}){'':9s} "
              f"{np.median(cpu):12.2f}   {np.median(wall_ratio):5.2f}x "
              f"({wall_ratio.min():.2f}-{wall_ratio.max():.2f}), {np.median(cpu_ratio):5.2f}x")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    started = time.perf_counter()
    games = _GAME_LIST.value
    for entry in games:
        parse_game(entry, None)  # Unknown names fail before any training.
    print(f"keras {keras.__version__}; load average at start {os.getloadavg()[0]:.2f} (shared machine)")
    if "ring" in _PART_LIST.value:
        ring_part(games, _RING_SEED.value, _TOY_EPOCHS.value)
    if "mnist" in _PART_LIST.value:
        mnist_part(games, load_digits(_MNIST_DIR.value), _STEPS.value, _ROUNDS.value)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    app.run(main)
