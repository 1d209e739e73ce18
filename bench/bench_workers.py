"""Benchmark of data-parallel training in the page: one Python worker against two (the `workers`
setting), not a test (pytest does not collect this file).

    .venv/bin/python bench/bench_workers.py [--quick] [--out FILE] [--dist DIR]

Against the built site (dist/ or $SCRATCHNET_DIST or --dist, copied at the start), in one headless
Chromium: for the CNN (the `cnn` recipe) at batch 16 and 64 and the dense network (the `default`
recipe) at batch 32 and 128, the page is opened with #workers=1 and #workers=2 in turns; with 2,
its helper is booted before Train is pressed. After a warm-up, the steps the page shows
([data-testid=step-count]) are counted over a timed window of training (no epoch ends inside it),
and samples/s = steps x batch / seconds; the median of --repeats windows is kept per setting.

From the step times t1 (one worker) and t2 (two), a simple model: a step of k workers takes
t1 / k + c, where c = t2 - t1 / 2 is what sharing costs per step (the relay through the page, the
weights and gradients sent, the update and the batch made in the main worker alone, and here the
two workers' contention for the machine's 2 cores). Its speed-ups for 4 and 8 workers assume a
core for each worker and the same c: a model, not a measurement.

Prints a Markdown report and writes it to its section of docs/benchmarks.md ("workers"; not with
--quick or --no-write), and to --out if given; progress goes to stderr.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "e2e"))  # e2e_helpers
os.environ.setdefault("SCRATCHNET_QUIET_SERVER", "1")

import report_file  # noqa: E402
from e2e_helpers import CHROMIUM_ARGS, DIST, copy_build, launch_browser, open_app, serve_in_thread, wait_state  # noqa: E402

CASES = [("cnn", 16), ("cnn", 64), ("default", 32), ("default", 128)]
LABEL = {"cnn": "CNN", "default": "dense 784-128-10"}


def log(text):
    print(text, file=sys.stderr, flush=True)


# Where the shared steps' time went so far (data-parallel.js), ms summed over its steps.
PARTS = "() => ({ steps: 0, main: 0, helperTrip: 0, helperCompute: 0, waited: 0, ...globalThis.scratchnetWorkers?.time })"


def steps(page):
    return int(page.get_attribute("[data-testid=step-count]", "data-value") or 0)


def window(browser, url, workers, batch, warmup, seconds):
    """Samples/s over one timed window of training at `url` with `workers`; and the workers shown."""
    page = open_app(browser, url)
    page.set_default_timeout(240_000)
    try:
        if workers > 1:
            page.wait_for_function(f"() => (globalThis.scratchnetWorkers?.booted ?? 0) >= {workers - 1}")
        page.click("[data-testid=train]")
        page.wait_for_function("() => Number(document.querySelector('[data-testid=step-count]').dataset.value) > 0")
        time.sleep(warmup)  # the first steps: products chosen, WebAssembly warmed
        t0, s0, parts0 = time.perf_counter(), steps(page), page.evaluate(PARTS)
        time.sleep(seconds)
        t1, s1, parts1 = time.perf_counter(), steps(page), page.evaluate(PARTS)
        shown = page.get_attribute("[data-testid=workers-in-use]", "data-value")
        page.click("[data-testid=stop]")
        wait_state(page, "ready", 120_000)
        shared = max(parts1["steps"] - parts0["steps"], 1)
        parts = {key: (parts1[key] - parts0[key]) / shared for key in parts1 if key != "steps"}
        return (s1 - s0) * batch / (t1 - t0), shown, parts
    finally:
        page.context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short window each (docs/benchmarks.md is not written)")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--seconds", type=float, default=8.0, help="timed training per window")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed training before each window, s")
    parser.add_argument("--repeats", type=int, default=2, help="windows per setting (median)")
    parser.add_argument("--dist", default=DIST)
    report_file.add_no_write(parser)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warmup, args.repeats = 3.0, 1.5, 1
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    section = report_file.Report("workers", "Training on several workers")
    results = {case: {1: [], 2: []} for case in CASES}
    shown, parts = {}, {case: [] for case in CASES}
    with tempfile.TemporaryDirectory(prefix="scratchnet-bench-workers-") as temp:
        dist, manifest = copy_build(args.dist, os.path.join(temp, "dist"))
        server, url = serve_in_thread(dist)
        try:
            with sync_playwright() as playwright:
                browser = launch_browser(playwright)
                for run in range(args.repeats):
                    for recipe, batch in CASES:
                        for workers in (1, 2):
                            at = f"{url}#recipe={recipe}&batch_size={batch}&train_size=30000&epochs=3&workers={workers}"
                            sps, seen, spent = window(browser, at, workers, batch, args.warmup, args.seconds)
                            results[(recipe, batch)][workers].append(sps)
                            if workers == 2:
                                parts[(recipe, batch)].append(spent)
                            shown[(recipe, batch, workers)] = seen
                            log(f"run {run + 1}/{args.repeats} {recipe} batch {batch}, {workers} worker(s) "
                                f"(shown: {seen}): {sps:,.0f} samples/s")
                chromium = browser.version
                browser.close()
        finally:
            server.shutdown()
            server.server_close()

    lines = ["| network | batch | 1 worker, samples/s | 2 workers, samples/s | 2 / 1 | step, 1 worker | "
             "step, 2 workers | cost of sharing c | model: 4 workers | model: 8 workers |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ratios = {}
    for recipe, batch in CASES:
        one, two = (statistics.median(results[(recipe, batch)][k]) for k in (1, 2))
        t1, t2 = batch / one, batch / two
        cost = t2 - t1 / 2
        model = {k: t1 / (t1 / k + cost) for k in (4, 8)}
        ratios[(recipe, batch)] = two / one
        lines.append(f"| {LABEL[recipe]} | {batch} | {one:,.0f} | {two:,.0f} | {two / one:.2f}x | {1000 * t1:.1f} ms | "
                     f"{1000 * t2:.1f} ms | {1000 * cost:.1f} ms | {model[4]:.2f}x | {model[8]:.2f}x |")
    lines += ["", "Where a step of 2 workers went (ms per step, median over the windows; measured in the page by "
              "data-parallel.js): the main worker's calls (its shard, the update, the next batch), the helper's "
              "round trip and its compute inside Python (the difference is the relay and the transfer), and the main "
              "worker's wait for the helper after its own shard.", "",
              "| network | batch | main worker's calls | helper's round trip | helper's compute | main waits |",
              "|---|---:|---:|---:|---:|---:|"]
    for recipe, batch in CASES:
        med = {key: statistics.median(p[key] for p in parts[(recipe, batch)]) for key in
               ("main", "helperTrip", "helperCompute", "waited")}
        lines.append(f"| {LABEL[recipe]} | {batch} | {med['main']:.1f} | {med['helperTrip']:.1f} | "
                     f"{med['helperCompute']:.1f} | {med['waited']:.1f} |")
    lines += ["", "The model columns are a model, not measurements: the speed-up t1 / (t1 / k + c) for k workers "
              "with a core each, from the step times measured here (see the script's docstring). On this 2-core "
              "machine c includes the two workers' contention for the cores with the page and the browser.",
              "Workers shown by [data-testid=workers-in-use] at the end of each window: " + ", ".join(
                  f"{LABEL[r]} {b} with {k}: {shown[(r, b, k)]}" for r, b, k in sorted(shown)),
              "", f"({time.perf_counter() - started:.0f} s in all)"]
    section.say("\n".join(lines))
    how = ("A smoke run (--quick). " if args.quick else "") + (
        f"Chromium {chromium} headless ({' '.join(CHROMIUM_ARGS)}); build {manifest['build']}. Each setting: a fresh "
        f"page, Train, {args.warmup:g} s of warm-up, then the steps shown over {args.seconds:g} s; median of "
        f"{args.repeats} windows, the settings in turns. The machine is shared, so timings carry noise.")
    baseline = "the same page with one worker, in turns with two: " + ", ".join(
        f"{LABEL[r]} at batch {b} {ratios[(r, b)]:.2f}x" for r, b in CASES)
    report = section.finish(how, baseline, write=not (args.no_write or args.quick))
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
