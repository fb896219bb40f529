"""Exports a trained keras_gan generator to SavedModel and LiteRT, verified.

`python -m export --generator=RUN_DIR/generator.keras --output_dir=OUT --tflite`
runs `export_generator`; see `export/exporter.py` for what OUT holds.
`export_encoder` exports the encoder of a `keras_gan.inference.InferenceNet`
the same way (`export/encoder.py`).
"""

from export import encoder
from export import exporter
from export import precision
from export import saved_model
from export import source
from export import tflite
from export import verify
from export.encoder import export_encoder
from export.exporter import export_generator
from export.saved_model import GeneratorModule
from export.saved_model import stateless_latent
from export.source import GeneratorSource
from export.source import load_source
from export.tflite import QUANTIZE_MODES
from export.tflite import LiteRTGenerator
from export.verify import VerificationError
