"""A run trained in the page, replayed natively: "Export experiment" downloads it as one .zip
(settings.json, the model with its learning curves, replay.py); replay.py, run on the MNIST IDX
files, trains the same run and prints the browser's test accuracy within 0.001; and the command
line, on the site's own data bundle, trains it again epoch by epoch (up to the float rounding of the
products each platform chooses)."""

import glob
import io
import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from e2e_helpers import ROOT, attr, settle

from scratchnet import load_model
from scratchnet.cli import find_mnist

SETTINGS = {"hidden_sizes": "32", "train_size": "1000", "epochs": "2", "seed": "4", "dropout": "0.1"}


def test_a_browser_run_is_exported_and_replays_natively(app_page, dist_dir, tmp_path):
    page = app_page("#" + "&".join(f"{k}={v}" for k, v in SETTINGS.items()))
    assert page.locator("[data-testid=export-experiment]").is_disabled()  # the pretrained model has no run here
    page.click("[data-testid=train]")
    page.wait_for_function("() => document.querySelector('#eta').textContent === 'done'", timeout=120_000)
    settle(page, 60_000)
    assert "trained 2 epoch" in page.text_content("#model-info")
    in_browser = float(attr(page, "test-accuracy"))
    with page.expect_download() as download:
        page.click("[data-testid=export-experiment]")
    raw = open(download.value.path(), "rb").read()
    assert download.value.suggested_filename == "scratchnet-experiment-784-32-10-seed4.zip"

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.namelist() == ["settings.json", "model.npz", "replay.py"]
        archive.extractall(tmp_path)
    settings = json.loads((tmp_path / "settings.json").read_text())
    assert settings["seed"] == 4 and settings["hidden_sizes"] == [32] and settings["train_size"] == 1000
    history = load_model(str(tmp_path / "model.npz")).history
    assert history["test_accuracy"] == in_browser
    # The test accuracy after each epoch, as the page computed it, kept in the model's curves.
    curves = history["curves"]
    assert curves["epoch"] == [1, 2]
    epochs_in_browser = curves["test_accuracy"]
    assert epochs_in_browser[-1] == pytest.approx(in_browser, abs=1e-6)

    # replay.py, as a learner would run it: the same run from the IDX files, the same final accuracy.
    done = subprocess.run([sys.executable, str(tmp_path / "replay.py"), "--data", find_mnist()], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env={"OPENBLAS_NUM_THREADS": "1", "PATH": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"test accuracy: (0\.\d{4})", last)
    assert match, last
    assert abs(float(match.group(1)) - in_browser) <= 0.001, (last, in_browser)

    # The command line on the site's own data: the same run, epoch by epoch.
    bundle = glob.glob(os.path.join(dist_dir, "data", "mnist.*.npz"))[0]
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in SETTINGS.items()]
    done = subprocess.run([sys.executable, "-m", "scratchnet", "train", "--data", bundle, *flags],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    native = [float(a) for a in re.findall(r"test acc (0\.\d+)", done.stderr)]
    assert len(native) == 2
    assert all(abs(a - b) <= 0.002 for a, b in zip(native, epochs_in_browser)), (native, epochs_in_browser)
