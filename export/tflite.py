"""LiteRT (TFLite) conversion of the `generate` signature, and a runner.

Every variant is converted with built-in ops only
(`tf.lite.OpsSet.TFLITE_BUILTINS`): a model that would need Flex (select TF)
ops fails to convert instead of producing a file that needs the Flex
delegate. Variants, by `quantize` value:

- `"none"`: float32 weights and activations, `generator.tflite`;
- `"dynamic"`: dynamic-range quantization, int8 weights with activations
  quantized on the fly (`tf.lite.Optimize.DEFAULT`), about 4x smaller,
  `generator_dynamic.tflite`;
- `"float16"`: float16 weights, computed in float32 on CPU, about 2x
  smaller, `generator_float16.tflite`.

The model's inputs are the `generate` signature's: `z` float32
`[batch, latent_dim]`, and for a conditional generator `labels` int32
`[batch]` (converted to LiteRT's built-in `ONE_HOT`). The SavedModel's label
range check does not survive the conversion (LiteRT has no Assert op; an
out-of-range label would be encoded as a zero vector), so
`LiteRTGenerator` checks labels in Python when it knows `num_classes`.

The batch dimension stays dynamic: `LiteRTGenerator` resizes the inputs to
each batch it is given.
"""

import numpy as np
import tensorflow as tf
from ai_edge_litert import interpreter as litert

QUANTIZE_MODES = ("none", "dynamic", "float16")
FILENAMES = {
    "none": "generator.tflite",
    "dynamic": "generator_dynamic.tflite",
    "float16": "generator_float16.tflite",
}


def check_quantize(quantize):
    """Returns `quantize` as a tuple of modes, or raises a clear ValueError.

    Args:
        quantize: One of `QUANTIZE_MODES`, or a sequence of them.

    Returns:
        A tuple of distinct modes, `"none"` dropped (float32 is always made).
    """
    if quantize is None:
        return ()
    modes = (quantize,) if isinstance(quantize, str) else quantize
    if not isinstance(modes, (tuple, list)) or not all(mode in QUANTIZE_MODES for mode in modes):
        raise ValueError(
            f"Invalid value for argument `quantize`. Received: quantize={quantize!r}. "
            f"Expected one of {list(QUANTIZE_MODES)}, or a list of them."
        )
    return tuple(dict.fromkeys(mode for mode in modes if mode != "none"))


def convert(saved_model_dir, quantize="none", signature="generate"):
    """Converts one signature of a SavedModel to a LiteRT flatbuffer.

    Example:

    ```python
    flatbuffer = export.tflite.convert("out/saved_model", quantize="dynamic")
    pathlib.Path("out/generator_dynamic.tflite").write_bytes(flatbuffer)
    ```

    Args:
        saved_model_dir: Path of a SavedModel with the signature.
        quantize: One of `QUANTIZE_MODES`.
        signature: Name of the signature to convert.

    Returns:
        The `.tflite` file's content, as bytes.
    """
    if not isinstance(quantize, str) or quantize not in QUANTIZE_MODES:
        raise ValueError(
            f"Invalid value for argument `quantize`. Received: quantize={quantize!r}. "
            f"Expected one of {list(QUANTIZE_MODES)}."
        )
    converter = tf.lite.TFLiteConverter.from_saved_model(
        str(saved_model_dir), signature_keys=[signature]
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize in ("dynamic", "float16"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


class LiteRTGenerator:
    """Runs a generator's `.tflite` file with the LiteRT interpreter.

    Uses `ai_edge_litert.interpreter.Interpreter` (the standalone runtime,
    not `tf.lite.Interpreter`), finds the inputs by their signature names
    (`z`, and `labels` for a conditional generator) and resizes the batch
    dimension to each call's batch.

    Example:

    ```python
    runner = export.LiteRTGenerator("out/generator.tflite", num_classes=10)
    z = np.zeros((3, runner.latent_dim), "float32")
    images = runner(z, labels=[0, 1, 2])   # [3, 28, 28, 1]
    ```

    Args:
        path: Path of the `.tflite` file, or `None` with `model_content`.
        model_content: The file's bytes, or `None` with `path`.
        num_threads: Optional int, the interpreter's CPU threads.
        num_classes: Optional int, the number of classes of a conditional
            generator (`export.json`'s `num_classes`): labels outside
            `[0, num_classes)` are then an error instead of a zero one-hot.
    """

    def __init__(self, path=None, model_content=None, num_threads=None, num_classes=None):
        self.interpreter = litert.Interpreter(
            model_path=None if path is None else str(path),
            model_content=model_content,
            num_threads=num_threads,
        )
        self._inputs = _named_inputs(self.interpreter)
        self._output_index = self.interpreter.get_output_details()[0]["index"]
        self.latent_dim = int(self._inputs["z"]["shape_signature"][-1])
        self.num_classes = num_classes
        self._batch_size = None
        # A delegate-free interpreter lists the model's own ops, not `DELEGATE`.
        plain = litert.Interpreter(
            model_path=None if path is None else str(path),
            model_content=model_content,
            experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        self._op_names = sorted({op["op_name"] for op in plain._get_ops_details()})

    @property
    def conditional(self):
        """Whether the model takes `labels` besides `z`."""
        return "labels" in self._inputs

    @property
    def op_names(self):
        """The model's op names, such as `FULLY_CONNECTED` (before delegation)."""
        return self._op_names

    def __call__(self, z, labels=None):
        """Returns the generated examples for noise `z` `[batch, latent_dim]` (and `labels` `[batch]`)."""
        z = np.ascontiguousarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim or z.shape[0] < 1:
            raise ValueError(
                f"Invalid value for argument `z`. Received: z.shape={z.shape}. "
                f"Expected [batch, {self.latent_dim}] with batch >= 1."
            )
        feeds = {"z": z}
        if self.conditional:
            feeds["labels"] = self._check_labels(labels, len(z))
        elif labels is not None:
            raise ValueError(
                "Invalid value for argument `labels`. Received: labels for an unconditional "
                "generator. Expected labels=None."
            )
        if z.shape[0] != self._batch_size:
            for name, value in feeds.items():
                self.interpreter.resize_tensor_input(self._inputs[name]["index"], list(value.shape))
            self.interpreter.allocate_tensors()
            self._batch_size = z.shape[0]
        for name, value in feeds.items():
            self.interpreter.set_tensor(self._inputs[name]["index"], value)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output_index).copy()

    def _check_labels(self, labels, batch):
        array = None if labels is None else np.asarray(labels)
        valid = (
            array is not None
            and array.shape == (batch,)
            and (np.issubdtype(array.dtype, np.integer) or array.size == 0)
            and (self.num_classes is None or (array.min() >= 0 and array.max() < self.num_classes))
        )
        if not valid:
            classes = "" if self.num_classes is None else f" in [0, {self.num_classes})"
            received = "None" if array is None else f"shape {array.shape}, dtype {array.dtype}"
            raise ValueError(
                f"Invalid value for argument `labels`. Received: {received}. Expected {batch} "
                f"integer class labels{classes}, one per row of z."
            )
        return np.ascontiguousarray(array, dtype=np.int32)


def _named_inputs(interpreter):
    """The input details by signature name (`z`, `labels`); a file without signatures has `z` only."""
    signatures = interpreter.get_signature_list()
    if signatures:
        key = "generate" if "generate" in signatures else next(iter(signatures))
        return interpreter.get_signature_runner(key).get_input_details()
    return {"z": interpreter.get_input_details()[0]}
