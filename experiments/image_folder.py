r"""Trains a GAN on a folder of your own images (PNG or JPEG, any size, subfolders allowed).

    python -m experiments.image_folder --data_dir=PATH --config.image_size="(64, 64)" \
        --config.color_mode=rgb --output_dir=runs/my_images

The default config is experiments/configs/image_folder.py: the paper's MNIST
networks at the images' shape, with the stable recipe.
"""

from experiments import launch

if __name__ == "__main__":
    launch.run("image_folder.py")
