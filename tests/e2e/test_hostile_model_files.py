"""Hostile model files loaded in the page (issue 14, items 1-4), where Pyodide runs the same
checks as the CLI: each is refused with its reason, the current model is kept, Python stays
alive (the page still reads a drawing after each) and, at the end, it still trains. A file with
a nonsensical history loads without showing it. The files are built by tests/hostile_zips.py.
"""

import io
import json
import os
import sys
import time

import numpy as np
import pytest
from e2e_helpers import attr, clear_and_draw, open_app, settle

from scratchnet.files.model_file import MAX_TEXT_CHARS

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "unit"))
import hostile_zips as hostile  # noqa: E402  (the builders of the hostile files)

ONE = [[(0.52, 0.15), (0.48, 0.85)]]


@pytest.fixture(scope="module")
def shipped(dist_dir):
    """The arrays of the site's own pretrained model, to be spoiled."""
    with open(os.path.join(dist_dir, "manifest.json")) as f:
        path = os.path.join(dist_dir, json.load(f)["model"])
    with np.load(path, allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def cases(arrays, folder):
    """[(file name, bytes, words the notice must contain)]."""
    spoil = lambda **changes: hostile.archive({**arrays, **changes})
    huge = lambda key, header: hostile.archive(arrays, replace={key: header + bytes(1024)})
    weights = {key: np.full_like(value, 3e38) for key, value in arrays.items() if key.endswith(".W")}
    extra = hostile.model_with_zero_entry(folder / "extra.npz", arrays, "zeros.npy", 1, hostile.zeros_npy_header(1))
    many = io.BytesIO()
    with hostile.zipfile.ZipFile(many, "w") as z:
        for key, value in arrays.items():
            z.writestr(f"{key}.npy", hostile.npy(value))
        for i in range(20000):
            z.writestr(f"param/extra{i}.npy", hostile.npy(np.zeros(4, np.float32)))
    return [
        ("deep-config.npz", spoil(config=np.array(hostile.DEEP)), "'config' declares 1.6 MB of data; at most"),
        ("deep-history.npz", spoil(history=np.array(hostile.DEEP_BUT_SHORT)), "'history' is nested 400 levels deep"),
        ("huge-text.npz", huge("config", hostile.npy_header("<U1000000000", ())),
         f"'config' declares text of 1000000000 characters; at most {MAX_TEXT_CHARS} characters are allowed there"),
        ("huge-shape.npz", huge("param/dense1.W", hostile.npy_header("<f8", (100000, 100000))),
         "'param/dense1.W' declares shape (100000, 100000)"),
        ("extra-1GB.npz", open(extra, "rb").read(), "does not have: 'zeros.npy'"),
        ("20000-params.npz", many.getvalue(), f"holds {20000 + len(arrays)} entries"),
        ("weights-3e38.npz", spoil(**weights), "the weights are so large that the network's outputs overflow"),
        ("std-1e-300.npz", spoil(std=np.array(1e-300)), "turns inputs into infinite numbers"),
    ]


def load(page, name, raw):
    page.set_input_files("[data-testid=load-file]", files=[
        {"name": name, "mimeType": "application/octet-stream", "buffer": raw}])


def test_hostile_files_are_refused_in_the_page_and_python_survives(browser, base_url, shipped, tmp_path):
    page = open_app(browser, base_url)
    try:
        info = page.text_content("#model-info")
        for name, raw, words in cases(shipped, tmp_path):
            started = time.perf_counter()
            load(page, name, raw)
            page.wait_for_function(f"() => document.querySelector('#notice-text').textContent.includes({json.dumps(name)})",
                                   timeout=60_000)
            text = page.text_content("#notice-text")
            print(f"{name} ({len(raw) / 1e3:.0f} KB): refused in {time.perf_counter() - started:.2f} s: {text}")
            assert "cannot be used" in text and words in text, text
            assert "Python objects" not in text and len(text) < 600, text
            assert page.text_content("#model-info") == info, name  # the current model is kept
            assert clear_and_draw(page, ONE) in [str(d) for d in range(10)], name

        # A nonsensical history is dropped, not shown: "trained 1e+308 epochs · test accuracy -500.0%".
        history = json.dumps({"epochs_trained": 1e308, "test_accuracy": -5.0, "train_seconds": -1})
        load(page, "odd-history.npz", hostile.archive({**shipped, "history": np.array(history)}))
        page.wait_for_function("() => document.querySelector('#model-info').textContent.includes('imported')")
        model_line = page.text_content("#model-info")
        assert "e+308" not in model_line and "-500" not in model_line and "not evaluated" in model_line

        # Python is still alive: it trains.
        page.fill("[data-testid=field-train_size]", "1000")
        page.fill("[data-testid=field-epochs]", "1")
        page.click("[data-testid=train]")
        page.wait_for_selector("[data-testid=epoch][data-value='1']", timeout=120_000)
        settle(page, 60_000)
        assert "trained 1 epoch" in page.text_content("#model-info")
        assert float(attr(page, "test-accuracy")) > 0.5
        assert clear_and_draw(page, ONE) in [str(d) for d in range(10)]
        assert page.log.errors == []
    finally:
        page.context.close()
