"""Saving and loading models as .npz files, strictly.

A model file holds plain arrays only (never unpickled):
    format          "scratchnet-model"
    format_version  1
    config          the settings as JSON text (architecture and hyperparameters)
    mean, std       the input normalisation
    history         optional JSON text (epochs trained, last test accuracy, training time,
                    the learning curves of curves.py)
    param/<name>    every parameter, e.g. param/dense1.W (784, 128)

Loading validates before it allocates (see safe_npz.py): the archive's entry names, declared
sizes and .npy headers are checked against limits derived from the largest architecture the
settings schema allows; the settings text is checked for length and nesting before it is parsed;
the weights' headers are checked against the file's own architecture before they are read.
Before the network is even built, what one example would cost it (multiply-adds, memory and
weights, from shapes alone: see model_cost.py) is checked against MAX_EXAMPLE_COST, the one
limit natively and in the page. Then the network is run on a fixed probe batch, one example at
a time: a model whose outputs are not finite numbers cannot predict, and is refused. Any failure
raises ModelFileError with a plain reason (of bounded length), and nothing is half-loaded.
A loaded model meets its data through check_fits: a model made for other examples or another
number of classes is refused there.

The history only describes the model, so it is checked leniently: like every entry it must be
short, shallow text, or the file is refused; beyond that, a field that does not parse or is out
of range (a negative accuracy, 1e308 epochs) is dropped, and so are unknown fields.
"""

import functools
import io
import json
import os

import numpy as np

from scratchnet.files.model_entries import (
    MAX_HISTORY_CHARS,
    MAX_TEXT_CHARS,
    NOT_JSON,
    ModelFileError,
    check_depth,
    number_entry,
    parse_json,
    read_history,
    text_entry,
)
from scratchnet.files.safe_npz import ArraySpec, NpzError, NpzReader
from scratchnet.model.architecture import MAX_PARAMS, MAX_SPECS
from scratchnet.model.cost import estimate, over_limit
from scratchnet.model.network import Network
from scratchnet.nn.losses import softmax
from scratchnet.plain_words import listing, quote, shorten
from scratchnet.training.settings import ConfigError, validate_config

FORMAT = "scratchnet-model"
FORMAT_VERSION = 1
TEXT_ENTRIES = ("format", "config", "history")
NUMBER_ENTRIES = ("format_version", "mean", "std", "num_classes")
SHAPE_ENTRIES = ("sample_shape",)
MAX_PARAM_ENTRIES = 2 * (MAX_SPECS + 2)  # a weight and a bias for each layer a config can make
# Files from before the data could vary were all MNIST models.
MNIST_SAMPLE_SHAPE, MNIST_CLASSES = (28, 28), 10
MAX_SAMPLE_SIDE, MAX_CLASSES = 4096, 1000


def _network(config, mean, std, sample_shape, num_classes):
    """Every use of the network's API in this module, in one place (with _outputs): a fresh
    network for `config`, its parameters by entry name, and its architecture as text."""
    try:
        network = Network.build(config, np.random.default_rng(0), mean, std, sample_shape, num_classes)
    except ValueError as error:  # layers that do not fit the examples, or too many weights
        raise ModelFileError(f"the model's layers cannot be built: {shorten(error, 200)}") from None
    params = {f"param/{name}": value for name, value in network.state().items()}
    return network, params, network.describe()


def _outputs(network, examples):
    """Normalised inputs, logits and probabilities of raw examples."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # overflow is what is tested
        x = network.normalize(examples)
        logits = network.forward(x)
        return x, logits, softmax(logits)


@functools.cache
def entry_specs():
    """{entry name: ArraySpec} of the small entries every model file has (settings, normalisation,
    history, the shape of its examples); its weights are checked against the architecture that
    the settings describe, before any of them is decompressed (see load_model)."""
    text, number = ArraySpec("U", (), 4 * MAX_TEXT_CHARS), ArraySpec("fiu", (), 8)
    return {**{key: text for key in TEXT_ENTRIES}, "history": ArraySpec("U", (), 4 * MAX_HISTORY_CHARS),
            **{key: number for key in NUMBER_ENTRIES},
            "sample_shape": ArraySpec("iu", (3,), 8)}


def _data_shape(arrays):
    """(shape of one example, number of classes) the model was made for."""
    if "sample_shape" not in arrays:
        return MNIST_SAMPLE_SHAPE, MNIST_CLASSES
    shape = arrays["sample_shape"]
    if (shape.ndim != 1 or not 1 <= shape.size <= 3 or shape.dtype.kind not in "iu" or np.any(shape < 1)
            or np.any(shape > MAX_SAMPLE_SIDE) or np.prod(shape.astype(np.int64)) > MAX_PARAMS):
        raise ModelFileError("'sample_shape' must be the shape of one example (1 to 3 positive sizes)")
    classes = number_entry(arrays, "num_classes")
    if classes != int(classes) or not 2 <= classes <= MAX_CLASSES:
        raise ModelFileError(f"'num_classes' must be a whole number from 2 to {MAX_CLASSES}")
    return tuple(int(d) for d in shape), int(classes)


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


def _build(arrays):
    """A fresh network for the file's format, settings and normalisation, and its parameters."""
    if "format" not in arrays or text_entry(arrays, "format") != FORMAT:
        raise ModelFileError("this is not a ScratchNet model file (no 'scratchnet-model' marker)")
    version = number_entry(arrays, "format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"model format version {version:g} is not supported "
                             f"(this ScratchNet reads version {FORMAT_VERSION})")
    try:
        config = parse_json(check_depth(text_entry(arrays, "config"), "config"))
        if config is NOT_JSON:
            raise ModelFileError("the model's settings are not valid JSON")
        config = validate_config(config)
    except ConfigError as error:
        reasons = [f"{shorten(name)}: {shorten(reason, 100)}" for name, reason in error.errors.items()]
        raise ModelFileError(f"the model's settings are invalid: {listing(reasons, '; ')}") from None
    mean, std = number_entry(arrays, "mean"), number_entry(arrays, "std")
    if std <= 0:
        raise ModelFileError("the input standard deviation must be positive")
    sample_shape, classes = _data_shape(arrays)
    reason = over_limit(estimate(config, sample_shape, classes))  # before any weight is allocated
    if reason:
        raise ModelFileError(f"the model is too large: {reason}")
    return _network(config, mean, std, sample_shape, classes)


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
    network.history = read_history(arrays)
    return network


def _probe_examples(network):
    """The fixed probe examples, raw, one at a time: all zeros, all ones and four seeded random
    ones in [0, 1]."""
    shape = network.sample_shape
    yield np.zeros(shape)
    yield np.ones(shape)
    rng = np.random.default_rng(0)
    for _ in range(4):
        yield rng.random(shape)


def _probe(network):
    """Refuses a network that cannot predict: its outputs on the probe examples are not finite.
    One example at a time, so that the probe needs the memory of one example only."""
    inputs_finite = outputs_finite = True
    for example in _probe_examples(network):
        x, logits, probabilities = _outputs(network, example[None])
        inputs_finite &= bool(np.all(np.isfinite(x)))
        outputs_finite &= bool(np.all(np.isfinite(logits)) and np.all(np.isfinite(probabilities)))
    if not inputs_finite:
        raise ModelFileError(f"the input normalisation (mean {network.mean:g}, standard deviation "
                             f"{network.std:g}) turns inputs into infinite numbers, so the network "
                             "cannot read any example")
    if not outputs_finite:
        raise ModelFileError("the weights are so large that the network's outputs overflow "
                             "(they are not finite numbers), so it cannot predict")


def _shape_text(shape):
    return "x".join(map(str, shape))


def check_fits(network, sample_shape, num_classes):
    """Refuses (ModelFileError) a model made for examples of another shape, or for another number
    of classes, than the data it is about to meet: (sample_shape, num_classes). Images (H, W) and
    one-channel images (1, H, W) are the same examples."""
    squeeze = lambda shape: tuple(shape)[1:] if len(shape) == 3 and shape[0] == 1 else tuple(shape)  # noqa: E731
    if squeeze(network.sample_shape) != squeeze(sample_shape) or network.num_classes != num_classes:
        raise ModelFileError(f"the model was made for examples of shape {_shape_text(network.sample_shape)} "
                             f"in {network.num_classes} classes, but this data has examples of shape "
                             f"{_shape_text(sample_shape)} in {num_classes} classes")


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
    if not isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview)):
        source = source.read(MAX_PARAMS * 8 * 2)  # read twice below: the first look, then the weights
    try:
        # A first look: the small entries only; the weights are counted, not read.
        with NpzReader(source, entry_specs(), others=MAX_PARAM_ENTRIES, others_bytes=MAX_PARAMS * 8) as archive:
            if "format" not in archive.names:
                raise ModelFileError("this is not a ScratchNet model file (no 'scratchnet-model' marker)")
            found = [name[:-4] for name in archive.unexpected if name.startswith("param/") and name.endswith(".npy")]
            others = [name for name in archive.unexpected if name[:-4] not in found]
            if others:
                raise ModelFileError("the file holds entries a model file does not have: "
                                     f"{listing(map(quote, others))}")
            arrays = {key: archive.read(key) for key in (*TEXT_ENTRIES, *NUMBER_ENTRIES, *SHAPE_ENTRIES)
                      if key in archive.names}
        network, expected, architecture = _build(arrays)
        _check_params(architecture, expected, found)
        # Then the weights, against exactly the shapes this architecture has.
        specs = {**entry_specs(), **{key: ArraySpec("f", value.shape, 8) for key, value in expected.items()}}
        with NpzReader(source, specs) as archive:
            for key in found:  # headers first: nothing is decompressed for a mismatched model
                _check_param(key, *archive.header(key), expected[key])
            params = {key: archive.read(key) for key in found}
    except NpzError as error:
        raise ModelFileError(str(error)) from None
    return _finish(network, expected, params, arrays)
