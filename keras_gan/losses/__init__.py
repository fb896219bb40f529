"""Adversarial games and discriminator penalties, as objects.

A game holds both players' losses, written on the discriminator's raw
outputs (logits), and the diagnostics it can report; a regulariser adds a
penalty to the discriminator's loss. `GAN.compile(loss=..., regularizer=...)`
takes either by name (`get`) or as an object:

```python
gan.compile(d_optimizer, g_optimizer, loss="hinge")
gan.compile(d_optimizer, g_optimizer, loss=keras_gan.losses.Wasserstein(),
            regularizer=keras_gan.losses.GradientPenalty(10.0))
```

Adding a game or a regulariser is one class (a subclass of `Game` or
`Regularizer`, registered as serialisable) and one line in `ALL_OBJECTS`.
"""

import keras

from keras_gan.losses.cross_entropy_game import CrossEntropyGame
from keras_gan.losses.game import Game
from keras_gan.losses.gradient_penalty import GradientPenalty
from keras_gan.losses.hinge import Hinge
from keras_gan.losses.least_squares import LeastSquares
from keras_gan.losses.legacy import CustomGeneratorLoss
from keras_gan.losses.legacy import discriminator_loss
from keras_gan.losses.legacy import game_from_generator_loss
from keras_gan.losses.legacy import get_generator_loss
from keras_gan.losses.legacy import minimax_generator_loss
from keras_gan.losses.legacy import non_saturating_generator_loss
from keras_gan.losses.legacy import value
from keras_gan.losses.minimax import Minimax
from keras_gan.losses.non_saturating import NonSaturating
from keras_gan.losses.r1 import R1
from keras_gan.losses.regularizer import Regularizer
from keras_gan.losses.wasserstein import Wasserstein

# The registry: name -> class. One line per game or regulariser.
ALL_OBJECTS = {
    "non_saturating": NonSaturating,
    "minimax": Minimax,
    "hinge": Hinge,
    "least_squares": LeastSquares,
    "wasserstein": Wasserstein,
    "r1": R1,
    "gradient_penalty": GradientPenalty,
}

GAMES = tuple(sorted(name for name, cls in ALL_OBJECTS.items() if issubclass(cls, Game)))
REGULARIZERS = tuple(sorted(name for name, cls in ALL_OBJECTS.items() if issubclass(cls, Regularizer)))


def get(identifier):
    """Returns the game or regulariser `identifier` names, with default arguments.

    Example:

    >>> keras_gan.losses.get("hinge")
    Hinge()
    >>> keras_gan.losses.get("r1")
    R1(weight=10.0)

    Args:
        identifier: A registered name (`keras_gan.losses.GAMES`,
            `keras_gan.losses.REGULARIZERS`), a `Game` or `Regularizer`
            (returned as is), or the dict `serialize` made of one.

    Returns:
        A `Game` or a `Regularizer`.
    """
    if isinstance(identifier, (Game, Regularizer)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier in ALL_OBJECTS:
        return ALL_OBJECTS[identifier]()
    raise ValueError(
        f"Unknown game or regulariser. Received: identifier={identifier!r}. Expected one of "
        f"{sorted(ALL_OBJECTS)}, a `keras_gan.losses.Game` or a `keras_gan.losses.Regularizer`."
    )


def serialize(obj):
    """The config dict of a game or regulariser, for `deserialize` and `.keras` files."""
    return keras.saving.serialize_keras_object(obj)


def deserialize(config):
    """The game or regulariser that `serialize` described."""
    obj = keras.saving.deserialize_keras_object(config)
    if not isinstance(obj, (Game, Regularizer)):
        raise ValueError(
            "Expected the config of a game or a regulariser. "
            f"Received: a config of {type(obj).__name__}."
        )
    return obj
