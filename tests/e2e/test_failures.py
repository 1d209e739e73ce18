"""When something is missing the page says so in plain words, never a blank page."""

import json
import os

import pytest
from e2e_helpers import draw, open_app, wait_prediction, wait_state


def fatal_text(page):
    assert page.locator("#fatal").is_visible()
    return page.text_content("#fatal")


def test_missing_data_file_is_named_in_the_message(browser, base_url, dist_dir):
    with open(os.path.join(dist_dir, "manifest.json")) as f:
        data_path = json.load(f)["data"]
    page = open_app(browser, base_url, wait_ready=False,
                    setup=lambda context, page: context.route(f"**/{data_path}",
                                                              lambda route: route.fulfill(status=404, body="")))
    try:
        wait_state(page, "error", 60_000)
        text = fatal_text(page)
        assert os.path.basename(data_path) in text and "404" in text
        assert "build.py build" in text
        assert page.get_attribute("#step-data", "data-state") == "error"
    finally:
        page.context.close()


def test_a_download_with_no_answer_is_told_apart_from_a_missing_file(browser, base_url, dist_dir):
    with open(os.path.join(dist_dir, "manifest.json")) as f:
        model_path = json.load(f)["model"]
    page = open_app(browser, base_url, wait_ready=False,
                    setup=lambda context, page: context.route(f"**/{model_path}", lambda route: route.abort()))
    try:
        wait_state(page, "error", 60_000)
        text = fatal_text(page)
        assert "failed to download" in text and "pretrained model" in text and "Check your connection" in text
        assert "build.py" not in text
    finally:
        page.context.close()


def test_missing_page_code_is_reported(browser, base_url):
    page = open_app(browser, base_url, wait_ready=False,
                    setup=lambda context, page: context.route("**/uPlot.esm.js",
                                                              lambda route: route.fulfill(status=404, body="")))
    try:
        wait_state(page, "error")
        assert "could not be loaded" in fatal_text(page)
    finally:
        page.context.close()


def test_browser_without_webassembly_gets_an_explanation(browser, base_url):
    page = open_app(browser, base_url, wait_ready=False,
                    setup=lambda context, page: context.add_init_script("delete globalThis.WebAssembly"))
    try:
        wait_state(page, "error")
        assert "WebAssembly" in fatal_text(page)
        assert page.get_attribute("[data-testid=train]", "disabled") is not None
    finally:
        page.context.close()


def test_page_opened_from_disk_says_to_serve_it(browser, dist_dir):
    page = open_app(browser, "file://" + os.path.join(dist_dir, "index.html"), wait_ready=False)
    try:
        wait_state(page, "error")
        text = fatal_text(page)
        assert "file://" in text and "build.py serve" in text
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["C", "en-US@posix"])
def test_a_browser_whose_language_is_not_a_valid_tag_starts(browser, base_url, language):
    """WebKitGTK reports "C" under LANG=C.UTF-8, some browsers "en-US@posix": neither is a valid
    language tag, and a library that formats numbers for it at load would stop the page."""
    page = open_app(browser, base_url, wait_ready=False, setup=lambda context, page: context.add_init_script(
        f"Object.defineProperty(Navigator.prototype, 'language', {{ get: () => {json.dumps(language)} }});"))
    try:
        assert page.evaluate("() => navigator.language") == language
        wait_state(page, "ready", 90_000)
        draw(page, [[(0.52, 0.15), (0.48, 0.85)]])
        assert wait_prediction(page) == "1"
    finally:
        page.context.close()
