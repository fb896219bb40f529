"""Alternatives to the library's training step, and the profile helper.

keras_gan/*.py is not edited from here: each alternative is a subclass the
benchmark times against the library (`training_benchmark --sections=profile`).

- `LastAxisMaxout`: `keras_gan.layers.Maxout` as first written, the max over a
  trailing axis of `pieces`; the library now transposes first.
- `SelectMaxout`: the library's maxout with a one-compare, one-select
  gradient of the max (`tf.custom_gradient`) and `tf.nn.bias_add`.
- `TwoPassGAN`: the discriminator run separately on real and fake examples
  instead of once on their concatenation.
- `keras.optimizers.SGD` itself is the unfused alternative to the library's
  `ScheduledMomentumSGD` (TF's fused `ResourceApplyKerasMomentum` kernel).
- `op_breakdown`: shares of TF op time in a profiler trace of `fit`.
"""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

import keras_gan
from keras_gan import layers as gan_layers


class LastAxisMaxout(gan_layers.Maxout):
    """`keras_gan.layers.Maxout` taking the max over the last axis, as first written.

    Same kernel layout and outputs. The max over a last axis of size `pieces`
    (5) does not vectorise, and neither does its gradient.
    """

    def call(self, inputs):
        pieces = keras.ops.matmul(inputs, self.kernel) + self.bias
        pieces = keras.ops.reshape(pieces, (*keras.ops.shape(inputs)[:-1], self.units, self.pieces))
        return keras.ops.max(pieces, axis=-1)


@tf.custom_gradient
def _max_over_middle_axis(pieces):
    largest = tf.reduce_max(pieces, axis=1)

    def gradient(upstream):
        # The winning piece takes the gradient: one compare and one select,
        # where reduce_max's own gradient also counts and divides ties.
        winners = tf.equal(pieces, largest[:, None])
        return tf.where(winners, upstream[:, None], tf.constant(0, pieces.dtype))

    return largest, gradient


class SelectMaxout(gan_layers.Maxout):
    """The library's maxout with a select gradient for the max and `bias_add`."""

    def call(self, inputs):
        # bias_add: its gradient is one BiasAddGrad, not a broadcast Sum.
        pieces = tf.nn.bias_add(keras.ops.matmul(inputs, self.kernel), self.bias)
        pieces = tf.reshape(pieces, (-1, self.units, self.pieces))
        largest = _max_over_middle_axis(tf.transpose(pieces, (0, 2, 1)))
        return tf.reshape(largest, tf.concat([tf.shape(inputs)[:-1], [self.units]], 0))


class TwoPassGAN(keras_gan.GAN):
    """Ablation: the discriminator runs on real and fake separately."""

    def _discriminate(self, real, fake):
        return self.discriminator(real, training=True), self.discriminator(fake, training=True)


def replace_maxout(model, maxout_class):
    def clone(layer):
        if isinstance(layer, gan_layers.Maxout):
            return maxout_class.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    replaced = keras.models.clone_model(model, clone_function=clone)
    replaced.set_weights(model.get_weights())
    return replaced


def check_alternatives(digits, learning_rate=0.1, momentum=0.5):
    """Largest differences of the alternatives from the library, on real data.

    Returns:
        (maxout, sgd): the largest absolute difference of the discriminator's
        logits and weight gradients with either maxout alternative, and of the
        weights after 5 steps of `ScheduledMomentumSGD` and `keras.optimizers.SGD`.
    """
    discriminator = keras_gan.models.mnist_discriminator(seed=10, input_dropout=0.0,
                                                         hidden_dropout=0.0)
    images = tf.constant(digits[:200])
    outputs = []
    for model in (discriminator, replace_maxout(discriminator, LastAxisMaxout),
                  replace_maxout(discriminator, SelectMaxout)):
        with tf.GradientTape() as tape:
            logits = model(images, training=True)
        gradients = tape.gradient(logits, model.trainable_weights)
        outputs.append([logits.numpy()] + [g.numpy() for g in gradients])
    maxout_gap = max(np.abs(a - b).max() for other in outputs[1:] for a, b in zip(outputs[0], other))
    weights = []
    for optimizer_class in (keras.optimizers.SGD, keras_gan.optimizers.ScheduledMomentumSGD):
        variable = keras.Variable(np.ones(1000, np.float32))
        optimizer = optimizer_class(learning_rate, momentum=momentum)
        for step in range(5):
            optimizer.apply_gradients([(tf.fill([1000], float(step) - 1.5), variable)])
        weights.append(variable.numpy())
    return maxout_gap, np.abs(weights[0] - weights[1]).max()


def op_breakdown(gan, dataset, steps):
    """Shares of TF op time in a profiler trace of `steps` fit iterations."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    categories = (("matmul (fused bias/activation included)", ("MatMul",)),
                  ("dropout (RNG, mask)", ("dropout",)),
                  ("SGD updates", ("sgd",)),
                  ("maxout max and its gradient", ("maxout",)))
    totals = dict.fromkeys([name for name, _ in categories] + ["other"], 0.0)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        tf.profiler.experimental.stop()
        paths = [os.path.join(d, f) for d, _, files in os.walk(logdir) for f in files
                 if f.endswith(".xplane.pb")]
        space = xplane_pb2.XSpace()
        with open(paths[0], "rb") as f:
            space.ParseFromString(f.read())
    for plane in space.planes:
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if name.count(":") != 1:  # executor and thread-pool regions, not "scope:Op"
                    continue
                scope, op = name.split(":")
                category = next((label for label, keys in categories
                                 if any(key in (op if key == "MatMul" else scope) for key in keys)),
                                "other")
                totals[category] += event.duration_ps * 1e-9
    total = sum(totals.values())
    return {name: value / total for name, value in totals.items()}
