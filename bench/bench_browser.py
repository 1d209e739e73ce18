"""Browser benchmark for the built site (not a test: pytest does not collect this file).

    python bench/bench_browser.py [--strokes 20] [--target 0.95] [--max-minutes 15] [--json FILE]

Serves dist/ on 127.0.0.1 with `build.py serve` (its caching headers included), opens it in
headless Chromium and measures:
  * bare boot: a page that only starts Pyodide in a worker and imports NumPy, from the same
    server, in a fresh browser context (empty cache): the floor for any Pyodide page;
  * page ready: from navigation to the status reaching "ready", in a fresh context (first visit)
    and again in the same context (repeat visit, HTTP cache warm); medians over --visits;
  * the first stroke: a digit drawn as soon as the page says ready (while it may still be
    evaluating the pretrained model), pointerup to the prediction shown, at each first visit;
  * classify latency: pointerup to the prediction being shown, median over N strokes, timed
    inside the page;
  * training: wall time from pressing Train (default recipe) until the test accuracy after an
    epoch first reaches 95% and the target, with the samples/s the trainer reported.

Writes what it printed, with how it was measured, to its section of docs/benchmarks.md
("browser"; not with --skip-training or --no-write).
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))  # e2e_helpers
import report_file  # noqa: E402
from e2e_helpers import BOOT_TIMEOUT_MS, DIST, ROOT, attr, draw, free_port, launch_browser, open_app, spawn_server, wait_state  # noqa: E402

# A page that does nothing but boot Pyodide in a module worker and import NumPy, using the
# same files as the app (found through its manifest).
BARE_PAGE = """<!doctype html><title>bare</title><script type="module">
const worker = new Worker("bare-worker.js", { type: "module" });
worker.onmessage = (event) => { document.body.dataset.done = event.data; };
</script>"""
BARE_WORKER = """
const root = new URL("../", self.location);
const manifest = await (await fetch(new URL("manifest.json", root))).json();
const indexURL = new URL(manifest.pyodide, root).href;
const { loadPyodide } = await import(indexURL + "pyodide.mjs");
const pyodide = await loadPyodide({ indexURL });
await pyodide.loadPackage("numpy", { messageCallback: () => {} });
pyodide.runPython("import numpy");
postMessage("yes");
"""
# Times pointerup -> prediction shown; the page clears data-pending when the newest result is shown.
LATENCY_PROBE = """() => {
  window.__latencies = [];
  const canvas = document.querySelector("[data-testid=draw-canvas]");
  const out = document.querySelector("[data-testid=prediction]");
  let upAt = null;
  canvas.addEventListener("pointerup", () => { upAt = performance.now(); }, true);
  new MutationObserver(() => {
    if (upAt !== null && out.dataset.pending === "false") {
      window.__latencies.push(performance.now() - upAt);
      upAt = null;
    }
  }).observe(out, { attributes: true, attributeFilter: ["data-pending"] });
}"""

STROKES = [
    [[(0.5, 0.15), (0.5, 0.85)]],
    [[(0.28, 0.2), (0.72, 0.2), (0.45, 0.85)]],
    [[(0.3, 0.25), (0.5, 0.15), (0.7, 0.3), (0.3, 0.8), (0.75, 0.8)]],
]


def start_project_server(directory):
    """`build.py serve` for `directory` in a child process; returns (process, base URL)."""
    port = free_port()
    return spawn_server([sys.executable, os.path.join(ROOT, "build.py"), "serve", "--no-build",
                         "--port", str(port), "--dir", directory], port,
                        env={**os.environ, "SCRATCHNET_QUIET_SERVER": "1"})


def measure_bare_boot(browser, base_url):
    """Seconds from navigation until a bare page has booted Pyodide and imported NumPy."""
    context = browser.new_context()
    bare = base_url + "__bare__/"
    context.route(bare + "index.html", lambda route: route.fulfill(body=BARE_PAGE, content_type="text/html"))
    context.route(bare + "bare-worker.js",
                  lambda route: route.fulfill(body=BARE_WORKER, content_type="text/javascript"))
    page = context.new_page()
    started = time.perf_counter()
    page.goto(bare + "index.html")
    page.wait_for_selector("body[data-done=yes]", state="attached", timeout=BOOT_TIMEOUT_MS)
    seconds = time.perf_counter() - started
    context.close()
    return seconds


def measure_ready(browser, base_url):
    """(page, first visit seconds, repeat visit seconds, the page's loading steps, ms from lifting
    the pen to the prediction for a stroke drawn as soon as the page is ready)."""
    started = time.perf_counter()
    page = open_app(browser, base_url)
    first = time.perf_counter() - started
    page.evaluate(LATENCY_PROBE)  # the first stroke at once: the pretrained model's evaluation may still run
    draw(page, STROKES[0])
    page.wait_for_function("() => window.__latencies.length > 0")
    first_stroke = page.evaluate("window.__latencies[0]")
    steps = page.locator("#loading-steps li").evaluate_all(
        "els => els.map(e => [e.querySelector('.step-label').textContent, e.querySelector('.step-detail').textContent])")
    again = page.context.new_page()
    started = time.perf_counter()
    again.goto(base_url)
    wait_state(again, "ready", BOOT_TIMEOUT_MS)
    repeat = time.perf_counter() - started
    again.close()
    return page, first, repeat, steps, first_stroke


def measure_classify(page, strokes):
    page.evaluate(LATENCY_PROBE)
    for i in range(strokes):
        page.click("[data-testid=clear]")
        page.wait_for_selector("[data-testid=prediction][data-pending=false]")
        page.evaluate(f"window.__latencies = window.__latencies.slice(0, {i})")
        draw(page, STROKES[i % len(STROKES)])
        page.wait_for_function(f"() => window.__latencies.length > {i}")
    return page.evaluate("window.__latencies")


def measure_training(page, target, max_minutes, say=print):
    page.select_option("[data-testid=recipe]", "default")
    started = time.perf_counter()
    page.click("[data-testid=train]")
    page.wait_for_selector("[data-testid=epoch][data-value='0']")  # the new run has started
    history, speeds = [], []
    deadline = started + 60 * max_minutes
    seen = 0
    while time.perf_counter() < deadline:
        page.wait_for_timeout(250)
        speed = float(attr(page, "throughput") or 0)
        if speed:
            speeds.append(speed)
        epoch = int(attr(page, "epoch"))
        if epoch > seen:
            seen = epoch
            accuracy = float(attr(page, "test-accuracy"))
            history.append({"epoch": epoch, "seconds": round(time.perf_counter() - started, 1),
                            "test_accuracy": accuracy})
            say(f"  epoch {epoch}: test accuracy {accuracy:.4f} at {history[-1]['seconds']} s")
            if accuracy >= target:
                break
        if attr(page, "status", "data-state") != "training" and epoch == seen and seen > 0:
            break  # the run finished (or stopped) without reaching the target
    if page.is_enabled("[data-testid=stop]"):
        page.click("[data-testid=stop]")
    return history, speeds


def first_reaching(history, target):
    return next((h for h in history if h["test_accuracy"] >= target), None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=DIST)
    parser.add_argument("--strokes", type=int, default=20)
    parser.add_argument("--target", type=float, default=0.97)
    parser.add_argument("--visits", type=int, default=3, help="page loads to take the median of")
    parser.add_argument("--max-minutes", type=float, default=3)
    parser.add_argument("--skip-training", action="store_true", help="no training (docs/benchmarks.md is not written)")
    parser.add_argument("--json", help="also write the results to this file")
    report_file.add_no_write(parser)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")

    from playwright.sync_api import sync_playwright

    process, base_url = start_project_server(args.dist)
    section = report_file.Report("browser", "In the browser")
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            bare, first, repeat, first_strokes = [], [], [], []
            for _ in range(args.visits):  # taking turns, so load from elsewhere falls on both
                bare.append(measure_bare_boot(browser, base_url))
                page, first_s, repeat_s, steps, stroke_ms = measure_ready(browser, base_url)
                first.append(first_s)
                repeat.append(repeat_s)
                first_strokes.append(stroke_ms)
                page.context.close()
            results["first_stroke_ms"] = round(statistics.median(first_strokes), 1)
            results["first_stroke_max_ms"] = round(max(first_strokes), 1)
            section.say(f"a stroke drawn as soon as the page is ready: median {results['first_stroke_ms']} ms, "
                        f"max {results['first_stroke_max_ms']} ms over {len(first_strokes)} visits (bar 100 ms)")
            results["bare_boot_s"] = round(statistics.median(bare), 2)
            results["page_ready_s"] = round(statistics.median(first), 2)
            results["repeat_visit_ready_s"] = round(statistics.median(repeat), 2)
            results["ready_over_bare"] = round(statistics.median(first) / statistics.median(bare), 2)
            results["loading_steps"] = dict(steps)
            section.say(f"bare Pyodide + NumPy boot: {results['bare_boot_s']:.2f} s; page ready: "
                        f"{results['page_ready_s']:.2f} s ({results['ready_over_bare']:.2f}x the bare boot); "
                        f"repeat visit ready: {results['repeat_visit_ready_s']:.2f} s  "
                        f"(medians of {args.visits}; last visit's steps: "
                        + ", ".join(f"{k}: {v}" for k, v in steps) + ")")
            page = open_app(browser, base_url)

            latencies = measure_classify(page, args.strokes)
            results["classify_median_ms"] = round(statistics.median(latencies), 1)
            results["classify_max_ms"] = round(max(latencies), 1)
            section.say(f"classify latency: median {results['classify_median_ms']} ms, "
                        f"max {results['classify_max_ms']} ms over {len(latencies)} strokes")

            if not args.skip_training:
                section.say(f"training the default recipe until test accuracy >= {args.target}:")
                history, speeds = measure_training(page, args.target, args.max_minutes, section.say)
                results["training_epochs"] = history
                results["samples_per_sec_median"] = round(statistics.median(speeds)) if speeds else None
                for target in sorted({0.95, args.target}):
                    reached = first_reaching(history, target)
                    results[f"time_to_{target:.2f}_s"] = reached["seconds"] if reached else None
                    if reached:
                        section.say(f"reached {target:.0%} after epoch {reached['epoch']} in {reached['seconds']} s "
                                    f"({results['samples_per_sec_median']} samples/s)")
                    else:
                        section.say(f"did not reach {target:.0%} ({results['samples_per_sec_median']} samples/s)")
            chromium = browser.version
            browser.close()
    finally:
        process.terminate()
    how = (f"The site in dist/ served by `build.py serve` on 127.0.0.1 (its caching headers included), in "
           f"headless Chromium {chromium}. The bare page is the floor for any Pyodide page: it boots Pyodide in a "
           f"worker and imports NumPy from the same server, in a fresh browser context (medians of {args.visits} "
           f"visits, taking turns with the app's first visits). Page ready: from navigation until the page says "
           f"ready, in a fresh context (first visit) and again in the same one (repeat visit, HTTP cache warm). "
           f"A stroke drawn as soon as the page says ready, at each first visit, and {args.strokes} strokes "
           f"later on: pointer up to the prediction shown, timed inside the page. Training: from pressing Train "
           f"(`default` recipe) until the test accuracy after an epoch first reaches 95% and "
           f"{args.target:.0%} (at most {args.max_minutes:g} minutes), with the samples/s the page showed.")
    baseline = (f"the bare Pyodide + NumPy boot, {results['bare_boot_s']:.2f} s (page ready: "
                f"{results['ready_over_bare']:.2f}x it)")
    section.finish(how, baseline, write=not (args.no_write or args.skip_training))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
