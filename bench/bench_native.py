"""Native benchmark: accuracy of the recipes on the official MNIST test set, and
training throughput of the same `py/` code the browser runs.

Run with `python3 build.py bench` (or `.venv/bin/python bench/bench_native.py`).
It prints Markdown tables and writes them, with how they were measured, to its section of
docs/benchmarks.md ("native"; not with --quick or --no-write). Not collected by pytest:
accuracy and speed bars are measured here, never as timed unit tests.
"""

import argparse
import os
import platform
import time

# One BLAS thread, as the comparison with the browser assumes: the products here are small,
# and on a 2-core machine more threads only contend with each other.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import report_file  # noqa: E402  (bench/, this script's folder)

from scratchnet import (
    load_dataset,
    prepare_run,  # noqa: E402
)
from scratchnet.app.throughput import step_throughput  # noqa: E402
from scratchnet.cli import find_mnist  # noqa: E402
from scratchnet.training.settings import RECIPES, recipe  # noqa: E402
from scratchnet.training.setup import choose_products  # noqa: E402


def train_recipe(dataset, name, **overrides):
    """Trains recipe `name` on all 60k, set up as the CLI and the page set a run up;
    returns (test accuracy, seconds, epochs)."""
    run = prepare_run(recipe(name, **overrides), dataset)
    choose_products(run)
    started = time.perf_counter()
    for _ in run.trainer.events():
        pass
    return run.trainer.last_eval["accuracy"], time.perf_counter() - started, run.trainer.epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="throughput only, no full training runs "
                        "(docs/benchmarks.md is not written)")
    report_file.add_no_write(parser)
    args = parser.parse_args()
    section = report_file.Report("native", "Accuracy, natively")
    dataset = load_dataset(find_mnist())
    section.say(f"native NumPy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, "
                f"{os.cpu_count()} cores")

    rows = []
    for batch_size in (32, 128):
        result = step_throughput(dataset, batch_size)
        section.say(f"batch {batch_size}: products {result['products']}")
        rows.append(f"| {batch_size} | {result['samples_per_sec']:,.0f} | {result['step_ms']:.3f} ms "
                    f"| {result['matmul_ms']:.3f} ms | {result['overhead_ratio']:.2f} |")
    section.say("\n| batch | samples/s | step | its products alone | step / products |\n|---|---|---|---|---|")
    section.say("\n".join(rows))
    if args.quick:
        return
    section.say("\n| recipe | test accuracy (official 10k) | epochs | time |\n|---|---|---|---|")
    seconds_by_recipe = {}
    for name in RECIPES:
        accuracy, seconds, epochs = train_recipe(dataset, name)
        seconds_by_recipe[name] = seconds
        section.say(f"| {name} | {accuracy:.4f} | {epochs} | {seconds:.1f} s |")
    how = ("First the throughput of a training step of the `default` MLP at batch 32 and 128 (the same `py/` "
           "code the browser runs, one BLAS thread), with its matrix products timed alone; then every recipe "
           "trained on all 60,000 images, set up as the command line and the page set a run up (its own "
           "settings, seed 0), and evaluated on the official 10,000 test images.")
    baseline = (f"the `default` recipe, {seconds_by_recipe['default']:.1f} s of training, beside which the "
                f"table gives every recipe's time; and, for a training step, its matrix products alone "
                f"(the first table's last column)")
    section.finish(how, baseline, write=not args.no_write)


if __name__ == "__main__":
    main()
