"""`export_encoder`: a trained encoder E(x) ~ p(z | x) to SavedModel and LiteRT, verified.

The encoder of a `keras_gan.inference.InferenceNet` (the paper's learned
approximate inference) is exported like a generator (`export/exporter.py`),
with the same machinery: the same atomic write, LiteRT conversion
(`export.tflite.convert`), float32 copy of a mixed-precision model and
separate-process SavedModel check (`export/verify.py`). The output directory
holds:

```
OUT/saved_model/             signature `encode(images) -> z`
OUT/encoder.tflite           float32 LiteRT model of `encode` (tflite=True)
OUT/encoder_dynamic.tflite   int8 weights (quantize="dynamic")
OUT/encoder_float16.tflite   float16 weights (quantize="float16")
OUT/export.json              what was exported, from what, and the checks
```

`encode` takes `images` float32 `[batch, *image_shape]` and returns `z`
float32 `[batch, latent_dim]`, with a dynamic batch dimension.

The checks feed the encoder the images it is meant for: from an
`InferenceNet`, its generator's samples; otherwise the `images` given, or
else uniform noise in [0, 1] (which checks the arithmetic, not the
encoder's typical inputs).
"""

import dataclasses
import datetime
import hashlib
import pathlib
import tempfile

import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert import interpreter as litert

from export import exporter
from export import precision as precision_lib
from export import source as source_lib
from export import tflite as tflite_lib
from export import verify
from keras_gan import priors
from keras_gan import validation
from keras_gan.inference import InferenceNet

ENCODE = "encode"
FILENAMES = {
    "none": "encoder.tflite",
    "dynamic": "encoder_dynamic.tflite",
    "float16": "encoder_float16.tflite",
}
# Relative to max(1, max |z|), as the generator's (`export/verify.py`).
# Measured on two MNIST encoders (784-1200-1200-100, standardized input),
# each trained 3,000 steps against a fixed generator (an untrained one, and
# the EMA generator of a 60-epoch GAN), on 1,000 of its samples: float32
# LiteRT <= 1e-6; float16 weights 4.4e-4 and 2.2e-4; dynamic-range int8
# 0.083 and 0.16 (the standardized input spans a wide range, which the int8
# activations quantize coarsely). The tolerances leave 3-4x headroom and
# still catch a wrong model (an untrained encoder differs by 1.4 and 3.6).
TFLITE_TOLERANCES = {"none": 1e-4, "dynamic": 0.5, "float16": 2e-3}

# Run like `verify._STANDALONE_SCRIPT`: TensorFlow and NumPy only.
_STANDALONE_SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf

saved_model_dir, inputs_path, outputs_path = sys.argv[1:4]
images = np.load(inputs_path)["images"]
loaded = tf.saved_model.load(saved_model_dir)
encode = loaded.signatures["encode"]
np.savez(
    outputs_path,
    encode=encode(images=tf.constant(images))["z"].numpy(),
    encode_one=encode(images=tf.constant(images[:1]))["z"].numpy(),
)
print(json.dumps({
    "signatures": sorted(loaded.signatures),
    "keras_gan_imported": "keras_gan" in sys.modules,
    "export_imported": "export" in sys.modules,
}))
"""


@dataclasses.dataclass(frozen=True)
class EncoderSource:
    """An encoder ready to export.

    Attributes:
        encoder: The `keras.Model` from images `[batch, *image_shape]` to z
            `[batch, latent_dim]`.
        kind: `"inference_net"` or `"encoder"`, what the source held.
        path: The resolved path of the `.keras` file, or `None` in memory.
        image_shape: Tuple of ints, the shape of one input image.
        latent_dim: Int, the size of z.
        generator: The generator E inverts (from an `InferenceNet`), or `None`.
        prior: The prior's name (`"uniform"`, ...) when the generator is
            known and its prior a built-in one, else `None`.
    """

    encoder: keras.Model
    kind: str
    path: pathlib.Path
    image_shape: tuple
    latent_dim: int
    generator: keras.Model
    prior: str


def load_encoder(source):
    """Reads an encoder, or an `InferenceNet`'s encoder and generator.

    Example:

    ```python
    source = export.encoder.load_encoder("runs/mnist/inference_net.keras")
    source.image_shape, source.latent_dim, source.prior   # ((28, 28, 1), 100, 'uniform')
    ```

    Args:
        source: Path of a `.keras` file of an encoder or a whole
            `keras_gan.inference.InferenceNet`, or such a model in memory.

    Returns:
        An `EncoderSource`.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: if it does not hold a single-input, single-output model
            from images to `[batch, latent_dim]`.
    """
    path = None
    if isinstance(source, keras.Model):
        model = source
    else:
        path = pathlib.Path(source).expanduser().resolve()
        model = source_lib.load_keras_file(path, argument="source", what="encoder")
    generator = prior = None
    if isinstance(model, InferenceNet):
        kind, encoder, generator = "inference_net", model.encoder, model.generator
        prior = priors.name_of(model.latent_prior)
    else:
        kind, encoder = "encoder", model
    where = f" in {str(path)!r}" if path else ""
    try:
        input_shapes = [tuple(tensor.shape) for tensor in encoder.inputs]
        output_shapes = [tuple(tensor.shape) for tensor in encoder.outputs]
    except (AttributeError, TypeError, ValueError):
        input_shapes = output_shapes = None
    if (
        not input_shapes
        or len(input_shapes) != 1
        or None in input_shapes[0][1:]
        or len(output_shapes) != 1
        or len(output_shapes[0]) != 2
        or output_shapes[0][1] is None
    ):
        raise ValueError(
            f"The model{where} is not an encoder. Received: inputs {input_shapes}, outputs "
            f"{output_shapes}. Expected one input of fixed image shape [batch, ...] and one "
            "output [batch, latent_dim] (a functional or sequential model, or an InferenceNet)."
        )
    return EncoderSource(
        encoder=encoder,
        kind=kind,
        path=path,
        image_shape=tuple(int(size) for size in input_shapes[0][1:]),
        latent_dim=int(output_shapes[0][1]),
        generator=generator,
        prior=prior,
    )


class EncoderModule(tf.Module):
    """A `tf.Module` serving a Keras encoder through the `encode` signature.

    Like `export.GeneratorModule`, it tracks only the encoder's
    `tf.Variable`s (tracking the Keras model too would save every weight
    twice, and the LiteRT converter freezes only variables found this way).

    Example:

    ```python
    module = export.encoder.EncoderModule(encoder)
    tf.saved_model.save(module, "out/saved_model", signatures=module.signatures)
    tf.saved_model.load("out/saved_model").signatures["encode"](images=images)["z"]
    ```

    Args:
        encoder: `keras.Model` from `[batch, *image_shape]` to `[batch, latent_dim]`.
        name: Name of the module.
    """

    def __init__(self, encoder, name="encoder_module"):
        super().__init__(name=name)
        # Only the tf.Variables: see the class docstring for why.
        self.encoder_variables = [variable.value for variable in encoder.weights]
        self._call_encoder = lambda images: encoder(images, training=False)
        image_shape = list(encoder.inputs[0].shape[1:])
        images_spec = tf.TensorSpec([None, *image_shape], tf.float32, name="images")
        self.encode = tf.function(self._encode, input_signature=[images_spec])

    @property
    def signatures(self):
        """The serving signatures, by name, for `tf.saved_model.save`."""
        return {ENCODE: self.encode.get_concrete_function()}

    def _encode(self, images):
        return {"z": tf.cast(self._call_encoder(images), tf.float32)}


class LiteRTEncoder:
    """Runs an encoder's `.tflite` file with the LiteRT interpreter.

    Example:

    ```python
    runner = export.encoder.LiteRTEncoder("out/encoder.tflite")
    z = runner(images)   # [batch, latent_dim]
    ```

    Args:
        path: Path of the `.tflite` file, or `None` with `model_content`.
        model_content: The file's bytes, or `None` with `path`.
        num_threads: Optional int, the interpreter's CPU threads.
    """

    def __init__(self, path=None, model_content=None, num_threads=None):
        model_path = None if path is None else str(path)
        self.interpreter = litert.Interpreter(
            model_path=model_path, model_content=model_content, num_threads=num_threads
        )
        self._input = tflite_lib._named_inputs(self.interpreter)["images"]
        self._output_index = self.interpreter.get_output_details()[0]["index"]
        self.image_shape = tuple(int(size) for size in self._input["shape_signature"][1:])
        self._batch_size = None
        # A delegate-free interpreter lists the model's own ops, not `DELEGATE`.
        plain = litert.Interpreter(
            model_path=model_path,
            model_content=model_content,
            experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        self.op_names = sorted({op["op_name"] for op in plain._get_ops_details()})

    def __call__(self, images):
        """Returns z `[batch, latent_dim]` for float32 `images` `[batch, *image_shape]`."""
        images = np.ascontiguousarray(images, dtype=np.float32)
        if images.shape[1:] != self.image_shape or images.shape[0] < 1:
            raise ValueError(
                f"Invalid value for argument `images`. Received: images.shape={images.shape}. "
                f"Expected [batch, {', '.join(map(str, self.image_shape))}] with batch >= 1."
            )
        if images.shape[0] != self._batch_size:
            self.interpreter.resize_tensor_input(self._input["index"], list(images.shape))
            self.interpreter.allocate_tensors()
            self._batch_size = images.shape[0]
        self.interpreter.set_tensor(self._input["index"], images)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output_index).copy()


def export_encoder(
    source,
    output_dir,
    tflite=False,
    quantize="none",
    overwrite=False,
    images=None,
    verification_batch=100,
    seed=0,
):
    """Exports an encoder as a SavedModel (and LiteRT files) and verifies them.

    Example:

    ```python
    net.save("runs/mnist/inference_net.keras")
    report = export.export_encoder("runs/mnist/inference_net.keras", "runs/mnist/encoder", tflite=True)
    report["verification"]["tflite"]["none"]["max_abs_error"]
    ```

    Args:
        source: Path of a `.keras` file of an encoder or of a
            `keras_gan.inference.InferenceNet`, or such a model in memory.
        output_dir: Path of the directory to create.
        tflite: Bool, whether to write the float32 `encoder.tflite`.
        quantize: `"none"`, `"dynamic"` or `"float16"`, or a list of them;
            a quantized variant implies `tflite=True`.
        overwrite: Bool, whether to replace a previous export in `output_dir`.
        images: Optional float images `[n, *image_shape]` to check on
            (their first `verification_batch`). Default: the generator's
            samples for an `InferenceNet`, else uniform noise in [0, 1].
        verification_batch: Int, how many images the checks use.
        seed: Int, the seed of the checks' generated images.

    Returns:
        The report written to `output_dir/export.json`, as a dict.

    Raises:
        FileNotFoundError: if `source` does not exist.
        ValueError: for an unreadable source, a bad argument, or an output
            directory that exists and may not be replaced.
        export.VerificationError: if an artifact does not reproduce the
            Keras encoder. Nothing is left in `output_dir` then.
    """
    modes = tflite_lib.check_quantize(quantize)
    output_dir = exporter.check_output_dir(output_dir, overwrite)
    validation.check_positive_int("verification_batch", verification_batch)
    loaded = load_encoder(source)
    check_images, origin = _check_images(loaded, images, verification_batch, seed)
    return exporter.write_export(
        output_dir,
        lambda staging: _write_and_verify(
            loaded, staging, tflite or bool(modes), modes, check_images, origin
        ),
    )


def _write_and_verify(loaded, staging, tflite, modes, images, origin):
    encoder, precision = _as_float32(loaded.encoder, images)
    expected = np.asarray(encoder(images, training=False), np.float32)
    saved_model_dir = staging / exporter.SAVED_MODEL_DIR
    module = EncoderModule(encoder)
    tf.saved_model.save(module, str(saved_model_dir), signatures=module.signatures)
    checks, files = {}, {"saved_model": exporter.SAVED_MODEL_DIR}
    if tflite:
        checks["tflite"] = {}
        for mode in ("none", *modes):
            path = staging / FILENAMES[mode]
            path.write_bytes(tflite_lib.convert(saved_model_dir, quantize=mode, signature=ENCODE))
            checks["tflite"][mode] = check_tflite(path, images, expected, quantize=mode)
            files[f"tflite_{mode}"] = path.name
    # Last: the separate process costs a TensorFlow import (~10 s).
    checks["saved_model"] = check_saved_model(saved_model_dir, images, expected)
    source = {"path": None, "kind": loaded.kind, "sha256": None}
    if loaded.path is not None:
        source.update(path=str(loaded.path), sha256=hashlib.sha256(loaded.path.read_bytes()).hexdigest())
    image_spec = {"dtype": "float32", "shape": [None, *loaded.image_shape]}
    return {
        "format_version": exporter.FORMAT_VERSION,
        "model": "encoder",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "source": source,
        "image_shape": list(loaded.image_shape),
        "latent_dim": loaded.latent_dim,
        "prior": loaded.prior,
        "precision": precision,
        "signatures": {
            ENCODE: {
                "inputs": {"images": image_spec},
                "outputs": {"z": {"dtype": "float32", "shape": [None, loaded.latent_dim]}},
            }
        },
        "verification_images": {
            "origin": origin,
            "count": int(len(images)),
            "range": [float(images.min()), float(images.max())],
        },
        "files": files,
        "versions": exporter.versions(),
        "verification": checks,
    }


def check_saved_model(saved_model_dir, images, expected):
    """Verifies `encode` in a process that imports TensorFlow only, at the full batch and batch 1.

    Args:
        saved_model_dir: Path of the SavedModel.
        images: Float32 array `[batch, *image_shape]`.
        expected: The Keras encoder's output on `images`.

    Returns:
        A dict of the measured error and the tolerance.

    Raises:
        VerificationError: if the process fails or the error is above tolerance.
    """
    with tempfile.TemporaryDirectory(prefix="keras_gan_verify_") as scratch:
        scratch = pathlib.Path(scratch)
        np.savez(scratch / "inputs.npz", images=np.asarray(images, np.float32))
        status = verify._run_standalone(saved_model_dir, scratch, script=_STANDALONE_SCRIPT)
        with np.load(scratch / "outputs.npz") as outputs:
            results = {key: outputs[key] for key in outputs.files}
    if status["keras_gan_imported"] or status["export_imported"]:
        raise verify.VerificationError(
            "The standalone check imported keras_gan or export; it must load the SavedModel "
            "with TensorFlow alone."
        )
    expected = np.asarray(expected)
    error, scale = _max_error(results["encode"], expected)
    error_one, _ = _max_error(results["encode_one"], expected[:1])
    report = {
        "process": "separate; tensorflow only (keras_gan not in sys.modules)",
        "signatures": status["signatures"],
        "batch_sizes": [int(len(images)), 1],
        "max_abs_error": max(error, error_one),
        "tolerance": verify.SAVED_MODEL_TOLERANCE * scale,
    }
    if report["max_abs_error"] > report["tolerance"]:
        raise verify.VerificationError(
            f"The SavedModel's `encode` differs from the Keras encoder. Received: max abs error "
            f"{report['max_abs_error']:.3g}. Expected <= {report['tolerance']:.3g}."
        )
    return report


def check_tflite(path, images, expected, quantize="none"):
    """Verifies an encoder's `.tflite` file: built-in ops, full batch, batch 1, full batch again.

    Args:
        path: Path of the `.tflite` file.
        images: Float32 array `[batch, *image_shape]`.
        expected: The Keras encoder's output on `images`.
        quantize: The variant, one of `export.tflite.QUANTIZE_MODES`; it
            selects the tolerance (`TFLITE_TOLERANCES`).

    Returns:
        A dict of the measured error, the tolerance and the ops.

    Raises:
        VerificationError: on a non-built-in op or an error above tolerance.
    """
    runner = LiteRTEncoder(path)
    custom_ops = [name for name in runner.op_names if name.startswith("Flex") or name == "CUSTOM"]
    if custom_ops:
        raise verify.VerificationError(
            f"The LiteRT model uses ops that are not built in. Received: {custom_ops}. "
            "Expected built-in ops only."
        )
    expected = np.asarray(expected)
    errors = [
        _max_error(runner(images), expected)[0],
        _max_error(runner(images[:1]), expected[:1])[0],
        _max_error(runner(images), expected)[0],
    ]
    scale = _max_error(expected, expected)[1]
    report = {
        "runtime": "ai_edge_litert.interpreter.Interpreter",
        "batch_sizes": [int(len(images)), 1, int(len(images))],
        "ops": runner.op_names,
        "max_abs_error": max(errors),
        "tolerance": TFLITE_TOLERANCES[quantize] * scale,
        "size_bytes": pathlib.Path(path).stat().st_size,
    }
    if report["max_abs_error"] > report["tolerance"]:
        raise verify.VerificationError(
            f"The LiteRT encoder ({quantize}) differs from the Keras encoder. Received: max abs "
            f"error {report['max_abs_error']:.3g}. Expected <= {report['tolerance']:.3g}."
        )
    return report


def _max_error(actual, expected):
    if np.shape(actual) != np.shape(expected):
        raise verify.VerificationError(
            f"Exported output has the wrong shape. Received: {np.shape(actual)}. "
            f"Expected {np.shape(expected)}, the Keras encoder's."
        )
    return verify.max_error(actual, expected)


def _as_float32(encoder, images):
    """The encoder to export (a float32 copy of a mixed-precision one) and `export.json`'s record."""
    policies = precision_lib.reduced_precision_policies(encoder)
    if not policies:
        return encoder, {"source_policies": ["float32"], "exported_dtype": "float32"}
    copy = precision_lib.float32_copy(encoder)
    difference = verify.max_error(copy(images, training=False), encoder(images, training=False))[0]
    return copy, {
        "source_policies": policies,
        "exported_dtype": "float32",
        "exported_as": "a float32 copy of the encoder (the same weights); the checks hold the "
        "artifacts to this copy",
        "max_abs_difference_to_source": difference,
    }


def _check_images(loaded, images, batch, seed):
    """The float32 images the checks run on, and where they came from."""
    if images is not None:
        array = np.asarray(images)
        if (
            array.ndim != len(loaded.image_shape) + 1
            or tuple(array.shape[1:]) != loaded.image_shape
            or len(array) < 1
            or not np.issubdtype(array.dtype, np.floating)
            or not np.all(np.isfinite(array))
        ):
            raise ValueError(
                f"Invalid value for argument `images`. Received: images of shape {array.shape} and "
                f"dtype {array.dtype}. Expected finite float images [n, "
                f"{', '.join(map(str, loaded.image_shape))}], the encoder's input shape."
            )
        return np.ascontiguousarray(array[:batch], np.float32), "the images argument"
    if loaded.generator is not None:
        samples = loaded.generator.generate(batch, seed=seed)
        return np.asarray(samples, np.float32), f"the generator's samples (seed {seed})"
    noise = np.random.default_rng(seed).uniform(0.0, 1.0, (batch, *loaded.image_shape))
    return noise.astype(np.float32), f"uniform noise in [0, 1] (seed {seed})"
