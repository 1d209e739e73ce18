"""Benchmark of the 2-D playground in the real page (not a test: pytest does not collect this file).

    python bench/bench_playground.py [--runs 3] [--target 0.95] [--limit 30] [--json FILE]

Serves dist/ with `build.py serve`, opens the app in headless Chromium, lets it settle (a first
visit makes its one-off Python memory snapshot in a second worker once idle; that is waited for,
so it does not share the CPU with the runs), then for each run, as a learner would: sets the
playground to the spiral with two hidden layers of 8 tanh units (seed = the run's number, the other
settings at their defaults), presses Train, lets it train for --seconds (or until the target, if
later, up to --limit), and records every frame the boundary canvas draws (its data-frames,
data-step, data-test-accuracy, data-fps and data-frame-ms) from inside the page. It reports, per
run and as medians: the seconds from the click on Train to the first frame with test accuracy >=
--target and the steps taken; the frame rate while training (frames drawn over the whole time,
and the lowest of the page's own one-second readings after the first second); the time Python
took to compute a frame; and the machine's load average, since the machine may be shared.

One more run (seed 0), reported apart, is a first visit: a fresh browser context, Train pressed as
soon as the playground is ready, while the page is still evaluating its pretrained MNIST model in
the same worker (and Python's start-up code is still cold).

The baseline, in the same run: the same playground run natively (the same py/ code in this
Python process), timed to the same target with the test accuracy checked every 10 steps.

Writes what it printed, with how it was measured, to its section of docs/benchmarks.md
("playground"; not with --no-write).
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))  # e2e_helpers
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "py"))
import report_file  # noqa: E402
from bench_browser import start_project_server  # noqa: E402
from bench_startup import app_worker  # noqa: E402
from e2e_helpers import DIST, launch_browser, open_app  # noqa: E402

SETTINGS = {"dataset": "spiral", "hidden": "8,8", "activation": "tanh"}

# Records every frame the canvas draws, and when Train was clicked, in page time.
RECORDER = """() => {
  const canvas = document.querySelector("[data-testid=boundary]");
  window.__pg = { frames: [], clickAt: null };
  document.querySelector("[data-testid=playground-train]").addEventListener("click",
    () => { if (window.__pg.clickAt === null) window.__pg.clickAt = performance.now(); }, true);
  new MutationObserver(() => {
    const d = canvas.dataset;
    const last = window.__pg.frames[window.__pg.frames.length - 1];
    if (last && last.frames === Number(d.frames)) return;
    window.__pg.frames.push({ t: performance.now(), frames: Number(d.frames), step: Number(d.step),
      run: Number(d.run), accuracy: Number(d.testAccuracy), fps: Number(d.fps), frameMs: Number(d.frameMs) });
  }).observe(canvas, { attributes: true });
}"""


def set_up(page, seed):
    """The playground's controls set as a learner would; waits for the new run's first frame."""
    run = page.get_attribute("[data-testid=boundary]", "data-run")
    page.select_option("[data-testid=playground-dataset]", SETTINGS["dataset"])
    page.fill("[data-testid=playground-hidden]", SETTINGS["hidden"])
    page.select_option("[data-testid=playground-activation]", SETTINGS["activation"])
    page.fill("[data-testid=playground-seed]", str(seed))
    page.locator("[data-testid=playground-seed]").dispatch_event("change")
    page.wait_for_function(f"""() => {{
        const d = document.querySelector("[data-testid=boundary]").dataset;
        return Number(d.run) > {run} && d.step === "0" && location.hash.includes("pg_dataset=spiral")
            && !document.querySelector("[data-testid=playground-train]").disabled;
    }}""")
    while True:  # settled: no set-up still to come from a typing pause
        run = page.get_attribute("[data-testid=boundary]", "data-run")
        page.wait_for_timeout(600)
        if page.get_attribute("[data-testid=boundary]", "data-run") == run:
            return int(run)


def measure_run(page, seed, target, seconds, limit):
    run = set_up(page, seed)
    page.evaluate(RECORDER)
    page.click("[data-testid=playground-train]")
    started = time.monotonic()
    reached = None
    while time.monotonic() < started + limit and (reached is None or time.monotonic() < started + seconds):
        page.wait_for_timeout(200)
        reached = reached or page.evaluate(
            f"() => window.__pg.frames.find((f) => f.run === {run} && f.accuracy >= {target}) || null")
    page.click("[data-testid=playground-train]")  # pause
    page.wait_for_selector("[data-testid=playground][data-playing=false]")
    record = page.evaluate("window.__pg")
    frames = [f for f in record["frames"] if f["run"] == run and f["t"] > record["clickAt"]]
    span = (frames[-1]["t"] - record["clickAt"]) / 1000
    readings = [f["fps"] for f in frames if f["t"] - record["clickAt"] > 1000]
    return {
        "seed": seed,
        "seconds": round((reached["t"] - record["clickAt"]) / 1000, 2) if reached else None,
        "steps": reached["step"] if reached else None,
        "trained_s": round(span, 1),
        "frames": len(frames),
        "fps_mean": round(len(frames) / span, 1),
        "fps_lowest_reading": round(min(readings), 1) if readings else None,
        "frame_ms_median": round(statistics.median(f["frameMs"] for f in frames), 1),
        "load_average": round(os.getloadavg()[0], 1),
    }


def native_baseline(seed, target, max_steps=20000):
    """The same playground run natively: (seconds, steps) to the target, checked every 10 steps."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from scratchnet.teaching.playground import Playground

    playground = Playground({**SETTINGS, "hidden": [8, 8], "seed": seed})
    started = time.perf_counter()
    while playground.run.trainer.step < max_steps:
        for _ in range(10):
            playground.step()
        if playground.frame()["test_accuracy"] >= target:
            return round(time.perf_counter() - started, 2), playground.run.trainer.step
    return None, max_steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=DIST)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--limit", type=float, default=30, help="seconds a run may take (the bar)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds each run trains at least (for the frame rate)")
    parser.add_argument("--json", help="also write the results to this file")
    report_file.add_no_write(parser)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")

    from playwright.sync_api import sync_playwright

    process, base_url = start_project_server(args.dist)
    section = report_file.Report("playground", "The 2-D playground")
    runs = []
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page = open_app(browser, base_url)
            page.wait_for_selector("[data-testid=playground][data-ready=true]")
            made = app_worker(page).evaluate("() => self.scratchnetPython.snapshot")
            section.say(f"page settled (Python snapshot: {str(made).split(':')[0]})")
            for seed in range(args.runs):
                result = measure_run(page, seed, args.target, args.seconds, args.limit)
                result["native_seconds"], result["native_steps"] = native_baseline(seed, args.target)
                runs.append(result)
                section.say(f"  seed {seed}: {result['seconds']} s to {args.target:.0%} test accuracy "
                            f"({result['steps']} steps; natively {result['native_seconds']} s, {result['native_steps']} "
                            f"steps); {result['fps_mean']} frames/s over {result['trained_s']} s (lowest one-second "
                            f"reading {result['fps_lowest_reading']}), frame computed in {result['frame_ms_median']} ms; "
                            f"load average {result['load_average']}")
            errors = page.log.errors
            page.context.close()
            page = open_app(browser, base_url)
            page.wait_for_selector("[data-testid=playground][data-ready=true]")
            cold = measure_run(page, 0, args.target, args.seconds, args.limit)
            section.say(f"  first visit, seed 0: {cold['seconds']} s to {args.target:.0%} ({cold['steps']} steps); "
                        f"{cold['fps_mean']} frames/s over {cold['trained_s']} s (lowest one-second reading "
                        f"{cold['fps_lowest_reading']}); load average {cold['load_average']}")
            errors += page.log.errors
            browser.close()
    finally:
        process.terminate()
    met = [r for r in runs if r["seconds"] is not None]
    summary = {
        "runs": runs,
        "first_visit": cold,
        "seconds_median": statistics.median(r["seconds"] for r in met) if met else None,
        "fps_mean_median": statistics.median(r["fps_mean"] for r in runs),
        "fps_lowest_reading": min((r["fps_lowest_reading"] for r in runs if r["fps_lowest_reading"]), default=None),
        "page_errors": errors,
    }
    section.say(f"spiral, 2x8 tanh: {len(met)} of {len(runs)} runs reached {args.target:.0%} within {args.limit:g} s "
                f"(median {summary['seconds_median']} s); boundary redrawn at {summary['fps_mean_median']} frames/s "
                f"(median of the runs; lowest one-second reading {summary['fps_lowest_reading']})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    ok = len(met) == len(runs) and all(r["seconds"] <= args.limit for r in met) and summary["fps_mean_median"] >= 10
    section.say(f"bar (every run at {args.target:.0%} within {args.limit:g} s, 10+ frames/s): {'met' if ok else 'NOT met'}")
    how = (f"In the page, in headless Chromium, as a learner would: the spiral, two hidden layers of 8 tanh units, the "
           f"other settings at their defaults, Train pressed, every frame the boundary canvas draws recorded from "
           f"inside the page; seeds 0 to {args.runs - 1} after the page has settled (its idle-time Python snapshot "
           f"made), each trained at least {args.seconds:g} s or until {args.target:.0%} test accuracy (at most "
           f"{args.limit:g} s); then a first visit (seed 0) with Train pressed as soon as the playground is ready. "
           f"The frame rate is frames drawn over the whole run, and the lowest of the page's own one-second "
           f"readings after the first second.")
    baseline = ("the same runs natively, in this Python process (the same `py/` code, timed to the same target with "
                "the test accuracy checked every 10 steps): the \"natively\" figures beside each seed's")
    section.finish(how, baseline, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
