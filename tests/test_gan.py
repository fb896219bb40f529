"""Tests for keras_gan.GAN (Algorithm 1, remedies, saving, reproducibility).

The experiment configs (the paper's and `stable`) are tested in test_launchers.py.
"""

import contextlib
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
import processes
from keras_gan import losses, models, optimizers, schedules

_LATENT_DIM = 8
# float32's unit roundoff: one rounding moves a value by at most this fraction of itself.
_U = 2.0**-24
_SCRIPTS = processes.REPO / "tests" / "scripts"


def _numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def _mnist_pair(data_mean=None, seed=0, dropout=False):
    """The paper's MNIST architectures, shrunk to one hidden layer of 32 units."""
    generator = models.mnist_generator(
        latent_dim=_LATENT_DIM, data_mean=data_mean, hidden_units=(32,), seed=seed
    )
    discriminator = models.mnist_discriminator(
        hidden_units=(32,),
        pieces=2,
        input_dropout=0.2 if dropout else 0.0,
        hidden_dropout=0.5 if dropout else 0.0,
        seed=seed + 100,
    )
    return generator, discriminator


def _mlp_pair(example_shape=(28, 28, 1), seed=0, latent_dim=_LATENT_DIM):
    """Glorot-initialised MLPs: large enough weights that one update visibly moves them."""
    generator = models.mlp_generator(
        latent_dim=latent_dim,
        output_shape=example_shape,
        hidden_units=(32,),
        output_activation="sigmoid",
        seed=seed,
    )
    discriminator = models.mlp_discriminator(
        input_shape=example_shape, hidden_units=(32,), seed=seed + 100
    )
    return generator, discriminator


def _compiled(generator, discriminator, generator_loss="non_saturating", rate=0.1, **options):
    gan = keras_gan.GAN(generator, discriminator, **{"seed": 0, **options})
    gan.compile(
        d_optimizer=keras.optimizers.SGD(rate, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(rate, momentum=0.5),
        generator_loss=generator_loss,
    )
    return gan


def _weights(gan):
    models_ = [gan.generator, gan.discriminator] + (
        [gan.ema_generator] if gan.ema_generator else []
    )
    return [w for model in models_ for w in model.get_weights()]


class TestArgumentValidation:
    @pytest.mark.parametrize(
        "options, match",
        [
            ({"discriminator_steps": 0}, "discriminator_steps=0.*positive integer"),
            ({"discriminator_steps": -2}, "discriminator_steps=-2"),
            ({"discriminator_steps": 1.5}, "discriminator_steps=1.5"),
            ({"discriminator_steps": True}, "discriminator_steps=True"),
            ({"discriminator_steps": "2"}, "discriminator_steps='2'"),
            ({"r1_weight": -1.0}, "r1_weight=-1.0"),
            ({"instance_noise": -0.1}, "instance_noise=-0.1"),
            ({"real_label": 0.0}, r"real_label=0.0.*\(0, 1\]"),
            ({"real_label": 1.5}, "real_label=1.5"),
            ({"real_label": "1"}, "real_label='1'"),
            ({"ema_decay": 1.0}, r"ema_decay=1.0.*\[0.0, 1.0\)"),
            ({"ema_decay": -0.5}, "ema_decay=-0.5"),
            ({"latent_prior": "normal"}, "latent_prior='normal'"),
            ({"latent_dim": 5}, "latent_dim=5.*size 8"),
        ],
    )
    def test_bad_options_are_value_errors_naming_the_argument(self, options, match):
        generator, discriminator = _mlp_pair((3,))
        with pytest.raises(ValueError, match=match):
            keras_gan.GAN(generator, discriminator, **options)

    @pytest.mark.parametrize(
        "options", [{"ema_decay": np.float32(0.9)}, {"r1_weight": np.float32(1)}]
    )
    def test_numpy_float_options_are_accepted(self, options):
        gan = keras_gan.GAN(*_mlp_pair((3,)), **options)
        name, value = next(iter(options.items()))
        assert getattr(gan, name) == float(value) and type(getattr(gan, name)) is float

    def test_generator_output_must_fit_the_discriminator_input(self):
        generator, _ = _mlp_pair((3,))
        _, discriminator = _mlp_pair((4,))
        with pytest.raises(ValueError, match=r"generator output shape \(3,\).*input shape \(4,\)"):
            keras_gan.GAN(generator, discriminator)

    def test_networks_must_be_keras_models(self):
        _, discriminator = _mlp_pair((3,))
        with pytest.raises(ValueError, match="`generator`.*Dense.*keras.Model"):
            keras_gan.GAN(keras.layers.Dense(3), discriminator)

    @pytest.mark.parametrize("argument", ["loss", "optimizer", "metrics"])
    def test_compile_rejects_keras_loss_optimizer_and_metrics(self, argument):
        gan = keras_gan.GAN(*_mlp_pair((3,)))
        with pytest.raises(ValueError, match=f"does not take `{argument}`.*Received: {argument}="):
            gan.compile(d_optimizer="sgd", g_optimizer="sgd", **{argument: "mse"})

    def test_compile_rejects_an_unknown_generator_loss(self):
        gan = keras_gan.GAN(*_mlp_pair((3,)))
        with pytest.raises(ValueError, match="generator_loss='wasserstein'"):
            gan.compile(d_optimizer="sgd", g_optimizer="sgd", generator_loss="wasserstein")

    def test_fit_rejects_integer_images(self, mnist_digits):
        gan = _compiled(*_mlp_pair())
        with pytest.raises(ValueError, match="floats.*Received: dtype=.*uint8"):
            gan.fit((mnist_digits[:8] * 255).astype("uint8"), batch_size=8, verbose=0)

    def test_fit_rejects_images_of_the_wrong_shape(self, mnist_digits):
        gan = _compiled(*_mlp_pair())
        with pytest.raises(
            ValueError, match=r"Received: examples of shape \(28, 28\).*Expected: \(28, 28, 1\)"
        ):
            gan.fit(mnist_digits[:8, :, :, 0], batch_size=8, verbose=0)

    def test_fit_rejects_structured_batches(self, mnist_digits):
        gan = _compiled(*_mlp_pair())
        dataset = tf.data.Dataset.from_tensor_slices({"image": mnist_digits[:8]}).batch(8)
        with pytest.raises(ValueError, match="one tensor of real examples.*dict"):
            gan.fit(dataset, verbose=0)

    @pytest.mark.parametrize("num_samples", [0, -1, 2.0])
    def test_generate_rejects_bad_counts(self, num_samples):
        gan = keras_gan.GAN(*_mlp_pair((3,)))
        with pytest.raises(ValueError, match=f"num_samples={num_samples}.*positive integer"):
            gan.generate(num_samples)


class TestUpdates:
    """One step of Algorithm 1 moves each player the right way, by the right amount.

    SGD's first step (momentum has no velocity yet) moves the weights by -lr * g,
    so to first order a quantity q changes by -lr * <grad q, g>. The remainder is
    O(lr^2): measured at lr = 0.1, 20% of the prediction for D's loss and 2% for
    D(G(z)). Between half and 1.5 times the prediction fails an update in the wrong
    direction, of another size (a doubled or missing rate) or on the other player.
    """

    _RATE = 0.1

    @pytest.fixture
    def setup(self, mnist_digits):
        def build(generator_loss="non_saturating"):
            gan = _compiled(*_mlp_pair(), generator_loss=generator_loss, rate=self._RATE)
            real = tf.constant(mnist_digits[:64])
            noise = gan.sample_latent(64, seed=1)
            return gan, real, noise

        return build

    @staticmethod
    def _d_loss(gan, real, noise):
        fake = gan.generator(noise)
        return losses.discriminator_loss(gan.discriminator(real), gan.discriminator(fake))

    @staticmethod
    def _d_of_g(gan, noise):
        return keras.ops.mean(keras.ops.sigmoid(gan.discriminator(gan.generator(noise))))

    def _predicted_change(self, quantity, loss, weights):
        """-lr * <grad quantity, grad loss> over `weights`, from callables of no arguments."""
        with tf.GradientTape(persistent=True) as tape:
            q, l = quantity(), loss()
        return -self._RATE * sum(
            float(tf.reduce_sum(a * b))
            for a, b in zip(tape.gradient(q, weights), tape.gradient(l, weights))
        )

    def test_discriminator_update_lowers_its_loss(self, setup):
        gan, real, noise = setup()
        def d_loss():
            return self._d_loss(gan, real, noise)

        predicted = self._predicted_change(d_loss, d_loss, gan.discriminator.trainable_weights)
        before = float(d_loss())
        generator_weights = gan.generator.get_weights()
        gan._discriminator_update({"real": real}, (noise, None))
        assert predicted < 0
        assert 0.5 * predicted > float(d_loss()) - before > 1.5 * predicted
        for old, new in zip(generator_weights, gan.generator.get_weights()):
            np.testing.assert_array_equal(old, new)

    @pytest.mark.parametrize("generator_loss", ["non_saturating", "minimax"])
    def test_generator_update_raises_d_of_g_of_z(self, setup, generator_loss):
        gan, _, noise = setup(generator_loss)
        predicted = self._predicted_change(
            lambda: self._d_of_g(gan, noise),
            lambda: gan.generator_loss(gan.discriminator(gan.generator(noise))),
            gan.generator.trainable_weights,
        )
        before = float(self._d_of_g(gan, noise))
        discriminator_weights = gan.discriminator.get_weights()
        gan._generator_update((noise, None), minibatch=None)
        assert predicted > 0
        assert 0.5 * predicted < float(self._d_of_g(gan, noise)) - before < 1.5 * predicted
        for old, new in zip(discriminator_weights, gan.discriminator.get_weights()):
            np.testing.assert_array_equal(old, new)

    def test_non_saturating_moves_the_generator_further_when_d_wins(self, setup):
        gains = {}
        for generator_loss in ("non_saturating", "minimax"):
            gan, _, noise = setup(generator_loss)
            before = float(self._d_of_g(gan, noise))
            # D rejects the samples. Per example, the losses' gradients in the logit are
            # -(1 - D) and -D: the non-saturating one is (1 - D) / D > 3 times larger.
            assert before < 0.25
            gan._generator_update((noise, None), minibatch=None)
            gains[generator_loss] = float(self._d_of_g(gan, noise)) - before
        assert gains["non_saturating"] > 3 * gains["minimax"] > 0


class _RecordingGAN(keras_gan.GAN):
    """Records the real minibatch and the noise of each discriminator update of a step."""

    def __init__(self, *args, minibatch_size, **kwargs):
        super().__init__(*args, **kwargs)
        k = self.discriminator_steps
        self.seen_real = tf.Variable(tf.zeros((k, minibatch_size, 1)), trainable=False)
        self.seen_noise = tf.Variable(
            tf.zeros((k, minibatch_size, self.latent_dim)), trainable=False
        )
        self.update_count = 0  # Counted while tracing: each trace makes k updates in order.

    def _discriminator_update(self, minibatch, fakes):
        index = self.update_count % self.discriminator_steps
        self.update_count += 1
        self.seen_real[index].assign(minibatch["real"])
        self.seen_noise[index].assign(fakes[0])
        super()._discriminator_update(minibatch, fakes)


class TestDiscriminatorSteps:
    @pytest.mark.parametrize("run_eagerly", [False, True], ids=["graph", "eager"])
    def test_each_of_k_updates_takes_its_own_strided_minibatch(self, run_eagerly):
        k, m = 3, 5
        gan = _RecordingGAN(*_mlp_pair((1,)), discriminator_steps=k, minibatch_size=m, seed=0)
        gan.compile(d_optimizer="sgd", g_optimizer="sgd", run_eagerly=run_eagerly)
        examples = np.arange(k * m, dtype="float32").reshape(-1, 1)  # Example i holds the number i.
        gan.fit(examples, batch_size=k * m, shuffle=False, verbose=0)
        seen = gan.seen_real.numpy()[..., 0].astype(int)  # [k, m] example ids
        for i in range(k):
            np.testing.assert_array_equal(seen[i], np.arange(i, k * m, k))
        assert sorted(seen.reshape(-1)) == list(range(k * m))  # Disjoint, and all used.
        noise = gan.seen_noise.numpy()
        for i in range(k):
            for j in range(i):
                assert not np.allclose(noise[i], noise[j])  # Fresh noise for each update.

    def test_a_batch_not_divisible_by_k_is_a_value_error(self):
        gan = _compiled(*_mlp_pair((1,)), discriminator_steps=3)
        with pytest.raises(ValueError, match="batch of 10 with discriminator_steps=3"):
            gan.fit(np.zeros((10, 1), "float32"), batch_size=10, verbose=0)

    def test_a_dataset_batch_not_divisible_by_k_is_a_clear_error(self):
        gan = _compiled(*_mlp_pair((1,)), discriminator_steps=3)
        dataset = tf.data.Dataset.from_tensor_slices(np.zeros((10, 1), "float32")).batch(10)
        # Known only when the step runs, so a clear runtime assertion is also acceptable.
        errors = (ValueError, tf.errors.InvalidArgumentError)
        with pytest.raises(errors, match="discriminator_steps"):
            gan.fit(dataset, verbose=0)


def _normal_pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


class TestOptimalDiscriminator:
    def test_d_converges_to_pdata_over_pdata_plus_pg_for_a_fixed_generator(self):
        """Proposition 1 on pdata = N(0, 1) and pg = N(1.5, 0.7^2)."""
        keras.utils.set_random_seed(0)
        # G(z) = 0.7 z + 1.5 with gaussian z, frozen by a zero learning rate.
        z = keras.Input((1,))
        fixed = keras.layers.Dense(
            1,
            kernel_initializer=keras.initializers.Constant(0.7),
            bias_initializer=keras.initializers.Constant(1.5),
        )
        generator = keras.Model(z, fixed(z))
        discriminator = models.mlp_discriminator(input_shape=(1,), hidden_units=(32, 32), seed=0)
        gan = keras_gan.GAN(generator, discriminator, latent_prior="gaussian", seed=0)
        steps, batch_size = 500, 256
        gan.compile(
            d_optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-2, steps)),
            g_optimizer=keras.optimizers.SGD(0.0),
        )
        real = np.random.default_rng(0).normal(size=(steps * batch_size, 1)).astype("float32")
        gan.fit(real, batch_size=batch_size, shuffle=False, verbose=0)
        kernel, bias = generator.get_weights()
        # w - 0 * g is w: the frozen generator keeps its float32 weights exactly.
        assert (kernel.item(), bias.item()) == (float(np.float32(0.7)), 1.5)
        grid = np.linspace(-1.5, 2.5, 41, dtype="float32")[:, None]
        p_data, p_g = _normal_pdf(grid, 0.0, 1.0), _normal_pdf(grid, 1.5, 0.7)
        optimal = p_data / (p_data + p_g)
        assert optimal.min() < 0.2 and optimal.max() > 0.8  # The grid spans the interesting range.
        # A bound on what 500 Adam steps on 128,000 draws reach, not on rounding: measured
        # 0.014 under AVX-512, AVX2 and one thread; D = 1/2 everywhere would be 0.3 off.
        np.testing.assert_allclose(
            _numpy(keras.ops.sigmoid(discriminator(grid))), optimal, atol=0.05
        )


class TestRemedies:
    def test_ema_generator_is_the_moving_average_and_samples_come_from_it(self, mnist_digits):
        gan = _compiled(*_mlp_pair(), ema_decay=0.9)
        initial = gan.generator.get_weights()
        np.testing.assert_array_equal(gan.ema_generator.get_weights()[0], initial[0])
        gan.fit(mnist_digits[:32], batch_size=32, verbose=0)
        trained = gan.generator.get_weights()
        # One generator step: t = 1, so the warmed-up decay is min(0.9, 2 / 11).
        decay = min(0.9, 2 / 11)
        for average, old, new in zip(gan.ema_generator.get_weights(), initial, trained):
            # float32: decay and 1 - decay rounded (u each), two products and a sum: <= 5u of
            # |old| + |new| element-wise.
            np.testing.assert_array_less(
                np.abs(average - (decay * old + (1 - decay) * new)),
                5 * _U * (np.abs(old) + np.abs(new)) + np.finfo(np.float32).tiny,
            )
        assert gan.sampling_generator is gan.ema_generator
        noise = gan.sample_latent(4, seed=0)
        np.testing.assert_array_equal(_numpy(gan(noise)), _numpy(gan.ema_generator(noise)))
        assert not np.allclose(_numpy(gan(noise)), _numpy(gan.generator(noise)))

    def test_r1_penalty_of_a_linear_discriminator_is_half_gamma_times_squared_norm(self):
        generator, _ = _mlp_pair((3,))
        inputs = keras.Input((3,))
        linear = keras.layers.Dense(
            1, kernel_initializer=keras.initializers.Constant([[1.0], [-2.0], [0.5]])
        )
        gan = keras_gan.GAN(generator, keras.Model(inputs, linear(inputs)), r1_weight=4.0)
        real = tf.constant(np.random.default_rng(0).normal(size=(6, 3)).astype("float32"))
        _, _, penalty = gan._logits_with_r1(real, generator(gan.sample_latent(6, seed=0)))
        # grad_x D(x) = w for every x: 0.5 * 4 * (1 + 4 + 0.25). Every intermediate (w, its
        # squares, their sums, the mean of six 5.25s) is a short binary fraction: exact in float32.
        assert float(penalty) == 10.5

    def test_instance_noise_perturbs_discriminator_inputs_during_training_only(self):
        gan = keras_gan.GAN(*_mlp_pair((3,)), instance_noise=0.5, seed=0)
        inputs = tf.zeros((2000, 3))
        perturbed = _numpy(gan._add_instance_noise(inputs))
        # 6000 draws: the sample std's relative standard error is 1 / sqrt(2 * 6000) = 0.9%;
        # 5% is 5.5 of them (a std of 0.25 or 1 is far outside).
        np.testing.assert_allclose(perturbed.std(), 0.5, rtol=0.05)
        clean = keras_gan.GAN(*_mlp_pair((3,)))
        np.testing.assert_array_equal(_numpy(clean._add_instance_noise(inputs)), 0.0)


class _LogitRangeGAN(keras_gan.GAN):
    """Records the largest |logit| of any discriminator pass during training."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.largest_logit = tf.Variable(0.0, trainable=False)

    def _discriminate(self, *args, **kwargs):
        outputs = super()._discriminate(*args, **kwargs)
        largest = keras.ops.max(keras.ops.abs(keras.ops.concatenate(outputs, axis=0)))
        self.largest_logit.assign(keras.ops.maximum(self.largest_logit, largest))
        return outputs


class TestMetrics:
    @pytest.mark.parametrize("r1_weight", [0.0, 2.0])
    def test_fit_reports_finite_game_metrics(self, mnist_digits, r1_weight):
        generator, discriminator = _mnist_pair(mnist_digits.mean(0), dropout=True)
        gan = _LogitRangeGAN(generator, discriminator, r1_weight=r1_weight, seed=0)
        gan.compile(
            d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
            g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        )
        m, steps = 32, 4  # Minibatch, steps per epoch.
        history = gan.fit(mnist_digits[:128], batch_size=m, epochs=2, verbose=0).history
        expected = {"d_loss", "g_loss", "d_real", "d_fake", "value"} | (
            {"r1_penalty"} if r1_weight else set()
        )
        assert set(history) == expected
        for name, values in history.items():
            assert len(values) == 2 and np.all(np.isfinite(values)), name
        assert all(0 < p < 1 for p in history["d_real"] + history["d_fake"])
        if r1_weight:
            assert all(p > 0 for p in history["r1_penalty"])
        else:
            # V = -2 * d_loss at real_label=1: the trackers report the same updates. In float32,
            # per example softplus(l) - l and softplus(-l) agree to 9u(|l| + 2) (two softplus
            # within 4u, a subtraction), each m-term mean adds 2mu(|l| + 2), and the trackers'
            # sums over the epoch's steps 2 * steps * u * |V|.
            largest = float(gan.largest_logit.numpy())
            atol = (9 + 4 * m) * _U * (largest + 2) + 2 * steps * _U * np.abs(history["value"])
            assert largest < 1e3  # What makes the bound small: the net is far from saturation.
            np.testing.assert_array_less(
                np.abs(np.array(history["value"]) + 2 * np.array(history["d_loss"])), atol
            )


class TestSaving:
    @pytest.mark.parametrize(
        "options",
        [
            {},
            {
                "ema_decay": 0.5,
                "r1_weight": 0.5,
                "discriminator_steps": 2,
                "latent_prior": "spherical",
                "real_label": 0.9,
                "instance_noise": 0.1,
            },
        ],
        ids=["plain", "ema_r1_k2"],
    )
    def test_keras_file_round_trip(self, tmp_path, mnist_digits, options):
        gan = keras_gan.GAN(*_mnist_pair(mnist_digits.mean(0), dropout=True), seed=0, **options)
        # The paper's SGD: momentum and rate read from schedules.
        d_optimizer = optimizers.ScheduledMomentumSGD(
            learning_rate=schedules.ExponentialDecayWithFloor(0.1), momentum=schedules.LinearRamp(0.5, 0.7, 2, 500)
        )
        gan.compile(
            d_optimizer=d_optimizer,
            g_optimizer=keras.optimizers.Adam(1e-3),
            generator_loss="minimax",
        )
        gan.fit(mnist_digits[:64], batch_size=32, verbose=0)
        path = tmp_path / "gan.keras"
        gan.save(path)
        loaded = keras.saving.load_model(path)  # safe_mode=True by default.

        assert isinstance(loaded, keras_gan.GAN)
        config = {
            key: value
            for key, value in gan.get_config().items()
            if key not in ("generator", "discriminator")
        }
        assert {key: loaded.get_config()[key] for key in config} == config
        noise = gan.sample_latent(5, seed=3)
        for network in ("generator", "discriminator", "sampling_generator"):
            inputs = noise if network != "discriminator" else mnist_digits[:5]
            np.testing.assert_array_equal(
                _numpy(getattr(loaded, network)(inputs)), _numpy(getattr(gan, network)(inputs))
            )
        np.testing.assert_array_equal(loaded.generate(6, seed=0), gan.generate(6, seed=0))

        # Compiled, with the optimizers' state.
        assert loaded.compiled and loaded.generator_loss is losses.minimax_generator_loss
        assert isinstance(loaded.d_optimizer, optimizers.ScheduledMomentumSGD)
        assert isinstance(loaded.d_optimizer.momentum_schedule, schedules.LinearRamp)
        k = gan.discriminator_steps
        for name, updates_per_step in (("d_optimizer", k), ("g_optimizer", 1)):
            original, restored = getattr(gan, name), getattr(loaded, name)
            assert int(restored.iterations) == int(original.iterations) == 2 * updates_per_step
            assert len(restored.variables) == len(original.variables) > 1
            for a, b in zip(original.variables, restored.variables):
                np.testing.assert_array_equal(_numpy(a), _numpy(b))
        loaded.fit(mnist_digits[:64], batch_size=32, verbose=0)
        assert (
            int(loaded.d_optimizer.iterations) == 4 * k and int(loaded.g_optimizer.iterations) == 4
        )


class TestReproducibility:
    _OPTIONS = {"discriminator_steps": 2, "ema_decay": 0.9, "instance_noise": 0.1}

    @pytest.fixture(scope="class")
    @classmethod
    def trained(cls, mnist_digits):
        """Three independent builds, with dropout and every source of noise: seeds 7, 7 and 8."""
        runs = []
        for seed in (7, 7, 8):
            keras.utils.set_random_seed(seed)
            generator, discriminator = _mnist_pair(mnist_digits.mean(0), seed=seed, dropout=True)
            gan = _compiled(generator, discriminator, **{**cls._OPTIONS, "seed": seed})
            gan.fit(mnist_digits[:128], batch_size=32, shuffle=False, verbose=0)
            runs.append(_weights(gan))
        return runs

    def test_same_seed_same_weights(self, trained):
        first, second, _ = trained
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)

    def test_different_seed_different_weights(self, trained):
        first, _, other = trained
        differing = [not np.allclose(a, b) for a, b in zip(first, other)]
        assert sum(differing) >= len(differing) - 1  # Every array but perhaps one bias.

    def test_generate_with_a_seed_is_repeatable(self):
        gan = keras_gan.GAN(*_mlp_pair())
        same = [gan.generate(4, seed=0) for _ in range(2)]
        np.testing.assert_array_equal(*same)
        assert same[0].shape == (4, 28, 28, 1)
        assert not np.allclose(gan.generate(4, seed=1), same[0])
        np.testing.assert_array_equal(
            _numpy(gan.sample_latent(3, seed=5)), _numpy(gan.sample_latent(3, seed=5))
        )


@contextlib.contextmanager
def _float64_policy():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _float64_copy(model, build):
    """`build()` under a float64 dtype policy, holding `model`'s weights exactly."""
    with _float64_policy():
        copy = build()
    copy.set_weights([w.astype("float64") for w in model.get_weights()])
    return copy


def _fixed_noise(shape, seed=None):
    # Under XLA, TF's stateless RNG draws other numbers for the same seed, so
    # the noise is fixed here: what is compared is the step's arithmetic.
    return keras.ops.broadcast_to(keras.ops.linspace(-1.0, 1.0, shape[1]), shape)


class TestCompilation:
    """Compiled variants of one training run agree to within float32 rounding."""

    @staticmethod
    def _train(mnist_digits, generator, discriminator, **compile_options):
        float64 = generator.dtype_policy.name == "float64"
        with _float64_policy() if float64 else contextlib.nullcontext():
            gan = keras_gan.GAN(
                generator, discriminator, latent_prior=_fixed_noise, discriminator_steps=2,
                r1_weight=1.0, seed=0,
            )
            gan.compile(
                d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
                g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
                **compile_options,
            )
        batches = tf.data.Dataset.from_tensor_slices(mnist_digits[:384]).batch(64)
        gan.fit(batches, epochs=1, verbose=0, shuffle=False)
        assert int(gan.g_optimizer.iterations) == 6
        return [w for model in (generator, discriminator) for w in model.get_weights()]

    @pytest.fixture(scope="class")
    @classmethod
    def reference(cls, mnist_digits):
        """The plain graph's weights, the initial ones, and tolerances from a float64 rerun.

        A float64 run of the same updates from the same float32 initial weights is exact to
        ~1e-16 here, so |float32 - float64| measures this run's own float32 rounding, e.
        Another float32 program (fused differently, by XLA or in a loop) rounds as much in
        other places: within e of exact too, so the two differ by at most 2e; twice that
        covers the spread of the largest of e among each array's elements. One ulp is the
        floor (an array whose e happened to be tiny).
        """
        generator, discriminator = _mlp_pair()
        initial = generator.get_weights() + discriminator.get_weights()
        generator64 = _float64_copy(generator, lambda: _mlp_pair()[0])
        discriminator64 = _float64_copy(discriminator, lambda: _mlp_pair()[1])
        weights = cls._train(mnist_digits, generator, discriminator)
        weights64 = cls._train(mnist_digits, generator64, discriminator64)
        assert weights64[0].dtype == np.float64
        tolerances = [
            4 * np.abs(w - w64).max() + np.spacing(np.abs(w).max())
            for w, w64 in zip(weights, weights64)
        ]
        return weights, initial, tolerances

    def test_the_tolerances_resolve_far_less_than_training_moves(self, reference):
        weights, initial, tolerances = reference
        for w, w0, tolerance in zip(weights, initial, tolerances):
            # Different noise, a skipped update or a wrong penalty moves weights by ~the update.
            assert 0 < tolerance < 1e-3 * np.abs(w - w0).max()

    @pytest.mark.parametrize(
        "options",
        [{"jit_compile": True}, {"steps_per_execution": 3}],
        ids=["xla", "steps_per_execution"],
    )
    def test_compiled_variants_train_to_the_same_weights(self, mnist_digits, reference, options):
        expected, _, tolerances = reference
        actual = self._train(mnist_digits, *_mlp_pair(), **options)
        for a, b, tolerance in zip(actual, expected, tolerances):
            np.testing.assert_allclose(a, b, rtol=0, atol=tolerance)

    def test_steps_per_execution_keeps_the_weights_bit_for_bit(self, mnist_digits, tmp_path):
        # The launchers default to 10 steps per call; their results must not
        # depend on it. The paper's models, with dropout: noise and dropout
        # masks come from the seed generators, whose state must advance the
        # same way in the loop. Bitwise only under op determinism, which is
        # process-global: in a process of its own (tests/scripts/).
        np.savez(tmp_path / "digits.npz", digits=mnist_digits[:448])  # 7 batches: 4 + 3 with 4.
        result = processes.run_python(
            _SCRIPTS / "gan_steps_per_execution.py", tmp_path / "digits.npz", tmp_path / "weights.npz",
            1, 4, 10,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        with np.load(tmp_path / "weights.npz") as runs:
            runs = {key: runs[key] for key in runs.files}
        count = len(runs) // 3 - 1  # Arrays per setting, besides g_iterations.
        assert count == 12  # Kernels and biases of G's three and D's three layers.
        for setting in ("1", "4", "10"):
            assert runs[f"{setting}/g_iterations"] == 14  # 2 epochs of 7 batches.
        for setting in ("4", "10"):
            for i in range(count):
                np.testing.assert_array_equal(runs[f"{setting}/{i}"], runs[f"1/{i}"])
