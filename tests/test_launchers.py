"""The launchers as users run them (`python -m experiments.<name>` in a subprocess), and their configs.

User errors end with one line on stderr and exit code 1, never a traceback;
real bugs keep theirs; `--help` lists the settings of the config being run;
the same seed and config give the same weights, and a run's `config.py`
repeats it. The processes run a few at a time from one module fixture, all
bounded by one deadline (tests/processes.py); at the deadline every process
group still running is killed.
"""

import csv
import hashlib
import json
import math
import runpy
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gan
import processes
from experiments import launch
from experiments import train
from experiments.configs import base
from experiments.configs import cifar10
from experiments.configs import cifar10_stable
from experiments.configs import image_folder
from experiments.configs import mnist
from experiments.configs import mnist_dcgan
from experiments.configs import mnist_stable
from experiments.configs import toy_gaussian_1d
from experiments.configs import toy_grid
from experiments.configs import toy_ring
from keras_gan import optimizers

REPO = processes.REPO
PARALLEL = 4
_U = 2.0**-24  # float32's unit roundoff
TOY = [sys.executable, "-m", "experiments.toy", "--config.num_examples=256", "--config.batch_size=64"]
# Bitwise comparisons across processes need TF op determinism (`deterministic`).
SEEDED = TOY + ["--config.epochs=1", "--config.seed=3", "--config.verbose=0", "--config.deterministic"]
# Commands that start once another has finished: name -> the one it waits for.
_AFTER = {"repeated": "seeded_1"}


def _commands(root):
    folder = _write_image_folder(root / "images")
    return {
        "epochs_not_an_int": TOY + ["--config.epochs=abc", f"--output_dir={root / 'a'}"],
        "unknown_setting": TOY + ["--config.epoch=3", f"--output_dir={root / 'a'}"],
        "unknown_strategy": TOY + ["--config.strategy=horovod", f"--output_dir={root / 'b'}"],
        "negative_learning_rate": TOY + ["--config.learning_rate=-1", f"--output_dir={root / 'c'}"],
        "multi_worker_without_tf_config": TOY + ["--config.strategy=multi_worker", f"--output_dir={root / 'e'}"],
        # The refused download itself is tested in process (test_data.py): tfds retries
        # it for minutes. Here, the launcher's one-line report of a data error.
        "offline_mnist": [sys.executable, "-m", "experiments.mnist", f"--output_dir={root / 'f'}",
                          f"--data_dir={root / 'no_data'}"],
        "help_mnist": [sys.executable, "-m", "experiments.mnist", "--config=experiments/configs/mnist.py",
                       "--config.batch_size=64", "--help"],
        "seeded_1": SEEDED + [f"--output_dir={root / 'seeded_1'}"],
        "seeded_2": SEEDED + [f"--output_dir={root / 'seeded_2'}"],
        "seeded_one_step_per_call": SEEDED + ["--config.steps_per_execution=1",
                                              f"--output_dir={root / 'seeded_one_step_per_call'}"],
        # The run's config.py alone, into another directory.
        "repeated": [sys.executable, "-m", "experiments.toy", f"--config={root / 'seeded_1' / 'config.py'}",
                     f"--output_dir={root / 'repeated'}"],
        # The paper's Figure 1 problem, shortened to 780 steps (about 20 s).
        "gaussian_1d": [sys.executable, "-m", "experiments.toy", "--config=experiments/configs/toy_gaussian_1d.py",
                        "--config.epochs=10", "--config.num_examples=20000", "--config.verbose=0",
                        f"--output_dir={root / 'gaussian_1d'}"],
        "image_folder": [sys.executable, "-m", "experiments.image_folder", f"--data_dir={folder}",
                         "--config.architecture=mlp_small", "--config.image_size=(12, 10)", "--config.color_mode=rgb",
                         "--config.batch_size=4", "--config.epochs=1", "--config.verbose=0",
                         f"--output_dir={root / 'image_folder'}"],
    }


def _write_image_folder(root):
    """Ten PNGs of mixed sizes and modes in two class folders (the launcher ignores the classes)."""
    rng = np.random.default_rng(0)
    for index in range(10):
        path = root / ("cats" if index % 2 else "dogs") / f"{index}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, size=(16 + index, 20, 3), dtype=np.uint8)
        image = Image.fromarray(pixels)
        (image.convert("L") if index % 3 == 0 else image).save(path)
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("launchers")
    logs = root / "logs"
    logs.mkdir()
    pending = list(_commands(root).items())
    running, results = {}, {}
    deadline = time.monotonic() + processes.timeout()
    try:
        while pending or running:
            ready = [item for item in pending if item[0] not in _AFTER or _AFTER[item[0]] in results]
            while ready and len(running) < PARALLEL:
                name, command = ready.pop(0)
                pending.remove((name, command))
                # Output to files: a full pipe would stall a process that nobody reads yet.
                with open(logs / f"{name}.out", "w") as stdout, open(logs / f"{name}.err", "w") as stderr:
                    running[name] = processes.start(command, stdout=stdout, stderr=stderr)
            for name, process in list(running.items()):
                if process.poll() is not None:
                    stdout, stderr = ((logs / f"{name}.{kind}").read_text() for kind in ("out", "err"))
                    results[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
                    del running[name]
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"launchers still running at the deadline: {sorted(running)}. On a slow "
                    f"machine raise {processes.TIMEOUT_SCALE_VARIABLE}."
                )
            time.sleep(0.1)
    finally:
        for process in running.values():
            processes.kill_group(process)
    return root, results


def _failed_without_traceback(result):
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


def _error_line(result, prefix="error: "):
    """The one `error: ...` line of a launcher that stopped on a user error.

    Not necessarily the last line of stderr: threads that tfds started for a failed
    download may still log their retries while the process exits.
    """
    _failed_without_traceback(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    assert len(errors) == 1, result.stderr[-3000:]
    return errors[0]


class TestUserErrors:
    # Values ml_collections or absl reject while parsing: absl's one-line "FATAL Flags parsing error".
    def test_setting_of_the_wrong_type(self, runs):
        line = _error_line(runs[1]["epochs_not_an_int"], "FATAL Flags parsing error: ")
        assert line.startswith("FATAL Flags parsing error: flag --config.epochs=abc")

    def test_unknown_setting(self, runs):
        line = _error_line(runs[1]["unknown_setting"], "FATAL Flags parsing error: ")
        assert line.endswith("unknown setting --config.epoch. Did you mean epochs instead of epoch?")

    def test_unknown_strategy_name(self, runs):
        line = _error_line(runs[1]["unknown_strategy"])
        assert "strategy='horovod'" in line and "multi_worker" in line

    def test_negative_learning_rate(self, runs):
        line = _error_line(runs[1]["negative_learning_rate"])
        assert line == (
            "error: Invalid value for argument `learning_rate`. Received: learning_rate=-1.0. "
            "Expected a positive float."
        )

    def test_multi_worker_without_tf_config(self, runs):
        line = _error_line(runs[1]["multi_worker_without_tf_config"])
        assert line.startswith("error: --strategy=multi_worker needs the TF_CONFIG environment variable.")

    def test_offline_without_local_data(self, runs):
        line = _error_line(runs[1]["offline_mnist"])
        assert line.startswith("error: Could not load 'mnist': directory not found.")


class TestHelp:
    def test_lists_the_settings_of_the_config_with_the_values_it_would_use(self, runs):
        result = runs[1]["help_mnist"]
        assert result.returncode == 0, result.stderr[-3000:]
        lines = result.stdout.splitlines()
        assert lines[0] == "Trains a GAN on MNIST (the paper's section 5)."
        assert "  --config=experiments/configs/mnist.py" in lines
        settings = {line.split(" = ")[0].strip(): line.split(" = ", 1)[1] for line in lines if " = " in line}
        # Every setting of the config, once, with its value after the override and its help.
        assert sorted(settings) == sorted(mnist.get_config())
        assert settings["batch_size"].startswith("64 ") and settings["batch_size"].endswith(
            f"# {base.HELP['batch_size']}"
        )
        assert settings["optimizer"].startswith("'sgd' ") and settings["learning_rate"].startswith("0.1 ")
        # The launcher's flags only: absl's own (and TensorFlow's, absltest's) stay out of it.
        listed = [line.split("=")[0].strip() for line in lines if line.startswith("  --")]
        assert listed == ["--config", "--output_dir", "--data_dir", "--helpfull"]
        # Besides the settings: the docstring, the four flags and headings, a screen's worth at most.
        assert len(lines) - len(settings) < 30


class TestRun:
    """`experiments.launch.run`, which every launcher's `__main__` calls, in process."""

    @pytest.fixture(autouse=True)
    def argv(self, monkeypatch, tmp_path):
        monkeypatch.setattr(sys, "argv", ["launcher", f"--output_dir={tmp_path}"])

    def test_error_raised_by_the_library_is_one_line_and_exit_1(self):
        def main(config):
            keras_gan.priors.get("cauchy")

        with pytest.raises(SystemExit) as exit_:
            launch.run("toy_ring.py", main)
        message = exit_.value.code  # sys.exit(message): printed to stderr, exit status 1
        assert isinstance(message, str) and message.startswith("error: ") and "cauchy" in message
        assert "\n" not in message

    def test_a_bug_keeps_its_exception_and_traceback(self):
        def main(config):
            int("not a number")  # raised outside keras_gan/ and experiments/

        with pytest.raises(ValueError, match="invalid literal for int"):
            launch.run("toy_ring.py", main)

    def test_other_exception_types_pass_through(self):
        def main(config):
            raise KeyError("bug")

        with pytest.raises(KeyError):
            launch.run("toy_ring.py", main)

    def test_main_receives_the_parsed_config(self):
        received = []
        with pytest.raises(SystemExit) as exit_:
            launch.run("toy_ring.py", received.append)
        assert exit_.value.code is None  # absl's exit status 0
        assert received and received[0].problem == "ring"


class TestReproducibility:
    def test_same_seed_and_config_give_identical_weights(self, runs):
        # Two processes, deterministic: TF op determinism makes every op's output a function of
        # its inputs, so the same program on the same machine gives the same bits.
        root, results = runs
        for name in ("seeded_1", "seeded_2"):
            assert results[name].returncode == 0, results[name].stderr[-3000:]
            assert _run_config(root / name).deterministic is True
        first, second = (keras.saving.load_model(root / name / "gan.keras") for name in ("seeded_1", "seeded_2"))
        # Both trained: one epoch of 256 examples in batches of 64.
        assert int(first.g_optimizer.iterations) == int(second.g_optimizer.iterations) == 4
        assert len(first.weights) == len(second.weights) > 0
        for a, b in zip(_arrays(first), _arrays(second)):
            np.testing.assert_array_equal(a, b)
        # The printed digest is that of the saved weights, hence equal too.
        for name, gan in (("seeded_1", first), ("seeded_2", second)):
            assert _stdout_value(results[name].stdout, "weights_sha256") == _sha256(_arrays(gan))

    def test_the_run_config_repeats_the_run(self, runs):
        root, results = runs
        assert results["repeated"].returncode == 0, results["repeated"].stderr[-3000:]
        assert _run_config(root / "repeated").to_dict() == _run_config(root / "seeded_1").to_dict()
        assert _stdout_value(results["repeated"].stdout, "weights_sha256") == _stdout_value(
            results["seeded_1"].stdout, "weights_sha256"
        )

    def test_run_config_holds_the_resolved_settings(self, runs):
        config = _run_config(runs[0] / "seeded_1")
        expected = toy_ring.get_config()
        expected.update(num_examples=256, batch_size=64, epochs=1, seed=3, verbose=0, deterministic=True,
                        steps_per_execution=10)
        assert config.to_dict() == expected.to_dict()


class TestStepsPerExecution:
    def test_the_default_is_10_per_call_and_trains_to_the_same_weights_as_1(self, runs):
        # Both deterministic: the same traced train step runs, once per call or in a loop of
        # 10, each op deterministic, so the weights agree bit for bit.
        root, results = runs
        by_setting = {}
        for name in ("seeded_1", "seeded_one_step_per_call"):
            assert results[name].returncode == 0, results[name].stderr[-3000:]
            gan = keras.saving.load_model(root / name / "gan.keras")
            by_setting[gan.steps_per_execution] = gan
            assert _run_config(root / name).steps_per_execution == gan.steps_per_execution
        assert sorted(by_setting) == [1, 10]
        assert int(by_setting[1].g_optimizer.iterations) == int(by_setting[10].g_optimizer.iterations) == 4
        for a, b in zip(_arrays(by_setting[1]), _arrays(by_setting[10])):
            np.testing.assert_array_equal(a, b)

    @pytest.mark.parametrize(
        "options, expected",
        [({}, 10), ({"strategy": "mirrored"}, 1), ({"strategy": "mirrored", "steps_per_execution": 3}, 3)],
    )
    def test_resolved_setting(self, options, expected):
        config = toy_ring.get_config()
        config.update(options)
        assert train.resolve(config).steps_per_execution == expected
        assert config.steps_per_execution == options.get("steps_per_execution")  # the input is left as it was

    def test_rejects_zero_where_the_library_receives_it(self):
        config = toy_ring.get_config()
        config.steps_per_execution = 0
        gan = train.make_gan(config, *_mlp_pair())
        with pytest.raises(ValueError, match="Received: steps_per_execution=0"):
            train.compile_gan(gan, config, steps_per_epoch=10)
        with pytest.raises(ValueError, match=r"Invalid value for argument `latent_dim`.*shape \(None, 0\)"):
            keras_gan.models.mlp_generator(latent_dim=0)


class TestFigure1:
    def test_generator_matches_the_1d_data_and_the_discriminator_is_flat(self, runs):
        root, results = runs
        assert results["gaussian_1d"].returncode == 0, results["gaussian_1d"].stderr[-3000:]
        metrics = json.loads((root / "gaussian_1d" / "metrics.json").read_text())
        # The paper's end state: p_g = p_data, so D(x) = 1/2. A flat D alone is
        # not enough: a generator 20% too narrow has a KS distance of 0.063.
        # Bounds on a training outcome, not on rounding: seeds 0-5 (each a far larger
        # perturbation than another CPU's rounding), under ONEDNN_MAX_CPU_ISA=AVX2, gave
        # KS <= 0.025, |mean - 4| <= 0.015, |std - 0.5| <= 0.026 and |D - 1/2| <= 0.018.
        assert metrics["ks_distance"] < 0.04
        assert abs(metrics["generated_mean"] - 4.0) < 0.05
        assert abs(metrics["generated_std"] - 0.5) < 0.05
        assert metrics["max_abs_d_minus_half_over_bulk"] <= 0.1
        assert (root / "gaussian_1d" / "figure1.png").stat().st_size > 0


class TestImageFolderLauncher:
    def test_trains_on_a_folder_of_images(self, runs):
        root, results = runs
        result = results["image_folder"]
        assert result.returncode == 0, result.stderr[-3000:]
        output = root / "image_folder"
        metrics = json.loads((output / "metrics.json").read_text())
        # 10 images in batches of 4: 2 steps, the remainder left out.
        assert metrics["epochs"] == 1 and metrics["num_examples"] == 10
        gan = keras.saving.load_model(output / "gan.keras")
        assert int(gan.g_optimizer.iterations) == 2
        generator = keras.saving.load_model(output / "generator.keras")
        assert tuple(generator.output_shape[1:]) == (12, 10, 3)
        grid = Image.open(output / "grids" / "samples_epoch_0001.png")
        assert grid.mode == "RGB"
        assert (output / "interpolation.png").stat().st_size > 0
        assert _run_config(output).image_size == (12, 10)


class TestConfigs:
    """The values README's "Configs" section and REFERENCE section 3 promise, exactly."""

    @staticmethod
    def _gan(config):
        config = train.resolve(config)
        gan = train.make_gan(config, *_mlp_pair())
        train.compile_gan(gan, config, steps_per_epoch=10)
        return gan

    def test_paper_has_the_original_settings_and_no_remedies(self):
        paper = mnist.get_config()
        assert (paper.dataset, paper.architecture) == ("mnist", "paper")
        # Uniform noise, k = 1, minibatch 100, the non-saturating generator loss.
        gan = self._gan(paper)
        assert keras_gan.priors.name_of(gan.latent_prior) == "uniform"
        assert (gan.discriminator_steps, gan.instance_noise, gan.real_label) == (1, 0.0, 1.0)
        assert (paper.loss, paper.batch_size) == ("non_saturating", 100)
        assert (gan.regularizer, gan.ema_decay, gan.ema_generator) == (None, None, None)
        assert gan.game == keras_gan.losses.NonSaturating()
        assert "r1_penalty" not in [m.name for m in gan.metrics]
        assert (paper.optimizer, paper.learning_rate) == ("sgd", 0.1)
        assert (paper.momentum, paper.final_momentum, paper.momentum_saturate_epoch) == (0.5, 0.7, 250)
        assert (paper.decay_factor, paper.min_learning_rate) == (1.000004, 1e-6)

    def test_paper_uses_sgd_with_the_original_schedules(self):
        config = mnist.get_config()
        d_optimizer, g_optimizer = (train.make_optimizer(config, steps_per_epoch=10) for _ in range(2))
        assert d_optimizer is not g_optimizer
        for optimizer in (d_optimizer, g_optimizer):
            assert type(optimizer) is optimizers.ScheduledMomentumSGD and not optimizer.nesterov
            momentum = optimizer.momentum_schedule
            # Momentum 0.5 until epoch 1 (step 10), rising linearly to 0.7 at epoch 250 (step 2500).
            assert momentum.get_config() == {"initial": 0.5, "final": 0.7, "start_step": 10, "end_step": 2500}
            # float32 ramp: five roundings of values <= 2 * 0.7 (see test_schedules.py).
            np.testing.assert_allclose(
                [float(momentum(step)) for step in (0, 10, 1255, 2500, 9999)],
                [0.5, 0.5, 0.6, 0.7, 0.7],
                rtol=0,
                atol=8 * _U * 0.7,
            )
            rate = optimizer._learning_rate
            assert rate.get_config() == {"initial_learning_rate": 0.1, "decay_factor": 1.000004, "floor": 1e-6}
            assert float(rate(0)) == float(np.float32(0.1))
            for step in (1, 1000, 1_000_000):
                # Relative float32 error u * (2 * step * log(1.000004) + 6) (see test_schedules.py);
                # at step 1 it is 6u = 3.6e-7, below the step's decay of 4e-6.
                np.testing.assert_allclose(
                    float(rate(step)),
                    0.1 / 1.000004**step,
                    rtol=_U * (2 * step * math.log(1.000004) + 6),
                    atol=0,
                )
            assert float(rate(10**8)) == float(np.float32(1e-6))

    def test_stable_is_r1_10_ema_0_999_and_adam_2e_4_beta_0_5(self):
        stable, paper = mnist_stable.get_config(), mnist.get_config()
        recipe = {"r1_weight": 10.0, "ema_decay": 0.999, "optimizer": "adam", "learning_rate": 2e-4, "beta_1": 0.5}
        # Everything else as in the paper's.
        assert {name: stable[name] for name in recipe} == recipe
        assert {k: v for k, v in stable.items() if k not in recipe} == {
            k: v for k, v in paper.items() if k not in recipe
        }
        gan = self._gan(stable)
        assert (gan.regularizer, gan.ema_decay) == (keras_gan.losses.R1(10.0), 0.999)
        assert gan.ema_generator is not None and gan.sampling_generator is gan.ema_generator
        assert "r1_penalty" in [m.name for m in gan.metrics]
        d_optimizer, g_optimizer = (train.make_optimizer(stable, steps_per_epoch=10) for _ in range(2))
        assert d_optimizer is not g_optimizer
        for optimizer in (d_optimizer, g_optimizer):
            assert type(optimizer) is keras.optimizers.Adam
            # The rate is a float32 variable holding float32(2e-4); beta_1 a Python float.
            assert float(optimizer.learning_rate) == float(np.float32(2e-4))
            assert optimizer.beta_1 == 0.5

    def test_cifar10_paper_and_stable(self):
        paper, stable = cifar10.get_config(), cifar10_stable.get_config()
        assert (paper.dataset, paper.batch_size, paper.learning_rate, paper.preprocessing) == (
            "cifar10", 128, 0.004, "gcn"
        )
        assert (stable.batch_size, stable.optimizer, stable.r1_weight) == (100, "adam", 10.0)

    def test_every_config_file_is_valid_and_its_kind_complete(self):
        configs = (mnist, mnist_stable, cifar10, cifar10_stable, image_folder, toy_ring, toy_grid, toy_gaussian_1d)
        for module in configs:
            config = module.get_config()
            train.check_settings(train.resolve(config))
            assert set(config) <= set(base.HELP), module.__name__
        problems = [module.get_config().problem for module in (toy_ring, toy_grid, toy_gaussian_1d)]
        for problem in problems:
            keras_gan.toy.get(problem)
        assert sorted(problems) == ["gaussian_1d", "grid", "ring"]

    def test_settings_of_another_kind_of_data_are_refused(self):
        config = mnist.get_config()
        config.dataset = "toy"
        with pytest.raises(ValueError, match="does not hold the settings of dataset='toy'"):
            train.check_settings(config)

    @pytest.mark.parametrize(
        "name, value, expected",
        [
            ("epochs", 0, "Received: epochs=0. Expected a positive integer"),
            ("parzen_every", -1, "Received: parzen_every=-1. Expected an integer >= 0"),
            ("train_range", "7000:0", r"Received: train_range='7000:0'. Expected an index range"),
            ("jit_compile", "yes", r"Received: jit_compile='yes'. Expected one of \['auto', 'true', 'false'\]"),
        ],
    )
    def test_launcher_settings_are_checked_before_anything_runs(self, name, value, expected):
        config = mnist.get_config()
        config[name] = value
        with pytest.raises(ValueError, match=expected):
            train.check_settings(config)

    def test_train_and_evaluate_in_process(self, tmp_path):
        config = toy_ring.get_config()
        config.update(num_examples=128, batch_size=64, epochs=1, verbose=0)
        metrics = train.train_and_evaluate(config, str(tmp_path))
        assert metrics["epochs"] == 1 and metrics["num_modes"] == 8
        assert json.loads((tmp_path / "metrics.json").read_text())["weights_sha256"] == metrics["weights_sha256"]
        assert _run_config(tmp_path).num_examples == 128

    def test_mnist_run_reports_feature_metrics_and_their_learning_curve(self, tmp_path):
        config = mnist.get_config()
        config.update(
            architecture="mlp_small", train_range="0:256", valid_range="7000:7300", test_range="7300:7600",
            batch_size=64, epochs=2, parzen_every=0, parzen_samples=300, feature_every=1, feature_samples=300,
            verbose=0,
        )
        mnist_dir = processes.REPO.parent / "shared" / "data" / "mnist-8k"
        metrics = train.train_and_evaluate(config, str(tmp_path), data_dir=str(mnist_dir))
        keys = ("fd", "kid", "kid_std", "precision", "recall", "density", "coverage")
        assert all(np.isfinite(metrics[key]) for key in keys) and metrics["feature_num_samples"] == 300
        # An untrained-for-long MLP is far from the digits: its FD is large.
        assert metrics["fd"] > 0
        with open(tmp_path / "history.csv", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        assert [float(row["feature_metrics_epoch"]) for row in rows] == [1.0, 2.0]
        assert (tmp_path / "learning_curve.png").is_file()

    def test_dcgan_config_trains_and_its_run_reloads(self, tmp_path):
        config = mnist_dcgan.get_config()
        config.update(
            train_range="0:256", valid_range="7000:7300", test_range="7300:7600", batch_size=64, epochs=1,
            parzen_samples=300, feature_samples=300, verbose=0,
        )
        mnist_dir = processes.REPO.parent / "shared" / "data" / "mnist-8k"
        metrics = train.train_and_evaluate(config, str(tmp_path), data_dir=str(mnist_dir))
        assert np.isfinite(metrics["fd"]) and np.isfinite(metrics["parzen_log_likelihood"])
        assert metrics["cpu_time_seconds"] > 0
        run = _run_config(tmp_path)
        assert (run.architecture, run.discriminator_architecture, run.r1_weight, run.ema_decay) == (
            "dcgan", "paper", 10.0, 0.999
        )
        generator = keras.saving.load_model(tmp_path / "generator.keras")
        assert any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in generator.layers)
        # The paper's maxout discriminator, not DCGAN's convolutions.
        discriminator = keras.saving.load_model(tmp_path / "gan.keras").discriminator
        layer_types = {type(layer) for layer in discriminator.layers}
        assert keras_gan.layers.Maxout in layer_types and keras.layers.Conv2D not in layer_types


def _mlp_pair():
    generator = keras_gan.models.mlp_generator(latent_dim=100, output_shape=(3,), hidden_units=(8,), seed=0)
    discriminator = keras_gan.models.mlp_discriminator((3,), hidden_units=(8,), seed=1)
    return generator, discriminator


def _run_config(output_dir):
    """The config a run wrote to its `config.py`."""
    return runpy.run_path(str(output_dir / "config.py"))["get_config"]()


def _arrays(model):
    return [keras.ops.convert_to_numpy(w.value) for w in model.weights]


def _sha256(arrays):
    """The launchers' `weights_sha256`, computed here independently."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _stdout_value(stdout, key):
    return [line for line in stdout.splitlines() if line.startswith(f"{key}: ")][-1].split(": ", 1)[1]
