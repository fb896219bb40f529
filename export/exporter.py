"""`export_generator`: a trained generator to SavedModel and LiteRT, verified.

The output directory holds:

```
OUT/saved_model/               signatures `generate(z[, labels])` and `sample(num_samples, seed[, labels])`
OUT/generator.tflite           float32 LiteRT model of `generate` (--tflite)
OUT/generator_dynamic.tflite   int8 weights (--quantize=dynamic)
OUT/generator_float16.tflite   float16 weights (--quantize=float16)
OUT/export.json                what was exported, from what, and the checks
```

A conditional generator (a `keras_gan.Generator` or GAN with `num_classes`)
is exported with labels: every signature and the LiteRT model take int32
`labels` `[batch]` besides their other inputs (see `export/saved_model.py`),
and the checks run on labels `i % num_classes`, every class.

A generator trained under a mixed precision policy (`mixed_float16`,
`mixed_bfloat16`) is exported as a float32 copy with the same weights
(`export.precision.float32_copy`; LiteRT has no float16 MatMul): the checks
hold the artifacts to that copy, the model exported, and `export.json`'s
`precision` records the source policy and, for information only, the
largest difference between the copy's outputs and the mixed-precision
generator's on the checks' noise.

Everything is written to a temporary directory beside OUT and renamed into
place only after every artifact has been written and verified, so a failed
export leaves no half-written OUT, and an existing OUT (replaced only with
`overwrite=True`) stays intact until the new one is complete.
"""

import dataclasses
import datetime
import hashlib
import importlib.metadata
import json
import pathlib
import shutil
import uuid

import keras
import numpy as np
import tensorflow as tf

import keras_gan
from export import precision as precision_lib
from export import saved_model
from export import source as source_lib
from export import tflite as tflite_lib
from export import verify

EXPORT_JSON = "export.json"
SAVED_MODEL_DIR = "saved_model"
# 2: `sample`'s integer inputs are all int32 (version 1 had an int64 `seed`); labels.
FORMAT_VERSION = 2


def export_generator(
    source,
    output_dir,
    prior=None,
    tflite=False,
    quantize="none",
    overwrite=False,
    parzen_data=None,
    parzen_samples=10000,
    verification_batch=100,
    seed=0,
):
    """Exports a generator as a SavedModel (and LiteRT files) and verifies them.

    Example:

    ```python
    report = export.export_generator(
        "runs/mnist/generator.keras", "runs/mnist/export", tflite=True, quantize="dynamic")
    report["verification"]["tflite"]["dynamic"]["max_abs_error"]
    ```

    Args:
        source: Path of a `.keras` file of a generator or a whole
            `keras_gan.GAN` (its sampling generator is exported), or such a
            model in memory.
        output_dir: Path of the directory to create.
        prior: Prior name for a generator whose file records none (an
            older plain `keras.Model` without a sidecar; see
            `export.load_source`); default `"uniform"`. A `keras_gan.Generator`
            or GAN file records its own, which this may not contradict.
        tflite: Bool, whether to write the float32 `generator.tflite`.
        quantize: `"none"`, `"dynamic"` (int8 weights) or `"float16"`, or a
            list of them; a quantized variant implies `tflite=True` and is
            written beside the float32 file, which is its reference.
        overwrite: Bool, whether to replace an existing non-empty
            `output_dir`. Only a previous export (a directory holding
            `export.json`) is ever replaced.
        parzen_data: Optional `(validation, test)` arrays of real examples.
            When given with a quantized variant, the Parzen log-likelihood
            of the quantized model's samples must be within
            `verify.PARZEN_TOLERANCE_NATS` of the float32 model's (not
            used without a quantized variant).
        parzen_samples: Int, how many samples the Parzen windows are fitted on.
        verification_batch: Int, how many noise vectors the checks use.
        seed: Int, the seed of the checks' noise.

    Returns:
        The report written to `output_dir/export.json`, as a dict.

    Raises:
        FileNotFoundError: if `source` does not exist.
        ValueError: for an unreadable source, a bad argument, or an output
            directory that exists and may not be replaced.
        export.VerificationError: if an artifact does not reproduce the
            Keras generator. Nothing is left in `output_dir` then.
    """
    modes = tflite_lib.check_quantize(quantize)
    output_dir = check_output_dir(output_dir, overwrite)
    _check_positive_int("verification_batch", verification_batch)
    _check_positive_int("parzen_samples", parzen_samples)
    loaded = source_lib.load_source(source, prior=prior)
    _check_parzen_data(parzen_data, loaded.output_shape)
    return write_export(
        output_dir,
        lambda staging: _write_and_verify(
            loaded, staging, tflite or bool(modes), modes, parzen_data, parzen_samples,
            verification_batch, seed,
        ),
    )


def write_export(output_dir, write_and_verify):
    """Writes an export whole or not at all: staged beside `output_dir`, then renamed.

    Args:
        output_dir: Resolved path from `check_output_dir`.
        write_and_verify: Callable `(staging_dir) -> report`, writing and
            verifying every artifact in `staging_dir`.

    Returns:
        The report, also written to `output_dir/export.json`.
    """
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    # Beside OUT, so the final rename stays on one file system.
    staging = output_dir.with_name(f".{output_dir.name}.partial-{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    try:
        report = write_and_verify(staging)
        (staging / EXPORT_JSON).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        _move_into_place(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _write_and_verify(loaded, staging, tflite, modes, parzen_data, parzen_samples, batch, seed):
    z = np.asarray(loaded.prior_fn((batch, loaded.latent_dim), seed=seed), np.float32)
    labels = _every_class(loaded.num_classes, batch)
    inputs = z if labels is None else [z, labels]
    source_generator = loaded.generator
    loaded, precision = _as_float32(loaded)
    expected = np.asarray(loaded.generator(inputs, training=False), np.float32)
    if loaded.generator is not source_generator:
        # Reported, not checked: the mixed-precision generator's own rounding.
        mixed = np.asarray(source_generator(inputs, training=False), np.float32)
        precision["max_abs_difference_to_source"] = verify.max_error(expected, mixed)[0]
    signatures = saved_model.save_saved_model(loaded, staging / SAVED_MODEL_DIR)
    checks, files = {}, {"saved_model": SAVED_MODEL_DIR}
    if tflite:
        checks["tflite"] = {}
        for mode in ("none", *modes):
            path = staging / tflite_lib.FILENAMES[mode]
            path.write_bytes(tflite_lib.convert(staging / SAVED_MODEL_DIR, quantize=mode))
            checks["tflite"][mode] = verify.check_tflite(path, z, expected, quantize=mode, labels=labels)
            files[f"tflite_{mode}"] = path.name
    if parzen_data is not None and modes:
        checks["parzen"] = _check_parzen(loaded, staging, modes, parzen_data, parzen_samples, seed)
    # Last: the separate process costs a TensorFlow import (~10 s).
    checks["saved_model"] = verify.check_saved_model(
        staging / SAVED_MODEL_DIR, z, expected, prior=loaded.prior, seed=seed,
        labels=labels, num_classes=loaded.num_classes,
    )
    return {
        "format_version": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "source": _describe_source(loaded),
        "latent_dim": loaded.latent_dim,
        "prior": loaded.prior or "custom",
        "prior_origin": loaded.prior_origin,
        "prior_file": None if loaded.prior_file is None else str(loaded.prior_file),
        "num_classes": loaded.num_classes,
        "num_classes_origin": loaded.num_classes_origin,
        "output_shape": list(loaded.output_shape),
        "output_dtype": "float32",
        "precision": precision,
        "value_range": {
            "declared": None if loaded.value_range is None else list(loaded.value_range),
            "observed": [float(expected.min()), float(expected.max())],
        },
        "signatures": _describe_signatures(loaded, signatures),
        "files": files,
        "versions": versions(),
        "verification": checks,
    }


def _as_float32(loaded):
    """`loaded` with a float32 copy of its generator if that computes in lower precision.

    Returns the source to export and `export.json`'s `precision` record.
    """
    policies = precision_lib.reduced_precision_policies(loaded.generator)
    if not policies:
        return loaded, {"source_policies": ["float32"], "exported_dtype": "float32"}
    record = {
        "source_policies": policies,
        "exported_dtype": "float32",
        "exported_as": "a float32 copy of the generator (every layer's dtype policy float32, "
        "the same weights); the checks hold the artifacts to this copy",
        "max_abs_difference_to_source": None,
        "difference_meaning": "max |float32 copy - source generator| on the checks' noise; "
        "reported, not checked",
    }
    copy = precision_lib.float32_copy(loaded.generator)
    return dataclasses.replace(loaded, generator=copy), record


def _check_parzen(loaded, staging, modes, parzen_data, num_samples, seed):
    validation, test = parzen_data
    z = np.asarray(loaded.prior_fn((num_samples, loaded.latent_dim), seed=seed + 1), np.float32)
    labels = _every_class(loaded.num_classes, num_samples)
    reference = staging / tflite_lib.FILENAMES["none"]
    reports = {}
    for mode in modes:
        candidate = staging / tflite_lib.FILENAMES[mode]
        gap = verify.parzen_gap(reference, candidate, z, validation, test, labels=labels)
        if gap["difference_nats"] > gap["tolerance_nats"]:
            raise verify.VerificationError(
                f"The {mode} model's Parzen log-likelihood is {gap['candidate']['mean']:.2f} "
                f"nats, the float32 model's {gap['reference']['mean']:.2f}. Expected them "
                f"within {gap['tolerance_nats']} nats."
            )
        reports[mode] = gap
    return reports


def _every_class(num_classes, num_samples):
    """Labels `i % num_classes` (each class equally often), or `None` if unconditional."""
    if num_classes is None:
        return None
    return np.arange(num_samples, dtype=np.int32) % num_classes


def _check_parzen_data(parzen_data, output_shape):
    if parzen_data is None:
        return
    size = int(np.prod(output_shape))
    shapes = [np.shape(part) for part in parzen_data] if isinstance(parzen_data, (tuple, list)) else []
    if len(shapes) != 2 or any(len(s) < 2 or s[0] < 1 or int(np.prod(s[1:])) != size for s in shapes):
        raise ValueError(
            "Invalid value for argument `parzen_data`. Received: arrays of shapes "
            f"{shapes or type(parzen_data).__name__}. Expected a pair (validation, test) "
            f"of real examples [n, ...] with {size} values each, like the generator's output."
        )


def _describe_source(loaded):
    if loaded.path is None:
        return {"path": None, "kind": loaded.kind, "sha256": None}
    digest = hashlib.sha256(loaded.path.read_bytes()).hexdigest()
    return {"path": str(loaded.path), "kind": loaded.kind, "sha256": digest}


def _describe_signatures(loaded, names):
    integer = saved_model.INT_DTYPE.name
    images = {"images": {"dtype": "float32", "shape": [None, *loaded.output_shape]}}
    generate_inputs = {"z": {"dtype": "float32", "shape": [None, loaded.latent_dim]}}
    sample_inputs = {"num_samples": {"dtype": integer, "shape": []}, "seed": {"dtype": integer, "shape": []}}
    if loaded.num_classes is not None:
        labels = {"dtype": integer, "values": f"[0, {loaded.num_classes})"}
        generate_inputs["labels"] = {**labels, "shape": [None], "meaning": "one class per row of z"}
        sample_inputs["labels"] = {**labels, "shape": ["num_samples"], "meaning": "one class per example"}
    described = {saved_model.GENERATE: {"inputs": generate_inputs, "outputs": images}}
    if saved_model.SAMPLE in names:
        described[saved_model.SAMPLE] = {
            "inputs": sample_inputs,
            "outputs": images,
            "noise": f"export.stateless_latent({loaded.prior!r}, num_samples, "
            f"{loaded.latent_dim}, seed): stateless ops with seed [seed, 0]",
        }
    return described


def versions():
    """The versions of the packages an export depends on, for `export.json`."""
    return {
        "keras_gan": keras_gan.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "ai_edge_litert": importlib.metadata.version("ai-edge-litert"),
    }


def _check_positive_int(name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
            "Expected a positive integer."
        )


def check_output_dir(output_dir, overwrite):
    """`output_dir` resolved, if it is new, empty, or a previous export that may be replaced."""
    output_dir = pathlib.Path(output_dir).expanduser().resolve()
    if not output_dir.exists():
        return output_dir
    if not output_dir.is_dir():
        raise ValueError(
            f"The output directory is a file. Received: output_dir={str(output_dir)!r}. "
            "Expected a new or empty directory."
        )
    if not any(output_dir.iterdir()):
        return output_dir
    if not overwrite:
        raise ValueError(
            f"The output directory exists and is not empty. Received: output_dir="
            f"{str(output_dir)!r}. Expected a new or empty directory; pass --overwrite "
            "(overwrite=True) to replace a previous export."
        )
    if not (output_dir / EXPORT_JSON).is_file():
        raise ValueError(
            f"Refusing to replace a directory that is not an export (no {EXPORT_JSON}). "
            f"Received: output_dir={str(output_dir)!r}. Expected a new directory or a "
            "previous export."
        )
    return output_dir


def _move_into_place(staging, output_dir):
    """Renames the finished export to `output_dir`, replacing an old one last."""
    previous = None
    if output_dir.exists():
        previous = output_dir.with_name(f".{output_dir.name}.previous-{uuid.uuid4().hex[:8]}")
        output_dir.rename(previous)
    try:
        staging.rename(output_dir)
    except BaseException:
        if previous is not None:
            previous.rename(output_dir)
        raise
    if previous is not None:
        shutil.rmtree(previous)
