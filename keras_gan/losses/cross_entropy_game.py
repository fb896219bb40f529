"""`CrossEntropyGame`: the paper's discriminator, a binary classifier of real against generated."""

import numbers

from keras import ops

from keras_gan.losses.game import Game


class CrossEntropyGame(Game):
    """The paper's discriminator half: sigmoid cross-entropy, real = 1, generated = 0.

    `D(x) = sigmoid(l)` is the probability that `x` is real. The
    discriminator's loss averages its two halves, as the original code did:

        d_loss = 0.5 * (BCE(D(x), real_label) + BCE(D(G(z)), 0))

    with `BCE(p, y) = -(y log p + (1 - y) log(1 - p))`, each term a mean over
    its minibatch. At `real_label = 1` minimising it ascends the value
    function, `d_loss = -V(D, G) / 2`, as in Algorithm 1. Everything is
    computed on logits, `log D = -softplus(-l)` and `log(1 - D) = -softplus(l)`,
    so no log ever sees 0.

    Diagnostics: `d_real = E D(x)` and `d_fake = E D(G(z))`, the mean
    probabilities, and `value`, the minibatch estimate of
    `V(D, G) = E log D(x) + E log(1 - D(G(z)))`, which tends to `-log 4` at
    the equilibrium `D = 1/2` (Theorem 1).

    Subclasses give the generator's half: `NonSaturating` and `Minimax`.

    Args:
        real_label: Float in (0, 1], the discriminator's target for real
            examples; below 1 is one-sided label smoothing (Salimans et al.,
            2016). 1 is the paper.
    """

    diagnostic_names = ("d_real", "d_fake", "value")

    def __init__(self, real_label=1.0):
        if (
            not isinstance(real_label, numbers.Real)
            or isinstance(real_label, bool)
            or not 0.0 < real_label <= 1.0
        ):
            raise ValueError(
                f"Invalid value for argument `real_label`. Received: real_label={real_label!r}. "
                "Expected a float in (0, 1]."
            )
        self.real_label = float(real_label)

    def discriminator_loss(self, real_logits, fake_logits):
        # BCE(l, y) = softplus(l) - y * l, stable for any logit.
        real_loss = ops.mean(ops.softplus(real_logits) - self.real_label * real_logits)
        fake_loss = ops.mean(ops.softplus(fake_logits))
        return 0.5 * (real_loss + fake_loss)

    def value(self, real_logits, fake_logits):
        """The minibatch estimate of `V(D, G) = E log D(x) + E log(1 - D(G(z)))`.

        Args:
            real_logits: Tensor, D's logits on real examples.
            fake_logits: Tensor, D's logits on generated examples.

        Returns:
            A scalar tensor.
        """
        return -ops.mean(ops.softplus(-real_logits)) - ops.mean(ops.softplus(fake_logits))

    def diagnostics(self, real_logits, fake_logits):
        return {
            "d_real": ops.mean(ops.sigmoid(real_logits)),
            "d_fake": ops.mean(ops.sigmoid(fake_logits)),
            "value": self.value(real_logits, fake_logits),
        }

    def get_config(self):
        return {"real_label": self.real_label}
