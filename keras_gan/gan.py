"""`GAN`: the adversarial pair as one `keras.Model`, trained by Algorithm 1."""

import functools
import inspect
import numbers

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan import distribute
from keras_gan import losses
from keras_gan import priors
from keras_gan import validation
from keras_gan.callbacks.data_guard import BatchChecks
from keras_gan.callbacks.data_guard import DataGuard
from keras_gan.callbacks.non_finite_guard import NonFiniteGuard


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(keras.Model):
    """A generator and a discriminator trained by the paper's Algorithm 1.

    Each `train_step` makes `discriminator_steps` (k) discriminator updates,
    each on its own real minibatch and fresh noise, then one generator update
    on fresh noise. `fit` is therefore the whole training loop. The game the
    players play (`keras_gan.losses`: the paper's `NonSaturating` by default,
    `Minimax`, `Hinge`, `LeastSquares`, `Wasserstein`) and an optional
    penalty on the discriminator (`R1`, `GradientPenalty`) are chosen in
    `compile`.

    Data contract: every batch the dataset yields holds `k * m` real examples
    (m is the minibatch size). Discriminator update `i` uses examples
    `i, i + k, i + 2k, ...`, so no real example is used twice in a step. The
    strided split keeps a batch sharded across replicas equivalent to the
    same batch on one device. Labels, if the dataset has them, are ignored.
    `keras_gan.data.training_pipeline` builds such batches.

    Bad data stops `fit` with a one-line `keras_gan.callbacks.BadBatchError`
    before it updates any weight: NaN or Inf in a batch, values far outside
    the generator's output range (0..255 pixels for a sigmoid generator), a
    first batch that does not split into k minibatches. A later batch that
    does not (the last, partial one) is left out with a warning, as
    `training_pipeline` leaves out a remainder; no data at all is an error.
    `fit` and `evaluate` add a `keras_gan.callbacks.DataGuard` for this.

    `evaluate(real_data)` and `fit(..., validation_data=real_data)` report
    the training logs on held-out real data with fresh noise, with dropout
    off, updating no weight. `predict` and `call` generate from noise.

    The discriminator must return logits: `D(x) = sigmoid(logit)` in the
    paper's games, the raw critic value in the others. An output layer with
    a sigmoid or softmax is refused.

    Example:

    ```python
    generator = keras_gan.models.mnist_generator(data_mean=x_train.mean(0))
    discriminator = keras_gan.models.mnist_discriminator()
    gan = keras_gan.GAN(generator, discriminator, latent_prior="uniform")
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
    )
    gan.fit(dataset.batch(100), epochs=5, validation_data=x_val)
    images = gan.generate(16, seed=0)
    ```

    Args:
        generator: `keras.Model` from noise `[batch, latent_dim]` to examples.
        discriminator: `keras.Model` from examples to logits `[batch, 1]`.
        latent_prior: `"uniform"` (on [-sqrt 3, sqrt 3], the original code's),
            `"gaussian"`, `"spherical"`, or a callable `prior(shape, seed)`.
        discriminator_steps: Positive int, the paper's k.
        latent_dim: Int; inferred from the generator when it is built.
        r1_weight: Non-negative float. Weight `gamma` of the zero-centred
            gradient penalty on real data, `gamma / 2 * E ||grad_x D(x)||^2`
            (Mescheder et al., 2018). 0 disables it (the paper). The same as
            `compile(regularizer=keras_gan.losses.R1(gamma))`.
        real_label: Float in (0, 1], the discriminator's target for real data;
            below 1 is one-sided label smoothing. 1 is the paper. Passed to
            the paper's games (`NonSaturating(real_label=...)`).
        instance_noise: Non-negative float, the standard deviation of Gaussian
            noise added to every discriminator input during training.
        ema_decay: Optional float in [0, 1). When set, an exponential moving
            average of the generator's weights is kept and used for sampling;
            its decay at generator step t is `min(ema_decay, (1 + t) / (10 + t))`.
        seed: Optional int seed of the noise.
        **kwargs: Base `keras.Model` arguments, such as `name`.
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_prior="uniform",
        discriminator_steps=1,
        latent_dim=None,
        r1_weight=0.0,
        real_label=1.0,
        instance_noise=0.0,
        ema_decay=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_models(generator, discriminator)
        if (
            not isinstance(discriminator_steps, (int, np.integer))
            or isinstance(discriminator_steps, bool)
            or discriminator_steps < 1
        ):
            raise ValueError(
                "Invalid value for argument `discriminator_steps`. "
                f"Received: discriminator_steps={discriminator_steps!r}. "
                "Expected a positive integer (the paper's k; it used k=1)."
            )
        _check_range("r1_weight", r1_weight, 0.0, None)
        _check_range("instance_noise", instance_noise, 0.0, None)
        if not isinstance(real_label, numbers.Real) or not 0.0 < real_label <= 1.0:
            raise ValueError(
                f"Invalid value for argument `real_label`. Received: real_label={real_label!r}. "
                "Expected a float in (0, 1]."
            )
        if ema_decay is not None:
            _check_range("ema_decay", ema_decay, 0.0, 1.0)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_prior = priors.get(latent_prior)
        self.discriminator_steps = int(discriminator_steps)
        self.latent_dim = _latent_dim(generator, latent_dim)
        self.r1_weight = float(r1_weight)
        self.real_label = float(real_label)
        self.instance_noise = float(instance_noise)
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.ema_generator = None
        if self.ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.name = f"{generator.name}_ema"
            self.ema_generator.set_weights(generator.get_weights())
        # Until `compile` chooses: the paper's game, and R1 if r1_weight asks for it.
        self._set_game(
            losses.game_from_generator_loss("non_saturating", self.real_label),
            losses.R1(self.r1_weight) if self.r1_weight else None,
        )
        self._compiled_regularizer = None
        self._batch_checks = None
        # The generator and discriminator arrive built; nothing else has weights.
        self.built = True

    def compile(
        self,
        d_optimizer,
        g_optimizer,
        loss=None,
        regularizer=None,
        generator_loss=None,
        **kwargs,
    ):
        """Configures the pair for training: optimizers, the game and a penalty.

        Example:

        ```python
        gan.compile(
            d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            loss="wasserstein",
            regularizer=keras_gan.losses.GradientPenalty(10.0),
        )
        ```

        Args:
            d_optimizer: The discriminator's optimizer (instance or name).
            g_optimizer: The generator's optimizer (instance or name).
            loss: The game, a `keras_gan.losses.Game` or its name
                (`keras_gan.losses.GAMES`). Default: `"non_saturating"`, the
                paper's (with the GAN's `real_label`).
            regularizer: Optional penalty on the discriminator, a
                `keras_gan.losses.Regularizer` or its name
                (`keras_gan.losses.REGULARIZERS`). Default: `R1(r1_weight)`
                when the GAN has an `r1_weight`, else none.
            generator_loss: The earlier way to choose the paper's game:
                `"non_saturating"`, `"minimax"`, or a callable
                `loss(fake_logits)` played against the paper's discriminator
                loss. Not together with `loss`.
            **kwargs: Other `keras.Model.compile` arguments, such as
                `jit_compile` and `steps_per_execution` (1 under a mirrored
                strategy with several replicas, where Keras cannot run more:
                keras-team/keras#19246). `optimizer` and `metrics` are not
                accepted: the GAN defines its own.
        """
        for argument in ("optimizer", "metrics"):
            if argument in kwargs:
                raise ValueError(
                    f"`GAN.compile` does not take `{argument}`. Received: {argument}="
                    f"{kwargs[argument]!r}. Pass `d_optimizer`, `g_optimizer` and "
                    "`loss` (the game) instead."
                )
        game = self._resolve_game(loss, generator_loss)
        resolved_regularizer = self._resolve_regularizer(regularizer)
        super().compile(optimizer=None, **kwargs)
        _check_steps_per_execution(self.steps_per_execution, self.distribute_strategy)
        self.d_optimizer = keras.optimizers.get(d_optimizer)
        self.g_optimizer = keras.optimizers.get(g_optimizer)
        for name, model in (("generator", self.generator), ("discriminator", self.discriminator)):
            _check_built(name, model, self.latent_dim)
        for name, optimizer in (("d_optimizer", self.d_optimizer), ("g_optimizer", self.g_optimizer)):
            _check_learning_rate(name, optimizer)
        self._compiled_regularizer = regularizer and resolved_regularizer
        # Built here, under the caller's strategy scope: slots created lazily
        # inside a distributed step would be created per replica, in a cond.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        with self.distribute_strategy.scope():
            self._set_game(game, resolved_regularizer)
            value_range, _ = validation.output_range(self.generator)
            self._batch_checks = BatchChecks(value_range, self.discriminator_steps)

    def _resolve_game(self, loss, generator_loss):
        if loss is None:
            return losses.game_from_generator_loss(
                "non_saturating" if generator_loss is None else generator_loss, self.real_label
            )
        if generator_loss is not None:
            raise ValueError(
                "`loss` and `generator_loss` both choose the game. Received: "
                f"loss={loss!r}, generator_loss={generator_loss!r}. Expected one of them."
            )
        try:
            game = losses.get(loss)
        except ValueError:
            game = None
        if not isinstance(game, losses.Game):
            raise ValueError(
                "`GAN.compile` does not take `loss` as a Keras loss: `loss` is the game "
                f"both players play. Received: loss={loss!r}. Expected one of "
                f"{list(losses.GAMES)} or a `keras_gan.losses.Game`."
            )
        if isinstance(loss, str) and isinstance(game, losses.CrossEntropyGame):
            return type(game)(real_label=self.real_label)
        if self.real_label != 1.0 and getattr(game, "real_label", None) != self.real_label:
            raise ValueError(
                f"`GAN(real_label={self.real_label})` does not apply to loss={game!r}. "
                f"Received: real_label={self.real_label}. Expected real_label=1.0, or a game "
                "with that label, e.g. `NonSaturating(real_label=...)`."
            )
        return game

    def _resolve_regularizer(self, regularizer):
        if regularizer is None:
            return losses.R1(self.r1_weight) if self.r1_weight else None
        try:
            resolved = losses.get(regularizer)
        except ValueError:
            resolved = None
        if not isinstance(resolved, losses.Regularizer):
            raise ValueError(
                f"Invalid value for argument `regularizer`. Received: regularizer={regularizer!r}. "
                f"Expected None, one of {list(losses.REGULARIZERS)} or a "
                "`keras_gan.losses.Regularizer`."
            )
        if self.r1_weight:
            raise ValueError(
                f"`GAN(r1_weight={self.r1_weight})` already adds an R1 penalty. Received: "
                f"regularizer={resolved!r}. Expected one of them: r1_weight=0, or no regularizer."
            )
        return resolved

    def _set_game(self, game, regularizer):
        """Sets the game and the penalty, and one `Mean` tracker per reported quantity."""
        self.game = game
        self.regularizer = regularizer
        names = ["d_loss", "g_loss", *game.diagnostic_names]
        if regularizer is not None:
            names.append(regularizer.name)
        # Kept out of Keras' tracking: they hold no state worth saving, and
        # `metrics` lists them for Keras to reset and report.
        object.__setattr__(
            self, "_trackers", {name: keras.metrics.Mean(name=name) for name in names}
        )

    @property
    def metrics(self):
        return list(self._trackers.values())

    @property
    def generator_loss(self):
        """The game's generator loss, `loss(fake_logits)` (use `gan.game`)."""
        return self.game.generator_loss

    @property
    def sampling_generator(self):
        """The generator used for samples: the moving average when enabled."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, z, training=False):
        """Generates examples from noise `z`, with the sampling generator."""
        return self.sampling_generator(z, training=training)

    def fit(self, *args, **kwargs):
        """`keras.Model.fit`, with a `keras_gan.callbacks.DataGuard` added."""
        args, kwargs = _with_data_guard(self, super().fit, args, kwargs)
        return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        """`keras.Model.evaluate` on real data, with a `DataGuard` added.

        Reports what training logs (the losses, the game's diagnostics, the
        penalty) on the given real examples against fresh generated ones,
        with dropout and instance noise off, updating no weight.
        """
        args, kwargs = _with_data_guard(self, super().evaluate, args, kwargs)
        return super().evaluate(*args, **kwargs)

    def train_step(self, data):
        real = self._real_examples(data)
        k = self.discriminator_steps
        # A batch with NaN or Inf, far out of range or not divisible by k
        # makes no update; the DataGuard callback then says why.
        usable, non_finite = self._batch_checks.check(real, training=True)

        def algorithm_1(real):
            # [k * m, ...] -> k minibatches of m; update i takes rows i, i + k, ...
            minibatches = ops.reshape(_whole_minibatches(real, k), (-1, k, *real.shape[1:]))
            batch_size = ops.shape(minibatches)[0]
            for step in range(k):
                # 1. Sample m noise vectors; 2. take this update's own m real
                # examples; 3. ascend V(D, G): descend the game's D loss.
                noise = self._replica_noise(batch_size)
                self._discriminator_update(minibatches[:, step], noise)
            # 4. Sample fresh noise; 5. descend the game's generator loss.
            self._generator_update(self._replica_noise(batch_size))
            # 6. Follow the generator with its moving average, if any.
            if self.ema_generator is not None:
                self._update_ema()

        distribute.run_if(usable, algorithm_1, real)
        self._report_non_finite(non_finite)
        return self._logs()

    def test_step(self, data):
        real = self._real_examples(data)
        self._batch_checks.check(real, training=False)
        fake = self.generator(self._replica_noise(ops.shape(real)[0]), training=False)
        _check_fits(fake, real)
        real_logits, fake_logits, penalty = self._discriminator_outputs(real, fake, training=False)
        d_loss = self.game.discriminator_loss(real_logits, fake_logits)
        self._record_discriminator(d_loss, real_logits, fake_logits, penalty)
        self._trackers["g_loss"].update_state(self.game.generator_loss(fake_logits))
        return self._logs()

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Everything is built in __init__ and compile. Under a strategy Keras
        # would draw a batch to build the model: a throwaway pass over the
        # dataset that moves a reshuffling dataset to its next order, so the
        # same seed would train on another order than without a strategy.
        return

    def _discriminator_update(self, real, noise):
        fake = self.generator(noise, training=True)
        _check_fits(fake, real)

        def loss():
            real_logits, fake_logits, penalty = self._discriminator_outputs(real, fake, training=True)
            game_loss = self.game.discriminator_loss(real_logits, fake_logits)
            return game_loss + penalty, game_loss, real_logits, fake_logits, penalty

        outputs = self._descend(self.d_optimizer, self.discriminator.trainable_weights, loss)
        self._record_discriminator(*outputs)

    def _generator_update(self, noise):
        def loss():
            fake = self.generator(noise, training=True)
            fake_logits = self.discriminator(self._add_instance_noise(fake), training=True)
            game_loss = self.game.generator_loss(fake_logits)
            return game_loss, game_loss

        (game_loss,) = self._descend(self.g_optimizer, self.generator.trainable_weights, loss)
        self._trackers["g_loss"].update_state(game_loss)

    def _descend(self, optimizer, weights, loss):
        """One gradient step of a player: the only place gradients are taken.

        Args:
            optimizer: The player's optimizer.
            weights: The player's trainable weights.
            loss: Callable returning `(loss to descend, *outputs)`.

        Returns:
            The outputs, a list.
        """
        with tf.GradientTape() as tape:
            total, *outputs = loss()
            scaled = distribute.replica_loss(total)
        gradients = tape.gradient(scaled, weights)
        optimizer.apply_gradients(zip(gradients, weights))
        return outputs

    def _discriminator_outputs(self, real, fake, training):
        """D's logits on real and generated examples, and the regulariser's penalty."""
        discriminate = functools.partial(self._discriminate, training=training)
        if self.regularizer is None:
            return (*discriminate(real, fake), 0.0)
        return self.regularizer.logits_and_penalty(discriminate, real, fake, seed=self.seed_generator)

    def _discriminate(self, *batches, training=True):
        # One forward pass over all batches: larger matrix products are faster.
        inputs = ops.concatenate(batches, axis=0)
        if training:
            inputs = self._add_instance_noise(inputs)
        logits = self.discriminator(inputs, training=training)
        outputs, start = [], 0
        for batch in batches:
            end = start + ops.shape(batch)[0]
            outputs.append(logits[start:end])
            start = end
        return tuple(outputs)

    def _logits_with_r1(self, real, fake):
        return losses.R1(self.r1_weight).logits_and_penalty(self._discriminate, real, fake)

    def _record_discriminator(self, d_loss, real_logits, fake_logits, penalty):
        self._trackers["d_loss"].update_state(d_loss)
        for name, value in self.game.diagnostics(real_logits, fake_logits).items():
            self._trackers[name].update_state(value)
        if self.regularizer is not None:
            self._trackers[self.regularizer.name].update_state(penalty)

    def _report_non_finite(self, non_finite):
        # A batch with NaN or Inf has no finite loss: the logs say so, as
        # computing it would have, for loss-watching callbacks.
        weight = ops.cast(non_finite, "float32")
        for name in ("d_loss", "g_loss"):
            self._trackers[name].update_state(ops.where(non_finite, np.nan, 0.0), sample_weight=weight)

    def _logs(self):
        return distribute.logs_for_reduction({metric.name: metric.result() for metric in self.metrics})

    def _add_instance_noise(self, inputs):
        if not self.instance_noise:
            return inputs
        return inputs + self.instance_noise * keras.random.normal(
            ops.shape(inputs), seed=self.seed_generator
        )

    def _replica_noise(self, batch_size):
        """Noise for this replica's share of the global minibatch (`distribute.replica_sample`)."""
        return distribute.replica_sample(
            lambda shape: self.latent_prior(shape, seed=self.seed_generator),
            (batch_size, self.latent_dim),
        )

    def _update_ema(self):
        # Warm-up as in tf.train.ExponentialMovingAverage(num_updates=...): a
        # full-strength average would keep the untrained weights for ~1/(1-decay)
        # steps; this one follows closely early and averages later.
        step = ops.cast(self.g_optimizer.iterations, "float32")
        decay = ops.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            if weight.trainable:
                average.assign(decay * average + (1.0 - decay) * weight)
            else:
                average.assign(weight)

    def _real_examples(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(real, (tuple, list, dict)):
            raise ValueError(
                "Each batch must be one tensor of real examples. Received: a "
                f"{type(real).__name__}. Map the dataset to the images alone, "
                "e.g. `dataset.map(lambda image, label: image)`."
            )
        real = ops.convert_to_tensor(real)
        if "float" not in keras.backend.standardize_dtype(real.dtype):
            raise ValueError(
                f"Real examples must be floats in the generator's output range. "
                f"Received: dtype={real.dtype}. Convert them first, e.g. "
                "`images / 255` for [0, 1] (keras_gan.data.load does this)."
            )
        expected = tuple(self.discriminator.input_shape[1:])
        if tuple(real.shape[1:]) != expected:
            raise ValueError(
                "Real examples do not fit the discriminator. "
                f"Received: examples of shape {tuple(real.shape[1:])}. "
                f"Expected: {expected}."
            )
        return ops.cast(real, self.compute_dtype)

    def sample_latent(self, num_samples, seed=None):
        """Draws `num_samples` noise vectors from the prior.

        Args:
            num_samples: Positive int.
            seed: Optional int. The same seed gives the same noise.

        Returns:
            A tensor of shape `[num_samples, latent_dim]`.
        """
        return self.latent_prior((int(num_samples), self.latent_dim), seed=seed)

    def generate(self, num_samples, seed=None, batch_size=1000):
        """Generates `num_samples` examples with the sampling generator.

        Example:

        >>> images = gan.generate(16, seed=0)   # same seed, same images

        Args:
            num_samples: Positive int.
            seed: Optional int. The same seed gives the same samples.
            batch_size: Int, how many samples to generate at once.

        Returns:
            A NumPy array of shape `[num_samples, *example_shape]`.
        """
        if not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise ValueError(
                "Invalid value for argument `num_samples`. "
                f"Received: num_samples={num_samples!r}. Expected a positive integer."
            )
        noise = self.sample_latent(num_samples, seed=seed)
        return self.sampling_generator.predict(noise, batch_size=batch_size, verbose=0)

    def get_config(self):
        prior_name = priors.name_of(self.latent_prior)
        config = {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_prior": prior_name
            or keras.saving.serialize_keras_object(self.latent_prior),
            "discriminator_steps": self.discriminator_steps,
            "latent_dim": self.latent_dim,
            "r1_weight": self.r1_weight,
            "real_label": self.real_label,
            "instance_noise": self.instance_noise,
            "ema_decay": self.ema_decay,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        if isinstance(config["latent_prior"], dict):
            config["latent_prior"] = keras.saving.deserialize_keras_object(config["latent_prior"])
        return cls(**config)

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "loss": losses.serialize(self.game),
            # Only what `compile` was given: `r1_weight` is in the GAN's config.
            "regularizer": self._compiled_regularizer
            and losses.serialize(self._compiled_regularizer),
            "jit_compile": self.jit_compile,
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        # Files written before games were objects name a `generator_loss`.
        if isinstance(config.get("generator_loss"), dict):
            config["generator_loss"] = keras.saving.deserialize_keras_object(config["generator_loss"])
        self.compile(**config)


def _with_data_guard(gan, method, args, kwargs):
    """`(args, kwargs)` of `fit` or `evaluate` with a `DataGuard` in the callbacks.

    It goes first, or right after a `NonFiniteGuard` placed first, and is not
    added twice (`fit` passes its callbacks on to `evaluate`).
    """
    bound = inspect.signature(method).bind(*args, **kwargs)
    callbacks = bound.arguments.get("callbacks")
    existing = callbacks.callbacks if isinstance(callbacks, keras.callbacks.CallbackList) else callbacks
    existing = list(existing or [])
    if not any(isinstance(callback, DataGuard) for callback in existing):
        guard = DataGuard()
        position = 1 if existing and isinstance(existing[0], NonFiniteGuard) else 0
        if isinstance(callbacks, keras.callbacks.CallbackList):
            guard.set_model(gan)
            callbacks.callbacks.insert(position, guard)
        else:
            bound.arguments["callbacks"] = existing[:position] + [guard] + existing[position:]
    return bound.args, bound.kwargs


def _whole_minibatches(real, k):
    """The first `k * (n // k)` rows: all of them whenever the batch is usable.

    A batch whose size is not a multiple of k makes no update (see
    `BatchChecks`), but its step is still traced: the slice keeps the
    reshape into k minibatches valid for any static size.
    """
    size = real.shape[0]
    if size is not None and size % k == 0:
        return real
    return real[: (ops.shape(real)[0] // k) * k]


def _check_fits(fake, real):
    if tuple(fake.shape[1:]) != tuple(real.shape[1:]):
        raise ValueError(
            "The generator's output does not fit the discriminator's input. "
            f"Received: generated examples of shape {tuple(fake.shape[1:])}, real "
            f"examples of shape {tuple(real.shape[1:])}. Expected them to be equal."
        )


def _check_built(name, model, latent_dim):
    if not model.built:
        example = f"keras.ops.zeros((1, {latent_dim}))" if name == "generator" else "a batch of examples"
        raise ValueError(
            f"The {name} is not built, so it has no weights to optimize yet. Received: an "
            f"unbuilt {type(model).__name__}. Build it before `compile`, e.g. by calling it on "
            f"{example}, or give it an `Input`."
        )


def _check_steps_per_execution(steps_per_execution, strategy):
    # Keras' multi-step loop fails at the first step with several mirrored
    # replicas ("You must feed a value for placeholder tensor"): say so now.
    mirrored = (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy)
    if steps_per_execution > 1 and isinstance(strategy, mirrored) and strategy.num_replicas_in_sync > 1:
        raise ValueError(
            "steps_per_execution > 1 does not run on several mirrored replicas in Keras "
            f"{keras.__version__} (keras-team/keras#19246). Received: steps_per_execution="
            f"{steps_per_execution} with {strategy.num_replicas_in_sync} replicas. "
            "Expected steps_per_execution=1 under this strategy."
        )


def _check_learning_rate(name, optimizer):
    # 0 is allowed: it freezes that player (e.g. to train D against a fixed G).
    rate = float(ops.convert_to_numpy(optimizer.learning_rate))
    if not rate >= 0:
        raise ValueError(
            f"Invalid learning rate of `{name}`. Received: learning_rate={rate}. "
            "Expected a float >= 0 (a negative rate ascends the player's own loss)."
        )


def _check_range(name, value, low, high):
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_number or value < low or (high is not None and value >= high):
        bound = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(
            f"Invalid value for argument `{name}`. Received: {name}={value!r}. "
            f"Expected a float {bound}."
        )


def _check_models(generator, discriminator):
    for name, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"Invalid value for argument `{name}`. Received: {name} of type "
                f"{type(model).__name__}. Expected a `keras.Model`."
            )
    validation.check_returns_logits(discriminator)
    try:
        produced = tuple(generator.output_shape[1:])
        accepted = tuple(discriminator.input_shape[1:])
    except (AttributeError, ValueError):
        return  # Subclassed models that are not built yet: checked on data.
    if produced != accepted:
        raise ValueError(
            "The generator's output does not fit the discriminator's input. "
            f"Received: generator output shape {produced}, discriminator input "
            f"shape {accepted}. Expected them to be equal."
        )


def _latent_dim(generator, latent_dim):
    try:
        inferred = generator.input_shape[-1]
    except (AttributeError, ValueError):
        inferred = None
    if latent_dim is None:
        if inferred is None:
            raise ValueError(
                "Cannot infer `latent_dim` from an unbuilt generator. "
                "Received: latent_dim=None. Pass `latent_dim=...`."
            )
        return int(inferred)
    if inferred is not None and int(latent_dim) != inferred:
        raise ValueError(
            f"Invalid value for argument `latent_dim`. Received: latent_dim={latent_dim}, "
            f"but the generator takes inputs of size {inferred}."
        )
    return int(latent_dim)
