"""The Content-Security-Policy directives the README gives for hosts, checked for real: the app
served with a strict policy header on every response (page, modules, worker), its "Copy embed
code" snippet pasted into a host page with its own strict policy, and no violation anywhere.
"""

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, RECORD_MESSAGES, draw, serve_in_thread, wait_state

# Kept in step with "Embedding in a course page" in the README.
APP_POLICY = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; frame-src 'self'; connect-src 'self'; "
              "style-src 'self'; img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {host}")
HOST_POLICY = "default-src 'none'; frame-src {app}; script-src {app}; style-src 'unsafe-inline'"

# In every frame: any violation is reported as a console error, which the test collects.
REPORT_VIOLATIONS = """
addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def origins(dist_dir, tmp_path_factory):
    """(host folder, host base URL, app base URL): the app served with APP_POLICY."""
    folder = tmp_path_factory.mktemp("csp-host")
    host_server, host = serve_in_thread(str(folder))
    policy = APP_POLICY.format(host=host.rstrip("/"))
    app_server, app = serve_in_thread(dist_dir, {"Content-Security-Policy": policy})
    yield folder, host, app
    host_server.shutdown()
    app_server.shutdown()


def new_page(browser, errors):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(REPORT_VIOLATIONS)
    context.add_init_script(RECORD_MESSAGES)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def test_embed_code_works_under_strict_policies_on_both_sides(browser, origins):
    folder, host, app = origins
    errors = []
    page = new_page(browser, errors)
    try:
        # The full page under the app's policy, where an instructor makes the snippet.
        page.goto(app + "#epochs=2")
        wait_state(page, "ready", BOOT_TIMEOUT_MS)
        for panel in ("train", "code", "eval", "inspect", "weights", "playground"):
            page.uncheck(f"#embed-options input[value={panel}]")
        page.click("[data-testid=copy-embed]")
        snippet = page.input_value("[data-testid=share-output]")
        assert snippet.startswith(f'<iframe src="{app}#epochs=2&amp;embed=1&amp;panels=draw"')

        (folder / "index.html").write_text(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{HOST_POLICY.format(app=app.rstrip('/'))}\">"
            f"<title>A strict course page</title></head><body><h1>Lesson</h1>\n{snippet}\n</body></html>")
        page.goto(host)
        page.wait_for_function("() => window.__received.some((m) => m.data.type === 'ready')", timeout=BOOT_TIMEOUT_MS)
        frame = page.frame_locator("iframe")
        assert frame.locator("html.embed #train-section").is_hidden()
        # embed-host.js, loaded from the app's origin, fits the frame.
        page.wait_for_function("""() => {
            const sizes = window.__received.filter((m) => m.data.type === 'resize');
            return sizes.length && document.querySelector('iframe').style.height === sizes.at(-1).data.height + 'px';
        }""")
        draw(page, [[(0.52, 0.15), (0.48, 0.85)]], frame=frame)
        page.wait_for_function("() => window.__received.some((m) => m.data.type === 'prediction')")
        assert [m["data"]["digit"] for m in page.evaluate("window.__received") if m["data"]["type"] == "prediction"] == [1]
        assert errors == []
    finally:
        page.context.close()


def test_a_policy_without_wasm_unsafe_eval_is_explained(browser, dist_dir):
    policy = APP_POLICY.replace(" 'wasm-unsafe-eval'", "").format(host="'self'")
    server, app = serve_in_thread(dist_dir, {"Content-Security-Policy": policy})
    errors = []
    page = new_page(browser, errors)
    try:
        page.goto(app)
        wait_state(page, "error")
        assert "'wasm-unsafe-eval'" in page.text_content("#fatal")
        assert any("CSP violation" in e for e in errors)  # the violation the app ran into, reported
    finally:
        page.context.close()
        server.shutdown()
