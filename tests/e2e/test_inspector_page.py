"""Inside one step, in the real page: the inspector's numbers against the same model run natively,
the names and shapes of every quantity, Apply one update, Step, the gradient check, the stages of
preprocessing and the pen that follows the drawing's size, the links from the confusion matrix
and the mistakes, the learner's own drawing, other architectures, and refused #inspect= values.
Each test has a page of its own.
"""

import json
import math
import os

import numpy as np
import pytest
from e2e_helpers import DIST, attr, audit, clear_and_draw, open_app

from scratchnet import load_dataset, load_model
from scratchnet.cli import find_mnist

ONE = [[(0.52, 0.15), (0.48, 0.85)]]
SHAPES = {"x": "1x784", "z1": "1x128", "a1": "1x128", "logits": "1x10", "p": "1x10", "dlogits": "1x10",
          "dW2": "128x10", "db2": "10", "da1": "1x128", "dz1": "1x128", "dW1": "784x128", "db1": "128"}


@pytest.fixture(scope="module")
def native():
    """The site's own pretrained model and the official test digits, natively."""
    with open(os.path.join(DIST, "manifest.json")) as f:
        model = load_model(os.path.join(DIST, json.load(f)["model"]))
    data = load_dataset(find_mnist())
    return model, data.x_test, data.y_test


@pytest.fixture
def page(app_page):
    return app_page("#inspect=123", bypass_csp=True)  # for the audit


def inspected(page, source=None):
    """Waits until the inspector shows numbers (for `source`, e.g. "test:5"); returns (p_y, loss)."""
    where = f"[data-source='{source}']" if source else ""
    page.wait_for_selector(f"[data-testid=inspector]{where}:not([data-prob=''])")
    return float(attr(page, "inspector", "data-prob")), float(attr(page, "inspector", "data-loss"))


def ink_in_what_the_network_sees(page):
    return page.evaluate("""() => {
        const canvas = document.getElementById('seen');
        const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
        let ink = 0;
        for (let i = 0; i < data.length; i += 4) ink += 255 - data[i];
        return ink;
    }""")


def test_a_test_digit_in_the_inspector(page, native):
    model, x_test, y_test = native
    # inspect= in the URL selects the test digit, and its numbers are the model's.
    p_y, loss = inspected(page, "test:123")
    assert attr(page, "inspector", "data-label") == str(y_test[123])
    p = model.predict_proba(x_test[123:124])[0, y_test[123]]
    assert p_y == pytest.approx(float(p), rel=1e-5, abs=1e-7)
    assert loss == pytest.approx(-math.log(p_y), rel=1e-6, abs=1e-9)
    assert page.input_value("[data-testid=inspect-index]") == "123"
    assert page.log.errors == []

    # Every quantity has its name and shape, and gradients their parameters' shapes.
    inspected(page)
    for name, shape in SHAPES.items():
        assert attr(page, f"inspect-{name}", "data-shape") == shape, name
    forward = page.locator("#inspect-forward > li").evaluate_all("els => els.map(e => e.dataset.testid)")
    backward = page.locator("#inspect-backward > li").evaluate_all("els => els.map(e => e.dataset.testid)")
    assert forward == [f"inspect-{n}" for n in ("x", "z1", "a1", "logits", "p", "L")]
    assert backward == [f"inspect-{n}" for n in ("dlogits", "dW2", "db2", "da1", "dz1", "dW1", "db1")]
    assert "max(0" in page.text_content("[data-testid=inspect-a1] .equation")

    # A heat map reads out the value under the keyboard cursor and the pointer.
    inspected(page)
    heatmap = page.locator("[data-testid=inspect-dW1] canvas")
    readout = page.locator("[data-testid=inspect-dW1] .readout")
    heatmap.focus()
    assert readout.text_content().startswith("dW1[0, 0] = ")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    assert readout.text_content().startswith("dW1[10, 1] = ")
    box = heatmap.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.999, box["y"] + box["height"] * 0.999)
    assert readout.text_content().startswith("dW1[783, 127] = ")

    # The full page with the inspector passes the audit.
    inspected(page)
    assert audit(page.main_frame) == []

    # The gradient check of the pretrained network is within 1e-6.
    page.click("[data-testid=run-gradcheck]")
    assert attr(page, "gradcheck", "data-max-rel-error") == ""  # empty while it runs
    page.wait_for_selector("[data-testid=gradcheck]:not([data-max-rel-error=''])")
    assert float(attr(page, "gradcheck", "data-max-rel-error")) <= 1e-6
    rows = page.locator(".gradcheck-table tbody tr")
    assert rows.count() >= 8
    assert {r.split()[0] for r in rows.all_inner_texts()} == {"dense1", "dense2"}
    assert "agree" in page.text_content("#gradcheck-reading")

    # Apply one update raises p_y, and leaves the model alone.
    wrong = int(np.flatnonzero(model.predict(x_test[:2000]) != y_test[:2000])[0])
    page.fill("[data-testid=inspect-index]", str(wrong))
    page.click("[data-testid=inspect-go]")
    before, _ = inspected(page, f"test:{wrong}")
    assert f"inspect={wrong}" in page.url
    page.click("[data-testid=apply-update]")
    page.wait_for_selector("[data-testid=update-result]:not([data-prob-after=''])[data-prob-after]")
    assert float(attr(page, "update-result", "data-prob-before")) == pytest.approx(before)
    assert float(attr(page, "update-result", "data-prob-after")) > before
    bars = page.locator("[data-testid=update-result] .bars")
    assert bars.nth(0).locator(".bar-row").count() == 10  # p of each class, before and after
    assert page.locator("[data-testid=update-legend]").is_visible()  # which bar is which
    # The loss on a scale of its own: the change shows even where p hardly moves.
    assert bars.nth(1).locator(".bar-row").count() == 1
    assert float(attr(page, "update-result", "data-loss-after")) < float(attr(page, "update-result", "data-loss-before"))
    page.click("[data-testid=inspect-next]")
    page.click("[data-testid=inspect-prev]")
    assert inspected(page, f"test:{wrong}")[0] == before  # the update was made on a copy

    # A confusion cell filters the mistakes, and a mistake opens in the inspector.
    page.wait_for_selector("[data-testid=confusion] .cell-button")
    off_diagonal = page.locator("[data-testid=confusion] td.miss .cell-button").first
    label, predicted = off_diagonal.get_attribute("data-label"), off_diagonal.get_attribute("data-predicted")
    count = int(off_diagonal.text_content())
    off_diagonal.click()
    page.wait_for_selector(f"[data-testid=mistakes][data-filter='{label},{predicted}']")
    captions = page.locator("[data-testid=mistakes] figure figcaption").all_inner_texts()
    assert len(captions) == min(count, 24)
    assert all(c.split()[:3] == [label, "→", predicted] for c in captions)
    first = page.locator("[data-testid=mistakes] .mistake-open").first
    index = first.get_attribute("data-index")
    first.click()
    inspected(page, f"test:{index}")
    assert attr(page, "inspector", "data-label") == label
    assert f"inspect={index}" in page.url
    page.click("[data-testid=show-all-mistakes]")
    page.wait_for_selector("[data-testid=mistakes]:not([data-filter])")

    # A typed index that is not a test digit is explained, and nothing changes.
    page.fill("[data-testid=inspect-index]", "2")
    page.click("[data-testid=inspect-go]")
    inspected(page, "test:2")
    page.fill("[data-testid=inspect-index]", "twelve")
    page.press("[data-testid=inspect-index]", "Enter")
    assert "whole number from 0 to 9999" in page.text_content("[data-testid=inspect-index-error]")
    assert page.get_attribute("[data-testid=inspect-index]", "aria-invalid") == "true"
    assert attr(page, "inspector", "data-source") == "test:2"


def test_the_learners_drawing_in_the_inspector_and_its_preprocessing(app_page):
    page = app_page()
    # The learner's drawing is inspected with the label they pick.
    clear_and_draw(page, ONE)
    page.select_option("[data-testid=inspect-label]", "3")
    page.click("[data-testid=inspect-drawing]")
    p_3, _ = inspected(page, "drawing")
    assert attr(page, "inspector", "data-label") == "3"
    assert p_3 == pytest.approx(float(attr(page, "prob-3")), rel=1e-4, abs=1e-6)
    assert "inspect=" not in page.url

    # The preprocessing stages of a drawing.
    clear_and_draw(page, [[(0.6, 0.1), (0.7, 0.5)]])  # a short slanted stroke in the upper right
    stages = page.locator("[data-testid=preprocess-stages]")
    top, left, height, width = map(int, stages.get_attribute("data-bbox").split(","))
    assert height > width and top < 60 and left > 140
    assert max(map(int, stages.get_attribute("data-scaled").split("x"))) == 20
    assert len(stages.get_attribute("data-shift").split(",")) == 2
    assert stages.locator("figure.stage").count() == 4
    page.click("[data-testid=clear]")
    page.wait_for_selector("[data-testid=preprocess-stages]:not([data-bbox])")

    # The pen follows the drawing's size, so a small digit is no blob.
    big = [[(0.5 + 0.3 * math.sin(2 * math.pi * t / 24), 0.5 - 0.4 * math.cos(2 * math.pi * t / 24))
            for t in range(25)]]
    small = [[(0.5 + x / 5 - 0.1, 0.5 + y / 5 - 0.1) for x, y in stroke] for stroke in big]
    clear_and_draw(page, big)
    ink_big = ink_in_what_the_network_sees(page)
    clear_and_draw(page, small)
    ink_small = ink_in_what_the_network_sees(page)
    # A fixed 22 px pen makes the small ring about four times as thick once scaled to 20 px.
    assert 0.7 < ink_small / ink_big < 1.5


def test_step_takes_one_step_and_refreshes_the_charts_the_inspector_and_the_weights(browser, base_url):
    page = open_app(browser, base_url + "#hidden_sizes=32,16&activation=tanh&inspect=7")
    try:
        inspected(page, "test:7")
        weights = page.evaluate("() => document.getElementById('weights').toDataURL()")
        for expected in (1, 2):
            page.click("[data-testid=step]")
            page.wait_for_selector(f"[data-testid=step-count][data-value='{expected}']")
            page.wait_for_selector(f"[data-testid=inspector][data-step='{expected}']:not([data-prob=''])")
        assert int(page.get_attribute("[data-testid=chart-loss]", "data-points")) >= 2
        page.wait_for_function("(before) => document.getElementById('weights').toDataURL() !== before", arg=weights)
        shapes = {name: attr(page, f"inspect-{name}", "data-shape") for name in
                  ("z1", "a1", "z2", "a2", "logits", "dW1", "dW2", "dW3", "db2", "dz2")}
        assert shapes == {"z1": "1x32", "a1": "1x32", "z2": "1x16", "a2": "1x16", "logits": "1x10", "dW1": "784x32",
                          "dW2": "32x16", "dW3": "16x10", "db2": "16", "dz2": "1x16"}
        assert "tanh" in page.text_content("[data-testid=inspect-dz1] .equation")
        # A heat map read from the keyboard keeps its focus and cursor when a step refreshes it.
        page.focus("[data-testid=inspect-dW2] canvas")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowRight")
        page.evaluate("() => document.querySelector('[data-testid=step]').click()")  # focus stays put
        page.wait_for_selector("[data-testid=inspector][data-step='3']:not([data-prob=''])")
        assert page.evaluate("() => document.activeElement.closest('.quantity').dataset.testid") == "inspect-dW2"
        assert page.text_content("[data-testid=inspect-dW2] .readout").startswith("dW2[1, 1] = ")
        page.click("[data-testid=run-gradcheck]")
        page.wait_for_selector("[data-testid=gradcheck]:not([data-max-rel-error=''])")
        assert float(attr(page, "gradcheck", "data-max-rel-error")) <= 1e-6
        assert page.log.errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "10000"])
def test_a_bad_inspect_value_is_refused_with_a_notice(browser, base_url, value):
    page = open_app(browser, base_url + f"#inspect={value}&epochs=3")
    try:
        inspected(page, "test:0")
        notice = page.text_content("[data-testid=notice]")
        assert "inspect=" in notice and "refused" in notice
        assert page.input_value("#field-epochs") == "3"  # the rest of the link still counts
    finally:
        page.context.close()


