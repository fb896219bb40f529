"""Builds the `tf.distribute` strategy a launcher asks for, by name."""

import json
import os

import tensorflow as tf

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

    Every process of a multi-worker run executes the same code; only the
    chief (worker 0, or a single process) writes outputs.

    Args:
        strategy: Optional strategy; defaults to the current one.

    Returns:
        A bool.
    """
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return task_type in (None, "chief") or (task_type == "worker" and task_id == 0)


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
