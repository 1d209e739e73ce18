"""Two-way course hooks: a course page on one origin embeds the app from another and, through
embed-host.js, sets settings, trains, opens lessons (the site's and its own) and hears epochs and
the end of runs with their settings and seed, lesson steps and goals. Malformed commands are
refused with a reason; commands from a sibling frame, or from a parent other than host=, are
not carried out. Each test opens its course page afresh."""

import json
import math

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, calls, settle, start_server
from embed_host import heard_after, open_course_page, received
from playwright.sync_api import expect

SMALL = "hidden_sizes=16&train_size=300&epochs=1"

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course</title></head><body>
{frames}
<script>window.__events = []; document.addEventListener("scratchnet", (e) => window.__events.push(e.detail));</script>
<script src="{app}embed-host.js"></script>
</body></html>"""
APP = ('<iframe id="app" data-testid="app" src="{app}#embed=1&panels=train&id=w&host={host}&{small}" title="ScratchNet" '
       'width="900" height="900" data-scratchnet></iframe>')
ELSEWHERE = ('<iframe id="elsewhere" data-testid="elsewhere" src="{app}#embed=1&panels=train&id=x&host=http://elsewhere.example&{small}" '
             'title="ScratchNet 2" width="900" height="300" data-scratchnet></iframe>')
SIBLING_FRAME = '<iframe id="sibling" data-testid="sibling" src="sibling.html" title="Another widget"></iframe>'

# A frame beside the app: it may post to the app's window, but it is not the app's parent. After
# its command it posts a sentinel to the same window, which arrives after the command.
SIBLING = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sibling</title></head><body><script>
window.addEventListener("message", (e) => {{ if (e.data === "go") {{
  parent.frames[0].postMessage({{ source: "scratchnet-host", type: "set", settings: {{ epochs: 7 }} }}, "{app_origin}");
  parent.frames[0].postMessage({{ sentinel: "sibling" }}, "{app_origin}");
}} }});
</script></body></html>"""

# In an app's frame: every message its window receives, in window.__heard (after the app's own
# listener has had it, since that one was added first).
LISTEN = "() => { window.__heard = []; addEventListener('message', (e) => window.__heard.push(e.data)); }"


@pytest.fixture(scope="module")
def course(base_url, tmp_path_factory):
    """The course's own origin, serving index.html (the app, a second app whose host= is another
    page, and a sibling frame) and lesson.html (the app alone); yields its URL."""
    folder = tmp_path_factory.mktemp("course")
    (folder / "sibling.html").write_text(SIBLING.format(app_origin=base_url.rstrip("/")))
    process, host = start_server(str(folder), probe="sibling.html")
    fill = {"app": base_url, "host": host.rstrip("/"), "small": SMALL}
    frames = {"index.html": [APP, ELSEWHERE, SIBLING_FRAME], "lesson.html": [APP]}
    for name, parts in frames.items():
        (folder / name).write_text(HOST_PAGE.format(app=base_url, frames="\n".join(p.format(**fill) for p in parts)))
    yield host
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def course_page(browser, course):
    """Opens a page of the course for this test alone, once its app widget is ready."""
    pages = []

    def open_page(name):
        page = open_course_page(browser, course + name, ["app"], viewport={"width": 1000, "height": 1000})
        pages.append(page)
        page.wait_for_function("() => window.__events.filter((e) => e.type === 'ready').length === 1")
        return page

    yield open_page
    for page in pages:
        page.context.close()


def events(page, type):
    return [e for e in page.evaluate("window.__events") if e["type"] == type]


def send(page, command, frame="app"):
    assert page.evaluate(f"ScratchNetHost.send(document.querySelector('#{frame}'), {json.dumps(command)})")


def app(page, frame="app"):
    return page.frame_locator(f"#{frame}")


def window_of(page, frame="app"):
    return page.locator(f"#{frame}").element_handle().content_frame()


def value(page, name, frame="app"):
    return app(page, frame).locator(f"[data-testid=field-{name}]").input_value()


def test_commands_set_up_and_train_a_run_that_posts_its_epochs_and_strangers_are_not_obeyed(course_page):
    page = course_page("index.html")
    page.wait_for_function("() => document.querySelector('#elsewhere').contentDocument === null")  # cross-origin
    # A widget below the fold starts only once seen, and the first one grows to its content's
    # height, which may push the second out of view: bring it into view so that it runs too.
    page.locator("#elsewhere").scroll_into_view_if_needed()
    app(page, "elsewhere").locator("[data-testid=status][data-state=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)

    # "set" changes settings; malformed or unknown commands and values are refused with a reason.
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

    # Commands from a sibling frame, or to a widget whose host= is another page, are not carried
    # out. Each sender follows its command with a sentinel to the same window; once the sentinels
    # are in, the commands were there before them.
    for frame in ("app", "elsewhere"):
        window_of(page, frame).evaluate(LISTEN)
    page.evaluate("() => document.querySelector('#sibling').contentWindow.postMessage('go', '*')")
    send(page, {"type": "set", "settings": {"epochs": 9}}, frame="elsewhere")
    page.evaluate("() => document.querySelector('#elsewhere').contentWindow.postMessage({ sentinel: 'course page' }, '*')")
    window_of(page, "app").wait_for_function("() => window.__heard.some((m) => m && m.sentinel === 'sibling')")
    window_of(page, "elsewhere").wait_for_function("() => window.__heard.some((m) => m && m.sentinel === 'course page')")
    heard_after(page, "app", {"sentinel": "app"})  # and anything the app posted about them has arrived
    assert value(page, "epochs") == "2"
    assert value(page, "epochs", frame="elsewhere") == "1"
    assert all("epochs" not in e["reason"] for e in events(page, "commandRefused"))

    # "train": the run posts each epoch and its end, with the settings set above and the seed.
    send(page, {"type": "train"})
    page.wait_for_function("() => window.__events.some((e) => e.type === 'trainingDone')", timeout=120_000)
    epochs = events(page, "epoch")
    assert [e["epoch"] for e in epochs] == [1, 2]
    done = events(page, "trainingDone")[-1]
    for message in [*epochs, done]:
        assert message["settings"]["learning_rate"] == 0.05 and message["settings"]["hidden_sizes"] == [16]
        assert message["seed"] == message["settings"]["seed"] == 0
    for event in epochs:
        assert event["epochs"] == 2 and event["id"] == "w"
        assert math.isfinite(event["loss"]) and 0.1 < event["testAccuracy"] <= 1
    assert done["reason"] == "finished" and done["epoch"] == 2 and done["testAccuracy"] == epochs[-1]["testAccuracy"]
    assert [m["data"]["epoch"] for m in received(page, "epoch")] == [1, 2]
    assert {m["frame"] for m in received(page, "epoch")} == {"app"}  # as posted, from the app's own frame
    app(page).locator("[data-testid=announcer]:has-text('Training finished after 2 epochs')").wait_for()
    # The other widget's model is untouched: it never asked for a chunk of training.
    assert calls(window_of(page, "elsewhere")).get("train", 0) == 0
    assert "pretrained" in app(page, "elsewhere").locator("#model-info").text_content()


def test_a_lesson_from_the_site_and_one_from_the_course(course_page):
    page = course_page("lesson.html")
    send(page, {"type": "lesson", "name": "break-it"})
    page.wait_for_function("() => window.__events.some((e) => e.type === 'lessonStep')", timeout=60_000)
    step = events(page, "lessonStep")[-1]
    assert step["lesson"] == "break-it" and step["step"] == 0 and step["steps"] == 3 and step["id"] == "w"
    expect(app(page).locator("[data-testid=field-learning_rate]")).to_have_value("10")
    send(page, {"type": "train"})
    page.wait_for_function("() => window.__events.some((e) => e.type === 'goalReached')", timeout=60_000)
    goal = events(page, "goalReached")[-1]
    assert goal["lesson"] == "break-it" and goal["step"] == 0 and "diverged" in goal["goal"]
    settle(window_of(page))  # the diverged run has ended: a lesson can be opened

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
