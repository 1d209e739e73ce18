"""Benchmark of the inspector in the real page (not a test: pytest does not collect this file).

    python bench/bench_inspector.py [--repeats 20] [--json FILE]

Serves dist/ with `build.py serve`, opens the app in headless Chromium (the pretrained
784-128-10 model) and measures, inside the page, medians over --repeats:
  * baseline: a drawing classified, pointerup to the prediction shown (the page's quickest
    round trip to Python and back, measured in the same run);
  * inspector: pressing "next test digit" to the new example's trace shown (every quantity's
    heat map or bars drawn, data-prob set) and the next frame painted;
  * Step: pressing Step to everything it refreshes shown and painted: the step count and the
    charts, the first layer's weights and the inspector at the new step (the run is started by
    one Step first, which is not counted); and, for reference, to the step count alone;
  * the inspector again for a deeper network, 784-256-128-10 (after one Step starts its run).

Writes what it printed, with how it was measured, to its section of docs/benchmarks.md
("inspector"; not with --no-write).
"""

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))  # e2e_helpers
import report_file  # noqa: E402
from bench_browser import LATENCY_PROBE, STROKES, start_project_server  # noqa: E402
from e2e_helpers import DIST, draw, launch_browser, open_app  # noqa: E402

# Resolves once `selector` matches (checked after each DOM change), then after one painted frame.
SHOWN = """() => {
window.__shown = (selector) => new Promise((resolve) => {
  const done = () => requestAnimationFrame(() => setTimeout(resolve, 0));
  if (document.querySelector(selector)) return done();
  const observer = new MutationObserver(() => {
    if (document.querySelector(selector)) {
      observer.disconnect();
      done();
    }
  });
  observer.observe(document.body, { attributes: true, subtree: true, childList: true });
});
}"""

CHOOSE_NEXT = """async () => {
  const index = Number(document.querySelector("[data-testid=inspect-index]").value) + 1;
  const started = performance.now();
  document.querySelector("[data-testid=inspect-next]").click();
  await window.__shown(`[data-testid=inspector][data-source="test:${index}"]:not([data-prob=""])`);
  return performance.now() - started;
}"""

STEP = """async () => {
  const next = Number(document.querySelector("[data-testid=step-count]").dataset.value) + 1;
  const started = performance.now();
  document.querySelector("[data-testid=step]").click();
  await window.__shown(`[data-testid=step-count][data-value="${next}"]`);
  const counted = performance.now() - started;
  await window.__shown(`[data-testid=inspector][data-step="${next}"]:not([data-prob=""])`);
  const all = performance.now() - started;
  await window.__shown("[data-testid=step]:not([disabled])");
  return [counted, all];
}"""


def inspector_ms(page, repeats):
    """Times to the trace shown, and the medians of its parts (the page's performance measures)."""
    page.wait_for_selector("[data-testid=inspector]:not([data-prob=''])")
    page.evaluate(CHOOSE_NEXT)  # warm-up: the first trace of a model pays for imports and caches
    page.evaluate("() => performance.clearMeasures()")
    times = [page.evaluate(CHOOSE_NEXT) for _ in range(repeats)]
    parts = {name: median(page.evaluate("(name) => performance.getEntriesByName(name).map((e) => e.duration)", name))
             for name in ("inspector: trace in the worker", "inspector: drawing it")}
    return times, parts


def step_ms(page, repeats):
    page.click("[data-testid=step]")  # starts the run (a new untrained network): not counted
    page.wait_for_selector("[data-testid=inspector][data-step='1']:not([data-prob=''])")
    page.wait_for_selector("[data-testid=step]:not([disabled])")
    return [page.evaluate(STEP) for _ in range(repeats)]


def classify_ms(page, repeats):
    page.evaluate(LATENCY_PROBE)
    for i in range(repeats):
        page.click("[data-testid=clear]")
        page.wait_for_selector("[data-testid=prediction][data-pending=false]")
        page.evaluate(f"window.__latencies = window.__latencies.slice(0, {i})")
        draw(page, STROKES[i % len(STROKES)])
        page.wait_for_function(f"() => window.__latencies.length > {i}")
    return page.evaluate("window.__latencies")


def median(values):
    return round(statistics.median(values), 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=DIST)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", help="also write the results to this file")
    report_file.add_no_write(parser)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")

    from playwright.sync_api import sync_playwright

    process, base_url = start_project_server(args.dist)
    section = report_file.Report("inspector", "The inspector and Step")
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page = open_app(browser, base_url)
            page.evaluate(SHOWN)
            results["classify_median_ms"] = median(classify_ms(page, args.repeats))
            times, parts = inspector_ms(page, args.repeats)
            results["inspector_median_ms"] = median(times)
            results["inspector_worker_median_ms"] = parts["inspector: trace in the worker"]
            results["inspector_drawing_median_ms"] = parts["inspector: drawing it"]
            steps = step_ms(page, args.repeats)
            results["step_count_median_ms"] = median([s[0] for s in steps])
            results["step_median_ms"] = median([s[1] for s in steps])
            page.context.close()

            page = open_app(browser, base_url + "#hidden_sizes=256,128")
            page.evaluate(SHOWN)
            page.click("[data-testid=step]")
            page.wait_for_selector("[data-testid=inspector][data-step='1']:not([data-prob=''])")
            results["inspector_256_128_median_ms"] = median(inspector_ms(page, args.repeats)[0])
            page.context.close()
            browser.close()
    finally:
        process.terminate()
    section.say(f"baseline, a drawing classified (pointerup to prediction shown): {results['classify_median_ms']} ms")
    section.say(f"inspector, next test digit to its trace shown (784-128-10): {results['inspector_median_ms']} ms "
                f"(bar: 150 ms); of which the worker's answer {results['inspector_worker_median_ms']} ms, drawing it "
                f"{results['inspector_drawing_median_ms']} ms")
    section.say(f"Step to step count, charts, weights and inspector shown: {results['step_median_ms']} ms "
                f"(step count alone: {results['step_count_median_ms']} ms; bar: 100 ms)")
    section.say(f"inspector for 784-256-128-10: {results['inspector_256_128_median_ms']} ms")
    section.say(f"(medians of {args.repeats} in one run)")
    how = (f"Timed inside the real page in headless Chromium (the pretrained 784-128-10 model), each a median of "
           f"{args.repeats} in one run. *Inspector*: pressing \"next test digit\" until its whole trace is drawn "
           f"(every heat map and bar, `data-prob` set) and the next frame painted. *Step*: pressing Step (in a run "
           f"started by one Step first) until the step count, the charts, the weights and the inspector at the new "
           f"step are shown and painted. Then the inspector again for a 784-256-128-10 network.")
    baseline = f"a drawing classified, pointer up to prediction shown, {results['classify_median_ms']} ms"
    section.finish(how, baseline, write=not args.no_write)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
