"""A course page's `set` command naming something that is not a setting but is a name every
JavaScript object answers to (constructor, __proto__, toString, hasOwnProperty): each is refused
in plain words naming it, nothing is changed, and a real setting sent afterwards still applies."""

import json

from e2e_helpers import BOOT_TIMEOUT_MS, start_server
from playwright.sync_api import expect

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course</title></head><body>
<iframe id="app" src="{app}#embed=1&panels=train&id=w&host={host}" title="ScratchNet" width="900" height="900" data-scratchnet></iframe>
<script>window.__events = []; document.addEventListener("scratchnet", (e) => window.__events.push(e.detail));</script>
<script src="{app}embed-host.js"></script>
</body></html>"""


def refused_reason(page, settings_json):
    """Sends `set` with the settings parsed from JSON (so "__proto__" is a key of its own, as a
    host's parsed data would have it); returns the reason of the refusal that answers it."""
    before = page.evaluate("window.__events.filter((e) => e.type === 'commandRefused').length")
    assert page.evaluate("""(text) => ScratchNetHost.send(document.querySelector('#app'),
        { type: "set", settings: JSON.parse(text) })""", settings_json)
    page.wait_for_function(f"() => window.__events.filter((e) => e.type === 'commandRefused').length > {before}")
    refused = page.evaluate("window.__events.filter((e) => e.type === 'commandRefused')")[-1]
    assert refused["command"] == "set" and refused["id"] == "w", refused
    return refused["reason"]


def test_set_with_an_inherited_name_is_refused_naming_it(browser, base_url, tmp_path):
    (tmp_path / "probe.txt").write_text("ok")
    process, host = start_server(str(tmp_path), probe="probe.txt")  # the course's own origin
    context = browser.new_context(viewport={"width": 1000, "height": 1000})
    try:
        (tmp_path / "index.html").write_text(HOST_PAGE.format(app=base_url, host=host.rstrip("/")))
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(host + "index.html")
        page.wait_for_function("() => window.__events.some((e) => e.type === 'ready')", timeout=BOOT_TIMEOUT_MS)
        epochs = page.frame_locator("#app").locator("[data-testid=field-epochs]")
        before = epochs.input_value()

        for name in ("constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"):
            reason = refused_reason(page, json.dumps({name: 3}))
            assert reason == f'"{name}" is not a setting', reason
        # Beside a real setting, the whole command is refused: nothing of it is applied.
        reason = refused_reason(page, json.dumps({"epochs": 4, "constructor": 3}))
        assert reason == '"constructor" is not a setting', reason
        assert epochs.input_value() == before

        page.evaluate("ScratchNetHost.send(document.querySelector('#app'), { type: 'set', settings: { epochs: 4 } })")
        expect(epochs).to_have_value("4")
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
