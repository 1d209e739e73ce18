"""Fixtures for the browser tests: a local static server for dist/ and one headless Chromium.

The site must be built first (`python3 build.py build`); nothing here builds it.
"""

import os

import pytest

from e2e_helpers import DIST, launch_browser, start_server


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
