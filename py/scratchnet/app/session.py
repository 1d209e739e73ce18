"""What one learner's page holds: the dataset, the pretrained model, the current
model and the run that trains it. Plain Python, usable natively; the browser's
bridge only converts data to and from it.

The current model changes in one place only, `switch_model`, and every change
gets a new model id, which every summary and every prediction carries: the page
can always tell which model an answer came from. Long work (training, evaluating
the test set) advances in time-boxed pieces, so a request to stop or to classify
a drawing is answered between pieces.
"""

import io
import json
import time

import numpy as np

from scratchnet.files.model_file import load_model, model_bytes
from scratchnet.teaching import learner_code
from scratchnet.teaching.checker import LearnerCodeError, check_source, compile_code
from scratchnet.teaching.coach import Coach
from scratchnet.teaching.exercises import NAMES
from scratchnet.training import events as made
from scratchnet.training.curves import curves_from_epochs
from scratchnet.training.metrics import evaluation_chunks
from scratchnet.training.settings import ConfigError, recipes_for, validate_config
from scratchnet.training.setup import choose_products, prepare_run
from scratchnet.training.trainer import evaluation_rows


class NoRunError(RuntimeError):
    """Asked to train, but the current model has no training run (e.g. the pretrained one)."""


class Session:
    """The dataset (a datasets.Dataset), the pretrained model, and what the learner has done."""

    def __init__(self, dataset, pretrained):
        self.dataset = dataset
        self.pretrained = pretrained
        self.defaults = recipes_for(len(dataset))["default"]
        self.config = validate_config(self.defaults, len(dataset))
        self.model_id = 0
        self.product_choices = {}  # (batch rows, architecture) -> formulation of each dense layer
        self.code = {}  # the learner's code in use: {exercise name: source}
        self.functions = {}  # ... compiled: {exercise name: function}
        self.switch_model(pretrained, "pretrained")

    # --- the current model ---------------------------------------------------------------------

    def switch_model(self, network, kind, run=None):
        """Makes `network` the current model ("pretrained", "untrained", "imported"); a new
        run's network comes with its run. Anything running for the old model is dropped."""
        self.network, self.kind, self.run = network, kind, run
        self._apply_code()
        self.events = None  # the run's event generator, made when training starts
        self.evaluation = None  # a test-set evaluation under way: a generator of chunks
        self.paused = None  # the "shards" or "shards-wait" event the last chunk stopped on (shard_calls.py)
        self.last_eval = run.trainer.last_eval if run else None
        self.coach = Coach(network.num_classes, network.config)  # the health of this model's run, from its events
        self.model_id += 1

    def summary(self):
        """Plain data about the current model, for the page's model line."""
        trainer = self.run.trainer if self.run else None
        history = self.network.history
        accuracy = (self.last_eval["accuracy"] if self.last_eval
                    else history.get("test_accuracy") if self.kind in ("pretrained", "imported") else None)
        return {
            "id": self.model_id, "name": self.kind, "layers": self.network.sizes,
            "architecture": self.network.describe(), "activation": self.network.config["activation"],
            "epochs_trained": trainer.epoch if trainer else history.get("epochs_trained", 0),
            "test_accuracy": accuracy, "config": self.network.config, "code": sorted(self.code),
            "run": None if trainer is None else {"finished": trainer.finished, "step": trainer.step,
                                                 "diverged": trainer.diverged is not None},
            "health": self.coach.findings(sorted(self.code)),  # the coach's findings about this model's run
            # A model without a run in this page shows the curves its file came with.
            "curves": self.network.history.get("curves") if trainer is None else None,
        }

    def history(self):
        """What a model file records of the current model: epochs, test accuracy, learning curves
        (this run's, or the ones its own file came with)."""
        summary = self.summary()
        curves = curves_from_epochs(self.coach.epochs) if self.run else self.network.history.get("curves")
        return {"epochs_trained": summary["epochs_trained"], "test_accuracy": summary["test_accuracy"],
                **({"curves": curves} if curves else {})}

    def validate(self, raw):
        """A complete config from the page's settings, or ConfigError."""
        return validate_config(raw, len(self.dataset), self.defaults)

    def new_run(self, raw):
        """A fresh untrained network and its run for the given settings."""
        config = self.validate(raw)
        run = prepare_run(config, self.dataset)
        self.config = config
        self.switch_model(run.network, "untrained", run)

    def _apply_code(self):
        """The learner's code (or the references) and the fastest products, in the current model."""
        run, dense_code = self.run, {"dense_forward", "dense_backward"} & set(self.functions)
        if run is not None and not dense_code:
            self._choose_products(run)
        batch = run.trainer.x_train[:min(run.trainer.batch_size, 256)] if run is not None and dense_code else None
        learner_code.use(self.network, run.trainer if run else None, self.functions, batch)

    def use_code(self, sources):
        """From the next step on, the network runs the learner's `sources` ({exercise name:
        source}; the others stay the references'). Raises checker.LearnerCodeError naming the
        exercise whose code does not compile; nothing changes then."""
        functions = {}
        for name, source in sources.items():
            if name not in NAMES:
                raise ValueError(f"{name!r} is not an exercise; choose from {', '.join(NAMES)}")
            fn = compile_code(source, name)
            functions[name] = learner_code.wrap(fn)
        self.code, self.functions = dict(sources), functions
        self._apply_code()

    def check_code(self, name, source):
        """checker.check_source() of the learner's `source` for exercise `name`, on this dataset's images."""
        if name not in NAMES:
            raise ValueError(f"{name!r} is not an exercise; choose from {', '.join(NAMES)}")
        batch = self.network.normalize(self.dataset.x_train[:8]).reshape(8, -1).astype("float64")
        return check_source(name, source, batch)

    def code_view(self):
        """The code the current network runs (see learner_code.code_view)."""
        return learner_code.code_view(self.network, self.run.trainer if self.run else None, self.code)

    def _choose_products(self, run):
        """Times the products for this architecture on a real batch, once per shape."""
        rows = min(run.trainer.batch_size, run.trainer.micro_batch, 256)
        key = (rows, run.network.describe(), run.config["layers"])
        if key not in self.product_choices:
            choose_products(run)
            self.product_choices[key] = [layer.products for layer in run.network.dense_layers()]
        for layer, products in zip(run.network.dense_layers(), self.product_choices[key]):
            layer.products = products

    def use_model(self, network, kind):
        """An imported (or the pretrained) model; its settings become the page's."""
        n = len(self.dataset)
        self.config = self.validate({**network.config, "train_size": min(network.config["train_size"], n),
                                     "batch_size": min(network.config["batch_size"], n)})
        self.switch_model(network, kind)

    def next_training_images(self, count):
        """Up to `count` raw training images of the run's next batch (the dataset's first ones
        when there is no run, or no epoch under way)."""
        trainer = self.run.trainer if self.run else None
        if trainer is None or trainer.order is None:
            return self.dataset.x_train[:count]
        start = trainer.batch * trainer.batch_size
        picked = trainer.order[start:start + min(count, trainer.batch_size)]
        return self.dataset.x_train[self.run.indices[picked]]

    # --- long work in pieces -------------------------------------------------------------------

    def train(self, budget_ms):
        """Trains for about `budget_ms`; returns (events, finished, seconds spent on
        batches): the trainer's events, without its "work" events. A step shared with helper
        workers stops the chunk early, with the request in `paused`."""
        if self.run is None:
            raise NoRunError("There is no training run for this model: press Train to start one.")
        trainer = self.run.trainer
        if trainer.finished and self.events is None:
            return [], True, 0.0
        if self.events is None:
            self.events = trainer.events()
        deadline = time.perf_counter() + budget_ms / 1000
        events, train_seconds, started, done = [], 0.0, time.perf_counter(), True
        self.paused = None
        for event in self._guarded(events):
            now = time.perf_counter()
            if event["type"] in ("shards", "shards-wait"):  # a step shared with helpers waits for the page
                self.paused, done = event, False
                break
            if event["type"] == "progress" or event.get("phase") == "train":
                train_seconds += now - started  # samples/s counts the batches, not the evaluations
            started = now
            if event["type"] != "work":
                events.append(event)
                self._note(event)
                if event["type"] in ("finished", "diverged"):
                    break
            if now >= deadline:
                done = False
                break
        if events and events[-1]["type"] == "code-error":
            return events, False, train_seconds
        if done:
            self.events = None
        return events, done, train_seconds

    def step(self):
        """Exactly one mini-batch step, and the end of the epoch if it was its last batch;
        returns the events."""
        if self.run is None:
            raise NoRunError("There is no training run for this model: press Train to start one.")
        trainer = self.run.trainer
        if self.events is None:
            if trainer.finished:
                return []
            self.events = trainer.events()
        events = []
        for event in self._guarded(events):
            if event["type"] == "work":
                continue
            events.append(event)
            self._note(event)
            last_batch = trainer.batch == trainer.batches_per_epoch
            if event["type"] in ("diverged", "finished") or (event["type"] == "progress" and not last_batch) \
                    or (event["type"] == "epoch" and not trainer.finished):
                break
        if trainer.finished:
            self.events = None
        return events

    def _guarded(self, events):
        """The run's events; an error in the learner's code ends them with a "code-error" event
        (the run stays where it was: fix the code, or go back to the reference, and resume)."""
        while True:  # not `yield from`: leaving a chunk early must not close the run's generator
            try:
                event = next(self.events)
            except StopIteration:
                return
            except LearnerCodeError as error:
                self.events = None
                events.append(made.code_error(error.message, error.line))
                return
            yield event

    def _note(self, event):
        self.coach.add(event)
        if event["type"] == "epoch" and event["evaluated"]:
            self.kind, self.last_eval = "trained", self.run.trainer.last_eval
        elif event["type"] == "diverged":
            self.last_eval = self.run.trainer.last_eval

    def evaluate(self, budget_ms):
        """Advances the test-set evaluation of the current model for about `budget_ms`;
        returns the result once it is complete, else None."""
        if self.last_eval is not None:
            return self.last_eval
        if self.evaluation is None:
            # Raw test images, normalised piece by piece: the first evaluation after start-up
            # comes in small pieces too, and a drawing need not wait for all 10,000 at once.
            self.evaluation = evaluation_chunks(self.network, self.dataset.x_test, self.dataset.y_test,
                                                evaluation_rows(self.network), prepare=self.network.normalize)
        deadline = time.perf_counter() + budget_ms / 1000
        while True:
            try:
                next(self.evaluation)
            except StopIteration as done:
                self.last_eval, self.evaluation = done.value, None
                return self.last_eval
            if time.perf_counter() >= deadline:
                return None

    # --- checkpoints, to bring a session back in a new worker ----------------------------------

    def checkpoint(self):
        """The current model, settings and run position as .npz bytes (plain arrays only)."""
        state = {f"param/{k}": v for k, v in self.network.state().items()}
        state["meta"] = np.array(json.dumps({"kind": self.kind, "config": self.config, "code": self.code,
                                             "network_config": self.network.config, "run": self.run is not None}))
        if self.run:
            state.update({f"trainer/{k}": v for k, v in self.run.trainer.state_dict().items()})
        elif self.kind != "pretrained":
            state["model"] = np.frombuffer(model_bytes(self.network, self.network.history), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, **state)
        return buffer.getvalue()

    def restore(self, data, code=True):
        """Brings back a checkpoint() in this session. A run is set up again from its
        settings and seed (deterministic), then its weights and position are put back; the
        learner's code it names is switched in again only if `code`."""
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(str(arrays["meta"]))
        self.code, self.functions = {}, {}
        if meta["run"]:
            run = prepare_run(self.validate(meta["network_config"]), self.dataset)
            run.network.load_state({k[6:]: v for k, v in arrays.items() if k.startswith("param/")})
            run.trainer.load_state_dict({k[8:]: v for k, v in arrays.items() if k.startswith("trainer/")})
            self.switch_model(run.network, meta["kind"], run)
        elif meta["kind"] != "pretrained":
            self.switch_model(load_model(arrays["model"].tobytes()), meta["kind"])
        else:
            self.switch_model(self.pretrained, "pretrained")
        try:
            self.config = self.validate(meta["config"])
        except ConfigError:
            pass
        if code and meta.get("code"):
            self.use_code(meta["code"])

