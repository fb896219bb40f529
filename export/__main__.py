"""Exports a trained generator to SavedModel and LiteRT, and verifies them.

Usage:

  python -m export --generator=RUN_DIR/generator.keras --output_dir=OUT
      [--tflite] [--quantize=none|dynamic|float16] [--prior=uniform] [--overwrite]
      [--parzen_images=IDX_FILE] [--flagfile=FILE]

`--generator` may also be a whole `keras_gan.GAN` saved as `.keras`: its
sampling generator and its prior are exported. A `keras_gan.Generator` or
GAN file records its prior and number of classes; a conditional one is
exported with `labels` inputs, with no flag to add. A generator trained
under a mixed precision policy is exported, and verified, as a float32 copy.
Errors print one line, `error: ...`, and exit with status 1 (2 for bad flags).
"""

import sys

from absl import app
from absl import flags
from absl import logging

import export

_GENERATOR = flags.DEFINE_string(
    "generator", None, "Path of the .keras file of a generator or of a whole keras_gan.GAN."
)
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Directory to create for the export.")
_TFLITE = flags.DEFINE_bool("tflite", False, "Also write the float32 LiteRT file generator.tflite.")
_QUANTIZE = flags.DEFINE_enum(
    "quantize",
    "none",
    ["none", "dynamic", "float16"],
    "Also write a quantized LiteRT variant (implies --tflite): dynamic = int8 weights, "
    "float16 = float16 weights.",
)
_PRIOR = flags.DEFINE_enum(
    "prior",
    None,
    ["uniform", "gaussian", "spherical"],
    "Prior of a generator whose file records none (an older plain Keras model without a "
    "generator.json sidecar). A keras_gan.Generator or GAN file records its own, which "
    "this may not contradict. Default: uniform.",
)
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace an existing export in --output_dir.")
_PARZEN_IMAGES = flags.DEFINE_string(
    "parzen_images",
    None,
    "Optional IDX file of real images in [0, 255] (e.g. mnist-8k/images-idx3-ubyte.gz): its "
    "last 1000 images check the quantized model's Parzen log-likelihood against float32's "
    "(first 500 select sigma, last 500 are scored).",
)

flags.mark_flags_as_required(["generator", "output_dir"])
flags.register_validator(
    "generator",
    lambda value: value is None or value.endswith(".keras"),
    message="--generator must be a .keras file, e.g. RUN_DIR/generator.keras.",
)
flags.register_validator(
    "output_dir", lambda value: value is None or value.strip() != "", message="--output_dir is empty."
)


def _parse_flags(argv):
    """Parses flags; a bad flag is a one-line `error:` instead of absl's FATAL block."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


def _parzen_data(path):
    if path is None:
        return None
    from keras_gan import data

    images = data.read_idx(path).astype("float32") / 255.0
    if len(images) < 1000:
        raise ValueError(
            f"--parzen_images needs at least 1000 images. Received: {len(images)} in {path!r}."
        )
    return images[-1000:-500], images[-500:]


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)  # TensorFlow's INFO lines drown the report.
    try:
        report = export.export_generator(
            _GENERATOR.value,
            _OUTPUT_DIR.value,
            prior=_PRIOR.value,
            tflite=_TFLITE.value,
            quantize=_QUANTIZE.value,
            overwrite=_OVERWRITE.value,
            parzen_data=_parzen_data(_PARZEN_IMAGES.value),
        )
    except (ValueError, OSError, export.VerificationError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    checks = report["verification"]
    print(f"Exported {report['source']['path']} to {_OUTPUT_DIR.value}")
    conditional = f", {report['num_classes']} classes" if report["num_classes"] else ""
    print(f"  prior {report['prior']} (from the {report['prior_origin']}){conditional}")
    precision = report["precision"]
    if precision["source_policies"] != ["float32"]:
        policies = ", ".join(precision["source_policies"])
        print(
            f"  exported in float32 from {policies} (differs from the {policies} generator "
            f"by up to {precision['max_abs_difference_to_source']:.2g}; not checked)"
        )
    print(f"  saved_model: max abs error {checks['saved_model']['max_abs_error']:.2g}")
    for mode, check in checks.get("tflite", {}).items():
        size, error = check["size_bytes"], check["max_abs_error"]
        print(f"  tflite {mode}: {size} bytes, max abs error {error:.2g}")
    for mode, gap in checks.get("parzen", {}).items():
        print(
            f"  parzen {mode}: {gap['candidate']['mean']:.2f} vs float32 "
            f"{gap['reference']['mean']:.2f} nats"
        )


if __name__ == "__main__":
    app.run(main, flags_parser=_parse_flags)
