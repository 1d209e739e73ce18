"""The example course page of the embedding tests (test_embed.py, test_embed_widget.py): the app
served from a second origin under a sub-path, the host page (web/examples/) opened in a fresh
context with every message it receives recorded, and the lookups of its widgets and messages.
Not a test file: pytest does not collect it.
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


def host_url(base_url, app_root):
    return f"{base_url}examples/?app={app_root}"


def open_host(browser, base_url, app_root, **context_options):
    """The example course page in a fresh context, recording messages; waits for both `ready`s."""
    # CSP is bypassed only so that the audit can inject axe-core into the app; test_embed_csp.py
    # checks the app under a strict policy.
    context = browser.new_context(bypass_csp=True, **context_options)
    context.add_init_script(RECORD_MESSAGES)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.errors = errors
    page.goto(host_url(base_url, app_root))
    # Each widget starts when it is scrolled into view: visit the first two; the third stays below.
    for n, name in enumerate(("ask", "train"), start=1):
        page.locator(f"iframe[data-testid=embed-{name}]").scroll_into_view_if_needed()
        page.wait_for_function(f"() => window.__received.filter((m) => m.data && m.data.type === 'ready').length === {n}",
                               timeout=BOOT_TIMEOUT_MS)
    page.evaluate("window.scrollTo(0, 0)")
    return page


def received(page, type=None, frame=None):
    return [m for m in page.evaluate("window.__received")
            if (type is None or m["data"].get("type") == type) and (frame is None or m["frame"] == frame)]


def embed(page, name):
    return page.frame_locator(f"iframe[data-testid=embed-{name}]")


def frame_of(page, name):
    return page.locator(f"iframe[data-testid=embed-{name}]").element_handle().content_frame()


def host_page(browser, base_url, app_root):
    """The example course page at desktop size, shared by a module's tests (the body of a
    module-scoped fixture)."""
    page = open_host(browser, base_url, app_root, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()
