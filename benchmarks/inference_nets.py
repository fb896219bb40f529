"""How well the two inference nets invert their generator on MNIST (issue #17).

E trained after G (`keras_gan.inference.InferenceNet` on the sampling
generator of a finished `experiments.mnist` run) and E trained with G
(`keras_gan.BiGAN`, trained here on the same digits [0:7000]), each measured
the same way:

- `r2`: the share of z's variance E recovers from fresh samples G(z);
- `sample_r2`: the share of the samples' pixel variance G(E(G(z))) recovers,
  which counts only the directions of z that G uses;
- `pixel_mse`: the mean squared pixel error of G(E(x)) on the held-out
  digits [7000:8000], beside two baselines: a random sample of the same
  generator, and the training digits' mean image;
- `class_kept`: the share of held-out digits whose reconstruction the
  package's digit classifier (99% accurate) puts in the digit's class;
- `directions_over_1`, `directions_over_0.1`: how many directions of z move
  G's output by more than 1 (or 0.1) in pixel L2 norm per unit of z (the
  singular values of the Jacobian dG/dz, median over 20 draws of z). No E
  can recover a direction G ignores: with k of d directions used, an exact
  inverse on them recovers about k / d of z's variance (`r2_ceiling`, from
  the directions over 0.1).

Writes `--output_dir/inference_nets.json` (the trained nets beside it, reused
by a rerun) and a grid of held-out digits over both reconstructions.

Usage:
    python -m benchmarks.inference_nets --data_dir=../shared/data/mnist-8k \
        --gan_run=runs/mnist-offline --output_dir=runs/inference-nets \
        --grid=docs/mnist_reconstructions.png
"""

import json
import os
import time

import keras
import numpy as np
import tensorflow as tf
from absl import app
from absl import flags

import keras_gan
from experiments import semi_supervised_methods
from experiments.configs import semi_supervised

_DATA_DIR = flags.DEFINE_string("data_dir", None, "Directory of the MNIST IDX files.")
_GAN_RUN = flags.DEFINE_string("gan_run", "runs/mnist-offline", "A finished `experiments.mnist` offline run.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", "runs/inference-nets", "Where the nets and the JSON go.")
_GRID = flags.DEFINE_string("grid", None, "Optional PNG path of the reconstruction grid.")
_BIGAN_EPOCHS = flags.DEFINE_integer("bigan_epochs", 100, "Epochs of the BiGAN over [0:7000].")
_BIGAN_R1 = flags.DEFINE_float("bigan_r1_weight", 10.0, "R1 weight of the BiGAN's D, on the pairs.")
_BIGAN_LATENT_DIM = flags.DEFINE_integer("bigan_latent_dim", 50, "Size of the BiGAN's z (BiGAN's MNIST runs used 50).")
_ENCODER_STEPS = flags.DEFINE_integer("encoder_steps", 5000, "Steps of E after G (the semi-supervised launcher's).")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the nets' weights and of the draws.")
_GRID_DIGITS = 20


def train_bigan(train_images, epochs, seed, path, r1_weight=10.0, latent_dim=50):
    """A BiGAN with the paper's MNIST G, E its mirror and a maxout D of pairs; `stable`'s Adam and R1."""
    if os.path.isfile(path):
        return keras.saving.load_model(path)
    keras.utils.set_random_seed(seed)
    generator = keras_gan.models.mnist_generator(latent_dim, data_mean=train_images.mean(0), seed=seed)
    encoder = keras_gan.inference.mnist_encoder(
        latent_dim, input_mean=train_images.mean(0), input_variance=train_images.var(0), seed=seed + 1
    )
    discriminator = keras_gan.models.mnist_bigan_discriminator(latent_dim, seed=seed + 2)
    bigan = keras_gan.BiGAN(generator, discriminator, encoder, r1_weight=r1_weight, seed=seed)
    bigan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        steps_per_execution=10,
    )
    batches = keras_gan.data.training_pipeline(tf.data.Dataset.from_tensor_slices(train_images), 100, seed=seed)
    bigan.fit(batches, epochs=epochs, callbacks=[keras_gan.callbacks.NonFiniteGuard()], verbose=2)
    bigan.save(path)
    return bigan


def train_encoder_after(gan, seed, path):
    """E ~ p(z | x) for the run's sampling generator, as `experiments.semi_supervised` trains it."""
    if os.path.isfile(path):
        return keras.saving.load_model(path)
    config = semi_supervised.get_config()
    config.encoder_steps = _ENCODER_STEPS.value
    encoder, _ = semi_supervised_methods.train_encoder(gan.sampling_generator, config, seed, path + ".csv")
    encoder.save(path)
    return encoder


def jacobian_directions(generator, seed, draws=20):
    """`{directions_over_1, directions_over_0.1, r2_ceiling}` from the singular values of dG/dz."""
    z = tf.constant(generator.sample_latent(draws, seed=seed))
    with tf.GradientTape() as tape:
        tape.watch(z)
        x = tf.reshape(generator(z, training=False), (draws, -1))
    jacobians = tape.batch_jacobian(x, z).numpy()  # [draws, pixels, latent_dim]
    median = np.median(np.linalg.svd(jacobians, compute_uv=False), axis=0)
    used = int(np.sum(median > 0.1))
    return {"directions_over_1": int(np.sum(median > 1.0)), "directions_over_0.1": used, "r2_ceiling": used / median.size}


def quality(net, images, labels, train_images, classifier, seed):
    """`{r2, pixel_mse, class_kept, ...}` of an `InferenceNet` on held-out digits."""
    reconstructions = net.reconstruct(images)
    samples = net.generator.generate(len(images), seed=seed)
    sample_errors = np.sum((net.reconstruct(samples) - samples) ** 2)
    predicted = np.argmax(classifier.predict(reconstructions, batch_size=1000, verbose=0), axis=-1)
    return {
        "r2": float(net.r_squared(10000, seed=seed + 1)),
        "sample_r2": float(1.0 - sample_errors / np.sum((samples - samples.mean(0)) ** 2)),
        "pixel_mse": float(np.mean((reconstructions - images) ** 2)),
        "pixel_mse_random_sample": float(np.mean((samples - images) ** 2)),
        "pixel_mse_mean_image": float(np.mean((train_images.mean(0) - images) ** 2)),
        "class_kept": float(np.mean(predicted == labels)),
    }, reconstructions


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    os.makedirs(_OUTPUT_DIR.value, exist_ok=True)
    load = keras_gan.data.load_array
    train_images = load("mnist", "0:7000", data_dir=_DATA_DIR.value)
    images, labels = load("mnist", "7000:8000", data_dir=_DATA_DIR.value, with_labels=True)
    classifier = keras_gan.metrics.digit_classifier()
    gan = keras.saving.load_model(os.path.join(_GAN_RUN.value, "gan.keras"))
    results, grids, seconds = {}, [images[:_GRID_DIGITS]], {}

    start = time.process_time()
    encoder = train_encoder_after(gan, _SEED.value, os.path.join(_OUTPUT_DIR.value, "encoder_after_g.keras"))
    seconds["encoder_after_g"] = time.process_time() - start
    start = time.process_time()
    bigan = train_bigan(
        train_images, _BIGAN_EPOCHS.value, _SEED.value, os.path.join(_OUTPUT_DIR.value, "bigan.keras"),
        _BIGAN_R1.value, _BIGAN_LATENT_DIM.value,
    )
    seconds["bigan"] = time.process_time() - start
    nets = {
        "encoder_after_g": keras_gan.inference.InferenceNet(gan.sampling_generator, encoder),
        "bigan": bigan.inference_net,
    }
    for name, net in nets.items():
        results[name], reconstructions = quality(net, images, labels, train_images, classifier, _SEED.value)
        results[name].update(jacobian_directions(net.generator, _SEED.value))
        results[name]["cpu_seconds_this_run"] = round(seconds[name], 1)
        grids.append(reconstructions[:_GRID_DIGITS])
    with open(os.path.join(_OUTPUT_DIR.value, "inference_nets.json"), "w", encoding="utf-8") as file:
        json.dump(results, file, indent=2)
    print(
        "| inference net | R^2 of z | directions of z G uses (> 1 / > 0.1) | R^2 ceiling | R^2 of G(z) "
        "| pixel MSE of G(E(x)) | random sample | mean image | class kept |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in results.items():
        print(
            f"| {name} | {row['r2']:.3f} | {row['directions_over_1']} / {row['directions_over_0.1']} "
            f"| {row['r2_ceiling']:.2f} | {row['sample_r2']:.3f} | {row['pixel_mse']:.4f} | {row['pixel_mse_random_sample']:.4f} "
            f"| {row['pixel_mse_mean_image']:.4f} | {row['class_kept']:.3f} |"
        )
    if _GRID.value:
        tiles = keras_gan.images.to_uint8(np.concatenate(grids))
        keras_gan.images.save_png(keras_gan.images.tile(tiles, _GRID_DIGITS), _GRID.value)
        print(f"grid: {_GRID.value} (rows: held-out digits, E after G, BiGAN)")


if __name__ == "__main__":
    app.run(main)
