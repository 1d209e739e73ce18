"""Two-way course hooks: a course page on one origin embeds the app from another and, through
embed-host.js, sets settings, trains, opens lessons (the site's and its own) and hears epochs and
the end of runs with their settings and seed, lesson steps and goals. Malformed commands are
refused with a reason; commands from a sibling frame, or from a parent other than host=, are
not carried out."""

import json

import pytest
from playwright.sync_api import expect

from e2e_helpers import BOOT_TIMEOUT_MS, RECORD_MESSAGES, start_server

SMALL = "hidden_sizes=16&train_size=300&epochs=1"

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course</title></head><body>
<iframe id="app" src="{app}#embed=1&panels=train&id=w&host={host}&{small}" title="ScratchNet" width="900" height="900" data-scratchnet></iframe>
<iframe id="elsewhere" src="{app}#embed=1&panels=train&id=x&host=http://elsewhere.example&{small}" title="ScratchNet 2" width="900" height="300" data-scratchnet></iframe>
<iframe id="sibling" src="sibling.html" title="Another widget"></iframe>
<script>window.__events = []; document.addEventListener("scratchnet", (e) => window.__events.push(e.detail));</script>
<script src="{app}embed-host.js"></script>
</body></html>"""

# A frame beside the app: it may post to the app's window, but it is not the app's parent.
SIBLING = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sibling</title></head><body><script>
window.addEventListener("message", (e) => {{ if (e.data === "go") parent.frames[0].postMessage(
  {{ source: "scratchnet-host", type: "set", settings: {{ epochs: 7 }} }}, "{app_origin}"); }});
</script></body></html>"""


@pytest.fixture(scope="module")
def page(browser, base_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    (folder / "sibling.html").write_text(SIBLING.format(app_origin=base_url.rstrip("/")))
    process, host = start_server(str(folder), probe="sibling.html")  # the course's own origin
    (folder / "index.html").write_text(HOST_PAGE.format(app=base_url, host=host.rstrip("/"), small=SMALL))
    context = browser.new_context(viewport={"width": 1000, "height": 1000})
    context.add_init_script(RECORD_MESSAGES)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(host + "index.html")
    page.wait_for_function("() => window.__events.filter((e) => e.type === 'ready').length === 1", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_function("() => document.querySelector('#elsewhere').contentDocument === null")  # cross-origin
    # A widget below the fold starts only once seen, and the first one grows to its content's
    # height, which may push the second out of view: bring it into view so that it runs too.
    page.locator("#elsewhere").scroll_into_view_if_needed()
    page.frame_locator("#elsewhere").locator("[data-testid=field-epochs]").wait_for(timeout=BOOT_TIMEOUT_MS)
    yield page
    context.close()
    process.terminate()


def events(page, type):
    return [e for e in page.evaluate("window.__events") if e["type"] == type]


def send(page, command, frame="app"):
    assert page.evaluate(f"ScratchNetHost.send(document.querySelector('#{frame}'), {json.dumps(command)})")


def app(page, frame="app"):
    return page.frame_locator(f"#{frame}")


def value(page, name, frame="app"):
    return app(page, frame).locator(f"[data-testid=field-{name}]").input_value()


def test_set_changes_settings_and_bad_commands_are_refused(page):
    send(page, {"type": "set", "settings": {"learning_rate": 0.05, "epochs": 2}})
    expect(app(page).locator("[data-testid=field-epochs]")).to_have_value("2")
    assert value(page, "learning_rate") == "0.05"
    for command, words in [({"type": "set", "settings": {"learning_rate": 99}}, "learning_rate: Must be between"),
                           ({"type": "set", "settings": {"speed": 1}}, '"speed" is not a setting'),
                           ({"type": "explode"}, '"explode" is not a command'),
                           ({"type": "train", "now": True}, 'a "train" command has no "now"'),
                           ({"type": "lesson", "name": "../secrets"}, "must be a lesson's name")]:
        before = len(events(page, "commandRefused"))
        send(page, command)
        page.wait_for_function(f"() => window.__events.filter((e) => e.type === 'commandRefused').length > {before}")
        refused = events(page, "commandRefused")[-1]
        assert words in refused["reason"] and refused["id"] == "w", refused
    assert value(page, "learning_rate") == "0.05"


def test_commands_from_a_sibling_or_to_another_host_are_not_carried_out(page):
    page.evaluate("() => document.querySelector('#sibling').contentWindow.postMessage('go', '*')")
    send(page, {"type": "set", "settings": {"epochs": 9}}, frame="elsewhere")
    page.wait_for_timeout(1500)
    assert value(page, "epochs") == "2"
    assert value(page, "epochs", frame="elsewhere") == "1"
    assert all("epochs" not in e["reason"] for e in events(page, "commandRefused"))


def test_train_posts_epochs_and_the_end_with_settings_and_seed(page):
    send(page, {"type": "train"})
    page.wait_for_function("() => window.__events.some((e) => e.type === 'trainingDone')", timeout=120_000)
    epochs = events(page, "epoch")
    assert [e["epoch"] for e in epochs] == [1, 2]
    done = events(page, "trainingDone")[-1]
    for message in [*epochs, done]:
        assert message["settings"]["learning_rate"] == 0.05 and message["settings"]["hidden_sizes"] == [16]
        assert message["seed"] == message["settings"]["seed"] == 0
    assert done["reason"] == "finished" and done["epoch"] == 2


def test_a_lesson_from_the_site_and_one_from_the_course(page):
    send(page, {"type": "lesson", "name": "break-it"})
    page.wait_for_function("() => window.__events.some((e) => e.type === 'lessonStep')", timeout=60_000)
    step = events(page, "lessonStep")[-1]
    assert step["lesson"] == "break-it" and step["step"] == 0 and step["steps"] == 3 and step["id"] == "w"
    expect(app(page).locator("[data-testid=field-learning_rate]")).to_have_value("10")
    send(page, {"type": "train"})
    page.wait_for_function("() => window.__events.some((e) => e.type === 'goalReached')", timeout=60_000)
    goal = events(page, "goalReached")[-1]
    assert goal["lesson"] == "break-it" and goal["step"] == 0 and "diverged" in goal["goal"]
    page.wait_for_timeout(500)

    own = {"format": "scratchnet-lesson-1", "title": "Our week 3", "steps": [
        {"title": "Tiny", "text": "A **tiny** network.", "settings": {"hidden_sizes": [8], "train_size": 200}, "lock": ["all"]},
        {"title": "Bigger", "text": "More units.", "settings": {"hidden_sizes": [64]}}]}
    send(page, {"type": "lesson", "lesson": own, "name": "week-3", "step": 1})
    page.wait_for_function("() => window.__events.some((e) => e.type === 'lessonStep' && e.lesson === 'week-3')", timeout=60_000)
    step = events(page, "lessonStep")[-1]
    assert step["step"] == 1 and step["title"] == "Bigger"
    expect(app(page).locator("[data-testid=field-hidden_sizes]")).to_have_value("64")
    before = len(events(page, "commandRefused"))
    send(page, {"type": "lesson", "lesson": {**own, "steps": [{"title": "x", "text": "y", "settings": {"dropout": 5}}]}})
    page.wait_for_function(f"() => window.__events.filter((e) => e.type === 'commandRefused').length > {before}", timeout=60_000)
    assert value(page, "hidden_sizes") == "64"  # the lesson in use is kept
