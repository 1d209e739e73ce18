"""Browser benchmark for the built site (not a test: pytest does not collect this file).

    python tests/e2e/bench_browser.py [--strokes 20] [--target 0.95] [--max-minutes 15] [--json FILE]

Serves dist/ on 127.0.0.1, opens it in headless Chromium and measures:
  * page ready: from navigation to the status reaching "ready" (plus the page's own step times);
  * classify latency: pointerup to the prediction being shown, median over N strokes, timed
    inside the page;
  * training: wall time from pressing Train (default recipe) until the test accuracy after an
    epoch first reaches the target, with the samples/s the trainer reported.
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_helpers import DIST, attr, draw, launch_browser, open_app, start_server  # noqa: E402

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


def measure_ready(browser, base_url):
    started = time.perf_counter()
    page = open_app(browser, base_url)
    seconds = time.perf_counter() - started
    steps = page.locator("#loading-steps li").evaluate_all(
        "els => els.map(e => [e.querySelector('.step-label').textContent, e.querySelector('.step-detail').textContent])")
    return page, seconds, steps


def measure_classify(page, strokes):
    page.evaluate(LATENCY_PROBE)
    for i in range(strokes):
        page.click("[data-testid=clear]")
        page.wait_for_selector("[data-testid=prediction][data-pending=false]")
        page.evaluate("window.__latencies = window.__latencies.slice(0, %d)" % i)
        draw(page, STROKES[i % len(STROKES)])
        page.wait_for_function(f"() => window.__latencies.length > {i}")
    return page.evaluate("window.__latencies")


def measure_training(page, target, max_minutes):
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
            print(f"  epoch {epoch}: test accuracy {accuracy:.4f} at {history[-1]['seconds']} s", flush=True)
            if accuracy >= target:
                break
        if attr(page, "status", "data-state") != "training" and epoch == seen and seen > 0:
            break  # the run finished (or stopped) without reaching the target
    page.click("[data-testid=stop]")
    reached = next((h for h in history if h["test_accuracy"] >= target), None)
    return reached, history, speeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=DIST)
    parser.add_argument("--strokes", type=int, default=20)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--max-minutes", type=float, default=15)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")

    from playwright.sync_api import sync_playwright

    process, base_url = start_server(args.dist)
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page, ready, steps = measure_ready(browser, base_url)
            results["page_ready_s"] = round(ready, 2)
            results["loading_steps"] = dict(steps)
            print(f"page ready: {ready:.2f} s  (" + ", ".join(f"{k}: {v}" for k, v in steps) + ")", flush=True)

            latencies = measure_classify(page, args.strokes)
            results["classify_median_ms"] = round(statistics.median(latencies), 1)
            results["classify_max_ms"] = round(max(latencies), 1)
            print(f"classify latency: median {results['classify_median_ms']} ms, "
                  f"max {results['classify_max_ms']} ms over {len(latencies)} strokes", flush=True)

            if not args.skip_training:
                print(f"training the default recipe until test accuracy >= {args.target}:", flush=True)
                reached, history, speeds = measure_training(page, args.target, args.max_minutes)
                results["training_epochs"] = history
                results["samples_per_sec_median"] = round(statistics.median(speeds)) if speeds else None
                results["time_to_target_s"] = reached["seconds"] if reached else None
                if reached:
                    print(f"reached {args.target:.0%} after epoch {reached['epoch']} in {reached['seconds']} s "
                          f"({results['samples_per_sec_median']} samples/s)")
                else:
                    print(f"did not reach {args.target:.0%} ({results['samples_per_sec_median']} samples/s)")
            browser.close()
    finally:
        process.terminate()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
