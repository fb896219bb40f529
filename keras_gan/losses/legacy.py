"""The function API of `keras_gan.losses` before games were objects, kept while it is used.

Each function delegates to the game object that now holds its formula;
`GAN(real_label=...)` and `compile(generator_loss=...)` map onto the same
objects. New code passes games: `compile(loss=keras_gan.losses.Minimax())`.
"""

import keras

from keras_gan.losses.cross_entropy_game import CrossEntropyGame
from keras_gan.losses.minimax import Minimax
from keras_gan.losses.non_saturating import NonSaturating

# Plain functions: the games' generator losses are static methods.
non_saturating_generator_loss = NonSaturating.generator_loss
minimax_generator_loss = Minimax.generator_loss

_GENERATOR_LOSSES = {
    "non_saturating": NonSaturating,
    "minimax": Minimax,
}


def discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """The paper's discriminator loss, `0.5 * (BCE(D(x), real_label) + BCE(D(G(z)), 0))`.

    Same as `NonSaturating(real_label).discriminator_loss`.

    Args:
        real_logits: Tensor, discriminator logits on real examples.
        fake_logits: Tensor, discriminator logits on generated examples.
        real_label: Float, the target for real examples.

    Returns:
        A scalar tensor.
    """
    return NonSaturating(real_label).discriminator_loss(real_logits, fake_logits)


def value(real_logits, fake_logits):
    """The minibatch estimate of `V(D, G)`; same as `NonSaturating().value`.

    Args:
        real_logits: Tensor, discriminator logits on real examples.
        fake_logits: Tensor, discriminator logits on generated examples.

    Returns:
        A scalar tensor.
    """
    return NonSaturating().value(real_logits, fake_logits)


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
        return _GENERATOR_LOSSES[identifier].generator_loss
    raise ValueError(
        "Invalid value for argument `generator_loss`. "
        f"Received: generator_loss={identifier!r}. "
        f"Expected one of {sorted(_GENERATOR_LOSSES)}; other games are passed as "
        "`loss=`, e.g. `compile(..., loss='wasserstein')`."
    )


def game_from_generator_loss(identifier, real_label=1.0):
    """The game that `compile(generator_loss=identifier)` with `GAN(real_label=...)` plays.

    Args:
        identifier: `"non_saturating"`, `"minimax"`, or a callable
            `loss(fake_logits) -> scalar` (played against the paper's
            discriminator loss).
        real_label: Float in (0, 1], the discriminator's target for real data.

    Returns:
        A `CrossEntropyGame`.
    """
    loss = get_generator_loss(identifier)
    if isinstance(identifier, str):
        return _GENERATOR_LOSSES[identifier](real_label=real_label)
    return CustomGeneratorLoss(loss, real_label=real_label)


@keras.saving.register_keras_serializable(package="keras_gan")
class CustomGeneratorLoss(CrossEntropyGame):
    """The paper's discriminator against a generator loss given as a function.

    What `compile(generator_loss=callable)` plays. For a new game, subclass
    `keras_gan.losses.Game` instead.

    Args:
        generator_loss: Callable `loss(fake_logits) -> scalar`; saving needs
            it to be serialisable (e.g. registered with
            `keras.saving.register_keras_serializable`).
        real_label: Float in (0, 1], D's target for real examples.
    """

    def __init__(self, generator_loss, real_label=1.0):
        super().__init__(real_label)
        if isinstance(generator_loss, dict):
            generator_loss = keras.saving.deserialize_keras_object(generator_loss)
        if not callable(generator_loss):
            raise ValueError(
                "Invalid value for argument `generator_loss`. "
                f"Received: generator_loss={generator_loss!r}. Expected a callable."
            )
        self._generator_loss = generator_loss

    def generator_loss(self, fake_logits):
        return self._generator_loss(fake_logits)

    def get_config(self):
        return {
            "generator_loss": keras.saving.serialize_keras_object(self._generator_loss),
            **super().get_config(),
        }

    def __eq__(self, other):
        return (
            type(self) is type(other)
            and self._generator_loss is other._generator_loss
            and self.real_label == other.real_label
        )

    def __hash__(self):
        return hash((type(self), id(self._generator_loss), self.real_label))
