"""`GeneratorSource`: the generator to export, read from a `.keras` file.

The file holds either a bare generator (what the experiment launchers save
as `generator.keras`) or a whole `keras_gan.GAN`. A GAN brings its own prior
and its sampling generator (the moving average when it keeps one). A bare
generator does not know its prior, so it is looked up in this order:

1. a sidecar `<stem>.json` next to the file (`generator.json` for
   `generator.keras`) holding `{"latent_prior": "uniform", ...}`;
2. else the run's `metrics.json` next to the file, if it has a
   `"latent_prior"` key (the experiment launchers write one);
3. the `prior` argument;
4. `"uniform"`, the original code's prior.

A `prior` argument that contradicts a prior recorded in the file or the
sidecar is an error rather than a silent choice.
"""

import dataclasses
import json
import pathlib
import zipfile

import keras

import keras_gan
from keras_gan import priors

DEFAULT_PRIOR = "uniform"
RUN_METRICS = "metrics.json"
PRIOR_NAMES = ("uniform", "gaussian", "spherical")

_ACTIVATION_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "hard_sigmoid": (0.0, 1.0)}


@dataclasses.dataclass(frozen=True)
class GeneratorSource:
    """A generator ready to export, with what the export records about it.

    Attributes:
        generator: The `keras.Model` from `[batch, latent_dim]` to examples.
        prior: The prior's registered name (`"uniform"`, `"gaussian"` or
            `"spherical"`), or `None` for a custom callable prior.
        prior_fn: The prior as a callable `prior(shape, seed=None)`.
        prior_origin: Where the prior came from: `"gan"`, `"sidecar"`,
            `"argument"` or `"default"`.
        prior_file: The sidecar file the prior was read from, or `None`.
        kind: `"generator"` or `"gan"`, what the file held.
        path: The resolved path of the `.keras` file, or `None` for a model
            given in memory.
        latent_dim: Int, the size of z.
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
    output_shape: tuple
    value_range: tuple


def load_source(source, prior=None):
    """Reads a generator (or a GAN's generator) and resolves its prior.

    Example:

    ```python
    source = export.load_source("runs/mnist/generator.keras")
    source.latent_dim, source.prior, source.output_shape
    # (100, 'uniform', (28, 28, 1))
    ```

    Args:
        source: Path to a `.keras` file of a generator or of a
            `keras_gan.GAN`, or such a model in memory.
        prior: Optional prior name or callable `prior(shape, seed)`, for a
            bare generator whose file does not record one (see the module
            docstring for the order of precedence).

    Returns:
        A `GeneratorSource`.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: if it is not a readable `.keras` archive, does not hold
            a generator of the form `[batch, latent_dim] -> [batch, ...]`,
            or `prior` is unknown or contradicts the recorded prior.
    """
    _check_prior_argument(prior)
    path = None
    if isinstance(source, keras.Model):
        model = source
    else:
        path = pathlib.Path(source).expanduser().resolve()
        model = _load_model(path)
    prior_file = None
    if isinstance(model, keras_gan.GAN):
        kind, generator, recorded, origin = "gan", model.sampling_generator, model.latent_prior, "gan"
    else:
        kind, generator = "generator", model
        recorded, prior_file = _read_sidecar(path) if path else (None, None)
        origin = "sidecar" if recorded is not None else None
    prior_fn, origin = _resolve_prior(recorded, origin, prior)
    latent_dim, output_shape = _generator_shapes(generator, path)
    return GeneratorSource(
        generator=generator,
        prior=priors.name_of(prior_fn),
        prior_fn=prior_fn,
        prior_origin=origin,
        prior_file=prior_file,
        kind=kind,
        path=path,
        latent_dim=latent_dim,
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


def _load_model(path):
    if not path.exists():
        raise FileNotFoundError(
            f"The generator file does not exist. Received: generator={str(path)!r}. "
            "Expected a `.keras` file, e.g. RUN_DIR/generator.keras."
        )
    if path.is_dir() or path.suffix != ".keras":
        raise ValueError(
            f"The generator must be a `.keras` file. Received: generator={str(path)!r}. "
            "Save it with `model.save('generator.keras')`."
        )
    if not zipfile.is_zipfile(path) or "config.json" not in zipfile.ZipFile(path).namelist():
        raise ValueError(
            f"The generator file is not a valid `.keras` archive (corrupt or truncated). "
            f"Received: generator={str(path)!r}. Expected a zip archive written by `model.save`."
        )
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types; report one line.
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"Could not load the generator file. Received: generator={str(path)!r} "
            f"({type(error).__name__}: {detail[:200]}). Expected a model saved by Keras 3."
        ) from None


def _read_sidecar(path):
    """The prior recorded beside a bare generator, or `None`."""
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
        return priors.get(name), sidecar
    return None, None


def _resolve_prior(recorded, origin, prior):
    if recorded is None:
        if prior is None:
            return priors.get(DEFAULT_PRIOR), "default"
        return priors.get(prior), "argument"
    if prior is not None and priors.get(prior) is not recorded:
        raise ValueError(
            f"The `prior` argument contradicts the prior recorded in the {origin} file. "
            f"Received: prior={_describe(prior)}, recorded {_describe(recorded)}. "
            "Omit `prior` to use the recorded one."
        )
    return recorded, origin


def _describe(prior):
    name = prior if isinstance(prior, str) else priors.name_of(prior)
    return repr(name) if name else f"a custom callable {getattr(prior, '__name__', prior)!r}"


def _generator_shapes(generator, path):
    where = f" in {str(path)!r}" if path else ""
    try:
        input_shapes = [tuple(tensor.shape) for tensor in generator.inputs]
        output_shapes = [tuple(tensor.shape) for tensor in generator.outputs]
    except (AttributeError, TypeError, ValueError):
        input_shapes = output_shapes = None
    if (
        not input_shapes
        or len(input_shapes) != 1
        or len(input_shapes[0]) != 2
        or input_shapes[0][1] is None
        or len(output_shapes) != 1
        or None in output_shapes[0][1:]
    ):
        raise ValueError(
            f"The model{where} is not a generator. Received: inputs {input_shapes}, outputs "
            f"{output_shapes}. Expected one input [batch, latent_dim] and one output of fixed "
            "example shape [batch, ...] (a functional or sequential model)."
        )
    return int(input_shapes[0][1]), tuple(int(size) for size in output_shapes[0][1:])


def _value_range(generator):
    """The output range implied by the last layer that has an activation."""
    for layer in reversed(generator.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            name = getattr(activation, "__name__", "")
            return _ACTIVATION_RANGES.get(name)
    return None
