"""Offline use (web/sw.js, web/js/shell/offline.js): after one visit, with the network off, the page
boots, reads a drawing, trains and checks code; a new build is kept beside the old one and waits
for the learner's reload, never mixing the files of two builds, and the Python snapshot survives
it; the app works from a sub-path inside a course page's iframe without taking over the course
page; storage refused is said in plain words and the page goes on working.

The page reports in <html data-offline> and globalThis.scratchnetOffline ({state, version}); "ready"
means this page is served by the worker, whose cache holds the whole build. Each test has a browser
profile (a context) of its own.
"""

import os
import shutil
import sys

from e2e_helpers import (
    BOOT_TIMEOUT_MS,
    DIST,
    ROOT,
    attr,
    clear_and_draw,
    open_app,
    serve_in_thread,
    settle,
    start_server,
    wait_state,
    wait_until,
    write_code,
)
from test_exercises import RIGHT

SEVEN = [[(0.28, 0.2), (0.72, 0.2), (0.45, 0.85)]]
RUN = "#exercise=dense_backward&train_size=1000&epochs=1&hidden_sizes=32"
OFFLINE_READY = "() => document.documentElement.dataset.offline === 'ready'"
STATE = "() => globalThis.scratchnetOffline ? { ...globalThis.scratchnetOffline } : null"
OUR_CACHES = "async () => (await caches.keys()).filter((name) => name.startsWith('scratchnet-offline '))"
SNAPSHOT_KEYS = """async () => (await caches.has("scratchnet-python-snapshot"))
    ? (await (await caches.open("scratchnet-python-snapshot")).keys()).map((r) => r.url) : []"""
SW_INSTALL_MS = 120_000


def check(page):
    """Presses Check and waits for its result: the first check starts a checker worker (a new
    Python sandbox frame), which on a busy machine takes a while."""
    page.click("[data-testid=check-code]")
    page.wait_for_function("() => document.querySelector('[data-testid=check-result]').dataset.passed !== ''",
                           timeout=BOOT_TIMEOUT_MS)
    return page.locator("[data-testid=check-result]")


def wait_offline_ready(page, timeout=SW_INSTALL_MS):
    """Waits until the page is served by the worker (whose cache is complete); returns its state."""
    page.wait_for_function("() => ['ready', 'refused', 'failed'].includes(document.documentElement.dataset.offline)",
                           timeout=timeout)
    state = page.evaluate(STATE)
    assert state["state"] == "ready", state
    assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
    return state


def test_after_one_visit_the_page_boots_draws_trains_and_checks_code_with_the_network_off(browser, base_url):
    page = open_app(browser, base_url + RUN)
    try:
        wait_offline_ready(page)
        page.context.set_offline(True)
        page.reload()
        wait_state(page, "ready", BOOT_TIMEOUT_MS)
        assert page.evaluate("() => navigator.onLine") is False
        assert clear_and_draw(page, SEVEN) == "7"  # the pretrained model, from the cache
        page.click("[data-testid=train]")
        page.wait_for_selector("[data-testid=epoch][data-value='1']", timeout=180_000)
        settle(page)
        assert float(attr(page, "test-accuracy")) > 0.5
        page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
        write_code(page, RIGHT)
        assert check(page).get_attribute("data-passed") == "true"  # in a checker sandbox of its own
        assert page.log.errors == []
    finally:
        page.context.close()


def rebuild_with_a_change(site):
    """Changes two files of the copy of the site in `site` (the style sheet, and a comment in the
    Python sandbox's page) and writes its service worker again, as a new build does; returns the
    new build's version."""
    sys.path.insert(0, ROOT)
    from build import write_service_worker

    with open(os.path.join(site, "style.css"), "a") as f:
        f.write("\n/* the second build */\n")
    sandbox = os.path.join(site, "sandbox.html")
    with open(sandbox) as f:
        text = f.read()
    with open(sandbox, "w") as f:
        f.write(text.replace("<title>", "<!-- the second build --><title>", 1))  # inside the document, as the test reads it
    shutil.copyfile(os.path.join(ROOT, "web", "sw.js"), os.path.join(site, "sw.js"))
    return write_service_worker(site)


STYLE = "async () => (await fetch('style.css')).text()"


def sandbox_pages(page):
    """The text of every Python sandbox frame of `page` (each loaded sandbox.html)."""
    return [frame.content() for frame in page.frames if "/sandbox.html" in frame.url]


def test_a_new_build_waits_for_a_reload_and_never_mixes_files(browser, tmp_path):
    site = str(tmp_path / "site")
    shutil.copytree(DIST, site)
    server, base = serve_in_thread(site)
    first_tab = open_app(browser, base + RUN)
    context = first_tab.context
    try:
        first = wait_offline_ready(first_tab)["version"]
        made = first_tab.evaluate("() => scratchnetPython.snapshot")  # the Python snapshot, made at idle
        assert made and made.startswith("stored"), made
        snapshot = first_tab.evaluate(SNAPSHOT_KEYS)
        assert snapshot
        second_tab = context.new_page()
        second_tab.goto(base + RUN)
        wait_state(second_tab, "ready", BOOT_TIMEOUT_MS)
        assert wait_offline_ready(second_tab)["version"] == first

        second = rebuild_with_a_change(site)
        assert second != first
        first_tab.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
        for tab in (first_tab, second_tab):
            tab.wait_for_function("() => document.documentElement.dataset.offline === 'update-ready'", timeout=SW_INSTALL_MS)
            notice = tab.locator("[data-testid=offline-notice]")
            assert notice.is_visible() and "new version of ScratchNet is ready" in notice.text_content()
        # Until its reload, a page is served by the first build only; both builds are kept.
        assert "the second build" not in first_tab.evaluate(STYLE)
        assert len(first_tab.evaluate(OUR_CACHES)) == 2

        first_tab.click("[data-testid=offline-reload]")
        first_tab.wait_for_function(f"() => globalThis.scratchnetOffline?.version === {second!r} "
                                    "&& document.documentElement.dataset.offline === 'ready'", timeout=SW_INSTALL_MS)
        wait_state(first_tab, "ready", BOOT_TIMEOUT_MS)
        assert "the second build" in first_tab.evaluate(STYLE)
        assert first_tab.locator("[data-testid=offline-notice]").is_hidden()
        assert sandbox_pages(first_tab) and all("the second build" in text for text in sandbox_pages(first_tab))

        # The other tab is told, and is still served the first build, its new sandbox frames too.
        second_tab.wait_for_function("() => document.querySelector('[data-testid=offline-notice]')"
                                     ".textContent.includes('updated in another tab')")
        assert "the second build" not in second_tab.evaluate(STYLE)
        second_tab.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
        write_code(second_tab, RIGHT)
        assert check(second_tab).get_attribute("data-passed") == "true"  # a new checker, in a new sandbox frame
        assert len(sandbox_pages(second_tab)) >= 2
        assert not any("the second build" in text for text in sandbox_pages(second_tab))
        second_tab.close()

        # Once no page uses the first build, its cache goes (when a page next asks the worker).
        wait_until(first_tab, """async () => {
            navigator.serviceWorker.controller.postMessage({ scratchnetOffline: "status" });
            return (await caches.keys()).filter((n) => n.startsWith('scratchnet-offline ')).length === 1;
        }""", timeout=60_000, every_ms=1000)
        assert first_tab.evaluate(OUR_CACHES)[0].endswith(second)
        assert set(snapshot) <= set(first_tab.evaluate(SNAPSHOT_KEYS))  # the clean-up left the snapshot alone
        assert first_tab.log.errors == []
    finally:
        context.close()
        server.shutdown()


def test_a_widget_in_a_course_page_under_a_sub_path_works_offline_and_leaves_the_course_page_alone(
        browser, dist_dir, tmp_path):
    root = tmp_path / "course-site"
    (root / "courses" / "ml").mkdir(parents=True)
    os.symlink(dist_dir, root / "courses" / "ml" / "scratchnet")
    (root / "courses" / "lesson.html").write_text(
        '<!doctype html><title>A lesson</title><iframe data-testid="app" width="1000" height="900" '
        'src="ml/scratchnet/#embed=1&amp;panels=draw"></iframe>')
    process, base = start_server(str(root), probe="courses/ml/scratchnet/manifest.json")
    app = base + "courses/ml/scratchnet/"
    context = browser.new_context()
    try:
        host = context.new_page()
        host.goto(base + "courses/lesson.html")
        frame = host.frame_locator("[data-testid=app]")
        frame.locator("[data-testid=status][data-state=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)
        widget = host.query_selector("[data-testid=app]").content_frame()
        widget.wait_for_function(OFFLINE_READY, timeout=SW_INSTALL_MS)
        scopes = host.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope)")
        assert scopes == [app]
        host.reload()
        host.frame_locator("[data-testid=app]").locator("[data-testid=status][data-state=ready]").wait_for(timeout=BOOT_TIMEOUT_MS)
        assert host.evaluate("() => navigator.serviceWorker.controller") is None  # the course page is not taken over

        context.set_offline(True)
        page = context.new_page()
        page.goto(app + "#train_size=1000")
        wait_state(page, "ready", BOOT_TIMEOUT_MS)
        assert clear_and_draw(page, SEVEN) == "7"
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)


def test_storage_refused_is_said_in_plain_words_and_the_page_works_online(browser, base_url):
    origin = base_url.rstrip("/")

    def small_quota(context, page):
        # The browser's own quota, made smaller than the build: the worker cannot keep it.
        context.new_cdp_session(page).send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": 5_000_000})

    page = open_app(browser, base_url, setup=small_quota)
    try:
        page.wait_for_function("() => ['ready', 'refused', 'failed'].includes(document.documentElement.dataset.offline)",
                               timeout=SW_INSTALL_MS)
        assert page.evaluate(STATE)["state"] == "refused"
        notice = page.locator("[data-testid=offline-notice]")
        assert notice.is_visible()
        assert "did not give ScratchNet the storage it needs to work offline" in notice.text_content()
        assert "works as usual while you are online" in notice.text_content()
        assert page.evaluate(OUR_CACHES) == []  # nothing half-kept
        assert clear_and_draw(page, SEVEN) == "7"
    finally:
        page.context.close()
