"""Measures every step of the shipped lessons, natively and in the browser, for the README and for
the lessons' own text (which quotes these numbers).

    .venv/bin/python bench/bench_journey.py [--write] [--lessons journey,break-it]

Natively, each step's settings train on the site's own data bundle (the very images the page
trains on), and the journey's steps that use every image the page has also on all 60,000 MNIST
training images, plus the default recipe in full (15 epochs, as the pretrained model). In the
browser, the built site (dist/) is opened at #lesson=NAME, and for each step Run this step is
pressed and timed to the end of the run (the bar: 60 s). --write records each step's numbers in
its lesson file ("measured"); tests/unit/test_lessons.py then checks that the text quotes them.
The table is written, with how it was measured, to its section of docs/benchmarks.md ("journey";
only when every lesson was measured, and not with --no-write).
"""

import argparse
import glob
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))  # e2e_helpers

import report_file  # noqa: E402
from e2e_helpers import DIST, ROOT, attr, launch_browser, open_app, start_server, wait_state  # noqa: E402

from scratchnet.cli import find_mnist  # noqa: E402
from scratchnet.data.datasets import load_dataset  # noqa: E402
from scratchnet.teaching.coach import Coach  # noqa: E402
from scratchnet.training.settings import recipes_for, validate_config  # noqa: E402
from scratchnet.training.setup import choose_products, prepare_run  # noqa: E402

LESSONS = os.path.join(ROOT, "web", "lessons")
ALL_LESSONS = "journey,break-it,vanishing,few-images,handwriting"
BAR_SECONDS = 60
END = ("() => document.querySelector('#eta').textContent === 'done' || "
       "document.querySelector('[data-testid=health] [data-condition=diverged]') !== null")


def step_config(step, dataset_size):
    recipes = recipes_for(dataset_size)
    return validate_config({**recipes[step.get("recipe", "default")], **step.get("settings", {})}, dataset_size)


def native(config, dataset):
    """{test_accuracy, seconds, epochs, findings} of one run."""
    run = prepare_run(config, dataset)
    choose_products(run)
    coach = Coach()
    started = time.perf_counter()
    for event in run.trainer.events():
        if event["type"] != "work":
            coach.add(event)
    seconds = time.perf_counter() - started
    trainer = run.trainer
    accuracy = None if trainer.diverged or trainer.last_eval is None else round(trainer.last_eval["accuracy"], 4)
    return {"test_accuracy": accuracy, "seconds": round(seconds, 1), "epochs": trainer.epoch,
            "findings": sorted({f["condition"] for f in coach.findings()})}


def in_browser(browser, base, name, steps):
    """[{test_accuracy, seconds, epochs, findings}] for each step, in one page."""
    page = open_app(browser, f"{base}#lesson={name}")
    results = []
    try:
        page.wait_for_selector("[data-testid=lesson]:not([hidden]) [data-testid=lesson-step][data-step='0']", timeout=60_000)
        for i in range(len(steps)):
            page.wait_for_selector(f"[data-testid=lesson-step][data-step='{i}']")
            page.wait_for_selector("[data-testid=lesson-run]:not([disabled])")
            runs = page.eval_on_selector_all("[data-testid=run]", "els => els.length")
            started = time.perf_counter()
            page.click("[data-testid=lesson-run]")
            page.wait_for_function(f"() => document.querySelectorAll('[data-testid=run]').length > {runs}", timeout=60_000)
            page.wait_for_function(END, timeout=600_000)
            seconds = time.perf_counter() - started
            wait_state(page, "ready", 60_000)
            findings = sorted(set(page.eval_on_selector_all("[data-testid=health] [data-condition]",
                                                            "els => els.map((e) => e.dataset.condition)")))
            diverged = "diverged" in findings
            value = attr(page, "test-accuracy")
            results.append({"test_accuracy": None if diverged or not value else round(float(value), 4),
                            "seconds": round(seconds, 1), "epochs": int(attr(page, "epoch")), "findings": findings})
            print(f"  browser {name} step {i + 1}: {results[-1]}", flush=True)
            if i + 1 < len(steps):
                page.click("[data-testid=lesson-next]")
    finally:
        page.context.close()
    return results


def compact(value, indent=0):
    """JSON with small lists and objects on one line, as the lesson files are written."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent <= 110 or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, list):
        return "[\n" + ",\n".join(pad + compact(v, indent + 2) for v in value) + "\n" + " " * indent + "]"
    return "{\n" + ",\n".join(f"{pad}{json.dumps(k)}: {compact(v, indent + 2)}" for k, v in value.items()) + "\n" + " " * indent + "}"


def percent(v):
    return "diverged" if v is None else f"{100 * v:.1f}%"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="record the numbers in the lesson files")
    parser.add_argument("--lessons", default=ALL_LESSONS,
                        help="the lessons to measure (docs/benchmarks.md is written only when they are all measured)")
    report_file.add_no_write(parser)
    args = parser.parse_args()
    section = report_file.Report("journey", "The lessons, step by step")
    bundle = load_dataset(glob.glob(os.path.join(DIST, "data", "mnist.*.npz"))[0])
    full = load_dataset(find_mnist())
    from playwright.sync_api import sync_playwright

    process, base = start_server(DIST)
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            for name in args.lessons.split(","):
                path = os.path.join(LESSONS, f"{name}.json")
                with open(path) as f:
                    lesson = json.load(f)
                steps = lesson["steps"]
                here = [native(step_config(step, len(bundle)), bundle) for step in steps]
                for i, result in enumerate(here):
                    print(f"  native {name} step {i + 1}: {result}", flush=True)
                browser_results = in_browser(browser, base, name, steps)
                for i, step in enumerate(steps):
                    config = step_config(step, len(bundle))
                    extra = ""
                    if name == "journey" and config["train_size"] == len(bundle):
                        everything = native({**config, "train_size": len(full)}, full)
                        extra = f"{percent(everything['test_accuracy'])} in {everything['seconds']} s"
                    rows.append((name, i + 1, step["title"], here[i], browser_results[i], extra))
                    step["measured"] = {"browser": browser_results[i], "native": here[i]}
                if args.write:
                    with open(path, "w") as f:
                        f.write(compact(lesson) + "\n")
            browser.close()
    finally:
        process.terminate()
    default = native(validate_config(recipes_for(len(full))["default"], len(full)), full)

    section.say("\n| lesson | step | natively, the page's images | in the browser | natively, all 60,000 images |")
    section.say("|---|---|---|---|---|")
    for name, i, title, here, there, extra in rows:
        slow = "" if there["seconds"] <= BAR_SECONDS else " **over 60 s**"
        section.say(f"| {name} | {i}. {title} | {percent(here['test_accuracy'])} in {here['seconds']} s | "
                    f"{percent(there['test_accuracy'])} in {there['seconds']} s{slow} | {extra} |")
    section.say(f"\nThe default recipe in full natively (15 epochs, all 60,000 images): "
                f"{percent(default['test_accuracy'])} in {default['seconds']} s")
    how = (f"Every step of every shipped lesson, natively on the page's own {len(bundle):,} training images and in headless "
           "Chromium (the page opened at `#lesson=NAME`, *Run this step* pressed, timed to the end of the run, "
           "evaluations included; the bar: 60 s); the journey's steps that use every image the page has also "
           f"natively on all {len(full):,} MNIST images. `--write` records the numbers in the lesson files, whose text "
           "quotes them" + (" (this run recorded them)." if args.write else " (this run did not)."))
    baseline = "each step run natively on the same images (the first column) beside its run in the browser"
    section.finish(how, baseline, write=not args.no_write and args.lessons == ALL_LESSONS)


if __name__ == "__main__":
    main()
