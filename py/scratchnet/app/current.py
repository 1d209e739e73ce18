"""The one Session the page works with: started by bridge.init(), read by every call module
(bridge.py, inspect_calls.py). A module of its own so that the call modules share it without
importing each other."""

_session = None


def session():
    """The current Session; RuntimeError before bridge.init()."""
    if _session is None:
        raise RuntimeError("bridge.init() must be called first")
    return _session


def start(new):
    """Makes `new` (a Session, or None) the current one; returns the one it replaces."""
    global _session
    old, _session = _session, new
    return old
