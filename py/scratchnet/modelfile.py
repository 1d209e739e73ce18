"""Saving and loading models as .npz files, strictly.

A model file holds plain arrays only (never unpickled):
    format          "scratchnet-model"
    format_version  1
    config          the settings as JSON text (architecture and hyperparameters)
    mean, std       the input normalisation
    history         optional JSON text (epochs trained, last test accuracy, training time)
    param/<name>    every parameter, e.g. param/dense1.W (784, 128)

Loading validates before it allocates (see safe_npz.py): the archive's entry names, declared
sizes and .npy headers are checked against limits derived from the largest architecture the
settings schema allows; the settings text is checked for length and nesting before it is parsed;
the weights' headers are checked against the file's own architecture before they are read.
Then the network is run on a fixed probe batch: a model whose outputs are not finite numbers
cannot predict, and is refused. Any failure raises ModelFileError with a plain reason (of
bounded length), and nothing is half-loaded.

The history only describes the model, so it is checked leniently: like every entry it must be
short, shallow text, or the file is refused; beyond that, a field that does not parse or is out
of range (a negative accuracy, 1e308 epochs) is dropped, and so are unknown fields.
"""

import functools
import io
import json
import math

import numpy as np

from .config import FIELDS, ConfigError, validate_config
from .losses import softmax
from .model import Network
from .safe_npz import ArraySpec, NpzError, NpzReader, listing, quote, shorten

FORMAT = "scratchnet-model"
FORMAT_VERSION = 1
TEXT_ENTRIES = ("format", "config", "history")
NUMBER_ENTRIES = ("format_version", "mean", "std")
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
        else:
            widest[field["name"]] = -2.2250738585072014e-308  # as long as a float's repr gets
    return len(json.dumps(widest))


MAX_TEXT_CHARS = 2 * _longest_config_json()  # twice the longest valid settings: under 1,000


def _network(config, mean, std):
    """Every use of the network's API in this module, in one place (with _outputs): a fresh
    network for `config`, its parameters by entry name, and its architecture as text."""
    network = Network.build(config, np.random.default_rng(0), mean, std)
    params = {f"param/{name}": value for name, value in network.state().items()}
    return network, params, "-".join(map(str, network.sizes))


def _outputs(network, images):
    """Normalised inputs, logits and probabilities of raw images (N, 28, 28) in [0, 1]."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # overflow is what is tested
        x = network.normalize(images)
        logits = network.forward(x)
        return x, logits, softmax(logits)


@functools.cache
def entry_specs():
    """{entry name: ArraySpec}: everything a model file may hold, at the largest architecture
    the schema allows. Built from a network with the most hidden layers, each of width 1, whose
    parameter shapes show where a hidden width goes (input and output widths are never 1)."""
    hidden = FIELDS["hidden_sizes"]
    text, number = ArraySpec("U", (), 4 * MAX_TEXT_CHARS), ArraySpec("fiu", (), 8)
    specs = {**{key: text for key in TEXT_ENTRIES}, **{key: number for key in NUMBER_ENTRIES}}
    _, params, _ = _network(validate_config({"hidden_sizes": [1] * hidden["max_items"]}), 0.0, 1.0)
    for key, value in params.items():
        specs[key] = ArraySpec("f", tuple(hidden["max"] if n == 1 else n for n in value.shape), 8)
    return specs


def model_bytes(network, history=None):
    """The .npz file contents for `network`, as bytes."""
    arrays = {
        "format": np.array(FORMAT), "format_version": np.array(FORMAT_VERSION),
        "config": np.array(json.dumps(network.config)), "mean": np.array(network.mean),
        "std": np.array(network.std), "history": np.array(json.dumps(history or {})),
    }
    arrays.update({f"param/{name}": value for name, value in network.state().items()})
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def save_model(network, path, history=None):
    """Writes `network` to `path` (.npz)."""
    with open(path, "wb") as f:
        f.write(model_bytes(network, history))


def _text(arrays, key):
    if key not in arrays:
        raise ModelFileError(f"the file has no '{key}' entry")
    value = arrays[key]
    if not isinstance(value, np.ndarray) or value.shape != () or value.dtype.kind != "U":
        raise ModelFileError(f"'{key}' must be a single piece of text")
    if value.dtype.itemsize > 4 * MAX_TEXT_CHARS:
        raise ModelFileError(f"'{key}' is {value.dtype.itemsize // 4} characters long; "
                             f"at most {MAX_TEXT_CHARS} are allowed")
    codes = np.frombuffer(value.astype(value.dtype.newbyteorder("<")).tobytes(), "<u4")
    if np.any((codes > 0x10FFFF) | ((codes >= 0xD800) & (codes <= 0xDFFF))):  # NumPy does not check
        raise ModelFileError(f"'{key}' holds codes that are not characters (it is not valid text)")
    return str(value)


def _check_depth(text, key):
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


def _json(text):
    """json.loads of checked text; NOT_JSON when it does not parse (a ValueError: bad JSON, or
    a number of thousands of digits)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON


def _number(arrays, key):
    value = arrays.get(key)
    if (not isinstance(value, np.ndarray) or value.shape != () or value.dtype.kind not in "fiu"
            or not np.isfinite(value)):
        raise ModelFileError(f"'{key}' must be a single finite number")
    return float(value)


def _build(arrays):
    """A fresh network for the file's format, settings and normalisation, and its parameters."""
    if "format" not in arrays or _text(arrays, "format") != FORMAT:
        raise ModelFileError("this is not a ScratchNet model file (no 'scratchnet-model' marker)")
    version = _number(arrays, "format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"model format version {version:g} is not supported "
                             f"(this ScratchNet reads version {FORMAT_VERSION})")
    try:
        config = _json(_check_depth(_text(arrays, "config"), "config"))
        if config is NOT_JSON:
            raise ModelFileError("the model's settings are not valid JSON")
        config = validate_config(config)
    except ConfigError as error:
        reasons = [f"{shorten(name)}: {shorten(reason, 100)}" for name, reason in error.errors.items()]
        raise ModelFileError(f"the model's settings are invalid: {listing(reasons, '; ')}") from None
    mean, std = _number(arrays, "mean"), _number(arrays, "std")
    if std <= 0:
        raise ModelFileError("the input standard deviation must be positive")
    return _network(config, mean, std)


def _check_params(architecture, expected, found):
    """Refuses parameter names that differ from the architecture's."""
    if set(found) != set(expected):
        missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
        raise ModelFileError(f"the weights do not match the architecture {architecture}"
                             + (f"; missing {listing(missing)}" if missing else "")
                             + (f"; unexpected {listing(map(shorten, extra))}" if extra else ""))


def _check_param(key, dtype, shape, target):
    if dtype.hasobject:
        raise ModelFileError(f"{key} holds something other than plain numbers and text "
                             "(for safety, model files may not contain Python objects)")
    if tuple(shape) != target.shape:
        raise ModelFileError(f"{key} has shape {tuple(shape)}, the architecture needs {target.shape}")
    if dtype.kind != "f":
        raise ModelFileError(f"{key} must hold floating-point numbers, not {dtype}")


def _finish(network, expected, params, arrays):
    """Copies the checked parameters in, probes the network and reads the history."""
    for key, value in params.items():
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{key} contains NaN or infinite values")
    for key, target in expected.items():
        target[...] = params[key]
    _probe(network)
    network.history = _history(arrays)
    return network


@functools.cache
def _probe_images():
    """A fixed probe batch of 28x28 images: a blank one, a full one and four seeded random ones."""
    return np.concatenate([np.zeros((1, 28, 28)), np.ones((1, 28, 28)),
                           np.random.default_rng(0).random((4, 28, 28))])


def _probe(network):
    """Refuses a network that cannot predict: its outputs on the probe batch are not finite."""
    x, logits, probabilities = _outputs(network, _probe_images())
    if not np.all(np.isfinite(x)):
        raise ModelFileError(f"the input normalisation (mean {network.mean:g}, standard deviation "
                             f"{network.std:g}) turns pixels into infinite numbers, so the network "
                             "cannot read any image")
    if not (np.all(np.isfinite(logits)) and np.all(np.isfinite(probabilities))):
        raise ModelFileError("the weights are so large that the network's outputs overflow "
                             "(they are not finite numbers), so it cannot predict")


def _history(arrays):
    """The valid fields of the file's training history; invalid and unknown ones are dropped."""
    raw = _json(_check_depth(_text(arrays, "history"), "history")) if "history" in arrays else {}
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
    return history


def parse_model(arrays):
    """Builds a Network from a file's arrays ({entry name: array}), or raises ModelFileError."""
    network, expected, architecture = _build(arrays)
    params = {key: value for key, value in arrays.items() if key.startswith("param/")}
    _check_params(architecture, expected, params)
    for key, value in params.items():
        if not isinstance(value, np.ndarray):
            raise ModelFileError(f"entry '{key}' is not an array")
        _check_param(key, value.dtype, value.shape, expected[key])
    return _finish(network, expected, params, arrays)


def load_model(source):
    """A Network from a .npz path, file object or bytes; ModelFileError if unusable.

    The model's `history` attribute holds what the file recorded about its training.
    """
    try:
        with NpzReader(source, entry_specs()) as archive:
            if "format" not in archive.names:
                raise ModelFileError("this is not a ScratchNet model file (no 'scratchnet-model' marker)")
            if archive.unexpected:
                raise ModelFileError("the file holds entries a model file does not have: "
                                     f"{listing(map(quote, archive.unexpected))}")
            arrays = {key: archive.read(key) for key in (*TEXT_ENTRIES, *NUMBER_ENTRIES)
                      if key in archive.names}
            network, expected, architecture = _build(arrays)
            found = [key for key in archive.names if key.startswith("param/")]
            _check_params(architecture, expected, found)
            for key in found:  # headers first: nothing is decompressed for a mismatched model
                _check_param(key, *archive.header(key), expected[key])
            params = {key: archive.read(key) for key in found}
    except NpzError as error:
        raise ModelFileError(str(error)) from None
    return _finish(network, expected, params, arrays)
