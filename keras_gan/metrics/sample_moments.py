"""The samples' mean and standard deviation, over all their values: the metric `"sample_moments"`.

For 1-D toy data they say at a glance where the generator's mass is
(`generated_mean`) and how wide it is (`generated_std`), next to the data's
mean and std; `ks_distance` measures the whole gap.
"""

from keras_gan.metrics import registry


@registry.register("sample_moments", log_keys=("generated_mean", "generated_std"))
def _sample_moments_logs(evaluation):
    return {
        "generated_mean": float(evaluation.samples.mean()),
        "generated_std": float(evaluation.samples.std()),
    }
