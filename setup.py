"""Installs keras_gan, its experiment launchers and its exporter."""

import setuptools

setuptools.setup(
    name="keras_gan",
    version="0.1.0",
    description=(
        "Generative Adversarial Nets (Goodfellow et al., 2014) as a Keras model: "
        "Algorithm 1 in train_step, the paper's architectures and evaluation."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=setuptools.find_packages(include=["keras_gan*", "experiments*", "export*"]),
    # The digit classifier behind keras_gan.metrics.digit_features (about 430 KB).
    package_data={"keras_gan.metrics": ["digit_classifier.keras"]},
    install_requires=[
        "tensorflow==2.21.*",
        "keras>=3.15",
        "tensorflow-probability==0.25.*",
        "tf-keras==2.21.*",  # TFP imports tf_keras; its version follows TensorFlow's.
        "tensorflow-datasets>=4.9",
        # tfds imports it on every load (DatasetBuilder.code_path) but declares it
        # only for Python < 3.9, and none of its other requirements installs it.
        "importlib-resources>=5",
        "tensorboard==2.21.*",  # TF 2.21 no longer installs it.
        "absl-py>=2.1",
        "ml-collections>=1.0",  # the experiment configs (experiments/configs/)
        "ai-edge-litert>=2.0",
        "numpy>=1.26",
        "pillow>=10",
        "matplotlib>=3.8",
    ],
    extras_require={
        # SciPy: the tests' independent references (sqrtm, cdist); the library does not use it.
        # pytest-xdist: `make test-portable` runs on one intra-op thread, so two workers fill two cores.
        "test": ["pytest>=8", "pytest-xdist>=3.5", "scipy>=1.11"],
        "bench": ["torch==2.13.0"],
    },
)
