"""Errors beside the code (issue 20): Check marks the line where the learner's code failed in the
editor ([data-testid=code-error-line] with data-line), says it in the announced result, and a
passing check clears the mark; the editor, used under a strict style policy, reports no violation."""

from e2e_helpers import BOOT_TIMEOUT_MS, attr, serve_in_thread, wait_state, write_code

BROKEN = """import numpy as np


def relu_forward(z):
    a = np.maximum(z, 0)
    return a + not_defined
"""
RIGHT = "import numpy as np\n\n\ndef relu_forward(z):\n    return np.maximum(z, 0)\n"
POLICY = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; frame-src 'self'; connect-src 'self'; "
          "style-src 'self'; img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'")
REPORT_VIOLATIONS = """
addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
"""


def check(page, code):
    write_code(page, code)
    page.click("[data-testid=check-code]")
    page.wait_for_selector("[data-testid=check-result]:not([data-passed=''])", timeout=60_000)
    return attr(page, "check-result", "data-passed") == "true"


def test_check_marks_the_failing_line_and_a_pass_clears_it(app_page):
    page = app_page("#exercise=relu_forward")
    page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    assert not check(page, BROKEN)
    mark = page.wait_for_selector("[data-testid=code-error-line]")
    assert mark.get_attribute("data-line") == "6" and "not_defined" in mark.text_content()
    result = page.locator("[data-testid=check-result]")
    assert result.get_attribute("aria-live") == "polite" and "line 6" in result.text_content()
    assert check(page, RIGHT)
    assert page.locator("[data-testid=code-error-line]").count() == 0


def test_the_editor_breaks_no_style_policy(browser, dist_dir):
    server, base = serve_in_thread(dist_dir, {"Content-Security-Policy": POLICY})
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    errors = []
    try:
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(base + "#exercise=relu_forward")
        wait_state(page, "ready", BOOT_TIMEOUT_MS)
        page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
        assert not check(page, BROKEN)
        page.wait_for_selector("[data-testid=code-error-line]")
        page.keyboard.type("\n# more\n")
        page.keyboard.press("Control+Home")
        assert [e for e in errors if "CSP" in e] == []
    finally:
        context.close()
        server.shutdown()
