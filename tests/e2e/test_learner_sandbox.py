"""Learner code cannot reach the network or the site's storage (issue 18): from a function run by
Check (in the checker worker) and from one switched in with "Train with my code" (in the app's
worker), fetch (the worker's own and the browser's, which the worker's hides), XMLHttpRequest
(synchronous and not), WebSocket, EventSource, importScripts, js.eval and js.Function reach neither
another origin nor the site's own, and writes to Cache Storage, IndexedDB and localStorage do not
reach the site's storage.

The site is served here by a plain static server with no security headers (the sandbox must not
rely on them), which records every path asked of it; another origin is a second server that
records every request. The learner's code runs every probe at its top level and notes each
outcome in `builtins`, where a second piece of code, run by the same worker once every probe has
settled (a rejected promise, an error event, an exception), reads them back in the message of an
exception, which the page shows (from the network's worker: raised while training, by a function
that passed Check). Only then does the test make a request of its own to each server
(a sentinel that must arrive), and assert that nothing of the learner's arrived before it.
"""

import functools
import http.server
import json
import os
import re
import sys
import threading

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, DIST, ROOT, open_app, write_code

PROBE_PATH = "/probe-from-learner-code/"
CACHE, DATABASE, KEY = "probe-from-learner-code", "probe-from-learner-code", "probe-from-learner-code"
PLANTED = "planted by learner code"
NETWORK = ["fetch", "native-fetch", "xhr-sync", "xhr", "websocket", "event-source", "import-scripts", "eval",
           "function"]
STORAGE = ["cache-storage", "indexed-db", "local-storage"]

# The learner's code, after the lines that set OTHER and SITE (the two servers' probe URLs) and
# CACHE, DATABASE, KEY (the names it writes under): every probe starts once per interpreter, and
# each notes "REACHED" or "failed" (with a detail) in builtins.scratchnet_probes when it settles.
PROBES = r'''
import builtins
import json

import js
import numpy as np
from pyodide.ffi import create_proxy

PLANTED = "planted by learner code"


def settle(name, outcome, detail=""):
    if outcome == "REACHED" or probes[name][0] == "pending":
        probes[name] = [outcome, str(detail)[:200]]


def attempt(name, start, url):
    probes[name] = ["pending", ""]
    try:
        start(name, url)
    except BaseException as error:
        settle(name, "failed", f"{type(error).__name__}: {error}")


def on(target, name, outcomes):
    for event, outcome in outcomes.items():
        handler = create_proxy(lambda e, event=event, outcome=outcome: settle(name, outcome, event))
        target.addEventListener(event, handler)


def by_fetch(name, url):
    js.fetch(url).then(lambda response: settle(name, "REACHED", response.status),
                       lambda error: settle(name, "failed", error))


def by_native_fetch(name, url):
    # The worker replaces self.fetch with a lookup in its files; the browser's own is still here.
    try:
        native = js.WorkerGlobalScope.prototype.fetch
    except AttributeError as error:
        return settle(name, "unprobed", error)
    native.call(js.self, url).then(lambda response: settle(name, "REACHED", response.status),
                                   lambda error: settle(name, "failed", error))


def by_xhr_sync(name, url):
    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    request.send()
    settle(name, "REACHED", request.status)


def by_xhr(name, url):
    request = js.XMLHttpRequest.new()
    on(request, name, {"load": "REACHED", "error": "failed", "abort": "failed", "timeout": "failed"})
    request.open("GET", url)
    request.send()


def by_websocket(name, url):
    socket = js.WebSocket.new("ws" + url[len("http"):])
    on(socket, name, {"open": "REACHED", "error": "failed", "close": "failed"})


def by_event_source(name, url):
    source = js.EventSource.new(url)

    def failed(event):
        source.close()  # no reconnection
        settle(name, "failed", "error event")
    on(source, name, {"open": "REACHED"})
    source.addEventListener("error", create_proxy(failed))


def by_import_scripts(name, url):
    js.importScripts(url)
    settle(name, "REACHED", "imported")


# What eval'd code would do: fetch with the browser's own fetch, not the worker's replacement.
def fetch_source(url):
    return f"WorkerGlobalScope.prototype.fetch.call(self, {json.dumps(url)}, {{mode: 'no-cors'}}); 0"


def by_eval(name, url):
    js.eval(fetch_source(url))
    settle(name, "REACHED", "evaluated")


def by_function(name, url):
    js.Function.new(fetch_source(url))()
    settle(name, "REACHED", "evaluated")


def by_cache_storage(name, url):
    def opened(cache):
        cache.put(url, js.Response.new(PLANTED))
        settle(name, "REACHED", "opened")
    js.caches.open(CACHE).then(opened, lambda error: settle(name, "failed", error))


def by_indexed_db(name, url):
    request = js.indexedDB.open(DATABASE, 1)

    def upgrade(event):
        request.result.createObjectStore("planted")

    def opened(event):
        request.result.transaction("planted", "readwrite").objectStore("planted").put(PLANTED, "key")
        settle(name, "REACHED", "opened")
    request.addEventListener("upgradeneeded", create_proxy(upgrade))
    request.addEventListener("success", create_proxy(opened))
    on(request, name, {"error": "failed", "blocked": "failed"})


def by_local_storage(name, url):
    js.localStorage.setItem(KEY, PLANTED)
    settle(name, "REACHED", "set")


NETWORK = {"fetch": by_fetch, "native-fetch": by_native_fetch, "xhr-sync": by_xhr_sync, "xhr": by_xhr,
           "websocket": by_websocket, "event-source": by_event_source, "import-scripts": by_import_scripts,
           "eval": by_eval, "function": by_function}
STORAGE = {"cache-storage": by_cache_storage, "indexed-db": by_indexed_db, "local-storage": by_local_storage}

if not hasattr(builtins, "scratchnet_probes"):  # once per interpreter, however often this runs
    probes = builtins.scratchnet_probes = {}
    for origin, base in (("other", OTHER), ("site", SITE)):
        for kind, start in NETWORK.items():
            attempt(f"{kind} to {origin}", start, f"{base}{kind}")
    for kind, start in STORAGE.items():
        attempt(kind, start, f"{SITE}{kind}")


def relu_forward(z):
    return np.maximum(z, 0)
'''


def probe_code(other, site):
    return (f"OTHER, SITE = {other!r}, {site!r}\n"
            f"CACHE, DATABASE, KEY = {CACHE!r}, {DATABASE!r}, {KEY!r}\n") + PROBES


def read_back_code(attempt, pending_passes):
    """Code that raises the probes' outcomes once all settled ("PROBES <attempt> {json}"). Until
    then it passes (a Check that failed would replace the checker, and its outcomes with it) or,
    if not `pending_passes`, raises "PENDING <attempt>"."""
    pending = ("def relu_forward(z):\n        return np.maximum(z, 0)" if pending_passes
               else f"raise RuntimeError('PENDING {attempt}')")
    return f'''import builtins
import json

import numpy as np

probes = getattr(builtins, "scratchnet_probes", None)
if probes is None:
    raise RuntimeError("PROBES-LOST {attempt}: this interpreter never ran the probes")
if any(outcome == "pending" for outcome, _ in probes.values()):
    {pending}
else:
    raise RuntimeError("PROBES {attempt} " + json.dumps(probes, sort_keys=True))
'''


class Recording(http.server.ThreadingHTTPServer):
    """A threaded HTTP server that keeps the method and path of every request it receives."""
    daemon_threads = True

    def __init__(self, handler):
        self.requests, self.lock = [], threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server_address[1]}/"

    def paths(self):
        with self.lock:
            return [path for _, path in self.requests]


class RecordingMixin:
    def parse_request(self):
        parsed = super().parse_request()
        with self.server.lock:
            self.server.requests.append((self.command, getattr(self, "path", self.raw_requestline)))
        return parsed

    def log_message(self, format, *args):
        pass


class OtherOrigin(RecordingMixin, http.server.BaseHTTPRequestHandler):
    """Answers anything with 200 and CORS headers, so a request that got here would also succeed."""

    def answer(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = do_OPTIONS = do_DELETE = answer


@pytest.fixture(scope="module")
def site():
    """The built site from a plain static server (no Content-Security-Policy header) that records paths."""
    sys.path.insert(0, ROOT)
    from build import StaticHandler

    class SiteHandler(RecordingMixin, StaticHandler):
        pass

    server = Recording(functools.partial(SiteHandler, directory=DIST))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def other():
    server = Recording(OtherOrigin)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser, site):
    assert os.path.exists(os.path.join(DIST, "index.html")), "build the site first"
    page = open_app(browser, site.base + "#exercise=relu_forward&train_size=1000&epochs=1&hidden_sizes=32")
    page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    yield page
    page.context.close()


def check(page, timeout=30_000):
    """Presses Check and waits for this check's answer; returns the result's (passed, text)."""
    assert page.evaluate("""() => {
        document.querySelector('[data-testid=check-code]').click();
        return document.querySelector('[data-testid=check-result]').dataset.passed;
    }""") == ""
    page.wait_for_function("() => document.querySelector('[data-testid=check-result]').dataset.passed !== ''",
                           timeout=timeout)
    return (page.get_attribute("[data-testid=check-result]", "data-passed"),
            page.text_content("[data-testid=check-result]"))


def outcomes(text, attempt):
    found = re.search(rf"PROBES {attempt} (\{{.*\}})", text)
    assert found, text
    return json.loads(found.group(1))


def read_back_by_check(page):
    """The probes' outcomes from the checker, once all settled."""
    for attempt in range(30):
        write_code(page, read_back_code(attempt, pending_passes=True))
        passed, text = check(page)
        if passed == "false":
            return outcomes(text, attempt)
        assert passed == "true", text
    raise AssertionError(f"the probes never settled: {text}")


def training_read_back_code(attempt):
    """A relu_forward that passes Check (5x6 inputs) and, on the network's (32 hidden units), raises the
    probes' outcomes once all settled ("PROBES <attempt> {json}"), else "PENDING <attempt>"."""
    return f'''import builtins
import json

import numpy as np

def relu_forward(z):
    if z.shape[-1] != 32:
        return np.maximum(z, 0)
    probes = getattr(builtins, "scratchnet_probes", None)
    if probes is None:
        raise RuntimeError("PROBES-LOST {attempt}: this interpreter never ran the probes")
    if any(outcome == "pending" for outcome, _ in probes.values()):
        raise RuntimeError("PENDING {attempt}")
    raise RuntimeError("PROBES {attempt} " + json.dumps(probes, sort_keys=True))
'''


def read_back_by_training_code(page):
    """The probes' outcomes from the app's worker (Train with my code), once all settled: only
    code that passed Check is switched in, so the read-back raises only while training."""
    for attempt in range(30):
        write_code(page, training_read_back_code(attempt))
        passed, text = check(page)
        assert passed == "true", text
        page.click("[data-testid=train-my-code]")
        page.wait_for_function("(n) => /(PENDING|PROBES|PROBES-LOST) ([0-9]+)/.exec(document.querySelector("
                               "'#notice-text').textContent)?.[2] === String(n)", arg=attempt, timeout=60_000)
        text = page.text_content("#notice-text")
        if f"PENDING {attempt}" not in text:
            return outcomes(text, attempt)
    raise AssertionError(f"the probes never settled: {text}")


def assert_nothing_arrived(page, site, other):
    """Each server receives the test's own sentinel request, made from this browser after every
    probe settled; before it, nothing of the learner's."""
    control = page.context.new_page()
    try:
        for server, path in ((other, "/control"), (site, PROBE_PATH + "control")):
            control.goto(server.base + path.lstrip("/"))
            assert path in server.paths()  # the sentinel arrived: the server and the browser's route work
    finally:
        control.close()
    learners = [p for p in other.paths() if p not in ("/control", "/favicon.ico")]
    assert learners == [], f"learner code reached another origin: {learners}"
    learners = [p for p in site.paths() if PROBE_PATH in p and p != PROBE_PATH + "control"]
    assert learners == [], f"learner code reached the site's own origin: {learners}"


SITE_STORAGE = """async ([cache, database, key, planted, probe]) => {
  const names = await caches.keys();
  const urls = [];
  for (const name of names) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  const databases = (await indexedDB.databases()).map((d) => d.name);
  // The page keeps the learner's source itself (drafts, what passed Check), planted text and all:
  // what a probe writes is the planted value on its own.
  const values = Object.keys(localStorage).filter((k) => k === key || localStorage.getItem(k) === planted);
  return { caches: names.filter((n) => n === cache), urls: urls.filter((u) => u.includes(probe)),
           databases: databases.filter((d) => d === database), localStorage: values };
}"""


def assert_site_storage_untouched(page):
    found = page.evaluate(SITE_STORAGE, [CACHE, DATABASE, KEY, PLANTED, PROBE_PATH])
    assert found == {"caches": [], "urls": [], "databases": [], "localStorage": []}, found


def assert_all_failed(probed):
    expected = {f"{kind} to {origin}" for kind in NETWORK for origin in ("other", "site")} | set(STORAGE)
    assert set(probed) == expected, probed
    reached = {name: detail for name, (outcome, detail) in probed.items() if outcome != "failed"}
    assert reached == {}, f"these probes from learner code succeeded: {reached}"
    print(json.dumps(probed, indent=1, sort_keys=True))


def test_code_run_by_check_reaches_no_server_and_none_of_the_sites_storage(page, site, other):
    write_code(page, probe_code(other.base + PROBE_PATH.lstrip("/"), site.base + PROBE_PATH.lstrip("/")))
    passed, text = check(page, timeout=BOOT_TIMEOUT_MS)  # the first check boots the checker
    assert passed == "true", text  # the probes ran at the top level of a correct relu_forward
    probed = read_back_by_check(page)
    assert_all_failed(probed)
    assert_nothing_arrived(page, site, other)
    assert_site_storage_untouched(page)


def test_code_switched_in_for_training_reaches_no_server_and_none_of_the_sites_storage(page, site, other):
    write_code(page, probe_code(other.base + PROBE_PATH.lstrip("/"), site.base + PROBE_PATH.lstrip("/")))
    passed, text = check(page, timeout=BOOT_TIMEOUT_MS)  # only code that passed Check is switched in
    assert passed == "true", text
    page.click("[data-testid=train-my-code]")
    page.wait_for_selector("[data-testid=using-my-code]")  # compiled by the app's worker: the probes ran there
    probed = read_back_by_training_code(page)
    assert_all_failed(probed)
    assert_nothing_arrived(page, site, other)
    assert_site_storage_untouched(page)
