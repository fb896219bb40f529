r"""Trains a GAN on a toy distribution that needs no download.

The standard mode-collapse benchmarks, scored by mode coverage: the ring of
8 Gaussians (the default, experiments/configs/toy_ring.py) and the 5x5 grid
(toy_grid.py); the paper's Figure 1 (toy_gaussian_1d.py), scored by how
close D(x) is to 1/2 over the data.

    python -m experiments.toy --config=experiments/configs/toy_ring.py --output_dir=runs/ring
"""

from experiments import launch

if __name__ == "__main__":
    launch.run("toy_ring.py")
