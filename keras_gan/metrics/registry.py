"""The registry of metrics, and the one place that runs them.

A metric is one module that registers a function of an `Evaluation` (the
generated samples, what they are compared with, and the work metrics
share) returning its log values, plus one line in
`keras_gan/metrics/__init__.py` that imports the module:

```python
@registry.register("ks_distance", log_keys=("ks_distance",), needs=("distribution",))
def _ks_distance_logs(evaluation):
    return {"ks_distance": ks_distance(evaluation.samples, evaluation.distribution)}
```

`evaluate_samples` runs the requested metrics on samples and returns the
flat dict of Python numbers a run writes to `metrics.json`; the callbacks
`keras_gan.callbacks.SampleMetrics` (and its `FeatureMetrics`) run them
during `fit`; `compute_feature_metrics` runs the feature metrics on
features computed beforehand.
"""

import collections
import inspect

import numpy as np

from keras_gan.metrics.digit_classifier import digit_features
from keras_gan.metrics.feature_arrays import check_feature_pair
from keras_gan.metrics.feature_extraction import extract_features
from keras_gan.validation import check_interval

Metric = collections.namedtuple("Metric", ["name", "log_keys", "needs", "options", "compute"])
Metric.__doc__ = """A registered metric.

Fields: its `name`, the `log_keys` it returns, the `Evaluation` inputs it
`needs`, its `options` checker (or `None`), and `compute(evaluation) ->
{log_key: number}`."""

# What a metric may need besides the samples: `Evaluation` arguments. "features"
# means real features (`real_features`, or `reference` through the feature model).
INPUTS = ("reference", "validation", "distribution", "features")

_METRICS = {}


def register(name, log_keys, needs=(), options=None):
    """A decorator that registers `compute(evaluation) -> dict` as the metric `name`.

    Example:

    ```python
    @registry.register("sample_moments", log_keys=("generated_mean", "generated_std"))
    def _sample_moments_logs(evaluation):
        samples = evaluation.samples
        return {"generated_mean": float(samples.mean()), "generated_std": float(samples.std())}
    ```

    Args:
        name: str, the name users request (`metrics=("parzen", ...)`).
        log_keys: Sequence of str, the keys `compute` returns, in order.
        needs: Sequence of str from `INPUTS`, the `Evaluation` inputs the
            metric reads besides the samples.
        options: Optional callable `options(**kwargs) -> dict` whose keyword
            arguments (with their defaults) are the metric's options; it
            returns them checked. Option names are global: prefix them with
            the metric's name.

    Returns:
        The decorator; it returns the function unchanged.
    """
    needs = tuple(needs)
    unknown = [need for need in needs if need not in INPUTS]
    if unknown:
        raise ValueError(
            f"Invalid value for argument `needs`. Received: needs={needs!r}. Expected "
            f"names from {', '.join(map(repr, INPUTS))}."
        )

    def decorator(compute):
        if name in _METRICS:
            raise ValueError(f"A metric named {name!r} is already registered.")
        _METRICS[name] = Metric(name, tuple(log_keys), needs, options, compute)
        return compute

    return decorator


def metric_names():
    """The registered metrics' names, in registration order."""
    return tuple(_METRICS)


def feature_metric_names():
    """The names of the registered metrics of features (those that need "features")."""
    return tuple(name for name, metric in _METRICS.items() if "features" in metric.needs)


def get(name):
    """The `Metric` registered as `name`, or a ValueError listing the names."""
    return _METRICS[check_names([name])[0]]


def check_names(metrics, feature_metrics_only=False):
    """`metrics` as a tuple of registered names; `None` means all of them.

    Args:
        metrics: A name, a sequence of names, or `None`.
        feature_metrics_only: Bool, whether only `feature_metric_names()`
            are allowed (and `None` means those).

    Returns:
        A tuple of str.
    """
    if feature_metrics_only:
        kind, known = "feature metric", feature_metric_names()
    else:
        kind, known = "metric", metric_names()
    if metrics is None:
        return known
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError(
            "Invalid value for argument `metrics`. Received: metrics=(). Expected at least "
            f"one of {', '.join(map(repr, known))}, or None for all."
        )
    for name in metrics:
        if name not in known:
            raise ValueError(
                f"Unknown {kind}. Received: {name!r}. Expected one of "
                f"{', '.join(map(repr, known))}."
            )
    return metrics


def check_options(**options):
    """The registered metrics' options, checked, with defaults for those not given.

    Example:

    >>> keras_gan.metrics.check_options(kid_subsets=10)["kid_subset_size"]
    1000

    Args:
        **options: Options of any registered metric, such as `kid_subsets`,
            `kid_subset_size`, `precision_recall_k`, `density_coverage_k`,
            `parzen_sigmas`.

    Returns:
        A dict of every registered option.

    Raises:
        TypeError: for a name no registered metric takes.
    """
    checked = {}
    for metric in _METRICS.values():
        if metric.options is not None:
            accepted = inspect.signature(metric.options).parameters
            checked.update(metric.options(**{k: v for k, v in options.items() if k in accepted}))
    for name in options:
        if name not in checked:
            raise TypeError(
                f"check_options() got an unexpected keyword argument {name!r}. Expected "
                f"options of the registered metrics: {', '.join(map(repr, checked))}."
            )
    return checked


def check_inputs(metrics, **inputs):
    """Raises a ValueError if an input that one of `metrics` needs is `None`.

    Args:
        metrics: Sequence of registered names.
        **inputs: `Evaluation` inputs by name (`reference`, `validation`,
            `distribution`, `real_features`); missing ones count as `None`.
    """
    given = {name: inputs.get(name) is not None for name in INPUTS}
    given["features"] = given["reference"] or inputs.get("real_features") is not None
    for name in metrics:
        for need in _METRICS[name].needs:
            if not given[need]:
                argument = "reference` or `real_features" if need == "features" else need
                raise ValueError(
                    f"The metric {name!r} needs `{argument}`. Received: {need}=None. Expected "
                    f"{_NEED_DESCRIPTIONS[need]}."
                )


_NEED_DESCRIPTIONS = {
    "reference": "an array of held-out real examples",
    "validation": "an array of real examples that select the metric's parameters",
    "distribution": "the toy distribution the samples should follow, e.g. keras_gan.toy.ring()",
    "features": "real examples (or their features) for the feature model",
}


class Evaluation:
    """Generated samples, what they are compared with, and the work metrics share.

    Registered metrics read the inputs (`samples`, `reference`,
    `validation`, `distribution`), `options` (a dict, see `check_options`),
    `seed`, `metrics` (the names being computed), and the feature pair
    `features`; work that several metrics need is computed once through
    `shared`. `compute()` runs the requested metrics.

    Example:

    ```python
    evaluation = keras_gan.metrics.Evaluation(
        samples, ("parzen", "fd"), reference=x_test, validation=x_valid
    )
    evaluation.compute()
    # {'parzen_log_likelihood': 225.3, 'parzen_stderr': 2.0, 'parzen_sigma': 0.2, 'fd': 3.1}
    ```

    Args:
        samples: Array `[n, ...]` of generated samples in `value_range`, or
            `None` when `fake_features` are given.
        metrics: Sequence of registered names (`metric_names()`), or `None`
            for all.
        reference: Optional array `[m, ...]` of held-out real examples: what
            Parzen scores, and the real side of the feature metrics.
        validation: Optional array of real examples that select a metric's
            parameters (Parzen's sigma).
        distribution: Optional toy distribution (`keras_gan.toy`) the samples
            should follow.
        feature_model: Optional `keras.Model` from `[n, h, w, c]` images in
            [0, 1] to `[n, d]` features; `None` loads
            `keras_gan.metrics.digit_features()` when a feature metric first
            needs it.
        value_range: `(low, high)` of `samples` and `reference`, mapped to
            [0, 1] for the feature model.
        real_features: Optional features `[m, d]` in place of `reference`'s.
        fake_features: Optional features `[n, d]` in place of `samples`'.
        seed: Int seed of the random metrics (KID's subsets).
        batch_size: Positive int, images per feature model call.
        **options: The metrics' options, see `check_options`.
    """

    def __init__(
        self,
        samples,
        metrics=None,
        reference=None,
        validation=None,
        distribution=None,
        feature_model=None,
        value_range=(0.0, 1.0),
        real_features=None,
        fake_features=None,
        seed=0,
        batch_size=1000,
        **options,
    ):
        if samples is None and fake_features is None:
            raise ValueError(
                "No samples to evaluate. Received: samples=None and fake_features=None. "
                "Expected generated samples [n, ...] or their features [n, d]."
            )
        self.metrics = check_names(metrics)
        check_inputs(
            self.metrics,
            reference=reference,
            validation=validation,
            distribution=distribution,
            real_features=real_features,
        )
        self.samples = None if samples is None else np.asarray(samples)
        self.reference = reference
        self.validation = validation
        self.distribution = distribution
        self.feature_model = feature_model
        self.value_range = check_interval("value_range", value_range, ", e.g. (0, 1) or (-1, 1)")
        self.seed = seed
        self.batch_size = batch_size
        self.options = check_options(**options)
        self._features = (real_features, fake_features)
        self._shared = {}

    @property
    def features(self):
        """The pair `(real, fake)` of checked feature arrays, computed once."""
        return self.shared("features", self._compute_features)

    def shared(self, key, compute):
        """`compute()`, run once per evaluation: the work several metrics share.

        Args:
            key: Hashable, names the work (e.g. `"neighbourhoods"`).
            compute: Callable without arguments.

        Returns:
            What `compute` returned the first time.
        """
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def compute(self):
        """Runs the requested metrics.

        Returns:
            A dict from log key to Python number, in the metrics' order.
        """
        logs = {}
        for name in self.metrics:
            logs.update(_METRICS[name].compute(self))
        return logs

    def _compute_features(self):
        real, fake = self._features
        if real is None:
            real = self._extract(self.reference)
        if fake is None:
            fake = self._extract(self.samples)
        return check_feature_pair(real, fake, "real", "fake")

    def _extract(self, images):
        if self.feature_model is None:
            self.feature_model = digit_features()
        return extract_features(images, self.feature_model, self.batch_size, self.value_range)


def evaluate_samples(samples, metrics, **inputs):
    """Runs registered metrics on generated samples: the dict a run reports.

    Example:

    ```python
    samples = gan.generate(10000, seed=0)
    keras_gan.metrics.evaluate_samples(
        samples, ("parzen",), reference=x_test, validation=x_valid
    )
    # {'parzen_log_likelihood': 225.3, 'parzen_stderr': 2.0, 'parzen_sigma': 0.2}

    ring = keras_gan.toy.ring()
    keras_gan.metrics.evaluate_samples(samples_2d, ("mode_coverage",), distribution=ring)
    # {'modes_covered': 8, 'num_modes': 8, 'high_quality_fraction': 0.93}
    ```

    Args:
        samples: Array `[n, ...]` of generated samples.
        metrics: Sequence of registered names (`metric_names()`).
        **inputs: The other arguments of `Evaluation` (`reference`,
            `validation`, `distribution`, `feature_model`, `value_range`,
            `seed`, ...) and the metrics' options.

    Returns:
        A dict from log key to Python number, in the metrics' order.
    """
    return Evaluation(samples, metrics, **inputs).compute()


def compute_feature_metrics(real, fake, metrics=None, **options):
    """Runs registered feature metrics on two feature arrays.

    Example:

    >>> keras_gan.metrics.compute_feature_metrics(real_features, fake_features)
    {'fd': 3.1, 'kid': 0.002, 'kid_std': 0.0004, 'precision': 0.71, 'recall': 0.66,
     'density': 0.83, 'coverage': 0.79}

    Args:
        real: Array `[n, d]` of real features.
        fake: Array `[m, d]` of generated features.
        metrics: Sequence of names from `feature_metric_names()`, or `None`
            for all.
        **options: `seed` (of KID's subsets) and the metrics' options
            (`kid_subsets`, `kid_subset_size`, `precision_recall_k`,
            `density_coverage_k`; see `check_options`).

    Returns:
        A dict from log key to Python float, in the metrics' order.
    """
    metrics = check_names(metrics, feature_metrics_only=True)
    return Evaluation(None, metrics, real_features=real, fake_features=fake, **options).compute()
