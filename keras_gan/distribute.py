"""Distributed training: the strategy a launcher asks for, and the step's per-replica helpers.

`make_strategy` builds a `tf.distribute` strategy by name. The helpers below
are what `GAN`'s step needs to give N replicas the result of one device:
`replica_sample` (each replica's share of the global minibatch's noise),
`replica_loss` (each replica's share of the loss, whose gradients are summed),
`sum_over_replicas`, `run_if` (a conditional update that works under every
strategy) and `logs_for_reduction` (multi-worker logs in the shape Keras
reduces). Beside them, loss scaling for mixed precision: `loss_scaled`
(a player's optimizer wrapped in a `LossScaleOptimizer` when the player
computes in float16), `scale_loss` (the loss a player differentiates: its
replica share, times the loss scale) and `loss_scale`.
"""

import contextlib
import json
import os
import shutil
import tempfile

import keras
import tensorflow as tf
from keras import ops

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def make_strategy(name="default", tpu_address=None):
    """Returns the `tf.distribute.Strategy` called `name`.

    Create models and optimizers inside `strategy.scope()`; `GAN.fit` then
    shards each batch across the replicas.

    Example:

    ```python
    strategy = keras_gan.distribute.make_strategy("mirrored")
    with strategy.scope():
        gan = keras_gan.GAN(generator, discriminator)
        gan.compile(d_optimizer="adam", g_optimizer="adam")
    ```

    Args:
        name: `"default"` (one device), `"mirrored"` (all local devices),
            `"multi_worker"` (the cluster in the `TF_CONFIG` environment
            variable) or `"tpu"`.
        tpu_address: Optional TPU name or address, for `"tpu"`.

    Returns:
        A `tf.distribute.Strategy`.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        _check_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address)
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.OpError) as error:
            raise RuntimeError(
                f"No TPU is reachable (Received: tpu_address={tpu_address!r}): {error}. "
                "Run on a TPU host or pass --tpu_address."
            ) from None
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(
        f"Unknown strategy. Received: strategy={name!r}. Expected one of {list(STRATEGIES)}."
    )


def is_chief(strategy=None):
    """Whether this process should write files (checkpoints, grids, exports).

    Every process of a multi-worker run executes the same code (and must:
    saving and sampling may read synchronised variables); only the chief
    writes. `strategy.extended.should_checkpoint` is True on the chief only,
    and for single-process strategies.

    Args:
        strategy: Optional strategy; defaults to the current one.

    Returns:
        A bool.
    """
    strategy = strategy if strategy is not None else tf.distribute.get_strategy()
    return bool(getattr(strategy.extended, "should_checkpoint", True))


def is_chief_task():
    """Whether `TF_CONFIG` names this process the chief; True without `TF_CONFIG`.

    `is_chief` needs the strategy; this works before it exists, e.g. to
    decide who writes the run's flag file.

    Returns:
        A bool.
    """
    try:
        task = json.loads(os.environ.get("TF_CONFIG") or "{}").get("task", {})
    except (ValueError, AttributeError):
        return True  # make_strategy reports a malformed TF_CONFIG.
    return task.get("type") in (None, "chief") or (
        task.get("type") == "worker" and int(task.get("index", 0)) == 0
    )


@contextlib.contextmanager
def writable_directory(output_dir, strategy=None):
    """Yields the directory this process writes to: `output_dir` on the chief.

    In a multi-worker run every worker must execute the same saving calls
    (saving may read synchronised variables, a collective operation), yet
    the files should come from the chief alone. As Keras recommends, the
    other workers write to a temporary directory, deleted on exit.

    Example:

    ```python
    with keras_gan.distribute.writable_directory("runs/mnist", strategy) as out:
        gan.save(os.path.join(out, "gan.keras"))
    ```

    Args:
        output_dir: The run's output directory.
        strategy: Optional strategy; defaults to the current one.

    Yields:
        `output_dir` on the chief, else a fresh temporary directory.
    """
    if is_chief(strategy):
        os.makedirs(output_dir, exist_ok=True)
        yield output_dir
        return
    directory = tempfile.mkdtemp(prefix="keras_gan_worker_")
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def split_cpu(num_devices):
    """Splits the CPU into `num_devices` logical devices (a testing aid).

    With 2 or more, `MirroredStrategy` runs that many replicas on one
    machine, so distributed training can be tested without accelerators.
    Must run before TensorFlow initialises its devices (before any op).

    Args:
        num_devices: Int >= 1; 1 leaves the CPU as it is.
    """
    if isinstance(num_devices, bool) or not isinstance(num_devices, int) or num_devices < 1:
        raise ValueError(
            f"Invalid number of logical CPUs. Received: num_devices={num_devices!r}. "
            "Expected a positive integer."
        )
    if num_devices == 1:
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices
        )
    except RuntimeError:
        if len(tf.config.list_logical_devices("CPU")) != num_devices:
            raise RuntimeError(
                f"Cannot split the CPU into {num_devices} logical devices: TensorFlow "
                f"has already initialised its devices. Received: num_devices={num_devices}. "
                "Split it first thing in the process, before any TensorFlow op."
            ) from None


def _check_tf_config():
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ValueError(
            "--strategy=multi_worker needs the TF_CONFIG environment variable. "
            'Received: no TF_CONFIG. Expected e.g. {"cluster": {"worker": '
            '["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}.'
        )
    try:
        config = json.loads(raw)
        workers = config["cluster"]["worker"]
        task = config["task"]
    except (ValueError, KeyError, TypeError):
        raise ValueError(
            f"TF_CONFIG is not a valid cluster description. Received: TF_CONFIG={raw!r}. "
            'Expected JSON with "cluster": {"worker": [...]} and "task": {"type", "index"}.'
        ) from None
    if not workers or task.get("type") not in ("worker", "chief"):
        raise ValueError(
            f"TF_CONFIG names no workers or an unknown task type. Received: TF_CONFIG={raw!r}."
        )


# ---------------------------------------------------------------- inside a step


def num_replicas():
    """The number of replicas in sync under the current strategy (1 without one)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_sample(sample, shape):
    """This replica's share of a random draw made for the global minibatch.

    Every replica draws the global batch's values, `[replicas * m, ...]`,
    from the shared seed and keeps its own slice of m: replicas get
    different values, and N replicas see exactly what one device would.

    Example:

    ```python
    noise = replica_sample(lambda s: prior(s, seed=seed_generator), (m, latent_dim))
    ```

    Args:
        sample: Callable `sample(shape) -> tensor`, drawing from a seed.
        shape: This replica's shape `(m, ...)`; `m` may be a tensor.

    Returns:
        A tensor of `shape`.
    """
    replicas = num_replicas()
    if replicas == 1:
        return sample(shape)
    batch, *rest = shape
    values = sample((replicas * batch, *rest))
    values = ops.reshape(values, (replicas, batch, *rest))
    replica_id = tf.distribute.get_replica_context().replica_id_in_sync_group
    return ops.take(values, replica_id, axis=0)


def replica_loss(loss):
    """This replica's share of a loss that is a mean over its minibatch.

    Strategies sum the replicas' gradients; dividing each replica's mean by
    the number of replicas makes the sum the gradient of the global mean.
    The one place a gradient's loss is scaled for replicas; `scale_loss`
    adds the loss scale of mixed precision.

    Args:
        loss: Scalar tensor, the mean over this replica's examples.

    Returns:
        A scalar tensor.
    """
    return loss / num_replicas()


def scale_loss(optimizer, loss):
    """The loss a player differentiates: this replica's share, times the loss scale.

    Under mixed float16 a `keras.optimizers.LossScaleOptimizer` multiplies
    the loss by its dynamic scale (2^15 at first), so that small gradients
    stay representable in float16 on their way back through the network;
    it divides the gradients by the scale before applying them, and skips
    the update (halving the scale) when one is not finite. Other optimizers
    leave the loss as it is (or apply their static `loss_scale_factor`).

    Example:

    ```python
    with tf.GradientTape() as tape:
        loss = game.generator_loss(discriminator(generator(noise)))
        scaled = scale_loss(g_optimizer, loss)
    g_optimizer.apply_gradients(zip(tape.gradient(scaled, weights), weights))
    ```

    Args:
        optimizer: The player's `keras.optimizers.Optimizer`.
        loss: Scalar float32 tensor, the mean over this replica's examples.

    Returns:
        A scalar tensor.
    """
    return optimizer.scale_loss(replica_loss(loss))


def loss_scale(optimizer):
    """The factor `scale_loss` multiplies a loss by, or `None` when there is none.

    A penalty on D's input gradients takes those gradients inside the step
    (`keras_gan.losses.R1`, `GradientPenalty`); under float16 it needs the
    same scale as the loss (see `keras_gan.losses.regularizer.input_gradients`).

    Args:
        optimizer: A `keras.optimizers.Optimizer`.

    Returns:
        A float32 scalar tensor (the dynamic scale of a
        `LossScaleOptimizer`), a float (a static `loss_scale_factor`) or `None`.
    """
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return ops.convert_to_tensor(optimizer.dynamic_scale)
    return optimizer.loss_scale_factor


def computes_in_float16(model):
    """Whether any layer of `model` computes in float16 (a `mixed_float16` policy).

    The layers are asked, not the model: a functional model loaded under
    the float32 policy keeps its layers' `mixed_float16`.

    Args:
        model: A `keras.Layer`, usually a `keras.Model`.

    Returns:
        A bool.
    """
    if keras.backend.standardize_dtype(model.compute_dtype) == "float16":
        return True
    return any(computes_in_float16(layer) for layer in getattr(model, "layers", ()))


def loss_scaled(optimizer, model):
    """`optimizer` wrapped in a `LossScaleOptimizer` if `model` computes in float16.

    What `keras.Model.compile` does for a `mixed_float16` model, for each
    player of a GAN: float16 gradients underflow without a loss scale.
    bfloat16 has float32's exponent range and needs none. An optimizer that
    already is a `LossScaleOptimizer` is returned as it is.

    Args:
        optimizer: A `keras.optimizers.Optimizer`.
        model: The player it optimizes.

    Returns:
        The optimizer, or a `LossScaleOptimizer` wrapping it.
    """
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) or not computes_in_float16(model):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name="loss_scale_optimizer")


def sum_over_replicas(value):
    """`value` summed over all replicas, in a replica context (itself with one replica).

    Args:
        value: A tensor, the same shape on every replica.

    Returns:
        A tensor of that shape, equal on every replica.
    """
    if num_replicas() == 1:
        return value
    return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, value)


def run_if(condition, fn, *args):
    """Runs `fn(*args)` in every replica when `condition` holds; a no-op otherwise.

    `fn` may update variables and synchronise replicas, e.g. apply an
    optimizer's gradients. `condition` must be equal on every replica (see
    `sum_over_replicas`). Under MirroredStrategy and MultiWorkerMirroredStrategy
    on CPUs, an optimizer update synchronises through a merge call, which
    TensorFlow cannot build inside a `tf.cond` in a replica context; there
    the cond is built in the cross-replica context and `fn` runs for each
    replica inside it, as Keras' `LossScaleOptimizer` does.

    Args:
        condition: Boolean scalar tensor.
        fn: Callable run in a replica context; its return value is dropped.
        *args: Tensors (per-replica under a strategy) passed to `fn`.
    """

    def run(*values):
        fn(*values)

    if not tf.distribute.has_strategy() or (
        tf.__internal__.distribute.strategy_supports_no_merge_call()
    ):
        tf.cond(condition, lambda: run(*args), lambda: None)
        return

    def cross_replica(strategy, condition, *values):
        # `condition` is equal on every replica: take the first replica's.
        first = strategy.experimental_local_results(condition)[0]
        tf.cond(
            first,
            lambda: strategy.extended.call_for_each_replica(run, args=values),
            lambda: None,
        )

    tf.distribute.get_replica_context().merge_call(cross_replica, args=(condition, *args))


def across_workers():
    """Whether the current strategy spans several worker processes."""
    strategy = tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
        strategy.num_replicas_in_sync > len(strategy.extended.worker_devices)
    )


def logs_for_reduction(logs):
    """A step's logs in the shape Keras can reduce across workers.

    Keras 3 reduces multi-worker logs with `strategy.reduce("MEAN", axis=0)`,
    which fails on scalars (tensorflow/tensorflow#72388): across workers
    each value becomes a vector of one. Elsewhere the logs are unchanged.

    Args:
        logs: Dict from names to scalar tensors.

    Returns:
        A dict with the same keys.
    """
    if not across_workers():
        return logs
    return {name: ops.reshape(value, (1,)) for name, value in logs.items()}
