"""`KPlusOneGame`: the semi-supervised game of Salimans et al. (2016), section 5."""

import numbers

import keras
from keras import ops

from keras_gan.losses.game import Game


@keras.saving.register_keras_serializable(package="keras_gan")
class KPlusOneGame(Game):
    """The K+1-class game: a K-way classifier that is also the discriminator.

    D returns K logits `l(x)`; the (K+1)-th class, "generated", has logit 0.
    Then `p(real | x) = D(x) = Z(x) / (Z(x) + 1)` with
    `Z(x) = sum_k exp(l_k(x))`, and `p(class k | x, real) = softmax(l(x))_k`.

    D descends `supervised_loss + unsupervised_weight * unsupervised_loss`:

    - `supervised_loss`: the cross-entropy of `softmax(l)` with the labels,
      on labelled examples;
    - `unsupervised_loss` (also `discriminator_loss`): the paper's game on
      unlabelled real examples and generated ones,
      `-E log(Z(x) / (Z(x) + 1)) - E log(1 / (Z(G(z)) + 1))`,
      computed as `mean(softplus(-lse(l_real))) + mean(softplus(lse(l_fake)))`
      (lse: log-sum-exp), which equals
      `-mean(lse(l_real)) + mean(softplus(lse(l_real))) + mean(softplus(lse(l_fake)))`
      without its cancellation and without overflow at large logits.

    G descends `feature_matching_loss`: `||mean f(x) - mean f(G(z))||^2`, f
    an intermediate layer of D (`SemiSupervisedGAN` chooses it).
    `generator_loss(fake_logits)`, the non-saturating loss
    `-E log D(G(z))`, is the `Game` interface's generator loss; the paper
    found feature matching better for classification, and
    `SemiSupervisedGAN` descends that.

    The original code weights the unsupervised part by 0.5
    (`loss_unl = 0.5 * (...)`); `unsupervised_weight=1.0` is the paper's
    equation (5) as written.

    `entropy_weight` adds a later addition, not in the paper: the mean
    entropy of `softmax(l)` on unlabelled real examples (entropy
    minimisation, Grandvalet and Bengio, 2005, which Dai et al., 2017, "Good
    semi-supervised learning that requires a bad GAN", add to this game): it
    pushes the class boundaries away from the data. 0 (default) is the paper.

    Example:

    ```python
    game = keras_gan.semi_supervised.KPlusOneGame()
    loss = game.supervised_loss(labeled_logits, labels) + game.discriminator_loss(
        real_logits, fake_logits)
    ```

    Args:
        unsupervised_weight: Float >= 0, the weight of the unsupervised part
            of D's loss.
        entropy_weight: Float >= 0, the weight of the class entropy on
            unlabelled examples in D's loss; when positive it is reported as
            `class_entropy`.
    """

    def __init__(self, unsupervised_weight=1.0, entropy_weight=0.0):
        self.unsupervised_weight = _non_negative("unsupervised_weight", unsupervised_weight)
        self.entropy_weight = _non_negative("entropy_weight", entropy_weight)

    @property
    def diagnostic_names(self):
        """The reported parts of D's loss and the labelled accuracy (and the class entropy if weighted)."""
        names = ("supervised_loss", "unsupervised_loss", "accuracy")
        return names + ("class_entropy",) if self.entropy_weight else names

    def discriminator_loss(self, real_logits, fake_logits):
        """The unsupervised part of D's loss (see `unsupervised_loss`)."""
        return self.unsupervised_loss(real_logits, fake_logits)

    def unsupervised_loss(self, real_logits, fake_logits):
        """`-E log D(x) - E log(1 - D(G(z)))` with `D = Z / (Z + 1)`.

        Args:
            real_logits: Tensor `[n, K]`, D's logits on unlabelled real examples.
            fake_logits: Tensor `[m, K]`, D's logits on generated examples.

        Returns:
            A scalar tensor.
        """
        real_lse = ops.logsumexp(real_logits, axis=-1)  # [n], log Z(x)
        fake_lse = ops.logsumexp(fake_logits, axis=-1)  # [m], log Z(G(z))
        # -log(Z / (Z + 1)) = softplus(-log Z);  -log(1 / (Z + 1)) = softplus(log Z).
        return ops.mean(ops.softplus(-real_lse)) + ops.mean(ops.softplus(fake_lse))

    def supervised_loss(self, logits, labels):
        """The mean cross-entropy of `softmax(logits)` with integer `labels`.

        A label outside `[0, K)` contributes `lse(l)` (a zero one-hot row)
        instead of failing inside the step; `SemiSupervisedGAN` withholds
        such a batch from the update and reports it.

        Args:
            logits: Tensor `[n, K]`.
            labels: Int tensor `[n]`.

        Returns:
            A scalar tensor.
        """
        one_hot = ops.one_hot(labels, ops.shape(logits)[-1], dtype=logits.dtype)
        return ops.mean(ops.logsumexp(logits, axis=-1) - ops.sum(one_hot * logits, axis=-1))

    def class_entropy(self, logits):
        """The mean entropy of `softmax(logits)`, `-E sum_k p_k log p_k`.

        Args:
            logits: Tensor `[n, K]`.

        Returns:
            A scalar tensor.
        """
        log_p = logits - ops.logsumexp(logits, axis=-1, keepdims=True)
        return -ops.mean(ops.sum(ops.exp(log_p) * log_p, axis=-1))

    def discriminator_total(self, parts):
        """D's loss from its parts (a dict of `diagnostics`).

        `supervised_loss + unsupervised_weight * unsupervised_loss`, plus
        `entropy_weight * class_entropy` when that weight is positive.
        """
        total = parts["supervised_loss"] + self.unsupervised_weight * parts["unsupervised_loss"]
        if self.entropy_weight:
            total = total + self.entropy_weight * parts["class_entropy"]
        return total

    def generator_loss(self, fake_logits):
        """The non-saturating generator loss `-E log D(G(z)) = mean(softplus(-lse(l)))`."""
        return ops.mean(ops.softplus(-ops.logsumexp(fake_logits, axis=-1)))

    def feature_matching_loss(self, real_features, fake_features):
        """`||mean f(x) - mean f(G(z))||^2`, the generator's loss.

        The original code averages the squares over the features instead of
        summing them: a constant factor, which Adam's step does not see.

        Args:
            real_features: Tensor `[n, ...]`, f on real examples.
            fake_features: Tensor `[m, ...]`, f on generated examples.

        Returns:
            A scalar tensor.
        """
        difference = ops.mean(real_features, axis=0) - ops.mean(fake_features, axis=0)
        return ops.sum(ops.square(difference))

    def diagnostics(self, real_logits, fake_logits, labeled_logits, labels):
        """The reported parts of D's loss, and the accuracy on labelled examples.

        Unlike the other games' diagnostics these need the labelled batch.

        Args:
            real_logits: Tensor `[n, K]`, D's logits on unlabelled real examples.
            fake_logits: Tensor `[m, K]`, D's logits on generated examples.
            labeled_logits: Tensor `[l, K]`, D's logits on labelled examples.
            labels: Int tensor `[l]`, their labels.

        Returns:
            A dict from each of `diagnostic_names` to a scalar tensor.
        """
        parts = {
            "supervised_loss": self.supervised_loss(labeled_logits, labels),
            "unsupervised_loss": self.unsupervised_loss(real_logits, fake_logits),
            "accuracy": self.accuracy(labeled_logits, labels),
        }
        if self.entropy_weight:
            parts["class_entropy"] = self.class_entropy(real_logits)
        return parts

    def accuracy(self, logits, labels):
        """The share of examples whose largest logit is their label's."""
        predicted = ops.cast(ops.argmax(logits, axis=-1), "int32")
        return ops.mean(ops.cast(ops.equal(predicted, ops.cast(labels, "int32")), "float32"))

    def get_config(self):
        return {"unsupervised_weight": self.unsupervised_weight, "entropy_weight": self.entropy_weight}


def _non_negative(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Received: {name}={value!r}. Expected a float >= 0.")
    return float(value)
