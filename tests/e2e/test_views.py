"""The full page's views: the navigation bar with one control per view, #view=NAME (an unknown
name refused in a notice), each view's main job on a 1280x800 screen without scrolling, the
whole pad and the answer on a 390x844 phone, a link pasted into the open tab applied at once
(settings, lesson, view, a refused value in a notice), and charts that show the current run."""

from e2e_helpers import IDLE, calls, open_app, settle, touch_stroke, wait_prediction

VIEWS = ["draw", "train", "inside", "build", "lessons", "playground"]
# What each view is for, which must be on screen at 1280x800 with no scrolling.
MAIN_JOB = {
    "draw": ["[data-testid=draw-canvas]", "[data-testid=prediction]"],
    "train": ["[data-testid=train]", "[data-testid=recipe]", "[data-testid=health]", "[data-testid=chart-loss]",
              "[data-testid=chart-accuracy]"],
    "inside": ["[data-testid=inspect-index]", "#inspect-summary"],
    "build": ["[data-testid=exercise]", "[data-testid=check-code]", "[data-testid=code-editor]"],
    "lessons": ["#lesson-list"],
    "playground": ["[data-testid=playground-train]", "[data-testid=boundary]"],
}


def on_screen(page, selector, width, height):
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not shown"
    inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width + 0.5 and box["y"] + box["height"] <= height + 0.5
    assert inside, f"{selector} is not fully on screen: {box}"


def current(page):
    return page.get_attribute("[data-testid=view-nav]", "data-current")


def test_each_view_does_its_main_job_on_one_screen(browser, base_url):
    page = open_app(browser, base_url + "#view=train", viewport={"width": 1280, "height": 800})
    try:
        nav = page.locator("[data-testid=view-nav]")
        assert nav.locator("[data-view]").evaluate_all("els => els.map((e) => e.dataset.view)") == VIEWS
        assert current(page) == "train"
        assert page.locator("#train-section").is_visible() and page.locator("#draw").is_hidden()
        page.wait_for_selector("#lesson-list li")
        for name in VIEWS:
            # The learner's own click (not the helpers' view following: the navigation is what is tested).
            nav.locator(f"[data-view={name}]").evaluate("el => el.click()")
            page.wait_for_selector(f"[data-testid=view-nav][data-current={name}]", state="attached")
            assert page.evaluate("() => window.scrollY") == 0
            for selector in MAIN_JOB[name]:
                on_screen(page, selector, 1280, 800)
            on_screen(page, "[data-testid=view-nav]", 1280, 800)  # always in sight
            assert "view=" + name in page.url  # kept in the link
        # Scrolled down a long view, the navigation is still in sight.
        nav.locator("[data-view=inside]").evaluate("el => el.click()")
        page.mouse.wheel(0, 1500)
        page.wait_for_function("() => window.scrollY > 0")
        on_screen(page, "[data-testid=view-nav]", 1280, 800)
        assert page.locator("#notice").is_hidden()
    finally:
        page.context.close()


def test_an_unknown_view_is_named_in_a_notice(browser, base_url):
    page = open_app(browser, base_url + "#view=everything&epochs=3")
    try:
        notice = page.text_content("#notice-text")
        assert 'view="everything"' in notice and "draw, train, inside, build, lessons, playground" in notice
        assert current(page) == "draw"
        assert page.input_value("[data-testid=field-epochs]") == "3"  # the rest of the link is used
    finally:
        page.context.close()


def test_an_exercise_link_opens_the_code(browser, base_url):
    page = open_app(browser, base_url + "#exercise=relu_backward")
    try:
        assert current(page) == "build"
        assert page.locator("#code-section").is_visible() and page.locator("#draw").is_hidden()
    finally:
        page.context.close()


def test_the_phone_shows_the_whole_pad_and_the_answer(browser, base_url):
    page = open_app(browser, base_url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        assert current(page) == "draw"
        for selector in ["[data-testid=draw-canvas]", "[data-testid=prediction]"]:
            on_screen(page, selector, 390, 844)
        assert page.evaluate("() => window.scrollY") == 0
        # A stroke made where the pad is, with no scrolling first, is drawn and read.
        touch_stroke(page, page.locator("[data-testid=draw-canvas]").bounding_box())
        assert wait_prediction(page) != ""
        assert page.evaluate("() => window.scrollY") == 0
    finally:
        page.context.close()


def test_a_link_pasted_into_the_open_tab_applies_at_once(browser, base_url, dist_dir):
    page = open_app(browser, base_url)
    try:
        page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloaded

        page.goto(base_url + "#learning_rate=0.5")
        page.wait_for_function("() => document.querySelector('[data-testid=field-learning_rate]').value === '0.5'")

        page.goto(base_url + "#lesson=journey")
        page.wait_for_selector("[data-testid=lesson]", state="visible")
        assert page.text_content("#lesson-title").strip()
        assert page.get_attribute("[data-testid=lesson-step]", "data-step") == "0"
        page.wait_for_function("() => /lesson=journey/.test(location.hash)")

        page.goto(base_url + "#view=inside")
        page.wait_for_selector("[data-testid=view-nav][data-current=inside]", state="attached")
        assert page.locator("#inspect-section").is_visible() and page.locator("#train-section").is_hidden()
        page.wait_for_selector("[data-testid=lesson]", state="hidden")  # the link has no lesson: it was left

        page.goto(base_url + "#view=playground&pg_dataset=spiral")  # the playground's own settings too
        page.wait_for_function("() => document.querySelector('[data-testid=playground-dataset]')?.value === 'spiral'")
        assert current(page) == "playground"

        page.goto(base_url + "#learning_rate=lots&view=train")
        page.wait_for_selector("#notice:not([hidden])")
        assert '"lots"' in page.text_content("#notice-text") and "Learning rate" in page.text_content("#notice-text")
        assert current(page) == "train"
        assert page.input_value("[data-testid=field-learning_rate]") != "lots"
        assert page.evaluate("() => window.__sameDocument") is True
    finally:
        page.context.close()


def train_to_the_end(page):
    asked = calls(page).get("train", 0)
    page.click("[data-testid=train]")
    page.wait_for_function(f"""() => scratchnetPython.calls.train > {asked}
        && document.querySelector('#eta').textContent === 'done'
        && document.querySelector('{IDLE}') !== null""", timeout=180_000)
    settle(page, 60_000)


def test_the_charts_show_the_current_run_and_name_the_earlier_ones(browser, base_url):
    page = open_app(browser, base_url + "#view=train&hidden_sizes=16&train_size=300&epochs=6&seed=3")
    try:
        train_to_the_end(page)
        page.fill("[data-testid=field-epochs]", "1")
        train_to_the_end(page)
        loss = page.locator("[data-testid=chart-loss]")
        accuracy = page.locator("[data-testid=chart-accuracy]")
        page.wait_for_function("() => document.querySelector('[data-testid=chart-loss]').dataset.background === '2'")
        # The short run fills the x axis: its own range, not the 6 epochs of the run before it.
        for chart in (loss, accuracy):
            assert float(chart.get_attribute("data-x-min")) == 0
            assert float(chart.get_attribute("data-x-max")) <= 1.0001, chart.get_attribute("data-x-max")
        # The earlier run is named in the legend.
        legend = loss.locator(".u-legend .background-run")
        assert legend.count() == 1 and "run 1" in legend.text_content()
        # Earlier runs can be switched off, and on again.
        page.uncheck("[data-testid=show-earlier-runs]")
        page.wait_for_function("() => document.querySelector('[data-testid=chart-loss]').dataset.background === '0'")
        page.check("[data-testid=show-earlier-runs]")
        page.wait_for_function("() => document.querySelector('[data-testid=chart-loss]').dataset.background === '2'")
    finally:
        page.context.close()
