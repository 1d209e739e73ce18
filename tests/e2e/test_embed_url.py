"""Settings and view in the URL hash: a link restores them; an invalid value is refused with a
visible notice and the default kept, and nothing from the URL runs or becomes markup."""

from urllib.parse import parse_qsl

from e2e_helpers import audit, open_app, wait_state

RESTORE = "#recipe=wide&learning_rate=0.002&epochs=4&seed=7&panels=draw,train&hide=model,charts&lock=seed"


def field(page, name):
    return page.input_value(f"[data-testid=field-{name}]")


def hash_params(page):
    return dict(parse_qsl(page.evaluate("location.hash").lstrip("#")))


def test_a_link_restores_settings_and_view_and_follows_changes(browser, base_url):
    page = open_app(browser, base_url + RESTORE)
    try:
        expected = {"hidden_sizes": "256,128", "optimizer": "adam", "learning_rate": "0.002", "epochs": "4", "seed": "7"}
        assert {name: field(page, name) for name in expected} == expected
        assert page.locator("#notice").is_hidden()
        assert page.locator("#draw").is_visible() and page.locator("#train-section").is_visible()
        assert page.locator("#eval-section").is_hidden() and page.locator("#weights-section").is_hidden()
        assert page.locator(".charts").is_hidden() and page.locator("[data-testid=load]").is_hidden()
        assert page.get_attribute("[data-testid=field-seed]", "readonly") is not None
        assert page.text_content("#field-seed-locked") == "Locked: set by this page's link."  # no lesson is open
        assert page.get_attribute("[data-testid=field-epochs]", "readonly") is None

        # The URL follows the learner's changes, view included.
        page.fill("[data-testid=field-batch_size]", "48")
        page.wait_for_function("() => location.hash.includes('batch_size=48')")
        params = hash_params(page)
        assert params["seed"] == "7" and params["panels"] == "draw,train" and params["lock"] == "seed"
        assert params["hide"] == "model,charts" and "embed" not in params

        # The skip link moves focus to the first panel and leaves the settings in the hash alone.
        settings_hash = page.evaluate("location.hash")
        page.focus(".skip-link")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "draw"
        assert page.evaluate("location.hash") == settings_hash

        page.click("[data-testid=copy-link]")
        assert page.input_value("[data-testid=share-output]") == page.url

        page.reload()
        wait_state(page, "ready", 60_000)
        assert field(page, "batch_size") == "48" and field(page, "learning_rate") == "0.002"
        assert field(page, "seed") == "7" and field(page, "hidden_sizes") == "256,128"
        assert page.locator("#eval-section").is_hidden()
        assert page.log.errors == []
    finally:
        page.context.close()


def test_invalid_url_values_are_refused_with_a_notice_and_defaults_kept(browser, base_url):
    bad = ("#learning_rate=fast&epochs=3&panels=draw,bogus&lock=no_such_setting"
           "&hidden_sizes=%3Cimg%20src%3Dx%20onerror%3D%22window.__ran%3D1%22%3E&embed=yes")
    page = open_app(browser, base_url + bad, bypass_csp=True)  # lets the audit inject axe-core
    try:
        notice = page.locator("[data-testid=notice]")
        assert notice.is_visible()
        text = notice.text_content()
        for name in ("Learning rate", '"fast"', "panels", "Hidden layers", "lock", "embed"):
            assert name in text, name
        # Quoted as text, never markup, never run.
        assert "<img" in text and notice.locator("img").count() == 0
        assert page.locator("img").count() == 0 and page.evaluate("window.__ran") is None
        # Every refused setting keeps its default (the default recipe's value), at a valid control.
        for name in ("learning_rate", "hidden_sizes"):
            assert page.get_attribute(f"[data-testid=field-{name}]", "aria-invalid") == "false"
        refused = {name: field(page, name) for name in ("learning_rate", "hidden_sizes")}
        assert field(page, "epochs") == "3"  # the valid value in the same link is used
        page.select_option("[data-testid=recipe]", "default")
        assert {name: field(page, name) for name in refused} == refused
        # Refused view values keep the default view: the full page, every panel, nothing locked.
        assert page.locator("html.embed").count() == 0 and page.locator(".tagline").is_visible()
        for panel in ("#draw", "#train-section", "#eval-section", "#weights-section"):
            assert page.locator(panel).is_visible(), panel
        assert page.locator("#fields [readonly], .field[data-locked]").count() == 0
        assert page.locator("[data-testid=train]").is_enabled()
        # The address now says only what was accepted (and what has been changed since).
        params = hash_params(page)
        assert "fast" not in page.url and "bogus" not in page.url and "img" not in page.url
        assert "panels" not in params and "lock" not in params
        # The full standalone page, notice included, passes the audit too.
        assert audit(page.main_frame) == []
    finally:
        page.context.close()
