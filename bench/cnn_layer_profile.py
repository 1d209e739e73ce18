"""Where a training step of the `cnn` recipe spends its time, layer by layer (used by bench_cnn.py).

Plain scratchnet + NumPy, so that the same source runs natively (imported) and inside the page's
Pyodide worker (bench_cnn.py sends this file's text to `pyodide.runPython` and calls
`profile_layers` on the bridge's dataset). It trains the run that bridge.benchmark(batch,
recipe="cnn") trains (the same images and products), with a clock around each layer's forward and
backward, the loss and the optimiser's update, inside real training steps (Trainer.train_step),
so the parts add up to the step; what is left (gradient norms, the health statistics every few
steps, accuracy counting, the loop) is "other". Per-step milliseconds, medians of `rounds` rounds
of `seconds` each. Before that, without the clocks, it times the network's forward in evaluation
mode on `eval_images` official test images, in the trainer's evaluation chunks, as the page
evaluates after each epoch.

instrument_page() and page_figures(), run in the page's own worker around its training, say
where the worker's time went: each bridge call by name, and inside the training calls the steps
and the evaluations after each epoch.
"""

import statistics
import time

from scratchnet.app.throughput import benchmark_run
from scratchnet.training.settings import recipe
from scratchnet.training.setup import choose_products


def _labels(layers):
    """conv1, pool1, relu1, conv2, ...: the layers' names, numbered when a name repeats."""
    labels, seen = [], {}
    for layer in layers:
        base = layer.name.rstrip("0123456789") or layer.name
        seen[base] = seen.get(base, 0) + 1
        labels.append(layer.name if layer.name != base else f"{base}{seen[base]}")
    return labels


def _counted(fn, stats, key):
    """fn, adding one call and its seconds to stats[key] = [calls, seconds]."""
    clock = time.perf_counter

    def wrapper(*args, **kwargs):
        started = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            entry = stats.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += clock() - started
    return wrapper


def profile_layers(dataset, batch_size=16, seconds=2.0, rounds=3, eval_images=1000):
    """{"parts": [{"name", "kind", "forward_ms", "backward_ms"}] (layers, then loss and update),
    "step_ms", "other_ms", "steps", "batch_size", "formulations", "eval_ms_per_image"}."""
    config = recipe("cnn", len(dataset), batch_size=batch_size)
    run = benchmark_run(dataset, batch_size, config)
    choose_products(run)
    network, trainer = run.network, run.trainer
    x_eval, rows = network.normalize(dataset.x_test[:eval_images]), trainer.eval_rows
    network.forward(x_eval[:rows])  # warm up
    started = time.perf_counter()
    for i in range(0, len(x_eval), rows):
        network.forward(x_eval[i:i + rows])
    eval_ms_per_image = 1000 * (time.perf_counter() - started) / len(x_eval)
    names = _labels(network.layers)
    totals = {}
    for name, layer in zip(names, network.layers):  # instance attributes: Network calls these
        layer.forward = _counted(layer.forward, totals, (name, "forward"))
        layer.backward = _counted(layer.backward, totals, (name, "backward"))
    trainer.loss_fn = _counted(trainer.loss_fn, totals, ("loss", "forward"))
    trainer.optimizer.step = _counted(trainer.optimizer.step, totals, ("update", "forward"))
    xs, ys = trainer.x_train, trainer.y_train
    count = len(xs) // batch_size

    def step(i):
        i %= count
        trainer.train_step(xs[i * batch_size:(i + 1) * batch_size], ys[i * batch_size:(i + 1) * batch_size])

    for i in range(3):  # warm up: allocations, the optimiser's state
        step(i)
    per_round, position = [], 3
    for _ in range(rounds):
        totals.clear()
        steps, started = 0, time.perf_counter()
        while steps < 5 or time.perf_counter() - started < seconds:
            step(position)
            position += 1
            steps += 1
        elapsed = time.perf_counter() - started
        per_round.append(({k: 1000 * spent / steps for k, (_, spent) in totals.items()}, 1000 * elapsed / steps, steps))
    median = lambda key: statistics.median(r[0].get(key, 0.0) for r in per_round)
    kinds = [(name, type(layer).__name__) for name, layer in zip(names, network.layers)]
    parts = [{"name": name, "kind": kind, "forward_ms": median((name, "forward")),
              "backward_ms": median((name, "backward"))}
             for name, kind in kinds + [("loss", "softmax cross-entropy"),
                                        ("update", type(trainer.optimizer).__name__)]]
    step_ms = statistics.median(r[1] for r in per_round)
    return {
        "batch_size": batch_size, "parts": parts, "step_ms": step_ms, "steps": sum(r[2] for r in per_round),
        "other_ms": step_ms - sum(p["forward_ms"] + p["backward_ms"] for p in parts),
        "eval_ms_per_image": eval_ms_per_image,
        "formulations": {layer.name: layer.formulation for layer in network.layers if hasattr(layer, "formulation")},
    }


# --- the page's own training, instrumented ------------------------------------------------------

def _running_time(generator_function, stats, key):
    """generator_function, counting only the time its generator runs (not while it is suspended,
    e.g. between the page's chunks), and how many times it finished."""
    clock = time.perf_counter

    def wrapper(*args, **kwargs):
        generator, value = generator_function(*args, **kwargs), None
        while True:
            started = clock()
            try:
                item = generator.send(value)
            except StopIteration as done:
                entry = stats.setdefault(key, [0, 0.0])
                entry[0] += 1
                entry[1] += clock() - started
                return done.value
            stats.setdefault(key, [0, 0.0])[1] += clock() - started
            value = yield item
    return wrapper


def instrument_page():
    """In the page's worker: times every bridge call by name and, inside the training calls, the
    trainer's steps and end-of-epoch evaluations. The figures are kept in the module
    `bench_cnn_probe` (sys.modules) for page_figures()."""
    import sys
    import types

    from scratchnet.app import bridge
    from scratchnet.training.trainer import Trainer

    probe = sys.modules.setdefault("bench_cnn_probe", types.ModuleType("bench_cnn_probe"))
    if getattr(probe, "stats", None) is not None:
        return "instrumented already"
    probe.stats = stats = {}
    for name, fn in list(bridge.CALLS.items()):
        bridge.CALLS[name] = _counted(fn, stats, f"call {name}")
    Trainer.batch_events = _running_time(Trainer.batch_events, stats, "steps")
    Trainer.end_epoch = _running_time(Trainer.end_epoch, stats, "evaluations")
    return "instrumented"


def page_figures():
    """{key: [count, seconds]} since instrument_page(), then zeroed."""
    import sys

    probe = sys.modules["bench_cnn_probe"]
    stats = {key: list(value) for key, value in probe.stats.items()}
    probe.stats.clear()
    return stats
