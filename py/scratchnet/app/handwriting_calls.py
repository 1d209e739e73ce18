"""The bridge calls of "Teach it my handwriting": the learner's own digits written to and read from a
file, and the current model fine-tuned on them (training/fine_tune.py). bridge.py adds `CALLS` to
its own.

Fine-tuning takes a few seconds, so it comes in pieces like training: fine_tune_start() sets it up,
fine_tune_continue(budget_ms) advances it for about that long (a drawing or another call is
answered between pieces), and fine_tune_finish() makes the result the current model (a new model
id, so every view refreshes). The learner's digits travel as one binary argument: N images of
28x28 uint8 pixels (255 = ink, as drawings are preprocessed), one after the other, with `labels`.
"""

import time

import numpy as np

from scratchnet.app.current import session
from scratchnet.files.my_digits import MyDigitsError, check, digits_bytes, read_digits
from scratchnet.training.fine_tune import FineTune, accuracy_on
from scratchnet.training.metrics import evaluation_chunks
from scratchnet.training.trainer import evaluation_rows

_job = None  # the fine-tuning under way: {"model_id", "work" (a generator), "tune", "result"}


def _digits(labels, data):
    """(images uint8 (N, 28, 28), labels) from the call's arguments; raises MyDigitsError."""
    pixels = np.frombuffer(bytes(data or b""), dtype=np.uint8)
    if pixels.size != 28 * 28 * len(labels):
        raise MyDigitsError(f"{pixels.size} pixels do not make {len(labels)} digits of 28x28")
    return check(pixels.reshape(len(labels), 28, 28), np.asarray(labels, dtype=np.int64))


def my_digits_file(labels, data=None):
    """The learner's digits as .npz file bytes (see files/my_digits.py)."""
    return digits_bytes(*_digits(labels, data))


def read_my_digits(data):
    """A file of digits, checked: {"ok": true, "images" uint8 (N, 28, 28), "labels"} or
    {"ok": false, "error"} in plain words."""
    try:
        images, labels = read_digits(data)
    except MyDigitsError as error:
        return {"ok": False, "error": f"That file of digits cannot be used: {error}"}
    return {"ok": True, "images": images, "labels": [int(label) for label in labels]}


def _work(s, tune, x, y):
    """Before, the fine-tuning, after: yields between pieces; returns the result."""
    mine_before = accuracy_on(s.network, x, y)
    test_before = s.last_eval["accuracy"] if s.last_eval else None
    yield from tune.steps()
    mine_after = accuracy_on(tune.network, x, y)
    network = tune.network
    evaluation = yield from evaluation_chunks(network, s.dataset.x_test, s.dataset.y_test,
                                              evaluation_rows(network), prepare=network.normalize)
    return {"count": len(y), "steps": tune.total_steps, "mine_before": mine_before, "mine_after": mine_after,
            "test_before": test_before, "test_after": evaluation["accuracy"], "evaluation": evaluation}


def fine_tune_start(labels, data=None, seed=None):
    """Sets up fine-tuning of the current model on the learner's digits: {"ok": true, "count",
    "steps"}, or {"ok": false, "error", "model"} with nothing started. `seed` (an int) makes it
    repeatable."""
    global _job
    _job = None
    s = session()
    try:
        images, y = _digits(labels, data)
        tune = FineTune(s.network, images / np.float32(255), y, s.dataset.x_train, s.dataset.y_train,
                        np.random.default_rng(None if seed is None else int(seed)), fastest=not s.functions)
    except (MyDigitsError, ValueError) as error:
        return {"ok": False, "error": str(error), "model": s.summary()}
    _job = {"model_id": s.model_id, "tune": tune, "work": _work(s, tune, images / np.float32(255), y), "result": None}
    return {"ok": True, "count": len(y), "steps": tune.total_steps}


def fine_tune_continue(budget_ms=80):
    """Advances the fine-tuning for about `budget_ms`: {"done": false, "step", "steps"}, then
    {"done": true, "mine_before", "mine_after", "test_before" (null when the model had not been
    evaluated), "test_after"}; {"done": true, "error"} if the model changed in the meantime."""
    if _job is None:
        raise RuntimeError("no fine-tuning was started (fine_tune_start)")
    if session().model_id != _job["model_id"]:
        return {"done": True, "error": "The model changed while it was being fine-tuned: nothing was changed."}
    if _job["result"] is None:
        deadline = time.perf_counter() + float(budget_ms) / 1000
        try:
            while time.perf_counter() < deadline:
                next(_job["work"])
        except StopIteration as done:
            _job["result"] = done.value
        else:
            tune = _job["tune"]
            return {"done": False, "step": tune.step, "steps": tune.total_steps}
    return {"done": True, **{k: v for k, v in _job["result"].items() if k != "evaluation"}}


def fine_tune_finish():
    """Makes the finished fine-tuning's network the current model ("fine-tuned", a new model id,
    already evaluated): {"ok", "model"} or {"ok": false, "error"}."""
    global _job
    job, _job = _job, None
    s = session()
    if job is None or job["result"] is None or s.model_id != job["model_id"]:
        return {"ok": False, "error": "There is no finished fine-tuning of the current model.", "model": s.summary()}
    network, result = job["tune"].network, job["result"]
    network.history = {"epochs_trained": s.summary()["epochs_trained"], "test_accuracy": result["test_after"]}
    s.use_model(network, "fine-tuned")
    s.last_eval = result["evaluation"]
    return {"ok": True, "model": s.summary()}


CALLS = {fn.__name__: fn for fn in (my_digits_file, read_my_digits, fine_tune_start, fine_tune_continue,
                                    fine_tune_finish)}
