"""Benchmark of the exercises in the built site (not a test: pytest does not collect this file).

    python bench/bench_exercises.py [--repeats 5] [--json FILE]

In headless Chromium, on the page served from dist/:
  * Check: from pressing Check on a correct dense_backward to the result shown, median of
    --repeats, beside the round trip of a drawing's classification in the same page (the floor
    for any answer from the worker);
  * a training step with the learner's correct code (every exercise of the default recipe typed
    in by hand: dense_forward/backward, relu_forward/backward, softmax_cross_entropy,
    momentum_step) against the reference's, in the same worker, alternating, median of
    --repeats measurements of 2 s each (bridge.benchmark with code=True/False);
  * recovery from an endless loop: from pressing Check on `while True: pass` until the page is
    ready again with its model back, beside the page's own first boot in the same run.

Writes what it printed, with how it was measured, to its section of docs/benchmarks.md
("exercises"; not with --no-write).
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
from e2e_helpers import DIST, SECOND_WORKER, draw, launch_browser, open_app, start_server, wait_state  # noqa: E402

# The learner's code: the maths of each exercise, typed in as a learner would write it.
MINE = {
    "dense_forward": "def dense_forward(x, W, b):\n    return x @ W + b\n",
    "dense_backward": "def dense_backward(dz, x, W):\n    return dz @ W.T, x.T @ dz, dz.sum(axis=0)\n",
    "relu_forward": "import numpy as np\n\ndef relu_forward(z):\n    return np.maximum(z, 0)\n",
    "relu_backward": "def relu_backward(da, z):\n    return da * (z > 0)\n",
    "softmax_cross_entropy": (
        "import numpy as np\n\ndef softmax_cross_entropy(logits, y):\n"
        "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
        "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    N = len(y)\n    loss = -log_p[np.arange(N), y].mean()\n"
        "    dlogits = np.exp(log_p)\n    dlogits[np.arange(N), y] -= 1\n    return loss, dlogits / N\n"),
    "momentum_step": ("def momentum_step(W, dW, v, learning_rate, momentum):\n"
                      "    v = momentum * v - learning_rate * dW\n    return W + v, v\n"),
}
def write(page, code):
    page.locator("[data-testid=code-editor] .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def timed_check(page):
    """Milliseconds from pressing Check to the result, timed inside the page."""
    return page.evaluate("""() => new Promise((resolve) => {
        const result = document.querySelector('[data-testid=check-result]');
        const started = performance.now();
        const watch = new MutationObserver(() => {
          if (result.dataset.passed !== '') { watch.disconnect(); resolve(performance.now() - started); }
        });
        watch.observe(result, { attributes: true });
        document.querySelector('[data-testid=check-code]').click();
    })""")


def timed_classify(page):
    started = time.perf_counter()
    draw(page, [[(0.5, 0.15), (0.5, 0.85)]])
    page.wait_for_selector("[data-testid=prediction][data-pending=false]")
    return (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dist", default=DIST)
    parser.add_argument("--json")
    report_file.add_no_write(parser)
    args = parser.parse_args()
    process, base = start_server(args.dist)
    section = report_file.Report("exercises", "The code panel")
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        started = time.perf_counter()
        page = open_app(browser, base + "#exercise=dense_backward")
        results["first_boot_s"] = time.perf_counter() - started
        page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
        write(page, "import numpy as np\n\n" + MINE["dense_backward"])
        checks = [timed_check(page) for _ in range(args.repeats)]
        classify = [timed_classify(page) for _ in range(args.repeats)]
        results["check_ms"], results["classify_ms"] = statistics.median(checks), statistics.median(classify)

        page.evaluate(SECOND_WORKER)
        page.evaluate("s => window.__benchCall('use_code', { sources: s })", MINE)
        steps = {True: [], False: []}
        for _ in range(args.repeats):
            for code in (False, True):
                steps[code].append(page.evaluate("c => window.__benchCall('benchmark', {batch_size: 32, seconds: 2, code: c})",
                                                 code)["step_ms"])
        results["reference_step_ms"], results["my_step_ms"] = (statistics.median(steps[False]),
                                                               statistics.median(steps[True]))
        results["step_ratio"] = results["my_step_ms"] / results["reference_step_ms"]

        write(page, "def dense_backward(dz, x, W):\n    while True:\n        pass\n")
        started = time.perf_counter()
        page.click("[data-testid=check-code]")
        page.wait_for_selector("[data-testid=status][data-state=loading]", timeout=30_000)
        wait_state(page, "ready", 120_000)
        page.wait_for_selector("[data-testid=status][data-busy=false]")
        results["recovery_s"] = time.perf_counter() - started
        browser.close()
    process.terminate()
    section.say(f"Check, correct dense_backward: {results['check_ms']:.0f} ms "
                f"(a drawing's classification in the same page: {results['classify_ms']:.0f} ms)")
    section.say(f"training step at batch 32: reference {results['reference_step_ms']:.2f} ms, learner's code "
                f"{results['my_step_ms']:.2f} ms, ratio {results['step_ratio']:.2f} (bar 1.3)")
    section.say(f"endless loop in Check: ready again after {results['recovery_s']:.1f} s "
                f"(the page's first boot in this run: {results['first_boot_s']:.1f} s)")
    how = (f"In the page, in headless Chromium, one run: *Check* on a correct `dense_backward`, from the click to the "
           f"result shown, median of {args.repeats}; a training step at batch 32 with the learner's own code for every "
           f"function the default recipe runs (typed in as a learner would: `x @ W + b`, `dz @ W.T, x.T @ dz, "
           f"dz.sum(axis=0)`, ...) against the reference's, in the same worker, alternating, each the median of "
           f"{args.repeats} measurements of 2 s; and the recovery from `while True: pass` in Check, until the page "
           f"is ready again with its model and code back.")
    baseline = (f"a drawing's classification round trip in the same page ({results['classify_ms']:.0f} ms) for Check; "
                f"the reference's training step ({results['reference_step_ms']:.2f} ms) for the learner's; the page's "
                f"first boot ({results['first_boot_s']:.1f} s) for the recovery")
    section.finish(how, baseline, write=not args.no_write)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
