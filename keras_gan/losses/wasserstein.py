"""`Wasserstein`: the Wasserstein GAN's critic game (Arjovsky et al., 2017)."""

import keras
from keras import ops

from keras_gan.losses.game import Game


@keras.saving.register_keras_serializable(package="keras_gan")
class Wasserstein(Game):
    """The Wasserstein game: D is a critic whose mean gap estimates the W1 distance.

    Arjovsky, Chintala and Bottou (2017). By Kantorovich-Rubinstein duality,
    `W1(p_data, p_g) = sup over 1-Lipschitz f of E f(x) - E f(G(z))`; the
    critic D ascends that gap and the generator descends it:

        d_loss = E D(G(z)) - E D(x)
        g_loss = -E D(G(z))

    `D` is the raw output (no sigmoid: there are no probabilities in this
    game) and every expectation a minibatch mean; D's loss is the
    difference of its two halves. The duality needs D to be (about)
    1-Lipschitz, which this loss does not enforce: pair it with
    `keras_gan.losses.GradientPenalty` (WGAN-GP, Gulrajani et al., 2017).
    Without a constraint the critic's outputs grow without bound.
    Diagnostics: `real_score = E D(x)` and `fake_score = E D(G(z))`; their
    difference, `-d_loss`, is the critic's estimate of W1 (only the
    difference is meaningful: the critic's offset is free).

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="wasserstein",
                regularizer=keras_gan.losses.GradientPenalty(10.0))
    ```
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(fake_logits) - ops.mean(real_logits)

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)
