"""`GeneratorSource`: the generator to export, read from a `.keras` file.

The file holds a generator (what the experiment launchers save as
`generator.keras`) or a whole `keras_gan.GAN`. What the export needs, the
prior of z, the size of z and the number of classes of a conditional
generator, is read from the first of these that records it:

1. the model itself: a `keras_gan.GAN` (its prior and `num_classes`; its
   sampling generator, the moving average when it keeps one, is exported),
   or a `keras_gan.Generator`, which saves its prior and `num_classes` with
   its weights (origin `"gan"` or `"generator"`);
2. for an older plain `keras.Model` file, or a `Generator` whose prior was
   never set: a sidecar `<stem>.json` next to the file (`generator.json`
   for `generator.keras`) holding `{"latent_prior": "uniform", ...}`, else
   the run's `metrics.json` next to the file if it has a `"latent_prior"`
   key (origin `"sidecar"`; a plain two-input model reads `"num_classes"`
   from the same record);
3. the `prior` argument (origin `"argument"`);
4. `"uniform"`, the original code's prior (origin `"default"`).

The size of z is always the generator's input shape. A `prior` argument
that contradicts a recorded prior is an error rather than a silent choice.
"""

import dataclasses
import json
import pathlib
import zipfile

import keras

import keras_gan
from keras_gan import priors
from keras_gan.generator import Generator

DEFAULT_PRIOR = "uniform"
RUN_METRICS = "metrics.json"
PRIOR_NAMES = ("uniform", "gaussian", "spherical")

_RECORDERS = {"gan": "the GAN", "generator": "the generator", "sidecar": "the sidecar file"}
_ACTIVATION_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "hard_sigmoid": (0.0, 1.0)}


@dataclasses.dataclass(frozen=True)
class GeneratorSource:
    """A generator ready to export, with what the export records about it.

    Attributes:
        generator: The `keras.Model` from z `[batch, latent_dim]` (and, when
            conditional, int32 labels `[batch]`) to examples.
        prior: The prior's registered name (`"uniform"`, `"gaussian"` or
            `"spherical"`), or `None` for a custom callable prior.
        prior_fn: The prior as a callable `prior(shape, seed=None)`.
        prior_origin: Where the prior came from: `"gan"`, `"generator"`,
            `"sidecar"`, `"argument"` or `"default"`.
        prior_file: The sidecar file the prior was read from, or `None`.
        kind: `"generator"` or `"gan"`, what the file held.
        path: The resolved path of the `.keras` file, or `None` for a model
            given in memory.
        latent_dim: Int, the size of z (the generator's input shape).
        num_classes: `None` for an unconditional generator, else its number
            of classes.
        num_classes_origin: Where `num_classes` came from: `"gan"`,
            `"generator"`, `"sidecar"`, or `"inputs"` (a plain model taking
            z alone is unconditional).
        output_shape: Tuple of ints, the shape of one generated example.
        value_range: `(low, high)` implied by the output activation, or
            `None` when the activation does not bound it (e.g. linear).
    """

    generator: keras.Model
    prior: str
    prior_fn: object
    prior_origin: str
    prior_file: pathlib.Path
    kind: str
    path: pathlib.Path
    latent_dim: int
    num_classes: int
    num_classes_origin: str
    output_shape: tuple
    value_range: tuple


def load_source(source, prior=None):
    """Reads a generator (or a GAN's generator) and what it needs to be sampled.

    Example:

    ```python
    source = export.load_source("runs/mnist/generator.keras")
    source.latent_dim, source.prior, source.prior_origin, source.num_classes
    # (100, 'gaussian', 'generator', 10)
    ```

    Args:
        source: Path to a `.keras` file of a generator or of a
            `keras_gan.GAN`, or such a model in memory.
        prior: Optional prior name or callable `prior(shape, seed)`, for a
            generator whose file does not record one (see the module
            docstring for the order of precedence).

    Returns:
        A `GeneratorSource`.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: if it is not a readable `.keras` archive, does not hold
            a generator of the form `[batch, latent_dim]` (and `[batch]`
            labels) `-> [batch, ...]`, or `prior` is unknown or contradicts
            the recorded prior.
    """
    _check_prior_argument(prior)
    path = None
    if isinstance(source, keras.Model):
        model = source
    else:
        path = pathlib.Path(source).expanduser().resolve()
        model = load_keras_file(path)
    if isinstance(model, keras_gan.GAN):
        kind, generator = "gan", model.sampling_generator
        recorded, prior_origin = model.latent_prior, "gan"
        num_classes, num_classes_origin = model.num_classes, "gan"
    else:
        kind, generator = "generator", model
        recorded = num_classes = prior_origin = num_classes_origin = None
        if isinstance(model, Generator):
            num_classes, num_classes_origin = model.num_classes, "generator"
            if model.latent_prior is not None:
                recorded, prior_origin = model.latent_prior, "generator"
    prior_file = None
    if recorded is None or num_classes_origin is None:
        # An older plain model (or a Generator no GAN has trained): the run's record.
        record, record_file = _read_sidecar(path) if path else (None, None)
        if recorded is None and record is not None:
            recorded, prior_origin, prior_file = priors.get(record["latent_prior"]), "sidecar", record_file
        if num_classes_origin is None:
            num_classes, num_classes_origin = _plain_num_classes(generator, record, record_file, path)
    prior_fn, prior_origin = _resolve_prior(recorded, prior_origin, prior)
    latent_dim, output_shape = _generator_shapes(generator, num_classes, path)
    return GeneratorSource(
        generator=generator,
        prior=priors.name_of(prior_fn),
        prior_fn=prior_fn,
        prior_origin=prior_origin,
        prior_file=prior_file if prior_origin == "sidecar" else None,
        kind=kind,
        path=path,
        latent_dim=latent_dim,
        num_classes=num_classes,
        num_classes_origin=num_classes_origin,
        output_shape=output_shape,
        value_range=_value_range(generator),
    )


def sidecar_path(path):
    """The sidecar file that records a bare generator's prior."""
    path = pathlib.Path(path)
    return path.with_suffix(".json")


def _check_prior_argument(prior):
    if prior is None or callable(prior) or prior in PRIOR_NAMES:
        return
    raise ValueError(
        f"Invalid value for argument `prior`. Received: prior={prior!r}. "
        f"Expected one of {list(PRIOR_NAMES)} or a callable `prior(shape, seed)`."
    )


def load_keras_file(path, argument="generator", what="generator"):
    """Loads a `.keras` file (`compile=False`), or raises a one-line error naming `argument`.

    Args:
        path: Resolved `pathlib.Path`.
        argument: The name of the argument that gave the path, for errors.
        what: What the file should hold, for errors (`"generator"`, `"encoder"`).

    Returns:
        The model.
    """
    received = f"Received: {argument}={str(path)!r}"
    if not path.exists():
        raise FileNotFoundError(
            f"The {what} file does not exist. {received}. "
            f"Expected a `.keras` file, e.g. RUN_DIR/{what}.keras."
        )
    if path.is_dir() or path.suffix != ".keras":
        raise ValueError(
            f"The {what} must be a `.keras` file. {received}. "
            f"Save it with `model.save('{what}.keras')`."
        )
    if not zipfile.is_zipfile(path) or "config.json" not in zipfile.ZipFile(path).namelist():
        raise ValueError(
            f"The {what} file is not a valid `.keras` archive (corrupt or truncated). "
            f"{received}. Expected a zip archive written by `model.save`."
        )
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types; report one line.
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"Could not load the {what} file. {received} "
            f"({type(error).__name__}: {detail[:200]}). Expected a model saved by Keras 3."
        ) from None


def _read_sidecar(path):
    """The run's record of a generator's prior, and its file, or `(None, None)`."""
    candidates = ((sidecar_path(path), True), (path.parent / RUN_METRICS, False))
    for sidecar, must_have_prior in candidates:
        if not sidecar.is_file() or sidecar == path:
            continue
        try:
            record = json.loads(sidecar.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            record = None
        if not isinstance(record, dict) or (must_have_prior and "latent_prior" not in record):
            raise ValueError(
                f"The sidecar file is not readable. Received: {str(sidecar)!r}. Expected a "
                'JSON object such as {"latent_prior": "uniform"}.'
            )
        if "latent_prior" not in record:
            continue
        name = record["latent_prior"]
        if name not in PRIOR_NAMES:
            raise ValueError(
                f"The sidecar file names an unknown prior. Received: latent_prior={name!r} in "
                f"{str(sidecar)!r}. Expected one of {list(PRIOR_NAMES)}."
            )
        return record, sidecar
    return None, None


def _plain_num_classes(generator, record, record_file, path):
    """A plain model's number of classes: none for one input, else the run's record."""
    inputs = getattr(generator, "inputs", None) or []
    if len(inputs) != 2:
        return None, "inputs"
    num_classes = None if record is None else record.get("num_classes")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        where = f" in {str(path)!r}" if path else ""
        recorded = "" if record is None else f" ({str(record_file)!r} has num_classes={num_classes!r})"
        raise ValueError(
            f"The model{where} takes 2 inputs, z and labels, but its number of classes is not "
            f"recorded{recorded}. Expected a keras_gan.Generator saved with `num_classes`, or "
            '"num_classes": N (an int >= 2) in its generator.json.'
        )
    return num_classes, "sidecar"


def _resolve_prior(recorded, origin, prior):
    if recorded is None:
        if prior is None:
            return priors.get(DEFAULT_PRIOR), "default"
        return priors.get(prior), "argument"
    if prior is not None and priors.get(prior) is not recorded:
        raise ValueError(
            f"The `prior` argument contradicts the prior recorded by {_RECORDERS[origin]}. "
            f"Received: prior={_describe(prior)}, recorded {_describe(recorded)}. "
            "Omit `prior` to use the recorded one."
        )
    return recorded, origin


def _describe(prior):
    name = prior if isinstance(prior, str) else priors.name_of(prior)
    return repr(name) if name else f"a custom callable {getattr(prior, '__name__', prior)!r}"


def _generator_shapes(generator, num_classes, path):
    where = f" in {str(path)!r}" if path else ""
    try:
        inputs = list(generator.inputs)
        input_shapes = [tuple(tensor.shape) for tensor in inputs]
        output_shapes = [tuple(tensor.shape) for tensor in generator.outputs]
    except (AttributeError, TypeError, ValueError):
        inputs, input_shapes, output_shapes = [], None, None
    expected_inputs = 1 if num_classes is None else 2
    if (
        not input_shapes
        or len(input_shapes) != expected_inputs
        or len(input_shapes[0]) != 2
        or input_shapes[0][1] is None
        or (num_classes is not None and not _is_label_input(inputs[1]))
        or len(output_shapes) != 1
        or None in output_shapes[0][1:]
    ):
        expected = "one input [batch, latent_dim]" if num_classes is None else (
            f"two inputs, z [batch, latent_dim] and integer labels [batch] (num_classes={num_classes})"
        )
        raise ValueError(
            f"The model{where} is not a generator. Received: inputs {input_shapes}, outputs "
            f"{output_shapes}. Expected {expected} and one output of fixed example shape "
            "[batch, ...] (a functional or sequential model)."
        )
    return int(input_shapes[0][1]), tuple(int(size) for size in output_shapes[0][1:])


def _is_label_input(tensor):
    return len(tensor.shape) == 1 and "int" in str(tensor.dtype)


def _value_range(generator):
    """The output range implied by the last layer that has an activation."""
    for layer in reversed(generator.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            name = getattr(activation, "__name__", "")
            return _ACTIVATION_RANGES.get(name)
    return None
