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

from scratchnet.data.datasets import Dataset
from scratchnet.nn.products import describe
from scratchnet.teaching import learner_code
from scratchnet.training.settings import recipe
from scratchnet.training.setup import choose_products, prepare_run


def _repeat_for(seconds, fn):
    """Calls fn() until `seconds` have passed (at least 3 times); returns seconds per call."""
    calls, started = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - started < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - started) / calls


def benchmark_run(dataset, batch_size, config=None, batches=64):
    """The run step_throughput times: `config` (default: the default recipe) on the first
    `batches` batches of `dataset`'s training examples (its trainer's x_train and y_train are
    the normalised examples it trains on)."""
    count = min(len(dataset), batches * batch_size)
    subset = Dataset(dataset.name, dataset.x_train[:count], dataset.y_train[:count],
                     dataset.x_test[:10], dataset.y_test[:10], dataset.num_classes)
    config = {**(config or recipe("default")), "batch_size": batch_size, "train_size": count}
    return prepare_run(config, subset)


def step_throughput(dataset, batch_size, seconds=2.0, config=None, batches=64, functions=None):
    """Times training steps of `config` (default: the default recipe) at `batch_size` on the
    first `batches` batches of `dataset`'s training examples, with the products chosen as a
    real run chooses them; then the products of such a step alone, on a real batch, so that
    "overhead_ratio" is the step's time over its products' time.

    `functions`: the learner's versions of exercises (see learner_code.py) to train with.
    Returns {"batch_size", "samples_per_sec", "step_ms", "matmul_ms", "overhead_ratio", "products"}.
    """
    run = benchmark_run(dataset, batch_size, config, batches)
    choose_products(run)
    if functions:
        learner_code.use(run.network, run.trainer, functions, run.trainer.x_train[:batch_size])
    trainer, network = run.trainer, run.network
    x, y = trainer.x_train, trainer.y_train
    count = len(x) // batch_size
    position = [0]

    def one_step():
        i = position[0] % count
        position[0] += 1
        trainer.train_step(x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size])

    for _ in range(3):  # warm up (allocations, optimiser state)
        one_step()
    step_time = _repeat_for(seconds, one_step)

    # The products one step computes, alone: every dense layer's forward and backward on
    # its real input (from a forward pass of a real batch), as the chosen formulations do them.
    work, dense = [], network.dense_layers()
    rng = np.random.default_rng(0)
    for layer, a in zip(network.layers, network.forward(x[:batch_size], keep=True)):
        if layer in dense:
            W, b = layer.params["W"], layer.params["b"]
            dz = rng.standard_normal((batch_size, W.shape[1])).astype(W.dtype)
            work.append((layer.products, a, W, b, dz, layer is not network.layers[0]))

    def products_alone():
        for products, a, W, b, dz, need_dx in work:
            _, cache = products.forward(a, W, b)
            products.backward(dz, cache, W, need_dx)

    matmul_time = _repeat_for(seconds / 2, products_alone)
    return {
        "batch_size": batch_size, "samples_per_sec": batch_size / step_time,
        "step_ms": step_time * 1000, "matmul_ms": matmul_time * 1000,
        "overhead_ratio": step_time / matmul_time, "products": describe(network),
    }
