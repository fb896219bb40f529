"""Files a run leaves for people: its config, metrics.json and plots."""

import csv
import json
import os

import keras_gan


def write_metrics(metrics, path):
    """Writes `metrics` as indented JSON, atomically."""
    _write_atomically(path, json.dumps(metrics, indent=2, sort_keys=True) + "\n")


def write_config(config, path):
    """Writes `config` as a config file, atomically: `--config=<path>` repeats the run.

    Args:
        config: The run's resolved `ml_collections.ConfigDict`.
        path: Where to write, `<output_dir>/config.py`.
    """
    launcher = config.dataset if config.dataset in ("cifar10", "toy", "image_folder") else "mnist"
    values = "".join(f"            {name!r}: {value!r},\n" for name, value in sorted(config.to_dict().items()))
    text = f'''"""The settings of the run in this directory, as it ran them.

Rerunning into this directory resumes the run; into another, it repeats it (the same weights):

    python -m experiments.{launcher} --config={path} --output_dir=NEW_DIR

with the same --data_dir for data read from disk.
"""

from experiments.configs import base


def get_config():
    return base.from_values(
        {{
{values}        }}
    )
'''
    _write_atomically(path, text)


def save_models(gan, output_dir):
    """Saves the GAN, its sampling generator, and the generator's prior beside it.

    `generator.json` keeps the noise prior with the generator file, so the
    exporter can draw the right noise from `generator.keras` alone.
    """
    gan.save(os.path.join(output_dir, "gan.keras"))
    gan.sampling_generator.save(os.path.join(output_dir, "generator.keras"))
    prior = {"latent_prior": keras_gan.priors.name_of(gan.latent_prior), "latent_dim": gan.latent_dim}
    write_metrics(prior, os.path.join(output_dir, "generator.json"))


# What a learning curve can show: history.csv column -> (the column naming the epoch a
# value was computed at, the axis label). Values carried between evaluations are left out.
_CURVES = {
    "parzen_ll": ("parzen_epoch", "Parzen log-likelihood (nats)"),
    "fd": ("feature_metrics_epoch", "Frechet distance (digit features)"),
    "precision": ("feature_metrics_epoch", "precision"),
    "recall": ("feature_metrics_epoch", "recall"),
}


def plot_learning_curve(history_csv, path, keys=tuple(_CURVES)):
    """Plots each of `keys` the run logged (the Parzen estimate, the feature metrics) against epoch.

    Args:
        history_csv: The CSVLogger file of the run.
        path: Where to write the PNG, one panel per key.
        keys: Columns of `history.csv` from `_CURVES`.

    Returns:
        Whether a plot was written (False when no epoch logged any of `keys`).
    """
    if not os.path.exists(history_csv):
        return False
    with open(history_csv, encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    curves = {}
    for key in keys:
        epoch_key, label = _CURVES[key]
        logged = [row for row in rows if row.get(key) not in (None, "", "nan")]
        # Keep the epochs where the metric ran, not the values carried between them.
        logged = [row for row in logged if epoch_key not in row or int(float(row[epoch_key])) == int(row["epoch"]) + 1]
        if logged:
            curves[label] = ([int(row["epoch"]) + 1 for row in logged], [float(row[key]) for row in logged])
    if not curves:
        return False
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, panels = pyplot.subplots(1, len(curves), figsize=(4.5 * len(curves), 3.5), dpi=120, squeeze=False)
    for axes, (label, (epochs, values)) in zip(panels[0], curves.items()):
        axes.plot(epochs, values, marker="o")
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
    return True


def plot_samples_2d(samples, modes, path, title=""):
    """Scatter plot of 2-D generated samples over the data's mode centres."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(4.5, 4.5), dpi=120)
    axes.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.3, label="G(z)")
    axes.scatter(modes[:, 0], modes[:, 1], s=40, c="red", marker="x", label="modes")
    axes.set_aspect("equal")
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def _write_atomically(path, text):
    """Writes `text` to `path` through a temporary file: a kill never leaves half a file."""
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)
