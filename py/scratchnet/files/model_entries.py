"""The small entries of a model file, read strictly: text of bounded length and nesting, single
finite numbers, and the training history (checked leniently: a field that does not parse or is
out of range is dropped). Every failure is a ModelFileError with a plain reason of bounded length.
See modelfile.py for the file's layout."""

import json
import math

import numpy as np

from scratchnet.model.architecture import MAX_SPECS
from scratchnet.training.curves import MAX_POINTS, valid_curves
from scratchnet.training.settings import FIELDS

MAX_JSON_DEPTH = 4          # the settings need 2 levels (an object holding a list)
MAX_MESSAGE_CHARS = 400
MAX_EPOCHS_TRAINED = 100 * FIELDS["epochs"]["max"]  # a run can be resumed, but not for ever
NOT_JSON = object()


class ModelFileError(ValueError):
    """A model file that cannot be used, with the reason in plain words (at most a few lines)."""

    def __init__(self, message):
        message = str(message)
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(message)


def _longest_config_json():
    """The length of the longest JSON text a valid config can be: every setting at its widest."""
    widest = {}
    for field in FIELDS.values():
        if field["type"] == "choice":
            widest[field["name"]] = max(field["choices"], key=len)
        elif field["type"] == "int_list":
            widest[field["name"]] = [field["max"]] * field["max_items"]
        elif field["type"] == "int":
            widest[field["name"]] = field["max"]
        elif field["type"] == "layers":
            widest[field["name"]] = ",".join(["dropout:0.123457"] * MAX_SPECS)
        else:
            widest[field["name"]] = -2.2250738585072014e-308  # as long as a float's repr gets
    return len(json.dumps(widest))


MAX_TEXT_CHARS = 2 * _longest_config_json()  # twice the longest valid settings: under 1,000
# The history holds up to MAX_POINTS epochs of five curves, each number at most ~12 characters.
MAX_HISTORY_CHARS = 1000 + 5 * 14 * MAX_POINTS


def text_entry(arrays, key, limit=MAX_TEXT_CHARS):
    if key not in arrays:
        raise ModelFileError(f"the file has no '{key}' entry")
    value = arrays[key]
    if not isinstance(value, np.ndarray) or value.shape != () or value.dtype.kind != "U":
        raise ModelFileError(f"'{key}' must be a single piece of text")
    if value.dtype.itemsize > 4 * limit:
        raise ModelFileError(f"'{key}' is {value.dtype.itemsize // 4} characters long; "
                             f"at most {limit} are allowed")
    codes = np.frombuffer(value.astype(value.dtype.newbyteorder("<")).tobytes(), "<u4")
    if np.any((codes > 0x10FFFF) | ((codes >= 0xD800) & (codes <= 0xDFFF))):  # NumPy does not check
        raise ModelFileError(f"'{key}' holds codes that are not characters (it is not valid text)")
    return str(value)


def check_depth(text, key):
    """A cheap scan before json.loads, which recurses once per level of nesting: thousands of
    '[' would overflow Python's stack (or Pyodide's, which is smaller)."""
    depth, deepest, in_string, escaped = 0, 0, False, False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    if deepest > MAX_JSON_DEPTH:
        raise ModelFileError(f"'{key}' is nested {deepest} levels deep; at most {MAX_JSON_DEPTH} are allowed")
    return text


def parse_json(text):
    """json.loads of checked text; NOT_JSON when it does not parse (a ValueError: bad JSON, or
    a number of thousands of digits)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON


def number_entry(arrays, key):
    value = arrays.get(key)
    if (not isinstance(value, np.ndarray) or value.shape != () or value.dtype.kind not in "fiu"
            or not np.isfinite(value)):
        raise ModelFileError(f"'{key}' must be a single finite number")
    return float(value)


def read_history(arrays):
    """The valid fields of the file's training history; invalid and unknown ones are dropped."""
    raw = parse_json(check_depth(text_entry(arrays, "history", MAX_HISTORY_CHARS), "history")) if "history" in arrays else {}
    if not isinstance(raw, dict):  # NOT_JSON included
        return {}
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    history = {}
    epochs = raw.get("epochs_trained")
    if number(epochs) and epochs == int(epochs) and 0 <= epochs <= MAX_EPOCHS_TRAINED:
        history["epochs_trained"] = int(epochs)
    accuracy = raw.get("test_accuracy")
    if number(accuracy) and 0 <= accuracy <= 1:
        history["test_accuracy"] = float(accuracy)
    elif accuracy is None and "test_accuracy" in raw:  # saved before any evaluation
        history["test_accuracy"] = None
    seconds = raw.get("train_seconds")
    if number(seconds) and seconds >= 0:
        history["train_seconds"] = float(seconds)
    curves = valid_curves(raw.get("curves"))
    if curves is not None:
        history["curves"] = curves
    return history
