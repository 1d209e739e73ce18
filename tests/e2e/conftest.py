"""Fixtures for the browser tests: a local static server for dist/, one headless Chromium, and
app_page, which opens the app in a page of its own for one test.

The site must be built first (`python3 build.py build`); nothing here builds it.
"""

import os

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, DIST, launch_browser, open_app, start_server, wait_state


@pytest.fixture(scope="session")
def dist_dir():
    missing = [f for f in ("index.html", "manifest.json") if not os.path.exists(os.path.join(DIST, f))]
    if missing:
        pytest.fail(f"dist/ is missing or incomplete ({', '.join(missing)} not found): "
                    "run `python3 build.py build` first", pytrace=False)
    return DIST


@pytest.fixture(scope="session")
def base_url(dist_dir):
    process, base = start_server(dist_dir)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        yield browser
        browser.close()


@pytest.fixture
def app_page(browser, base_url):
    """Opens the app for this test alone: app_page(fragment="", **options) opens base_url +
    fragment in a context of its own (open_app's options) and waits until it is ready. Every page
    it opened is closed after the test."""
    pages = []

    def open_page(fragment="", **options):
        page = open_app(browser, base_url + fragment, wait_ready=False, **options)
        pages.append(page)
        wait_state(page, "ready", BOOT_TIMEOUT_MS)
        return page

    yield open_page
    for page in pages:
        page.context.close()
