"""The inspector's requests on a learner's session (session.Session), in plain Python:
which example (an official test digit by index, or a drawing with the label the learner
picks), its trace, one update on it, a spot check of the gradients, and the test
digits of one confusion-matrix cell. The bridge passes them on; pytest calls them as
they are.

The loss and the update rule are the learner's own while their code is in use (the run's
loss function, the session's `functions`), the learning rate the run's current one (the
model's setting when there is no run). Nothing here changes
the session: traces and updates run on a float64 twin of the network (trace.py).
"""

import numpy as np

from scratchnet.data.drawing import preprocess_drawing
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.nn.optimizers import sgd_step
from scratchnet.teaching import network_views, trace
from scratchnet.teaching import spot_check as spot_checks

SPOT_CHECK_BATCH = 32  # examples in the spot check's mini-batch (fewer if the run's batches are smaller)


def example(session, index=None, drawing=None, label=None):
    """(raw example, label, source) for an official test digit `index`, or for a `drawing`
    (2-D ink in [0, 1], any size) that the learner says is `label`."""
    if drawing is not None:
        if label is None:
            raise ValueError("say which digit the drawing is: a label from 0 to 9")
        return preprocess_drawing(drawing), label, {"kind": "drawing"}
    count = len(session.dataset.y_test)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ValueError(f"there is no test digit {index!r}: choose a whole number from 0 to {count - 1}")
    return session.dataset.x_test[index], int(session.dataset.y_test[index]), {"kind": "test", "index": index}


def learners(session, name, reference):
    """The learner's own version of exercise `name` while their code is in use (a session's
    `functions`, {exercise name: function}), else the reference."""
    return getattr(session, "functions", {}).get(name, reference)


def loss_function(session):
    if session.run:
        return session.run.trainer.loss_fn
    return learners(session, "softmax_cross_entropy", softmax_cross_entropy)


def learning_rate(session):
    return session.run.trainer.learning_rate() if session.run else session.network.config["learning_rate"]


def _about(session):
    return {"model_id": session.model_id, "step": session.run.trainer.step if session.run else None}


def inspect(session, **which):
    """trace.trace() of the chosen example, with its source, model id and run step."""
    image, label, source = example(session, **which)
    return {**trace.trace(session.network, image, label, loss_function(session)), "source": source,
            "learning_rate": learning_rate(session), **_about(session)}


def update(session, **which):
    """trace.apply_update() on the chosen example at the current learning rate."""
    image, label, source = example(session, **which)
    step_fn = learners(session, "sgd_step", sgd_step)
    return {**trace.apply_update(session.network, image, label, learning_rate(session), loss_function(session),
                                 step_fn), "source": source, **_about(session)}


def spot_check(session, per_param=4, seed=0):
    """spot_check.spot_check() of the current network on a mini-batch of training digits
    chosen by `seed` (the same seed, the same batch and entries)."""
    rng = np.random.default_rng(seed)
    size = min(SPOT_CHECK_BATCH, session.config["batch_size"], len(session.dataset))
    rows = np.sort(rng.choice(len(session.dataset), size=size, replace=False))
    result = spot_checks.spot_check(session.network, session.dataset.x_train[rows], session.dataset.y_train[rows],
                                  rng, per_param=int(per_param), loss_fn=loss_function(session))
    return {**result, **_about(session)}


def cell_examples(session, label, predicted, count):
    """The test digits of confusion-matrix cell (true `label`, said `predicted`) in the last
    evaluation: mistakes the most confident first, right answers the least sure first.
    {"label", "predicted", "total", "examples": [network_views.examples() items]}."""
    if session.last_eval is None:
        raise RuntimeError("the current model has not been evaluated yet")
    probabilities, labels = session.last_eval["probabilities"], session.dataset.y_test
    rows = np.flatnonzero((labels == label) & (probabilities.argmax(axis=1) == predicted))
    confidence = probabilities[rows, predicted]
    order = np.argsort(confidence if label == predicted else -confidence, kind="stable")
    shown = network_views.examples(probabilities, session.dataset.x_test, labels, rows[order][:int(count)])
    return {"label": int(label), "predicted": int(predicted), "total": int(len(rows)), "examples": shown,
            **_about(session)}
