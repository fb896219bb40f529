"""The paper's MNIST GAN and one step of Algorithm 1 in PyTorch, for benchmarks.

A faithful equivalent of `keras_gan.models.mnist_generator`,
`keras_gan.models.mnist_discriminator` and `keras_gan.GAN.train_step`:

- generator: dense ReLU layers, then a dense sigmoid output; weights uniform
  in [-0.05, 0.05], biases zero;
- discriminator: dropout on the input, maxout layers each followed by
  dropout, a dense logit; weights uniform in [-0.005, 0.005];
- one step: k discriminator updates, each on its own real minibatch (rows
  i, i + k, ... of the k * m batch) and fresh noise, with the discriminator
  run once on `concat([real, fake])`, loss `0.5 * (BCE(real, 1) + BCE(fake,
  0))` on logits; then one generator update on fresh noise with the
  non-saturating loss `BCE(D(G(z)), 1)`. SGD with momentum for both.

The noise prior is uniform on [-sqrt 3, sqrt 3], as in `keras_gan.priors`.
Weights can be copied from the Keras models (`TorchGAN.from_keras`) and the
noise passed in, so the two implementations can be compared step by step
(`compare_training_steps`, used by `benchmarks.training_benchmark` and
`tests/test_torch_reference.py`). Unlike `keras_gan.GAN`, the reference keeps
no running metrics: it only returns its losses.

PyTorch is an optional dependency (the `bench` extra); this module imports
it at the top, so import it only where torch is installed.

Example:

```python
generator = keras_gan.models.mnist_generator()
discriminator = keras_gan.models.mnist_discriminator()
reference = TorchGAN.from_keras(generator, discriminator)
d_loss, g_loss = reference.train_step(torch.rand(100, 28, 28, 1))
```
"""

import math

import keras
import numpy as np
import tensorflow as tf
import torch
import torch.nn.functional as F
from torch import nn

import keras_gan
from keras_gan import layers as gan_layers

_SQRT_3 = math.sqrt(3.0)


def _uniform_(layer, weight_range):
    nn.init.uniform_(layer.weight, -weight_range, weight_range)
    nn.init.zeros_(layer.bias)


class Maxout(nn.Module):
    """Dense maxout: `units` outputs, each the max of `pieces` affine maps.

    Piece p of unit j is output p * units + j of one linear layer, the layout
    of `keras_gan.layers.Maxout`.
    """

    def __init__(self, in_features, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, inputs):
        pieces = self.linear(inputs)  # [b, units * pieces]
        return pieces.view(*pieces.shape[:-1], self.pieces, self.units).amax(dim=-2)


class Generator(nn.Module):
    """Dense ReLU layers, then a dense sigmoid output reshaped to images."""

    def __init__(self, latent_dim=100, hidden_units=(1200, 1200), image_shape=(28, 28, 1),
                 weight_range=0.05):
        super().__init__()
        self.image_shape = tuple(image_shape)
        sizes = [latent_dim, *hidden_units, int(np.prod(image_shape))]
        self.dense = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        for layer in self.dense:
            _uniform_(layer, weight_range)

    def forward(self, noise):
        x = noise
        for layer in self.dense[:-1]:
            x = F.relu(layer(x))
        x = torch.sigmoid(self.dense[-1](x))
        return x.view(x.shape[0], *self.image_shape)


class Discriminator(nn.Module):
    """Input dropout, maxout layers each followed by dropout, a dense logit."""

    def __init__(self, input_size=784, hidden_units=(240, 240), pieces=5, input_dropout=0.2,
                 hidden_dropout=0.5, weight_range=0.005):
        super().__init__()
        self.input_dropout = nn.Dropout(input_dropout)
        sizes = [input_size, *hidden_units]
        self.maxout = nn.ModuleList(Maxout(a, b, pieces) for a, b in zip(sizes[:-1], sizes[1:]))
        self.hidden_dropout = nn.Dropout(hidden_dropout)
        self.logit = nn.Linear(sizes[-1], 1)
        for layer in [*(m.linear for m in self.maxout), self.logit]:
            _uniform_(layer, weight_range)

    def forward(self, images):
        x = self.input_dropout(images.flatten(1))
        for layer in self.maxout:
            x = self.hidden_dropout(layer(x))
        return self.logit(x)  # [b, 1] logits


def _copy_dense(torch_linear, kernel, bias):
    with torch.no_grad():
        torch_linear.weight.copy_(torch.from_numpy(np.asarray(kernel).T))  # Keras: [in, out]
        torch_linear.bias.copy_(torch.from_numpy(np.asarray(bias)))


def _keras_layers(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def generator_from_keras(generator):
    """A `Generator` of the same sizes as a Keras MNIST-style generator, its weights copied."""
    dense = _keras_layers(generator, keras.layers.Dense)
    image_shape = tuple(generator.output_shape[1:])
    hidden = [layer.units for layer in dense[:-1]]
    module = Generator(dense[0].kernel.shape[0], hidden, image_shape)
    for torch_layer, keras_layer in zip(module.dense, dense):
        _copy_dense(torch_layer, keras_layer.kernel.numpy(), keras_layer.bias.numpy())
    return module


def discriminator_from_keras(discriminator):
    """A `Discriminator` with the Keras model's sizes and dropout rates, its weights copied."""
    maxout = _keras_layers(discriminator, gan_layers.Maxout)
    dropout = _keras_layers(discriminator, keras.layers.Dropout)
    logit = _keras_layers(discriminator, keras.layers.Dense)[-1]
    module = Discriminator(
        input_size=int(np.prod(discriminator.input_shape[1:])),
        hidden_units=[layer.units for layer in maxout],
        pieces=maxout[0].pieces,
        input_dropout=dropout[0].rate,
        hidden_dropout=dropout[1].rate,
    )
    for torch_layer, keras_layer in zip(module.maxout, maxout):
        _copy_dense(torch_layer.linear, keras_layer.kernel.numpy(), keras_layer.bias.numpy())
    _copy_dense(module.logit, logit.kernel.numpy(), logit.bias.numpy())
    return module


def discriminator_loss(real_logits, fake_logits):
    """`0.5 * (BCE(D(x), 1) + BCE(D(G(z)), 0))` on logits."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return 0.5 * (real + fake)


def generator_loss(fake_logits):
    """The non-saturating loss `BCE(D(G(z)), 1)`."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


class TorchGAN:
    """Algorithm 1 of the paper in PyTorch, step for step as `keras_gan.GAN`.

    Each update computes its loss, takes gradients with `torch.autograd.grad`
    with respect to the updated network only (the generated examples of the
    discriminator update are detached), and steps its SGD optimizer, so no work
    is spent on gradients that are thrown away.

    Args:
        generator: `Generator` (or any module from noise to examples).
        discriminator: `Discriminator` (or any module from examples to logits).
        latent_dim: Int, the size of the noise vectors.
        discriminator_steps: Positive int, the paper's k.
        learning_rate: Float, SGD learning rate of both networks.
        momentum: Float, SGD momentum of both networks.
        compile: Bool; when True the two losses (forward passes, and through
            AOTAutograd their backward passes) go through
            `torch.compile(fullgraph=True)`; the optimizer steps stay eager.
    """

    def __init__(self, generator, discriminator, latent_dim=100, discriminator_steps=1,
                 learning_rate=0.1, momentum=0.5, compile=False):
        self.generator, self.discriminator = generator.train(), discriminator.train()
        self.latent_dim = latent_dim
        self.discriminator_steps = discriminator_steps
        self.g_parameters = list(generator.parameters())
        self.d_parameters = list(discriminator.parameters())
        self.d_optimizer = torch.optim.SGD(self.d_parameters, lr=learning_rate, momentum=momentum)
        self.g_optimizer = torch.optim.SGD(self.g_parameters, lr=learning_rate, momentum=momentum)
        self._discriminator_loss = self._discriminator_loss_eager
        self._generator_loss = self._generator_loss_eager
        if compile:
            self._discriminator_loss = torch.compile(self._discriminator_loss_eager, fullgraph=True)
            self._generator_loss = torch.compile(self._generator_loss_eager, fullgraph=True)

    @classmethod
    def from_keras(cls, generator, discriminator, **kwargs):
        """A `TorchGAN` whose networks start from the Keras models' weights."""
        return cls(generator_from_keras(generator), discriminator_from_keras(discriminator),
                   latent_dim=generator.input_shape[-1], **kwargs)

    def sample_noise(self, batch_size):
        return (torch.rand(batch_size, self.latent_dim) * 2.0 - 1.0) * _SQRT_3

    def train_step(self, real, noises=None):
        """One step of Algorithm 1 on a batch of k * m real examples.

        Args:
            real: Float tensor `[k * m, ...]`; update i takes rows i, i + k, ....
            noises: Optional list of k + 1 noise tensors `[m, latent_dim]` (the
                k discriminator updates', then the generator update's); drawn
                from the prior when omitted.

        Returns:
            The mean of the k discriminator losses (what `keras_gan.GAN` logs as
            `d_loss`) and the generator loss, as scalar tensors.
        """
        k = self.discriminator_steps
        minibatches = real.view(-1, k, *real.shape[1:])
        batch_size = minibatches.shape[0]
        d_losses = []
        for step in range(k):
            noise = noises[step] if noises is not None else self.sample_noise(batch_size)
            # .contiguous(): the strided rows, copied once as TF's slice does.
            d_loss = self._discriminator_loss(minibatches[:, step].contiguous(), noise)
            _descend(d_loss, self.d_parameters, self.d_optimizer)
            d_losses.append(d_loss.detach())
        noise = noises[k] if noises is not None else self.sample_noise(batch_size)
        g_loss = self._generator_loss(noise)
        _descend(g_loss, self.g_parameters, self.g_optimizer)
        return sum(d_losses) / k, g_loss.detach()

    def _discriminator_loss_eager(self, real, noise):
        with torch.no_grad():
            fake = self.generator(noise)
        # One forward pass over both halves, as keras_gan does.
        logits = self.discriminator(torch.cat([real, fake]))
        return discriminator_loss(logits[: real.shape[0]], logits[real.shape[0]:])

    def _generator_loss_eager(self, noise):
        return generator_loss(self.discriminator(self.generator(noise)))


def _descend(loss, parameters, optimizer):
    gradients = torch.autograd.grad(loss, parameters)
    for parameter, gradient in zip(parameters, gradients):
        parameter.grad = gradient
    optimizer.step()


class NoiseBank:
    """A latent prior for `keras_gan.GAN` that replays fixed noise.

    Call i returns `noises[i]`, whatever shape is asked for, so a Keras run and
    a `TorchGAN` run can be fed the same noise in the same order. It works in
    `fit`'s compiled step: the position is a variable.
    """

    def __init__(self, noises):
        self.noises = tf.constant(noises)
        self.position = tf.Variable(0)

    def __call__(self, shape, seed=None):
        noise = tf.gather(self.noises, self.position)
        self.position.assign_add(1)
        return noise


def compare_training_steps(generator, discriminator, real, discriminator_steps, num_steps=3,
                           learning_rate=0.1, momentum=0.5, seed=0):
    """Trains `keras_gan.GAN` with `fit` and `TorchGAN` side by side; returns their gap.

    Both start from the Keras models' weights and see the same real batches and
    the same noise. Dropout must be off in `discriminator` (rates 0): the two
    frameworks draw different masks.

    Args:
        generator: Keras generator, e.g. `keras_gan.models.mnist_generator()`.
        discriminator: Keras discriminator with dropout rates 0.
        real: Float array `[num_steps * k * m, ...]`, the real examples.
        discriminator_steps: Int k.
        num_steps: Int, training steps to compare.
        learning_rate: Float, SGD learning rate.
        momentum: Float, SGD momentum.
        seed: Int seed of the noise.

    Returns:
        A dict: `d_loss` and `g_loss` (largest absolute difference of the
        per-step losses), `weights` (largest absolute difference of any weight
        after the last step), `update` (the largest change of any Keras weight
        over the steps, the scale `weights` is small against) and
        `keras_losses`, the Keras per-step losses `[num_steps, 2]`.
    """
    k = discriminator_steps
    m = len(real) // (num_steps * k)
    latent_dim = generator.input_shape[-1]
    noises = np.random.default_rng(seed).uniform(
        -_SQRT_3, _SQRT_3, (num_steps * (k + 1), m, latent_dim)).astype("float32")
    reference = TorchGAN.from_keras(generator, discriminator, discriminator_steps=k,
                                    learning_rate=learning_rate, momentum=momentum)
    initial_weights = [p.detach().numpy().copy() for p in [*reference.g_parameters, *reference.d_parameters]]
    gan = keras_gan.GAN(generator, discriminator, latent_prior=NoiseBank(noises),
                        discriminator_steps=k)
    gan.compile(d_optimizer=keras.optimizers.SGD(learning_rate, momentum=momentum),
                g_optimizer=keras.optimizers.SGD(learning_rate, momentum=momentum))
    batches = tf.data.Dataset.from_tensor_slices(real.reshape(num_steps, k * m, *real.shape[1:]))
    # One step per epoch: the metrics reset each epoch, so each logs one step.
    history = gan.fit(batches, epochs=num_steps, steps_per_epoch=1, verbose=0).history
    torch_losses = []
    for step in range(num_steps):
        batch = torch.from_numpy(real[step * k * m:(step + 1) * k * m])
        step_noises = [torch.from_numpy(z) for z in noises[step * (k + 1):(step + 1) * (k + 1)]]
        torch_losses.append([float(loss) for loss in reference.train_step(batch, step_noises)])
    torch_losses = np.array(torch_losses)  # [num_steps, 2]
    keras_weights = []
    for model in (generator, discriminator):
        dense = [layer for layer in model.layers if layer.weights]
        keras_weights += [w for layer in dense for w in (layer.kernel.numpy().T, layer.bias.numpy())]
    torch_weights = [p.detach().numpy() for p in [*reference.g_parameters, *reference.d_parameters]]
    return {
        "d_loss": float(np.abs(np.array(history["d_loss"]) - torch_losses[:, 0]).max()),
        "g_loss": float(np.abs(np.array(history["g_loss"]) - torch_losses[:, 1]).max()),
        "weights": max(float(np.abs(a - b).max()) for a, b in zip(keras_weights, torch_weights)),
        "update": max(float(np.abs(a - b).max()) for a, b in zip(keras_weights, initial_weights)),
        "keras_losses": np.stack([history["d_loss"], history["g_loss"]], axis=1),
    }
