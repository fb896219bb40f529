"""Tests of the generator exporter (`export/`, `python -m export`).

One MNIST GAN (the paper's generator, 100-1200-1200-784) is trained for one
epoch on real digits and exported once, with every LiteRT variant, by a
module-scoped fixture; most tests read that export. A small conditional MNIST
GAN (100+10-16-784, gaussian prior, moving average) is trained briefly on
digits with their labels and its bare sampling generator exported the same
way. Tiny MLP generators cover the error paths, the launcher and the atomic
write.
"""

import json
import pathlib
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import export
import keras_gan
import processes
from export import exporter
from export import verify
from keras_gan.metrics import parzen

REPO = pathlib.Path(__file__).resolve().parents[1]
MNIST_DIR = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist-8k"


def _mnist():
    path = MNIST_DIR / "images-idx3-ubyte.gz"
    if not path.is_file():
        pytest.fail(f"Real MNIST digits are required and missing: {path}")
    images = keras_gan.data.read_idx(path).astype("float32") / 255.0
    return images[..., None]  # [8000, 28, 28, 1]


def _mnist_labels():
    path = MNIST_DIR / "labels-idx1-ubyte.gz"
    if not path.is_file():
        pytest.fail(f"Real MNIST labels are required and missing: {path}")
    return keras_gan.data.read_idx(path).astype("int32")  # [8000]


def _plain(generator):
    """The same layers as a plain `keras.Model`, what runs saved before `keras_gan.Generator`."""
    inputs = generator.inputs if len(generator.inputs) > 1 else generator.inputs[0]
    return keras.Model(inputs, generator.outputs[0], name=generator.name)


def _tiny_generator(latent_dim=4, seed=0):
    return keras_gan.models.mlp_generator(
        latent_dim=latent_dim, output_shape=(3, 2), hidden_units=(8,),
        output_activation="sigmoid", seed=seed,
    )


def _tiny_gan(latent_prior="gaussian"):
    return keras_gan.GAN(
        _tiny_generator(),
        keras_gan.models.mlp_discriminator(input_shape=(3, 2), hidden_units=(8,), seed=1),
        latent_prior=latent_prior,
    )


@pytest.fixture(scope="module")
def mnist():
    return _mnist()


@pytest.fixture(scope="module")
def trained_gan_file(mnist, tmp_path_factory):
    """A briefly trained MNIST GAN, saved whole (not just its generator)."""
    keras.utils.set_random_seed(0)
    train = mnist[:7000]
    generator = keras_gan.models.mnist_generator(data_mean=train.mean(0), seed=0)
    discriminator = keras_gan.models.mnist_discriminator(seed=1)
    gan = keras_gan.GAN(generator, discriminator, latent_prior="uniform", seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    )
    gan.fit(tf.data.Dataset.from_tensor_slices(train).batch(100), epochs=1, shuffle=False, verbose=0)
    path = tmp_path_factory.mktemp("gan") / "gan.keras"
    gan.save(path)
    return path


@pytest.fixture(scope="module")
def exported(trained_gan_file, mnist, tmp_path_factory):
    """The trained GAN exported with every LiteRT variant and the Parzen check."""
    output_dir = tmp_path_factory.mktemp("exports") / "mnist"
    report = export.export_generator(
        trained_gan_file,
        output_dir,
        quantize=["dynamic", "float16"],
        parzen_data=(mnist[7000:7500], mnist[7500:8000]),
        parzen_samples=2000,
    )
    generator = keras.saving.load_model(trained_gan_file, compile=False).sampling_generator
    return output_dir, report, generator


@pytest.fixture(scope="module")
def conditional_generator_file(mnist, tmp_path_factory):
    """A bare conditional generator, trained by a GAN with a gaussian prior, saved alone.

    The reported case: `gan.sampling_generator` (here the moving average) saved by
    itself, with no sidecar and no metrics.json beside it.
    """
    keras.utils.set_random_seed(0)
    train, labels = mnist[:1000], _mnist_labels()[:1000]
    generator = keras_gan.models.mnist_generator(
        hidden_units=(16,), num_classes=10, data_mean=train.mean(0), seed=0
    )
    discriminator = keras_gan.models.mnist_discriminator(hidden_units=(16, 16), num_classes=10, seed=1)
    gan = keras_gan.GAN(
        generator, discriminator, num_classes=10, latent_prior="gaussian", ema_decay=0.9, seed=0
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    )
    dataset = tf.data.Dataset.from_tensor_slices((train, labels)).batch(100)
    gan.fit(dataset, epochs=1, shuffle=False, verbose=0)
    path = tmp_path_factory.mktemp("conditional") / "generator.keras"
    gan.sampling_generator.save(path)
    return path


@pytest.fixture(scope="module")
def conditional_export(conditional_generator_file, tmp_path_factory):
    """The bare conditional generator exported with float32 and int8 LiteRT files."""
    output_dir = tmp_path_factory.mktemp("exports") / "conditional"
    report = export.export_generator(conditional_generator_file, output_dir, quantize="dynamic")
    generator = keras.saving.load_model(conditional_generator_file, compile=False)
    return output_dir, report, generator


def _noise(batch, latent_dim=100, seed=5):
    return np.random.default_rng(seed).uniform(-3**0.5, 3**0.5, (batch, latent_dim)).astype("float32")


def _labels(batch, num_classes=10, seed=5):
    return np.random.default_rng(seed).integers(0, num_classes, batch).astype("int32")


# Tolerances of exported generators against the Keras generator, from an error model.
#
# float32's unit roundoff: one rounding moves a value by at most this fraction of itself.
_U = 2.0**-24
# A layer's fresh error sums hundreds of independent roundings: Gaussian.
# P(|N(0, 1)| > 7) = 2.6e-12, so over the < 1e6 outputs compared here a correct
# export fails with probability < 3e-6.
_SIGMAS = 7.0
# TF's and LiteRT's float32 logistic are within 8.4u and 4.5u (relative) of the exact
# sigmoid on [-20, 20] (measured on a grid of 2e6 points); 16u is allowed. Outputs
# near float32's smallest normal number (2^-126) may be flushed to zero on the way:
# 2^-124 absolute is allowed.
_SIGMOID_ERROR, _UNDERFLOW = 16 * _U, 2.0**-124


def _error_model(generator, z, mode="none", labels=None):
    """How far one implementation of `generator` may be from exact arithmetic, per output.

    Each Dense layer a = x W + b adds fresh errors, independent roundings, each
    uniform on its half-step (variance step^2 / 12, or (relative bound * |value|)^2 / 3):

    - float32 arithmetic (all modes): K + 1 roundings of partial sums bounded by
      |x| |W| + |b|;
    - `"float16"`: every weight and bias rounded to float16's 11 significant bits
      (relative error 2^-11; 2^-25 absolute among subnormals);
    - `"dynamic"` (dynamic-range int8): weights rounded symmetrically per output
      channel to the step max_k |W_kn| / 127 (LiteRT's int8 scheme), and the layer's
      input rounded on the fly to 8 bits, a step of at most max |x| / 127 over the
      batch (bounds per-row and per-tensor, symmetric and asymmetric scales).

    Errors from earlier layers are correlated (they share their sources), so they pass
    through W at worst fully aligned, sigma_n <= sum_k |W_kn| sigma_k (Cauchy-Schwarz),
    then through ReLU (slope <= 1; 0 where a is 7 sigma below zero) and through the
    sigmoid at its largest slope within 7 sigma. Measured on the trained MNIST generator
    of this module, LiteRT's errors stay below a quarter of the tolerances this gives.

    A conditional generator's first layer reads [z, one_hot(labels)]: the one-hot
    encoding and the concatenation are exact (0s and 1s, copies), so the model starts
    from that exact input.

    Returns:
        `(exact, sigma, fixed)`, float64 arrays of the output's shape: the exact output,
        the standard deviation of the implementation's error, and a bound on the sigmoid's
        own error (`_SIGMOID_ERROR * exact + _UNDERFLOW`).
    """
    x = np.asarray(z, np.float64)
    if labels is not None:
        x = np.concatenate([x, np.eye(generator.num_classes)[labels]], axis=1)
    incoming = np.zeros_like(x)  # The standard deviation of x's error.
    dense = [layer for layer in generator.layers if layer.weights]
    for i, layer in enumerate(dense):
        activation = layer.activation.__name__
        assert isinstance(layer, keras.layers.Dense) and activation in ("relu", "sigmoid"), layer
        assert (activation == "sigmoid") == (i == len(dense) - 1), "ReLU layers, then a sigmoid"
        kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
        pre_activation = x @ kernel + bias
        bound = np.abs(x) @ np.abs(kernel) + np.abs(bias)
        fresh = (kernel.shape[0] + 1) * (_U * bound) ** 2 / 3
        if mode == "float16":
            fresh = fresh + x**2 @ (((2.0**-11 * kernel) ** 2 + 2.0**-50) / 3)
            fresh = fresh + ((2.0**-11 * bias) ** 2 + 2.0**-50) / 3
        elif mode == "dynamic":
            weight_step = np.abs(kernel).max(axis=0) / 127
            input_step = np.abs(x).max() / 127
            fresh = fresh + (x**2).sum(axis=1, keepdims=True) * weight_step**2 / 12
            fresh = fresh + input_step**2 / 12 * (kernel**2).sum(axis=0)
        elif mode != "none":
            raise ValueError(mode)
        sigma = np.sqrt(fresh + (incoming @ np.abs(kernel)) ** 2)
        if activation == "relu":
            incoming = sigma * (pre_activation + _SIGMAS * sigma > 0)
            x = np.maximum(pre_activation, 0.0)
    # The sigmoid's largest slope within _SIGMAS sigma of the exact pre-activation.
    nearest_to_zero = np.clip(0.0, pre_activation - _SIGMAS * sigma, pre_activation + _SIGMAS * sigma)
    slope = 1 / (1 + np.exp(-nearest_to_zero))
    slope = slope * (1 - slope)
    exact = 1 / (1 + np.exp(-pre_activation))
    shape = (len(x), *generator.output_shape[1:])
    fixed = _SIGMOID_ERROR * exact + _UNDERFLOW
    return tuple(a.reshape(shape) for a in (exact, slope * sigma, fixed))


def _tolerance(generator, z, *modes, labels=None):
    """Per output: how far implementations in `modes` may be apart (their error bounds added)."""
    tolerance = 0.0
    for mode in modes:
        _, sigma, fixed = _error_model(generator, z, mode, labels)
        tolerance = tolerance + _SIGMAS * sigma + fixed
    return tolerance


def _assert_within(actual, expected, tolerance, message=""):
    error = np.abs(np.asarray(actual, np.float64) - np.asarray(expected, np.float64))
    worst = np.unravel_index(np.argmax(error / tolerance), error.shape)
    assert np.all(error <= tolerance), (
        f"{message} error {error[worst]:.3g} > tolerance {tolerance[worst]:.3g} at {worst}; "
        f"{np.mean(error > tolerance):.2%} of outputs outside"
    )


class TestExportedFiles:
    def test_layout_and_report(self, exported, trained_gan_file):
        output_dir, report, _ = exported
        names = sorted(path.name for path in output_dir.iterdir())
        assert names == [
            "export.json", "generator.tflite", "generator_dynamic.tflite",
            "generator_float16.tflite", "saved_model",
        ]
        on_disk = json.loads((output_dir / "export.json").read_text())
        assert on_disk == report
        assert report["source"] == {
            "path": str(trained_gan_file), "kind": "gan", "sha256": on_disk["source"]["sha256"]
        }
        assert report["latent_dim"] == 100
        assert (report["prior"], report["prior_origin"]) == ("uniform", "gan")
        assert (report["num_classes"], report["num_classes_origin"]) == (None, "gan")
        assert report["format_version"] == 2
        assert report["output_shape"] == [28, 28, 1]
        assert report["value_range"]["declared"] == [0.0, 1.0]
        low, high = report["value_range"]["observed"]
        assert 0.0 <= low < high <= 1.0
        assert report["versions"]["keras_gan"] == keras_gan.__version__
        assert report["versions"]["tensorflow"] == tf.__version__
        assert not list(output_dir.parent.glob(".mnist.*")), "staging directory left behind"

    def test_report_records_the_checks(self, exported):
        checks = exported[1]["verification"]
        # What the exporter checked and found; the tests below check the files themselves.
        saved = checks["saved_model"]
        assert saved["signatures"] == ["generate", "sample"]
        assert saved["max_abs_error"] <= saved["tolerance"]
        assert "keras_gan not in sys.modules" in saved["process"]
        assert saved["sample"]["same_seed_max_abs_difference"] == 0.0
        assert saved["sample"]["other_seed_mean_abs_difference"] > 1e-3
        for mode in ("none", "dynamic", "float16"):
            assert checks["tflite"][mode]["max_abs_error"] <= checks["tflite"][mode]["tolerance"]
            assert 1 in checks["tflite"][mode]["batch_sizes"]
        assert sorted(checks["parzen"]) == ["dynamic", "float16"]


class TestSavedModel:
    def test_signatures_have_names_shapes_and_dynamic_batch(self, exported):
        loaded = tf.saved_model.load(str(exported[0] / "saved_model"))
        assert sorted(loaded.signatures) == ["generate", "sample"]
        generate = loaded.signatures["generate"]
        (z_spec,) = generate.structured_input_signature[1].values()
        assert (z_spec.name, z_spec.shape.as_list(), z_spec.dtype) == ("z", [None, 100], tf.float32)
        assert generate.structured_outputs["images"].shape.as_list() == [None, 28, 28, 1]
        sample_specs = loaded.signatures["sample"].structured_input_signature[1]
        # One integer dtype for every integer input (it was int32 and int64).
        assert {name: (spec.shape.rank, spec.dtype) for name, spec in sample_specs.items()} == {
            "num_samples": (0, tf.int32), "seed": (0, tf.int32)
        }
        described = exported[1]["signatures"]["sample"]["inputs"]
        assert {name: spec["dtype"] for name, spec in described.items()} == {
            "num_samples": "int32", "seed": "int32"
        }

    def test_generate_matches_keras_at_any_batch(self, exported):
        output_dir, _, generator = exported
        generate = tf.saved_model.load(str(output_dir / "saved_model")).signatures["generate"]
        for batch in (1, 7, 100):
            z = _noise(batch)
            images = generate(z=tf.constant(z))["images"].numpy()
            # Two float32 evaluations of the same network (a graph and eager Keras).
            _assert_within(images, generator(z).numpy(), _tolerance(generator, z, "none", "none"), batch)

    def test_sample_is_reproducible_and_uses_the_prior(self, exported):
        sample = tf.saved_model.load(str(exported[0] / "saved_model")).signatures["sample"]
        generator = exported[2]

        def draw(n, seed):
            images = sample(num_samples=tf.constant(n), seed=tf.constant(seed))["images"]
            return images.numpy()

        first, again, other = draw(16, 3), draw(16, 3), draw(16, 4)
        np.testing.assert_array_equal(first, again)
        assert np.abs(first - other).mean() > 1e-3
        z = export.stateless_latent("uniform", 16, 100, seed=3).numpy()
        # 1600 draws of a unit-variance uniform (kurtosis 1.8): the sample std's standard
        # error is sqrt(0.8 / (4 * 1600)) = 0.011; 0.05 is 4.5 of them.
        assert np.abs(z).max() <= 3**0.5 and abs(z.std() - 1.0) < 0.05
        _assert_within(first, generator(z).numpy(), _tolerance(generator, z, "none", "none"))
        assert draw(1, 3).shape == (1, 28, 28, 1)

    def test_sample_rejects_non_positive_count(self, exported):
        sample = tf.saved_model.load(str(exported[0] / "saved_model")).signatures["sample"]
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_samples"):
            sample(num_samples=tf.constant(0), seed=tf.constant(0))

    def test_standalone_check_catches_a_wrong_model(self, exported):
        output_dir, _, generator = exported
        z = _noise(10)
        wrong = generator(z).numpy() + 1e-3
        with pytest.raises(verify.VerificationError, match="differs from the Keras generator"):
            verify.check_saved_model(output_dir / "saved_model", z, wrong)

    @pytest.mark.parametrize("prior", ["uniform", "gaussian", "spherical"])
    def test_stateless_latent_follows_each_prior(self, prior):
        z = export.stateless_latent(prior, 4000, 10, seed=1).numpy()
        np.testing.assert_array_equal(z, export.stateless_latent(prior, 4000, 10, seed=1).numpy())
        if prior == "spherical":
            # Normalised in float32 and measured in float32: 10 squares and sums, a square
            # root and a division, twice: within 2 * (10 + 4) u of 1.
            np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, rtol=0, atol=2 * 14 * _U)
        else:
            # 40,000 unit-variance draws: standard errors 0.005 (mean), <= 0.0035 (std);
            # 0.02 is 4 and 5.7 of them.
            assert abs(z.mean()) < 0.02 and abs(z.std() - 1.0) < 0.02
        assert (np.abs(z).max() <= 3**0.5) == (prior != "gaussian")


class TestLiteRT:
    @pytest.mark.parametrize(
        "mode, filename",
        [("none", "generator.tflite"), ("dynamic", "generator_dynamic.tflite"),
         ("float16", "generator_float16.tflite")],
    )
    def test_runs_in_litert_with_resized_batch(self, exported, mode, filename):
        output_dir, _, generator = exported
        runner = export.LiteRTGenerator(output_dir / filename)
        assert type(runner.interpreter).__module__.startswith("ai_edge_litert")
        assert not [op for op in runner.op_names if op.startswith("Flex") or op == "CUSTOM"]
        assert "FULLY_CONNECTED" in runner.op_names
        for batch in (1, 100, 1):
            z = _noise(batch, seed=batch)
            # The LiteRT variant's error bound plus float32 Keras'.
            tolerance = _tolerance(generator, z, mode, "none")
            _assert_within(runner(z), generator(z).numpy(), tolerance, (mode, batch))

    def test_quantized_files_are_smaller(self, exported):
        output_dir = exported[0]
        size = {path.name: path.stat().st_size for path in output_dir.glob("*.tflite")}
        # The 2.5M weights take 1 byte instead of 4 (int8) or 2 (float16); biases, scales
        # and the graph add under 5% of the float32 file.
        assert size["generator_dynamic.tflite"] < 0.3 * size["generator.tflite"]
        assert size["generator_float16.tflite"] < 0.6 * size["generator.tflite"]

    def test_int8_outputs_are_the_float_model_within_the_quantization_error(self, exported, mnist):
        output_dir, _, generator = exported
        int8 = export.LiteRTGenerator(output_dir / "generator_dynamic.tflite")
        z = _noise(500, seed=11)
        expected = generator(z).numpy()
        # The int8 weights' and inputs' rounding (dynamic-range quantization), plus float32 Keras'.
        tolerance = _tolerance(generator, z, "dynamic", "none")
        _assert_within(int8(z), expected, tolerance, "int8")
        # The model is not loose: another generator (same architecture, other seed) falls
        # outside it at most outputs, and the float32 file gets a far smaller tolerance.
        other = keras_gan.models.mnist_generator(data_mean=mnist[:7000].mean(0), seed=42)
        outside = float(np.mean(np.abs(other(z).numpy() - expected) > tolerance))
        assert outside > 0.5, outside
        float32_tolerance = _tolerance(generator, z, "none", "none")
        assert float(np.median(float32_tolerance / tolerance)) < 1e-2

    def test_parzen_report_is_reproduced_independently(self, exported, mnist):
        # The exporter's Parzen comparison (noise from the prior with seed + 1 = 1), recomputed
        # with keras_gan.metrics.parzen on the files' samples: same samples, same computation.
        output_dir, report, _ = exported
        gaps = report["verification"]["parzen"]
        z = np.asarray(keras_gan.priors.get("uniform")((2000, 100), seed=1), np.float32)
        validation, test = mnist[7000:7500], mnist[7500:8000]
        for name, mode in (("generator.tflite", "reference"), ("generator_dynamic.tflite", "candidate")):
            samples = export.LiteRTGenerator(output_dir / name)(z)
            result = parzen.evaluate(samples, test, validation=validation)
            assert gaps["dynamic"][mode] == {
                "mean": result.mean, "stderr": result.stderr, "sigma": result.sigma
            }, mode
        reference, candidate = gaps["dynamic"]["reference"]["mean"], gaps["dynamic"]["candidate"]["mean"]
        print(f"Parzen: float32 {reference:.3f} nats, int8 {candidate:.3f} nats")

    def test_quantization_error_tolerance_rejects_another_model(self, exported, mnist):
        output_dir, _, generator = exported
        other = keras_gan.models.mnist_generator(data_mean=mnist[:7000].mean(0), seed=42)
        z = _noise(100)
        with pytest.raises(verify.VerificationError, match="dynamic"):
            verify.check_tflite(output_dir / "generator_dynamic.tflite", z, other(z).numpy(), "dynamic")


class TestConditional:
    def test_report_reads_everything_from_the_bare_generator(self, conditional_export):
        output_dir, report, _ = conditional_export
        generator_file = pathlib.Path(report["source"]["path"])
        assert json.loads((output_dir / "export.json").read_text()) == report
        assert report["source"]["kind"] == "generator"
        # The reported bug wrote "uniform" / "default" for this file.
        assert (report["prior"], report["prior_origin"]) == ("gaussian", "generator")
        assert report["prior_file"] is None
        assert (report["num_classes"], report["num_classes_origin"]) == (10, "generator")
        assert sorted(path.name for path in generator_file.parent.iterdir()) == ["generator.keras"]
        generate = report["signatures"]["generate"]["inputs"]
        sample = report["signatures"]["sample"]["inputs"]
        assert list(generate) == ["z", "labels"] and list(sample) == ["num_samples", "seed", "labels"]
        assert {spec["dtype"] for spec in sample.values()} == {generate["labels"]["dtype"]} == {"int32"}
        checks = report["verification"]
        assert checks["saved_model"]["max_abs_error"] <= checks["saved_model"]["tolerance"]
        assert checks["saved_model"]["sample"]["other_labels_mean_abs_difference"] > 0
        for mode in ("none", "dynamic"):
            assert checks["tflite"][mode]["inputs"] == ["z", "labels"]
            assert "ONE_HOT" in checks["tflite"][mode]["ops"]

    def test_signatures_take_labels_of_one_integer_dtype(self, conditional_export):
        loaded = tf.saved_model.load(str(conditional_export[0] / "saved_model"))
        specs = {
            name: {
                key: (spec.shape.as_list(), spec.dtype)
                for key, spec in signature.structured_input_signature[1].items()
            }
            for name, signature in loaded.signatures.items()
        }
        assert specs == {
            "generate": {"z": ([None, 100], tf.float32), "labels": ([None], tf.int32)},
            "sample": {"num_samples": ([], tf.int32), "seed": ([], tf.int32), "labels": ([None], tf.int32)},
        }

    def test_generate_with_labels_matches_keras(self, conditional_export):
        output_dir, _, generator = conditional_export
        generate = tf.saved_model.load(str(output_dir / "saved_model")).signatures["generate"]
        for batch in (1, 7, 100):
            z, labels = _noise(batch, seed=batch), _labels(batch, seed=batch)
            images = generate(z=tf.constant(z), labels=tf.constant(labels))["images"].numpy()
            expected = generator([z, labels]).numpy()
            tolerance = _tolerance(generator, z, "none", "none", labels=labels)
            _assert_within(images, expected, tolerance, batch)
        # The labels reach the output: other classes, other images.
        z, labels = _noise(50), _labels(50)
        other = generate(z=tf.constant(z), labels=tf.constant((labels + 1) % 10))["images"].numpy()
        assert np.abs(other - generator([z, labels]).numpy()).mean() > 1e-4

    def test_sample_with_labels_is_generate_on_stateless_latent(self, conditional_export):
        output_dir, _, generator = conditional_export
        loaded = tf.saved_model.load(str(output_dir / "saved_model"))
        sample, generate = loaded.signatures["sample"], loaded.signatures["generate"]
        labels = np.arange(20, dtype="int32") % 10
        images = sample(num_samples=tf.constant(20), seed=tf.constant(3), labels=tf.constant(labels))
        images = images["images"].numpy()
        z = export.stateless_latent("gaussian", 20, 100, seed=3).numpy()
        # 2000 standard normal draws: the sample std's standard error is 0.016; 0.08 is 5 of them.
        assert abs(z.std() - 1.0) < 0.08 and np.abs(z).max() > 3**0.5
        tolerance = _tolerance(generator, z, "none", "none", labels=labels)
        generated = generate(z=tf.constant(z), labels=tf.constant(labels))["images"].numpy()
        _assert_within(images, generated, tolerance, "sample vs generate")
        _assert_within(images, generator([z, labels]).numpy(), tolerance, "sample vs Keras")

    @pytest.mark.parametrize(
        "num_samples, labels, message",
        [(3, [0, 1, 10], "num_classes"), (3, [0, -1, 2], "num_classes"), (4, [0, 1, 2], "num_samples")],
    )
    def test_sample_rejects_bad_labels(self, conditional_export, num_samples, labels, message):
        loaded = tf.saved_model.load(str(conditional_export[0] / "saved_model"))
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            loaded.signatures["sample"](
                num_samples=tf.constant(num_samples), seed=tf.constant(0), labels=tf.constant(labels)
            )
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_classes"):
            loaded.signatures["generate"](z=tf.constant(_noise(2)), labels=tf.constant([3, 10]))

    @pytest.mark.parametrize(
        "mode, filename", [("none", "generator.tflite"), ("dynamic", "generator_dynamic.tflite")]
    )
    def test_litert_takes_labels(self, conditional_export, mode, filename):
        output_dir, _, generator = conditional_export
        runner = export.LiteRTGenerator(output_dir / filename, num_classes=10)
        assert runner.conditional and runner.latent_dim == 100
        for batch in (1, 100, 1):
            z, labels = _noise(batch, seed=batch), _labels(batch, seed=batch)
            tolerance = _tolerance(generator, z, mode, "none", labels=labels)
            _assert_within(runner(z, labels), generator([z, labels]).numpy(), tolerance, (mode, batch))
        with pytest.raises(ValueError, match=r"2 integer class labels in \[0, 10\)"):
            runner(_noise(2), [0, 10])
        with pytest.raises(ValueError, match="Received: None"):
            runner(_noise(2))


class TestSources:
    def test_generator_records_its_prior_and_classes(self, tmp_path):
        generator = keras_gan.models.mlp_generator(
            latent_dim=4, output_shape=(6,), hidden_units=(8,), num_classes=3
        )
        gan = keras_gan.GAN(
            generator,
            keras_gan.models.mlp_discriminator(input_shape=(6,), hidden_units=(8,), num_classes=3),
            latent_prior="gaussian",
            ema_decay=0.9,
        )
        path = tmp_path / "generator.keras"
        gan.sampling_generator.save(path)
        # Records beside the file that disagree are not read: the generator knows.
        (tmp_path / "metrics.json").write_text(json.dumps({"latent_prior": "spherical"}))
        for source in (export.load_source(path), export.load_source(path, prior="gaussian")):
            assert (source.prior, source.prior_origin, source.prior_file) == ("gaussian", "generator", None)
            assert (source.num_classes, source.num_classes_origin, source.latent_dim) == (3, "generator", 4)
        with pytest.raises(ValueError, match="contradicts the prior recorded by the generator"):
            export.load_source(path, prior="uniform")
        gan_source = export.load_source(gan)
        assert (gan_source.prior_origin, gan_source.num_classes, gan_source.num_classes_origin) == (
            "gan", 3, "gan"
        )

    @pytest.mark.parametrize("kind", ["generator_without_prior", "plain_model"])
    def test_bare_generator_prior_order(self, tmp_path, kind):
        path = tmp_path / "generator.keras"
        (_tiny_generator() if kind == "generator_without_prior" else _plain(_tiny_generator())).save(path)
        assert export.load_source(path).num_classes_origin == (
            "generator" if kind == "generator_without_prior" else "inputs"
        )
        assert export.load_source(path).prior_origin == "default"
        assert export.load_source(path).prior == "uniform"
        assert export.load_source(path, prior="spherical").prior == "spherical"
        (tmp_path / "generator.json").write_text(json.dumps({"latent_prior": "gaussian"}))
        source = export.load_source(path)
        assert (source.prior, source.prior_origin, source.kind) == ("gaussian", "sidecar", "generator")
        with pytest.raises(ValueError, match="contradicts"):
            export.load_source(path, prior="uniform")
        (tmp_path / "generator.json").write_text("{not json")
        with pytest.raises(ValueError, match="sidecar file is not readable"):
            export.load_source(path)

    def test_run_metrics_record_the_prior(self, tmp_path):
        path = tmp_path / "generator.keras"
        _tiny_generator().save(path)
        (tmp_path / "metrics.json").write_text(json.dumps({"epochs": 3}))
        assert export.load_source(path).prior_origin == "default"
        (tmp_path / "metrics.json").write_text(json.dumps({"latent_prior": "spherical"}))
        source = export.load_source(path)
        assert (source.prior, source.prior_file) == ("spherical", tmp_path / "metrics.json")
        (tmp_path / "generator.json").write_text(json.dumps({"latent_prior": "gaussian"}))
        assert export.load_source(path).prior == "gaussian"

    def test_gan_file_gives_its_sampling_generator_and_prior(self, tmp_path):
        gan = keras_gan.GAN(
            _tiny_generator(),
            keras_gan.models.mlp_discriminator(input_shape=(3, 2), hidden_units=(8,)),
            latent_prior="spherical",
            ema_decay=0.9,
        )
        gan.ema_generator.set_weights([w * 0.5 for w in gan.generator.get_weights()])
        gan.save(tmp_path / "gan.keras")
        source = export.load_source(tmp_path / "gan.keras")
        assert (source.kind, source.prior, source.latent_dim, source.output_shape) == (
            "gan", "spherical", 4, (3, 2)
        )
        z = _noise(5, latent_dim=4)
        # The same layers with the same weights, called eagerly in one process: the same bits.
        np.testing.assert_array_equal(source.generator(z), gan.ema_generator(z))
        assert np.abs(source.generator(z) - gan.generator(z)).max() > 1e-3

    def test_plain_conditional_model_reads_classes_from_the_sidecar(self, tmp_path):
        generator = keras_gan.models.mlp_generator(
            latent_dim=4, output_shape=(6,), hidden_units=(8,), num_classes=3
        )
        path = tmp_path / "generator.keras"
        _plain(generator).save(path)
        with pytest.raises(ValueError, match="takes 2 inputs, z and labels.*not recorded"):
            export.load_source(path)
        (tmp_path / "generator.json").write_text(json.dumps({"latent_prior": "gaussian", "num_classes": 3}))
        source = export.load_source(path)
        assert (source.prior, source.prior_origin, source.num_classes, source.num_classes_origin) == (
            "gaussian", "sidecar", 3, "sidecar"
        )

    def test_custom_prior_gets_generate_only(self, tmp_path):
        def custom_prior(shape, seed=None):
            return keras.random.uniform(shape, seed=seed)

        source = export.load_source(_tiny_gan(latent_prior=custom_prior))
        assert source.prior is None
        with pytest.warns(UserWarning, match="`generate` signature only"):
            names = export.saved_model.save_saved_model(source, tmp_path / "saved_model")
        assert names == ["generate"]
        assert list(tf.saved_model.load(str(tmp_path / "saved_model")).signatures) == ["generate"]


class TestBadInput:
    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="does not exist.*missing.keras"):
            export.export_generator(tmp_path / "missing.keras", tmp_path / "out")
        assert not (tmp_path / "out").exists()

    @pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04truncated"])
    def test_corrupt_file(self, tmp_path, content):
        (tmp_path / "generator.keras").write_bytes(content)
        with pytest.raises(ValueError, match="not a valid `.keras` archive"):
            export.export_generator(tmp_path / "generator.keras", tmp_path / "out")

    def test_truncated_archive(self, tmp_path):
        _tiny_generator().save(tmp_path / "full.keras")
        data = (tmp_path / "full.keras").read_bytes()
        (tmp_path / "generator.keras").write_bytes(data[: len(data) // 2])
        with pytest.raises(ValueError, match="generator.keras"):
            export.load_source(tmp_path / "generator.keras")

    def test_not_a_generator(self, tmp_path):
        keras_gan.models.mnist_discriminator().save(tmp_path / "discriminator.keras")
        with pytest.raises(ValueError, match="is not a generator"):
            export.load_source(tmp_path / "discriminator.keras")

    def test_non_empty_output_dir(self, tmp_path):
        _tiny_generator().save(tmp_path / "generator.keras")
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "notes.txt").write_text("keep me")
        with pytest.raises(ValueError, match="exists and is not empty"):
            export.export_generator(tmp_path / "generator.keras", tmp_path / "out")
        with pytest.raises(ValueError, match="not an export"):
            export.export_generator(tmp_path / "generator.keras", tmp_path / "out", overwrite=True)
        assert (tmp_path / "out" / "notes.txt").read_text() == "keep me"

    @pytest.mark.parametrize("quantize", ["int4", ["dynamic", "int8"], 8])
    def test_unknown_quantize(self, tmp_path, quantize):
        _tiny_generator().save(tmp_path / "generator.keras")
        with pytest.raises(ValueError, match="Invalid value for argument `quantize`"):
            export.export_generator(tmp_path / "generator.keras", tmp_path / "out", quantize=quantize)

    def test_unknown_prior(self, tmp_path):
        with pytest.raises(ValueError, match="Received: prior='normal'"):
            export.load_source(_tiny_generator(), prior="normal")


class TestAtomicWrite:
    @pytest.fixture
    def failing_conversion(self, monkeypatch):
        def fail(*args, **kwargs):
            raise RuntimeError("injected conversion failure")

        monkeypatch.setattr(export.tflite, "convert", fail)

    def test_failed_export_leaves_nothing(self, tmp_path, failing_conversion):
        _tiny_generator().save(tmp_path / "generator.keras")
        with pytest.raises(RuntimeError, match="injected"):
            export.export_generator(tmp_path / "generator.keras", tmp_path / "out", tflite=True)
        assert sorted(path.name for path in tmp_path.iterdir()) == ["generator.keras"]

    def test_failed_overwrite_keeps_previous_export(self, tmp_path, failing_conversion):
        _tiny_generator().save(tmp_path / "generator.keras")
        previous = tmp_path / "out"
        previous.mkdir()
        (previous / exporter.EXPORT_JSON).write_text('{"previous": true}')
        with pytest.raises(RuntimeError, match="injected"):
            export.export_generator(
                tmp_path / "generator.keras", previous, tflite=True, overwrite=True
            )
        assert sorted(path.name for path in tmp_path.iterdir()) == ["generator.keras", "out"]
        assert json.loads((previous / exporter.EXPORT_JSON).read_text()) == {"previous": True}


def _run(args, cwd):
    """Runs this Python with `args` in `cwd`, within the tests' deadline."""
    return processes.run_python(*args, cwd=cwd)


# Runs the launcher's flag parser and main in one process for several argv:
# each case would otherwise pay a TensorFlow import of its own.
_LAUNCHER_CASES = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from absl import app, flags
    from export import __main__ as launcher

    results = []
    for argv in json.loads(sys.argv[1]):
        stderr = io.StringIO()
        code = 0
        with contextlib.redirect_stderr(stderr):
            try:
                launcher.main(launcher._parse_flags(["export", *argv]))
            except SystemExit as exit:
                code = exit.code
            except app.UsageError as error:
                code = "UsageError: " + str(error)
            finally:
                flags.FLAGS.unparse_flags()
        results.append({"code": code, "stderr": stderr.getvalue()})
    print(json.dumps(results))
    """
)


class TestLauncher:
    def test_exports_a_generator_with_flagfile_and_sidecar(self, tmp_path):
        _tiny_generator().save(tmp_path / "generator.keras")
        (tmp_path / "generator.json").write_text(json.dumps({"latent_prior": "gaussian"}))
        (tmp_path / "export.cfg").write_text(
            f"--generator={tmp_path / 'generator.keras'}\n--output_dir={tmp_path / 'out'}\n"
        )
        finished = _run(["-m", "export", f"--flagfile={tmp_path / 'export.cfg'}", "--tflite"], REPO)
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert "Traceback" not in finished.stderr
        assert "tflite none" in finished.stdout
        report = json.loads((tmp_path / "out" / "export.json").read_text())
        assert (report["prior"], report["prior_origin"]) == ("gaussian", "sidecar")
        assert report["latent_dim"] == 4
        assert (tmp_path / "out" / "generator.tflite").is_file()
        assert report["verification"]["saved_model"]["sample"]["same_seed_max_abs_difference"] == 0.0

    def test_exports_a_conditional_generator_without_new_flags(self, tmp_path):
        generator = keras_gan.models.mlp_generator(
            latent_dim=4, output_shape=(6,), hidden_units=(8,), num_classes=3, output_activation="sigmoid"
        )
        generator.latent_prior = keras_gan.priors.spherical  # What a GAN sets.
        generator.save(tmp_path / "generator.keras")
        finished = _run(
            ["-m", "export", f"--generator={tmp_path / 'generator.keras'}",
             f"--output_dir={tmp_path / 'out'}", "--tflite"],
            REPO,
        )
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert "prior spherical (from the generator), 3 classes" in finished.stdout
        report = json.loads((tmp_path / "out" / "export.json").read_text())
        assert (report["prior"], report["prior_origin"]) == ("spherical", "generator")
        assert report["num_classes"] == 3
        assert list(report["signatures"]["sample"]["inputs"]) == ["num_samples", "seed", "labels"]
        assert report["verification"]["tflite"]["none"]["inputs"] == ["z", "labels"]

    def test_bad_input_prints_one_error_line(self, tmp_path):
        _tiny_generator().save(tmp_path / "generator.keras")
        _plain(keras_gan.models.mlp_generator(latent_dim=4, output_shape=(6,), num_classes=3)).save(
            tmp_path / "plain_conditional.keras"
        )
        (tmp_path / "corrupt.keras").write_bytes(b"garbage")
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "file.txt").write_text("x")
        good, out = f"--generator={tmp_path / 'generator.keras'}", f"--output_dir={tmp_path / 'out'}"
        cases = {
            "missing": [f"--generator={tmp_path / 'missing.keras'}", out],
            "corrupt": [f"--generator={tmp_path / 'corrupt.keras'}", out],
            "not_empty": [good, f"--output_dir={tmp_path / 'full'}"],
            "quantize": [good, out, "--quantize=int4"],
            "suffix": [f"--generator={tmp_path / 'generator.h5'}", out],
            "required": [out],
            "stray": [good, out, "extra"],
            "classes": [f"--generator={tmp_path / 'plain_conditional.keras'}", out],
        }
        finished = _run(["-c", _LAUNCHER_CASES, json.dumps(list(cases.values()))], tmp_path)
        assert finished.returncode == 0, finished.stderr[-2000:]
        results = dict(zip(cases, json.loads(finished.stdout.strip().splitlines()[-1])))
        expected = {
            "missing": (1, "does not exist"),
            "corrupt": (1, "not a valid `.keras` archive"),
            "not_empty": (1, "exists and is not empty"),
            "quantize": (2, "value should be one of <none|dynamic|float16>"),
            "suffix": (2, "must be a .keras file"),
            "required": (2, "--generator must have a value"),
            "classes": (1, "its number of classes is not recorded"),
        }
        for name, (code, message) in expected.items():
            result = results[name]
            assert result["code"] == code, (name, result)
            lines = result["stderr"].strip().splitlines()
            assert len(lines) == 1, (name, lines)
            assert lines[0].startswith("error: ") and message in lines[0], (name, lines)
        assert results["stray"]["code"] == "UsageError: Unexpected arguments: extra"
        assert not (tmp_path / "out").exists()
