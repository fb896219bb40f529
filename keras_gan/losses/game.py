"""`Game`: the base class of the adversarial games, both players' losses in one object."""

from keras import ops

from keras_gan.losses.config_object import ConfigObject


class Game(ConfigObject):
    """The two halves of an adversarial game, written on the discriminator's outputs.

    The discriminator returns one unbounded number per example, `l = D(x)`
    (called logits throughout `keras_gan`). A game says what the two players
    minimise, as functions of those outputs:

    - `discriminator_loss(real_logits, fake_logits)`: what the discriminator
      descends, on a minibatch of real examples and one of generated ones;
    - `generator_loss(fake_logits)`: what the generator descends.

    It also names the diagnostics it can report (`diagnostic_names`) and
    computes them from the same outputs (`diagnostics`). The base class
    reports the mean outputs on real and generated examples, `real_score`
    and `fake_score`: every game has them. The paper's games replace them by
    the probabilities `d_real = E D(x)`, `d_fake = E D(G(z))` and the value
    `V(D, G)`, which only they define.

    Every loss is a mean over the minibatch, so it does not depend on m.

    A new game is a subclass implementing the two losses, registered with
    `keras.saving.register_keras_serializable(package="keras_gan")`, plus one
    line in `keras_gan.losses.ALL_OBJECTS`. `GAN.compile(loss=...)` then
    takes it by name or as an object, and `.keras` files restore it.

    Example:

    ```python
    game = keras_gan.losses.get("hinge")
    d_loss = game.discriminator_loss(real_logits, fake_logits)
    g_loss = game.generator_loss(fake_logits)
    ```
    """

    diagnostic_names = ("real_score", "fake_score")

    def discriminator_loss(self, real_logits, fake_logits):
        """The discriminator's loss on one minibatch of each kind.

        Args:
            real_logits: Tensor `[m, 1]`, D's outputs on real examples.
            fake_logits: Tensor `[m, 1]`, D's outputs on generated examples.

        Returns:
            A scalar tensor.
        """
        raise NotImplementedError

    def generator_loss(self, fake_logits):
        """The generator's loss on one minibatch of generated examples.

        Args:
            fake_logits: Tensor `[m, 1]`, D's outputs on generated examples.

        Returns:
            A scalar tensor.
        """
        raise NotImplementedError

    def diagnostics(self, real_logits, fake_logits):
        """The game's diagnostics on one minibatch of each kind.

        Args:
            real_logits: Tensor `[m, 1]`, D's outputs on real examples.
            fake_logits: Tensor `[m, 1]`, D's outputs on generated examples.

        Returns:
            A dict from each of `diagnostic_names` to a scalar tensor.
        """
        return {"real_score": ops.mean(real_logits), "fake_score": ops.mean(fake_logits)}
