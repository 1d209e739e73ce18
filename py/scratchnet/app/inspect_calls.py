"""The inspector's bridge calls: one example through the forward and backward pass, one update
on it, a gradient spot check, and the digits of a confusion-matrix cell. bridge.py adds `CALLS`
to its own; the work is done by teaching/inspector.py on the current Session."""

import numpy as np

from scratchnet.app.current import session
from scratchnet.teaching import inspector


def drawing(width, height, data):
    """A drawing's row-major uint8 grayscale (255 = ink) as a 2-D array in [0, 1]."""
    pixels = np.frombuffer(data, dtype=np.uint8)
    if pixels.size != int(width) * int(height):
        raise ValueError(f"drawing has {pixels.size} pixels, expected {width}x{height}")
    return pixels.reshape(int(height), int(width)) / 255


def _which(index, label, width, height, data):
    return {"index": index} if data is None else {"drawing": drawing(width, height, data), "label": label}


def inspect(index=None, label=None, width=0, height=0, data=None):
    """Every quantity of the forward and backward pass on one example: official test digit
    `index`, or a drawing (`data` as in classify) that the learner says is `label`."""
    return inspector.inspect(session(), **_which(index, label, width, height, data))


def inspect_update(index=None, label=None, width=0, height=0, data=None):
    """One SGD step on that example alone (on a copy): p of every class before and after."""
    return inspector.update(session(), **_which(index, label, width, height, data))


def spot_check(per_param=4, seed=0):
    """Analytic beside numerical gradients of sampled weights in every layer, on a mini-batch."""
    return inspector.spot_check(session(), per_param, seed)


def cell_examples(label, predicted, count):
    """The test digits of one confusion-matrix cell (the current model must be evaluated)."""
    return inspector.cell_examples(session(), int(label), int(predicted), count)


CALLS = {fn.__name__: fn for fn in (inspect, inspect_update, spot_check, cell_examples)}
