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
from keras_gan.generator import Generator
from keras_gan.generator import generate_examples


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
    same batch on one device. `keras_gan.data.training_pipeline` builds
    such batches. Labels, if the dataset has them, are ignored, unless the
    GAN is conditional.

    Conditional GANs (the paper's p(x | c), section 7): with `num_classes`,
    G takes `[z, labels]` and D takes `[x, labels]` (build both with
    `keras_gan.models.*(num_classes=...)`), batches are `(images, labels)`
    with integer labels, each discriminator update takes its real examples'
    own labels, and every generated example gets a fresh label drawn
    uniformly over the classes.

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

    A conditional GAN on `(image, label)` batches:

    ```python
    generator = keras_gan.models.mnist_generator(num_classes=10, data_mean=mean)
    discriminator = keras_gan.models.mnist_discriminator(num_classes=10)
    gan = keras_gan.GAN(generator, discriminator, num_classes=10)
    gan.compile(d_optimizer=..., g_optimizer=...)
    gan.fit(keras_gan.data.training_pipeline(images_and_labels, 100), epochs=5)
    digits = gan.generate(20, labels=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] * 2, seed=0)
    ```

    Args:
        generator: `keras.Model` from noise `[batch, latent_dim]` (and labels)
            to examples. A functional model is wrapped in a
            `keras_gan.Generator` sharing its layers, which records the prior
            and the number of classes, so the generator saved alone knows them.
        discriminator: `keras.Model` from examples (and labels) to logits
            `[batch, 1]`.
        latent_prior: `"uniform"` (on [-sqrt 3, sqrt 3], the original code's),
            `"gaussian"`, `"spherical"`, or a callable `prior(shape, seed)`.
            Default: the generator's own, if it is a `Generator` with one,
            else `"uniform"`.
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
        num_classes: Optional int, the number of classes of a conditional
            GAN. Default: the generator's, if it is a conditional `Generator`.
        **kwargs: Base `keras.Model` arguments, such as `name`.
    """

    # How many inputs D takes after the examples (and a conditional GAN's
    # labels): a subclass's D may take more, such as BiGAN's codes z.
    _extra_discriminator_inputs = 0

    def __init__(
        self,
        generator,
        discriminator,
        latent_prior=None,
        discriminator_steps=1,
        latent_dim=None,
        r1_weight=0.0,
        real_label=1.0,
        instance_noise=0.0,
        ema_decay=None,
        seed=None,
        num_classes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        num_classes = _num_classes(generator, discriminator, num_classes, self._extra_discriminator_inputs)
        latent_prior = _latent_prior(generator, latent_prior)
        generator = _as_generator(generator, latent_prior, num_classes)
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
        self.latent_prior = latent_prior
        self.num_classes = num_classes
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
            self.ema_generator = _clone(generator, f"{generator.name}_ema")
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
        if "steps_per_execution" in kwargs:
            validation.check_positive_int("steps_per_execution", kwargs["steps_per_execution"])
        game = self._resolve_game(loss, generator_loss)
        resolved_regularizer = self._resolve_regularizer(regularizer)
        super().compile(optimizer=None, **kwargs)
        _check_steps_per_execution(self.steps_per_execution, self.distribute_strategy)
        d_optimizer, g_optimizer = keras.optimizers.get(d_optimizer), keras.optimizers.get(g_optimizer)
        # The compile config keeps these: a loss scale follows the policy.
        object.__setattr__(self, "_given_optimizers", (d_optimizer, g_optimizer))
        # Under mixed float16 each player's optimizer scales its loss, as
        # `keras.Model.compile` does for one model (`distribute.loss_scaled`).
        self.d_optimizer = distribute.loss_scaled(d_optimizer, self.discriminator)
        self.g_optimizer = distribute.loss_scaled(g_optimizer, self.generator)
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
            self._batch_checks = BatchChecks(value_range, self.discriminator_steps, self.num_classes)

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
    def example_shape(self):
        """The shape of one example, `(height, width, channels)` for images."""
        inputs = getattr(self.discriminator, "inputs", None)
        if inputs:
            return tuple(inputs[0].shape[1:])
        return tuple(self.discriminator.input_shape[1:])  # A subclassed model, built.

    @property
    def sampling_generator(self):
        """The generator used for samples: the moving average when enabled."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, inputs, training=False):
        """Generates examples from noise `z` (`[z, labels]` if conditional), with the sampling generator."""
        return self.sampling_generator(inputs, training=training)

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
        batch = self._step_batch(data)
        k = self.discriminator_steps
        # A batch with NaN or Inf, far out of range, with labels out of range
        # or not divisible by k makes no update; the DataGuard then says why.
        usable, non_finite = self._check_batch(batch, training=True)

        def algorithm_1(batch):
            # Each part [k * m, ...] -> k minibatches of m; update i takes rows i, i + k, ...
            parts = {name: _minibatches(part, k) for name, part in batch.items()}
            batch_size = ops.shape(parts["real"])[0]
            for step in range(k):
                # 1. Sample m noise vectors (and their labels); 2. take this
                # update's own m real examples (and theirs); 3. ascend
                # V(D, G): descend the game's D loss.
                minibatch = {name: part[:, step] for name, part in parts.items()}
                self._discriminator_update(minibatch, self._fakes_to_draw(batch_size))
            # 4. Sample fresh noise; 5. descend the game's generator loss.
            self._generator_update(self._fakes_to_draw(batch_size), minibatch)
            # 6. Follow the generator with its moving average, if any.
            if self.ema_generator is not None:
                self._update_ema()

        distribute.run_if(usable, algorithm_1, batch)
        self._report_non_finite(non_finite)
        return self._logs()

    def test_step(self, data):
        batch = self._step_batch(data)
        self._check_batch(batch, training=False)
        real, labels = batch["real"], batch.get("labels")
        if labels is not None:
            # Evaluation has no update to withhold: keep a bad label's lookup
            # valid until the DataGuard reports it.
            labels = ops.clip(labels, 0, self.num_classes - 1)
        generator_inputs, fake_labels = self._fakes_to_draw(ops.shape(real)[0])
        fake = self.generator(generator_inputs, training=False)
        _check_fits(fake, real)
        real_logits, fake_logits, penalty = self._discriminator_outputs(
            real, fake, (labels, fake_labels), training=False
        )
        d_loss = self.game.discriminator_loss(real_logits, fake_logits)
        self._record_discriminator(d_loss, real_logits, fake_logits, penalty)
        self._trackers["g_loss"].update_state(self.game.generator_loss(fake_logits))
        return self._logs()

    def _step_batch(self, data):
        """The parts of a step's batch, each `[k * m_part, ...]` and split k ways.

        `{"real": examples}`, with `"labels"` for a conditional GAN. A
        subclass reading more from a batch (a labelled part, say) adds
        parts here; each discriminator update gets its own rows of every
        part (`_discriminator_update`'s `minibatch`).
        """
        real, labels = self._real_examples(data)
        return {"real": real} if labels is None else {"real": real, "labels": labels}

    def _check_batch(self, batch, training):
        """`BatchChecks.check` on a step's batch: `(usable, non_finite)`."""
        return self._batch_checks.check(batch["real"], training=training, labels=batch.get("labels"))

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Everything is built in __init__ and compile. Under a strategy Keras
        # would draw a batch to build the model: a throwaway pass over the
        # dataset that moves a reshuffling dataset to its next order, so the
        # same seed would train on another order than without a strategy.
        return

    def _discriminator_update(self, minibatch, fakes):
        """One update of D on a real minibatch (`_step_batch`'s parts) and the fakes to draw."""
        real, fake, labels = self._discriminator_inputs(minibatch, fakes)

        def loss():
            real_logits, fake_logits, penalty = self._discriminator_outputs(real, fake, labels, training=True)
            game_loss = self.game.discriminator_loss(real_logits, fake_logits)
            return game_loss + penalty, game_loss, real_logits, fake_logits, penalty

        outputs = self._descend(self.d_optimizer, self.discriminator.trainable_weights, loss)
        self._record_discriminator(*outputs)

    def _discriminator_inputs(self, minibatch, fakes):
        """What one D update judges: `(real, fake, (real_labels, fake_labels))`, the fakes drawn here."""
        real = minibatch["real"]
        generator_inputs, fake_labels = fakes
        fake = self.generator(generator_inputs, training=True)
        _check_fits(fake, real)
        return real, fake, (minibatch.get("labels"), fake_labels)

    def _generator_update(self, fakes, minibatch):
        """One update of G on the fakes to draw; `minibatch` is the last D update's real one.

        The paper's generator loss does not read real data; a subclass's
        may (feature matching, an encoder's loss on real examples).
        """
        del minibatch
        generator_inputs, fake_labels = fakes

        def loss():
            fake = self.generator(generator_inputs, training=True)
            (fake_logits,) = self._discriminate(fake, labels=(fake_labels,))
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
            scaled = distribute.scale_loss(optimizer, total)
        gradients = tape.gradient(scaled, weights)
        optimizer.apply_gradients(zip(gradients, weights))
        return outputs

    def _discriminator_outputs(self, real, fake, labels, training):
        """D's logits on real and generated examples, and the regulariser's penalty.

        `labels` is `(real labels, fake labels)`, both `None` unless conditional.
        """
        discriminate = functools.partial(self._discriminate, labels=labels, training=training)
        if self.regularizer is None:
            return (*discriminate(real, fake), 0.0)
        loss_scale = distribute.loss_scale(self.d_optimizer)
        return self.regularizer.logits_and_penalty(
            discriminate, real, fake, seed=self.seed_generator, loss_scale=loss_scale
        )

    def _discriminate(self, *batches, labels=(None,), training=True):
        """D's logits on each batch, from one forward pass over all of them.

        Args:
            *batches: Tensors of examples.
            labels: For a conditional GAN, the labels of the first batches;
                a batch beyond them (the gradient penalty's interpolates
                between real and generated examples) takes the first
                batch's labels, the real ones. Ignored otherwise.
            training: Bool, whether D runs in training mode.

        Returns:
            A tuple of logits, one per batch.
        """
        # One forward pass over all batches: larger matrix products are faster.
        inputs = ops.concatenate(batches, axis=0)
        if training:
            inputs = self._add_instance_noise(inputs)
        if self.num_classes is not None:
            batch_labels = [labels[i] if i < len(labels) else labels[0] for i in range(len(batches))]
            inputs = [inputs, ops.concatenate(batch_labels, axis=0)]
        # Logits, and so the losses, in float32 under a mixed precision policy.
        logits = ops.cast(self.discriminator(inputs, training=training), "float32")
        outputs, start = [], 0
        for batch in batches:
            end = start + ops.shape(batch)[0]
            outputs.append(logits[start:end])
            start = end
        return tuple(outputs)

    def _logits_with_r1(self, real, fake):
        return losses.R1(self.r1_weight).logits_and_penalty(self._discriminate, real, fake)

    def _fakes_to_draw(self, batch_size):
        """What the generator is given for `batch_size` fakes, and their labels.

        Returns:
            `(generator inputs, labels)`: fresh noise, or `[noise, labels]`
            with fresh uniform labels for a conditional GAN (labels `None`
            otherwise).
        """
        noise = self._replica_noise(batch_size)
        if self.num_classes is None:
            return noise, None
        labels = distribute.replica_sample(
            lambda shape: keras.random.randint(shape, 0, self.num_classes, dtype="int32", seed=self.seed_generator),
            (batch_size,),
        )
        return [noise, labels], labels

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
        """The batch's real examples, and its labels for a conditional GAN (else `None`)."""
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(real, (tuple, list, dict)):
            raise ValueError(
                "Each batch must be one tensor of real examples"
                + (", with a tensor of labels" if self.num_classes else "")
                + f". Received: a {type(real).__name__}. Map the dataset to "
                + ("(image, label) pairs." if self.num_classes else
                   "the images alone, e.g. `dataset.map(lambda image, label: image)`.")
            )
        real = ops.convert_to_tensor(real)
        if "float" not in keras.backend.standardize_dtype(real.dtype):
            raise ValueError(
                f"Real examples must be floats in the generator's output range. "
                f"Received: dtype={real.dtype}. Convert them first, e.g. "
                "`images / 255` for [0, 1] (keras_gan.data.load does this)."
            )
        expected = self.example_shape
        if tuple(real.shape[1:]) != expected:
            raise ValueError(
                "Real examples do not fit the discriminator. "
                f"Received: examples of shape {tuple(real.shape[1:])}. "
                f"Expected: {expected}."
            )
        if self.num_classes is None:
            return ops.cast(real, self.compute_dtype), None
        return ops.cast(real, self.compute_dtype), _labels_tensor(labels, self.num_classes)

    def sample_latent(self, num_samples, seed=None):
        """Draws `num_samples` noise vectors from the prior.

        Args:
            num_samples: Positive int.
            seed: Optional int. The same seed gives the same noise.

        Returns:
            A tensor of shape `[num_samples, latent_dim]`.
        """
        return self.latent_prior((int(num_samples), self.latent_dim), seed=seed)

    def generate(self, num_samples, seed=None, batch_size=1000, labels=None):
        """Generates `num_samples` examples with the sampling generator.

        Example:

        >>> images = gan.generate(16, seed=0)   # same seed, same images
        >>> digits = conditional_gan.generate(10, labels=range(10), seed=0)

        Args:
            num_samples: Positive int.
            seed: Optional int. The same seed gives the same samples.
            batch_size: Int, how many samples to generate at once.
            labels: For a conditional GAN, `num_samples` class labels, or
                `None` to draw them uniformly. `None` otherwise.

        Returns:
            A NumPy array of shape `[num_samples, *example_shape]`.
        """
        return generate_examples(
            self.sampling_generator,
            self.latent_prior,
            self.latent_dim,
            self.num_classes,
            num_samples,
            labels=labels,
            seed=seed,
            batch_size=batch_size,
        )

    def get_config(self):
        config = {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_prior": priors.serialize(self.latent_prior),
            "num_classes": self.num_classes,
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
        config["latent_prior"] = priors.deserialize(config["latent_prior"])
        return cls(**config)

    def get_compile_config(self):
        if not self.compiled:
            return None
        d_optimizer, g_optimizer = self._given_optimizers
        return {
            "d_optimizer": keras.saving.serialize_keras_object(d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(g_optimizer),
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


def _minibatches(values, k):
    """`[k * m, ...]` -> `[m, k, ...]`: minibatch i is `[:, i]`, rows i, i + k, ..."""
    return ops.reshape(_whole_minibatches(values, k), (-1, k, *values.shape[1:]))


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
        accepted = tuple(discriminator.inputs[0].shape[1:])
    except (AttributeError, ValueError, TypeError):
        return  # Subclassed models that are not built yet: checked on data.
    if produced != accepted:
        raise ValueError(
            "The generator's output does not fit the discriminator's input. "
            f"Received: generator output shape {produced}, discriminator input "
            f"shape {accepted}. Expected them to be equal."
        )


def _latent_dim(generator, latent_dim):
    try:
        inferred = generator.inputs[0].shape[-1]
    except (AttributeError, ValueError, TypeError):
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


def _num_inputs(model):
    try:
        return len(model.inputs)
    except (AttributeError, TypeError):
        return None  # A subclassed model that is not built yet.


def _num_classes(generator, discriminator, num_classes, extra_discriminator_inputs=0):
    """The GAN's number of classes: the argument's, else the generator's; checked against both models.

    `extra_discriminator_inputs` counts D's inputs besides the examples and
    the labels: a subclass's own, such as BiGAN's codes z.
    """
    own = getattr(generator, "num_classes", None) if isinstance(generator, Generator) else None
    if num_classes is None:
        num_classes = own
    elif own is not None and own != num_classes:
        raise ValueError(
            f"Invalid value for argument `num_classes`. Received: num_classes={num_classes!r} "
            f"for a generator built with num_classes={own}. Expected them to be equal."
        )
    if num_classes is not None:
        validation.check_int_at_least("num_classes", num_classes, 2)
    expected = 1 if num_classes is None else 2
    players = (("generator", generator, 0), ("discriminator", discriminator, extra_discriminator_inputs))
    for name, model, extra in players:
        inputs = _num_inputs(model)
        if inputs is not None and inputs - extra != expected:
            conditional = "a conditional" if num_classes else "an unconditional"
            raise ValueError(
                f"The {name} takes {inputs} inputs, but the GAN is {conditional} one "
                f"(num_classes={num_classes}). Expected {expected} input"
                + (f"s: the {'noise' if name == 'generator' else 'examples'} and integer labels. "
                   "Build both models with the same `num_classes`." if expected == 2 else
                   f". Pass `num_classes=` to the GAN for a conditional {name}.")
            )
    return None if num_classes is None else int(num_classes)


def _latent_prior(generator, latent_prior):
    """The GAN's prior: the argument's, else the generator's own, else uniform."""
    own = getattr(generator, "latent_prior", None) if isinstance(generator, Generator) else None
    if latent_prior is None:
        return own or priors.uniform
    resolved = priors.get(latent_prior)
    if own is not None and own is not resolved:
        raise ValueError(
            f"Invalid value for argument `latent_prior`. Received: latent_prior={latent_prior!r} "
            f"for a generator trained with the {priors.name_of(own) or own!r} prior. Expected "
            "the generator's prior, or latent_prior=None."
        )
    return resolved


def _as_generator(model, latent_prior, num_classes):
    """A functional generator as a `Generator` that records the prior (the model itself if it is one).

    A subclassed generator has no graph to wrap: it is used as it is, and
    the GAN alone knows its prior.
    """
    if isinstance(model, Generator):
        model.latent_prior = latent_prior
        return model
    if _num_inputs(model) is None or not isinstance(model, keras.Model) or not model.outputs:
        return model
    return Generator.wrap(model, latent_prior, num_classes)


def _clone(generator, name):
    """A copy of the generator with its weights (for the moving average)."""
    if isinstance(generator, Generator):
        return generator.clone(name=name)
    clone = keras.models.clone_model(generator)
    clone.name = name
    clone.set_weights(generator.get_weights())
    return clone


def _labels_tensor(labels, num_classes):
    """A conditional batch's labels as int32 `[batch]`, or a one-line error at tracing."""
    if labels is None:
        raise ValueError(
            f"A conditional GAN (num_classes={num_classes}) trains on (examples, labels) "
            "batches. Received: batches of examples alone. Expected a dataset of "
            "(image, integer label) pairs, or `fit(x, y)`."
        )
    return validation.integer_labels(labels, num_classes)
