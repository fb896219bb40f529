"""keras_gan.semi_supervised: the K+1 game against NumPy, classifiers from D and E, SemiSupervisedGAN."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import semi_supervised as ss

# float32 unit roundoff: the scale of every tolerance below.
_EPS32 = float(np.finfo(np.float32).eps) / 2
_SHAPE = (4, 4, 1)
_CLASSES = 3


def _easy_data(n=600, seed=0):
    """Three classes of 4x4 images: fixed prototypes plus small noise, in [0, 1]."""
    rng = np.random.default_rng(seed)
    prototypes = rng.uniform(0.1, 0.9, size=(_CLASSES, *_SHAPE))
    labels = rng.integers(0, _CLASSES, n).astype(np.int32)
    images = np.clip(prototypes[labels] + rng.normal(0.0, 0.05, (n, *_SHAPE)), 0.0, 1.0)
    return images.astype(np.float32), labels


def _small_pair(seed=0, num_classes=_CLASSES):
    generator = ss.salimans_mnist_generator(8, image_shape=_SHAPE, hidden_units=(16,), seed=seed)
    discriminator = ss.salimans_mnist_discriminator(
        num_classes, image_shape=_SHAPE, hidden_units=(32, 16), seed=seed + 10
    )
    return generator, discriminator


def _ssgan(seed=0, loss=None, **options):
    gan = ss.SemiSupervisedGAN(*_small_pair(seed), seed=seed, **options)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        loss=loss,
    )
    return gan


def _one_line_value_error(excinfo):
    message = str(excinfo.value)
    assert isinstance(excinfo.value, ValueError) and "\n" not in message
    return message


class TestKPlusOneGame:
    def test_unsupervised_loss_is_the_papers_formula(self):
        rng = np.random.default_rng(0)
        # Logits up to 100 in size: exp overflows float32 (max ~3.4e38 < e^100),
        # so only a log-sum-exp / softplus form can match; float64 holds Z exactly enough.
        real = rng.uniform(-100.0, 100.0, (64, 10)).astype(np.float32)
        fake = rng.uniform(-100.0, 100.0, (48, 10)).astype(np.float32)
        z_real = np.exp(real.astype(np.float64)).sum(axis=1)
        z_fake = np.exp(fake.astype(np.float64)).sum(axis=1)
        expected = -np.mean(np.log(z_real / (z_real + 1.0))) - np.mean(np.log(1.0 / (z_fake + 1.0)))
        game = ss.KPlusOneGame()
        got = float(game.unsupervised_loss(real, fake))
        # Each float32 lse of 10 terms and its softplus err by <= ~(10 + 4) roundoffs of
        # |l| <= 100, and the means add ~log2(64) roundoffs of the result: 32 covers both.
        tolerance = 32 * _EPS32 * (100.0 + abs(expected))
        assert abs(got - expected) <= tolerance, (got, expected, tolerance)
        assert float(game.discriminator_loss(real, fake)) == got
        # The brief's written form, -E lse + E softplus(lse) + E softplus(lse_fake), is the same.
        lse_real = np.log(z_real)
        written = -lse_real.mean() + np.logaddexp(0, lse_real).mean() + np.log1p(z_fake).mean()
        assert abs(written - expected) <= 1e-9 * (1 + abs(expected))

    def test_supervised_loss_accuracy_and_generator_losses_match_numpy(self):
        rng = np.random.default_rng(1)
        logits = rng.normal(0.0, 3.0, (32, 5)).astype(np.float32)
        labels = rng.integers(0, 5, 32).astype(np.int32)
        wide = logits.astype(np.float64)
        log_softmax = wide - np.log(np.exp(wide).sum(axis=1, keepdims=True))
        game = ss.KPlusOneGame()
        # |logits| <= ~12: 16 roundoffs of the largest term bound a float32 lse.
        tolerance = 16 * _EPS32 * 12.0
        np.testing.assert_allclose(
            float(game.supervised_loss(logits, labels)), -log_softmax[np.arange(32), labels].mean(), atol=tolerance
        )
        assert float(game.accuracy(logits, labels)) == np.mean(logits.argmax(axis=1) == labels)
        z = np.exp(wide).sum(axis=1)
        np.testing.assert_allclose(
            float(game.generator_loss(logits)), -np.mean(np.log(z / (z + 1))), atol=tolerance
        )
        probabilities = np.exp(log_softmax)
        np.testing.assert_allclose(
            float(game.class_entropy(logits)), -np.mean(np.sum(probabilities * log_softmax, axis=1)), atol=tolerance
        )
        real_features = rng.normal(size=(20, 7)).astype(np.float32)
        fake_features = rng.normal(size=(30, 7)).astype(np.float32)
        difference = real_features.astype(np.float64).mean(0) - fake_features.astype(np.float64).mean(0)
        np.testing.assert_allclose(
            float(game.feature_matching_loss(real_features, fake_features)),
            np.sum(difference**2),
            rtol=64 * _EPS32,
        )

    def test_weighting_and_config(self):
        game = ss.KPlusOneGame(unsupervised_weight=0.5)
        parts = {"supervised_loss": 2.0, "unsupervised_loss": 3.0}
        assert float(game.discriminator_total(parts)) == 3.5
        with_entropy = ss.KPlusOneGame(entropy_weight=0.25)
        assert with_entropy.diagnostic_names[-1] == "class_entropy" and "class_entropy" not in game.diagnostic_names
        assert float(with_entropy.discriminator_total({**parts, "class_entropy": 4.0})) == 6.0
        restored = keras_gan.losses.deserialize(keras_gan.losses.serialize(game))
        assert restored == game and restored is not game
        with pytest.raises(ValueError) as excinfo:
            ss.KPlusOneGame(unsupervised_weight=-1.0)
        assert _one_line_value_error(excinfo).startswith(
            "Invalid value for argument `unsupervised_weight`. Received: unsupervised_weight=-1.0. Expected"
        )


def _maxout_discriminator(**options):
    return keras_gan.models.mnist_discriminator(
        image_shape=_SHAPE, hidden_units=(16, 8), pieces=2, weight_range=0.2, seed=3, **options
    )


def _train_classifier(classifier, images, labels, epochs=3):
    classifier.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    classifier.fit(images, labels, batch_size=50, epochs=epochs, verbose=0)


class TestClassifierFromDiscriminator:
    def test_frozen_layers_do_not_move_and_the_head_does(self):
        images, labels = _easy_data(300)
        discriminator = _maxout_discriminator()
        d_before = [w.copy() for w in discriminator.get_weights()]
        classifier = ss.classifier_from_discriminator(discriminator, _CLASSES, seed=0)
        hidden = classifier.get_layer(f"{discriminator.name}_hidden")
        # D's layers up to the logit's input, dropout off (a frozen copy is a fixed map); its weights copied.
        assert [type(layer).__name__ for layer in hidden.layers[1:]] == [
            "Flatten", "Identity", "Maxout", "Identity", "Maxout", "Identity"
        ]
        assert hidden.get_layer("input_dropout").name == "input_dropout"
        for copied, original in zip(hidden.get_weights(), d_before):
            np.testing.assert_array_equal(copied, original)
        assert [w.name for w in classifier.trainable_weights] == ["kernel", "bias"]
        hidden_before = [w.copy() for w in hidden.get_weights()]
        head_before = [w.copy() for w in classifier.get_layer("classes").get_weights()]
        _train_classifier(classifier, images, labels)
        for after, before in zip(hidden.get_weights(), hidden_before):
            assert np.array_equal(after, before)  # bitwise
        assert not any(
            np.array_equal(a, b) for a, b in zip(classifier.get_layer("classes").get_weights(), head_before)
        )
        for after, before in zip(discriminator.get_weights(), d_before):
            assert np.array_equal(after, before)
        assert discriminator.trainable and all(layer.trainable for layer in discriminator.layers)

    def test_fine_tuned_layers_move_and_d_does_not(self):
        images, labels = _easy_data(300)
        discriminator = _maxout_discriminator()
        d_before = [w.copy() for w in discriminator.get_weights()]
        classifier = ss.classifier_from_discriminator(discriminator, _CLASSES, fine_tune=True, seed=0)
        hidden = classifier.get_layer(f"{discriminator.name}_hidden")
        assert hidden.get_layer("input_dropout").rate == 0.2  # Fine-tuned with D's dropout.
        # D's four hidden weights (two maxout kernels and biases) and the head's two.
        assert len(classifier.trainable_weights) == 6
        _train_classifier(classifier, images, labels)
        for after, before in zip(hidden.get_weights(), d_before[:4]):
            assert not np.array_equal(after, before)
        for after, before in zip(discriminator.get_weights(), d_before):
            assert np.array_equal(after, before)

    def test_a_frozen_copy_runs_without_dropout_and_standardizes_its_features(self, tmp_path):
        images, _ = _easy_data(200)
        discriminator = _maxout_discriminator()
        frozen = ss.classifier_from_discriminator(discriminator, _CLASSES, standardize_with=images, seed=0)
        # Frozen features are a fixed map: dropout off even when the classifier trains.
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(frozen(images, training=True)),
            keras.ops.convert_to_numpy(frozen(images, training=False)),
        )
        fine_tuned = ss.classifier_from_discriminator(discriminator, _CLASSES, fine_tune=True, seed=0)
        assert not np.array_equal(
            keras.ops.convert_to_numpy(fine_tuned(images, training=True)),
            keras.ops.convert_to_numpy(fine_tuned(images, training=False)),
        )
        # The head reads D's features standardized on the given examples: mean 0, variance 1 per unit
        # (to float32 roundoff of a 200-term mean, relative to the features' spread).
        head_input = keras.Model(frozen.inputs, frozen.get_layer("classes").input)
        standardized = keras.ops.convert_to_numpy(head_input(images))
        np.testing.assert_allclose(standardized.mean(axis=0), 0.0, atol=1e3 * _EPS32)
        np.testing.assert_allclose(standardized.var(axis=0), 1.0, rtol=1e3 * _EPS32)
        path = tmp_path / "standardized.keras"
        frozen.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_array_equal(restored.predict(images, verbose=0), frozen.predict(images, verbose=0))
        with pytest.raises(ValueError) as excinfo:
            ss.classifier_from_discriminator(discriminator, _CLASSES, standardize_with=images[:, :2])
        assert _one_line_value_error(excinfo).startswith(
            "Invalid value for argument `standardize_with`. Received: an array of shape (200, 2, 4, 1)."
        )

    def test_conditional_discriminators(self):
        projection = _maxout_discriminator(num_classes=_CLASSES, conditioning="projection")
        classifier = ss.classifier_from_discriminator(projection, 5, activation="linear")
        assert len(classifier.inputs) == 1 and classifier.output_shape == (None, 5)
        concat = _maxout_discriminator(num_classes=_CLASSES, conditioning="concat")
        with pytest.raises(ValueError) as excinfo:
            ss.classifier_from_discriminator(concat, 5)
        message = _one_line_value_error(excinfo)
        assert message.startswith("Invalid value for argument `discriminator`. Received: a conditional")
        assert "Expected hidden layers that depend on the images alone" in message

    def test_a_discriminator_without_a_logit_layer_is_refused(self):
        inputs = keras.Input(_SHAPE)
        outputs = keras.layers.Dense(1, name="score")(keras.layers.Flatten()(inputs))
        with pytest.raises(ValueError) as excinfo:
            ss.classifier_from_discriminator(keras.Model(inputs, outputs, name="critic"), 3)
        message = _one_line_value_error(excinfo)
        assert message.startswith("Invalid value for argument `discriminator`. Received: discriminator='critic'")
        assert "Expected a final layer named 'logit'" in message
        for bad, argument in ((dict(num_classes=1), "num_classes"), (dict(fine_tune="yes"), "fine_tune"),
                              (dict(activation="sigmoid"), "activation")):
            arguments = {"num_classes": 3, **bad}
            with pytest.raises(ValueError, match=f"^Invalid value for argument `{argument}`. Received: "):
                ss.classifier_from_discriminator(_maxout_discriminator(), **arguments)

    @pytest.mark.parametrize("fine_tune", [False, True])
    def test_keras_round_trip_in_safe_mode(self, tmp_path, fine_tune):
        images, _ = _easy_data(16)
        classifier = ss.classifier_from_discriminator(_maxout_discriminator(), _CLASSES, fine_tune=fine_tune)
        path = tmp_path / "classifier.keras"
        classifier.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_array_equal(restored.predict(images, verbose=0), classifier.predict(images, verbose=0))
        # The frozen state is part of the file.
        assert len(restored.trainable_weights) == len(classifier.trainable_weights)
        assert len(restored.trainable_weights) == (2 if not fine_tune else 6)


def _encoder(latent_dim=6):
    images = keras.Input(_SHAPE, name="images")
    x = keras.layers.Flatten()(images)
    x = keras.layers.Dense(16, "relu", name="hidden", kernel_initializer=keras.initializers.GlorotUniform(0))(x)
    z = keras.layers.Dense(latent_dim, name="z", kernel_initializer=keras.initializers.GlorotUniform(1))(x)
    return keras.Model(images, z, name="encoder")


class TestClassifierFromEncoder:
    def test_head_on_z_frozen_then_round_trip(self, tmp_path):
        images, labels = _easy_data(300)
        encoder = _encoder()
        classifier = ss.classifier_from_encoder(encoder, _CLASSES, seed=0)
        copy = classifier.get_layer("encoder")
        # The head reads E's output z (6 numbers), not its hidden layer (16).
        assert classifier.get_layer("classes").kernel.shape == (6, _CLASSES)
        before = [w.copy() for w in copy.get_weights()]
        _train_classifier(classifier, images, labels, epochs=2)
        for after, was in zip(copy.get_weights(), before):
            assert np.array_equal(after, was)
        path = tmp_path / "encoder_classifier.keras"
        classifier.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_array_equal(
            restored.predict(images[:8], verbose=0), classifier.predict(images[:8], verbose=0)
        )

    def test_fine_tune_moves_e_and_bad_encoders_are_refused(self):
        images, labels = _easy_data(300)
        encoder = _encoder()
        classifier = ss.classifier_from_encoder(encoder, _CLASSES, fine_tune=True, seed=0)
        before = [w.copy() for w in encoder.get_weights()]
        _train_classifier(classifier, images, labels, epochs=2)
        assert not np.array_equal(classifier.get_layer("encoder").get_weights()[0], before[0])
        np.testing.assert_array_equal(encoder.get_weights()[0], before[0])
        inputs = keras.Input(_SHAPE)
        flat = keras.layers.Flatten()(inputs)
        two_outputs = keras.Model(inputs, [keras.layers.Dense(2)(flat), keras.layers.Dense(2)(flat)])
        with pytest.raises(ValueError) as excinfo:
            ss.classifier_from_encoder(two_outputs, 3)
        assert _one_line_value_error(excinfo).startswith(
            "Invalid value for argument `encoder`. Received: a model with 1 inputs and 2 outputs."
        )


class TestNetworks:
    def test_salimans_discriminator_and_generator(self):
        discriminator = ss.salimans_mnist_discriminator(seed=0)
        assert discriminator.output_shape == (None, 10)
        dense = [layer for layer in discriminator.layers if isinstance(layer, ss.WeightNormDense)]
        assert [layer.units for layer in dense] == [1000, 500, 250, 250, 250, 10]
        assert [layer.train_scale for layer in dense] == [False] * 5 + [True]
        assert dense[-1].name == "logit"
        noise = [layer.stddev for layer in discriminator.layers if isinstance(layer, keras.layers.GaussianNoise)]
        assert noise == [0.3] + [0.5] * 5
        generator = ss.salimans_mnist_generator(seed=0)
        assert isinstance(generator, keras_gan.Generator) and generator.latent_prior is keras_gan.priors.uniform
        images = np.asarray(generator(np.random.default_rng(0).uniform(-1, 1, (4, 100)), training=False))
        assert images.shape == (4, 28, 28, 1) and images.min() >= 0.0 and images.max() <= 1.0
        plain = ss.salimans_mnist_discriminator(weight_norm=False, hidden_units=(8,))
        assert isinstance(plain.get_layer("logit"), keras.layers.Dense)

    def test_weight_norm_dense_matches_numpy(self):
        layer = ss.WeightNormDense(3, "relu", train_scale=False, kernel_initializer=keras.initializers.RandomNormal(seed=0))
        x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
        y = np.asarray(layer(x))
        v, scale, bias = (np.asarray(w, np.float64) for w in (layer.kernel, layer.scale, layer.bias))
        expected = np.maximum(x @ (v / np.linalg.norm(v, axis=0)) * scale + bias, 0.0)
        # 4-term dot products and one normalisation: a few roundoffs of |y| ~ 2.
        np.testing.assert_allclose(y, expected, atol=16 * _EPS32 * 4)
        assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
        clone = ss.WeightNormDense.from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()

    def test_data_dependent_init_standardises_each_layer_on_the_batch(self):
        examples, _ = _easy_data(256)
        # Without noise the measured pre-activations are exactly what the model computes.
        model = ss.salimans_mnist_discriminator(
            4, image_shape=_SHAPE, hidden_units=(32, 16), input_noise=0.0, hidden_noise=0.0, seed=0
        )
        assert ss.data_dependent_init(model, examples) == 3
        logits = np.asarray(model(examples, training=False), np.float64)  # the linear last layer
        # Means of 256 values of size ~3 and their spread: float32 roundoff times a few hundred.
        np.testing.assert_allclose(logits.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(logits.std(axis=0), 1.0, rtol=1e-4)
        hidden = keras.Model(model.inputs[0], model.get_layer("hidden_1").output)(examples, training=False)
        assert np.asarray(hidden).std() > 0.3  # a unit-scale signal reaches the last hidden layer
        assert not model.get_layer("hidden_0").scale.trainable
        with pytest.raises(ValueError, match=r"^Invalid value for argument `examples`. Received: examples of shape \(1, 4, 4, 1\)"):
            ss.data_dependent_init(model, examples[:1])


class TestData:
    def test_balanced_subset(self):
        labels = np.repeat(np.arange(4), 30)
        chosen = ss.balanced_subset(labels, 5, seed=0)
        assert np.bincount(labels[chosen]).tolist() == [5] * 4 and len(set(chosen)) == 20
        np.testing.assert_array_equal(chosen, ss.balanced_subset(labels, 5, seed=0))
        assert not np.array_equal(chosen, ss.balanced_subset(labels, 5, seed=1))
        with pytest.raises(ValueError, match=r"^Invalid value for argument `per_class`. Received: per_class=31"):
            ss.balanced_subset(labels, 31)

    def test_pipeline_batches_and_bad_labels(self):
        images, labels = _easy_data(250)
        dataset = ss.semi_supervised_pipeline(
            images[:200], images[200:212], labels[200:212], batch_size=20, labeled_batch_size=6,
            discriminator_steps=2, num_classes=_CLASSES, seed=0,
        )
        assert int(dataset.cardinality()) == 5
        unlabeled, (labeled_x, labeled_y) = next(iter(dataset))
        assert unlabeled.shape == (40, *_SHAPE) and labeled_x.shape == (12, *_SHAPE)
        assert labeled_y.dtype == tf.int32
        # Every labelled example in each pass, with its own label.
        positions = [int(np.argmin(np.abs(images[200:212] - x).sum(axis=(1, 2, 3)))) for x in labeled_x.numpy()]
        assert sorted(positions) == list(range(12))
        np.testing.assert_array_equal(labeled_y.numpy(), labels[200:212][positions])
        bad = labels[200:212].copy()
        bad[3] = 5
        with pytest.raises(ValueError) as excinfo:
            ss.semi_supervised_pipeline(images[:200], images[200:212], bad, 20, num_classes=_CLASSES)
        assert _one_line_value_error(excinfo) == (
            "Invalid value for argument `labeled_y`. Received: labeled_y in [0, 5]. "
            "Expected class labels in [0, 3)."
        )
        with pytest.raises(ValueError, match=r"^Invalid value for argument `labeled_y`. Received: labeled_y of shape"):
            ss.semi_supervised_pipeline(images[:200], images[200:212], np.eye(3)[labels[200:212]], 20)


@pytest.fixture(scope="module")
def trained():
    """A small SemiSupervisedGAN trained on easy data with 2 labels per class, and its history."""
    images, labels = _easy_data(700)
    chosen = ss.balanced_subset(labels[:500], 2, seed=0)
    keras.utils.set_random_seed(0)
    gan = _ssgan(seed=0, classifier_ema_decay=0.9)
    batches = ss.semi_supervised_pipeline(
        images[:500], images[chosen], labels[chosen], batch_size=50, labeled_batch_size=6,
        num_classes=_CLASSES, seed=0,
    )
    history = gan.fit(batches, epochs=6, validation_data=(images[500:], labels[500:]), verbose=0)
    return gan, history.history, images[500:], labels[500:]


class TestSemiSupervisedGAN:
    def test_trackers(self, trained):
        gan, history, _, _ = trained
        assert [m.name for m in gan.metrics] == ["d_loss", "g_loss", "supervised_loss", "unsupervised_loss", "accuracy"]
        assert {"val_accuracy", "val_supervised_loss", "val_unsupervised_loss", "val_g_loss"} <= set(history)

    def test_feature_layer_and_the_averaged_classifier(self, trained):
        gan = trained[0]
        # The last hidden layer's output, before its noise layer.
        assert gan._features_and_logits.outputs[0] is gan.discriminator.get_layer("hidden_1").output
        assert set(gan.classifier.layers[1:-1]) <= set(gan.ema_discriminator.layers)
        averaged, current = gan.ema_discriminator.get_weights(), gan.discriminator.get_weights()
        assert len(averaged) == len(current) and not np.array_equal(averaged[0], current[0])

    def test_short_run_lowers_the_supervised_loss_and_beats_chance(self, trained):
        gan, history, test_x, test_y = trained
        assert history["supervised_loss"][-1] < 0.5 * history["supervised_loss"][0]
        accuracy = np.mean(gan.classify(test_x) == test_y)
        assert accuracy >= 0.9, accuracy  # chance is 1/3; 6 labels in all
        assert history["val_accuracy"][-1] == pytest.approx(accuracy, abs=1e-6)
        np.testing.assert_allclose(
            gan.classifier.predict(test_x, verbose=0).sum(axis=1), 1.0, rtol=8 * _EPS32 * _CLASSES
        )

    def test_classifier_and_gan_round_trip(self, trained, tmp_path):
        gan, _, test_x, _ = trained
        gan.classifier.save(tmp_path / "classifier.keras")
        classifier = keras.saving.load_model(tmp_path / "classifier.keras", safe_mode=True)
        np.testing.assert_array_equal(
            classifier.predict(test_x, verbose=0), gan.classifier.predict(test_x, verbose=0)
        )
        gan.save(tmp_path / "ssgan.keras")
        restored = keras.saving.load_model(tmp_path / "ssgan.keras", safe_mode=True)
        assert isinstance(restored, ss.SemiSupervisedGAN) and restored.game == gan.game
        assert restored.feature_layer is None and restored.num_label_classes == _CLASSES
        assert restored.classifier_ema_decay == 0.9
        np.testing.assert_array_equal(restored.classify(test_x), gan.classify(test_x))

    def test_k_discriminator_steps_and_a_named_feature_layer(self):
        images, labels = _easy_data(200)
        gan = _ssgan(seed=1, discriminator_steps=2, feature_layer="noise_0", loss=ss.KPlusOneGame(0.5))
        batches = ss.semi_supervised_pipeline(
            images[:160], images[160:], labels[160:], batch_size=20, labeled_batch_size=4,
            discriminator_steps=2, num_classes=_CLASSES, seed=0,
        )
        logs = gan.fit(batches, epochs=1, verbose=0).history
        assert int(gan.d_optimizer.iterations) == 2 * int(gan.g_optimizer.iterations) == 8
        assert np.isfinite(logs["g_loss"][0]) and logs["g_loss"][0] > 0
        assert logs["d_loss"][0] == pytest.approx(
            logs["supervised_loss"][0] + 0.5 * logs["unsupervised_loss"][0], rel=1e-5
        )

    def test_a_label_out_of_range_stops_fit_before_any_weight_moves(self):
        images, labels = _easy_data(100)
        gan = _ssgan(seed=2)
        bad = labels[:10].copy()
        bad[0] = _CLASSES
        dataset = tf.data.Dataset.from_tensors((images[:50], (images[:10], bad)))
        before = [w.copy() for w in gan.get_weights()]
        with pytest.raises(ValueError) as excinfo:
            gan.fit(dataset, epochs=1, verbose=0)
        assert isinstance(excinfo.value, keras_gan.callbacks.BadBatchError)
        assert _one_line_value_error(excinfo).startswith(
            "Labels outside [0, 3): batch 1 of epoch 1. Received: labels in [0, 3] for num_classes=3."
        )
        for after, was in zip(gan.get_weights(), before):
            assert np.array_equal(after, was)

    def test_bad_models_and_arguments_are_refused(self):
        generator, discriminator = _small_pair()
        one_logit = keras_gan.models.mlp_discriminator(_SHAPE, hidden_units=(8,))
        cases = [
            (lambda: ss.SemiSupervisedGAN(generator, one_logit), "discriminator", "Received: a discriminator with output shape (None, 1)"),
            (lambda: ss.SemiSupervisedGAN(generator, discriminator, feature_layer="nope"), "feature_layer", "Received: feature_layer='nope'"),
            (lambda: ss.SemiSupervisedGAN(generator, discriminator, r1_weight=1.0), "r1_weight", "Received: r1_weight=1.0"),
            (lambda: _ssgan(loss="hinge"), "loss", "Received: loss='hinge'"),
            (lambda: ss.SemiSupervisedGAN(generator, discriminator, classifier_ema_decay=1.0),
             "classifier_ema_decay", "Received: classifier_ema_decay=1.0"),
        ]
        inputs = keras.Input(_SHAPE)
        no_logit = keras.Model(inputs, keras.layers.Dense(3, name="scores")(keras.layers.Flatten()(inputs)))
        cases.append((lambda: ss.SemiSupervisedGAN(generator, no_logit), "feature_layer", "Received: feature_layer=None"))
        for build, argument, received in cases:
            with pytest.raises(ValueError) as excinfo:
                build()
            message = _one_line_value_error(excinfo)
            assert message.startswith(f"Invalid value for argument `{argument}`. {received}"), message
            assert "Expected" in message
