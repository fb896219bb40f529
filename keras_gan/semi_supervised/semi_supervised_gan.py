"""`SemiSupervisedGAN`: the K+1-class GAN of Salimans et al. (2016), trained by `GAN.fit`."""

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan import validation
from keras_gan.callbacks.data_guard import BatchChecks
from keras_gan.gan import GAN
from keras_gan.semi_supervised.classifiers import LOGIT_LAYER
from keras_gan.semi_supervised.k_plus_one_game import KPlusOneGame


@keras.saving.register_keras_serializable(package="keras_gan")
class SemiSupervisedGAN(GAN):
    """A GAN whose discriminator is also a K-way classifier (Salimans et al., 2016, section 5).

    D returns K class logits; the generated class has logit 0, so
    `D(x) = Z(x) / (Z(x) + 1)`, `Z = sum_k exp(l_k)`. Each discriminator
    update descends the supervised cross-entropy on a labelled minibatch
    plus the adversarial loss on an unlabelled one and on generated
    examples (`KPlusOneGame`); each generator update descends feature
    matching, `||mean f(x) - mean f(G(z))||^2`, f the features of D's layer
    `feature_layer` on the step's unlabelled examples. After training, D is
    the classifier: `classify(x)` is the argmax of its K logits.

    Training is `keras_gan.GAN`'s: the same `fit`, Algorithm 1's step (k
    discriminator updates, then one generator update), `DataGuard` checks,
    the moving average of G and instance noise. This class only adds the
    batch's labelled part to the step's minibatches and overrides the two
    updates.

    Batches (`semi_supervised_pipeline` builds the first kind):

    - `(unlabeled, (labeled_x, labeled_y))`: k * m unlabelled examples and
      k * m_l labelled ones with their integer labels; discriminator update
      i takes rows i, i + k, ... of each part.
    - `(images, labels)`: every example is used both as labelled and as
      unlabelled; the form of `validation_data=(x_test, y_test)`, whose
      `val_accuracy` is the classifier's accuracy.

    Bad data stops `fit` or `evaluate` as in `GAN`: a label outside [0, K),
    or NaN, Inf or far out-of-range values in either part, give a one-line
    `keras_gan.callbacks.BadBatchError` (a `ValueError`), and that batch
    updates no weight.

    Reported: `d_loss` (supervised + weight * unsupervised), `g_loss` (the
    feature-matching loss), `supervised_loss`, `unsupervised_loss`,
    `accuracy` (on the labelled examples of the batch), and `class_entropy`
    when the game weighs it.

    Not supported (refused): a conditional GAN (`num_classes`: the classes
    here are D's outputs, not an input), `r1_weight`, a `regularizer` and
    `real_label` below 1, which are defined for a one-logit D. Distribution
    strategies with several replicas are untested.

    Example:

    ```python
    ssgan = keras_gan.semi_supervised.SemiSupervisedGAN(
        keras_gan.semi_supervised.salimans_mnist_generator(seed=0),
        keras_gan.semi_supervised.salimans_mnist_discriminator(10, seed=1),
        seed=0,
    )
    ssgan.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
    )
    batches = keras_gan.semi_supervised.semi_supervised_pipeline(
        images, labeled_x, labeled_y, batch_size=100, num_classes=10, seed=0)
    ssgan.fit(batches, epochs=20, validation_data=(test_x, test_y))
    predicted = ssgan.classify(test_x)
    ```

    Args:
        generator: `keras.Model` from noise to examples (unconditional).
        discriminator: Functional `keras.Model` from examples to K >= 2
            logits `[batch, K]`, such as `salimans_mnist_discriminator`.
        feature_layer: Optional str, the name of D's layer whose output is f
            for feature matching. Default: D's last hidden features, the
            input of its final layer `"logit"` read before any noise or
            dropout layers right below `"logit"` (the original code matches
            the last dense layer's output, before its noise: noise on f
            would only add variance to the matched means).
        classifier_ema_decay: Optional float in [0, 1). When set, an
            exponential moving average of D's weights is kept (decay at
            discriminator step t: `min(decay, (1 + t) / (10 + t))`) and is
            the classifier: `classifier`, `classify` and `accuracy` in
            `evaluate` use it. The original code evaluates such an average
            (with decay 0.9999); averaging smooths the step-to-step swings
            of a D trained against a moving G.
        **kwargs: The other arguments of `keras_gan.GAN` (`latent_prior`,
            `discriminator_steps`, `instance_noise`, `ema_decay`, `seed`,
            `name`, ...).
    """

    def __init__(self, generator, discriminator, feature_layer=None, classifier_ema_decay=None, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        unsupported = {
            "num_classes": (self.num_classes, None),
            "r1_weight": (self.r1_weight, 0.0),
            "real_label": (self.real_label, 1.0),
        }
        for argument, (value, expected) in unsupported.items():
            if value != expected:
                raise ValueError(
                    f"Invalid value for argument `{argument}`. Received: {argument}={value!r}. "
                    f"Expected {argument}={expected!r}: a SemiSupervisedGAN's classes are its "
                    "discriminator's K outputs, and its game is the K+1-class one."
                )
        self.feature_layer = feature_layer
        self._num_logits = _num_logits(discriminator)
        self.classifier_ema_decay = None
        self.ema_discriminator = None
        if classifier_ema_decay is not None:
            _check_decay(classifier_ema_decay)
            self.classifier_ema_decay = float(classifier_ema_decay)
            self.ema_discriminator = keras.models.clone_model(discriminator)
            self.ema_discriminator.name = f"{discriminator.name}_ema"
            self.ema_discriminator.set_weights(discriminator.get_weights())
        # Shares D's layers; kept out of Keras' tracking so D's weights are saved once.
        object.__setattr__(self, "_features_and_logits", _features_and_logits(discriminator, feature_layer))
        object.__setattr__(self, "_classifier", None)
        self._set_game(KPlusOneGame(), None)

    @property
    def num_label_classes(self):
        """Int, K: the number of classes of the labels, D's number of outputs."""
        return self._num_logits

    def compile(self, d_optimizer, g_optimizer, loss=None, regularizer=None, **kwargs):
        """Configures training: the optimizers and the K+1 game.

        Example:

        ```python
        ssgan.compile(
            d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
            loss=keras_gan.semi_supervised.KPlusOneGame(unsupervised_weight=0.5),
        )
        ```

        Args:
            d_optimizer: The discriminator's optimizer (instance or name).
            g_optimizer: The generator's optimizer (instance or name).
            loss: `None` (a `KPlusOneGame()`, the paper's game) or a
                `KPlusOneGame`, whose `unsupervised_weight` weighs the
                adversarial part of D's loss (and `entropy_weight` an
                optional class-entropy term).
            regularizer: Must be `None`: the penalties are defined for a
                one-logit discriminator.
            **kwargs: Other `keras.Model.compile` arguments, such as
                `jit_compile` and `steps_per_execution`.
        """
        try:
            game = KPlusOneGame() if loss is None else losses.get(loss)
        except ValueError:
            game = None
        if not isinstance(game, KPlusOneGame):
            raise ValueError(
                f"Invalid value for argument `loss`. Received: loss={loss!r}. Expected None or a "
                "`keras_gan.semi_supervised.KPlusOneGame`: a SemiSupervisedGAN plays the K+1 game."
            )
        if regularizer is not None:
            raise ValueError(
                f"Invalid value for argument `regularizer`. Received: regularizer={regularizer!r}. "
                "Expected None: the penalties are defined for a discriminator with one logit."
            )
        super().compile(d_optimizer, g_optimizer, loss=game, **kwargs)
        with self.distribute_strategy.scope():
            # The labels name one of D's K outputs.
            self._batch_checks = BatchChecks(
                self._batch_checks.value_range, self.discriminator_steps, self._num_logits
            )

    def test_step(self, data):
        batch = self._step_batch(data)
        self._check_batch(batch, training=False)
        # Evaluation has no update to withhold: keep a bad label's one-hot
        # valid until the DataGuard reports it.
        labels = ops.clip(batch["labels"], 0, self._num_logits - 1)
        generator_inputs, _ = self._fakes_to_draw(ops.shape(batch["real"])[0])
        fake = self.generator(generator_inputs, training=False)
        parts, (real_features, _, fake_features) = self._loss_parts(
            batch["real"], batch["labeled"], labels, fake, training=False
        )
        parts["g_loss"] = self.game.feature_matching_loss(real_features, fake_features)
        if self.ema_discriminator is not None:
            # The accuracy is the classifier's: the average's.
            logits = ops.cast(self.ema_discriminator(batch["labeled"], training=False), "float32")
            parts["accuracy"] = self.game.accuracy(logits, labels)
        self._record_parts(parts)
        return self._logs()

    def _step_batch(self, data):
        """The unlabelled examples (`"real"`), and the labelled ones with their labels."""
        unlabeled, labeled_x, labels = _split_batch(data)
        real, _ = self._real_examples(unlabeled)
        labeled_x, _ = self._real_examples(labeled_x)
        return {"real": real, "labeled": labeled_x, "labels": validation.integer_labels(labels, self._num_logits)}

    def _check_batch(self, batch, training):
        # Both parts' values, and the labels against D's K outputs.
        examples = ops.concatenate([batch["real"], batch["labeled"]], axis=0)
        return self._batch_checks.check(examples, training=training, labels=batch["labels"])

    def _discriminator_update(self, minibatch, fakes):
        generator_inputs, _ = fakes
        fake = self.generator(generator_inputs, training=True)

        def loss():
            parts, _ = self._loss_parts(
                minibatch["real"], minibatch["labeled"], minibatch["labels"], fake, training=True
            )
            return parts["d_loss"], parts

        (parts,) = self._descend(self.d_optimizer, self.discriminator.trainable_weights, loss)
        self._record_parts(parts)
        if self.ema_discriminator is not None:
            self._update_discriminator_ema()

    def _generator_update(self, fakes, minibatch):
        generator_inputs, _ = fakes
        real = self._add_instance_noise(minibatch["real"])
        # Outside the tape: the real features are a target, not a path to G.
        real_features, _ = self._features_and_logits(real, training=True)
        real_features = ops.stop_gradient(ops.cast(real_features, "float32"))

        def loss():
            fake = self._add_instance_noise(self.generator(generator_inputs, training=True))
            fake_features, _ = self._features_and_logits(fake, training=True)
            matching = self.game.feature_matching_loss(real_features, ops.cast(fake_features, "float32"))
            return matching, matching

        (matching,) = self._descend(self.g_optimizer, self.generator.trainable_weights, loss)
        self._trackers["g_loss"].update_state(matching)

    def _update_discriminator_ema(self):
        # The warm-up of `GAN`'s generator average: close to D early, a long average later.
        step = ops.cast(self.d_optimizer.iterations, "float32")
        decay = ops.minimum(self.classifier_ema_decay, (1.0 + step) / (10.0 + step))
        for average, weight in zip(self.ema_discriminator.weights, self.discriminator.weights):
            average.assign(decay * average + (1.0 - decay) * weight if weight.trainable else weight)

    def _loss_parts(self, real, labeled_x, labels, fake, training):
        """D's losses and diagnostics, and the features of each batch, from one forward pass.

        Returns:
            `(parts, features)`: a dict with `d_loss` and the game's
            diagnostics; the features of `real`, `labeled_x` and `fake`.
        """
        batches = (real, labeled_x, fake)
        inputs = ops.concatenate(batches, axis=0)
        if training:
            inputs = self._add_instance_noise(inputs)
        features, logits = self._features_and_logits(inputs, training=training)
        # The losses in float32 under a mixed precision policy.
        features, logits = ops.cast(features, "float32"), ops.cast(logits, "float32")
        sizes = [ops.shape(batch)[0] for batch in batches]
        starts = [0, sizes[0], sizes[0] + sizes[1]]
        split_logits = [logits[start : start + size] for start, size in zip(starts, sizes)]
        split_features = tuple(features[start : start + size] for start, size in zip(starts, sizes))
        real_logits, labeled_logits, fake_logits = split_logits
        parts = self.game.diagnostics(real_logits, fake_logits, labeled_logits, labels)
        parts["d_loss"] = self.game.discriminator_total(parts)
        return parts, split_features

    def _record_parts(self, parts):
        for name, value in parts.items():
            self._trackers[name].update_state(value)

    @property
    def classifier(self):
        """The discriminator as a classifier: a `keras.Model` from examples to `[batch, K]` probabilities.

        `softmax` of D's K logits, sharing the layers of D, or of its moving
        average with `classifier_ema_decay` (it follows D as it trains); its
        argmax is `classify`'s class. It saves and loads alone (`.keras`,
        `safe_mode=True`).
        """
        if self._classifier is None:
            discriminator = self.ema_discriminator or self.discriminator
            probabilities = keras.layers.Softmax(name="probabilities")(discriminator.outputs[0])
            classifier = keras.Model(
                discriminator.inputs[0], probabilities, name=f"{discriminator.name}_classifier"
            )
            object.__setattr__(self, "_classifier", classifier)
        return self._classifier

    def classify(self, x, batch_size=256):
        """The class of each example: the argmax of D's K logits, without noise or dropout.

        Example:

        >>> accuracy = np.mean(ssgan.classify(test_x) == test_y)

        Args:
            x: Array `[n, *example_shape]` in the generator's output range.
            batch_size: Int, how many examples to classify at once.

        Returns:
            An int64 NumPy array `[n]` of classes in `[0, K)`.
        """
        probabilities = self.classifier.predict(x, batch_size=batch_size, verbose=0)
        return np.argmax(probabilities, axis=-1).astype(np.int64)

    def get_config(self):
        config = {"feature_layer": self.feature_layer, "classifier_ema_decay": self.classifier_ema_decay}
        return {**super().get_config(), **config}


def _check_decay(value):
    is_number = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if not is_number or not 0.0 <= value < 1.0:
        raise ValueError(
            f"Invalid value for argument `classifier_ema_decay`. Received: classifier_ema_decay={value!r}. "
            "Expected None or a float in [0, 1)."
        )


def _split_batch(data):
    """`(unlabeled, labeled_x, labels)` from either batch form (see `SemiSupervisedGAN`)."""
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    if sample_weight is None and isinstance(y, (tuple, list)) and len(y) == 2:
        return x, y[0], y[1]
    if sample_weight is None and y is not None and not isinstance(y, (tuple, list, dict)):
        return x, x, y
    structure = keras.tree.map_structure(lambda value: tuple(getattr(value, "shape", ())), data)
    raise ValueError(
        f"Invalid value for argument `data` (a batch). Received: a batch of structure {structure}. "
        "Expected (unlabeled, (labeled_x, labeled_y)), as `semi_supervised_pipeline` makes, or "
        "(images, labels)."
    )


def _num_logits(discriminator):
    shape = tuple(getattr(discriminator, "output_shape", ()) or ())
    if len(shape) != 2 or shape[-1] is None or shape[-1] < 2:
        raise ValueError(
            f"Invalid value for argument `discriminator`. Received: a discriminator with output "
            f"shape {shape}. Expected K >= 2 class logits, [batch, K], e.g. from "
            "`keras_gan.semi_supervised.salimans_mnist_discriminator(num_classes=K)`."
        )
    return int(shape[-1])


def _features_and_logits(discriminator, feature_layer):
    """D as a model returning `[features f, logits]`, sharing D's layers."""
    if not getattr(discriminator, "inputs", None):
        raise ValueError(
            f"Invalid value for argument `discriminator`. Received: a {type(discriminator).__name__} "
            "without a graph of layers. Expected a functional `keras.Model`, whose layers "
            "feature matching can read."
        )
    names = [layer.name for layer in discriminator.layers]
    if feature_layer is None:
        if LOGIT_LAYER not in names:
            raise ValueError(
                f"Invalid value for argument `feature_layer`. Received: feature_layer=None for a "
                f"discriminator without a layer named {LOGIT_LAYER!r} (layers: {names}). Expected "
                "the name of the layer whose output feature matching uses."
            )
        features = _before_noise(discriminator, discriminator.get_layer(LOGIT_LAYER).input)
    elif feature_layer in names and feature_layer != names[0]:
        features = discriminator.get_layer(feature_layer).output
    else:
        raise ValueError(
            f"Invalid value for argument `feature_layer`. Received: feature_layer={feature_layer!r}. "
            f"Expected None or the name of one of the discriminator's layers {names[1:]}."
        )
    # D has one input here (a conditional GAN is refused before).
    return keras.Model(
        discriminator.inputs[0], [features, discriminator.outputs[0]], name=f"{discriminator.name}_features"
    )


# Layers that only add noise: the features are read before them.
_NOISE_LAYERS = (keras.layers.GaussianNoise, keras.layers.Dropout, keras.layers.GaussianDropout, keras.layers.AlphaDropout)


def _before_noise(model, tensor):
    """`tensor`, or the input of the noise or dropout layers that produce it."""
    while True:
        producer = next((layer for layer in model.layers if layer.output is tensor), None)
        if not isinstance(producer, _NOISE_LAYERS):
            return tensor
        tensor = producer.input
