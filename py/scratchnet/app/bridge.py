"""The browser's way in: the calls the page may make, and the conversion of their
data. This is the only module that knows a browser exists.

The Web Worker imports this module inside Pyodide, reads `CALLS` (the one list of
calls: the worker and its client derive theirs from it) and sends every request
through `dispatch(name, args_json, data)`: JSON arguments, plus one optional
binary argument (a drawing's pixels, a model file). The answer is a pair
(JSON text, [binary parts]): NumPy arrays and bytes travel as binary parts, which
the page receives as typed arrays, never as long JSON lists. The work itself is
done by a `Session` (the current model and run, held in current.py), by `network_views`
(read-only views); the inspector's calls are in inspect_calls.py, and the 2-D playground's
(playground_*) in playground_calls.py, with a `Playground`; "teach it my handwriting" (my digits,
fine-tuning) in handwriting_calls.py; training shared with helper workers in shard_calls.py.
"""

import json

import numpy as np

from scratchnet.app import current, handwriting_calls, inspect_calls, playground_calls, shard_calls
from scratchnet.app.inspect_calls import drawing
from scratchnet.app.session import NoRunError, Session
from scratchnet.app.throughput import step_throughput
from scratchnet.app.wire import encode
from scratchnet.data.augment import augment_batch
from scratchnet.data.augment import parse as parse_augment
from scratchnet.data.datasets import mnist_dataset
from scratchnet.data.drawing import EmptyDrawingError
from scratchnet.data.mnist import load_bundle
from scratchnet.files.experiment import experiment_zip
from scratchnet.files.model_file import ModelFileError, check_fits, load_model, model_bytes
from scratchnet.nn.registry import lookup
from scratchnet.teaching import exercises, network_views
from scratchnet.teaching.checker import LearnerCodeError, compile_code
from scratchnet.training.events import summarise
from scratchnet.training.settings import SCHEMA, ConfigError, recipes_for
from scratchnet.training.settings import recipe as config_recipe

_current = current.session
_model_reply = current.model_reply
_training_reply = current.training_reply


# --- the calls --------------------------------------------------------------------------------

def init(data_path, model_path):
    """Loads the data bundle and the pretrained model (drawing works from here on).
    Returns the sizes, the model summary, the recipes, the schema and the defaults."""
    session = Session(mnist_dataset(load_bundle(data_path)), load_model(model_path))
    current.start(session)
    n = len(session.dataset)
    schema = [dict(field) for field in SCHEMA]
    for field in schema:
        if field["name"] in ("train_size", "batch_size"):
            field["max"] = n
        if field["name"] == "train_size":
            field["default"] = n
    return {"train_size": n, "test_size": len(session.dataset.y_test), "model": session.summary(),
            "recipes": recipes_for(n), "schema": schema, "default_config": session.config}


def validate(config):
    """{"ok": true, "config"} or {"ok": false, "errors": {setting: reason}}."""
    try:
        return {"ok": True, "config": _current().validate(config)}
    except ConfigError as error:
        return {"ok": False, "errors": error.errors}


def new_training(config):
    """A fresh untrained network for these settings: {"ok", "model"} or {"ok": false, "errors"}."""
    try:
        _current().new_run(config)
    except ConfigError as error:
        return _model_reply(ok=False, errors=error.errors)
    return _model_reply(ok=True)


def reset():
    """Fresh untrained weights with the current settings."""
    _current().new_run(_current().config)
    return _model_reply(ok=True)


def use_pretrained():
    """Switches back to the model that shipped with the page."""
    s = _current()
    s.use_model(s.pretrained, "pretrained")
    return _model_reply(ok=True)


def train(budget_ms):
    """Trains for about `budget_ms` milliseconds: {"events", "finished", and "model" or "run"
    (see _training_reply)}. The chunk's batch events are summarised into one "progress" event
    (means over the chunk)."""
    _one_worker()
    events, finished, seconds = _current().train(float(budget_ms))
    return _training_reply(events=summarise(events, seconds), finished=finished)


def _one_worker():
    """The plain calls train with one worker (a step shared with helpers finishes here first)."""
    if _current().run is not None:
        shard_calls.plain(_current().run.trainer)


def step():
    """Exactly one mini-batch step: {"events", "finished", and "model" or "run"}."""
    _one_worker()
    events = _current().step()
    return _training_reply(events=summarise(events), finished=_current().run.trainer.finished)


def evaluate(budget_ms=40):
    """Advances the evaluation of the current model: {"done": false} until it is
    complete, then {"done": true, "test_accuracy", "test_loss", "confusion", "model_id"}."""
    result = _current().evaluate(float(budget_ms))
    if result is None:
        return {"done": False, "model_id": _current().model_id}
    return {"done": True, "model_id": _current().model_id, "test_accuracy": result["accuracy"],
            "test_loss": result["loss"], "confusion": result["confusion"].tolist()}


def mistakes(count):
    """The most confidently misclassified test digits (the current model must be evaluated)."""
    s = _current()
    if s.last_eval is None:
        raise RuntimeError("the current model has not been evaluated yet")
    return {"model_id": s.model_id, "mistakes": network_views.mistakes(s.last_eval["probabilities"], s.dataset.x_test,
                                                                s.dataset.y_test, count)}


def classify(width, height, data):
    """A drawing: `data` is row-major uint8 grayscale (255 = ink) of height x width.
    {"empty": true, "message"} or {"empty": false, "digit", "probabilities", "image", "hidden"}."""
    s = _current()
    try:
        result = network_views.classify_drawing(s.network, drawing(width, height, data))
    except EmptyDrawingError as error:
        return {"empty": True, "message": str(error), "model_id": s.model_id}
    return {"empty": False, "model_id": s.model_id, **result,
            "probabilities": [round(float(p), 6) for p in result["probabilities"]]}


def first_layer_weights(max_units):
    """{"units", "images" (k, H, W) in [-1, 1]}: the first layer's units as images."""
    return {"model_id": _current().model_id, **network_views.first_layer_images(_current().network, int(max_units))}


def augment_examples(augment, count=8):
    """A few training images of the next batch as they are and with `augment` (the setting's
    text; ValueError in plain words if it is not valid) applied: {"original", "augmented"}, uint8
    arrays (count, 28, 28). The random variants are a preview's own: the run's stream is untouched."""
    spec = parse_augment(augment)
    images = _current().next_training_images(max(1, min(int(count), 32)))
    return {"original": images, "augmented": augment_batch(images, spec, np.random.default_rng())}


def export_model():
    """The current model as .npz file bytes, with its learning curves."""
    return model_bytes(_current().network, _current().history())


def export_experiment():
    """The current run as an experiment to take home (see experiment.py): .zip bytes."""
    s = _current()
    if s.run is None:
        raise NoRunError("Only a run trained in this page can be exported as an experiment: press Train first.")
    history = s.history()
    return experiment_zip(s.run.config, model_bytes(s.network, history), s.dataset, history)


def import_model(data):
    """Replaces the current model with one from .npz bytes; on any problem the current
    model is kept and the reason returned: {"ok", "error"?, "model"}."""
    try:
        network = load_model(data)
        check_fits(network, _current().dataset.sample_shape, _current().dataset.num_classes)
    except ModelFileError as error:
        return _model_reply(ok=False, error=f"That model file cannot be used: {error}")
    _current().use_model(network, "imported")
    return _model_reply(ok=True)


def checkpoint():
    """The current model, settings and run position, to bring back in a new worker."""
    return _current().checkpoint()


def restore(data, code=True):
    """Brings back a checkpoint() made by an earlier worker; the learner's code in it is put back
    in use only if `code` (not after that code hung)."""
    _current().restore(data, code=bool(code))
    return _model_reply(ok=True)


def exercise(name):
    """One exercise: {"name", "stub", "reference" (the source the network runs), "args"}."""
    lookup(dict.fromkeys(exercises.NAMES), name, "exercise")
    return {"name": name, "stub": exercises.stub(name), "reference": exercises.reference_source(name),
            "args": exercises.signature(name)}


def check_code(name, source):
    """Checks the learner's `source` for exercise `name` (see checker.py)."""
    return _current().check_code(name, source)


def use_code(sources):
    """The network runs the learner's code from the next step on: {"ok", "model"}, or
    {"ok": false, "error": {"exercise", "message", "line"}} with nothing changed."""
    try:
        _current().use_code(sources)
    except LearnerCodeError as error:
        bad = next(name for name, source in sources.items() if not _compiles(source, name))
        return _model_reply(ok=False, error={"exercise": bad, "message": error.message, "line": error.line})
    return _model_reply(ok=True)


def _compiles(source, name):
    try:
        compile_code(source, name)
        return True
    except LearnerCodeError:
        return False


def use_reference():
    """The network runs the package's own code again."""
    _current().use_code({})
    return _model_reply(ok=True)


def code_view():
    """The source of what the current network runs, and its shapes (see learner_code.code_view)."""
    return _current().code_view()


def benchmark(batch_size, seconds, code=False, recipe="default"):
    """Times training steps of `recipe` (the default MLP unless told) at `batch_size` on the
    bundled training images (see benchmark.py), with the learner's code in use if `code`.
    Leaves the session's model and run untouched."""
    s = _current()
    return step_throughput(s.dataset, int(batch_size), float(seconds), config=config_recipe(recipe, len(s.dataset)),
                           functions=s.functions if code else None)


CALLS = {fn.__name__: fn for fn in (
    init, validate, new_training, reset, use_pretrained, train, step, evaluate, mistakes, classify,
    first_layer_weights, augment_examples, export_model, export_experiment, import_model, checkpoint, restore, benchmark,
    exercise, check_code, use_code, use_reference, code_view)}
CALLS.update(playground_calls.CALLS)
CALLS.update(inspect_calls.CALLS)
CALLS.update(handwriting_calls.CALLS)
CALLS.update(shard_calls.CALLS)


# --- the way in ------------------------------------------------------------------------------

def dispatch(name, args_json="{}", data=None):
    """Runs bridge call `name` with JSON keyword arguments (and `data`, bytes or a JS
    typed array, as its `data` argument); returns encode()'s pair."""
    fn = lookup(CALLS, name, "bridge call")
    kwargs = json.loads(args_json)
    if data is not None:
        kwargs["data"] = bytes(data.to_py() if hasattr(data, "to_py") else data)
    return encode(fn(**kwargs))
