"""Export experiment: a run trained through the bridge becomes one .zip (settings, model,
replay.py), and replay.py run natively, on the site's bundle or on the MNIST IDX folder,
trains the same run and prints the same test accuracy."""

import io
import json
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from test_bridge import call, page_model, train_until_finished

from scratchnet import load_model, save_model
from scratchnet.app import current
from scratchnet.cli import find_mnist
from scratchnet.data.mnist import balanced_subset, save_bundle
from scratchnet.training.settings import validate_config

RUN = {"train_size": 600, "epochs": 2, "hidden_sizes": [32], "seed": 3, "dropout": 0.1}


@pytest.fixture(scope="module")
def site(mnist, trained_network, tmp_path_factory):
    """A site bundle made as build.py makes one (a balanced subset drawn with seed 0, the official
    test set), here of 2000 training images, and a model file."""
    folder = tmp_path_factory.mktemp("site")
    idx = balanced_subset(mnist["y_train"], 2000, np.random.default_rng(0))
    save_bundle(folder / "mnist.npz", mnist["x_train"][idx], mnist["y_train"][idx], mnist["x_test"], mnist["y_test"])
    save_model(trained_network, str(folder / "model.npz"))
    return folder


@pytest.fixture(scope="module")
def exported(site, tmp_path_factory):
    """(the zip's files, the run's test accuracy in the bridge, the unpacked folder)."""
    saved = current.start(None)
    try:
        started = call("init", data_path=str(site / "mnist.npz"), model_path=str(site / "model.npz"))
        call("new_training", config={**started["default_config"], **RUN})
        accuracy = page_model(train_until_finished())["test_accuracy"]
        raw = call("export_experiment")
    finally:
        current.start(saved)
    folder = tmp_path_factory.mktemp("experiment")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        archive.extractall(folder)
        names = archive.namelist()
    return names, accuracy, folder


def replay(folder, *args):
    done = subprocess.run([sys.executable, str(folder / "replay.py"), *args], capture_output=True, text=True,
                          timeout=300, env={"OPENBLAS_NUM_THREADS": "1", "PATH": ""})
    return done.returncode, done.stdout.strip().splitlines()


def test_the_zip_holds_settings_model_and_script(exported):
    names, accuracy, folder = exported
    assert names == ["settings.json", "model.npz", "replay.py"]
    settings = json.loads((folder / "settings.json").read_text())
    assert settings == validate_config(settings, 2000) and all(settings[k] == v for k, v in RUN.items())
    model = load_model(str(folder / "model.npz"))
    assert model.history["epochs_trained"] == 2 and model.history["test_accuracy"] == accuracy
    assert model.history["curves"]["epoch"] == [1, 2]


@pytest.mark.parametrize("data", ["idx", "bundle"])
def test_replay_trains_the_same_run_natively(exported, site, data):
    _, accuracy, folder = exported
    code, lines = replay(folder, "--data", find_mnist() if data == "idx" else str(site / "mnist.npz"))
    assert code == 0, lines
    assert re.fullmatch(r"test accuracy: 0\.\d{4}", lines[-1]), lines[-1]
    assert lines[-1] == f"test accuracy: {accuracy:.4f}"


def test_replay_refuses_other_training_images(exported, mnist, tmp_path):
    _, _, folder = exported
    idx = balanced_subset(mnist["y_train"], 2000, np.random.default_rng(1))  # another subset
    save_bundle(tmp_path / "other.npz", mnist["x_train"][idx], mnist["y_train"][idx], mnist["x_test"], mnist["y_test"])
    code, lines = replay(folder, "--data", str(tmp_path / "other.npz"))
    assert code == 2 and "not the ones the page trained on" in lines[-1]


def test_only_a_run_trained_in_the_page_can_be_exported(site):
    saved = current.start(None)
    try:
        call("init", data_path=str(site / "mnist.npz"), model_path=str(site / "model.npz"))
        with pytest.raises(RuntimeError, match="Only a run trained in this page"):
            call("export_experiment")
    finally:
        current.start(saved)
