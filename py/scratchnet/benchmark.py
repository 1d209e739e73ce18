"""Timing training steps, the same way natively and in the browser.

`step_throughput` times whole training steps (forward, loss, backward, clipping,
weight decay, optimiser update) of the default MLP at one batch size, and then
the matrix products of such a step alone, so that the overhead around the
products can be seen: a step that takes 1.2x its products spends a sixth of
its time outside them. Used by the native benchmark and, through the bridge, by
the browser benchmark.
"""

import time

import numpy as np

from . import kernels
from .config import recipe
from .model import Network
from .trainer import Trainer


def _repeat_for(seconds, fn):
    """Calls fn() until `seconds` have passed (at least 3 times); returns seconds per call."""
    calls, started = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - started < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - started) / calls


def step_throughput(x, y, batch_size, seconds=2.0, config=None):
    """Times training steps on normalised inputs x (N, 784) with labels y (N,).

    The products are timed with the formulations in use (see kernels.py), on the
    same real batch, so "overhead_ratio" is the step's time over its products' time.
    Returns {"batch_size", "samples_per_sec", "step_ms", "matmul_ms", "overhead_ratio", "kernel"}.
    """
    config = config or recipe("default", batch_size=batch_size)
    rng = np.random.default_rng(0)
    network = Network.build(config, rng)
    trainer = Trainer(network, config, x, y, x[:10], y[:10], rng)
    count = len(x) // batch_size
    batches = [(x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size])
               for i in range(count)]
    position = [0]

    def one_step():
        xb, yb = batches[position[0] % count]
        position[0] += 1
        trainer.train_step(xb, yb)

    for _ in range(3):  # warm up (allocations, optimiser state)
        one_step()
    step_time = _repeat_for(seconds, one_step)

    # The products one step computes, alone, on a real batch: forward x W, weight
    # gradient x^T dz, and the input gradient dz W^T of every layer but the first.
    products = []
    inputs = [batches[0][0]] + [rng.random((batch_size, layer.params["W"].shape[0]), x.dtype)
                                for layer in network.dense_layers()[1:]]
    for i, (layer, a) in enumerate(zip(network.dense_layers(), inputs)):
        W = layer.params["W"]
        dz = rng.standard_normal((batch_size, W.shape[1])).astype(W.dtype)
        products.append(("forward", a, W))
        products.append(("weight_grad", a, dz))
        if i > 0:
            products.append(("input_grad", dz, W))
    functions = {"forward": kernels.linear, "weight_grad": kernels.weight_grad,
                 "input_grad": kernels.input_grad}
    matmul_time = _repeat_for(seconds / 2, lambda: [functions[op](a, b) for op, a, b in products])
    return {
        "batch_size": batch_size, "samples_per_sec": batch_size / step_time,
        "step_ms": step_time * 1000, "matmul_ms": matmul_time * 1000,
        "overhead_ratio": step_time / matmul_time, "kernel": kernels.active(),
    }
