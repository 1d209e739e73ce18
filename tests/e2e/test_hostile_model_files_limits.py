"""Model files the page must refuse by what they would cost or what data they were made for (issue
18): a file made for another image shape or another number of classes (before, it was accepted
and every drawing then failed or read "233"), and a small file declaring 1x2236x2236 images
through one 64-filter convolution (before, a raw "array is too big" notice). Each is refused with
a plain message naming the reason, the current model is kept, and the page still classifies a
drawing. The files are built here with the package's own Network and save_model; the same
refusals natively are in tests/test_model_cost.py.
"""

import time

import numpy as np
import pytest
from e2e_helpers import clear_and_draw, open_app, wait_state

from scratchnet import Network, recipe, save_model

ONE = [[(0.52, 0.15), (0.48, 0.85)]]  # a stroke that reads as 1
DIGITS = [str(d) for d in range(10)]
THIS_DATA = "this data has examples of shape 28x28 in 10 classes"
RAW = ["array is too big", "Traceback", "MemoryError", "Python objects", "Error:", 'File "']


def model_file(folder, layers, shape, classes, zero_dense=False):
    """The bytes of a model file for examples of `shape` in `classes` classes."""
    net = Network.build(recipe("default", layers=layers), np.random.default_rng(0), 0.13, 0.31, shape, classes)
    if zero_dense:  # as the file: zeros compress, so the file stays small
        for name, value in net.state().items():
            if name.startswith("dense"):
                value[...] = 0
    save_model(net, folder / "model.npz", {"epochs_trained": 1})
    return (folder / "model.npz").read_bytes()


@pytest.fixture
def page(browser, base_url):
    page = open_app(browser, base_url)
    yield page
    page.context.close()


def load(page, name, raw):
    """Loads `raw` through the page's file input; waits for the notice about it (or, should the
    file be taken, for the model line to change) and returns the notice's text."""
    info = page.text_content("#model-info")
    started = time.perf_counter()
    page.set_input_files("[data-testid=load-file]", files=[
        {"name": name, "mimeType": "application/octet-stream", "buffer": raw}])
    page.wait_for_function("""([name, info]) => document.querySelector('#notice-text').textContent.includes(name)
        || document.querySelector('#model-info').textContent !== info""", arg=[name, info],
                           timeout=60_000)
    text = page.text_content("#notice-text")
    print(f"{name} ({len(raw) / 1e3:.0f} KB): refused in {time.perf_counter() - started:.2f} s: {text}")
    return text


def assert_plain_refusal(text, name):
    assert f'Could not load "{name}"' in text and "cannot be used" in text, text
    assert "The current model is kept" in text, text
    assert not [raw for raw in RAW if raw in text], text
    assert len(text) < 600, text


def assert_still_works(page, info):
    assert page.text_content("#model-info") == info  # the current model is kept
    wait_state(page, "ready")
    assert clear_and_draw(page, ONE) in DIGITS


@pytest.mark.parametrize("name,layers,shape,classes,made_for", [
    ("20x20-images.npz", "", (20, 20), 10, "shape 20x20 in 10 classes"),
    ("12-classes.npz", "", (28, 28), 12, "shape 28x28 in 12 classes"),
    ("3-channels.npz", "", (3, 28, 28), 10, "shape 3x28x28 in 10 classes"),
    ("conv-32x32-images.npz", "conv:4:3,maxpool:2", (1, 32, 32), 10, "shape 1x32x32 in 10 classes"),
])
def test_a_model_made_for_other_data_is_refused_in_plain_words_and_the_page_keeps_working(
        page, tmp_path, name, layers, shape, classes, made_for):
    info = page.text_content("#model-info")
    text = load(page, name, model_file(tmp_path, layers, shape, classes))
    assert_plain_refusal(text, name)
    assert f"the model was made for examples of {made_for}" in text and THIS_DATA in text, text
    assert_still_works(page, info)


def test_a_model_costing_16_billion_multiply_adds_per_image_is_refused_before_it_is_built(page, tmp_path):
    # The file: 1x2236x2236 images through one 64-filter 7x7 convolution (and three 4x4
    # poolings): 16 billion multiply-adds and 2.4 GB per image.
    raw = model_file(tmp_path, "conv:64:7,maxpool:4,maxpool:4,maxpool:4", (1, 2236, 2236), 10, zero_dense=True)
    info = page.text_content("#model-info")
    text = load(page, "2236-pixel-conv.npz", raw)
    assert_plain_refusal(text, "2236-pixel-conv.npz")
    assert "one example needs about 15.9 billion multiply-adds and 2.4 GB of memory" in text, text
    assert "at most 500 million multiply-adds" in text, text
    assert_still_works(page, info)
    assert page.get_attribute("[data-testid=status]", "data-state") == "ready"
