"""Training speed of `keras_gan.GAN.fit` on the paper's MNIST GAN, against PyTorch.

One iteration is one step of Algorithm 1 with k = 1 and m = 100: the
generator 100-1200-1200-784 and the maxout discriminator 240x5 x2 with
dropout, SGD with momentum 0.5 and learning rate 0.1 (the library's
`ScheduledMomentumSGD`, which the `paper` preset uses). Sections:

- equivalence: `benchmarks.torch_reference.TorchGAN` against `fit`, from the
  same weights, with the same batches and noise and dropout off;
- iteration: `fit` (10 steps per call, the launchers' default, and 1)
  against PyTorch eager and `torch.compile` (`--torch_threads`), and a
  2048^3 float32 matmul for the machine's peak; achieved FLOP/s of the step
  from an analytic count of its matrix products;
- overhead: `fit` against a bare `tf.function` loop over the same
  `train_step`, at epochs of `--steps` and of 100 iterations (`fit` pays
  part of its cost once per epoch), one step per call each, and `fit` at
  the launchers' 10 steps per call;
- execution: `steps_per_execution` 1 / 10 / 50, and XLA (`jit_compile`);
- k: time per iteration for k = 1, 2, 5;
- conditional: the conditional MNIST GAN (10 classes, one-hot labels into
  G and D, or a projection discriminator) against the unconditional one;
- batch: iterations/s and examples/s for m = 32 ... 1024, plotted to `--plot`;
- profile: the op-time breakdown of a TF profiler trace of `fit`, then
  alternatives to the library's choices (`benchmarks/training_prototypes.py`:
  Keras' unfused SGD; maxout with `ops.max`'s gradient, with the pieces of
  a unit adjacent, and as first written) and ablations (no dropout, two
  discriminator passes instead of one on `concat([real, fake])`, the
  `keras_gan.data.training_pipeline` input pipeline), each timed against
  the library.

Contenders of a section are interleaved: every round times a block of
`--steps` iterations of each, in a rotating order. Figures are medians and
min-max over rounds of the wall time per iteration, the process CPU time per
iteration beside it (steadier on a shared machine: it does not count time
spent waiting for a core), and ratios taken within each round. Each block
also records the share of the machine's CPU time the hypervisor stole
(/proc/stat); ratios are given again over the steal-free rounds, in which
no block lost more than 2%. `fit` blocks are timed from `on_epoch_begin` to
`on_epoch_end` of one-epoch `fit` calls; the first call of every model
(tracing) is left out. The data are the real MNIST digits, pre-batched in
memory and repeated.

Usage:
    python -m benchmarks.training_benchmark [--rounds=5] [--steps=20]
        [--sections=equivalence,iteration,execution,k,batch,profile]
"""

import gzip
import itertools
import os
import platform
import time

import keras
import numpy as np
import tensorflow as tf
from absl import app
from absl import flags

import keras_gan
from benchmarks import training_prototypes as prototypes
from experiments.train import STEPS_PER_EXECUTION_ONE_DEVICE

_SECTIONS = ("equivalence", "iteration", "overhead", "execution", "k", "conditional", "batch", "profile")
_ROUNDS = flags.DEFINE_integer("rounds", 5, "Interleaved rounds of every contender.")
_STEPS = flags.DEFINE_integer("steps", 20, "Iterations per timed block (at m = 100).")
_SECTION_LIST = flags.DEFINE_list("sections", list(_SECTIONS), f"Sections to run, of {_SECTIONS}.")
_TORCH_THREADS = flags.DEFINE_integer("torch_threads", 2, "torch.set_num_threads for PyTorch.")
_TORCH_ONE_THREAD = flags.DEFINE_bool(
    "torch_one_thread", True, "Also time PyTorch eager at 1 thread (it suffers least from a busy machine).")
_TORCH_COMPILE = flags.DEFINE_bool("torch_compile", True, "Also time torch.compile.")
_BATCH_SIZES = flags.DEFINE_list("batch_sizes", ["32", "64", "128", "256", "512", "1024"],
                                 "Minibatch sizes m of the batch section.")
_PLOT = flags.DEFINE_string("plot", "docs/throughput.png", "Where the batch section's plot goes.")
_DATA_DIR = flags.DEFINE_string("data_dir", "/work/shared/data/mnist-8k",
                                "Directory with images-idx3-ubyte.gz.")
flags.register_validator("sections", lambda names: set(names) <= set(_SECTIONS),
                         f"Every section must be one of {_SECTIONS}.")

_LEARNING_RATE, _MOMENTUM, _M = 0.1, 0.5, 100


def load_digits(data_dir):
    with gzip.open(os.path.join(data_dir, "images-idx3-ubyte.gz")) as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape([-1, 28, 28, 1])
    return digits.astype(np.float32) / 255.0


def batched(digits, batch_size, labels=None):
    """The digits (and labels) as an in-memory, repeated dataset of batches: no input cost."""
    count = len(digits) // batch_size
    batches = digits[: count * batch_size].reshape(count, batch_size, *digits.shape[1:])
    if labels is not None:
        batches = (batches, labels[: count * batch_size].reshape(count, batch_size))
    return tf.data.Dataset.from_tensor_slices(batches).repeat()


def load_labels(data_dir):
    with gzip.open(os.path.join(data_dir, "labels-idx1-ubyte.gz")) as f:
        return np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int32)


# ---------------------------------------------------------------- the model


class CountingGAN(keras_gan.GAN):
    """`keras_gan.GAN` that counts how often `train_step` is traced."""

    traces = 0

    def train_step(self, data):
        self.traces += 1  # Python runs only while tracing.
        return super().train_step(data)


def build_gan(digits, k=1, gan_class=CountingGAN,
              optimizer_class=keras_gan.optimizers.ScheduledMomentumSGD,
              maxout_class=None, dropout=True, num_classes=None, conditioning="concat", **compile_kwargs):
    generator = keras_gan.models.mnist_generator(data_mean=digits.mean(0), num_classes=num_classes, seed=0)
    rates = {} if dropout else {"input_dropout": 0.0, "hidden_dropout": 0.0}
    discriminator = keras_gan.models.mnist_discriminator(
        seed=10, num_classes=num_classes, conditioning=conditioning, **rates)
    if maxout_class is not None:
        discriminator = prototypes.replace_maxout(discriminator, maxout_class)
    gan = gan_class(generator, discriminator, discriminator_steps=k, seed=0)
    gan.compile(d_optimizer=optimizer_class(_LEARNING_RATE, momentum=_MOMENTUM),
                g_optimizer=optimizer_class(_LEARNING_RATE, momentum=_MOMENTUM), **compile_kwargs)
    return gan


def step_flops(m, k, latent_dim=100, g_hidden=(1200, 1200), image_size=784, d_hidden=(240, 240),
               pieces=5):
    """Matrix-product FLOPs of one iteration (2 per multiply-add), counted exactly.

    Forward: 2 * n_in * n_out per example and layer. Backward: the weight
    gradient costs as much as the forward product, the input gradient too,
    except below the first layer of a network whose input needs no gradient
    (the real/fake images in the discriminator update, the noise in the
    generator update).
    """
    g_sizes = [latent_dim, *g_hidden, image_size]
    d_sizes = [(image_size, d_hidden[0] * pieces)]
    d_sizes += [(a, b * pieces) for a, b in zip(d_hidden[:-1], d_hidden[1:])] + [(d_hidden[-1], 1)]
    g_forward = 2 * sum(a * b for a, b in zip(g_sizes[:-1], g_sizes[1:]))
    d_forward = 2 * sum(a * b for a, b in d_sizes)
    g_first, d_first = 2 * g_sizes[0] * g_sizes[1], 2 * d_sizes[0][0] * d_sizes[0][1]
    # D update: G forward on m; D forward, weight and input gradients on 2m.
    d_update = m * g_forward + 2 * m * (2 * d_forward + d_forward - d_first)
    # G update on m: G and D forward; D input gradients only; G weight and input gradients.
    g_update = m * (g_forward + 2 * d_forward + g_forward + g_forward - g_first)
    rule_of_three = k * (m * g_forward + 3 * 2 * m * d_forward) + 3 * m * (g_forward + d_forward)
    return k * d_update + g_update, rule_of_three


# ---------------------------------------------------------------- timing


def _cpu_ticks():
    """(all, stolen) CPU ticks of the machine so far, from /proc/stat; None elsewhere.

    Stolen ticks are time the hypervisor gave this VM's CPUs to other guests:
    a block timed while they pile up measures the neighbours, not the code.
    """
    try:
        with open("/proc/stat") as f:
            ticks = [int(value) for value in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(ticks), ticks[7]


class _Stopwatch:
    """Wall time, process CPU time and the machine's stolen share over one block."""

    def start(self):
        self.begin = (time.perf_counter(), time.process_time(), _cpu_ticks())

    def stop(self, iterations):
        """Returns (wall s, CPU s) per iteration and the stolen share (NaN if unknown)."""
        wall, cpu, ticks = time.perf_counter(), time.process_time(), _cpu_ticks()
        stolen = np.nan
        if ticks and self.begin[2] and ticks[0] > self.begin[2][0]:
            stolen = (ticks[1] - self.begin[2][1]) / (ticks[0] - self.begin[2][0])
        self.result = ((wall - self.begin[0]) / iterations, (cpu - self.begin[1]) / iterations, stolen)
        return self.result


class _EpochClock(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.stopwatch = _Stopwatch()

    def on_epoch_begin(self, epoch, logs=None):
        self.stopwatch.start()

    def on_epoch_end(self, epoch, logs=None):
        self.stopwatch.stop(self.params["steps"])


class FitContender:
    """Times one-epoch `fit` calls of `steps` iterations; the first call traces."""

    def __init__(self, gan, dataset, steps):
        self.gan, self.dataset, self.steps = gan, dataset, steps
        self.clock = _EpochClock()
        start = time.perf_counter()
        self._fit(gan.steps_per_execution)
        self.first_call_seconds = time.perf_counter() - start

    def _fit(self, steps):
        self.gan.fit(self.dataset, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[self.clock])

    def __call__(self):
        self._fit(self.steps)
        return self.clock.stopwatch.result


class LoopContender:
    """Times `steps` calls of `step()`, a Python loop."""

    def __init__(self, step, steps, warmup=2):
        self.step, self.steps = step, steps
        for _ in range(warmup):
            step()

    def __call__(self):
        stopwatch = _Stopwatch()
        stopwatch.start()
        for _ in range(self.steps):
            self.step()
        return stopwatch.stop(self.steps)


def tf_function_loop(gan, dataset):
    """The bare loop: the same `train_step` in one `tf.function`, fed from an iterator."""
    iterator = iter(dataset)
    step = tf.function(lambda: gan.train_step(next(iterator)))
    return step


def interleave(contenders, rounds, before_each=None):
    """Runs every contender once per round, in a rotating order.

    Returns:
        {name: array [rounds, 3]} of wall and CPU seconds per iteration and
        the share of the machine's CPU time stolen by the hypervisor during
        the timed block (NaN where /proc/stat is missing).
    """
    names = list(contenders)
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            if before_each:
                before_each(name)
            times[name].append(contenders[name]())
    return {name: np.array(value) for name, value in times.items()}


def steal_free(times, limit=0.02):
    """Rounds in which no contender's block lost more than `limit` of the CPUs to steal."""
    stolen = np.stack([value[:, 2] for value in times.values()])
    return np.all(stolen <= limit, axis=0)


def describe(seconds, unit=1e3):
    values = seconds * unit
    return f"{np.median(values):8.2f} ({values.min():.2f}-{values.max():.2f})"


def ratio(times, slow, fast, column=0, rounds=None):
    """Per-round ratios slow/fast: median and min-max, and the ratio of medians.

    `rounds` optionally selects rounds (a boolean mask, e.g. `steal_free`).
    """
    slow_times, fast_times = times[slow][:, column], times[fast][:, column]
    if rounds is not None:
        slow_times, fast_times = slow_times[rounds], fast_times[rounds]
    per_round = slow_times / fast_times
    of_medians = np.median(slow_times) / np.median(fast_times)
    return np.median(per_round), per_round.min(), per_round.max(), of_medians


def print_table(times, header="ms per iteration", unit=1e3):
    print(f"  {'contender':34s} {'wall ' + header + ' median (min-max)':38s}  "
          f"{'CPU (all threads)':26s}  stolen CPU, median (max)")
    for name, value in times.items():
        print(f"  {name:34s} {describe(value[:, 0], unit):38s}  {describe(value[:, 1], unit):26s}  "
              f"{100 * np.median(value[:, 2]):.1f}% ({100 * np.max(value[:, 2]):.1f}%)")


def print_ratio(times, slow, fast, label):
    """Prints slow/fast over all rounds and over the steal-free ones.

    Returns:
        The median per-round ratio on wall time, on CPU time, and on wall time
        in steal-free rounds (NaN when there are none).
    """
    median, low, high, of_medians = ratio(times, slow, fast)
    cpu = ratio(times, slow, fast, column=1)[0]
    quiet = steal_free(times)
    quiet_median = np.nan
    text = "no steal-free round"
    if quiet.any():
        quiet_median, quiet_low, quiet_high, _ = ratio(times, slow, fast, rounds=quiet)
        text = (f"steal-free rounds ({quiet.sum()} of {len(quiet)}): {quiet_median:.2f}x "
                f"({quiet_low:.2f}-{quiet_high:.2f})")
    print(f"  {label}: {median:.2f}x (per-round {low:.2f}-{high:.2f}; ratio of medians "
          f"{of_medians:.2f}x; CPU time {cpu:.2f}x; {text})")
    return median, cpu, quiet_median


# ---------------------------------------------------------------- sections


def equivalence_section(digits):
    from benchmarks import torch_reference

    print("\n== Equivalence of the PyTorch reference (dropout off, same initial weights, batches and "
          "noise; 3 steps of fit vs TorchGAN.train_step)")
    for k in (1, 2):
        generator = keras_gan.models.mnist_generator(data_mean=digits.mean(0), seed=0)
        discriminator = keras_gan.models.mnist_discriminator(seed=10, input_dropout=0.0,
                                                             hidden_dropout=0.0)
        gap = torch_reference.compare_training_steps(generator, discriminator,
                                                     digits[: 3 * k * _M], k)
        losses = ", ".join(f"({d:.6f}, {g:.6f})" for d, g in gap["keras_losses"])
        print(f"  k={k}, m={_M}: equivalence: max |dloss|={max(gap['d_loss'], gap['g_loss']):.1e}, "
              f"max |dw|={gap['weights']:.1e} (largest weight change over the 3 steps "
              f"{gap['update']:.1e}); Keras (d_loss, g_loss) per step: {losses}")
    return gap


def iteration_section(digits, steps, rounds):
    import torch

    from benchmarks import torch_reference

    torch.set_num_threads(_TORCH_THREADS.value)
    torch_eager = f"PyTorch eager ({_TORCH_THREADS.value} threads)"
    dataset = batched(digits, _M)
    contenders = {}
    # As the launchers run it; one step per call is timed too.
    fit_gan = build_gan(digits, steps_per_execution=STEPS_PER_EXECUTION_ONE_DEVICE)
    contenders["keras_gan fit"] = FitContender(fit_gan, dataset, steps)
    contenders["keras_gan fit, 1 step per call"] = FitContender(build_gan(digits), dataset, steps)
    real = torch.from_numpy(digits[: len(digits) // _M * _M]).view(-1, _M, 28, 28, 1)
    torch_models = {"PyTorch eager": False}
    if _TORCH_COMPILE.value:
        torch_models["torch.compile"] = True
    compile_seconds = None
    for name, compiled in torch_models.items():
        reference = torch_reference.TorchGAN.from_keras(
            fit_gan.generator, fit_gan.discriminator, compile=compiled)
        batches = itertools.cycle(real)
        start = time.perf_counter()
        contenders[f"{name} ({_TORCH_THREADS.value} threads)"] = LoopContender(
            lambda reference=reference, batches=batches: reference.train_step(next(batches)), steps)
        if compiled:
            compile_seconds = time.perf_counter() - start
    if _TORCH_ONE_THREAD.value and _TORCH_THREADS.value != 1:
        contenders["PyTorch eager (1 thread)"] = contenders[torch_eager]
    a = tf.random.uniform([2048, 2048])
    product = tf.function(lambda a: tf.matmul(a, a))
    contenders["float32 matmul 2048^3 (peak)"] = LoopContender(lambda: product(a).numpy(), 3)
    print(f"\n== One iteration (k=1, m={_M}): {rounds} interleaved rounds x {steps} iterations; keras_gan "
          f"fit with steps_per_execution={STEPS_PER_EXECUTION_ONE_DEVICE}, the launchers' default")
    def set_threads(name):
        torch.set_num_threads(1 if name == "PyTorch eager (1 thread)" else _TORCH_THREADS.value)

    times = interleave(contenders, rounds, before_each=set_threads)
    peak = times.pop("float32 matmul 2048^3 (peak)")
    print_table(times)
    flops, rule = step_flops(_M, 1)
    peak_rates = 2 * 2048**3 / peak[:, :2]
    print(f"  float32 matmul 2048^3 peak: {describe(peak_rates[:, 0], 1e-9)} GFLOP/s wall, "
          f"{describe(peak_rates[:, 1], 1e-9)} GFLOP per CPU-second")
    results = {"vs eager": print_ratio(times, torch_eager, "keras_gan fit",
                                       "keras_gan faster than PyTorch eager")}
    print_ratio(times, torch_eager, "keras_gan fit, 1 step per call",
                "keras_gan at 1 step per call faster than PyTorch eager")
    if _TORCH_COMPILE.value:
        torch_compiled = f"torch.compile ({_TORCH_THREADS.value} threads)"
        results["vs compile"] = print_ratio(times, torch_compiled, "keras_gan fit",
                                            "keras_gan faster than torch.compile")
        print(f"    (torch.compile's first calls, compilation included: {compile_seconds:.1f} s)")
    if "PyTorch eager (1 thread)" in times:
        print_ratio(times, "PyTorch eager (1 thread)", "keras_gan fit",
                    "keras_gan faster than PyTorch eager at 1 thread (least hurt by a busy machine)")
    fit = times["keras_gan fit"][:, :2]
    efficiency = flops / fit / peak_rates  # per round, wall and CPU
    results["efficiency"] = np.median(efficiency, axis=0)
    print(f"  analytic matmul FLOPs per iteration: {flops / 1e9:.3f} GFLOP ({rule / 1e9:.3f} by the "
          f"'backward = 2x forward' rule); achieved {flops / np.median(fit[:, 0]) / 1e9:.1f} GFLOP/s "
          f"= {100 * results['efficiency'][0]:.0f}% of the matmul peak measured in the same rounds "
          f"({100 * efficiency[:, 0].min():.0f}-{100 * efficiency[:, 0].max():.0f}%); per CPU-second "
          f"{flops / np.median(fit[:, 1]) / 1e9:.1f} GFLOP = {100 * results['efficiency'][1]:.0f}% "
          f"({100 * efficiency[:, 1].min():.0f}-{100 * efficiency[:, 1].max():.0f}%)")
    print(f"  train_step traced {fit_gan.traces} time(s) over {rounds + 1} fit calls")
    return results


def overhead_section(digits, steps, rounds, long_epoch=100):
    """`fit` against the bare loop at two epoch lengths; returns the long epoch's overhead."""
    dataset = batched(digits, _M)
    lengths = sorted({steps, long_epoch})
    rounds = 2 * rounds  # The figure in question is a few percent: more rounds.
    print(f"\n== fit against a bare tf.function loop over the same train_step (k=1, m={_M}): "
          f"{rounds} rounds, epochs of {' and '.join(map(str, lengths))} iterations")
    contenders = {}
    for length in lengths:
        contenders[f"keras_gan fit, {length}-step epochs"] = FitContender(build_gan(digits), dataset, length)
        contenders[f"bare loop, {length} steps"] = LoopContender(
            tf_function_loop(build_gan(digits), dataset), length)
    per_call = STEPS_PER_EXECUTION_ONE_DEVICE
    launcher_fit = f"keras_gan fit, {lengths[-1]}-step epochs, {per_call} steps per call"
    contenders[launcher_fit] = FitContender(
        build_gan(digits, steps_per_execution=per_call), dataset, lengths[-1])
    # Keras' own compiled step without fit's epoch machinery: splits the gap.
    keras_step_gan = build_gan(digits)
    keras_step_gan.make_train_function()
    iterator = iter(dataset)
    contenders[f"Keras train_function, {lengths[-1]} steps"] = LoopContender(
        lambda: keras_step_gan.train_function(iterator), lengths[-1])
    times = interleave(contenders, rounds)
    print_table(times)
    step = ratio(times, f"Keras train_function, {lengths[-1]} steps", f"bare loop, {lengths[-1]} steps")
    step_cpu = ratio(times, f"Keras train_function, {lengths[-1]} steps", f"bare loop, {lengths[-1]} steps", 1)
    print(f"  Keras' train_function called in a Python loop: {100 * (step[0] - 1):+.1f}% wall, "
          f"{100 * (step_cpu[0] - 1):+.1f}% CPU over the bare loop (the part of the gap inside the step)")
    for length in lengths:
        fit, loop = f"keras_gan fit, {length}-step epochs", f"bare loop, {length} steps"
        wall = ratio(times, fit, loop)
        cpu = ratio(times, fit, loop, column=1)[0]
        print(f"  {length}-step epochs: fit overhead {100 * (wall[0] - 1):+.1f}% wall (per-round "
              f"{100 * (wall[1] - 1):+.1f}% to {100 * (wall[2] - 1):+.1f}%), {100 * (cpu - 1):+.1f}% CPU")
    longest = lengths[-1]
    fit, loop = f"keras_gan fit, {longest}-step epochs", f"bare loop, {longest} steps"
    wall, cpu = ratio(times, launcher_fit, loop), ratio(times, launcher_fit, loop, column=1)
    print(f"  {longest}-step epochs, {per_call} steps per call (the launchers' default) against the bare "
          f"loop of single steps: {100 * (wall[0] - 1):+.1f}% wall, {100 * (cpu[0] - 1):+.1f}% CPU")
    return ratio(times, fit, loop)[0] - 1, ratio(times, fit, loop, column=1)[0] - 1


def execution_section(digits, steps, rounds):
    steps = max(50, steps // 50 * 50)
    dataset = batched(digits, _M)
    print(f"\n== steps_per_execution and XLA (k=1, m={_M}): {rounds} rounds x {steps} iterations")
    contenders = {}
    for per_execution in (1, 10, 50):
        contenders[f"steps_per_execution={per_execution}"] = FitContender(
            build_gan(digits, steps_per_execution=per_execution), dataset, steps)
    xla = FitContender(build_gan(digits, jit_compile=True), dataset, steps)
    contenders["jit_compile=True (XLA)"] = xla
    times = interleave(contenders, rounds)
    print_table(times)
    best = min(times, key=lambda name: np.median(times[name][:, 0]))
    print(f"  fastest: {best}")
    print_ratio(times, "jit_compile=True (XLA)", "steps_per_execution=1",
                "XLA off faster than XLA on")
    print(f"    (the XLA model's first fit call, compilation included: {xla.first_call_seconds:.1f} s)")


def k_section(digits, steps, rounds):
    print(f"\n== Discriminator steps k (m={_M}, batches of k*m): {rounds} rounds x {steps} iterations")
    ks = (1, 2, 5)
    contenders = {f"k={k}": FitContender(build_gan(digits, k=k), batched(digits, k * _M), steps)
                  for k in ks}
    times = interleave(contenders, rounds)
    print_table(times)
    predicted = [step_flops(_M, k)[0] / step_flops(_M, 1)[0] for k in ks]
    for column, label in ((0, "wall"), (1, "CPU")):
        medians = np.array([np.median(times[f"k={k}"][:, column]) for k in ks])
        slope, intercept = np.polyfit(ks, medians, 1)
        worst = np.abs(np.polyval([slope, intercept], ks) / medians - 1).max()
        print(f"  {label:4s} time(k) / time(1): " + ", ".join(
            f"k={k}: {ratio(times, f'k={k}', 'k=1', column)[0]:.2f}" for k in ks)
            + f"; linear fit {1e3 * intercept:.1f} ms + {1e3 * slope:.1f} ms x k, largest deviation "
            f"{100 * worst:.1f}%; an extra D update costs {slope / medians[0]:.2f} of a k=1 iteration")
    print("  analytic FLOPs(k) / FLOPs(1): " + ", ".join(f"k={k}: {p:.2f}" for k, p in zip(ks, predicted)))


def conditional_section(digits, labels, steps, rounds):
    print(f"\n== Conditional (10 classes) against unconditional (k=1, m={_M}, 10 steps per call): "
          f"{rounds} rounds x {steps} iterations")
    per_call = {"steps_per_execution": STEPS_PER_EXECUTION_ONE_DEVICE}
    contenders = {
        "unconditional": FitContender(build_gan(digits, **per_call), batched(digits, _M), steps),
        "conditional, concat": FitContender(
            build_gan(digits, num_classes=10, **per_call), batched(digits, _M, labels), steps),
        "conditional, projection": FitContender(
            build_gan(digits, num_classes=10, conditioning="projection", **per_call),
            batched(digits, _M, labels), steps),
    }
    times = interleave(contenders, rounds)
    print_table(times)
    results = {}
    for name in ("conditional, concat", "conditional, projection"):
        results[name] = print_ratio(times, name, "unconditional", f"{name} time / unconditional time")[:2]
    return results


def batch_section(digits, steps, rounds, plot_path):
    sizes = [int(size) for size in _BATCH_SIZES.value]
    print(f"\n== Minibatch size m (k=1): {rounds} rounds, blocks of {steps} x 100 / m iterations")
    contenders = {f"m={m}": FitContender(build_gan(digits), batched(digits, m), max(3, steps * _M // m))
                  for m in sizes}
    times = interleave(contenders, rounds)
    print(f"  {'m':>6s} {'iterations/s median (min-max)':32s} {'examples/s median (min-max)':34s} "
          "examples per CPU-second")
    rates = []
    for m in sizes:
        per_second = 1.0 / times[f"m={m}"][:, :2]  # [rounds, (wall, CPU)]
        rates.append(per_second)
        print(f"  {m:6d} {describe(per_second[:, 0], 1):32s} {describe(per_second[:, 0] * m, 1):34s} "
              f"{describe(per_second[:, 1] * m, 1)}")
    _plot_throughput(sizes, rates, plot_path)
    print(f"  plot: {plot_path}")


def _plot_throughput(sizes, rates, path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for axis, scale, label in ((axes[0], np.ones(len(sizes)), "iterations / s"),
                               (axes[1], np.array(sizes), "examples / s")):
        for column, legend, style in ((0, "per second (wall clock)", "o-"),
                                      (1, "per CPU-second", "s--")):
            values = [r[:, column] * s for r, s in zip(rates, scale)]
            medians = np.array([np.median(v) for v in values])
            errors = [medians - [v.min() for v in values], [v.max() for v in values] - medians]
            axis.errorbar(sizes, medians, yerr=errors, fmt=style, capsize=3, label=legend)
        axis.legend(fontsize=8)
        axis.set_xscale("log", base=2)
        axis.set_xticks(sizes, [str(size) for size in sizes])
        axis.set_ylim(bottom=0)
        axis.set_xlabel("minibatch size m (k = 1)")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    figure.suptitle(f"keras_gan fit, MNIST MLP GAN, {os.cpu_count()} CPU cores (median, min-max)")
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def profile_section(digits, steps, rounds):
    dataset = batched(digits, _M)
    print(f"\n== Profile (k=1, m={_M})")
    base = build_gan(digits)
    base.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
    shares = prototypes.op_breakdown(base, dataset, steps)
    print("  TF profiler, share of op time over the iteration's ops: " + ", ".join(
        f"{name} {100 * share:.0f}%" for name, share in shares.items()))
    maxout_gap, sgd_gap = prototypes.check_alternatives(digits, _LEARNING_RATE, _MOMENTUM)
    print(f"  alternatives agree with the library: maxout logits and gradients max |diff| {maxout_gap:.1e}; "
          f"keras.optimizers.SGD weights after 5 steps max |diff| {sgd_gap:.1e}")
    pipeline = keras_gan.data.training_pipeline(
        tf.data.Dataset.from_tensor_slices(digits), batch_size=_M, seed=0).repeat()
    def variant(dataset=dataset, **kwargs):
        return FitContender(build_gan(digits, **kwargs), dataset, steps)

    contenders = {
        "library": FitContender(base, dataset, steps),
        "unfused keras.optimizers.SGD": variant(optimizer_class=keras.optimizers.SGD),
        "ReduceMaxMaxout": variant(maxout_class=prototypes.ReduceMaxMaxout),
        "TransposedMaxout": variant(maxout_class=prototypes.TransposedMaxout),
        "LastAxisMaxout": variant(maxout_class=prototypes.LastAxisMaxout),
        "unfused SGD + LastAxisMaxout (as first written)": variant(
            optimizer_class=keras.optimizers.SGD, maxout_class=prototypes.LastAxisMaxout),
        "ablation: no dropout": variant(dropout=False),
        "ablation: D on real, fake apart": variant(gan_class=prototypes.TwoPassGAN),
        "ablation: training_pipeline input": variant(dataset=pipeline),
    }
    print(f"  {rounds} rounds x {steps} iterations:")
    times = interleave(contenders, rounds)
    print_table(times)
    for name in list(contenders)[1:]:
        print_ratio(times, name, "library", f"{name} / library")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    started = time.perf_counter()
    sections, steps, rounds = _SECTION_LIST.value, _STEPS.value, _ROUNDS.value
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    versions = f"TF {tf.__version__}, Keras {keras.__version__}"
    try:
        import torch

        versions += f", torch {torch.__version__}"
    except ImportError:
        torch = None
    print(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; {versions}; "
          f"load average at start {os.getloadavg()[0]:.2f} (shared machine)")
    print(f"TF threads intra-op {tf.config.threading.get_intra_op_parallelism_threads() or 'all cores'}, "
          f"inter-op {tf.config.threading.get_inter_op_parallelism_threads() or 'all cores'}; "
          f"oneDNN {'off' if os.environ.get('TF_ENABLE_ONEDNN_OPTS') == '0' else 'on (default)'}; "
          f"GAN.compile's jit_compile='auto' resolves to {_resolved_jit()}")
    digits = load_digits(_DATA_DIR.value)
    if torch is None and {"equivalence", "iteration"} & set(sections):
        print("PyTorch is not installed (pip install -e '.[bench]'): skipping equivalence and iteration.")
        sections = [s for s in sections if s not in ("equivalence", "iteration")]
    results = {}
    if "equivalence" in sections:
        results["equivalence"] = equivalence_section(digits)
    if "iteration" in sections:
        results.update(iteration_section(digits, steps, rounds))
    if "overhead" in sections:
        results["fit overhead"] = overhead_section(digits, steps, rounds)
    if "execution" in sections:
        execution_section(digits, steps, rounds)
    if "k" in sections:
        k_section(digits, steps, rounds)
    if "conditional" in sections:
        results["conditional"] = conditional_section(digits, load_labels(_DATA_DIR.value), steps, rounds)
    if "batch" in sections:
        batch_section(digits, steps, rounds, _PLOT.value)
    if "profile" in sections:
        profile_section(digits, steps, rounds)
    checks = []  # (name, passed on wall-clock time, passed on CPU time)
    if "equivalence" in results:
        gap = results["equivalence"]
        ok = max(gap["d_loss"], gap["g_loss"], gap["weights"]) <= 1e-5
        checks.append(("equivalence <= 1e-5", ok, ok))
    if "vs eager" in results:
        checks.append((">= 1.25x vs PyTorch eager", *(r >= 1.25 for r in results["vs eager"][:2])))
        checks.append(("the same in steal-free rounds", results["vs eager"][2] >= 1.25, None))
    if "vs compile" in results:
        checks.append((">= 1.0x vs torch.compile", *(r >= 1.0 for r in results["vs compile"][:2])))
    if "efficiency" in results:
        checks.append((">= 60% of matmul peak", *(r >= 0.6 for r in results["efficiency"])))
    if "fit overhead" in results:
        checks.append(("fit overhead <= 5% (100-step epochs)", *(r <= 0.05 for r in results["fit overhead"])))
    if "conditional" in results:
        wall, cpu = (max(ratios[column] for ratios in results["conditional"].values()) for column in (0, 1))
        checks.append(("conditional step within 10% of unconditional", wall <= 1.1, cpu <= 1.1))
    verdict = {True: "PASS", False: "FAIL", None: "-"}
    print("\nChecks (on wall-clock / on CPU time): " + ", ".join(
        f"{name}: {verdict[wall]}/{verdict[cpu]}" for name, wall, cpu in checks)
          + f"; load average at end {os.getloadavg()[0]:.2f}; {time.perf_counter() - started:.0f} s")


def _resolved_jit():
    generator = keras_gan.models.mnist_generator(hidden_units=(4,))
    gan = keras_gan.GAN(generator, keras_gan.models.mnist_discriminator(hidden_units=(4,), pieces=2))
    gan.compile(d_optimizer="sgd", g_optimizer="sgd")
    return gan.jit_compile


if __name__ == "__main__":
    app.run(main)
