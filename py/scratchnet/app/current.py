"""The one Session the page works with, and what the page was last told of it: started by
bridge.init(), read by every call module (bridge.py, inspect_calls.py, shard_calls.py...). A
module of its own so that the call modules share it without importing each other."""

_session = None
_shown = None  # the model summary, less its run's position, in the last training answer that carried it


def session():
    """The current Session; RuntimeError before bridge.init()."""
    if _session is None:
        raise RuntimeError("bridge.init() must be called first")
    return _session


def start(new):
    """Makes `new` (a Session, or None) the current one; returns the one it replaces."""
    global _session, _shown
    old, _session, _shown = _session, new, None
    return old


def model_reply(**fields):
    """An answer that carries the whole model summary."""
    return {**fields, "model": session().summary()}


def training_reply(**fields):
    """A training answer: the run's position ({"step", "finished", "diverged"}) always, and the whole
    model summary (the coach's findings in it) only when something else in it changed since the
    last training answer, so that most chunks come back small and the page re-renders only what moved."""
    global _shown
    summary = session().summary()
    rest = {key: value for key, value in summary.items() if key != "run"}
    if rest == _shown:
        return {**fields, "run": summary["run"]}
    _shown = rest
    return {**fields, "model": summary}
