"""Data-parallel training in the page (training/shards.py): the main worker owns the run, and
helper workers compute shards of its batches.

The page relays between them. A step of k workers:
  1. the main worker's trainer cuts the batch into k shards and pauses with a "shards" request:
     each helper's job (its rows, already augmented, and the current weights, packed into one
     float32 array) goes back to the page (shard_train);
  2. the page hands each helper its job (shard_gradients here) and calls the main worker again,
     which computes shard 0 and pauses with "shards-wait";
  3. the page sends the helpers' gradients back in shard order; the main worker sums them and
     applies the update, exactly as one worker does (Trainer.apply_gradients).
If a helper fails, the page asks the main worker to compute that step's remaining shards itself
(`local`): the step is finished with nothing lost, and the run can go on with fewer workers.

`workers_for` turns the `workers` setting into a number of workers.
"""

import json
import time

import numpy as np

from scratchnet.app import current
from scratchnet.app.session import NoRunError
from scratchnet.model.network import Network
from scratchnet.nn import products
from scratchnet.nn.layers import PLAIN
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.training import shards
from scratchnet.training.events import summarise
from scratchnet.training.shards import shard_gradients

AUTO_MOST = 4  # auto uses at most this many workers: beyond it a step's round trips cost more than they save
# auto keeps one worker for steps smaller than this many multiply-adds (batch x one example's forward
# pass), where a round trip to a helper costs about as much as the work it takes away (bench_workers.py).
AUTO_MIN_STEP = 2e7
PAUSES = ("shards", "shards-wait")  # events on which the main worker's chunk stops for the page


def workers_for(setting, cores, trainer, code_in_use=False):
    """How many workers train: the setting's number, or for auto the cores less one for the page
    (at most AUTO_MOST), and one where sharing does not pay or cannot be done (the learner's own
    code runs only in the main worker)."""
    if code_in_use:
        return 1
    if setting != "auto":
        return max(1, int(setting))
    step = trainer.batch_size * trainer.network.flops_per_example()
    if step < AUTO_MIN_STEP or trainer.batch_size < 8:
        return 1
    return max(1, min(AUTO_MOST, int(cores) - 1))


class Remote:
    """A trainer's compute_shards when the shards after the first are computed by helpers."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.results = None  # [(grads, loss, correct)] of shards 1.. once the page sends them
        self.local = False   # compute this step's other shards here (a helper failed, or k went back to 1)
        self.in_step = False
        self.seconds = 0.0   # wall time of finished steps, waiting for helpers included

    def __call__(self, jobs):
        trainer, started = self.trainer, time.perf_counter()
        network = trainer.network
        self.results, self.in_step = None, True
        if not self.local:
            weights = shards.flatten(network.state(), list(network.state()))
            yield {"type": "shards", "jobs": [pack(job, weights) for job in jobs[1:]], "setup": setup(trainer)}
        own = yield from shard_gradients(network, loss_fn=trainer.loss_fn, **jobs[0])
        while self.results is None and not self.local:
            yield {"type": "shards-wait"}
        if self.results is not None:
            rest = self.results
        else:
            rest = []
            for job in jobs[1:]:
                rest.append((yield from shard_gradients(network, loss_fn=trainer.loss_fn, **job)))
        self.in_step = self.local = False  # `local` was for this step only
        self.seconds += time.perf_counter() - started
        return [own, *rest]

    def receive(self, data, results):
        """The helpers' answers: `data` their flat gradients one after another (float32 bytes),
        `results` [{"loss", "correct"}] of each, in shard order."""
        flat, like = np.frombuffer(data, dtype=np.float32), self.trainer.network.state()
        size = sum(value.size for value in like.values())
        if len(flat) != size * len(results):
            raise ValueError(f"expected the gradients of {len(results)} shards, got {len(flat)} numbers")
        self.results = [(shards.unflatten(flat[i * size:(i + 1) * size], like), float(r["loss"]), int(r["correct"]))
                        for i, r in enumerate(results)]

    def take_seconds(self):
        seconds, self.seconds = self.seconds, 0.0
        return seconds


def attach(trainer, k):
    """Makes `trainer` share its steps with k - 1 helpers from its next step on (k = 1: none);
    returns its Remote. A step under way finishes with the workers it started with."""
    remote = getattr(trainer, "remote", None)
    if remote is None:
        remote = trainer.remote = Remote(trainer)
        trainer.compute_shards = remote
    trainer.shards = k  # read when a step starts: one under way keeps the workers it started with
    return remote


def plain(trainer):
    """Back to one worker: a step under way finishes here, and the steps after are one worker's."""
    remote = getattr(trainer, "remote", None)
    if remote is not None:
        remote.local = remote.in_step
        trainer.shards = 1


def setup(trainer):
    """What a helper needs to build the same network: settings, shapes, each dense layer's products."""
    network = trainer.network
    return {"config": network.config, "sample_shape": list(network.sample_shape), "num_classes": network.num_classes,
            "products": products.describe(network)}


def pack(job, weights):
    """A helper's job: its numbers as JSON, and weights, inputs and labels as one float32 array."""
    x, y = job["x"], job["y"]
    return {"N": job["N"], "start": job["start"], "rows": len(y), "micro_batch": job["micro_batch"],
            "dropout_state": json.dumps(job["dropout_state"]),  # 128-bit integers: not JSON numbers for the page
            "data": np.concatenate([weights, x.astype(np.float32).ravel(), y.astype(np.float32)])}


# --- the helper's calls ----------------------------------------------------------------------

_helper = {"setup": None, "network": None}


def shard_setup(setup):
    """Builds the network the main worker trains (its weights arrive with each job)."""
    network = Network.build(setup["config"], np.random.default_rng(0), 0.0, 1.0, setup["sample_shape"],
                            setup["num_classes"], dropout_rng=np.random.default_rng(0))
    options = products.formulations(PLAIN)
    for layer in network.dense_layers():
        layer.products = options[setup["products"].get(layer.name, PLAIN.name)]
    _helper.update(setup=setup, network=network)
    return {"ok": True, "parameters": sum(value.size for value in network.state().values())}


def shard_gradients_of(N, start, rows, micro_batch, dropout_state, data):
    """One shard's gradients: {"grads" (float32, the network's parameters in order), "loss", "correct",
    "seconds" (the time it took here)}."""
    started, network = time.perf_counter(), _helper["network"]
    if network is None:
        raise RuntimeError("shard_setup must come first")
    like = network.state()
    size = sum(value.size for value in like.values())
    flat = np.frombuffer(data, dtype=np.float32)
    inputs = int(np.prod(network.input_shape))
    if len(flat) != size + rows * (inputs + 1):
        raise ValueError("the job's numbers do not fit the network")
    network.load_state(shards.unflatten(flat[:size], like))
    x = flat[size:size + rows * inputs].reshape(rows, *network.input_shape)
    y = flat[size + rows * inputs:].astype(np.int64)
    state = json.loads(dropout_state)
    pieces = shard_gradients(network, x, y, int(N), int(start), int(micro_batch), softmax_cross_entropy, state)
    while True:
        try:
            next(pieces)
        except StopIteration as done:
            grads, loss, correct = done.value
            break
    return {"grads": shards.flatten(grads, list(like)), "loss": float(loss), "correct": int(correct),
            "seconds": time.perf_counter() - started}


def shard_train(budget_ms, workers, cores, helpers, local=False, results=None, data=None):
    """bridge.train() shared with helper workers: `workers` the setting, `cores` the
    browser's count, `helpers` how many helpers the page has ready. {"events", "finished",
    "wanted" (how many workers the setting asks for), "workers" (how many train now), "pause" (None,
    "shards" with "jobs" and "setup" for the helpers, or "wait"), and "model" or "run"}. `data` and
    `results` bring the helpers' gradients; `local` has this worker compute the step's other shards."""
    s = current.session()
    if s.run is None:
        raise NoRunError("There is no training run for this model: press Train to start one.")
    trainer = s.run.trainer
    wanted = workers_for(workers, cores, trainer, code_in_use=bool(s.code))
    remote = attach(trainer, min(wanted, int(helpers) + 1))
    if data is not None:
        remote.receive(data, results or [])
    if local:
        remote.local = True
    events, finished, seconds = s.train(float(budget_ms))
    pause, extra = s.paused, {}
    if pause is not None and pause["type"] == "shards":
        extra = {"jobs": pause["jobs"], "setup": pause["setup"]}
    shared = remote.take_seconds()  # steps shared with helpers: their wall time, waits included
    fields = {"events": summarise(events, shared or seconds), "finished": finished, "wanted": wanted,
              "workers": trainer.shards, "pause": None if pause is None else "shards" if pause["type"] == "shards" else "wait"}
    if pause is not None:  # mid-chunk: the run's position only (the summary comes at the chunk's end)
        return {**fields, **extra, "run": {"finished": trainer.finished, "step": trainer.step,
                                           "diverged": trainer.diverged is not None}}
    return current.training_reply(**fields)


CALLS = {"shard_train": shard_train, "shard_setup": shard_setup, "shard_gradients": shard_gradients_of}
