"""The Share panel's per-setting lock and hide picker and the compact training layout: the embed
code carries them, and the widget it makes locks, hides and lays out exactly that."""

import html
import re

from e2e_helpers import open_app, wait_state


def test_single_settings_locked_and_hidden_and_the_compact_layout(browser, base_url):
    page = open_app(browser, base_url + "#learning_rate=0.05")
    try:
        page.locator("#embed-options details summary").click()
        page.check("[data-testid=share-lock-learning_rate]")
        page.check("[data-testid=share-hide-dropout]")
        page.check("[data-testid=embed-compact]")
        page.uncheck("input[name=embed-panel][value=draw]")
        page.click("[data-testid=copy-embed]")
        snippet = page.input_value("[data-testid=share-output]")
        src = html.unescape(re.search(r'src="([^"]+)"', snippet).group(1))
        assert "lock=learning_rate" in src and "hide=dropout" in src and "layout=compact" in src
        assert "learning_rate=0.05" in src and "embed=1" in src
    finally:
        page.context.close()

    widget = open_app(browser, src, wait_ready=False)
    try:
        wait_state(widget, "ready", 90_000)
        rate = widget.locator("[data-testid=field-learning_rate]")
        assert rate.input_value() == "0.05" and rate.get_attribute("readonly") is not None
        assert widget.locator("[data-testid=field-epochs]").get_attribute("readonly") is None
        assert widget.locator("[data-testid=field-dropout]").is_hidden()
        assert widget.evaluate("document.documentElement.classList.contains('layout-compact')")
        assert widget.locator("#draw").is_hidden()
        assert widget.locator(".field .help").first.is_hidden()  # compact: no help under each setting
        height = widget.locator("[data-testid=chart-loss] .u-wrap").bounding_box()["height"]
        assert height <= 140, height  # the plot itself: 190 px in the full layout
    finally:
        widget.context.close()
