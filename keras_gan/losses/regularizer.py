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

    Under mixed float16 the input gradients are taken in float16, where a
    discriminator with small weights has subnormal ones: take them with
    `input_gradients`, which scales that backward pass by the discriminator
    optimizer's loss scale and returns them in float32.

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

    def logits_and_penalty(self, discriminate, real, fake, seed=None, loss_scale=None):
        """Evaluates D on one update's examples and computes the penalty.

        Args:
            discriminate: Callable `discriminate(*batches) -> tuple of logits`,
                D on the concatenated batches in one pass, split back.
            real: Tensor `[m, ...]`, the update's real examples.
            fake: Tensor `[m, ...]`, the update's generated examples.
            seed: Optional `keras.random.SeedGenerator` for random draws.
            loss_scale: Optional scalar, the discriminator optimizer's loss
                scale under mixed float16 (`keras_gan.distribute.loss_scale`),
                for `input_gradients`; `None` without loss scaling.

        Returns:
            A tuple `(real_logits, fake_logits, penalty)`, the penalty a
            float32 scalar tensor already multiplied by `weight`.
        """
        raise NotImplementedError

    def get_config(self):
        """The constructor's arguments, for `keras.saving.serialize_keras_object`."""
        return {"weight": self.weight}


def input_gradients(tape, logits, inputs, loss_scale=None):
    """Each example's gradient of its own logit w.r.t. its input, in float32.

    Rows of a batch are independent, so the gradient of the logits' sum
    holds each row's own gradient `[m, ...]`. Under mixed float16 that
    backward pass runs in float16, where a discriminator with small weights
    has subnormal input gradients (the paper's MNIST one at its initial
    weights: ~6e-6 per pixel, below float16's smallest normal 6.1e-5), which
    would square to 0 in float16 and which carry the penalty's own gradient
    back to D's weights: without a scale, R1's gradient on that D's weights
    has a cosine of 0.31 to float32's. With `loss_scale` S the pass starts
    from S / m per logit, the scale the loss-scaled game loss (a mean over
    m) has at the logits, and the gradients are divided by it in float32
    (PyTorch's AMP recipe for gradient penalties): a cosine of 0.99996. If
    the scaled pass overflows, D's gradients are not finite and the
    `LossScaleOptimizer` skips the update and halves S.

    Args:
        tape: The `tf.GradientTape` that watched `inputs` while `logits`
            were computed from them.
        logits: Tensor `[m, 1]`, D's logits on `inputs`.
        inputs: Tensor `[m, ...]`.
        loss_scale: Optional scalar loss scale; `None` takes the plain gradient.

    Returns:
        A float32 tensor of the shape of `inputs`.
    """
    if loss_scale is None:
        return ops.cast(tape.gradient(logits, inputs), "float32")
    scale = ops.cast(loss_scale, "float32") / ops.cast(ops.shape(logits)[0], "float32")
    cotangent = ops.cast(ops.broadcast_to(scale, ops.shape(logits)), logits.dtype)
    gradients = tape.gradient(logits, inputs, output_gradients=cotangent)
    return ops.cast(gradients, "float32") / scale


def squared_norms(gradients):
    """`||g_i||^2` for each example `i` of a batch of gradients `[m, ...]` -> `[m]`, in float32."""
    gradients = ops.cast(gradients, "float32")
    return ops.sum(ops.reshape(ops.square(gradients), (ops.shape(gradients)[0], -1)), axis=1)
