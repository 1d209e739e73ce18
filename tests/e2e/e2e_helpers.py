"""Helpers for the browser tests and the browser benchmark: a local static server for dist/,
launching Chromium, opening the app and driving it (drawing strokes with the mouse, waiting
for states), and the sentinels that show something did not happen (round trips to the app's
Python, the counts of the calls it made). Kept out of conftest.py so that scripts can import it
under a unique name.
"""

import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIST = os.path.abspath(os.environ.get("SCRATCHNET_DIST") or os.path.join(ROOT, "dist"))  # as build.py
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
BOOT_TIMEOUT_MS = 90_000
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")

# An init script: every message the top-level page receives goes to window.__received, with the
# data-testid of the iframe that sent it.
RECORD_MESSAGES = """
if (window === window.top) {
  window.__received = [];
  window.addEventListener("message", (event) => {
    const frame = [...document.querySelectorAll("iframe")].find((f) => f.contentWindow === event.source);
    window.__received.push({ origin: event.origin, frame: frame ? frame.dataset.testid : null, data: event.data });
  });
}
"""


def find_chromium():
    """The browser to drive: $SCRATCHNET_BROWSER (set by build.py), else a system Chromium,
    else None (Playwright's own build)."""
    if os.environ.get("SCRATCHNET_BROWSER"):
        return os.environ["SCRATCHNET_BROWSER"]
    sys.path.insert(0, ROOT)
    from build import find_browser  # the same search build.py makes

    return find_browser()


def touch_stroke(page, box):
    """A finger drawing a vertical stroke down the middle of `box` (a bounding box in page
    coordinates), through real touch events (Chromium's DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    x = box["x"] + box["width"] / 2
    ys = [box["y"] + box["height"] * f for f in (0.15, 0.3, 0.45, 0.6, 0.75, 0.85)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": ys[0]}]})
    for y in ys[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn_server(command, port, probe="manifest.json", seconds=30, env=None):
    """Runs the server `command` (listening on 127.0.0.1:`port`) in a child process; returns
    (process, base URL) once the file `probe` can be fetched."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + probe, timeout=2):
                return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the server {' '.join(command[1:3])} did not start") from None
            time.sleep(0.1)


def start_server(directory, probe="manifest.json"):
    """Serves `directory` on 127.0.0.1 with Python's http.server; returns (process, base URL)
    once the file `probe` can be fetched."""
    port = free_port()
    return spawn_server([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                         "--directory", directory], port, probe, seconds=15)


def copy_build(dist, target, attempts=10):
    """dist/ copied to `target`, so that a rebuild of dist/ during a benchmark changes nothing;
    waits out a rebuild under way (manifest.json or a file it names missing). Returns (target,
    the manifest)."""
    for _ in range(attempts):
        try:
            shutil.copytree(dist, target)
            with open(os.path.join(target, "manifest.json")) as f:
                manifest = json.load(f)
            if all(os.path.exists(os.path.join(target, manifest[k])) for k in ("package", "data", "model")):
                return target, manifest
        except (OSError, ValueError, KeyError, shutil.Error):
            pass
        shutil.rmtree(target, ignore_errors=True)
        time.sleep(2)
    sys.exit(f"could not copy a complete build from {dist} (is it being rebuilt?)")


# A second ScratchNet worker, started by the built page's own js/worker-client.js as the page
# starts its own (in a sandbox frame of its own), booted; window.__benchCall(name, args) then calls
# a bridge function there. Returns the boot's {seconds, build}.
SECOND_WORKER = """async () => {
  const { createWorkerClient } = await import(new URL("js/python/client.js", location.href).href);
  const client = createWorkerClient(() => {}, { name: "scratchnet-bench", main: false });
  const booted = await client.boot();
  window.__benchCall = (name, args) => client.call(name, args, null, { timeoutMs: 600000 });
  return { seconds: booted.seconds, build: booted.build };
}"""


def serve_in_thread(directory, headers=None):
    """Serves `directory` from a thread of this process, adding `headers` to every response
    (say, a Content-Security-Policy) but sandbox.html, which keeps the policy build.py gives it
    (as docs tell hosts to do); returns (server, base URL). Stop it with server.shutdown()."""
    sys.path.insert(0, ROOT)
    from build import StaticHandler  # the project's own types for modules and WebAssembly

    class Handler(StaticHandler):
        def end_headers(self):
            if not self.path.split("?", 1)[0].endswith("/sandbox.html"):
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
            super().end_headers()

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)


class PageLog:
    """Everything a page asked for and complained about, workers included."""

    def __init__(self, context, page):
        self.requests, self.errors = [], []
        context.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))


def open_app(browser, base_url, wait_ready=True, setup=None, **context_options):
    """A new page (in its own context, made with `context_options`) on the app, optionally
    waiting until it is ready."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 1000}, **context_options})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.log = PageLog(context, page)
    if setup:
        setup(context, page)
    page.goto(base_url)
    if wait_ready:
        wait_state(page, "ready", BOOT_TIMEOUT_MS)
    return page


def wait_state(page, state, timeout=30_000):
    """Waits for the status element to reach `state`; fails early on an error state."""
    page.wait_for_selector(f"[data-testid=status][data-state={state}], [data-testid=status][data-state=error]",
                           timeout=timeout)
    actual = page.get_attribute("[data-testid=status]", "data-state")
    if actual != state:
        raise AssertionError(f"page went to {actual!r} instead of {state!r}: {page.text_content('#fatal')}")


IDLE = "[data-testid=status][data-state=ready][data-busy=false]"


def calls(target):
    """How many bridge calls of each name the app in `target` (a Page, or the Frame of an embedded
    app) has made so far, e.g. {"train": 12, ...}: "train" counts the training chunks asked for."""
    return target.evaluate("() => ({ ...scratchnetPython.calls })")


def round_trips(target, n=2):
    """Awaits `n` sentinel calls to the app's Python, one after the other, each queued behind all
    the work asked of it so far and answered in turn. After them, whatever was asked before has
    been answered, and whatever those answers led to (a running loop's next chunk) has been asked."""
    target.evaluate("async (n) => { for (let i = 0; i < n; i++) await scratchnetPython.roundTrip(); }", n)


def settle(target, timeout=180_000):
    """Waits until nothing runs in the app in `target`: the status ready and not busy, and nothing
    new asked of Python over two round trips (the sentinels' own calls aside)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        target.wait_for_selector(IDLE, timeout=timeout)
        expected = calls(target)
        expected["validate"] = expected.get("validate", 0) + 2  # the two round trips
        round_trips(target, 2)
        if calls(target) == expected and target.query_selector(IDLE):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the app still asks for work: {calls(target)}")


def assert_run_does_not_go_on(target):
    """The sentinel for "the run does not go on": over two round trips no training chunk is asked
    for, and the epoch and the progress bars stay where they are."""
    def seen():
        return (calls(target).get("train", 0), target.get_attribute("[data-testid=epoch]", "data-value"),
                target.eval_on_selector("#epoch-progress", "el => el.value"),
                target.eval_on_selector("#batch-progress", "el => el.value"))

    before = seen()
    round_trips(target, 2)
    assert seen() == before, "the run went on"


def wait_until(target, async_predicate, arg=None, timeout=60_000, every_ms=500):
    """Waits until `async_predicate` (JavaScript text of an async function, of `arg`) gives a truthy
    value in the page. Playwright's wait_for_function takes the Promise an async function returns as
    truthy at once, so a check that must await (Cache Storage, IndexedDB) is polled from here."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = target.evaluate(async_predicate, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} ms: {async_predicate}")
        time.sleep(every_ms / 1000)


def pace(ms):
    """A person's pace between clicks; waits for nothing (so never follow it with an assertion)."""
    time.sleep(ms / 1000)


def attr(page, testid, name="data-value"):
    return page.get_attribute(f"[data-testid={testid}]", name)


def draw(page, strokes, steps=4, frame=None):
    """Draws strokes on the pad with the mouse; each stroke is a list of (x, y) in [0, 1].
    `frame` (a FrameLocator) draws on the pad of an app embedded in the page instead."""
    canvas = (frame or page).locator("[data-testid=draw-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    at = lambda p: (box["x"] + p[0] * box["width"], box["y"] + p[1] * box["height"])
    for stroke in strokes:
        page.mouse.move(*at(stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*at(point), steps=steps)
        page.mouse.up()


def wait_prediction(page):
    """Waits until the newest drawing has been classified; returns data-digit ("" if none)."""
    page.wait_for_selector("[data-testid=prediction][data-pending=false]")
    return attr(page, "prediction", "data-digit")


def clear_and_draw(page, strokes):
    """Clears the pad, draws, and waits for the prediction of the whole drawing; returns the digit."""
    page.click("[data-testid=clear]")
    assert attr(page, "prediction", "data-digit") == ""
    draw(page, strokes)
    return wait_prediction(page)


def audit(frame):
    """axe-core's serious and critical violations in one frame (a Page's main_frame or an
    iframe's Frame), as [{id, impact, nodes}]. A page with a Content-Security-Policy needs a
    context made with bypass_csp=True, since axe-core is injected as a script tag."""
    frame.add_script_tag(path=AXE)
    return frame.evaluate("""async () => {
        const result = await axe.run(document, { iframes: false, resultTypes: ["violations"] });
        return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
    }""")


def write_code(page, code):
    """Replaces what the code editor holds with `code`, typed as a learner pastes it."""
    page.locator("[data-testid=code-editor] .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


# ---------- the page's views ----------
# The full page shows one view at a time (draw, train, inside, build, lessons, playground): a
# control in another view is not on screen. Acting on it the way a learner would means opening its
# view first with the navigation bar. follow_views() makes Playwright do that before every action
# on an element, and before waiting for one to be visible: the element's view (the data-views of
# the section around it, crossing shadow roots) is opened by clicking its link in [data-testid=view-nav]. Nothing changes on a page
# without views (an embedded widget, a page opened with panels=), nor for checks of visibility.
OPEN_VIEW_OF = """(el) => {
  let holder = el; // up to the section, out of shadow roots (the code editor's) too
  while (holder && !holder.dataset?.views) holder = holder.parentElement || holder.getRootNode().host;
  const name = holder?.dataset.views;
  const nav = document.querySelector("[data-testid=view-nav]");
  if (!name || !nav || nav.hidden || nav.dataset.current === name) return "";
  nav.querySelector(`[data-view="${name}"]`).click();
  return name;
}"""
LOCATOR_ACTIONS = ["click", "dblclick", "fill", "check", "uncheck", "set_checked", "select_option", "set_input_files",
                   "focus", "press", "type", "press_sequentially", "hover", "tap", "scroll_into_view_if_needed",
                   "bounding_box", "screenshot"]
PAGE_ACTIONS = ["click", "dblclick", "fill", "check", "uncheck", "set_checked", "select_option", "set_input_files",
                "focus", "press", "type", "hover", "tap"]


def open_view_of(locator, timeout=None):
    """Opens the view that holds the element `locator` points at (its first match), as a learner
    would, with the navigation bar; returns the view's name, or "" if it is already shown."""
    from playwright.sync_api import Locator

    return _ORIGINAL[(Locator, "evaluate")](locator.first, OPEN_VIEW_OF, timeout=timeout)


_ORIGINAL = {}


def follow_views():
    from playwright.sync_api import Locator, Page

    if _ORIGINAL:
        return

    def on_locator(name):
        original = _ORIGINAL[(Locator, name)] = getattr(Locator, name)

        def action(self, *args, **kwargs):
            open_view_of(self, kwargs.get("timeout"))
            return original(self, *args, **kwargs)
        return action

    def on_page(name):
        original = _ORIGINAL[(Page, name)] = getattr(Page, name)

        def action(self, selector, *args, **kwargs):
            open_view_of(self.locator(selector), kwargs.get("timeout"))
            return original(self, selector, *args, **kwargs)
        return action

    _ORIGINAL[(Locator, "evaluate")] = Locator.evaluate
    wait_for_selector = _ORIGINAL[(Page, "wait_for_selector")] = Page.wait_for_selector
    wait_for = _ORIGINAL[(Locator, "wait_for")] = Locator.wait_for

    def page_wait(self, selector, *args, **kwargs):
        if kwargs.get("state") in (None, "visible"):
            open_view_of(self.locator(selector), kwargs.get("timeout"))
        return wait_for_selector(self, selector, *args, **kwargs)

    def locator_wait(self, *args, **kwargs):
        if kwargs.get("state") in (None, "visible"):
            open_view_of(self, kwargs.get("timeout"))
        return wait_for(self, *args, **kwargs)

    for name in LOCATOR_ACTIONS:
        setattr(Locator, name, on_locator(name))
    for name in PAGE_ACTIONS:
        setattr(Page, name, on_page(name))
    Page.wait_for_selector = page_wait
    Locator.wait_for = locator_wait


follow_views()
