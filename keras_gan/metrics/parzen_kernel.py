"""The chunked log-sum-exp behind `keras_gan.metrics.parzen`.

Scores points under Parzen windows of many widths at once, without ever
holding an [n, N] or [n, N, D] tensor.

Cost: squared distances come from one float32 matrix product per chunk,
`[x, 1] . [2 mu, -||mu||^2] = ||x||^2 - ||x - mu||^2` (chunks of points, and
of centers joined by a running logsumexp), so peak memory grows with the
chunk sizes, not with the number of points: a few [chunk_size,
center_chunk_size] float32 matrices plus a [chunk_size, num_refined, D]
float64 gather, ~200 MB at the defaults on MNIST. Distances do not depend on
sigma: a grid of sigmas costs one product plus one exp-sum per sigma.

Precision: the product runs on data centred on the centers' mean, and
`||x||^2`, the same for every center, is left out of it and subtracted in
float64. Its error is delta ~ 1e-7 * sqrt(D) * (||x||^2 + 2 ||mu||^2) per
distance (<= 6e-5 on MNIST; used alone, 1e-4 to 1e-3 nats at sigma = 0.1). In
each chunk of centers, the `num_refined` nearest centers of each point are
taken out of the float32 sum and scored in float64 alone; the float32 terms
of the other centers are added to theirs. So, on any CPU and in any
summation order:

- a chunk of at most `num_refined` real centers is float64 throughout (all
  of them when N <= num_refined): float64 rounding only, ~1e-12 nats on MNIST;
- otherwise a log-likelihood is off by at most the unrefined centers' share
  of its density times their relative float32 error, exp(delta / (2
  sigma^2)) - 1 plus the rounding of a term exp(a), (2 |a| + 4) * 6e-8, on
  top of the float64 error (tests/test_parzen.py checks this bound).

On real MNIST digits with the default 8 refined centers that is ~1e-12
nats per point up to sigma ~0.3, where the 8 nearest centers carry all but
< 1e-6 of the density, up to ~2e-6 nats per point at sigma = 1, where the
others carry ~40% of it, and < 2e-7 nats for the mean over points at every
sigma of logspace(-1, 0, 10) (tests/test_parzen.py asserts 1e-6;
benchmarks/parzen_benchmark.py). Raise `num_refined` for large sigmas or if
many near-duplicate centers (a collapsed generator) crowd around the points.
"""

import typing

import numpy as np
import tensorflow as tf

# Centers are padded to a multiple of this many (with centers at infinity) so
# that the nearest-center search can work on whole blocks.
_BLOCK = 64


class PreparedCenters(typing.NamedTuple):
    """The centers centred on their mean and padded to whole blocks: N' rows."""

    mean: tf.Tensor  # [D] float64
    count: tf.Tensor  # int32 N, the number of real centers
    centers64: tf.Tensor  # [N', D] float64, centred
    squared_norms: tf.Tensor  # [N'] float64, +inf for padding
    augmented32: tf.Tensor  # [N', D + 1] float32: [2 mu, -||mu||^2]


def prepare_centers(centers):
    """Centres the centers on their mean once; distances are unchanged."""
    centers64 = tf.cast(centers, tf.float64)
    count = tf.shape(centers64)[0]
    mean = tf.reduce_mean(centers64, axis=0)
    centred = tf.pad(centers64 - mean, [[0, tf.math.floormod(-count, _BLOCK)], [0, 0]])
    norms = tf.reduce_sum(centred**2, axis=1)
    norms = tf.where(tf.range(tf.shape(centred)[0]) < count, norms, np.inf)
    augmented = tf.concat([2.0 * centred, -norms[:, None]], axis=1)
    return PreparedCenters(mean, count, centred, norms, tf.cast(augmented, tf.float32))


def log_likelihood_grid(prepared, points, sigmas, chunk_size, center_chunk_size, num_refined):
    """Parzen log-likelihoods of `points` [n, D] for every sigma: [S, n] float64."""
    sigmas = tf.cast(sigmas, tf.float64)
    points = tf.convert_to_tensor(points)
    if points.dtype != tf.float32:
        points = tf.cast(points, tf.float64)
    log_sums = _grid_kernel(num_refined, points.dtype)(
        prepared,
        points,
        1.0 / (2.0 * sigmas**2),
        # Tensors, not Python ints, so that new chunk sizes do not retrace.
        tf.constant(chunk_size, tf.int32),
        tf.constant(-(-center_chunk_size // _BLOCK) * _BLOCK, tf.int32),
    )  # [S, n]
    dimension = tf.cast(tf.shape(prepared.centers64)[1], tf.float64)
    log_normalizer = tf.math.log(tf.cast(prepared.count, tf.float64)) + 0.5 * dimension * (
        tf.math.log(2.0 * np.pi * sigmas**2)
    )  # [S]
    return log_sums - log_normalizer[:, None]


_GRID_KERNELS = {}


def _grid_kernel(num_refined, points_dtype):
    """`_log_sum_exp_grid` as a tf.function traced once per configuration."""
    key = (num_refined, points_dtype)
    if key not in _GRID_KERNELS:
        spec = tf.TensorSpec
        _GRID_KERNELS[key] = tf.function(
            lambda *args: _log_sum_exp_grid(*args, num_refined),
            input_signature=[
                PreparedCenters(
                    spec([None], tf.float64),
                    spec([], tf.int32),
                    spec([None, None], tf.float64),
                    spec([None], tf.float64),
                    spec([None, None], tf.float32),
                ),
                spec([None, None], points_dtype),
                spec([None], tf.float64),
                spec([], tf.int32),
                spec([], tf.int32),
            ],
            autograph=False,
        )
    return _GRID_KERNELS[key]


def _log_sum_exp_grid(prepared, points, scales, chunk_size, center_chunk_size, num_refined):
    """logsumexp_i(-||x - mu_i||^2 * s) for every scale s and point: [S, n] float64.

    Loops over chunks of points (centred per chunk) and, inside, over chunks
    of centers with a running logsumexp. `parallel_iterations=1` keeps one
    chunk alive at a time, which is what bounds the memory.
    """

    def point_chunk(start, results):
        chunk = tf.cast(points[start : start + chunk_size], tf.float64) - prepared.mean  # [c, D]
        # [x, 1] . [2 mu, -||mu||^2] = ||x||^2 - ||x - mu||^2 in one product: the
        # same for every center up to ||x||^2, which is subtracted at the end
        # in float64 and so adds no float32 rounding.
        augmented = tf.cast(tf.concat([chunk, tf.ones_like(chunk[:, :1])], axis=1), tf.float32)

        def center_chunk(center_start, running):
            block = slice(center_start, center_start + center_chunk_size)
            centers = (
                prepared.centers64[block],
                prepared.squared_norms[block],
                prepared.augmented32[block],
            )
            partial = _chunk_log_sum_exp(
                (chunk, augmented),
                centers,
                tf.minimum(prepared.count - center_start, center_chunk_size),
                scales,
                num_refined,
            )  # [S, c], always finite
            larger = tf.maximum(running, partial)
            running = larger + tf.math.log(tf.exp(running - larger) + tf.exp(partial - larger))
            return center_start + center_chunk_size, running

        empty = tf.fill([tf.shape(scales)[0], tf.shape(chunk)[0]], tf.constant(-np.inf, tf.float64))
        _, log_sums = tf.while_loop(
            lambda center_start, _: center_start < tf.shape(prepared.centers64)[0],
            center_chunk,
            (0, empty),
            parallel_iterations=1,
        )
        log_sums -= tf.reduce_sum(chunk**2, axis=1)[None, :] * scales[:, None]  # [S, c]
        return start + chunk_size, results.write(start // chunk_size, tf.transpose(log_sums))

    _, results = tf.while_loop(
        lambda start, _: start < tf.shape(points)[0],
        point_chunk,
        (0, tf.TensorArray(tf.float64, size=0, dynamic_size=True, infer_shape=False)),
        parallel_iterations=1,
    )
    return tf.transpose(results.concat())  # [S, n]


def _chunk_log_sum_exp(points, centers, num_real_centers, scales, num_refined):
    """logsumexp_i(h_i s) over one chunk of centers for every scale: [S, c] float64.

    h_i = 2 x.mu_i - ||mu_i||^2 = ||x||^2 - ||x - mu_i||^2. Terms are written
    relative to the nearest center, exp((h - h_max) s), so they are all <= 1
    and the largest is 1: no overflow, and no underflow of the whole sum for
    far-away points.

    The `num_refined` nearest centers of each point, which carry most of the
    sum, are taken out of the float32 sum (their entries set to -inf, which
    adds exp(-inf) = 0) and scored in float64 instead. So no float32 rounding
    of these terms is left in the total, whatever the summation order; only
    the float32 error of the other centers' terms remains, weighted by their
    share of the sum. A chunk with at most `num_refined` real centers is
    scored in float64 alone.
    """
    points64, points32 = points  # [c, D], [c, D + 1]
    centers64, center_norms, centers32 = centers  # [m, D], [m], [m, D + 1]
    scales32 = tf.cast(scales, tf.float32)
    # Absolute error ~1e-7 * sqrt(D) * (||x||^2 + 2 ||mu||^2) after centring.
    products = tf.matmul(points32, centers32, transpose_b=True)  # [c, m]
    if not num_refined:
        largest32 = tf.reduce_max(products, axis=1)  # [c]
        total = tf.cast(_sum_exp(products, largest32, scales32), tf.float64)  # [S, c]
        return tf.math.log(total) + tf.cast(largest32, tf.float64)[None, :] * scales[:, None]
    nearest, indices = _top_k_by_blocks(products, tf.minimum(num_refined, num_real_centers))
    largest32 = nearest[:, 0]  # [c], the row maxima
    # float64 on centred data: error ~1e-16 * (||x||^2 + ||mu||^2).
    exact = 2.0 * tf.linalg.matvec(tf.gather(centers64, indices), points64)
    exact -= tf.gather(center_norms, indices)  # [c, k]
    largest = tf.reduce_max(exact, axis=1)  # [c]
    exact_sum = tf.reduce_sum(
        tf.exp((exact - largest[:, None])[None] * scales[:, None, None]), axis=2
    )  # [S, c], >= 1
    rows = tf.broadcast_to(tf.range(tf.shape(indices)[0])[:, None], tf.shape(indices))
    others = tf.tensor_scatter_nd_update(
        products,
        tf.stack([rows, indices], axis=2),  # [c, k, 2]
        tf.fill(tf.shape(indices), tf.constant(-np.inf, tf.float32)),
    )  # [c, m], the refined entries at -inf
    others_sum = tf.cast(_sum_exp(others, largest32, scales32), tf.float64)  # [S, c]
    # From terms relative to largest32 to terms relative to largest.
    rescale = tf.exp((tf.cast(largest32, tf.float64) - largest)[None, :] * scales[:, None])
    return tf.math.log(exact_sum + others_sum * rescale) + largest[None, :] * scales[:, None]


def _sum_exp(products, largest, scales):
    """sum_i exp((h_i - h_max) s) for every s: [S, c]; all terms are <= 1.

    One [c, m] pass per sigma, never an [S, c, m] tensor. jit_compile would
    fuse the passes (up to ~2x faster warm for 10 sigmas) but compiles once
    per new shape, which costs more than it saves in one `evaluate` call on 2
    cores (measured in benchmarks/parzen_benchmark.py).
    """
    gaps = products - largest[:, None]  # [c, m]
    return tf.map_fn(
        lambda scale: tf.reduce_sum(tf.exp(gaps * scale), axis=1), scales, parallel_iterations=1
    )


def _top_k_by_blocks(values, k):
    """`tf.math.top_k(values, k)` for rows of whole `_BLOCK`s, ~3x faster on CPU.

    The k largest entries of a row lie in the k blocks with the largest
    maxima, so a top-k over block maxima, then over those blocks, suffices.
    """
    rows = tf.shape(values)[0]
    blocks = tf.reshape(values, [rows, -1, _BLOCK])  # [c, m / B, B]
    block_maxima = tf.reduce_max(blocks, axis=2)  # [c, m / B]
    _, block_ids = tf.math.top_k(block_maxima, k=tf.minimum(k, tf.shape(block_maxima)[1]))
    candidates = tf.reshape(tf.gather(blocks, block_ids, batch_dims=1), [rows, -1])  # [c, k B]
    top_values, positions = tf.math.top_k(candidates, k=k)  # [c, k]
    block_of_position = tf.gather(block_ids, positions // _BLOCK, batch_dims=1)
    return top_values, block_of_position * _BLOCK + positions % _BLOCK
