"""Export experiment: a run trained in the page downloads as one .zip (settings.json, the model,
replay.py), and replay.py, run natively on the MNIST IDX files, trains the same run and prints the
browser's test accuracy within 0.001."""

import io
import json
import re
import subprocess
import sys
import zipfile

from e2e_helpers import ROOT, attr, open_app, wait_state

from scratchnet import load_model
from scratchnet.cli import find_mnist

SETTINGS = {"hidden_sizes": "32", "train_size": "1000", "epochs": "2", "seed": "4", "dropout": "0.1"}


def test_an_exported_browser_run_replays_natively(browser, base_url, tmp_path):
    page = open_app(browser, base_url + "#" + "&".join(f"{k}={v}" for k, v in SETTINGS.items()))
    try:
        assert page.locator("[data-testid=export-experiment]").is_disabled()  # the pretrained model has no run here
        page.click("[data-testid=train]")
        page.wait_for_function("() => document.querySelector('#eta').textContent === 'done'", timeout=120_000)
        wait_state(page, "ready", 60_000)
        in_browser = float(attr(page, "test-accuracy"))
        with page.expect_download() as download:
            page.click("[data-testid=export-experiment]")
        raw = open(download.value.path(), "rb").read()
        assert download.value.suggested_filename == "scratchnet-experiment-784-32-10-seed4.zip"
    finally:
        page.context.close()

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.namelist() == ["settings.json", "model.npz", "replay.py"]
        archive.extractall(tmp_path)
    settings = json.loads((tmp_path / "settings.json").read_text())
    assert settings["seed"] == 4 and settings["hidden_sizes"] == [32] and settings["train_size"] == 1000
    assert load_model(str(tmp_path / "model.npz")).history["test_accuracy"] == in_browser

    done = subprocess.run([sys.executable, str(tmp_path / "replay.py"), "--data", find_mnist()], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env={"OPENBLAS_NUM_THREADS": "1", "PATH": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"test accuracy: (0\.\d{4})", last)
    assert match, last
    assert abs(float(match.group(1)) - in_browser) <= 0.001, (last, in_browser)
