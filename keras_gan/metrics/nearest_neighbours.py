"""`nearest_neighbours`: the training example closest to each generated sample.

The paper's Figure 2 shows, beside samples, their nearest training
examples: evidence that the model has not memorised the training set
(`keras_gan.sample_grids.sample_grid` draws it).
"""

import math

import numpy as np

from keras_gan.validation import check_int_at_least


def nearest_neighbours(queries, candidates, chunk_size=4096):
    """Index of the nearest candidate of every query, in Euclidean distance.

    Squared distances are `||q||^2 - 2 q.c + ||c||^2`: one matrix product per
    chunk of `chunk_size` candidates, in float64, with a running minimum, so
    memory stays at `[n_queries, chunk_size]` whatever the training set size.

    Example:

    >>> index, distance = keras_gan.metrics.nearest_neighbours(samples, x_train)
    >>> x_train[index]        # the training example closest to each sample

    Args:
        queries: Array `[n, ...]`, e.g. generated samples.
        candidates: Array `[m, ...]` with the same features, e.g. the
            training set (any numeric dtype; converted one chunk at a time).
        chunk_size: Positive int, candidates compared at once.

    Returns:
        A pair `(indices, distances)`: int64 `[n]` and float64 `[n]`.
        Ties go to the lowest index.
    """
    check_int_at_least("chunk_size", chunk_size, 1)
    queries = np.asarray(queries)
    candidates = np.asarray(candidates)
    features = math.prod(queries.shape[1:])
    if candidates.ndim < 1 or candidates.shape[0] == 0 or math.prod(candidates.shape[1:]) != features:
        raise ValueError(
            "Candidates must be a non-empty array with the queries' features. Received: "
            f"queries.shape={queries.shape}, candidates.shape={candidates.shape}."
        )
    flat_queries = queries.reshape(len(queries), features).astype(np.float64)  # [n, D]
    query_norms = np.sum(flat_queries**2, axis=1, keepdims=True)  # [n, 1]
    best_squared = np.full(len(queries), np.inf)
    best_index = np.zeros(len(queries), dtype=np.int64)
    for start in range(0, len(candidates), chunk_size):
        chunk = candidates[start : start + chunk_size].reshape(-1, features).astype(np.float64)
        squared = query_norms - 2.0 * flat_queries @ chunk.T + np.sum(chunk**2, axis=1)  # [n, c]
        chunk_best = np.argmin(squared, axis=1)
        chunk_squared = squared[np.arange(len(queries)), chunk_best]
        better = chunk_squared < best_squared  # Strict: earlier chunks win ties.
        best_squared[better] = chunk_squared[better]
        best_index[better] = start + chunk_best[better]
    return best_index, np.sqrt(np.maximum(best_squared, 0.0))
