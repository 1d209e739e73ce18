"""The 2-D playground's session: a point set (points2d.py), a network trained on it by
the same run setup, trainer and settings as MNIST's, and what the page draws.

A learner's playground settings (SCHEMA: the data, and the network settings the
playground offers) become an ordinary training config (config.py) by
`network_config`, so `prepare_run(config, dataset)` sets the run up exactly as for
MNIST: two inputs (or more, with extra features), two classes. Three of that
config's settings mean something fixed here, whatever their MNIST limits: every
training point is used (`train_size`, however few), "all" as the batch size is
full-batch gradient descent, and training runs until paused (`epochs`).

Placing points changes the training set under a running network: the weights and
the optimiser's state are kept, and a new epoch starts over the enlarged set.

Each frame is computed from the current weights, with one forward pass over a
grid of the square: the probability of class 1 at every cell, every hidden unit's
output at every other cell; and the loss and accuracy on the training and test
points. The playground is separate from the MNIST session (session.py) and knows
no browser; bridge.py serves it.
"""

import functools
import math
import time

import numpy as np

from scratchnet.data import points2d
from scratchnet.nn.losses import softmax
from scratchnet.teaching.network_views import forward_with_hidden
from scratchnet.training.metrics import evaluate
from scratchnet.training.settings import FIELDS, RECIPES, ConfigError, check_field, validate_config
from scratchnet.training.setup import Run, prepare_run
from scratchnet.training.trainer import Trainer

BATCHES = ["all", "1", "5", "10", "25", "50", "100"]
FOREVER = 10 ** 9  # epochs: a playground run trains until it is paused
EVALUATE_EVERY = 50  # batches between the trainer's own evaluations (its fallback if a run diverges)
MAX_RESOLUTION = 256  # cells a side of a frame's grid


def _like(setting, **changes):
    """A field of the training settings, as the playground offers it."""
    return {**FIELDS[setting], **changes}


SCHEMA = [
    {"name": "dataset", "label": "Data", "type": "choice", "choices": list(points2d.SHAPES), "default": "circle",
     "help": "The point set: two classes to tell apart."},
    {"name": "noise", "label": "Noise", "type": "float", "min": 0.0, "max": 2.0, "default": 0.0,
     "help": "Jitter added to every point (standard deviation; the square is 12 wide)."},
    {"name": "test_share", "label": "Test share", "type": "float", "min": 0.1, "max": 0.9, "default": 0.5,
     "help": "Fraction of the points kept aside to test on (drawn hollow)."},
    {"name": "points", "label": "Points", "type": "int", "min": 20, "max": points2d.MAX_POINTS, "default": 400,
     "help": "How many points to draw, training and test together."},
    _like("seed", default=0, help="Same seed, same settings: the same points and the same run."),
    {"name": "features", "label": "Inputs", "type": "multi", "choices": list(points2d.FEATURES), "default": ["x1", "x2"],
     "choice_labels": {"x1": "x₁", "x2": "x₂", "x1x1": "x₁²", "x2x2": "x₂²", "x1x2": "x₁x₂",
                       "sin_x1": "sin x₁", "sin_x2": "sin x₂"},
     "help": "What the network is given about each point."},
    _like("hidden_sizes", name="hidden", max=32, default=[8, 8],
          help="Units in each hidden layer, comma-separated, e.g. 8,8 (up to 4 layers of 32)."),
    _like("activation", default="tanh",
          help="Non-linearity after each hidden layer (weights start He-scaled for relu, Xavier-scaled otherwise)."),
    _like("optimizer", default="adam"),
    _like("learning_rate", default=0.01, help="Step size. Too high and the loss jumps about or explodes."),
    {"name": "batch", "label": "Batch size", "type": "choice", "choices": BATCHES, "default": "all",
     "help": "Training points per step; all: full-batch gradient descent."},
    _like("weight_decay", default=0.0),
    _like("dropout", default=0.0),
]

PG_FIELDS = {field["name"]: field for field in SCHEMA}
DEFAULTS = {field["name"]: field["default"] for field in SCHEMA}
POINT_SETTINGS = ("dataset", "points", "noise", "test_share", "seed")


def validate_settings(raw):
    """Complete, normalised playground settings from a partial dict (missing ones take
    their defaults), or ConfigError naming every bad one."""
    if not isinstance(raw, dict):
        raise ConfigError({"settings": "settings must be a mapping of names to values"})
    errors = {name: "is not a playground setting" for name in raw if name not in PG_FIELDS}
    settings = {}
    for field in SCHEMA:
        try:
            settings[field["name"]] = check_field(field, raw.get(field["name"], field["default"]))
        except ValueError as error:
            errors[field["name"]] = str(error)
    if errors:
        raise ConfigError(errors)
    return settings


def network_config(settings, train_count):
    """The training config (config.py's) of a playground run on `train_count` points."""
    config = validate_config({
        **RECIPES["default"], "hidden_sizes": settings["hidden"], "layers": "", "activation": settings["activation"],
        "initializer": "he" if settings["activation"] == "relu" else "xavier", "optimizer": settings["optimizer"],
        "learning_rate": settings["learning_rate"], "lr_decay": 1.0, "weight_decay": settings["weight_decay"],
        "dropout": settings["dropout"], "clip_norm": 0.0, "input_scaling": "unit", "seed": settings["seed"]})
    batch = train_count if settings["batch"] == "all" else min(int(settings["batch"]), train_count)
    batches = math.ceil(train_count / batch)
    config.update(train_size=train_count, batch_size=batch, epochs=FOREVER,
                  eval_every=max(1, EVALUATE_EVERY // batches))
    return config


def check_resolution(resolution):
    """`resolution` as an int, or ValueError if a frame's grid cannot have that many cells a side."""
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"a frame's grid has from 2 to {MAX_RESOLUTION} cells a side, not {resolution!r}")
    return resolution


@functools.lru_cache(maxsize=8)
def _grid_features(resolution, names):
    """The features of points2d.grid(resolution), computed once per resolution and features."""
    return points2d.features(points2d.grid(resolution), names)


def frame(network, trainer, names, resolution=64, unit_stride=2):
    """What the page draws for the current weights of a network whose inputs are the
    features `names`, from one forward pass over points2d.grid(resolution):
    {"boundary" (R, R) float32, P(class 1) at each cell; "units" (U, R/s, R/s) float32,
    each hidden unit's output at every s-th cell (rows and columns 0, s, 2s, ...), layer
    by layer; "layers" [units per hidden layer]; train and test "loss" and "accuracy"}."""
    R, s = check_resolution(resolution), max(1, int(unit_stride))
    logits, hidden = forward_with_hidden(network, network.normalize(_grid_features(R, tuple(names))))
    maps = [h.T.reshape(-1, R, R)[:, ::s, ::s] for h in hidden]
    train = evaluate(network, trainer.x_train, trainer.y_train)
    test = evaluate(network, trainer.x_test, trainer.y_test)
    return {
        "boundary": softmax(logits)[:, 1].reshape(R, R).astype(np.float32),
        "units": np.concatenate(maps).astype(np.float32) if maps else np.zeros((0, R // s, R // s), np.float32),
        "layers": [h.shape[1] for h in hidden],
        "train_loss": train["loss"], "train_accuracy": train["accuracy"],
        "test_loss": test["loss"], "test_accuracy": test["accuracy"],
        "step": trainer.step, "epoch": trainer.epoch,
    }


class Playground:
    """The playground's points, settings and run. Every new run gets a new `run_id`."""

    def __init__(self, settings=None):
        self.settings, self.points, self.run, self.run_id = None, None, None, 0
        self.new(settings or {})

    def new(self, raw):
        """New settings: new points if the data settings changed (placed points are kept
        while the data set is the same), and always a fresh, untrained run."""
        settings = validate_settings(raw)
        old = self.settings
        if old is None or any(settings[k] != old[k] for k in POINT_SETTINGS):
            placed = self.points.placed if old and old["dataset"] == settings["dataset"] else ()
            self.points = points2d.PointSet(settings["dataset"], settings["points"], settings["noise"],
                                       settings["test_share"], settings["seed"], placed)
        self.settings = settings
        self.reset()

    def reset(self):
        """Fresh untrained weights for the same settings and points."""
        dataset = self.points.dataset(self.settings["features"])
        config = network_config(self.settings, len(dataset))
        run = prepare_run(config, dataset)
        self.run, self.events, self.diverged = run, None, None
        self.run_id += 1

    def place(self, points):
        """Adds training points [(x1, x2, class), ...]; all or none (ValueError says why)."""
        before = self.points.placed
        try:
            for x1, x2, label in points:
                self.points.place(float(x1), float(x2), int(label))
        except (TypeError, ValueError) as error:
            self.points.placed = before
            raise ValueError(f"those points cannot be placed: {error}") from None
        self._new_training_set()

    def clear_placed(self):
        self.points.clear_placed()
        self._new_training_set()

    def _new_training_set(self):
        """The same network and optimiser state, trained from a new epoch on the current points."""
        old, network = self.run.trainer, self.run.network
        dataset = self.points.dataset(self.settings["features"])
        config = network_config(self.settings, len(dataset))
        trainer = Trainer(network, config, network.normalize(dataset.x_train), dataset.y_train,
                          dataset.test_inputs(network), dataset.y_test, old.rng)
        trainer.optimizer.load_state_dict(old.optimizer.state_dict())
        trainer.step, trainer.epoch = old.step, old.epoch
        self.run = Run(config, dataset, network, trainer, np.arange(len(dataset)))
        self.events = None

    def train(self, budget_ms):
        """Trains for about `budget_ms` milliseconds; returns the number of steps taken."""
        deadline, steps = time.perf_counter() + budget_ms / 1000, 0
        while time.perf_counter() < deadline and self.diverged is None:
            steps += self.step()
        return steps

    def step(self):
        """One mini-batch step (and the end of its epoch, if it was the last); returns 1,
        or 0 if the run has diverged (then `diverged` holds the trainer's explanation)."""
        if self.diverged is not None:
            return 0
        if self.events is None:
            self.events = self.run.trainer.events()
        for event in self.events:
            if event["type"] == "diverged":
                self.diverged = event["message"]
                return 0
            if event["type"] == "progress":
                return 1
        return 0

    def frame(self, resolution=64, unit_stride=2):
        """This run's frame (see `frame`), with its run id, any divergence, and the
        milliseconds it took to compute."""
        started = time.perf_counter()
        drawn = frame(self.run.network, self.run.trainer, self.settings["features"], resolution, unit_stride)
        return {**drawn, "run": self.run_id, "diverged": self.diverged,
                "frame_ms": (time.perf_counter() - started) * 1000}

    def point_arrays(self):
        """The points to draw: training (placed ones last) and test, coordinates and classes."""
        p = self.points
        return {"train": p.xy_train.astype(np.float32), "train_labels": p.y_train.astype(np.uint8),
                "test": p.xy_test.astype(np.float32), "test_labels": p.y_test.astype(np.uint8),
                "placed": len(p.placed), "domain": points2d.DOMAIN}

    def summary(self):
        return {"run": self.run_id, "settings": self.settings, "architecture": self.run.network.describe(),
                "train_count": len(self.points.y_train), "test_count": len(self.points.y_test),
                "placed": len(self.points.placed)}

    def __repr__(self):
        return f"Playground({self.points}, {self.run.network}, run {self.run_id})"
