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

The batch dimension stays dynamic: `LiteRTGenerator` resizes the input to
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
    not `tf.lite.Interpreter`) and resizes the batch dimension of `z` to
    each call's batch.

    Example:

    ```python
    runner = export.LiteRTGenerator("out/generator.tflite")
    images = runner(np.zeros((16, runner.latent_dim), "float32"))   # [16, 28, 28, 1]
    ```

    Args:
        path: Path of the `.tflite` file, or `None` with `model_content`.
        model_content: The file's bytes, or `None` with `path`.
        num_threads: Optional int, the interpreter's CPU threads.
    """

    def __init__(self, path=None, model_content=None, num_threads=None):
        self.interpreter = litert.Interpreter(
            model_path=None if path is None else str(path),
            model_content=model_content,
            num_threads=num_threads,
        )
        self._input = self.interpreter.get_input_details()[0]
        self._output_index = self.interpreter.get_output_details()[0]["index"]
        self.latent_dim = int(self._input["shape_signature"][-1])
        self._batch_size = None
        # A delegate-free interpreter lists the model's own ops, not `DELEGATE`.
        plain = litert.Interpreter(
            model_path=None if path is None else str(path),
            model_content=model_content,
            experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        self._op_names = sorted({op["op_name"] for op in plain._get_ops_details()})

    @property
    def op_names(self):
        """The model's op names, such as `FULLY_CONNECTED` (before delegation)."""
        return self._op_names

    def __call__(self, z):
        """Returns the generated examples for noise `z` of shape [batch, latent_dim]."""
        z = np.ascontiguousarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim or z.shape[0] < 1:
            raise ValueError(
                f"Invalid value for argument `z`. Received: z.shape={z.shape}. "
                f"Expected [batch, {self.latent_dim}] with batch >= 1."
            )
        if z.shape[0] != self._batch_size:
            self.interpreter.resize_tensor_input(self._input["index"], list(z.shape))
            self.interpreter.allocate_tensors()
            self._batch_size = z.shape[0]
        self.interpreter.set_tensor(self._input["index"], z)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output_index).copy()
