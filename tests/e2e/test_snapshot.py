"""Start-up from a memory snapshot (web/js/runtime.js): a visit after the first restores the
snapshot that the first made at idle; a restored run trains exactly like a plain boot's; random
numbers are fresh after every restore; a damaged or unusable snapshot falls back to booting afresh,
with no error shown, and is made again.

How Python started is read from the page, where python/client.js keeps `scratchnetPython`
({how: "restored" | "fresh" | "documented", errors, snapshot: a promise of what the snapshot maker
did, makers: how many makers were started}); the snapshots themselves are in the page's Cache Storage, in snapshot-store.js's format,
signed with an HMAC whose key only the page can use. Python's own state is read in the app's
worker (named "scratchnet", inside the sandbox frame). Each test has a browser profile (a context)
of its own.
"""

import json
import re

from e2e_helpers import BOOT_TIMEOUT_MS, RECORD_MESSAGES, attr, serve_in_thread, wait_state
from test_embed_csp import APP_POLICY

RUN = "#train_size=1000&epochs=1&seed=3"
STATUS = "() => ({ how: scratchnetPython.how, errors: scratchnetPython.errors })"
SNAPSHOT_MADE = "() => scratchnetPython.snapshot"
# The session picks each dense layer's formulation of its products by timing them
# (py/scratchnet/products.py), and the formulations agree only up to float rounding, so two sessions
# can differ in the last bits whatever the start-up. The comparison pins one formulation, the same
# in every run.
PIN_KERNELS = "() => self.scratchnetPython.pyodide.runPython(" \
              "'from scratchnet.nn import products; from scratchnet.app import session; from scratchnet.nn.layers import PLAIN; " \
              "session.choose_products = lambda run, repeats=3: products.use(run.network, \"einsum\", PLAIN)')"
RANDOM = "() => self.scratchnetPython.pyodide.runPython(" \
         "'import json, random, numpy; json.dumps([random.random(), float(numpy.random.random())])')"

# Page-side helpers for the stored entry (snapshot-store.js's layout: [u32 header length][header
# JSON][padding to 16][memory], the header holding the HMAC of its fields and the memory).
ENTRY = """async () => {
  const cache = await caches.open("scratchnet-python-snapshot");
  const keys = (await cache.keys()).filter((r) => /python-snapshot\\?key=[^&]*$/.test(r.url));
  return keys.map((r) => r.url);
}"""
STORED = """async () => {
  const cache = await caches.open("scratchnet-python-snapshot");
  return Promise.all((await cache.keys()).map(async (r) =>
    [r.url, r.url.endsWith("&failures") ? await (await cache.match(r)).text() : ""]));
}"""
# Changes the stored entry: `offset` bytes into the memory, 64 bytes are flipped. "forged": the
# header gains a SHA-256 of the new memory, as someone without the page's key could write it;
# "signed": the page's own key (which only the page's own code can use) signs it again, as for a
# snapshot that is authentic but cannot be restored.
DAMAGE = """async ({ how, offset }) => {
  const cache = await caches.open("scratchnet-python-snapshot");
  const [request] = (await cache.keys()).filter((r) => /python-snapshot\\?key=[^&]*$/.test(r.url));
  const bytes = new Uint8Array(await (await cache.match(request)).arrayBuffer());
  const headerLength = new DataView(bytes.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  const start = Math.ceil((4 + headerLength) / 16) * 16;
  const memory = bytes.subarray(start);
  for (let i = 0; i < 64; i++) memory[offset + i] ^= 0x5a;
  if (how === "forged") {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", memory));
    header.sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  } else {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open("scratchnet-snapshot-key", 1);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const key = await new Promise((resolve) => {
      const get = db.transaction("keys").objectStore("keys").get("snapshot");
      get.onsuccess = () => resolve(get.result);
    });
    const fields = new TextEncoder().encode(JSON.stringify([header.key, header.memory, header.state]));
    const signed = await new Blob([fields, memory]).arrayBuffer();
    const hmac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
    header.hmac = Array.from(hmac, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const newStart = Math.ceil((4 + text.length) / 16) * 16;
  const out = new Uint8Array(newStart + memory.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 4);
  out.set(memory, newStart);
  await cache.put(request, new Response(out));
}"""


def app_worker(page):
    """The app's worker (not the checker or the snapshot maker): the one named "scratchnet". The app
    is ready, so it is running."""
    found = next((w for w in page.workers if w.url.startswith("blob:") and w.evaluate("() => self.name") == "scratchnet"), None)
    assert found, "the app's worker was not found"
    return found


def open_page(context, url):
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    page.goto(url)
    return page


def boot(context, url):
    """Opens the app at `url`, waits until ready; returns (page, how Python started)."""
    page = open_page(context, url)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    return page, page.evaluate(STATUS)


def wait_for_snapshot(page, frame=None):
    made = (frame or page).evaluate(SNAPSHOT_MADE)
    assert made and made.startswith("stored"), (made, (frame or page).evaluate(STATUS), (frame or page).evaluate(STORED))
    return made


def train_in_frame(context, base_url, query):
    """Opens the app in a frame of a same-origin page, trains the seeded run, and returns
    (how Python started, the test accuracy shown, the `epoch` message the app posted)."""
    host = base_url + "__host__.html"
    context.route(host, lambda route: route.fulfill(content_type="text/html", body=(
        f'<!doctype html><title>host</title><iframe data-testid="app" src="{base_url}{query}{RUN}" '
        'width="1280" height="1000"></iframe>')))
    page = open_page(context, host)
    frame = page.frame_locator("[data-testid=app]")
    frame.locator("[data-testid=status][data-state=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)
    app = page.query_selector("[data-testid=app]").content_frame()
    page.app_frame = app
    status = app.evaluate(STATUS)
    app_worker(page).evaluate(PIN_KERNELS)
    frame.locator("[data-testid=train]").click()
    page.wait_for_function("() => window.__received.some((m) => m.data && m.data.type === 'trainingDone')",
                           timeout=120_000)
    epochs = [m["data"] for m in page.evaluate("window.__received") if m["data"].get("type") == "epoch"]
    assert frame.locator("[data-testid=epoch]").get_attribute("data-value") == "1"
    accuracy = frame.locator("[data-testid=test-accuracy]").get_attribute("data-value")
    assert page.errors == []
    return page, status, accuracy, epochs


def test_restored_run_trains_bit_identically_to_a_plain_boot(browser, base_url):
    context = browser.new_context()
    context.add_init_script(RECORD_MESSAGES)
    try:
        runs = {}
        page, status, *runs["plain"] = train_in_frame(context, base_url, "?boot=plain")
        assert status["how"] == "documented"  # Pyodide's own loadPackage: the reference
        assert page.app_frame.evaluate(SNAPSHOT_MADE) is None  # ?boot=plain makes none
        page.close()

        page, status, *runs["first visit"] = train_in_frame(context, base_url, "")
        assert status == {"how": "fresh", "errors": []}
        wait_for_snapshot(page, page.app_frame)
        page.close()

        page, status, *runs["restored"] = train_in_frame(context, base_url, "")
        assert status == {"how": "restored", "errors": []}
        page.close()
    finally:
        context.close()

    accuracy, [epoch] = runs["plain"]
    assert 0.5 < float(accuracy) and epoch["loss"] > 0  # it learnt something
    assert runs["first visit"] == runs["plain"]
    assert runs["restored"] == runs["plain"]  # accuracy and both losses, exactly


def test_the_snapshot_maker_gives_way_to_training(browser, base_url):
    """The maker starts once the app's worker is idle; training makes that worker busy, which stops
    the maker (the learner gets the CPU back); it starts again once training is over."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base_url + RUN)
        # The page defines scratchnetPython only once its client script runs: ask without assuming it yet.
        page.wait_for_function("() => (globalThis.scratchnetPython?.makers ?? 0) >= 1",
                               timeout=BOOT_TIMEOUT_MS)  # a maker started
        page.click("[data-testid=train]")
        page.wait_for_function("() => document.querySelector('[data-testid=epoch]').dataset.value === '1'",
                               timeout=120_000)
        made = wait_for_snapshot(page)
        assert re.search(r"after \d+ restart", made), made  # it was stopped at least once
        page.close()
        page, status = boot(context, base_url)
        assert status["how"] == "restored", status
    finally:
        context.close()


def test_restores_draw_fresh_random_numbers_and_an_unusable_snapshot_is_replaced(browser, base_url):
    """One browser profile through a snapshot's life: made by the first visit, restored by the next
    ones (with fresh random numbers each time), then damaged twice, forged and re-signed: each time
    the next visit boots afresh, with no error shown, and makes it again."""
    context = browser.new_context()
    try:
        page, status = boot(context, base_url)
        assert status["how"] == "fresh", status
        wait_for_snapshot(page)
        page.close()

        # Random numbers differ between restores.
        draws = []
        for _ in range(2):
            page, status = boot(context, base_url)
            assert status["how"] == "restored", status
            draws.append(json.loads(app_worker(page).evaluate(RANDOM)))
            page.close()
        assert draws[0][0] != draws[1][0]  # random.random()
        assert draws[0][1] != draws[1][1]  # np.random.random(), NumPy's legacy global generator

        # An unusable snapshot falls back to a fresh boot and is made again.
        for how in ("forged", "signed"):
            page = open_page(context, base_url)
            wait_state(page, "ready", BOOT_TIMEOUT_MS)
            assert len(page.evaluate(ENTRY)) == 1, how
            # Forged: bytes deep in the memory; signed: Pyodide's own header (magic number, BUILD_ID).
            page.evaluate(DAMAGE, {"how": how, "offset": 20_000_000 if how == "forged" else 0})
            page.close()

            page, status = boot(context, base_url)
            assert status["how"] == "fresh", (how, status)
            [error] = status["errors"]
            assert ("signature does not match" in error) if how == "forged" else ("did not restore" in error), error
            assert page.get_attribute("[data-testid=status]", "data-state") == "ready"
            assert page.errors == []  # nothing shown, nothing logged as an error
            wait_for_snapshot(page)  # made again
            page.close()

            page, status = boot(context, base_url)
            assert status == {"how": "restored", "errors": []}, how
            assert attr(page, "status", "data-state") == "ready"
            page.close()
    finally:
        context.close()


def test_snapshots_work_under_the_strict_content_security_policy(browser, dist_dir):
    """The policy the docs give for hosts (on every response but sandbox.html, which has its own):
    the snapshot maker may start, the page may sign and store, and a restore needs nothing more."""
    server, app = serve_in_thread(dist_dir, {"Content-Security-Policy": APP_POLICY.format(host="'self'")})
    context = browser.new_context()
    try:
        page, status = boot(context, app)
        assert status == {"how": "fresh", "errors": []}
        wait_for_snapshot(page)
        page.close()
        page, status = boot(context, app)
        assert status == {"how": "restored", "errors": []}
        assert page.errors == []
    finally:
        context.close()
        server.shutdown()
