"""`GradientPenalty`: the WGAN-GP penalty on interpolates (Gulrajani et al., 2017)."""

import keras
import tensorflow as tf
from keras import ops

from keras_gan import distribute
from keras_gan.losses.regularizer import Regularizer
from keras_gan.losses.regularizer import input_gradients
from keras_gan.losses.regularizer import squared_norms

# Inside the square root: the norm's gradient is finite even at a zero gradient.
_NORM_EPSILON = 1e-12


@keras.saving.register_keras_serializable(package="keras_gan")
class GradientPenalty(Regularizer):
    """Pulls the norm of D's input gradient toward 1 between the data and the samples.

    Gulrajani et al. (2017), "Improved Training of Wasserstein GANs",
    algorithm 1:

        x_hat = eps * x + (1 - eps) * G(z),   eps ~ Uniform[0, 1], one per example
        penalty = lambda * E (||grad D(x_hat)||_2 - 1)^2

    pairing the i-th real example with the i-th generated one of the
    update; `D` is the raw output and `E` the minibatch mean. The norm is
    `sqrt(||g||^2 + 1e-12)`, finite to differentiate at a zero gradient.
    The interpolation coefficient is uniform, never normal: the penalty
    constrains D on the segments between the two distributions. Logged as
    `gradient_penalty` (already multiplied by lambda).

    D is evaluated on the real, generated and interpolated examples in one
    forward pass. With several replicas, each replica keeps its own slice of
    the global batch's coefficients, so N replicas draw what one device
    would.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="wasserstein",
                regularizer=keras_gan.losses.GradientPenalty(10.0))
    ```

    Args:
        weight: Non-negative float, lambda. 10 is the paper's.
    """

    name = "gradient_penalty"

    def __init__(self, weight=10.0):
        super().__init__(weight)

    def logits_and_penalty(self, discriminate, real, fake, seed=None, loss_scale=None):
        # eps: [m, 1, ..., 1], one coefficient per example, broadcast over it.
        # Drawn in float32: the same coefficients under a mixed precision policy.
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        eps = distribute.replica_sample(
            lambda global_shape: keras.random.uniform(global_shape, dtype="float32", seed=seed),
            shape,
        )
        eps = ops.cast(eps, real.dtype)
        mixed = eps * real + (1.0 - eps) * fake
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            real_logits, fake_logits, mixed_logits = discriminate(real, fake, mixed)
        gradients = input_gradients(tape, mixed_logits, mixed, loss_scale)
        norms = ops.sqrt(squared_norms(gradients) + _NORM_EPSILON)
        penalty = self.weight * ops.mean(ops.square(norms - 1.0))
        return real_logits, fake_logits, penalty
