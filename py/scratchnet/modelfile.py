"""Saving and loading models as .npz files, strictly.

A model file holds plain arrays only (read with allow_pickle=False):
    format          "scratchnet-model"
    format_version  1
    config          the settings as JSON text (architecture and hyperparameters)
    mean, std       the input normalisation
    history         optional JSON text (epochs trained, last test accuracy)
    param/<name>    every parameter, e.g. param/dense1.W (784, 128)

Loading checks all of it before building anything, so a malformed, truncated or
mismatched file raises ModelFileError with a readable reason and nothing is
half-loaded.
"""

import io
import json
import zipfile
import zlib

import numpy as np

from .config import ConfigError, validate_config
from .model import Network

FORMAT = "scratchnet-model"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be used, with the reason in plain words."""


def model_bytes(network, history=None):
    """The .npz file contents for `network`, as bytes."""
    arrays = {
        "format": np.array(FORMAT), "format_version": np.array(FORMAT_VERSION),
        "config": np.array(json.dumps(network.config)), "mean": np.array(network.mean),
        "std": np.array(network.std), "history": np.array(json.dumps(history or {})),
        "sample_shape": np.array(network.sample_shape), "num_classes": np.array(network.num_classes),
    }
    arrays.update({f"param/{name}": value for name, value in network.state().items()})
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def save_model(network, path, history=None):
    """Writes `network` to `path` (.npz)."""
    with open(path, "wb") as f:
        f.write(model_bytes(network, history))


def _read_arrays(source):
    if isinstance(source, str):
        try:
            with open(source, "rb") as f:
                source = io.BytesIO(f.read())
        except OSError as error:
            raise ModelFileError(f"the file could not be read ({error.strerror or error})") from None
    start = source.tell()
    if source.read(4) != b"PK\x03\x04":
        raise ModelFileError("this is not a ScratchNet model file (.npz)")
    source.seek(start)
    try:
        with np.load(source, allow_pickle=False) as f:
            arrays = {key: f[key] for key in f.files}
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError):
        raise ModelFileError("the file is damaged or truncated (not a complete .npz archive)") from None
    except ValueError:
        raise ModelFileError("the file holds something other than plain numbers and text "
                             "(for safety, model files may not contain Python objects)") from None
    for key, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise ModelFileError(f"entry '{key}' is not an array")
    return arrays


def _text(arrays, key):
    if key not in arrays:
        raise ModelFileError(f"the file has no '{key}' entry")
    value = arrays[key]
    if value.shape != () or value.dtype.kind != "U":
        raise ModelFileError(f"'{key}' must be a single piece of text")
    return str(value)


def _number(arrays, key):
    value = arrays.get(key)
    if value is None or value.shape != () or value.dtype.kind not in "fiu" or not np.isfinite(value):
        raise ModelFileError(f"'{key}' must be a single finite number")
    return float(value)


# Files from before the architecture could vary were all MNIST models.
MNIST_SAMPLE_SHAPE, MNIST_CLASSES = (28, 28), 10


def _data_shape(arrays):
    """(shape of one example, number of classes) the model was made for."""
    if "sample_shape" not in arrays:
        return MNIST_SAMPLE_SHAPE, MNIST_CLASSES
    shape, classes = arrays["sample_shape"], arrays.get("num_classes")
    if shape.ndim != 1 or not 1 <= shape.size <= 3 or shape.dtype.kind not in "iu" or np.any(shape < 1) \
            or np.any(shape > 4096) or classes is None or classes.shape != () or classes.dtype.kind not in "iu" \
            or not 2 <= int(classes) <= 1000:
        raise ModelFileError("'sample_shape' and 'num_classes' must describe the examples and classes")
    return tuple(int(d) for d in shape), int(classes)


def parse_model(arrays):
    """Builds a Network from a file's arrays, or raises ModelFileError."""
    if "format" not in arrays or _text(arrays, "format") != FORMAT:
        raise ModelFileError("this is not a ScratchNet model file (no 'scratchnet-model' marker)")
    version = _number(arrays, "format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"model format version {version:g} is not supported "
                             f"(this ScratchNet reads version {FORMAT_VERSION})")
    try:
        config = validate_config(json.loads(_text(arrays, "config")))
    except json.JSONDecodeError:
        raise ModelFileError("the model's settings are not valid JSON") from None
    except ConfigError as error:
        raise ModelFileError(f"the model's settings are invalid: {error}") from None
    mean, std = _number(arrays, "mean"), _number(arrays, "std")
    if std <= 0:
        raise ModelFileError("the input standard deviation must be positive")

    sample_shape, num_classes = _data_shape(arrays)
    network = Network.build(config, np.random.default_rng(0), mean, std, sample_shape, num_classes)
    expected = {f"param/{name}": value for name, value in network.state().items()}
    found = {key for key in arrays if key.startswith("param/")}
    if found != set(expected):
        missing, extra = sorted(set(expected) - found), sorted(found - set(expected))
        raise ModelFileError("the weights do not match the architecture "
                             f"{'-'.join(map(str, network.sizes))}"
                             + (f"; missing {', '.join(missing)}" if missing else "")
                             + (f"; unexpected {', '.join(extra)}" if extra else ""))
    for key, target in expected.items():
        value = arrays[key]
        if value.shape != target.shape:
            raise ModelFileError(f"{key} has shape {value.shape}, the architecture needs {target.shape}")
        if value.dtype.kind != "f":
            raise ModelFileError(f"{key} must hold floating-point numbers, not {value.dtype}")
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{key} contains NaN or infinite values")
    for key, target in expected.items():
        target[...] = arrays[key]
    return network


def load_model(source):
    """A Network from a .npz path, file object or bytes; ModelFileError if unusable.

    The model's `history` attribute holds what the file recorded about its training.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    arrays = _read_arrays(source)
    network = parse_model(arrays)
    try:
        history = json.loads(_text(arrays, "history")) if "history" in arrays else {}
    except (json.JSONDecodeError, ModelFileError):
        history = {}
    network.history = history if isinstance(history, dict) else {}
    return network
