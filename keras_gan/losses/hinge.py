"""`Hinge`: the hinge version of the adversarial loss (Lim and Ye, 2017; Miyato et al., 2018)."""

import keras
from keras import ops

from keras_gan.losses.game import Game


@keras.saving.register_keras_serializable(package="keras_gan")
class Hinge(Game):
    """The hinge game: D is a margin classifier, G raises D's output on its samples.

    Lim and Ye (2017), "Geometric GAN", in the form of Miyato et al. (2018,
    SN-GAN) and Brock et al. (2019, BigGAN):

        d_loss = E max(0, 1 - D(x)) + E max(0, 1 + D(G(z)))
        g_loss = -E D(G(z))

    `D` is the raw output (no sigmoid) and every expectation a minibatch
    mean. D's loss SUMS its two halves (the convention of those papers; the
    paper's games average theirs). D stops being pushed on an example once
    it is beyond the margin: `D(x) >= 1` for real, `D(G(z)) <= -1` for
    generated. Diagnostics: `real_score = E D(x)`, `fake_score = E D(G(z))`.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="hinge")
    ```
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))

    def generator_loss(self, fake_logits):
        return -ops.mean(fake_logits)
