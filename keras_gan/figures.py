"""The paper's Figure 1 on a one-dimensional problem.

Figure 1 shows, over x, the data density p_data (black, dotted), the
generator's density p_g (green, solid) and the discriminator's output D(x)
(blue, dashed), with below it the map x = G(z) from uniform z. As training
converges, p_g approaches p_data and D(x) flattens to 1/2. `plot_1d` draws
that figure for a trained 1-D GAN (see `keras_gan.toy.gaussian_1d`) and
returns the curves, so a caller can measure |D(x) - 1/2| where p_data has
its mass. matplotlib is imported only when a figure is drawn.
"""

import dataclasses
import os

import numpy as np

from keras_gan import toy
from keras_gan import validation


@dataclasses.dataclass(frozen=True)
class Figure1Curves:
    """The curves drawn by `plot_1d`, all on the grid `x`.

    Attributes:
        x: float64 array `[num_points]`, the grid.
        data_density: p_data(x), float64 `[num_points]`.
        generator_density: Gaussian kernel density estimate of p_g(x) from
            the generator's samples (`density_estimate`), float64 `[num_points]`.
        discriminator: D(x) = sigmoid(logit), float64 `[num_points]`.
        path: The PNG file written.
    """

    x: np.ndarray
    data_density: np.ndarray
    generator_density: np.ndarray
    discriminator: np.ndarray
    path: str


def plot_1d(
    gan,
    data,
    path,
    density=None,
    num_samples=10000,
    x_range=None,
    num_points=400,
    seed=0,
    title=None,
):
    """Draws the paper's Figure 1 for a GAN on 1-D data and saves a PNG.

    p_g is a Gaussian kernel density estimate of `num_samples` generator
    samples (Scott's bandwidth, `std * n^(-1/5)`); D(x) is the sigmoid of
    the discriminator's logit, evaluated in inference mode (no dropout). If
    the GAN's noise is one-dimensional, a lower panel draws the map
    x = G(z) for evenly spaced quantiles of z (the z line is stretched to
    the width of the x axis; its extent is printed on it).

    Example:

    ```python
    data = keras_gan.toy.gaussian_1d()
    curves = keras_gan.figures.plot_1d(gan, data, "figure1.png")
    bulk = np.abs(curves.x - 4.0) < 2 * 0.5          # within 2 std of the mean
    gap = np.abs(curves.discriminator[bulk] - 0.5).max()
    ```

    Args:
        gan: A trained `keras_gan.GAN` whose examples have one feature.
        data: A 1-D distribution with `log_prob(x)` (and `sample(n, seed)`,
            used for the default `x_range`), such as
            `keras_gan.toy.gaussian_1d()`; or an array of data samples
            `[n]` or `[n, 1]`.
        path: Destination PNG file; its directory is created if missing.
        density: Optional callable `density(x) -> p_data(x)` when `data` is
            an array; without it p_data is a kernel estimate of `data`.
        num_samples: Positive int, generator samples for p_g.
        x_range: Optional `(low, high)`; default covers the central 99% of
            the data and of the samples, plus a margin.
        num_points: Int >= 2, grid points.
        seed: Int seed of the generator's noise (and of data sampling).
        title: Optional figure title.

    Returns:
        A `Figure1Curves`.
    """
    validation.check_int_at_least("num_samples", num_samples, 2)
    validation.check_int_at_least("num_points", num_points, 2)
    if x_range is not None:
        x_range = validation.check_interval("x_range", x_range)
    data_samples, data_density_fn = _data_parts(data, density, num_samples, seed)
    generated = np.asarray(gan.generate(num_samples, seed=seed), dtype=np.float64)
    if generated[0].size != 1:
        raise ValueError(
            "`plot_1d` needs a GAN on one-dimensional data. Received: generator samples of "
            f"shape {generated.shape[1:]}. Expected one feature, e.g. (1,)."
        )
    generated = generated.reshape(-1)
    low, high = _x_range(x_range, data_samples, generated)
    x = np.linspace(low, high, num_points)
    data_density = (
        np.asarray(data_density_fn(x), dtype=np.float64).reshape(-1)
        if data_density_fn is not None
        else density_estimate(data_samples, x)
    )
    generator_density = density_estimate(generated, x)
    discriminator = discriminator_output(gan, x)
    curves = Figure1Curves(x, data_density, generator_density, discriminator, os.fspath(path))
    _draw(curves, gan, title, seed)
    return curves


def discriminator_output(gan, x):
    """D(x) = sigmoid(logit) of the GAN's discriminator on 1-D points `x`.

    Args:
        gan: A `keras_gan.GAN` on one-dimensional data.
        x: Array of points `[n]`.

    Returns:
        A float64 array `[n]`.
    """
    x = np.asarray(x, dtype=np.float32).reshape(-1)
    logits = np.asarray(gan.discriminator(x.reshape((-1, *gan.example_shape)), training=False))
    return 1.0 / (1.0 + np.exp(-logits.astype(np.float64).reshape(-1)))


def density_estimate(samples, x):
    """The density of 1-D `samples` estimated on the points `x`, as Figure 1 draws p_g.

    A Gaussian kernel density estimate: the `keras_gan.toy.GaussianMixture`
    of equal Gaussians centred on the samples, of width Scott's bandwidth
    `std * n^(-1/5)` (a small fraction of the spread of `x` if the samples
    are all equal, e.g. a collapsed generator).

    Args:
        samples: Array `[n]` (or `[n, 1]`).
        x: Array `[m]` of evaluation points.

    Returns:
        A float64 array `[m]` that integrates to about 1.
    """
    samples = np.asarray(samples, dtype=np.float64).reshape(-1)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    if samples.size == 0 or not np.all(np.isfinite(samples)):
        raise ValueError(
            "Invalid value for argument `samples`. Received: an array of size "
            f"{samples.size} with {np.sum(~np.isfinite(samples))} NaN or infinite values. "
            "Expected finite samples, at least one."
        )
    bandwidth = samples.std() * len(samples) ** -0.2
    if not bandwidth > 0:
        bandwidth = max(np.ptp(x), 1.0) / 200.0
    return np.exp(toy.GaussianMixture(samples[:, np.newaxis], bandwidth).log_prob(x))


def _data_parts(data, density, num_samples, seed):
    """(data samples or None, density callable or None) from `data`."""
    if hasattr(data, "log_prob"):
        samples = None
        if hasattr(data, "sample"):
            samples = np.asarray(data.sample(num_samples, seed=seed), dtype=np.float64).reshape(-1)
        return samples, lambda points: np.exp(data.log_prob(np.reshape(points, (-1, 1))))
    samples = np.asarray(data, dtype=np.float64)
    if samples.size == 0 or samples.size != len(samples) or not np.all(np.isfinite(samples)):
        raise ValueError(
            "Invalid value for argument `data`. Received: an array of shape "
            f"{samples.shape}. Expected finite 1-D samples [n] or [n, 1], or a "
            "distribution with `log_prob` such as keras_gan.toy.gaussian_1d()."
        )
    if density is not None and not callable(density):
        raise ValueError(
            f"Invalid value for argument `density`. Received: density={density!r}. "
            "Expected a callable density(x) -> p_data(x), or None."
        )
    return samples.reshape(-1), density


def _x_range(x_range, data_samples, generated):
    if x_range is not None:
        return x_range
    points = [generated] if data_samples is None else [generated, data_samples]
    low = min(np.percentile(p, 0.5) for p in points)
    high = max(np.percentile(p, 99.5) for p in points)
    margin = max(0.15 * (high - low), 0.5)
    return low - margin, high + margin


def _draw(curves, gan, title, seed):
    # Imported here so that importing keras_gan stays fast; the Figure API
    # renders with Agg and leaves pyplot's global backend alone.
    from matplotlib.figure import Figure

    show_mapping = gan.latent_dim == 1
    figure = Figure(figsize=(7.0, 4.5 if show_mapping else 3.5), dpi=100)
    if show_mapping:
        grid = figure.add_gridspec(2, 1, height_ratios=(3, 1), hspace=0.05)
        axes, mapping_axes = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    else:
        axes, mapping_axes = figure.add_subplot(1, 1, 1), None
    x = curves.x
    axes.plot(x, curves.data_density, color="black", linestyle=":", linewidth=2, label="$p_{data}$")
    axes.plot(x, curves.generator_density, color="green", linewidth=1.5, label="$p_g$")
    axes.plot(x, curves.discriminator, color="blue", linestyle="--", linewidth=1.5, label="$D(x)$")
    axes.axhline(0.5, color="grey", linewidth=0.5)
    axes.set_xlim(x[0], x[-1])
    axes.set_ylim(bottom=0.0)
    axes.legend(loc="upper right", frameon=False)
    if title:
        axes.set_title(title)
    if mapping_axes is not None:
        axes.tick_params(labelbottom=False)
        _draw_mapping(mapping_axes, gan, x[0], x[-1], seed)
    directory = os.path.dirname(curves.path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    figure.savefig(curves.path, format="png", bbox_inches="tight")


def _draw_mapping(axes, gan, low, high, seed, num_lines=20):
    """The lower panel: lines from z quantiles (bottom) to G(z) (top)."""
    latent = np.sort(np.asarray(gan.sample_latent(2000, seed=seed), dtype=np.float64).reshape(-1))
    z = latent[np.linspace(0, len(latent) - 1, num_lines).astype(int)]
    mapped = np.asarray(
        gan.sampling_generator(z.reshape(-1, 1).astype(np.float32), training=False), dtype=np.float64
    ).reshape(-1)
    z_span = max(latent[-1] - latent[0], 1e-12)
    z_positions = low + (z - latent[0]) / z_span * (high - low)
    for start, end in zip(z_positions, mapped):
        axes.annotate(
            "", xy=(end, 1.0), xytext=(start, 0.0),
            arrowprops=dict(arrowstyle="->", color="black", linewidth=0.6),
        )
    axes.axhline(0.0, color="black", linewidth=1.0)
    axes.axhline(1.0, color="black", linewidth=1.0)
    axes.set_xlim(low, high)
    axes.set_ylim(-0.25, 1.15)
    axes.set_yticks([0.0, 1.0], ["z", "x"])
    axes.text(low, -0.22, f"z from {latent[0]:.2f} (left) to {latent[-1]:.2f} (right)", fontsize=7)
