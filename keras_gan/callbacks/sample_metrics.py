"""`SampleMetrics`: registered metrics of the generator's samples during `fit`."""

import keras
import numpy as np

from keras_gan import images
from keras_gan.metrics import digit_features
from keras_gan.metrics import extract_features
from keras_gan.metrics import registry
from keras_gan.validation import check_interval
from keras_gan.validation import check_positive_int


class SampleMetrics(keras.callbacks.Callback):
    """Adds metrics of the generator's samples, by registered name, to the logs.

    At the end of scheduled epochs, draws `num_samples` samples (always from
    the same noise, drawn with `seed`) and runs the requested metrics of
    `keras_gan.metrics` on them (see `keras_gan.metrics.evaluate_samples`):
    their log keys (e.g. `modes_covered`, `num_modes`,
    `high_quality_fraction` for `"mode_coverage"`) and `epoch_key` go into
    the epoch's logs, so they appear in `History`, `TensorBoard` and
    `CSVLogger`, and can drive `ModelCheckpoint` or `EarlyStopping`.
    `FeatureMetrics` and `ParzenEstimate` are this callback for the feature
    metrics and for the Parzen window estimate.

    Schedule: the metrics run after the first epoch of every `fit`, after
    every epoch N (1-based) with N % every_n_epochs == 0, and after the last
    epoch. On the other epochs the last values are carried forward, so every
    epoch's logs hold the keys: `CSVLogger` fixes its columns at the first
    epoch, and Keras 3's `ModelCheckpoint(save_best_only=True)` warns *and
    saves* when its monitor is missing. A carried value equals at best the
    checkpoint's best, which is not an improvement, so it never triggers a
    re-save; but it does count towards `EarlyStopping`'s `patience`, which
    should then be a multiple of `every_n_epochs`. `results` maps each
    1-based epoch actually evaluated to what `evaluate` returned; the logs'
    `epoch_key` is the epoch the logged values come from, so a learning
    curve can keep only the rows where it equals the row's epoch.

    Ordering: Keras hands one `logs` dict to the callbacks in list order
    (`History` and the progress bar, added by `fit`, come last), so place
    this callback before `ModelCheckpoint`, `CSVLogger`, `EarlyStopping`
    and `TensorBoard` in the list, or they will not see the keys.

    Under a multi-worker `tf.distribute` strategy every worker computes the
    metrics, so every worker's logs agree.

    Example:

    ```python
    ring = keras_gan.toy.ring()
    gan.fit(
        ring.dataset(100_000, seed=0).batch(100),
        epochs=50,
        callbacks=[
            keras_gan.callbacks.SampleMetrics(
                ["mode_coverage"], distribution=ring, every_n_epochs=5
            ),
            keras.callbacks.CSVLogger("log.csv"),
        ],
    )
    ```

    Args:
        metrics: Sequence of registered names
            (`keras_gan.metrics.metric_names()`).
        reference: Optional array `[m, ...]` of held-out real examples in
            the generator's value range (what Parzen scores, the real side
            of the feature metrics; their features are computed once).
        validation: Optional array of real examples that select a metric's
            parameters (Parzen's sigma).
        distribution: Optional toy distribution (`keras_gan.toy`).
        feature_model: Optional `keras.Model` from `[n, h, w, c]` images in
            [0, 1] to `[n, d]` features; `None` loads
            `keras_gan.metrics.digit_features()` when a feature metric needs
            it.
        value_range: `(low, high)` of the generator's output and of
            `reference`, or `None` to infer it from the generator's last
            activation (sigmoid: (0, 1), tanh: (-1, 1)) when a feature
            metric needs it.
        every_n_epochs: Positive int, see Schedule above.
        num_samples: Positive int, generated samples per evaluation.
        seed: Int seed of the samples' noise and of the random metrics.
        batch_size: Positive int, samples per generator and feature model
            call.
        epoch_key: str, the log key of the epoch the values come from.
        **options: The metrics' options (see
            `keras_gan.metrics.check_options`).
    """

    def __init__(
        self,
        metrics,
        reference=None,
        validation=None,
        distribution=None,
        feature_model=None,
        value_range=None,
        every_n_epochs=5,
        num_samples=10000,
        seed=0,
        batch_size=1000,
        epoch_key="sample_metrics_epoch",
        **options,
    ):
        super().__init__()
        self.metrics = registry.check_names(metrics)
        registry.check_inputs(
            self.metrics, reference=reference, validation=validation, distribution=distribution
        )
        self.reference = None if reference is None else check_examples("reference", reference)
        self.validation = None if validation is None else check_examples("validation", validation)
        self.distribution = distribution
        self.feature_model = feature_model
        if value_range is not None:
            value_range = check_interval("value_range", value_range, ", e.g. (0, 1) or (-1, 1)")
        self.value_range = value_range
        self.every_n_epochs = check_positive_int("every_n_epochs", every_n_epochs)
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.seed = seed
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.epoch_key = epoch_key
        self.options = registry.check_options(**options)
        self.results = {}
        self._real_features = None
        self._last_logs = None

    @property
    def real_features(self):
        """The features `[m, d]` of `reference`, computed on first use."""
        if self._real_features is None:
            if self.feature_model is None:
                self.feature_model = digit_features()
            self._real_features = extract_features(
                self.reference, self.feature_model, self.batch_size, self._value_range()
            )
        return self._real_features

    def on_train_begin(self, logs=None):
        self._last_logs = None

    def on_epoch_end(self, epoch, logs=None):
        if self._should_evaluate(epoch):
            result = self.evaluate()
            self.results[epoch + 1] = result
            self._last_logs = {**self.log_values(result), self.epoch_key: epoch + 1}
        if logs is not None:
            logs.update(self._last_logs)

    def evaluate(self):
        """Runs the metrics now on the current generator.

        Returns:
            A dict from log key to Python number.
        """
        features = {}
        if any(name in registry.feature_metric_names() for name in self.metrics):
            # The reference's features first: that loads the default feature model.
            features = dict(real_features=self.real_features, value_range=self._value_range())
        return registry.evaluate_samples(
            self.generate(),
            self.metrics,
            reference=self.reference,
            validation=self.validation,
            distribution=self.distribution,
            feature_model=self.feature_model,
            **features,
            seed=self.seed,
            batch_size=self.batch_size,
            **self.options,
        )

    def generate(self):
        """The samples of an evaluation: `num_samples`, always from the same noise."""
        return self.model.generate(self.num_samples, seed=self.seed, batch_size=self.batch_size)

    def log_values(self, result):
        """The log entries of what `evaluate` returned (here, the dict itself)."""
        return result

    def _value_range(self):
        if self.value_range is None:
            if self.model is None:
                raise ValueError(
                    f"{type(self).__name__} has no value range yet. Received: value_range=None "
                    "and no model. Expected value_range=(low, high), or the callback attached "
                    "to a GAN (by `fit` or `set_model`), whose generator's range is then "
                    "inferred."
                )
            self.value_range = images.resolve_value_range(self.model.sampling_generator, None)
        return self.value_range

    def _should_evaluate(self, epoch):
        last_epoch = self.params.get("epochs") if self.params else None
        return (
            self._last_logs is None
            or (epoch + 1) % self.every_n_epochs == 0
            or (last_epoch is not None and epoch + 1 == last_epoch)
        )


def check_examples(name, examples):
    """`examples` as a non-empty float array `[n, ...]`, or a ValueError naming it."""
    examples = np.asarray(examples)
    if examples.ndim < 2 or len(examples) == 0 or not np.issubdtype(examples.dtype, np.floating):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: an array of shape "
            f"{examples.shape} and dtype {examples.dtype}. Expected a non-empty float array "
            "[n, ...] of examples in the generator's value range."
        )
    return examples
