"""Alternatives to the library's training step, and the profile helper.

keras_gan/*.py is not edited from here: each alternative is a subclass the
benchmark times against the library (`training_benchmark --sections=profile`).

- Maxout alternatives, the same function as `keras_gan.layers.Maxout` (piece
  p of unit j in column p * units + j, a max pool over the pieces):
  `ReduceMaxMaxout` (`ops.max`'s own gradient), `TransposedMaxout` (the pieces
  of a unit adjacent, transposed before the max: the library until now) and
  `LastAxisMaxout` (adjacent pieces, the max over a last axis: as first written).
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


class ReduceMaxMaxout(gan_layers.Maxout):
    """The library's maxout with `ops.max`'s own gradient (ties share it)."""

    def call(self, inputs):
        pieces = keras.ops.matmul(inputs, self.kernel) + self.bias
        pieces = keras.ops.reshape(pieces, (-1, self.pieces, self.units))
        largest = keras.ops.max(pieces, axis=1)
        return keras.ops.reshape(largest, (*keras.ops.shape(inputs)[:-1], self.units))


class TransposedMaxout(gan_layers.Maxout):
    """The library's maxout before the piece-major layout.

    The pieces of a unit are adjacent columns; they are transposed to
    (pieces, units) before an `ops.max` with its own gradient.
    """

    unit_major = True

    def call(self, inputs):
        pieces = keras.ops.matmul(inputs, self.kernel) + self.bias
        pieces = keras.ops.reshape(pieces, (-1, self.units, self.pieces))
        largest = keras.ops.max(keras.ops.transpose(pieces, (0, 2, 1)), axis=1)
        return keras.ops.reshape(largest, (*keras.ops.shape(inputs)[:-1], self.units))


class LastAxisMaxout(gan_layers.Maxout):
    """Maxout as first written: adjacent pieces, the max over a last axis of 5.

    Neither that max nor its gradient vectorises.
    """

    unit_major = True

    def call(self, inputs):
        pieces = keras.ops.matmul(inputs, self.kernel) + self.bias
        pieces = keras.ops.reshape(pieces, (*keras.ops.shape(inputs)[:-1], self.units, self.pieces))
        return keras.ops.max(pieces, axis=-1)


class TwoPassGAN(keras_gan.GAN):
    """Ablation: the discriminator runs on real and fake separately."""

    def _discriminate(self, real, fake):
        return self.discriminator(real, training=True), self.discriminator(fake, training=True)


def _swap_blocks(array, blocks, block_size):
    """Last-axis index b * block_size + i -> i * blocks + b: piece-major to unit-major and back."""
    return array.reshape(*array.shape[:-1], blocks, block_size).swapaxes(-1, -2).reshape(array.shape)


def replace_maxout(model, maxout_class):
    """`model` with `maxout_class` for its maxout layers: the same function."""

    def clone(layer):
        if isinstance(layer, gan_layers.Maxout):
            return maxout_class.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    replaced = keras.models.clone_model(model, clone_function=clone)
    for source, target in zip(model.layers, replaced.layers):
        weights = source.get_weights()
        if getattr(target, "unit_major", False):
            weights = [_swap_blocks(w, target.pieces, target.units) for w in weights]
        target.set_weights(weights)
    return replaced


def check_alternatives(digits, learning_rate=0.1, momentum=0.5):
    """Largest differences of the alternatives from the library, on real data.

    Returns:
        (maxout, sgd): the largest absolute difference of the discriminator's
        logits and weight gradients with any maxout alternative (unit-major
        gradients put back in the library's layout), and of the
        weights after 5 steps of `ScheduledMomentumSGD` and `keras.optimizers.SGD`.
    """
    discriminator = keras_gan.models.mnist_discriminator(seed=10, input_dropout=0.0,
                                                         hidden_dropout=0.0)
    images = tf.constant(digits[:200])
    outputs = []
    for model in (discriminator, *(replace_maxout(discriminator, maxout_class) for maxout_class
                                   in (ReduceMaxMaxout, TransposedMaxout, LastAxisMaxout))):
        with tf.GradientTape(persistent=True) as tape:
            logits = model(images, training=True)
        outputs.append([logits.numpy()])
        for layer in model.layers:
            for gradient in tape.gradient(logits, layer.trainable_weights):
                gradient = gradient.numpy()
                if getattr(layer, "unit_major", False):
                    gradient = _swap_blocks(gradient, layer.units, layer.pieces)
                outputs[-1].append(gradient)
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
