"""The browser's way in: a handful of functions with plain data in and out.

The Web Worker imports this module inside Pyodide and calls these functions;
results are JSON text (or bytes for a model file), so no Python object has to
live on the JavaScript side. This is the only module that knows a browser
exists: it keeps the session's state (data, current model, trainer) and runs
training in short time-boxed chunks, so the worker can receive "stop" between
chunks without any thread or interrupt machinery.
"""

import json
import math
import time

import numpy as np

from . import kernels
from .benchmark import step_throughput
from .config import RECIPES, SCHEMA, ConfigError, validate_config
from .data import balanced_subset, input_statistics, load_bundle
from .metrics import evaluate as evaluate_network
from .metrics import most_confident_mistakes
from .model import Network
from .modelfile import ModelFileError, load_model, model_bytes
from .preprocess import EmptyDrawingError, preprocess_drawing
from .trainer import Trainer


class _Session:
    """Everything the page has loaded and done so far."""

    def __init__(self, bundle, pretrained):
        self.bundle = bundle
        self.pretrained = pretrained
        self.network = pretrained
        self.kind = "pretrained"
        self.defaults = _browser_recipes(self.max_train_size())["default"]
        self.config = validate_config(self.defaults, self.max_train_size())
        self.trainer = None
        self.last_eval = None
        self._normalized_test = {}
        self.events = None  # the trainer's running event generator
        self.kernel_choices = {}  # (batch size, layer sizes) -> fastest formulation per product

    def max_train_size(self):
        return len(self.bundle["y_train"])

    def test_inputs(self, network):
        key = (network.mean, network.std)
        if key not in self._normalized_test:
            self._normalized_test = {key: network.normalize(self.bundle["x_test"])}
        return self._normalized_test[key]


_session = None


def _finite(value):
    """`value` with every NaN or infinity replaced by None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _dump(value):
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:  # a NaN or infinity somewhere: rare, so only then walk the data
        return json.dumps(_finite(value), allow_nan=False, separators=(",", ":"))


def _as_bytes(data):
    """Bytes from a Python bytes-like object or a Pyodide JsProxy of a typed array."""
    return bytes(data.to_py() if hasattr(data, "to_py") else data)


def _session_or_fail():
    if _session is None:
        raise RuntimeError("bridge.init() must be called first")
    return _session


def _summary():
    s = _session_or_fail()
    history = s.network.history
    return {
        "name": s.kind, "layers": s.network.sizes,
        "activation": s.network.config["activation"],
        "epochs_trained": s.trainer.epoch if s.trainer else history.get("epochs_trained", 0),
        "test_accuracy": (s.last_eval["accuracy"] if s.last_eval
                          else history.get("test_accuracy") if s.kind != "untrained" else None),
        "config": s.network.config,
    }


def _browser_recipes(max_train_size):
    return {name: {**config, "train_size": min(config["train_size"], max_train_size),
                   "batch_size": min(config["batch_size"], max_train_size)}
            for name, config in RECIPES.items()}


def init(data_path, model_path):
    """Loads the data bundle and the pretrained model (drawing works from here on).

    Returns JSON: train_size, test_size, model summary, recipes, schema, default_config.
    """
    global _session
    _session = _Session(load_bundle(data_path), load_model(model_path))
    n = _session.max_train_size()
    schema = [dict(field) for field in SCHEMA]
    for field in schema:
        if field["name"] in ("train_size", "batch_size"):
            field["max"] = n
        if field["name"] == "train_size":
            field["default"] = n
    return _dump({
        "train_size": n, "test_size": len(_session.bundle["y_test"]), "model": _summary(),
        "recipes": _browser_recipes(n), "schema": schema, "default_config": _session.config,
    })


def validate(config_json):
    """JSON {"ok": true, "config"} or {"ok": false, "errors": {setting: reason}}."""
    s = _session_or_fail()
    try:
        raw = json.loads(config_json)
        return _dump({"ok": True, "config": validate_config(raw, s.max_train_size(), s.defaults)})
    except json.JSONDecodeError:
        return _dump({"ok": False, "errors": {"config": "settings are not valid JSON"}})
    except ConfigError as error:
        return _dump({"ok": False, "errors": error.errors})


def _fresh(config):
    """A new untrained network and its trainer for a validated config."""
    s = _session
    rng = np.random.default_rng(config["seed"])
    idx = balanced_subset(s.bundle["y_train"], config["train_size"], rng)
    x_raw = s.bundle["x_train"][idx]
    mean, std = input_statistics(x_raw) if config["input_scaling"] == "standardize" else (0.0, 1.0)
    network = Network.build(config, rng, mean, std)
    s.network, s.kind, s.config, s.last_eval = network, "untrained", config, None
    x_train = network.normalize(x_raw)
    _choose_kernels(s, network, x_train)
    s.trainer = Trainer(network, config, x_train,
                        s.bundle["y_train"][idx].astype(np.int64),
                        s.test_inputs(network), s.bundle["y_test"].astype(np.int64), rng)
    s.events = None


def _choose_kernels(s, network, x_train):
    """Times the products for this network's shapes on a real batch, once per shape."""
    batch_size = min(s.config["batch_size"], len(x_train), 256)
    key = (batch_size, tuple(network.sizes))
    if key not in s.kernel_choices:
        kernels.choose(batch_size, network.sizes, repeats=3, inputs=x_train)
        s.kernel_choices[key] = kernels.active()
    for product, name in s.kernel_choices[key].items():
        kernels.use(name, product)


def kernel_choice():
    """JSON {product: formulation} in use, e.g. {"forward": "einsum-skip", ...}."""
    return _dump(kernels.active())


def new_training(config_json):
    """Starts over with fresh untrained weights for the given settings (epoch 0)."""
    result = json.loads(validate(config_json))
    if not result["ok"]:
        return _dump(result)
    _fresh(result["config"])
    return _dump({"ok": True, "model": _summary()})


def reset():
    """Fresh untrained weights with the current settings."""
    _fresh(_session_or_fail().config)
    return _dump(_summary())


def use_pretrained():
    """Switches back to the model that shipped with the page."""
    s = _session_or_fail()
    s.network, s.kind, s.trainer, s.last_eval = s.pretrained, "pretrained", None, None
    return _dump(_summary())


def _mean(values):
    return sum(values) / len(values)


def train(budget_ms):
    """Trains whole mini-batches for about `budget_ms` milliseconds, then returns.

    Returns JSON {"events": [...], "finished": bool}. Batch events are summarised
    into one "progress" event per call (means over the chunk), so the page gets
    a few small messages a second, whatever the batch size.
    """
    s = _session_or_fail()
    if s.trainer is None:
        _fresh(s.config)
    trainer = s.trainer
    if s.events is None:
        s.events = trainer.events()
    deadline = time.perf_counter() + budget_ms / 1000
    events, batches = [], []
    train_seconds = 0.0
    while time.perf_counter() < deadline and not trainer.finished:
        started = time.perf_counter()
        event = next(s.events, None)
        if event is None:
            break
        if event["type"] == "progress":
            train_seconds += time.perf_counter() - started
            batches.append(event)
            continue
        if event["type"] == "epoch":
            s.kind, s.last_eval = "trained", trainer.last_eval
        events.append(event)
    if trainer.finished and not any(e["type"] in ("finished", "diverged") for e in events):
        tail = list(s.events)  # drains the generator's closing event
        events.extend(e for e in tail if e["type"] != "progress")
    if batches:
        last = batches[-1]
        samples = sum(b["samples"] for b in batches)
        events.insert(0, {
            **last, "loss": _mean([b["loss"] for b in batches]),
            "accuracy": _mean([b["accuracy"] for b in batches]),
            "grad_norms": {name: _mean([b["grad_norms"][name] for b in batches])
                           for name in last["grad_norms"]},
            "batches_in_chunk": len(batches), "samples": samples,
            "samples_per_sec": samples / train_seconds if train_seconds > 0 else None,
        })
    return _dump({"events": events, "finished": trainer.finished})


def benchmark(batch_size, seconds):
    """Times training steps of the default MLP at `batch_size` on the bundled training images
    (see benchmark.py). JSON {"batch_size", "samples_per_sec", "step_ms", "matmul_ms",
    "overhead_ratio", "kernel"}. Leaves the session's model and trainer untouched."""
    s = _session_or_fail()
    count = min(len(s.bundle["y_train"]), 64 * int(batch_size))
    x_raw = s.bundle["x_train"][:count]
    x = Network.build(s.config, np.random.default_rng(0), *input_statistics(x_raw)).normalize(x_raw)
    previous = kernels.active()
    kernels.choose(int(batch_size), repeats=3, inputs=x)
    try:
        return _dump(step_throughput(x, s.bundle["y_train"][:count].astype(np.int64),
                                     int(batch_size), float(seconds)))
    finally:
        for product, name in previous.items():
            kernels.use(name, product)


def _current_eval():
    s = _session_or_fail()
    if s.last_eval is None:
        s.last_eval = evaluate_network(s.network, s.test_inputs(s.network),
                                       s.bundle["y_test"].astype(np.int64))
    return s.last_eval


def evaluate():
    """JSON {"test_accuracy", "test_loss", "confusion"} for the current model."""
    result = _current_eval()
    return _dump({"test_accuracy": result["accuracy"], "test_loss": result["loss"],
                  "confusion": result["confusion"].tolist()})


def mistakes(count):
    """JSON list of the most confidently misclassified test digits."""
    s = _session_or_fail()
    probabilities = _current_eval()["probabilities"]
    labels = s.bundle["y_test"]
    return _dump([
        {"index": int(i), "label": int(labels[i]), "predicted": int(probabilities[i].argmax()),
         "confidence": float(probabilities[i].max()), "pixels": s.bundle["x_test"][i].ravel().tolist()}
        for i in most_confident_mistakes(probabilities, labels, int(count))
    ])


def classify(ink, width, height):
    """Classifies a drawing: `ink` is row-major uint8 grayscale (255 = ink) of height x width.

    JSON {"empty": true, "message"} or {"empty": false, "digit", "probabilities",
    "image" (784 values in [0, 1], what the network sees), "hidden" (activations per layer)}.
    """
    s = _session_or_fail()
    pixels = np.frombuffer(_as_bytes(ink), dtype=np.uint8)
    if pixels.size != int(width) * int(height):
        raise ValueError(f"drawing has {pixels.size} pixels, expected {width}x{height}")
    try:
        image = preprocess_drawing(pixels.reshape(int(height), int(width)) / 255)
    except EmptyDrawingError as error:
        return _dump({"empty": True, "message": str(error)})
    x = s.network.normalize(image[None])
    hidden = s.network.hidden_activations(x)
    probabilities = s.network.predict_proba(image[None])[0]
    return _dump({
        "empty": False, "digit": int(probabilities.argmax()),
        "probabilities": [round(float(p), 6) for p in probabilities],
        "image": np.round(image.ravel(), 3).tolist(),
        "hidden": [np.round(h[0], 3).tolist() for h in hidden],
    })


def first_layer_weights(max_units):
    """JSON {"units", "images"}: each of the first `max_units` hidden units' 784 incoming
    weights, scaled to [-1, 1] by that unit's largest magnitude."""
    W = _session_or_fail().network.dense_layers()[0].params["W"]
    shown = W[:, :int(max_units)]
    scaled = shown / np.maximum(np.abs(shown).max(axis=0, keepdims=True), 1e-12)
    return _dump({"units": W.shape[1], "images": np.round(scaled.T, 2).tolist()})


def export_model():
    """The current model as .npz file bytes."""
    s = _session_or_fail()
    summary = _summary()
    return model_bytes(s.network, {"epochs_trained": summary["epochs_trained"],
                                   "test_accuracy": summary["test_accuracy"]})


def import_model(data):
    """Replaces the current model with one from .npz bytes; on any problem the current
    model is kept and the reason returned. JSON {"ok", "error"?, "model"}."""
    s = _session_or_fail()
    try:
        network = load_model(_as_bytes(data))
    except ModelFileError as error:
        return _dump({"ok": False, "error": f"That model file cannot be used: {error}",
                      "model": _summary()})
    s.network, s.kind, s.trainer, s.last_eval = network, "imported", None, None
    s.config = validate_config({**network.config,
                                "train_size": min(network.config["train_size"], s.max_train_size()),
                                "batch_size": min(network.config["batch_size"], s.max_train_size())},
                               s.max_train_size())
    return _dump({"ok": True, "model": _summary()})

