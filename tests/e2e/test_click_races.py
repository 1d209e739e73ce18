"""Clicks in any order end in a consistent page: the model line, the finished epochs and the
prediction all describe the model the worker has, and no error shows. The races of a click
during the set-up of a run, then a seeded storm of 200 random clicks."""

import json
import os
import random

import pytest
from e2e_helpers import assert_run_does_not_go_on, attr, draw, open_app, pace, settle, wait_prediction

RUN = "#train_size=2000&epochs=50"
STROKE = [[(0.5, 0.15), (0.5, 0.85)]]


@pytest.fixture(scope="module")
def good_model(dist_dir):
    with open(os.path.join(dist_dir, "manifest.json")) as f:
        return os.path.join(dist_dir, json.load(f)["model"])


@pytest.fixture
def page(browser, base_url):
    page = open_app(browser, base_url + RUN)
    yield page
    page.context.close()


def press(page, testid):
    """A click as fast as a person's, whatever the button's state (a disabled one ignores it)."""
    page.evaluate("id => document.querySelector(`[data-testid=${id}]`).click()", testid)


def assert_consistent(page):
    """The model line, the epochs and a fresh prediction describe the worker's current model."""
    info = page.locator("#model-info")
    assert attr(page, "epoch") == info.get_attribute("data-epochs")
    draw(page, STROKE)
    assert wait_prediction(page) != ""
    assert page.get_attribute("[data-testid=prediction]", "data-model-id") == info.get_attribute("data-model-id")
    notice = page.text_content("#notice") if page.is_visible("#notice") else ""
    assert "Cannot read" not in notice and "undefined" not in notice and "null" not in notice
    assert page.log.errors == []


@pytest.mark.parametrize("second", ["use-pretrained", "reset", "load"])
def test_a_click_while_a_run_is_set_up_wins_and_the_run_does_not_go_on(page, good_model, second):
    press(page, "train")
    page.wait_for_function("() => scratchnetPython.calls.new_training >= 1")  # the run is being set up
    if second == "load":
        page.set_input_files("[data-testid=load-file]", good_model)
    else:
        press(page, second)
    settle(page)
    expected = {"use-pretrained": "pretrained", "reset": "untrained", "load": "imported"}[second]
    assert f"Model: {expected}" in page.text_content("#model-info")
    assert_run_does_not_go_on(page)
    assert page.get_attribute("[data-testid=status]", "data-state") == "ready"
    assert_consistent(page)


def test_stop_right_after_train_is_honoured(page):
    press(page, "train")
    pace(50)
    press(page, "stop")
    settle(page)
    assert_run_does_not_go_on(page)
    assert page.get_attribute("[data-testid=status]", "data-state") == "ready"
    assert_consistent(page)


def test_a_seeded_storm_of_two_hundred_clicks_ends_consistent(page, good_model, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a model")
    actions = ["train", "stop", "reset", "use-pretrained", "load-good", "load-bad", "draw", "clear", "step"]
    rng = random.Random(20261201)
    for _ in range(200):
        action = rng.choice(actions)
        if action == "load-good":
            page.set_input_files("[data-testid=load-file]", good_model)
        elif action == "load-bad":
            page.set_input_files("[data-testid=load-file]", str(bad))
        elif action == "draw":
            draw(page, [[(rng.uniform(0.3, 0.7), 0.2), (rng.uniform(0.3, 0.7), 0.8)]], steps=2)
        else:
            press(page, action)
        pace(rng.randint(10, 120))
    press(page, "stop")
    settle(page)
    assert_consistent(page)
    # And the page still works: one more real run learns.
    press(page, "reset")
    settle(page)
    page.fill("[data-testid=field-epochs]", "1")
    page.fill("[data-testid=field-train_size]", "1000")
    press(page, "train")
    page.wait_for_selector("#model-info[data-epochs='1']", timeout=60_000)
    settle(page)
    assert float(attr(page, "test-accuracy")) > 0.5
    assert_consistent(page)
