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

# One BLAS thread, as the comparison with the browser assumes: the products here are small,
# and on a 2-core machine more threads only contend with each other.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

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

    x_raw = mnist["x_train"][:8192]
    x = Network.build(recipe("default"), np.random.default_rng(0), *input_statistics(x_raw)).normalize(x_raw)
    y = mnist["y_train"][:8192].astype(np.int64)
    rows = []
    for batch_size in (32, 128):
        timings = kernels.choose(batch_size, inputs=x)
        for op, candidates in timings.items():
            print(f"batch {batch_size}, {op}: {kernels.active()[op]} chosen "
                  f"({', '.join(f'{k} {v * 1e6:.0f} us' for k, v in candidates.items())})")
        result = step_throughput(x, y, batch_size)
        rows.append(f"| {batch_size} | {result['samples_per_sec']:,.0f} | {result['step_ms']:.3f} ms "
                    f"| {result['matmul_ms']:.3f} ms | {result['overhead_ratio']:.2f} |")
    print("\n| batch | samples/s | step | its products alone | step / products |\n|---|---|---|---|---|")
    print("\n".join(rows))
    if args.quick:
        return
    print("\n| recipe | test accuracy (official 10k) | epochs | time |\n|---|---|---|---|")
    for name in ("default", "seed", "wide"):
        accuracy, seconds, epochs = train_recipe(mnist, name)
        print(f"| {name} | {accuracy:.4f} | {epochs} | {seconds:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
