"""One visit to the page in WebKitGTK with a persistent profile, for test_webkit.py's repeat visit.

WebKitWebDriver's sessions are ephemeral (Cache Storage does not outlive a reload), so this drives
WebKitGTK through its own GTK API instead: a WebView whose website data (Cache Storage, IndexedDB)
lives in the folder PROFILE, in an offscreen window on $DISPLAY. It opens URL, waits until the page
is ready (or failed), optionally until the memory snapshot is made, and prints what the page says
as JSON: {state, how, errors, accuracy, snapshot}. Run it twice with one PROFILE for a first and a
second visit, as a browser restarted in between.

Needs Debian's python3 with python3-gi and gir1.2-webkit2-4.1 (not the project's .venv):
    python3 webkit_profile.py URL PROFILE [--snapshot]
"""

import json
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

TIME_LIMIT_S = 900
STATUS = """return {
  state: document.querySelector('[data-testid=status]')?.dataset.state ?? null,
  how: globalThis.scratchnetPython?.how ?? null,
  errors: globalThis.scratchnetPython?.errors ?? null,
  accuracy: document.querySelector('[data-testid=test-accuracy]')?.dataset.value ?? null,
  fatal: document.querySelector('#fatal-message')?.textContent ?? null,
}"""


def visit(url, profile, wait_snapshot):
    manager = WebKit2.WebsiteDataManager(base_data_directory=f"{profile}/data", base_cache_directory=f"{profile}/cache")
    view = WebKit2.WebView.new_with_context(WebKit2.WebContext.new_with_website_data_manager(manager))
    window = Gtk.OffscreenWindow()
    window.set_default_size(1280, 1000)
    window.add(view)
    window.show_all()
    loop, result = GLib.MainLoop(), {}

    def run(body, then):
        """Runs `body` as an async function in the page; `then` gets its value (JSON-able)."""
        def finished(source, answer):
            try:
                value = view.call_async_javascript_function_finish(answer)
                then(None if value.is_undefined() else json.loads(value.to_json(0)))
            except GLib.Error as error:
                result["error"] = error.message
                loop.quit()
        view.call_async_javascript_function(body, -1, None, None, None, None, finished)

    def poll():
        run(STATUS, status)
        return False

    def status(page):
        if not page or page["state"] not in ("ready", "error"):
            GLib.timeout_add(250, poll)  # polling an outcome, not a pause
            return
        result.update(page)
        if wait_snapshot and page["state"] == "ready":
            run("return String(await globalThis.scratchnetPython.snapshot)", snapshot)
        else:
            loop.quit()

    def snapshot(made):
        result["snapshot"] = made
        loop.quit()

    def too_long():
        result["error"] = f"no outcome within {TIME_LIMIT_S} s"
        loop.quit()

    GLib.timeout_add_seconds(TIME_LIMIT_S, too_long)
    view.load_uri(url)
    GLib.timeout_add(250, poll)
    loop.run()
    return result


if __name__ == "__main__":
    print(json.dumps(visit(sys.argv[1], sys.argv[2], "--snapshot" in sys.argv[3:])))
