"""`NonSaturating`: the game the paper trained, and `keras_gan`'s default."""

import keras
from keras import ops

from keras_gan.losses.cross_entropy_game import CrossEntropyGame


@keras.saving.register_keras_serializable(package="keras_gan")
class NonSaturating(CrossEntropyGame):
    """The paper's game with the generator maximising `log D(G(z))` (the default).

    Goodfellow et al. (2014), section 3: early in training D rejects the
    samples with confidence and `log(1 - D(G(z)))` saturates, so G is trained
    to maximise `log D(G(z))` instead: same fixed point, stronger gradients.
    The original code did this.

        d_loss = 0.5 * (BCE(D(x), real_label) + BCE(D(G(z)), 0))
        g_loss = BCE(D(G(z)), 1) = -E log D(G(z)) = E softplus(-l_fake)

    with `D = sigmoid(logit)` and every expectation a minibatch mean; D's
    loss averages its two halves (see `CrossEntropyGame`). Diagnostics:
    `d_real`, `d_fake` and the value `V(D, G)`.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss=keras_gan.losses.NonSaturating())
    ```

    Args:
        real_label: Float in (0, 1], D's target for real examples; below 1 is
            one-sided label smoothing. 1 is the paper.
    """

    @staticmethod
    def generator_loss(fake_logits):
        """`-E log D(G(z))`, the non-saturating generator loss.

        Args:
            fake_logits: Tensor, D's logits on generated examples.

        Returns:
            A scalar tensor.
        """
        return ops.mean(ops.softplus(-fake_logits))
