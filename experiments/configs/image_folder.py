"""A folder of your own images (`--data_dir=PATH`, PNG/JPEG of any size, subfolders allowed).

The images are resized to `image_size` in `color_mode` and scaled to [0, 1]
(`keras_gan.data.image_folder`); the paper's MNIST networks at that shape,
with the `stable` recipe. The default of `python -m experiments.image_folder`.
"""

from experiments.configs import base


def get_config():
    return base.stable(base.get_config("image_folder"))
