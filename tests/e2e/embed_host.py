"""Course pages that embed the app, for the embedding tests (test_embed.py, test_embed_widget.py,
test_course_hooks.py, test_embed_host_trust.py): the app served from a second origin under a
sub-path, a course page opened in a fresh context with every message it receives recorded, and the
lookups of its widgets and messages. Not a test file: pytest does not collect it.
"""

import os

from e2e_helpers import BOOT_TIMEOUT_MS, RECORD_MESSAGES, start_server


def serve_app_origin(dist_dir, tmp_path_factory):
    """The app served from a second origin, under a sub-path as on a university's web space: yields
    its URL, then stops the server (the body of a module-scoped fixture)."""
    root = tmp_path_factory.mktemp("app-origin")
    (root / "courses" / "ml").mkdir(parents=True)
    os.symlink(dist_dir, root / "courses" / "ml" / "scratchnet")
    process, base = start_server(str(root), probe="courses/ml/scratchnet/manifest.json")
    yield base + "courses/ml/scratchnet/"
    process.terminate()
    process.wait(timeout=10)


def open_course_page(browser, url, widgets=(), **context_options):
    """The course page at `url` in a fresh context (made with `context_options`) that records every
    message the page receives in window.__received (with the data-testid of the iframe that sent
    it) and its errors in page.errors. Each iframe named in `widgets` (by data-testid) is scrolled
    into view in turn (a widget starts only once seen) and its `ready` waited for; then the page is
    scrolled back to the top."""
    context = browser.new_context(**context_options)
    context.add_init_script(RECORD_MESSAGES)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.errors = errors
    page.goto(url)
    for name in widgets:
        page.locator(f"iframe[data-testid={name}]").scroll_into_view_if_needed()
        page.wait_for_function("(name) => window.__received.some((m) => m.frame === name && m.data && m.data.type === 'ready')",
                               arg=name, timeout=BOOT_TIMEOUT_MS)
    page.evaluate("window.scrollTo(0, 0)")
    return page


def host_url(base_url, app_root):
    return f"{base_url}examples/?app={app_root}"


def open_host(browser, base_url, app_root, widgets=("embed-ask", "embed-train"), **context_options):
    """The example course page (web/examples/) with the app from `app_root`; waits for the `ready`
    of each of `widgets` (the first two, by default: the third stays below the fold)."""
    # CSP is bypassed only so that the audit can inject axe-core into the app; test_embed_csp.py
    # checks the app under a strict policy.
    return open_course_page(browser, host_url(base_url, app_root), widgets, bypass_csp=True, **context_options)


def received(page, type=None, frame=None):
    return [m for m in page.evaluate("window.__received") if isinstance(m["data"], dict)
            and (type is None or m["data"].get("type") == type) and (frame is None or m["frame"] == frame)]


def embed(page, name):
    return page.frame_locator(f"iframe[data-testid=embed-{name}]")


def frame_of(page, name):
    return page.locator(f"iframe[data-testid=embed-{name}]").element_handle().content_frame()


def heard_after(page, frame, sentinel):
    """Posts `sentinel` (a plain object) from the window in iframe `frame` (by data-testid) to the
    course page, and waits until the page has it. Messages from one window arrive in the order they
    were posted, so whatever that window posted before has arrived (and been handled) by then."""
    window = page.locator(f"iframe[data-testid={frame}]").element_handle().content_frame()
    window.evaluate("(m) => parent.postMessage(m, '*')", sentinel)
    page.wait_for_function("([frame, m]) => window.__received.some((r) => r.frame === frame && "
                           "JSON.stringify(r.data) === JSON.stringify(m))", arg=[frame, sentinel])
