"""A widget embedded in a course page as a learner uses it (the example page, web/examples/, served
from one origin, embedding the app from another): drawing from the keyboard is announced, locked and
hidden settings stay as the lesson set them, "Copy embed code" gives this widget's snippet, the
host page and widgets pass an accessibility audit, and on a phone a finger draws without scrolling.
A learner's visit on a desktop is one story on one page; the phone has its own. The messages the
widgets post are in test_embed.py.
"""

import re

import pytest
from e2e_helpers import audit, touch_stroke
from embed_host import embed, frame_of, open_host, received, serve_app_origin


@pytest.fixture(scope="module")
def app_root(dist_dir, tmp_path_factory):
    """The app served from a second origin, under a sub-path as on a university's web space."""
    yield from serve_app_origin(dist_dir, tmp_path_factory)


@pytest.fixture
def page(browser, base_url, app_root):
    """The example course page at desktop size, for this test alone."""
    page = open_host(browser, base_url, app_root, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()


def test_keyboard_drawing_locked_settings_the_embed_code_and_an_audit_in_one_visit(page, app_root):
    # Drawing from the keyboard is announced.
    ask = embed(page, "ask")
    ask.locator("[data-testid=clear]").click()
    ask.locator("[data-testid=clear]").focus()
    page.keyboard.press("Shift+Tab")
    canvas = ask.locator("[data-testid=draw-canvas]")
    assert canvas.evaluate("el => document.activeElement === el && el.matches(':focus-visible')")
    assert canvas.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # focus is visible
    before = len(received(page, "prediction", "embed-ask"))
    # A one: from the centre up to the top, pen down (Space), down to the bottom, pen up (Space).
    for key in ["ArrowUp"] * 5 + ["Space"] + ["ArrowDown"] * 10 + ["Space"]:
        page.keyboard.press(key)
    page.wait_for_function("(n) => window.__received.filter((m) => m.frame === 'embed-ask' && m.data.type === 'prediction').length > n",
                           arg=before)
    digit = received(page, "prediction", "embed-ask")[-1]["data"]["digit"]
    assert digit == 1
    announcer = ask.locator("[data-testid=announcer]")
    assert announcer.get_attribute("aria-live") == "polite"
    ask.locator("[data-testid=announcer]:has-text('Prediction: 1')").wait_for()

    # Locked and hidden settings stay as the lesson set them.
    train = embed(page, "train")
    for name in ("epochs", "train_size"):
        field = train.locator(f"[data-testid=field-{name}]")
        assert field.get_attribute("readonly") is not None
        note = train.locator(f".field:has([data-testid=field-{name}]) .locked-note").text_content()
        assert note == "Locked: set by the page this one is embedded in.", note
    epochs = train.locator("[data-testid=field-epochs]")
    epochs.click()
    page.keyboard.type("9")
    assert epochs.input_value() == "3"
    learning_rate = train.locator("[data-testid=field-learning_rate]")
    assert learning_rate.get_attribute("readonly") is None
    train.locator("[data-testid=recipe]").select_option("wide")
    assert learning_rate.input_value() == "0.001"  # a recipe fills in what is not locked...
    assert epochs.input_value() == "3" and train.locator("[data-testid=field-train_size]").input_value() == "1000"
    frame = frame_of(page, "train")
    assert "epochs=3" in frame.evaluate("location.hash") and "learning_rate=0.001" in frame.evaluate("location.hash")
    # hide=model,activations
    assert train.locator("[data-testid=download]").is_hidden() and train.locator("[data-testid=reset]").is_hidden()
    assert train.locator(".hidden-acts").is_hidden()
    assert train.locator("[data-testid=train]").is_visible()

    # "Copy embed code" gives a snippet for this widget, as the learner has set it.
    content_height = frame_of(page, "train").evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    train.locator("[data-testid=copy-embed]").click()
    output = train.locator("[data-testid=share-output]")
    output.wait_for()
    code = output.input_value()
    assert train.locator("#share-status").text_content().strip()
    src = re.search(r'<iframe src="([^"]+)"', code).group(1).replace("&amp;", "&")
    assert src.startswith(app_root + "#")
    for part in ("embed=1", "panels=draw,train", "lock=train_size,epochs", "hide=model,activations", "id=train",
                 "epochs=3", "train_size=1000", "learning_rate=0.001"):
        assert part in src.split("#", 1)[1].split("&"), part
    assert re.search(r'title="ScratchNet: [^"]+"', code) and 'allow="clipboard-write"' in code
    assert f'<script src="{app_root}embed-host.js" async></script>' in code
    assert f'height="{content_height}"' in code  # starts at the widget's size, before any script fits it

    # The host page and the widgets, as the learner leaves them, pass an accessibility audit.
    assert audit(page.main_frame) == []
    for name in ("ask", "train"):
        assert audit(frame_of(page, name)) == [], name


def test_on_a_phone_a_finger_draws_without_scrolling_and_nothing_overflows(browser, base_url, app_root):
    page = open_host(browser, base_url, app_root, viewport={"width": 360, "height": 740}, has_touch=True,
                     is_mobile=True, device_scale_factor=2, reduced_motion="reduce")
    try:
        # Reduced motion asked for, so the probability bars jump instead of sliding (compare test_embed.py).
        assert frame_of(page, "ask").evaluate("getComputedStyle(document.querySelector('.prob-fill')).transitionDuration") == "0s"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        for name in ("ask", "train"):
            page.locator(f"iframe[data-testid=embed-{name}]").evaluate("el => el.scrollIntoView()")
            frame = frame_of(page, name)
            frame.wait_for_function("() => document.documentElement.scrollWidth <= innerWidth")
        canvas = embed(page, "ask").locator("[data-testid=draw-canvas]")
        page.evaluate("(y) => scrollBy(0, y - 100)", canvas.bounding_box()["y"])
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        scroll_before = page.evaluate("scrollY")
        frame_scroll_before = frame_of(page, "ask").evaluate("scrollY")
        touch_stroke(page, box)
        page.wait_for_function("() => window.__received.some((m) => m.data.type === 'prediction')")
        assert received(page, "prediction")[-1]["data"]["digit"] == 1
        assert received(page, "prediction")[-1]["frame"] == "embed-ask"
        assert page.evaluate("scrollY") == scroll_before
        assert frame_of(page, "ask").evaluate("scrollY") == frame_scroll_before
        assert page.errors == []
    finally:
        page.context.close()
