"""Tests for conditional GANs p(x | c): models, the step's labels, sampling, grids, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import models
from keras_gan import sample_grids
from keras_gan.callbacks import BadBatchError

_NUM_CLASSES = 4


def _conditional_models(conditioning="concat", num_classes=_NUM_CLASSES, seed=0):
    generator = models.mlp_generator(3, (2,), hidden_units=(8,), num_classes=num_classes, seed=seed)
    discriminator = models.mlp_discriminator(
        (2,), hidden_units=(8,), num_classes=num_classes, conditioning=conditioning, seed=seed + 10
    )
    return generator, discriminator


def _compiled(generator, discriminator, **options):
    gan = keras_gan.GAN(generator, discriminator, seed=0, **options)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    return gan


def _labelled_points(n=64, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, _NUM_CLASSES, n).astype("int32")
    points = rng.normal(size=(n, 2)).astype("float32") + labels[:, None]
    return points, labels


class TestModels:
    @pytest.mark.parametrize(
        "build_generator, build_discriminator, example_shape",
        [
            (
                lambda n: models.mnist_generator(hidden_units=(16,), num_classes=n),
                lambda n, c: models.mnist_discriminator(hidden_units=(8,), num_classes=n, conditioning=c),
                (28, 28, 1),
            ),
            (
                lambda n: models.cifar10_generator(hidden_units=200, num_classes=n),
                lambda n, c: models.cifar10_discriminator(num_classes=n, conditioning=c),
                (32, 32, 3),
            ),
            (
                lambda n: models.mlp_generator(2, (2,), hidden_units=(8,), num_classes=n),
                lambda n, c: models.mlp_discriminator((2,), hidden_units=(8,), num_classes=n, conditioning=c),
                (2,),
            ),
        ],
        ids=["mnist", "cifar10", "mlp"],
    )
    @pytest.mark.parametrize("conditioning", ["concat", "projection"])
    def test_every_architecture_takes_labels_and_reloads_safely(
        self, tmp_path, build_generator, build_discriminator, example_shape, conditioning
    ):
        generator = build_generator(10)
        discriminator = build_discriminator(10, conditioning)
        assert isinstance(generator, keras_gan.Generator) and generator.num_classes == 10
        labels = np.arange(10, dtype="int32")
        z = np.random.default_rng(0).normal(size=(10, generator.latent_dim)).astype("float32")
        images = np.asarray(generator([z, labels]))
        assert images.shape == (10, *example_shape)
        logits = np.asarray(discriminator([images, labels], training=False))
        assert logits.shape == (10, 1)
        for model, inputs, expected in ((generator, [z, labels], images), (discriminator, [images, labels], logits)):
            path = tmp_path / f"{model.name}.keras"
            model.save(path)
            loaded = keras.saving.load_model(path)  # safe_mode=True
            # Same graph, same weights, same ops: the same process gives the same floats.
            np.testing.assert_array_equal(np.asarray(loaded(inputs, training=False)), expected)
        assert keras.saving.load_model(tmp_path / f"{generator.name}.keras").num_classes == 10

    def test_the_label_changes_the_output(self):
        generator, discriminator = _conditional_models("projection")
        z = np.zeros((2, 3), "float32")
        images = np.asarray(generator([z, np.array([0, 1], "int32")]))
        assert not np.allclose(images[0], images[1])
        x = np.ones((2, 2), "float32")
        logits = np.asarray(discriminator([x, np.array([0, 1], "int32")]))
        assert logits[0, 0] != logits[1, 0]

    def test_unconditional_architectures_are_unchanged(self):
        # Conditioning adds layers only with num_classes: the same seed, the same weights.
        generator = models.mnist_generator(hidden_units=(16,), seed=3)
        assert isinstance(generator, keras_gan.Generator) and generator.num_classes is None
        assert [layer.name for layer in generator.layers] == ["z", "hidden_0", "output", "images"]

    def test_bad_conditioning_is_one_line(self):
        with pytest.raises(ValueError, match=r"Received: conditioning='sum'\. Expected one of"):
            models.mlp_discriminator(num_classes=3, conditioning="sum")
        with pytest.raises(ValueError, match=r"Received: num_classes=1\. Expected an integer >= 2"):
            models.mlp_generator(num_classes=1)


class _LabelProbe(keras.layers.Layer):
    """Counts the examples whose first coordinate is not their label; a linear logit."""

    def build(self, input_shape):
        self.dense = keras.layers.Dense(1)
        self.dense.build(input_shape[0])
        self.mismatches = self.add_weight(shape=(), initializer="zeros", trainable=False, name="mismatches")
        self.seen = self.add_weight(shape=(), initializer="zeros", trainable=False, name="seen")

    def call(self, inputs):
        x, labels = inputs
        wrong = tf.cast(tf.not_equal(tf.round(x[:, 0]), tf.cast(labels, x.dtype)), "float32")
        self.mismatches.assign_add(tf.reduce_sum(wrong))
        self.seen.assign_add(tf.cast(tf.shape(x)[0], "float32"))
        return self.dense(x)


def _label_writing_generator():
    """A frozen generator whose first output coordinate is its label."""
    z = keras.Input((3,), name="z")
    labels = keras.Input((), dtype="int32", name="labels")
    one_hot = keras.layers.CategoryEncoding(_NUM_CLASSES, output_mode="one_hot")(labels)
    kernel = np.zeros((_NUM_CLASSES, 2), "float32")
    kernel[:, 0] = np.arange(_NUM_CLASSES)
    x = keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant(kernel), use_bias=False)(one_hot)
    return keras.Model([z, labels], x)


class TestTraining:
    @pytest.mark.parametrize("k", [1, 3])
    def test_every_discriminator_input_carries_its_own_label(self, k):
        # Real examples' first coordinate is their label, and so is the fakes'. A
        # label split other than the examples' (or fakes labelled apart from what
        # G was given) would show as mismatches.
        generator = _label_writing_generator()
        probe = _LabelProbe()
        inputs = [keras.Input((2,)), keras.Input((), dtype="int32")]
        discriminator = keras.Model(inputs, probe(inputs))
        gan = keras_gan.GAN(generator, discriminator, num_classes=_NUM_CLASSES, discriminator_steps=k, seed=0)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
        labels = np.random.default_rng(0).integers(0, _NUM_CLASSES, 12 * k).astype("int32")
        real = np.stack([labels, np.zeros_like(labels)], axis=1).astype("float32")
        gan.fit(real, labels, batch_size=4 * k, epochs=1, verbose=0, shuffle=False)
        # 3 steps; each: k D updates on 4 real + 4 fake, then G's 4 fakes.
        assert float(probe.seen.numpy()) == 3 * (k * 8 + 4)
        assert float(probe.mismatches.numpy()) == 0.0

    def test_fake_labels_are_uniform_and_fresh(self):
        gan = _compiled(*_conditional_models())
        _, first = gan._fakes_to_draw(8000)
        _, second = gan._fakes_to_draw(8000)
        counts = np.bincount(np.asarray(first), minlength=_NUM_CLASSES)
        # Binomial(8000, 1/4): standard deviation ~39; 5 of them is a failure.
        assert np.all(np.abs(counts - 2000) < 5 * np.sqrt(8000 * 0.25 * 0.75)), counts
        assert not np.array_equal(np.asarray(first), np.asarray(second))

    @pytest.mark.parametrize("conditioning", ["concat", "projection"])
    def test_fit_evaluate_and_validation_data(self, conditioning):
        gan = _compiled(*_conditional_models(conditioning), ema_decay=0.9, r1_weight=1.0)
        points, labels = _labelled_points()
        history = gan.fit(
            points, labels, batch_size=16, epochs=2, verbose=0, validation_data=(points[:32], labels[:32])
        ).history
        for name in ("d_loss", "g_loss", "d_real", "d_fake", "r1_penalty", "val_d_loss", "val_d_real"):
            assert np.all(np.isfinite(history[name])), name
        logs = gan.evaluate(points, labels, verbose=0, return_dict=True)
        assert set(logs) >= {"d_loss", "g_loss", "d_real", "d_fake"}

    def test_gradient_penalty_on_labelled_interpolates(self):
        gan = keras_gan.GAN(*_conditional_models(), seed=0)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(1e-3),
            g_optimizer=keras.optimizers.Adam(1e-3),
            loss="wasserstein",
            regularizer=keras_gan.losses.GradientPenalty(10.0),
        )
        points, labels = _labelled_points()
        history = gan.fit(tf.data.Dataset.from_tensor_slices((points, labels)).batch(16), verbose=0).history
        assert np.all(np.isfinite(history["gradient_penalty"])) and history["gradient_penalty"][0] > 0

    def test_learns_the_condition_on_a_mixture_whose_modes_are_classes(self):
        # The 8-Gaussian ring, each mode a class: after a short training the samples
        # asked for class c lie nearest mode c.
        ring = keras_gan.toy.ring()
        modes = np.asarray(ring.modes)
        rng = np.random.default_rng(0)
        labels = rng.integers(0, 8, 8000).astype("int32")
        points = (modes[labels] + ring.std * rng.normal(size=(8000, 2))).astype("float32")
        generator = models.mlp_generator(2, (2,), hidden_units=(64, 64), num_classes=8, seed=0)
        discriminator = models.mlp_discriminator((2,), hidden_units=(64, 64), num_classes=8, seed=1)
        gan = keras_gan.GAN(generator, discriminator, latent_prior="gaussian", seed=0)
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, 0.5), g_optimizer=keras.optimizers.Adam(1e-3, 0.5))
        gan.fit(points, labels, batch_size=100, epochs=4, verbose=0)
        asked = np.repeat(np.arange(8), 250)
        samples = gan.generate(2000, labels=asked, seed=1)
        nearest = np.argmin(((samples[:, None, :] - modes[None]) ** 2).sum(-1), axis=1)
        accuracy = np.mean(nearest == asked)
        assert accuracy >= 0.9, accuracy


class TestBadInput:
    def test_labels_out_of_range_stop_before_any_update(self):
        gan = _compiled(*_conditional_models())
        before = [w.copy() for w in gan.get_weights()]
        points, labels = _labelled_points(32)
        with pytest.raises(BadBatchError, match=r"Labels outside \[0, 4\): batch 1 of epoch 1\. Received: labels in \[\d+, 7\]"):
            gan.fit(points, labels + 4, batch_size=16, epochs=1, verbose=0)
        for old, new in zip(before, gan.get_weights()):
            np.testing.assert_array_equal(old, new)
        with pytest.raises(BadBatchError, match="Labels outside"):
            gan.evaluate(points, labels - 1, verbose=0)

    def test_missing_or_one_hot_labels_are_one_line(self):
        gan = _compiled(*_conditional_models())
        points, labels = _labelled_points(32)
        with pytest.raises(ValueError, match=r"trains on \(examples, labels\) batches"):
            gan.fit(points, batch_size=16, epochs=1, verbose=0)
        one_hot = np.eye(_NUM_CLASSES, dtype="float32")[labels]
        with pytest.raises(ValueError, match=r"Expected integer class labels of shape \[batch\].*not one-hot"):
            gan.fit(points, one_hot, batch_size=16, epochs=1, verbose=0)

    def test_models_and_num_classes_must_agree(self):
        generator, discriminator = _conditional_models()
        with pytest.raises(ValueError, match="num_classes=5 for a generator built with num_classes=4"):
            keras_gan.GAN(generator, discriminator, num_classes=5)
        plain_generator = models.mlp_generator(3, (2,), hidden_units=(8,))
        plain_discriminator = models.mlp_discriminator((2,), hidden_units=(8,))
        with pytest.raises(ValueError, match="The discriminator takes 1 inputs, but the GAN is a conditional"):
            keras_gan.GAN(generator, plain_discriminator)
        with pytest.raises(ValueError, match="The generator takes 1 inputs, but the GAN is a conditional"):
            keras_gan.GAN(plain_generator, discriminator, num_classes=4)

    def test_generate_checks_labels(self):
        gan = _compiled(*_conditional_models())
        with pytest.raises(ValueError, match=r"Received: labels of shape \(3,\), dtype int64, values in \[0, 9\]"):
            gan.generate(3, labels=[0, 1, 9])
        with pytest.raises(ValueError, match="Expected 4 integer class labels"):
            gan.generate(4, labels=[0, 1])
        unconditional = _compiled(models.mlp_generator(3, (2,)), models.mlp_discriminator((2,)))
        with pytest.raises(ValueError, match="labels for an unconditional generator"):
            unconditional.generate(2, labels=[0, 1])


class TestSampling:
    def test_generate_is_reproducible_and_follows_the_labels(self):
        gan = _compiled(*_conditional_models("projection"))
        asked = np.arange(8) % _NUM_CLASSES
        first = gan.generate(8, labels=asked, seed=3)
        np.testing.assert_array_equal(first, gan.generate(8, labels=asked, seed=3))
        noise = np.asarray(gan.sample_latent(8, seed=3))
        np.testing.assert_allclose(
            first, np.asarray(gan.sampling_generator([noise, asked.astype("int32")])), rtol=1e-6, atol=1e-6
        )
        drawn = gan.generate(8, seed=3)  # uniform labels: other samples from the same noise
        assert drawn.shape == first.shape

    def test_saved_alone_the_generator_knows_its_prior_and_classes(self, tmp_path):
        gan = _compiled(*_conditional_models(), latent_prior="gaussian", ema_decay=0.5)
        points, labels = _labelled_points()
        gan.fit(points, labels, batch_size=16, epochs=1, verbose=0)
        gan.sampling_generator.save(tmp_path / "generator.keras")
        generator = keras.saving.load_model(tmp_path / "generator.keras")
        assert generator.latent_prior is keras_gan.priors.gaussian and generator.num_classes == _NUM_CLASSES
        np.testing.assert_array_equal(
            generator.generate(6, labels=[0, 1, 2, 3, 0, 1], seed=2),
            gan.generate(6, labels=[0, 1, 2, 3, 0, 1], seed=2),
        )
        gan.save(tmp_path / "gan.keras")
        reloaded = keras.saving.load_model(tmp_path / "gan.keras")
        assert reloaded.num_classes == _NUM_CLASSES and reloaded.latent_prior is keras_gan.priors.gaussian
        np.testing.assert_array_equal(reloaded.generate(4, labels=[3, 2, 1, 0], seed=0), gan.generate(4, labels=[3, 2, 1, 0], seed=0))

    def test_a_gan_prior_contradicting_the_generator_is_an_error(self):
        generator, discriminator = _conditional_models()
        keras_gan.GAN(generator, discriminator, latent_prior="gaussian")
        with pytest.raises(ValueError, match="for a generator trained with the 'gaussian' prior"):
            keras_gan.GAN(generator, discriminator, latent_prior="uniform")


def _label_only_gan():
    """A conditional GAN whose generator ignores z: each output depends on the label alone."""
    z = keras.Input((3,), name="z")
    labels = keras.Input((), dtype="int32", name="labels")
    one_hot = keras.layers.CategoryEncoding(_NUM_CLASSES, output_mode="one_hot")(labels)
    pixels = keras.layers.Dense(16, activation="sigmoid", kernel_initializer="glorot_uniform")(one_hot)
    images = keras.layers.Reshape((4, 4, 1))(pixels)
    generator = keras.Model([z, labels], images)
    image_input = keras.Input((4, 4, 1))
    flat = keras.layers.Flatten()(image_input)
    discriminator = keras.Model(
        [image_input, keras.Input((), dtype="int32")], keras.layers.Dense(1)(flat)
    )
    return keras_gan.GAN(generator, discriminator, num_classes=_NUM_CLASSES, seed=0)


class TestGrids:
    def test_sample_grid_has_one_row_per_class(self):
        gan = _label_only_gan()
        noise, labels, columns = sample_grids.grid_draws(gan, 10)
        assert columns == 3 and labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
        grid = sample_grids.sample_grid(gan, 10, padding=0)
        assert grid.shape == (4 * 4, 3 * 4, 1)
        rows = grid.reshape(4, 4, 3, 4)  # [class, y, column, x]
        for row in rows:  # z is ignored: a row of one class is one image repeated
            assert np.all(row == row[:, :1])
        assert not np.array_equal(rows[0], rows[1])

    def test_interpolation_keeps_the_class_of_each_row(self):
        gan = _label_only_gan()
        grid = sample_grids.interpolation_grid(gan, rows=5, steps=3, padding=0)
        rows = grid.reshape(5, 4, 3, 4)
        for row in rows:
            assert np.all(row == row[:, :1])
        np.testing.assert_array_equal(rows[4], rows[0])  # row 4 is class 4 % 4 = 0

    def test_sample_grid_callback_draws_class_rows(self, tmp_path):
        gan = _label_only_gan()
        gan.compile(d_optimizer="sgd", g_optimizer="sgd")
        callback = keras_gan.callbacks.SampleGrid(tmp_path, num_samples=8, seed=0)
        images = np.random.default_rng(0).random((8, 4, 4, 1)).astype("float32")
        gan.fit(images, np.arange(8, dtype="int32") % _NUM_CLASSES, batch_size=4, epochs=1, verbose=0,
                callbacks=[callback])
        assert callback.labels.tolist() == [0, 0, 1, 1, 2, 2, 3, 3] and callback.columns == 2
        assert (tmp_path / "samples_epoch_0001.png").exists()
