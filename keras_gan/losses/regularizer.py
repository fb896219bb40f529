"""`Regularizer`: the base class of the discriminator's penalties (R1, gradient penalty)."""

import numbers

from keras import ops

from keras_gan.losses.config_object import ConfigObject


class Regularizer(ConfigObject):
    """A penalty added to the discriminator's loss at every discriminator update.

    A penalty on D's input gradients needs D evaluated on the inputs it
    differentiates, inside a tape that watches them. So the regulariser
    runs D's forward pass of the update itself: `logits_and_penalty`
    receives `discriminate`, which evaluates D on any number of batches in
    ONE pass and returns their logits, and returns the update's real and
    fake logits with the penalty. The game's loss is then computed on those
    logits, and D descends `game loss + penalty`.

    A new regulariser is a subclass with a `name` (its tracker's key in the
    logs) and `logits_and_penalty`, registered with
    `keras.saving.register_keras_serializable(package="keras_gan")`, plus one
    line in `keras_gan.losses.ALL_OBJECTS`.

    Args:
        weight: Non-negative float, the penalty's weight.
    """

    name = None

    def __init__(self, weight):
        if not isinstance(weight, numbers.Real) or isinstance(weight, bool) or not weight >= 0:
            raise ValueError(
                f"Invalid value for argument `weight`. Received: weight={weight!r}. "
                "Expected a float >= 0."
            )
        self.weight = float(weight)

    def logits_and_penalty(self, discriminate, real, fake, seed=None):
        """Evaluates D on one update's examples and computes the penalty.

        Args:
            discriminate: Callable `discriminate(*batches) -> tuple of logits`,
                D on the concatenated batches in one pass, split back.
            real: Tensor `[m, ...]`, the update's real examples.
            fake: Tensor `[m, ...]`, the update's generated examples.
            seed: Optional `keras.random.SeedGenerator` for random draws.

        Returns:
            A tuple `(real_logits, fake_logits, penalty)`, the penalty a
            scalar tensor already multiplied by `weight`.
        """
        raise NotImplementedError

    def get_config(self):
        """The constructor's arguments, for `keras.saving.serialize_keras_object`."""
        return {"weight": self.weight}


def squared_norms(gradients):
    """`||g_i||^2` for each example `i` of a batch of gradients `[m, ...]` -> `[m]`."""
    return ops.sum(ops.reshape(ops.square(gradients), (ops.shape(gradients)[0], -1)), axis=1)
