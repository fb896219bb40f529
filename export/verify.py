"""Checks that exported artifacts compute what the Keras generator computes.

- `check_saved_model` loads the SavedModel in a separate Python process that
  imports TensorFlow only (never `keras_gan`; it asserts so), and compares
  `generate` with the Keras generator on the same z (and labels, for a
  conditional generator), at two batch sizes. It also checks that `sample`
  is reproducible: the same seed twice gives the same images, another seed
  other images, and `sample(n, seed[, labels])` equals
  `generate(stateless_latent(prior, n, latent_dim, seed)[, labels])`.
- `check_tflite` runs a `.tflite` file in the LiteRT interpreter at batch
  sizes 1 and the full batch (resizing the inputs each time), and asserts it
  uses built-in ops only.
- `parzen_gap` compares the Parzen log-likelihood of a quantized model's
  samples with the float model's, on real data.

Tolerances are on the maximum absolute error relative to the output's scale,
`max|export - keras| <= tolerance * max(1, max|keras|)` (for images in
[0, 1] that is the plain absolute error in pixel units). The quantized ones
were measured on the paper's MNIST generator (100-1200-1200-784, sigmoid
output) over 5,000 noise vectors at batch 5,000 and batch 1: untrained,
dynamic-range int8 gave 1.5e-3-1.9e-3 and float16 0.7e-4-1.3e-4; after 3
epochs of training 1.7e-2 and 7.4e-4 (sharper sigmoids amplify the weight
error). The tolerances, 0.05 and 5e-3, leave 3x and 7x headroom above the
trained model and still catch a wrong model (two untrained generators with
different seeds differ by ~0.2, trained from untrained by ~1). float32
LiteRT measured <= 2e-6.
"""

import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

from export import saved_model
from export import tflite

SAVED_MODEL_TOLERANCE = 1e-5
TFLITE_TOLERANCES = {"none": 1e-4, "dynamic": 0.05, "float16": 5e-3}
PARZEN_TOLERANCE_NATS = 2.0
_SAMPLE_SIZE = 8
_TIMEOUT_SECONDS = 600

# Run with `python -c` in an empty working directory: nothing but TensorFlow
# and NumPy is imported, and the run fails if keras_gan was imported anyway.
_STANDALONE_SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf

saved_model_dir, inputs_path, outputs_path = sys.argv[1:4]
inputs = np.load(inputs_path)
loaded = tf.saved_model.load(saved_model_dir)
generate = loaded.signatures["generate"]
conditional = "labels" in inputs.files

def run_generate(z, labels):
    feeds = {"z": tf.constant(z)}
    if conditional:
        feeds["labels"] = tf.constant(labels, tf.int32)
    return generate(**feeds)["images"].numpy()

labels = inputs["labels"] if conditional else None
results = {
    "generate": run_generate(inputs["z"], labels),
    "generate_one": run_generate(inputs["z"][:1], None if labels is None else labels[:1]),
}
if "sample_z" in inputs.files:
    sample = loaded.signatures["sample"]
    n, seed = int(inputs["num_samples"]), int(inputs["seed"])
    sample_labels = inputs["sample_labels"] if conditional else None

    def draw(s, labels=sample_labels):
        feeds = {"num_samples": tf.constant(n, tf.int32), "seed": tf.constant(s, tf.int32)}
        if conditional:
            feeds["labels"] = tf.constant(labels, tf.int32)
        return sample(**feeds)["images"].numpy()

    results.update(sample_a=draw(seed), sample_b=draw(seed), sample_other=draw(seed + 1))
    results["generate_sample_z"] = run_generate(inputs["sample_z"], sample_labels)
    if conditional:
        results["sample_other_labels"] = draw(seed, inputs["sample_other_labels"])
np.savez(outputs_path, **results)
print(json.dumps({
    "signatures": sorted(loaded.signatures),
    "keras_gan_imported": "keras_gan" in sys.modules,
    "export_imported": "export" in sys.modules,
}))
"""


class VerificationError(RuntimeError):
    """An exported artifact does not reproduce the Keras generator."""


def max_error(actual, expected):
    """The largest absolute difference, and the scale tolerances apply to."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        raise VerificationError(
            f"Exported output has the wrong shape. Received: {actual.shape}. "
            f"Expected {expected.shape}, the Keras generator's."
        )
    return float(np.max(np.abs(actual - expected))), max(1.0, float(np.max(np.abs(expected))))


def check_saved_model(saved_model_dir, z, expected, prior=None, seed=0, labels=None, num_classes=None):
    """Verifies a SavedModel in a process that does not import keras_gan.

    Example:

    ```python
    report = export.verify.check_saved_model("out/saved_model", z, generator(z))
    report["max_abs_error"]   # e.g. 1.2e-07
    ```

    Args:
        saved_model_dir: Path of the SavedModel.
        z: Float32 array `[batch, latent_dim]`.
        expected: The Keras generator's output on `z` (and `labels`).
        prior: The prior name served by `sample`, or `None` when the model
            has no `sample` signature.
        seed: Int, the seed of the `sample` checks (`seed + 1` is the other).
        labels: For a conditional generator, int array `[batch]`, the
            labels `expected` was generated with; else `None`.
        num_classes: For a conditional generator, its number of classes
            (the `sample` checks use labels `i % num_classes`).

    Returns:
        A dict of the measured errors and checks.

    Raises:
        VerificationError: if the process fails or any check fails.
    """
    z = np.asarray(z, np.float32)
    _check_conditional(labels, num_classes)
    with tempfile.TemporaryDirectory(prefix="keras_gan_verify_") as scratch:
        scratch = pathlib.Path(scratch)
        inputs = {"z": z, "num_samples": _SAMPLE_SIZE, "seed": seed}
        if labels is not None:
            inputs["labels"] = np.asarray(labels, np.int32)
            inputs["sample_labels"] = np.arange(_SAMPLE_SIZE, dtype=np.int32) % num_classes
            inputs["sample_other_labels"] = (inputs["sample_labels"] + 1) % num_classes
        if prior is not None:
            latent = saved_model.stateless_latent(prior, _SAMPLE_SIZE, z.shape[1], seed)
            inputs["sample_z"] = latent.numpy()
        np.savez(scratch / "inputs.npz", **inputs)
        status = _run_standalone(saved_model_dir, scratch)
        with np.load(scratch / "outputs.npz") as outputs:
            results = {key: outputs[key] for key in outputs.files}
    if status["keras_gan_imported"] or status["export_imported"]:
        raise VerificationError(
            "The standalone check imported keras_gan or export; it must load the SavedModel "
            "with TensorFlow alone."
        )
    error, scale = max_error(results["generate"], expected)
    error_one, _ = max_error(results["generate_one"], np.asarray(expected)[:1])
    report = {
        "process": "separate; tensorflow only (keras_gan not in sys.modules)",
        "signatures": status["signatures"],
        "batch_sizes": [int(z.shape[0]), 1],
        "max_abs_error": max(error, error_one),
        "tolerance": SAVED_MODEL_TOLERANCE * scale,
    }
    if report["max_abs_error"] > report["tolerance"]:
        raise VerificationError(
            f"The SavedModel's `generate` differs from the Keras generator. Received: max "
            f"abs error {report['max_abs_error']:.3g}. Expected <= {report['tolerance']:.3g}."
        )
    if labels is not None:
        report["labels"] = f"{len(labels)} labels in [0, {num_classes})"
    if prior is not None:
        report["sample"] = _check_sample(results, seed, labels is not None)
    return report


def _check_conditional(labels, num_classes):
    if (labels is None) != (num_classes is None):
        raise ValueError(
            "Invalid value for arguments `labels` and `num_classes`. Received: "
            f"labels={'None' if labels is None else 'an array'}, num_classes={num_classes!r}. "
            "Expected both for a conditional generator, neither for an unconditional one."
        )


def _run_standalone(saved_model_dir, scratch, script=_STANDALONE_SCRIPT):
    command = [
        sys.executable,
        "-c",
        script,
        str(pathlib.Path(saved_model_dir).resolve()),
        str(scratch / "inputs.npz"),
        str(scratch / "outputs.npz"),
    ]
    try:
        finished = subprocess.run(
            command,
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise VerificationError(
            f"The standalone SavedModel check took over {_TIMEOUT_SECONDS} s."
        ) from None
    if finished.returncode != 0:
        last_lines = " | ".join(finished.stderr.strip().splitlines()[-3:])
        raise VerificationError(
            f"Loading the SavedModel in a separate process failed (exit code "
            f"{finished.returncode}): {last_lines}"
        )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def _check_sample(results, seed, conditional):
    repeat_error = float(np.max(np.abs(results["sample_a"] - results["sample_b"])))
    other_difference = float(np.mean(np.abs(results["sample_a"] - results["sample_other"])))
    prior_error, scale = max_error(results["sample_a"], results["generate_sample_z"])
    report = {
        "seed": seed,
        "num_samples": _SAMPLE_SIZE,
        "same_seed_max_abs_difference": repeat_error,
        "other_seed_mean_abs_difference": other_difference,
        "matches_stateless_latent_max_abs_error": prior_error,
    }
    if conditional:
        # Recorded, not required: a generator may legitimately ignore its labels.
        report["labels"] = "i % num_classes"
        report["other_labels_mean_abs_difference"] = float(
            np.mean(np.abs(results["sample_a"] - results["sample_other_labels"]))
        )
    if repeat_error != 0.0:
        raise VerificationError(
            f"`sample` is not reproducible: two calls with seed={seed} differ by up to "
            f"{repeat_error:.3g}. Expected identical images."
        )
    if other_difference == 0.0:
        raise VerificationError(
            f"`sample` ignores its seed: seeds {seed} and {seed + 1} gave identical images."
        )
    if prior_error > SAVED_MODEL_TOLERANCE * scale:
        raise VerificationError(
            "`sample` does not draw z like `export.stateless_latent`. Received: max abs "
            f"error {prior_error:.3g}. Expected <= {SAVED_MODEL_TOLERANCE * scale:.3g}."
        )
    return report


def check_tflite(path, z, expected, quantize="none", labels=None):
    """Verifies a `.tflite` file in the LiteRT interpreter.

    Runs the full batch, then batch 1, then the full batch again (each a
    resize of the input) and compares with the Keras generator's output.

    Args:
        path: Path of the `.tflite` file.
        z: Float32 array `[batch, latent_dim]`.
        expected: The Keras generator's output on `z` (and `labels`).
        quantize: The variant, one of `export.tflite.QUANTIZE_MODES`; it
            selects the tolerance.
        labels: For a conditional generator, int array `[batch]`; else `None`.

    Returns:
        A dict of the measured error, the tolerance and the ops.

    Raises:
        VerificationError: on a non-built-in op or an error above tolerance.
    """
    runner = tflite.LiteRTGenerator(path)
    if runner.conditional != (labels is not None):
        raise VerificationError(
            f"The LiteRT model {'takes' if runner.conditional else 'does not take'} labels, "
            f"the Keras generator {'does' if labels is not None else 'does not'}. Expected the same inputs."
        )
    first = None if labels is None else np.asarray(labels)[:1]
    custom_ops = [name for name in runner.op_names if name.startswith("Flex") or name == "CUSTOM"]
    if custom_ops:
        raise VerificationError(
            f"The LiteRT model uses ops that are not built in. Received: {custom_ops}. "
            "Expected built-in ops only."
        )
    expected = np.asarray(expected)
    batch = int(z.shape[0])
    errors = [
        max_error(runner(z, labels), expected)[0],
        max_error(runner(z[:1], first), expected[:1])[0],
        max_error(runner(z, labels), expected)[0],
    ]
    scale = max_error(expected, expected)[1]
    report = {
        "runtime": "ai_edge_litert.interpreter.Interpreter",
        "batch_sizes": [batch, 1, batch],
        "ops": runner.op_names,
        "inputs": ["z", "labels"] if labels is not None else ["z"],
        "max_abs_error": max(errors),
        "tolerance": TFLITE_TOLERANCES[quantize] * scale,
        "size_bytes": pathlib.Path(path).stat().st_size,
    }
    if report["max_abs_error"] > report["tolerance"]:
        raise VerificationError(
            f"The LiteRT model ({quantize}) differs from the Keras generator. Received: max "
            f"abs error {report['max_abs_error']:.3g}. Expected <= {report['tolerance']:.3g}."
        )
    return report


def parzen_gap(reference_path, candidate_path, z, validation, test, sigmas=None, labels=None):
    """Compares the Parzen log-likelihood of two LiteRT models' samples.

    Both models generate from the same noise `z`; a Parzen window is fitted
    on each model's samples (sigma selected on `validation`) and the mean
    log-likelihood of `test` compared.

    Example:

    ```python
    gap = export.verify.parzen_gap(
        "out/generator.tflite", "out/generator_dynamic.tflite", z, valid, test)
    gap["difference_nats"]   # |candidate - reference|
    ```

    Args:
        reference_path: The float32 `.tflite` file.
        candidate_path: The quantized `.tflite` file.
        z: Float32 array `[num_samples, latent_dim]`, the noise.
        validation: Real examples `[n, ...]` to select sigma.
        test: Real examples `[n, ...]` to evaluate.
        sigmas: Optional sigma grid (default: the paper's).
        labels: For a conditional generator, int array `[num_samples]`, the
            classes to generate; else `None`.

    Returns:
        A dict with `reference` and `candidate` (mean, stderr, sigma in nats)
        and `difference_nats`, plus `tolerance_nats`. The caller decides
        whether to fail on it.
    """
    from keras_gan.metrics import parzen  # Imports TensorFlow Probability: only when needed.

    options = {} if sigmas is None else {"sigmas": sigmas}
    report = {"num_samples": int(len(z))}
    for key, path in (("reference", reference_path), ("candidate", candidate_path)):
        samples = tflite.LiteRTGenerator(path)(z, labels)
        result = parzen.evaluate(samples, test, validation=validation, **options)
        report[key] = {"mean": result.mean, "stderr": result.stderr, "sigma": result.sigma}
    report["difference_nats"] = abs(report["candidate"]["mean"] - report["reference"]["mean"])
    report["tolerance_nats"] = PARZEN_TOLERANCE_NATS
    return report
