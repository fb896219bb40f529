"""`ParzenEstimate`: the paper's Parzen window log-likelihood during training."""

import keras
import numpy as np

from keras_gan import parzen
from keras_gan.validation import check_positive_int

# The keys added to the epoch logs, in the order mean, stderr, sigma.
LOG_KEYS = ("parzen_ll", "parzen_stderr", "parzen_sigma", "parzen_epoch")


class ParzenEstimate(keras.callbacks.Callback):
    """Adds the Parzen window log-likelihood of held-out data to the logs.

    At the end of scheduled epochs, draws `num_samples` samples (always from
    the same noise, drawn with `seed`), selects the window width from
    `sigmas` on `validation`, and scores `test` with
    `keras_gan.parzen.evaluate`. Three keys go into the epoch's logs:
    `parzen_ll` (mean log-likelihood, nats), `parzen_stderr` (its standard
    error) and `parzen_sigma` (the chosen width); so they appear in
    `History`, `TensorBoard` and `CSVLogger`, and can drive
    `ModelCheckpoint(monitor="parzen_ll", mode="max")`. Without `test`, the
    validation set is scored as well: the estimate is then optimistic,
    since sigma was chosen on the same data.

    Schedule: the estimate runs after the first epoch of every `fit`, after
    every epoch N (1-based) with N % every_n_epochs == 0, and after the last
    epoch. On the other epochs the last values are carried forward, so every
    epoch's logs hold the keys: `CSVLogger` fixes its columns at the first
    epoch, and Keras 3's `ModelCheckpoint(save_best_only=True)` warns *and
    saves* when its monitor is missing. A carried value equals at best the
    checkpoint's best, which is not an improvement, so it never triggers a
    re-save; but it does count towards `EarlyStopping`'s `patience`, which
    should then be a multiple of `every_n_epochs`. `results` maps each
    1-based epoch actually evaluated to its `keras_gan.parzen.ParzenResult`;
    the logs' `parzen_epoch` is the epoch the logged estimate comes from, so a
    learning curve can keep only the rows where it equals the row's epoch.

    Ordering: Keras hands one `logs` dict to the callbacks in list order
    (`History` and the progress bar, added by `fit`, come last), so place
    this callback before `ModelCheckpoint`, `CSVLogger`, `EarlyStopping`
    and `TensorBoard` in the list, or they will not see the keys.

    Under a multi-worker `tf.distribute` strategy every worker computes the
    estimate, so every worker's logs agree.

    Example:

    ```python
    gan.fit(
        dataset,
        epochs=100,
        callbacks=[
            keras_gan.callbacks.ParzenEstimate(x_valid[:1000], every_n_epochs=5),
            keras.callbacks.ModelCheckpoint(
                "best.keras", monitor="parzen_ll", mode="max", save_best_only=True
            ),
            keras.callbacks.CSVLogger("log.csv"),
        ],
    )
    ```

    Args:
        validation: Array of validation examples, in the generator's value
            range, for selecting sigma (the paper used 1,000).
        test: Optional array of examples to score; `None` scores
            `validation`.
        every_n_epochs: Positive int, see Schedule above.
        num_samples: Positive int, generated samples (the window's centers;
            the paper used 10,000).
        sigmas: 1-D sequence of positive floats, the widths to select from.
        seed: Int seed of the samples' noise.
    """

    def __init__(
        self,
        validation,
        test=None,
        every_n_epochs=5,
        num_samples=10000,
        sigmas=np.logspace(-1.0, 0.0, 10),
        seed=0,
    ):
        super().__init__()
        check_positive_int("every_n_epochs", every_n_epochs)
        check_positive_int("num_samples", num_samples)
        self.validation = _check_examples("validation", validation)
        self.test = None if test is None else _check_examples("test", test)
        sigmas = np.array(sigmas, dtype=np.float64)
        if sigmas.ndim != 1 or sigmas.size == 0 or not np.all(np.isfinite(sigmas) & (sigmas > 0)):
            raise ValueError(
                f"Invalid value for argument `sigmas`. Received: sigmas={sigmas!r}. "
                "Expected a non-empty 1-D sequence of positive floats."
            )
        self.every_n_epochs = int(every_n_epochs)
        self.num_samples = int(num_samples)
        self.sigmas = sigmas
        self.seed = seed
        self.results = {}
        self._last_logs = None

    def on_train_begin(self, logs=None):
        self._last_logs = None

    def on_epoch_end(self, epoch, logs=None):
        if self._should_evaluate(epoch):
            result = self.evaluate()
            self.results[epoch + 1] = result
            values = (result.mean, result.stderr, result.sigma, epoch + 1)
            self._last_logs = dict(zip(LOG_KEYS, values))
        if logs is not None:
            logs.update(self._last_logs)

    def evaluate(self):
        """Runs the estimate now on the current generator.

        Returns:
            A `keras_gan.parzen.ParzenResult`.
        """
        centers = self.model.generate(self.num_samples, seed=self.seed)
        test = self.validation if self.test is None else self.test
        return parzen.evaluate(centers, test, validation=self.validation, sigmas=self.sigmas)

    def _should_evaluate(self, epoch):
        last_epoch = self.params.get("epochs") if self.params else None
        return (
            self._last_logs is None
            or (epoch + 1) % self.every_n_epochs == 0
            or (last_epoch is not None and epoch + 1 == last_epoch)
        )


def _check_examples(name, examples):
    examples = np.asarray(examples)
    if examples.ndim < 2 or len(examples) == 0 or not np.issubdtype(examples.dtype, np.floating):
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: an array of shape "
            f"{examples.shape} and dtype {examples.dtype}. Expected a non-empty float array "
            "[n, ...] of examples in the generator's value range."
        )
    return examples
