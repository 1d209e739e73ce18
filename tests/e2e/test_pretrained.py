"""The page as a visitor first meets it: loading, then drawing digits for the pretrained model, an
empty pad, a finger on the pad, and a setting typed wrong. One visit, one story, one page.
"""

import math
from urllib.parse import urlsplit

from e2e_helpers import attr, clear_and_draw, touch_stroke, wait_prediction

ZERO = [[(0.5 + 0.2 * math.sin(2 * math.pi * t / 24), 0.5 - 0.3 * math.cos(2 * math.pi * t / 24))
         for t in range(25)]]
ONE = [[(0.52, 0.15), (0.48, 0.85)]]
SEVEN = [[(0.28, 0.2), (0.72, 0.2), (0.45, 0.85)]]


def test_a_first_visit_loads_evaluates_reads_drawings_and_refuses_a_bad_setting(app_page, base_url):
    page = app_page()
    # The page gets ready with only local requests and no console errors.
    origin = urlsplit(base_url).netloc
    foreign = [url for url in page.log.requests if urlsplit(url).scheme in ("http", "https")
               and urlsplit(url).netloc != origin]
    assert foreign == []
    # The worker's own downloads are in the log, so an empty foreign list means something.
    assert any(url.endswith(".wasm") for url in page.log.requests)
    assert any(url.endswith(".npz") for url in page.log.requests)
    assert page.log.errors == []
    steps = page.locator("#loading-steps li")
    assert steps.count() == 5
    assert all(state == "done" for state in steps.evaluate_all("els => els.map(e => e.dataset.state)"))

    # The pretrained model is loaded and evaluated.
    assert int(attr(page, "epoch")) > 0
    assert float(attr(page, "test-accuracy")) > 0.9
    page.wait_for_selector("[data-testid=confusion] table")
    page.wait_for_selector("[data-testid=mistakes] figure")

    # Drawn digits are recognised.
    for digit, strokes in [("0", ZERO), ("1", ONE), ("7", SEVEN)]:
        assert clear_and_draw(page, strokes) == digit
        probabilities = [float(attr(page, f"prob-{d}")) for d in range(10)]
        assert all(0 <= p <= 1 for p in probabilities), digit
        assert abs(sum(probabilities) - 1) < 1e-3, digit
        assert max(range(10), key=probabilities.__getitem__) == int(digit)
        # Hidden activations are shown for the drawing.
        assert page.locator("#hidden-layers canvas").count() >= 1, digit

    # An empty pad gives no prediction.
    clear_and_draw(page, ONE)
    page.click("[data-testid=clear]")
    assert wait_prediction(page) == ""
    assert all(float(attr(page, f"prob-{d}")) == 0 for d in range(10))
    # The reason comes from Python's preprocessing, not a guess.
    assert "empty" in page.text_content("#prediction-note").lower()

    # The pad does not scroll the page and accepts touch.
    assert page.eval_on_selector("[data-testid=draw-canvas]", "el => getComputedStyle(el).touchAction") == "none"
    page.click("[data-testid=clear]")
    canvas = page.locator("[data-testid=draw-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scroll_before = page.evaluate("window.scrollY")
    touch_stroke(page, box)
    assert wait_prediction(page) == "1"
    assert page.evaluate("window.scrollY") == scroll_before

    # An invalid setting is refused at its control.
    field = page.locator("[data-testid=field-learning_rate]")
    error = page.locator("[data-testid=field-learning_rate-error]")
    good = field.input_value()
    for bad in ("-1", "fast", "100"):
        field.fill(bad)
        assert error.is_visible() and error.text_content().strip()
        assert field.get_attribute("aria-invalid") == "true"
        assert page.locator("[data-testid=train]").is_disabled()
    layers = page.locator("[data-testid=field-hidden_sizes]")
    layers.fill("128,,x")
    assert page.locator("[data-testid=field-hidden_sizes-error]").is_visible()
    layers.fill("128")
    field.fill(good)
    assert not error.is_visible()
    assert page.locator("[data-testid=train]").is_enabled()
    assert attr(page, "status", "data-state") == "ready"
