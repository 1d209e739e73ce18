"""Lessons in the page: #lesson=NAME opens a shipped lesson at its first step with that step's
settings and locks, Next and the link follow the steps, leaving a lesson puts back the settings from
before it, a step's run reaches its goal, a lesson
that is missing or malformed is refused in plain words with the page still working, and lesson
text is never markup. Plus the learner's findings about the drawing pad on a phone."""

import json
import os

from e2e_helpers import BOOT_TIMEOUT_MS, ROOT, attr, open_app, touch_stroke, wait_state

LESSONS = os.path.join(ROOT, "web", "lessons")


def lesson(name):
    with open(os.path.join(LESSONS, f"{name}.json")) as f:
        return json.load(f)


def open_lesson(browser, base_url, fragment):
    page = open_app(browser, base_url + "#" + fragment)
    page.wait_for_selector("[data-testid=lesson]:not([hidden])", timeout=60_000)
    return page


def field(page, name):
    return page.locator(f"[data-testid=field-{name}]")


def settings(page):
    """Every setting's control, by name, as it reads now."""
    return page.eval_on_selector_all("#fields input, #fields select", "els => Object.fromEntries(els.map((e) => [e.name, e.value]))")


def test_the_journey_opens_at_its_first_step_and_follows_next_and_the_link(browser, base_url):
    journey = lesson("journey")
    page = open_lesson(browser, base_url, "lesson=journey")
    try:
        step = page.locator("[data-testid=lesson-step]")
        assert step.get_attribute("data-step") == "0"
        assert journey["steps"][0]["title"] in step.text_content()
        assert field(page, "learning_rate").input_value() == "1.5"
        assert field(page, "learning_rate").get_attribute("readonly") is not None  # the step locks it
        assert page.text_content("#field-learning_rate-locked") == "Locked: set by this lesson."
        assert page.locator("[data-testid=goal]").get_attribute("data-reached") == "false"
        assert page.locator("#draw").is_hidden() and page.locator("#train-section").is_visible()  # the lesson's panels
        page.click("[data-testid=lesson-next]")
        page.wait_for_selector("[data-testid=lesson-step][data-step='1']")
        assert field(page, "learning_rate").input_value() == "0.1"
        assert "lesson=journey" in page.url and "lesson_step=1" in page.url
        page.reload()
        wait_state(page, "ready", 90_000)
        page.wait_for_selector("[data-testid=lesson-step][data-step='1']", timeout=60_000)
        assert field(page, "learning_rate").input_value() == "0.1"
        page.click("#lesson-close")
        assert page.locator("[data-testid=lesson]").is_hidden()
        assert field(page, "learning_rate").get_attribute("readonly") is None
        assert "lesson=" not in page.url
    finally:
        page.context.close()


def test_leaving_a_lesson_puts_back_the_settings_from_before_it(browser, base_url):
    page = open_app(browser, base_url + "#learning_rate=0.05&epochs=2&seed=9&lock=seed")
    try:
        before = settings(page)
        assert before["learning_rate"] == "0.05" and before["epochs"] == "2"
        page.click("#lesson-list a[href='#lesson=journey']")
        page.wait_for_selector("[data-testid=lesson-step][data-step='0']")
        assert field(page, "learning_rate").input_value() == "1.5" and field(page, "epochs").input_value() == "60"
        page.click("[data-testid=lesson-next]")
        page.wait_for_selector("[data-testid=lesson-step][data-step='1']")
        page.click("#lesson-close")
        assert page.locator("[data-testid=lesson]").is_hidden()
        assert settings(page) == before
        assert field(page, "learning_rate").get_attribute("readonly") is None
        assert field(page, "seed").get_attribute("readonly") is not None  # the link's lock stays
        assert page.text_content("#field-seed-locked") == "Locked: set by this page's link."
        assert "learning_rate=0.05" in page.url and "lesson=" not in page.url
    finally:
        page.context.close()


def test_a_steps_run_reaches_its_goal(browser, base_url):
    page = open_lesson(browser, base_url, "lesson=break-it")
    try:
        goal = page.locator("[data-testid=goal]")
        assert goal.get_attribute("data-reached") == "false"
        page.click("[data-testid=lesson-run]")
        page.wait_for_selector("[data-testid=goal][data-reached=true]", timeout=60_000)
        assert "Reached" in goal.text_content()
        assert page.locator("[data-testid=health] [data-condition=diverged]").count() == 1
        wait_state(page, "ready")
        # The next step's goal starts again, unreached.
        page.click("[data-testid=lesson-next]")
        page.wait_for_selector("[data-testid=lesson-step][data-step='1']")
        assert goal.get_attribute("data-reached") == "false"
        assert field(page, "clip_norm").input_value() == "5"
    finally:
        page.context.close()


def test_a_missing_or_malformed_lesson_is_refused_and_the_page_still_works(browser, base_url):
    page = open_app(browser, base_url + "#lesson=no-such-lesson")
    try:
        page.wait_for_selector("#notice:not([hidden])", timeout=30_000)
        assert 'The lesson "no-such-lesson" is not on this site' in page.text_content("#notice-text")
        assert page.locator("[data-testid=lesson]").is_hidden()
        # A malformed one, served from the site as a course would add one.
        page.route("**/lessons/broken.json", lambda route: route.fulfill(
            status=200, content_type="application/json",
            body=json.dumps({**lesson("break-it"), "steps": [{"title": "x", "text": "y", "settings": {"learning_rate": 99}}]})))
        page.route("**/lessons/not-json.json", lambda route: route.fulfill(status=200, body="{ nope"))
        for name, words in [("broken", "learning_rate: Must be between"), ("not-json", "is not valid JSON")]:
            page.evaluate("() => { document.querySelector('#notice').hidden = true; }")
            page.goto(base_url + f"#lesson={name}")
            page.reload()
            page.wait_for_selector("#notice:not([hidden])", timeout=90_000)
            assert words in page.text_content("#notice-text"), page.text_content("#notice-text")
            assert page.locator("[data-testid=lesson]").is_hidden()
        wait_state(page, "ready", 90_000)
        assert field(page, "learning_rate").get_attribute("readonly") is None
        assert page.locator("[data-testid=train]").is_enabled()
    finally:
        page.context.close()


def test_lesson_text_is_shown_as_text(browser, base_url):
    hostile = {**lesson("vanishing")}
    hostile["steps"] = [{**hostile["steps"][0], "text": 'Hello <img src=x onerror="window.__owned=1"> **bold** [a](javascript:alert(1))'}]
    page = open_app(browser, base_url)
    try:
        page.route("**/lessons/hostile.json", lambda route: route.fulfill(status=200, content_type="application/json",
                                                                           body=json.dumps(hostile)))
        page.goto(base_url + "#lesson=hostile")
        page.reload()
        page.wait_for_selector("[data-testid=lesson]:not([hidden])", timeout=90_000)
        text = page.locator("#lesson-text")
        assert "<img src=x" in text.text_content()
        assert text.locator("img").count() == 0 and text.locator("a").count() == 0
        assert text.locator("strong").text_content() == "bold"
        assert page.evaluate("window.__owned") is None
    finally:
        page.context.close()


def test_on_a_phone_the_prediction_sits_above_the_pad_and_no_keyboard_hint_shows(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  device_scale_factor=3)
    page = context.new_page()
    page.goto(base_url)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    try:
        pad = page.locator("[data-testid=draw-canvas]")
        pad.scroll_into_view_if_needed()
        prediction = page.locator("[data-testid=prediction]")
        assert prediction.bounding_box()["y"] + prediction.bounding_box()["height"] <= pad.bounding_box()["y"]
        assert page.locator("#pad-keys").is_hidden()
        touch_stroke(page, pad.bounding_box())
        page.wait_for_selector("[data-testid=prediction][data-pending=false]:not([data-digit=''])")
        box = prediction.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 844  # on screen while the pad is
        assert page.locator("#softmax-note").is_visible()
        assert "always names some digit" in page.text_content("#softmax-note")
    finally:
        page.context.close()


def test_on_a_desktop_the_keyboard_hint_shows(browser, base_url):
    page = open_app(browser, base_url)
    try:
        assert page.locator("#pad-keys").is_visible()
        assert page.locator("#softmax-note").is_hidden()  # nothing drawn, nothing to explain
        assert attr(page, "prediction", "data-digit") == ""
    finally:
        page.context.close()
