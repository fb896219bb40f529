"""`LeastSquares`: the least-squares GAN (Mao et al., 2017)."""

import keras
from keras import ops

from keras_gan.losses.game import Game


@keras.saving.register_keras_serializable(package="keras_gan")
class LeastSquares(Game):
    """The least-squares game: D regresses real to 1 and generated to 0; G pulls toward 1.

    Mao et al. (2017), "Least Squares Generative Adversarial Networks",
    equation 2 with the 0-1 coding `a = 0` (generated), `b = 1` (real),
    `c = 1` (the value G wants D to believe):

        d_loss = 0.5 * E (D(x) - 1)^2 + 0.5 * E D(G(z))^2
        g_loss = 0.5 * E (D(G(z)) - 1)^2

    `D` is the raw, linear output (no sigmoid) and every expectation a
    minibatch mean. D's loss is half the SUM of its two squared errors, the
    paper's 1/2 factors; it is therefore the mean of the two halves too.
    Unlike the paper's cross-entropy, the squared error still moves samples
    that D already classifies correctly but that lie far from the data.
    Diagnostics: `real_score = E D(x)` (tends to 1 for a winning D) and
    `fake_score = E D(G(z))` (tends to 0).

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="least_squares")
    ```
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return 0.5 * ops.mean(ops.square(real_logits - 1.0)) + 0.5 * ops.mean(ops.square(fake_logits))

    def generator_loss(self, fake_logits):
        return 0.5 * ops.mean(ops.square(fake_logits - 1.0))
