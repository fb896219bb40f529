"""`class_accuracy`: how often a conditional generator produces the class it is asked for."""

import numpy as np

from keras_gan import validation


def class_accuracy(gan, classify, num_per_class=1000, seed=0, batch_size=1000):
    """The share of a conditional GAN's samples that a classifier assigns to the asked class.

    Draws `num_per_class` samples of every class (fresh noise from `seed`),
    classifies them, and compares. With the digit classifier shipped with
    the package (>= 99% accurate on real held-out digits) this measures
    whether p(x | c) puts the right digit in x; on a toy mixture whose
    modes are the classes, `classify` is the nearest mode.

    Example:

    ```python
    classifier = keras_gan.metrics.digit_classifier()
    result = keras_gan.metrics.class_accuracy(
        gan, lambda x: classifier.predict(x, verbose=0).argmax(-1))
    result["class_accuracy"], result["min_class_accuracy"]
    ```

    Args:
        gan: A conditional `keras_gan.GAN` (or `keras_gan.Generator`), with
            `num_classes` and `generate(n, seed=..., labels=...)`.
        classify: Callable from samples `[n, ...]` to integer classes `[n]`.
        num_per_class: Positive int, samples of each class.
        seed: Int seed of the noise.
        batch_size: Int, samples generated at once.

    Returns:
        A dict: `class_accuracy` (over all samples), `min_class_accuracy`
        (of the worst class) and `per_class_accuracy` (a list, class 0 first).
    """
    num_classes = getattr(gan, "num_classes", None)
    if num_classes is None:
        raise ValueError(
            "`class_accuracy` measures a conditional generator. Received: a model with "
            "num_classes=None. Expected one built with `num_classes=...`."
        )
    num_per_class = validation.check_positive_int("num_per_class", num_per_class)
    asked = np.repeat(np.arange(num_classes, dtype=np.int32), num_per_class)
    samples = gan.generate(len(asked), seed=seed, batch_size=batch_size, labels=asked)
    predicted = np.asarray(classify(samples)).reshape(-1)
    if predicted.shape != asked.shape:
        raise ValueError(
            f"`classify` must return one class per sample. Received: {predicted.shape[0]} classes "
            f"for {len(asked)} samples."
        )
    correct = predicted == asked
    per_class = [float(correct[asked == c].mean()) for c in range(num_classes)]
    return {
        "class_accuracy": float(correct.mean()),
        "min_class_accuracy": min(per_class),
        "per_class_accuracy": per_class,
    }
