"""The page's own code that cannot start (web/js/boot.js, web/js/shell/load-failure.js): a file that
did not download, for want of a network or because the site does not have it, is told apart from
code that downloaded and failed to run, each with its own advice. The failures are made by the test's
own routes: the browser and the files are real.
"""

import pytest
from e2e_helpers import open_app, wait_state


def fatal(page):
    wait_state(page, "error")
    assert page.locator("#fatal").is_visible()
    return page.text_content("#fatal-message"), page.text_content("#fatal-hint")


def opened_with(browser, base_url, pattern, handler):
    return open_app(browser, base_url, wait_ready=False, setup=lambda context, page: context.route(pattern, handler))


def test_the_app_code_that_does_not_download_asks_to_check_the_connection(browser, base_url):
    page = opened_with(browser, base_url, "**/js/main.js", lambda route: route.abort("internetdisconnected"))
    try:
        message, hint = fatal(page)
        assert "could not be loaded" in message and "js/main.js did not download" in message
        assert "Check your connection" in hint and "build.py" not in hint
    finally:
        page.context.close()


def test_a_library_the_site_does_not_have_is_named_as_missing(browser, base_url):
    page = opened_with(browser, base_url, "**/uPlot.esm.js", lambda route: route.fulfill(status=404, body=""))
    try:
        message, hint = fatal(page)
        assert "the site has no uplot/uPlot.esm.js (the server answered 404)" in message
        assert "does not have this file" in hint
    finally:
        page.context.close()


@pytest.mark.parametrize("code, shown", [
    ("throw new Error('the app broke');", "the app broke"),  # it throws as it loads
    ("export function start() { return Promise.reject(new Error('start broke')); }", "start broke"),
    ("export const = ;", ""),  # not JavaScript at all (each browser words its SyntaxError its own way)
])
def test_app_code_that_downloads_but_fails_to_run_is_not_called_a_download_failure(browser, base_url, code, shown):
    page = opened_with(browser, base_url, "**/js/main.js",
                       lambda route: route.fulfill(status=200, content_type="text/javascript", body=code))
    try:
        message, hint = fatal(page)
        assert message.startswith("Part of the page's own code failed to run (") and shown in message
        assert "could not be loaded" not in message and "connection" not in hint
        assert "reloading" in hint
    finally:
        page.context.close()
