"""`Minimax`: the paper's game exactly as written, `min_G max_D V(D, G)`."""

import keras
from keras import ops

from keras_gan.losses.cross_entropy_game import CrossEntropyGame


@keras.saving.register_keras_serializable(package="keras_gan")
class Minimax(CrossEntropyGame):
    """The value function's own game: the generator minimises `log(1 - D(G(z)))`.

    Goodfellow et al. (2014), equation 1. The generator's gradient vanishes
    when `D(G(z))` is near 0, which is early in training; `NonSaturating`
    is what the paper used in practice.

        d_loss = 0.5 * (BCE(D(x), real_label) + BCE(D(G(z)), 0))
        g_loss = E log(1 - D(G(z))) = -E softplus(l_fake)

    with `D = sigmoid(logit)` and every expectation a minibatch mean; D's
    loss averages its two halves (see `CrossEntropyGame`). `g_loss` is
    negative. Diagnostics: `d_real`, `d_fake` and the value `V(D, G)`.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="minimax")
    ```

    Args:
        real_label: Float in (0, 1], D's target for real examples; below 1 is
            one-sided label smoothing. 1 is the paper.
    """

    @staticmethod
    def generator_loss(fake_logits):
        """`E log(1 - D(G(z)))`, the generator's half of the value function.

        Args:
            fake_logits: Tensor, D's logits on generated examples.

        Returns:
            A scalar tensor.
        """
        return -ops.mean(ops.softplus(fake_logits))
