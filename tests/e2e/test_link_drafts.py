"""Code that arrives in a #code= link, in the page: it is kept apart from the learner's drafts and
marked "from a link"; it never overwrites a saved draft, is never saved or switched in before the
learner adopts it, and once adopted it is their draft for good. A malformed code= value is named
in a notice in the code panel instead of being dropped without a word."""

import base64
import json

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, wait_state
from playwright.sync_api import expect

KEY = "scratchnet.code"
SMALL = "train_size=300&epochs=1&hidden_sizes=16"
PASSED_KEY = "scratchnet.code.passed"  # the sources that passed Check (my-functions.js)
MINE = '''import numpy as np

def dense_backward(dz, x, W):
    dx = dz @ W.T
    dW = x.T @ dz
    db = dz.sum(axis=0)
    return dx, dW, db
'''
LINKED = MINE.replace("    return dx, dW, db", "    return dx, dW, db  # from the link")
LINKED_MOMENTUM = '''def momentum_step(w, dw, v, learning_rate, momentum):
    return w, v  # from the link
'''


def code_param(value):
    """The #code= value for `value`: base64url (no padding) of its JSON, or of raw bytes."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def open_with(browser, base_url, hash, saved=None):
    """The app opened at `hash` in a fresh context whose localStorage holds the drafts `saved`
    (each as one that passed Check)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    if saved is not None:
        page.goto(base_url + "manifest.json")  # the same origin, without starting the app
        page.evaluate("([key, value]) => localStorage.setItem(key, value)", [KEY, json.dumps(saved)])
        page.evaluate("([key, value]) => localStorage.setItem(key, value)", [PASSED_KEY, json.dumps(saved)])
    page.goto(base_url + hash)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    return page


def stored(page):
    return json.loads(page.evaluate(f"localStorage.getItem('{KEY}') || '{{}}'"))


def editor_text(page):
    return page.text_content("[data-testid=code-editor] .cm-content")


def test_a_links_code_waits_apart_until_adopted_and_then_replaces_the_draft(browser, base_url):
    link = f"#exercise=dense_backward&{SMALL}&code=" + code_param({"dense_backward": LINKED, "momentum_step": LINKED_MOMENTUM})
    page = open_with(browser, base_url, link, saved={"dense_backward": MINE})
    try:
        # Shown, marked, read-only, and not checkable; the saved draft is untouched and nothing is saved.
        banner = page.locator("[data-testid=code-from-link]")
        expect(banner).to_be_visible(timeout=30_000)
        assert "# from the link" in editor_text(page)
        assert "replaces your own draft" in banner.text_content()
        assert page.get_attribute("[data-testid=code-editor] .cm-content", "contenteditable") == "false"
        assert page.locator("[data-testid=check-code]").is_disabled()
        assert "momentum_step" in page.text_content("#code-note")
        assert stored(page) == {"dense_backward": MINE}

        # Train with my code takes the learner's own draft (it passed Check), never the link's code beside it.
        page.click("[data-testid=train-my-code]")
        badge = page.locator("[data-testid=using-my-code]")
        expect(badge).to_have_text("Training with your code: dense_backward")
        assert stored(page) == {"dense_backward": MINE}

        # Adopting makes it the draft of that exercise (the other exercise's link code still waits).
        page.click("[data-testid=adopt-link-code]")
        expect(banner).to_have_count(0)
        page.wait_for_function(f"() => JSON.parse(localStorage.getItem('{KEY}')).dense_backward.includes('# from the link')")
        assert set(stored(page)) == {"dense_backward"}
        expect(page.locator("[data-testid=code-editor] .cm-content")).to_have_attribute("contenteditable", "true")
        assert "# from the link" in editor_text(page)
        assert page.locator("[data-testid=check-code]").is_enabled()

        # A new visit without the link: the adopted draft is the learner's own, with no mark.
        page.goto("about:blank")
        page.goto(base_url + "#exercise=dense_backward")
        wait_state(page, "ready", BOOT_TIMEOUT_MS)
        expect(page.locator("[data-testid=code-editor] .cm-content[contenteditable=true]")).to_contain_text("# from the link")
        assert page.locator("[data-testid=code-from-link]").count() == 0
        assert stored(page)["dense_backward"] == LINKED
    finally:
        page.context.close()


def test_dropping_a_links_code_keeps_the_saved_draft(browser, base_url):
    page = open_with(browser, base_url, f"#{SMALL}&code=" + code_param({"dense_backward": LINKED}), saved={"dense_backward": MINE})
    try:
        # No #exercise=: the link's exercise is opened to be read, since its code came to be seen.
        expect(page.locator("[data-testid=code-from-link]")).to_be_visible(timeout=30_000)
        assert page.locator("[data-testid=exercise]").input_value() == "dense_backward"
        page.click("[data-testid=drop-link-code]")
        expect(page.locator("[data-testid=code-from-link]")).to_have_count(0)
        expect(page.locator("[data-testid=code-editor] .cm-content[contenteditable=true]")).not_to_contain_text("# from the link")
        assert stored(page) == {"dense_backward": MINE}
        assert page.text_content("#code-note") == ""
    finally:
        page.context.close()


@pytest.mark.parametrize("value,words", [
    ("!!not*base64", "not base64url text"),
    (code_param(b"\xff\xfe{}"), "not UTF-8 text"),
    (code_param(b"print('hi')"), "not JSON"),
    (code_param({"rm_rf": "x", "dense_forward": "x" * 20001, "relu_forward": "def relu_forward(z):\n    return z\n"}),
     '"rm_rf", which is not an exercise'),
], ids=["bad-base64", "bad-utf8", "not-json", "unknown-and-too-long"])
def test_a_malformed_code_value_gets_a_notice_in_the_code_panel(browser, base_url, value, words):
    page = open_with(browser, base_url, f"#{SMALL}&code={value}")
    try:
        notice = page.locator("[data-testid=code-panel] [data-testid=code-link-problem]")
        expect(notice).to_contain_text(words)
        assert stored(page) == {}
        if words.startswith('"rm_rf"'):
            # The rest of the link's code is kept (apart, as always): too long is named too.
            expect(notice).to_contain_text("code for dense_forward is longer than 20000 characters")
            expect(page.locator("[data-testid=code-from-link]")).to_be_visible()
            assert page.locator("[data-testid=exercise]").input_value() == "relu_forward"
        else:
            assert page.locator("[data-testid=code-from-link]").count() == 0
    finally:
        page.context.close()
