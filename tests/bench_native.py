"""Native benchmark: accuracy of the recipes on the official MNIST test set, and
training throughput of the same `py/` code the browser runs.

Run with `python3 build.py bench` (or `.venv/bin/python tests/bench_native.py`).
It prints a Markdown table for the README. Not collected by pytest: accuracy and
speed bars are measured here, never as timed unit tests.
"""

import argparse
import os
import platform
import time

import numpy as np

from scratchnet import kernels
from scratchnet.benchmark import step_throughput
from scratchnet.cli import find_mnist
from scratchnet.config import recipe
from scratchnet.data import input_statistics, load_mnist
from scratchnet.model import Network
from scratchnet.trainer import Trainer


def train_recipe(mnist, name, **overrides):
    """Trains recipe `name` on all 60k; returns (test accuracy, seconds, epochs)."""
    config = recipe(name, **overrides)
    rng = np.random.default_rng(config["seed"])
    mean, std = input_statistics(mnist["x_train"]) if config["input_scaling"] == "standardize" else (0.0, 1.0)
    network = Network.build(config, rng, mean, std)
    trainer = Trainer(network, config, network.normalize(mnist["x_train"]), mnist["y_train"].astype(np.int64),
                      network.normalize(mnist["x_test"]), mnist["y_test"].astype(np.int64), rng)
    started = time.perf_counter()
    for _ in trainer.events():
        pass
    return trainer.last_eval["accuracy"], time.perf_counter() - started, trainer.epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="throughput only, no full training runs")
    args = parser.parse_args()
    mnist = load_mnist(find_mnist())
    print(f"native NumPy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores")

    timings = kernels.choose(batch_size=32)
    for op, candidates in timings.items():
        print(f"{op}: {kernels.active()[op]} chosen by measurement "
              f"({', '.join(f'{k} {v * 1e6:.0f} us' for k, v in candidates.items())})")
    x = Network.build(recipe("default"), np.random.default_rng(0)).normalize(mnist["x_train"][:6400])
    y = mnist["y_train"][:6400].astype(np.int64)
    print("\n| batch | samples/s | step time / matmul time |\n|---|---|---|")
    for batch_size in (32, 128):
        result = step_throughput(x, y, batch_size)
        print(f"| {batch_size} | {result['samples_per_sec']:,.0f} | {result['overhead_ratio']:.2f} |")
    if args.quick:
        return
    print("\n| recipe | test accuracy (official 10k) | epochs | time |\n|---|---|---|---|")
    for name in ("default", "seed", "wide"):
        accuracy, seconds, epochs = train_recipe(mnist, name)
        print(f"| {name} | {accuracy:.4f} | {epochs} | {seconds:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
