"""`BiGAN`: a generator and an encoder trained together against a discriminator of pairs."""

import keras
import numpy as np
from keras import ops

from keras_gan import distribute
from keras_gan import losses
from keras_gan.gan import GAN
from keras_gan.gan import _check_learning_rate
from keras_gan.generator import Generator
from keras_gan.inference import InferenceNet


@keras.saving.register_keras_serializable(package="keras_gan")
class BiGAN(GAN):
    """BiGAN / ALI: G maps z to x, E maps x to z, and D tells `(x, E(x))` from `(G(z), z)`.

    Donahue, Krahenbuhl and Darrell (2017), "Adversarial Feature Learning";
    Dumoulin et al. (2017), "Adversarially Learned Inference". The joint
    alternative to the paper's inference net learned after G
    (`keras_gan.inference.InferenceNet`): E is trained with G, in the same
    game. D sees pairs: real ones `(x, E(x))`, x from the data, and
    generated ones `(G(z), z)`, z from the prior. At the optimum the two
    joint distributions are equal, so E inverts G (`E = G^-1` almost
    everywhere; BiGAN, Theorem 2), and `G(E(x))` reconstructs x.

    Training is `keras_gan.GAN`'s: the same `fit` and Algorithm 1's step
    (k discriminator updates, then the players' update), the same
    `DataGuard` checks, games, moving average of G and instance noise. Each
    discriminator update descends the game's D loss with the real pairs as
    real and the generated pairs as fake (E runs in training mode, but as a
    fixed map: only D's weights move). Then G and E make one update each,
    against the same D, on the step's last real minibatch and fresh noise.

    The players' losses. With `r = D(x, E(x))` and `f = D(G(z), z)`, G
    descends the game's generator loss on its pairs, `generator_loss(f)`,
    exactly as in a GAN; E descends the same loss on its pairs' logits
    mirrored, `generator_loss(c - r)`, where the mirror `l -> c - l` swaps
    D's targets for real and generated examples (`c = 1` for
    `LeastSquares`, whose targets are 1 and 0; `c = 0` for the other
    games, whose losses treat real and fake symmetrically about 0). So E
    pushes real pairs toward "generated" with the force G pushes generated
    pairs toward "real". G's loss does not depend on E nor E's on G, so the
    two updates are the joint update of `(G, E)` on the sum. For each game
    of `keras_gan.losses.GAMES`:

    - `non_saturating`: `softplus(-f) + softplus(r)`, BiGAN's loss with
      the labels inverted (its section 3.4), the non-saturating form the
      BiGAN and ALI code trains.
    - `minimax`: `-softplus(f) - softplus(-r) = E log(1 - D(G(z), z)) +
      E log D(x, E(x)) = V(D, E, G)`: G and E descend exactly what D
      ascends, BiGAN's equation 3.
    - `wasserstein`: `r - f = -d_loss`, the exact minimax of the critic.
    - `hinge`: `r - f`, the linear loss of the hinge game's generator on
      both sides, as BigBiGAN (Donahue and Simonyan, 2019) trains E and G.
    - `least_squares`: `0.5 (f - 1)^2 + 0.5 r^2`: G regresses D's output on
      its pairs to the real code 1 (LSGAN's c = b), E on its pairs to the
      generated code 0.

    The BiGAN papers' "swap the labels of D's loss" would be D's own loss
    with its arguments exchanged: the same for the non-saturating game (at
    half the scale) and for least squares, but it would silently turn the
    minimax game into the non-saturating one, give the hinge game's G a
    margin beyond which it learns nothing, and ignore a generator loss
    given to `compile`.

    `g_loss` and `e_loss` are reported (each player's loss, their sum the
    joint one), with `d_loss`, the game's diagnostics on the pairs (the
    paper's games: `d_real = E D(x, E(x))`, `d_fake = E D(G(z), z)`) and the
    penalty. A penalty (`R1`, `GradientPenalty`) takes D's gradient
    with respect to its whole input, the pair: R1 penalizes
    `||grad_x D||^2 + ||grad_z D||^2` at real pairs, the gradient penalty
    is taken at points between a real pair and a generated one, x and z
    interpolated together. Instance noise is added to x, not to z.

    After training, `encode(x)` is E(x) and `reconstruct(x)` is G(E(x))
    (with G itself, E's partner, not its moving average); `inference_net`
    measures how well E inverts G (`r_squared`).

    Not supported: a conditional GAN (`num_classes`). Batches are as for
    an unconditional `GAN`: real examples alone.

    Example:

    ```python
    generator = keras_gan.models.mnist_generator(latent_dim=50, data_mean=x_train.mean(0))
    discriminator = keras_gan.models.mnist_bigan_discriminator(latent_dim=50)
    encoder = keras_gan.inference.mnist_encoder(latent_dim=50)
    bigan = keras_gan.BiGAN(generator, discriminator, encoder, seed=0)
    bigan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )  # E gets an Adam of its own, with G's settings.
    bigan.fit(dataset.batch(100), epochs=20, validation_data=x_val)
    codes = bigan.encode(x_test)               # [n, 50]
    reconstructions = bigan.reconstruct(x_test)
    ```

    Args:
        generator: Unconditional `keras.Model` from noise `[batch,
            latent_dim]` to examples, as for `keras_gan.GAN`.
        discriminator: Functional `keras.Model` from `[examples, z]` (two
            inputs, in that order) to logits `[batch, 1]`, such as
            `keras_gan.models.mnist_bigan_discriminator`.
        encoder: Functional `keras.Model` from examples (the generator's
            output shape) to `[batch, latent_dim]`, such as
            `keras_gan.inference.mnist_encoder`.
        **kwargs: The other arguments of `keras_gan.GAN` (`latent_prior`,
            `discriminator_steps`, `r1_weight`, `real_label`,
            `instance_noise`, `ema_decay`, `seed`, `name`, ...), except
            `num_classes`.
    """

    _extra_discriminator_inputs = 1

    def __init__(self, generator, discriminator, encoder, **kwargs):
        num_classes = kwargs.get("num_classes")
        if num_classes is None and isinstance(generator, Generator):
            num_classes = generator.num_classes
        if num_classes is not None:
            raise ValueError(
                f"Invalid value for argument `num_classes`. Received: num_classes={num_classes!r}. "
                "Expected None: a BiGAN is unconditional (build the generator without `num_classes`)."
            )
        _check_pair_input_count(discriminator)
        super().__init__(generator, discriminator, **kwargs)
        _check_code_input(discriminator, self.latent_dim)
        # The encode/reconstruct helpers, over G and E themselves; its
        # construction checks E against G's shapes. Kept out of Keras'
        # tracking: G's and E's weights are saved once, as the BiGAN's.
        object.__setattr__(self, "_inference_net", InferenceNet(self.generator, encoder, name="inference_net"))
        self.encoder = encoder
        object.__setattr__(self, "_given_e_optimizer", None)

    def compile(self, d_optimizer, g_optimizer, e_optimizer=None, loss=None, regularizer=None, **kwargs):
        """Configures training: the three players' optimizers, the game and a penalty.

        Example:

        ```python
        bigan.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss="wasserstein",
            regularizer=keras_gan.losses.GradientPenalty(10.0),
        )
        ```

        Args:
            d_optimizer: The discriminator's optimizer (instance or name).
            g_optimizer: The generator's optimizer (instance or name).
            e_optimizer: The encoder's optimizer (instance or name). Default:
                a new optimizer with `g_optimizer`'s settings, so G and E
                update as one optimizer over both would (Adam and SGD act
                on each weight alone; a global clipping norm would not).
            loss: The game, as for `keras_gan.GAN.compile`.
            regularizer: Optional penalty on D, taken on the pairs (see
                the class docstring).
            **kwargs: The other arguments of `keras_gan.GAN.compile`
                (`generator_loss`, `jit_compile`, `steps_per_execution`, ...).
        """
        super().compile(d_optimizer, g_optimizer, loss=loss, regularizer=regularizer, **kwargs)
        if e_optimizer is None:
            _, given_g_optimizer = self._given_optimizers
            e_optimizer = keras.optimizers.deserialize(keras.optimizers.serialize(given_g_optimizer))
        else:
            e_optimizer = keras.optimizers.get(e_optimizer)
        object.__setattr__(self, "_given_e_optimizer", e_optimizer)
        self.e_optimizer = distribute.loss_scaled(e_optimizer, self.encoder)
        _check_learning_rate("e_optimizer", self.e_optimizer)
        # Under the caller's strategy scope, as `GAN.compile` builds D's and G's.
        self.e_optimizer.build(self.encoder.trainable_variables)

    @property
    def inference_net(self):
        """A `keras_gan.inference.InferenceNet` of this BiGAN's G and E, sharing their weights.

        Its `r_squared(n)` is the share of z's variance E recovers from
        G(z): 1 when E inverts G, the BiGAN optimum.
        """
        return self._inference_net

    @property
    def mirror_center(self):
        """Float c: E's loss is the game's generator loss of `c - D(x, E(x))` (see the class docstring)."""
        return 1.0 if isinstance(self.game, losses.LeastSquares) else 0.0

    def encode(self, x, batch_size=1000):
        """Maps examples to their codes, E(x) (see `InferenceNet.encode`).

        Example:

        >>> z = bigan.encode(x_test[:10])   # [10, latent_dim]

        Args:
            x: Float examples `[n, *example_shape]` in the generator's
                output range.
            batch_size: Int, how many examples to encode at once.

        Returns:
            A float32 NumPy array `[n, latent_dim]`.
        """
        return self._inference_net.encode(x, batch_size=batch_size)

    def reconstruct(self, x, batch_size=1000):
        """Maps examples through the encoder and back through the generator: G(E(x)).

        Uses G itself, the generator E was trained with, not its moving
        average.

        Example:

        >>> reconstructions = bigan.reconstruct(x_test[:10])

        Args:
            x: Float examples `[n, *example_shape]`.
            batch_size: Int, how many examples to process at once.

        Returns:
            A NumPy array `[n, *example_shape]`.
        """
        return self._inference_net.reconstruct(x, batch_size=batch_size)

    def test_step(self, data):
        batch = self._step_batch(data)
        self._check_batch(batch, training=False)
        real = batch["real"]
        noise, _ = self._fakes_to_draw(ops.shape(real)[0])
        fake = self.generator(noise, training=False)
        code = self.encoder(real, training=False)
        real_logits, fake_logits, penalty = self._discriminator_outputs(
            self._pair(real, code), self._pair(fake, noise), (None, None), training=False
        )
        d_loss = self.game.discriminator_loss(real_logits, fake_logits)
        self._record_discriminator(d_loss, real_logits, fake_logits, penalty)
        self._trackers["g_loss"].update_state(self.game.generator_loss(fake_logits))
        self._trackers["e_loss"].update_state(self._encoder_loss(real_logits))
        return self._logs()

    def _set_game(self, game, regularizer):
        super()._set_game(game, regularizer)
        # The encoder's loss, reported next to the generator's.
        trackers = {}
        for name, tracker in self._trackers.items():
            trackers[name] = tracker
            if name == "g_loss":
                trackers["e_loss"] = keras.metrics.Mean(name="e_loss")
        object.__setattr__(self, "_trackers", trackers)

    def _discriminator_inputs(self, minibatch, fakes):
        """Real pairs `(x, E(x))` and generated pairs `(G(z), z)`, for one update of D."""
        real = minibatch["real"]
        noise, _ = fakes
        fake = self.generator(noise, training=True)
        # E in training mode, as G is, but a fixed map here: its output is data for D.
        code = ops.stop_gradient(self.encoder(real, training=True))
        return self._pair(real, code), self._pair(fake, noise), (None, None)

    def _generator_update(self, fakes, minibatch):
        """One update of G on fresh pairs `(G(z), z)` and one of E on the minibatch's `(x, E(x))`."""
        noise, _ = fakes
        real = minibatch["real"]

        def generator_loss():
            fake = self.generator(noise, training=True)
            (fake_logits,) = self._discriminate(self._pair(fake, noise))
            game_loss = self.game.generator_loss(fake_logits)
            return game_loss, game_loss

        def encoder_loss():
            code = self.encoder(real, training=True)
            (real_logits,) = self._discriminate(self._pair(real, code))
            game_loss = self._encoder_loss(real_logits)
            return game_loss, game_loss

        # G's loss does not read E, nor E's G: two updates against the same D
        # are the joint update of (G, E).
        (g_loss,) = self._descend(self.g_optimizer, self.generator.trainable_weights, generator_loss)
        (e_loss,) = self._descend(self.e_optimizer, self.encoder.trainable_weights, encoder_loss)
        self._trackers["g_loss"].update_state(g_loss)
        self._trackers["e_loss"].update_state(e_loss)

    def _encoder_loss(self, real_logits):
        """The game's generator loss of the real pairs' logits, mirrored: E's loss."""
        return self.game.generator_loss(self.mirror_center - real_logits)

    def _discriminate(self, *batches, labels=(None,), training=True):
        """D's logits on each batch of pairs (`_pair`), from one forward pass over all of them.

        The regularizers call this on pairs and on points between pairs; it
        splits each back into x (with instance noise in training) and z.
        """
        del labels  # Unconditional.
        pairs = ops.concatenate(batches, axis=0)
        size = int(np.prod(self.example_shape))
        x = ops.reshape(pairs[:, :size], (-1, *self.example_shape))
        z = pairs[:, size:]
        if training:
            x = self._add_instance_noise(x)
        # Logits, and so the losses, in float32 under a mixed precision policy.
        logits = ops.cast(self.discriminator([x, z], training=training), "float32")
        outputs, start = [], 0
        for batch in batches:
            end = start + ops.shape(batch)[0]
            outputs.append(logits[start:end])
            start = end
        return tuple(outputs)

    def _pair(self, x, z):
        """Examples and codes as one tensor `[m, example size + latent_dim]`, x flattened first.

        One tensor per pair lets the regularizers, written for one input,
        differentiate with respect to and interpolate both parts.
        """
        flat = ops.reshape(x, (ops.shape(x)[0], -1))
        return ops.concatenate([flat, ops.cast(z, flat.dtype)], axis=1)

    def _report_non_finite(self, non_finite):
        super()._report_non_finite(non_finite)
        weight = ops.cast(non_finite, "float32")
        self._trackers["e_loss"].update_state(ops.where(non_finite, np.nan, 0.0), sample_weight=weight)

    def get_config(self):
        config = {"encoder": keras.saving.serialize_keras_object(self.encoder)}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return super().from_config(config)

    def get_compile_config(self):
        config = super().get_compile_config()
        if config is None:
            return None
        return {**config, "e_optimizer": keras.saving.serialize_keras_object(self._given_e_optimizer)}

    def compile_from_config(self, config):
        config = dict(config)
        if "e_optimizer" in config:
            config["e_optimizer"] = keras.saving.deserialize_keras_object(config["e_optimizer"])
        super().compile_from_config(config)


def _check_pair_input_count(discriminator):
    inputs = getattr(discriminator, "inputs", None) if isinstance(discriminator, keras.Model) else None
    if not inputs or len(inputs) != 2:
        count = f"{len(inputs)} inputs" if inputs else "no inputs (not a functional model)"
        raise ValueError(
            f"Invalid value for argument `discriminator`. Received: a discriminator with {count}. "
            "Expected a functional keras.Model taking [examples, z], such as "
            "`keras_gan.models.mnist_bigan_discriminator`: a BiGAN's D judges (x, z) pairs."
        )


def _check_code_input(discriminator, latent_dim):
    shape = tuple(discriminator.inputs[1].shape[1:])
    if shape != (latent_dim,):
        raise ValueError(
            f"Invalid value for argument `discriminator`. Received: a second input of shape {shape}. "
            f"Expected ({latent_dim},): z, of the generator's latent_dim."
        )
