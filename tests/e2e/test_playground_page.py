"""The 2-D playground in the real page: its test contract, every point set drawn, training that
learns live, points placed by click, keyboard and finger that join the training set, the panel
embedded on its own, and its settings in the URL (a bad value refused with a notice). Each test has
a page of its own."""

from urllib.parse import parse_qsl

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, audit, open_app, touch_stroke, wait_state

PLAYGROUND = "[data-testid=playground]"
BOUNDARY = "[data-testid=boundary]"
DOMAIN = 6.0


def ready(page):
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    page.wait_for_selector(f"{PLAYGROUND}[data-ready=true]", timeout=30_000)
    page.locator(PLAYGROUND).scroll_into_view_if_needed()


def data(page, name):
    return page.get_attribute(BOUNDARY, f"data-{name}")


def new_run(page, action):
    """Does `action` (which changes a setting) and waits for the new run's first frame."""
    run = int(data(page, "run"))
    action()
    page.wait_for_function(f"() => Number(document.querySelector('{BOUNDARY}').dataset.run) > {run}")


def fresh(page, dataset):
    """An untrained run on `dataset`: choosing it, or, if it is chosen already, Reset."""
    if page.input_value("[data-testid=playground-dataset]") != dataset:
        new_run(page, lambda: page.select_option("[data-testid=playground-dataset]", dataset))
    else:
        new_run(page, lambda: page.click("[data-testid=playground-reset]"))
    assert data(page, "step") == "0"


def at(page, x1, x2):
    """Page coordinates of the point (x1, x2) of the square."""
    box = page.locator(BOUNDARY).bounding_box()
    return (box["x"] + (x1 / DOMAIN + 1) / 2 * box["width"], box["y"] + (1 - x2 / DOMAIN) / 2 * box["height"])


def pixel(page, x1, x2):
    """The canvas's [r, g, b] at the point (x1, x2) of the square."""
    return page.evaluate("""([x1, x2, d]) => {
        const c = document.querySelector("[data-testid=boundary]");
        const x = Math.round((x1 / d + 1) / 2 * c.width), y = Math.round((1 - x2 / d) / 2 * c.height);
        return Array.from(c.getContext("2d").getImageData(x, y, 1, 1).data.slice(0, 3));
    }""", [x1, x2, DOMAIN])


def picture(page):
    """A summary of what the canvas shows: its pixels' checksum, and how many are strongly
    blue (class 0's colour) and strongly orange (class 1's, the positive side), as points are drawn."""
    return page.evaluate("""() => {
        const c = document.querySelector("[data-testid=boundary]");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let sum = 0, orange = 0, blue = 0;
        for (let i = 0; i < d.length; i += 4) {
            sum = (sum * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007;
            if (d[i] > 200 && d[i + 2] < 60) orange++;
            if (d[i + 2] > 160 && d[i] < 40) blue++;
        }
        return { sum, orange, blue };
    }""")


def train_until(page, condition, timeout=60_000):
    page.click("[data-testid=playground-train]")
    page.wait_for_function(condition, timeout=timeout)
    page.click("[data-testid=playground-train]")
    page.wait_for_selector(f"{PLAYGROUND}[data-playing=false]")


def accuracy_above(value):
    return f"() => Number(document.querySelector('{BOUNDARY}').dataset.testAccuracy) >= {value}"


@pytest.fixture
def page(app_page):
    page = app_page(bypass_csp=True)  # lets the audit inject axe-core
    ready(page)
    return page


def test_the_contract_elements_are_there_every_point_set_draws_and_it_passes_an_audit(page):
    options = page.eval_on_selector("[data-testid=playground-dataset]", "s => [...s.options].map(o => o.value)")
    assert options == ["circle", "xor", "gauss", "spiral"]
    assert page.eval_on_selector("[data-testid=playground-dataset]", "el => el.tagName") == "SELECT"
    assert page.input_value("[data-testid=playground-hidden]") == "8,8"
    assert page.eval_on_selector("[data-testid=playground-activation]", "s => [...s.options].map(o => o.value)") == \
        ["relu", "sigmoid", "tanh"]
    assert page.is_enabled("[data-testid=playground-train]")
    assert page.eval_on_selector(BOUNDARY, "el => el.tagName") == "CANVAS"
    assert 0.2 <= float(data(page, "test-accuracy")) <= 0.8  # untrained: near chance
    assert data(page, "fps") is not None
    seen = set()
    for name in ["xor", "gauss", "spiral", "circle"]:
        new_run(page, lambda: page.select_option("[data-testid=playground-dataset]", name))
        shown = picture(page)
        assert shown["orange"] > 300 and shown["blue"] > 300, name  # both classes' points are drawn
        assert data(page, "train-points") == "200"
        seen.add(shown["sum"])
    assert len(seen) == 4  # four different pictures
    assert page.locator("[data-testid=playground-units] canvas").count() == 16
    assert page.log.errors == []
    assert audit(page.main_frame) == []


def test_training_learns_live_and_learns_the_points_placed(page):
    # Training on the circle raises the test accuracy live.
    fresh(page, "circle")
    start = float(data(page, "test-accuracy"))
    frames = int(data(page, "frames"))
    train_until(page, accuracy_above(0.9))
    assert start < 0.8 <= 0.9 <= float(data(page, "test-accuracy"))
    assert int(data(page, "frames")) > frames + 3  # redrawn along the way, not only at the end
    assert float(data(page, "fps")) > 0 and int(data(page, "step")) > 0
    assert int(page.get_attribute("[data-testid=playground-chart]", "data-points")) > 3
    assert page.text_content("[data-testid=playground-train]") == "Resume"
    # Step takes exactly one step; Reset goes back to untrained weights.
    step = int(data(page, "step"))
    page.click("[data-testid=playground-step]")
    page.wait_for_function(f"() => document.querySelector('{BOUNDARY}').dataset.step === '{step + 1}'")
    page.click("[data-testid=playground-reset]")
    page.wait_for_function(f"() => document.querySelector('{BOUNDARY}').dataset.step === '0'")
    assert float(data(page, "test-accuracy")) < 0.8

    # Clicked points appear and are used.
    fresh(page, "gauss")
    train_until(page, accuracy_above(0.97))
    spot = (4.5, 4.5)  # on class 0's side, away from the clouds' points
    r, g, b = pixel(page, *spot)
    assert b > r  # blue: the network says class 0 there
    page.check("[data-testid=playground-class-1]")
    # A 3x3 lattice of class-1 points around the spot; the spot itself stays clear of marks.
    for dx in (-0.75, -0.25, 0.25, 0.75):
        for dy in (-0.75, -0.25, 0.25, 0.75):
            if abs(dx) != 0.25 or abs(dy) != 0.25:
                page.mouse.click(*at(page, spot[0] + dx, spot[1] + dy))
    page.wait_for_function(f"() => document.querySelector('{BOUNDARY}').dataset.placed === '12'")
    assert data(page, "train-points") == "212"
    assert page.text_content("#pg-counts").startswith("212 training points (12 placed)")
    # Keyboard: the cross starts at the centre; Enter places a point there.
    page.focus(BOUNDARY)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.querySelector('{BOUNDARY}').dataset.placed === '13'")
    assert "Placed a class 1 point" in page.text_content("#pg-announcer")
    train_until(page, """() => {
        const c = document.querySelector("[data-testid=boundary]");
        const x = Math.round((4.5 / 6 + 1) / 2 * c.width), y = Math.round((1 - 4.5 / 6) / 2 * c.height);
        const [r, g, b] = c.getContext("2d").getImageData(x, y, 1, 1).data;
        return r > b;
    }""")
    r, g, b = pixel(page, *spot)
    assert r > b  # orange: the placed points (class 1) were learned
    page.click("[data-testid=playground-clear]")
    page.wait_for_function(f"() => document.querySelector('{BOUNDARY}').dataset.placed === '0'")
    assert data(page, "train-points") == "200"


def test_panels_playground_shows_the_playground_alone(browser, base_url):
    page = open_app(browser, base_url + "#embed=1&panels=playground")
    try:
        ready(page)
        assert page.locator(PLAYGROUND).is_visible()
        for other in ("#draw", "#train-section", "#eval-section", "#weights-section"):
            assert page.locator(other).is_hidden(), other
        assert page.title() == "ScratchNet: 2-D playground"
        assert page.locator("#notice").is_hidden()
        new_run(page, lambda: page.select_option("[data-testid=playground-dataset]", "xor"))
        train_until(page, accuracy_above(0.9))
        assert page.log.errors == []
    finally:
        page.context.close()


def test_settings_live_in_the_url_and_bad_values_are_refused_with_a_notice(browser, base_url):
    bad = ("#pg_dataset=moons&pg_hidden=8,abc&pg_noise=-1&pg_bogus=1&pg_learning_rate=0.05&pg_features=x1,x2,sin_x1"
           "&learning_rate=fast&pg_seed=%3Cimg%20src%3Dx%20onerror%3D%22window.__ran%3D1%22%3E")
    page = open_app(browser, base_url + bad)
    try:
        ready(page)
        text = page.locator("[data-testid=notice]").text_content()
        for part in ('"moons"', "pg_dataset", "pg_hidden", "pg_noise", '"pg_bogus"', "pg_seed", "Learning rate"):
            assert part in text, part
        assert page.locator("[data-testid=notice] img").count() == 0 and page.evaluate("window.__ran") is None
        # Refused values keep their defaults; the valid ones in the same link are used.
        assert page.input_value("[data-testid=playground-dataset]") == "circle"
        assert page.input_value("[data-testid=playground-hidden]") == "8,8"
        assert page.input_value("[data-testid=playground-learning_rate]") == "0.05"
        assert page.is_checked("[data-testid=playground-features-sin_x1]")
        params = dict(parse_qsl(page.evaluate("location.hash").lstrip("#")))
        assert params["pg_learning_rate"] == "0.05" and params["pg_features"] == "x1,x2,sin_x1"
        assert "pg_dataset" not in params and "pg_bogus" not in params
        # A change goes into the link, and the link brings it back.
        new_run(page, lambda: page.select_option("[data-testid=playground-dataset]", "spiral"))
        page.fill("[data-testid=playground-noise]", "0.3")
        page.wait_for_function("() => location.hash.includes('pg_noise=0.3')")
        page.fill("[data-testid=field-epochs]", "3")  # the main settings keep the playground's keys
        page.wait_for_function("() => location.hash.includes('epochs=3') && location.hash.includes('pg_noise=0.3')")
        page.fill("[data-testid=playground-hidden]", "4,x")
        assert page.get_attribute("[data-testid=playground-hidden]", "aria-invalid") == "true"
        assert page.locator("[data-testid=playground-hidden-error]").is_visible()
        assert page.is_disabled("[data-testid=playground-train]")
        page.reload()
        ready(page)
        assert page.input_value("[data-testid=playground-dataset]") == "spiral"
        assert page.input_value("[data-testid=playground-noise]") == "0.3"
        assert page.input_value("[data-testid=field-epochs]") == "3"
        assert page.locator("#notice").is_hidden()
    finally:
        page.context.close()


def test_a_finger_places_points_and_never_scrolls_the_page(browser, base_url):
    page = open_app(browser, base_url + "#panels=playground", has_touch=True, is_mobile=True, device_scale_factor=2)
    try:
        page.set_viewport_size({"width": 390, "height": 740})
        ready(page)
        assert page.eval_on_selector(BOUNDARY, "el => getComputedStyle(el).touchAction") == "none"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        canvas = page.locator(BOUNDARY)
        page.evaluate("(y) => scrollBy(0, y - 40)", canvas.bounding_box()["y"])
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        scroll_before = page.evaluate("scrollY")
        touch_stroke(page, box)
        page.wait_for_function(f"() => Number(document.querySelector('{BOUNDARY}').dataset.placed) >= 4")
        assert page.evaluate("scrollY") == scroll_before
        assert int(data(page, "train-points")) == 200 + int(data(page, "placed"))
        assert page.log.errors == []
    finally:
        page.context.close()
