"""`FeatureMetrics`: Frechet distance, KID, precision/recall, density/coverage during `fit`."""

import numpy as np

from keras_gan.callbacks.sample_metrics import SampleMetrics
from keras_gan.metrics import registry

# The key telling which epoch the logged values come from.
EPOCH_KEY = "feature_metrics_epoch"


class FeatureMetrics(SampleMetrics):
    """Adds feature-space sample-quality metrics of the generator to the logs.

    At the end of scheduled epochs, draws `num_samples` samples (always from
    the same noise, drawn with `seed`), maps them and `real` from
    `value_range` to [0, 1], extracts features with `feature_model` and
    runs the registered feature metrics on them (`SampleMetrics` for
    `keras_gan.metrics.feature_metric_names()`). With the default
    `metrics` the keys added to the epoch's logs are `fd` (Frechet
    distance), `kid` and `kid_std` (kernel distance and its spread over
    subsets), `precision`, `recall`, `density` and `coverage`, plus
    `feature_metrics_epoch`; so they appear in `History`, `TensorBoard`
    and `CSVLogger`, and can drive `ModelCheckpoint(monitor="fd",
    mode="min")` or `EarlyStopping(monitor="fd", mode="min")` (`recall`,
    `precision`, `coverage`: `mode="max"`).

    The real features are computed once, when training begins. The
    default feature model is `keras_gan.metrics.digit_features()`, the
    digit classifier shipped with the package, for `[n, 28, 28, 1]` MNIST
    images; for other images pass one, such as
    `keras_gan.metrics.inception_features()`. Numbers from different
    feature models are not comparable.

    When the metrics run, and where to place the callback in the list, as
    `SampleMetrics` (carried values count towards `EarlyStopping`'s
    `patience`, which should then be a multiple of `every_n_epochs`).
    `results` maps each 1-based epoch actually evaluated to its dict of
    values; `feature_metrics_epoch` in the logs is the epoch the logged
    values come from.

    Cost: with the digit classifier, 10,000 samples against 10,000 real
    digits take a few seconds on two CPU cores (see
    `benchmarks/metrics_benchmark.py`).

    Example:

    ```python
    gan.fit(
        dataset,
        epochs=100,
        callbacks=[
            keras_gan.callbacks.FeatureMetrics(x_valid, every_n_epochs=5),
            keras.callbacks.ModelCheckpoint(
                "best.keras", monitor="fd", mode="min", save_best_only=True
            ),
            keras.callbacks.EarlyStopping(monitor="fd", mode="min", patience=20),
        ],
    )
    ```

    Args:
        real: Array `[n, ...]` of real examples in the generator's value
            range (the offline MNIST protocol uses digits [7000:8000]).
        feature_model: Optional `keras.Model` from `[n, h, w, c]` images in
            [0, 1] to `[n, d]` features; `None` loads
            `keras_gan.metrics.digit_features()`.
        every_n_epochs: Positive int, see `SampleMetrics`.
        num_samples: Positive int, generated samples per evaluation. The
            Frechet distance needs more samples (and real examples) than
            feature dimensions (128 for the digit classifier).
        metrics: Sequence of names from
            `keras_gan.metrics.feature_metric_names()` (`"fd"`, `"kid"`,
            `"precision_recall"`, `"density_coverage"`, and any feature
            metric registered since), or `None` for all.
        value_range: `(low, high)` of the generator's output and of `real`,
            or `None` to infer it from the generator's last activation
            (sigmoid: (0, 1), tanh: (-1, 1)).
        seed: Int seed of the samples' noise and of KID's subsets.
        batch_size: Positive int, images per generator and feature model
            call.
        **options: Options of the metrics: `kid_subsets`,
            `kid_subset_size`, `precision_recall_k`, `density_coverage_k`
            (see `keras_gan.metrics.check_options`).
    """

    def __init__(
        self,
        real,
        feature_model=None,
        every_n_epochs=5,
        num_samples=10000,
        metrics=None,
        value_range=None,
        seed=0,
        batch_size=1000,
        **options,
    ):
        real = np.asarray(real)
        if real.ndim != 4 or len(real) == 0 or not np.issubdtype(real.dtype, np.floating):
            raise ValueError(
                "Invalid value for argument `real`. Received: an array of shape "
                f"{real.shape} and dtype {real.dtype}. Expected a non-empty float array "
                "[n, height, width, channels] of images in the generator's value range."
            )
        super().__init__(
            registry.check_names(metrics, feature_metrics_only=True),
            reference=real,
            feature_model=feature_model,
            value_range=value_range,
            every_n_epochs=every_n_epochs,
            num_samples=num_samples,
            seed=seed,
            batch_size=batch_size,
            epoch_key=EPOCH_KEY,
            **options,
        )
        self.real = real

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        real_features = self.real_features
        if "fd" in self.metrics:
            dim = real_features.shape[1]
            for name, count in (("num_samples", self.num_samples), ("real", len(self.real))):
                if count <= dim:
                    raise ValueError(
                        f"Too few samples for the Frechet distance. Received: {name} gives "
                        f"{count} samples. Expected more than the feature model's {dim} "
                        "dimensions, or metrics without 'fd'."
                    )
