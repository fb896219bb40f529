"""The adversarial losses of the paper, written on discriminator logits.

The discriminator outputs a logit `l`; `D(x) = sigmoid(l)`. Working on logits
keeps every log finite: `log D = -softplus(-l)` and `log(1 - D) = -softplus(l)`.
"""

from keras import ops


def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """The discriminator's loss: `0.5 * (BCE(D(x), 1) + BCE(D(G(z)), 0))`.

    Minimising it ascends `V(D, G)`, as in Algorithm 1.

    Args:
        real_logits: Tensor, discriminator logits on real examples.
        fake_logits: Tensor, discriminator logits on generated examples.
        real_label: Float, the target for real examples; below 1 gives
            one-sided label smoothing (Salimans et al., 2016).

    Returns:
        A scalar tensor, the mean loss over the minibatch.
    """
    # BCE(l, y) = softplus(l) - y * l, stable for any logit.
    real_loss = ops.mean(ops.softplus(real_logits) - real_label * real_logits)
    fake_loss = ops.mean(ops.softplus(fake_logits))
    return 0.5 * (real_loss + fake_loss)


def non_saturating_generator_loss(fake_logits):
    """The generator maximises `log D(G(z))`: `BCE(D(G(z)), 1)`.

    Args:
        fake_logits: Tensor, discriminator logits on generated examples.

    Returns:
        A scalar tensor.
    """
    return ops.mean(ops.softplus(-fake_logits))


def minimax_generator_loss(fake_logits):
    """The generator minimises `log(1 - D(G(z)))`, the game's own objective.

    Its gradient vanishes when `D(G(z))` is near 0, early in training.

    Args:
        fake_logits: Tensor, discriminator logits on generated examples.

    Returns:
        A scalar tensor.
    """
    return -ops.mean(ops.softplus(fake_logits))


def value(real_logits, fake_logits):
    """The minibatch estimate of `V(D, G) = E log D(x) + E log(1 - D(G(z)))`.

    It tends to `-log 4` at the game's equilibrium, where `D = 1/2`.

    Args:
        real_logits: Tensor, discriminator logits on real examples.
        fake_logits: Tensor, discriminator logits on generated examples.

    Returns:
        A scalar tensor.
    """
    return -ops.mean(ops.softplus(-real_logits)) - ops.mean(ops.softplus(fake_logits))


_GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
}


def get_generator_loss(identifier):
    """Returns the generator loss named `"non_saturating"` or `"minimax"`.

    Args:
        identifier: A name, or a callable `loss(fake_logits) -> scalar`.

    Returns:
        A callable generator loss.
    """
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _GENERATOR_LOSSES:
        return _GENERATOR_LOSSES[identifier]
    raise ValueError(
        "Invalid value for argument `generator_loss`. "
        f"Received: generator_loss={identifier!r}. "
        f"Expected one of {sorted(_GENERATOR_LOSSES)}."
    )

