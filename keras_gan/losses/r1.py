"""`R1`: the zero-centred gradient penalty on real data (Mescheder et al., 2018)."""

import keras
import tensorflow as tf
from keras import ops

from keras_gan.losses.regularizer import Regularizer
from keras_gan.losses.regularizer import input_gradients
from keras_gan.losses.regularizer import squared_norms


@keras.saving.register_keras_serializable(package="keras_gan")
class R1(Regularizer):
    """Penalises the discriminator's input gradient on real data: `gamma / 2 * E ||grad_x D(x)||^2`.

    Mescheder, Geiger and Nowozin (2018), "Which Training Methods for GANs do
    actually Converge?": with it, simultaneous gradient descent converges
    locally to the equilibrium where plain GAN training oscillates. `D(x)`
    is the raw output (the logit), `x` runs over the update's real
    minibatch, and `E` is the minibatch mean of each example's squared
    gradient norm. Logged as `r1_penalty` (already multiplied by gamma / 2).

    The gradient comes from the same forward pass as the game's loss: the
    real and generated examples go through D once, together.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, regularizer=keras_gan.losses.R1(10.0))
    ```

    Args:
        weight: Non-negative float, gamma. 10 is the usual image setting;
            `GAN(r1_weight=gamma)` builds this regulariser.
    """

    name = "r1_penalty"

    def __init__(self, weight=10.0):
        super().__init__(weight)

    def logits_and_penalty(self, discriminate, real, fake, seed=None, loss_scale=None):
        with tf.GradientTape() as tape:
            tape.watch(real)
            real_logits, fake_logits = discriminate(real, fake)
        gradients = input_gradients(tape, real_logits, real, loss_scale)
        penalty = 0.5 * self.weight * ops.mean(squared_norms(gradients))
        return real_logits, fake_logits, penalty
