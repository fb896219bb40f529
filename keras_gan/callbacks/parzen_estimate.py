"""`ParzenEstimate`: the paper's Parzen window log-likelihood during training."""

import numpy as np

from keras_gan.callbacks.sample_metrics import SampleMetrics
from keras_gan.callbacks.sample_metrics import check_examples
from keras_gan.metrics import parzen

# The keys added to the epoch logs, in the order mean, stderr, sigma.
LOG_KEYS = ("parzen_ll", "parzen_stderr", "parzen_sigma", "parzen_epoch")


class ParzenEstimate(SampleMetrics):
    """Adds the Parzen window log-likelihood of held-out data to the logs.

    At the end of scheduled epochs, draws `num_samples` samples (always from
    the same noise, drawn with `seed`), selects the window width from
    `sigmas` on `validation`, and scores `test` with
    `keras_gan.metrics.parzen.evaluate`: `SampleMetrics` for the metric
    `"parzen"`, under its own log keys. Three keys go into the epoch's logs:
    `parzen_ll` (mean log-likelihood, nats), `parzen_stderr` (its standard
    error) and `parzen_sigma` (the chosen width); so they appear in
    `History`, `TensorBoard` and `CSVLogger`, and can drive
    `ModelCheckpoint(monitor="parzen_ll", mode="max")`. Without `test`, the
    validation set is scored as well: the estimate is then optimistic,
    since sigma was chosen on the same data.

    Schedule (the first, every `every_n_epochs`-th and the last epoch, the
    last values carried forward in between), ordering (before the callbacks
    that read the keys) and multi-worker runs: as `SampleMetrics`.
    `results` maps each 1-based epoch actually evaluated to its
    `keras_gan.metrics.parzen.ParzenResult`; `parzen_epoch` in the logs is
    the epoch the logged estimate comes from.

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
        every_n_epochs: Positive int, see `SampleMetrics`.
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
        validation = check_examples("validation", validation)
        test = None if test is None else check_examples("test", test)
        sigmas = np.array(sigmas, dtype=np.float64)
        if sigmas.ndim != 1 or sigmas.size == 0 or not np.all(np.isfinite(sigmas) & (sigmas > 0)):
            raise ValueError(
                f"Invalid value for argument `sigmas`. Received: sigmas={sigmas!r}. "
                "Expected a non-empty 1-D sequence of positive floats."
            )
        super().__init__(
            ["parzen"],
            reference=validation if test is None else test,
            validation=validation,
            every_n_epochs=every_n_epochs,
            num_samples=num_samples,
            seed=seed,
            epoch_key=LOG_KEYS[-1],
            parzen_sigmas=sigmas,
        )
        self.test = test
        self.sigmas = sigmas

    def evaluate(self):
        """Runs the estimate now on the current generator.

        Returns:
            A `keras_gan.metrics.parzen.ParzenResult`.
        """
        return parzen.evaluate(
            self.generate(), self.reference, validation=self.validation, sigmas=self.sigmas
        )

    def log_values(self, result):
        """`parzen_ll`, `parzen_stderr` and `parzen_sigma` of a `ParzenResult`."""
        return dict(zip(LOG_KEYS, (result.mean, result.stderr, result.sigma)))
