"""The 2-D playground's bridge calls (playground_*): its own points and run, apart from the
MNIST session. bridge.py adds `CALLS` to its own; answers carry a summary and a frame of the
decision boundary (see playground.py)."""

from scratchnet.teaching.playground import DEFAULTS, SCHEMA, Playground, check_resolution
from scratchnet.training.settings import ConfigError

_playground = None


def _pg():
    if _playground is None:
        raise RuntimeError("the playground has not been set up: call playground_new first")
    return _playground


def _drawn(resolution, points=False, **fields):
    """A playground answer: its summary and a frame at `resolution` (and its points, if asked)."""
    extra = {"points": _pg().point_arrays()} if points else {}
    return {**fields, **extra, "summary": _pg().summary(), "frame": _pg().frame(int(resolution))}


def playground_schema():
    """The playground's settings: {"schema", "defaults"}."""
    return {"schema": SCHEMA, "defaults": DEFAULTS}


def playground_new(settings, resolution=64):
    """New settings (new points if the data changed) and a fresh run, or {"ok": false, "errors"}."""
    global _playground
    check_resolution(resolution)  # before anything changes
    try:
        if _playground is None:
            _playground = Playground(settings)
        else:
            _playground.new(settings)
    except ConfigError as error:
        return {"ok": False, "errors": error.errors}
    return _drawn(resolution, points=True, ok=True)


def playground_reset(resolution=64):
    """Fresh untrained weights, same settings and points."""
    check_resolution(resolution)
    _pg().reset()
    return _drawn(resolution, ok=True)


def playground_place(points, resolution=64, clear=False):
    """Adds training points [[x1, x2, class], ...], all or none; with `clear`, removes the
    placed ones instead: {"ok", "error"?, "points", ...}."""
    check_resolution(resolution)
    try:
        _pg().clear_placed() if clear else _pg().place(points)
    except ValueError as error:
        return _drawn(resolution, points=True, ok=False, error=str(error))
    return _drawn(resolution, points=True, ok=True)


def playground_train(budget_ms, resolution=64):
    """Trains for about `budget_ms` ms (0: exactly one step), then a frame: {"steps", "frame", ...}."""
    check_resolution(resolution)
    steps = _pg().train(float(budget_ms)) if budget_ms else _pg().step()
    return _drawn(resolution, steps=steps)


CALLS = {fn.__name__: fn for fn in (
    playground_schema, playground_new, playground_reset, playground_place, playground_train)}
