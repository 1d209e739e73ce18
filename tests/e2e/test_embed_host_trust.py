"""embed-host.js trusts only ScratchNet frames (issue 14, item 7).

A course page (one origin) embeds the app with data-scratchnet (a second origin) beside two frames
from a third origin: a plain iframe, and a data-scratchnet iframe whose document was navigated
away from the app's origin. Both post a forged `trainingDone` and a forged `resize` of 19,999 px;
the app's own frame posts messages of the wrong shape. None is re-dispatched or applied, while
the app's real messages are (its `ready`, its height, and a well-formed message from its window).
"""

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, serve_in_thread
from embed_host import heard_after, open_course_page

FORGED = [
    {"source": "scratchnet", "type": "trainingDone", "reason": "finished", "epoch": 3, "testAccuracy": 0.99},
    {"source": "scratchnet", "type": "resize", "height": 19999},
]
MISSHAPEN = [
    {"source": "scratchnet", "type": "resize", "height": 1e9},
    {"source": "scratchnet", "type": "resize", "height": "19999"},
    {"source": "scratchnet", "type": "trainingDone", "reason": "hacked", "epoch": 3, "testAccuracy": 0.5},
    {"source": "scratchnet", "type": "trainingDone", "reason": "finished", "epoch": 3, "testAccuracy": 2},
    {"source": "scratchnet", "type": "prediction", "digit": 11, "probabilities": [0.1] * 10},
    {"source": "scratchnet", "type": "ready", "id": "<b>x</b>"},
    {"source": "scratchnet-host", "type": "trainingDone"},
]
# Well formed, from the app's own window: must be re-dispatched (the listener is alive).
SENTINEL = {"source": "scratchnet", "type": "trainingDone", "reason": "finished", "epoch": 7, "testAccuracy": 0.5}
POST = "(messages) => { for (const m of messages) parent.postMessage(m, '*'); }"

HOST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lesson</title></head><body>
<iframe data-testid="app" data-scratchnet title="ScratchNet" src="{app}#embed=1&amp;panels=draw"
        style="width: 700px; height: 300px; border: 0"></iframe>
<iframe data-testid="plain" title="Other widget" src="{other}widget.html" style="width: 300px; height: 150px"></iframe>
<iframe data-testid="disguised" data-scratchnet title="Navigated away" src="{app}embed-host.js"
        style="width: 300px; height: 150px"></iframe>
<script>
  window.__events = [];
  document.addEventListener("scratchnet", (e) => window.__events.push({{ frame: e.target.dataset.testid, detail: e.detail }}));
</script>
<script src="{app}embed-host.js" async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two more origins: the course page's and another widget's."""
    host_dir, other_dir = tmp_path_factory.mktemp("host"), tmp_path_factory.mktemp("other")
    (other_dir / "widget.html").write_text("<!doctype html><title>widget</title><p>another widget</p>")
    host, host_base = serve_in_thread(str(host_dir))
    other, other_base = serve_in_thread(str(other_dir))
    yield host_dir, host_base, other_base
    host.shutdown()
    other.shutdown()


def events(page, frame=None):
    return [e for e in page.evaluate("window.__events") if frame is None or e["frame"] == frame]


def height(page, testid):
    return page.evaluate(f"document.querySelector('[data-testid={testid}]').getBoundingClientRect().height")


def test_only_scratchnet_frames_from_their_own_origin_with_the_right_shape_are_heard(browser, base_url, servers):
    host_dir, host_base, other_base = servers
    (host_dir / "lesson.html").write_text(HOST.format(app=base_url, other=other_base))
    assert len({base_url, host_base, other_base}) == 3  # three origins (three ports)
    # The page also records every message it receives, heard or not (window.__received).
    page = open_course_page(browser, host_base + "lesson.html", viewport={"width": 1280, "height": 900})
    try:
        page.wait_for_function("() => window.__events.some((e) => e.frame === 'app' && e.detail.type === 'ready')",
                               timeout=BOOT_TIMEOUT_MS)
        # The app's own resize messages fit its frame.
        resizes = [e["detail"]["height"] for e in events(page, "app") if e["detail"]["type"] == "resize"]
        assert resizes
        page.wait_for_function(f"() => document.querySelector('[data-testid=app]').style.height === '{resizes[-1]}px'")

        plain = page.locator("[data-testid=plain]").element_handle().content_frame()
        disguised = page.locator("[data-testid=disguised]").element_handle().content_frame()
        disguised.goto(other_base + "widget.html")  # its src attribute still names the app's origin
        app = page.locator("[data-testid=app]").element_handle().content_frame()
        before = {testid: height(page, testid) for testid in ("plain", "disguised")}
        for frame in (plain, disguised):
            frame.evaluate(POST, FORGED)
        app.evaluate(POST, MISSHAPEN)
        app.evaluate(POST, [SENTINEL])
        page.wait_for_function("() => window.__events.some((e) => e.detail.type === 'trainingDone')")
        # Messages from one window arrive in order: once each sender's sentinel is in, all it
        # posted before has arrived and been judged.
        for testid in ("plain", "disguised", "app"):
            heard_after(page, testid, {"sentinel": testid})
        arrived = lambda testid: [m["data"] for m in page.evaluate("window.__received") if m["frame"] == testid]
        for testid in ("plain", "disguised"):
            assert arrived(testid) == [*FORGED, {"sentinel": testid}]  # all arrived, to be judged
        assert all(m in arrived("app") for m in [*MISSHAPEN, SENTINEL])

        heard = events(page)
        assert {e["frame"] for e in heard} == {"app"}
        done = [e["detail"] for e in heard if e["detail"]["type"] == "trainingDone"]
        assert done == [{"type": "trainingDone", "reason": "finished", "epoch": 7, "testAccuracy": 0.5}]
        assert all(e["detail"].get("height") not in (19999, 1e9) for e in heard)
        assert all(e["detail"]["type"] != "prediction" or e["detail"]["digit"] <= 9 for e in heard)
        assert {testid: height(page, testid) for testid in before} == before
        assert before["plain"] < 200 and height(page, "app") < 5000
    finally:
        page.context.close()
