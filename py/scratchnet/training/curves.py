"""Learning curves as plain data: one entry per finished epoch, as a model file's history
keeps them (so a model shows how it was trained) and the page draws them.

    {"epoch": [1, 2, ...], "train_loss": [...], "train_accuracy": [...],
     "test_loss": [... or None], "test_accuracy": [... or None]}

Training figures are the means over each epoch's batches; the test figures are None for an
epoch that was not evaluated (see the `eval_every` setting), and any figure that overflowed is None. `curves_from_epochs` makes them
from the trainer's "epoch" events; `valid_curves` checks curves read from a file, field by
field, and gives None for anything that is not exactly this shape.
"""

import math

MAX_POINTS = 500  # epochs kept: the longest run the settings allow
FIELDS = ("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy")
VALUES = FIELDS[1:]


def curves_from_epochs(events):
    """Curves from "epoch" events (the latest MAX_POINTS), or None when there are none."""
    epochs = [e for e in events if e["type"] == "epoch"][-MAX_POINTS:]
    if not epochs:
        return None

    def value(event, key):
        v = event.get(key) if event.get("evaluated") or not key.startswith("test") else None
        return None if v is None or not math.isfinite(v) else round(float(v), 6)

    curves = {key: [value(e, key) for e in epochs] for key in VALUES}
    return {"epoch": [int(e["epoch"]) for e in epochs], **curves}


def _finite(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def valid_curves(raw):
    """`raw` if it is curves of the shape above (epochs whole and increasing, losses at least 0,
    accuracies in [0, 1] or None, every list as long as the epochs), else None."""
    if not isinstance(raw, dict) or set(raw) != set(FIELDS):
        return None
    epochs = raw["epoch"]
    if (not isinstance(epochs, list) or not 1 <= len(epochs) <= MAX_POINTS
            or not all(_finite(e) and e == int(e) and e >= 1 for e in epochs)
            or any(b <= a for a, b in zip(epochs, epochs[1:]))):
        return None
    for key in VALUES:
        values = raw[key]
        if not isinstance(values, list) or len(values) != len(epochs):
            return None
        for v in values:
            if v is None:
                continue
            if not _finite(v) or v < 0 or (key.endswith("accuracy") and v > 1):
                return None
    return {"epoch": [int(e) for e in epochs], **{key: [None if v is None else float(v) for v in raw[key]]
                                                   for key in VALUES}}
