"""Mini-batch training, reported as a stream of plain-data events.

The loop, as a textbook writes it:

    for epoch in range(epochs):
        for x, y in minibatches(shuffle(x_train, y_train), batch_size):
            x = augment(x)                        (random variants, when augment is on)
            loss, dlogits = softmax_cross_entropy(network.forward(x), y)   # gradients
            grads = network.backward(dlogits)
            g <- g * min(1, clip_norm / ||g||)    (clip by global norm)     # regularise
            g_W <- g_W + weight_decay * W         (L2 on weights, not biases)
            optimizer.step(params, grads, learning_rate(step))              # step
            yield "progress"                                                # report
        yield "epoch", with the test set's loss and accuracy

`events()` is the two loops and `batch_events()` the body, one named step a line.
It never prints or draws: the events are dicts (events.py: "progress" after each batch,
every STATS_EVERY steps with the activation layers' statistics, see activation_stats.py;
"epoch" after each epoch, "diverged", "finished", and "work" between pieces of
a long computation) and whoever consumes them (the CLI, the browser's session)
decides what to show. Long work comes in pieces of roughly WORK multiply-adds
(a few tens of milliseconds inside Pyodide): a batch too big for one piece is
computed in micro-batches whose gradients add up to the batch's, and the test
set is evaluated in chunks, so a browser can answer Stop or a drawing between
pieces. Its position (epoch, batch, shuffled order, step) lives on the object,
so stopping between batches and calling `events()` again continues exactly.
"""

import math

import numpy as np

from scratchnet.data.augment import augment_batch
from scratchnet.data.augment import parse as parse_augment
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.nn.optimizers import make_optimizer
from scratchnet.nn.schedules import exponential
from scratchnet.training import events as made
from scratchnet.training import resume_state, shards
from scratchnet.training.activation_stats import STATS_EVERY, activation_statistics
from scratchnet.training.metrics import evaluation_chunks, per_class_accuracy
from scratchnet.training.shards import shard_gradients

WORK = 1e8  # multiply-adds per piece of training work (about 40-140 ms inside Pyodide, 2 ms natively)
# Evaluation comes in smaller pieces: it runs while a learner may be drawing, and a drawing waits for
# the piece under way (a forward pass only, so about 10-30 ms inside Pyodide).
EVAL_WORK = 1e7
# At most this many rows per micro-batch: the rows the products are chosen at (session.py, run.py),
# and inside Pyodide, without BLAS, longer products run several times slower per row.
MAX_MICRO_ROWS = 256


def evaluation_rows(network):
    """Test examples per piece of evaluation: about EVAL_WORK multiply-adds."""
    return max(1, min(1000, int(EVAL_WORK / network.flops_per_example())))


class Trainer:
    """Trains `network` on normalised inputs x_train with labels y_train, evaluating on
    (x_test, y_test) every `eval_every` epochs (and after the last). `config` is a
    validated config; `rng` the run's shuffling stream (dropout has its own, and so has
    augmentation: `augment_rng`, needed when the config's augment is not none)."""

    def __init__(self, network, config, x_train, y_train, x_test, y_test, rng, augment_rng=None):
        self.network = network
        self.config = config
        self.x_train, self.y_train = x_train, y_train
        self.x_test, self.y_test = x_test, y_test
        self.rng = rng
        self.augment = parse_augment(config.get("augment", "none"))  # {name: strength}, {} for none
        self.augment_rng = augment_rng if augment_rng is not None else np.random.default_rng(0)
        self.loss_fn = softmax_cross_entropy  # a learner's own version can take its place
        self.batch_size = min(config["batch_size"], len(x_train))
        self.batches_per_epoch = math.ceil(len(x_train) / self.batch_size)
        self.optimizer = make_optimizer(config)
        flops = network.flops_per_example()
        self.micro_batch = max(1, min(MAX_MICRO_ROWS, int(WORK / (3 * flops))))  # forward + two backward products
        self.eval_rows = evaluation_rows(network)
        self.shards = 1  # workers computing each batch's gradients, data-parallel (shards.py)
        self.epoch = 0        # finished epochs
        self.batch = 0        # finished batches within the current epoch
        self.step = 0         # finished batches overall
        self.order = None     # this epoch's shuffled indices
        self.diverged = None  # the explanation, once the loss or gradients stop being finite
        self.last_eval = None
        self.restored_epoch = None  # set when divergence put back an earlier epoch's weights
        self.good = (0, network.copy_state(), None)  # (epoch, weights, evaluation) to fall back on
        self._epoch_totals = [0.0, 0.0, 0]  # summed batch loss, summed batch accuracy, batches

    @property
    def finished(self):
        return self.diverged is not None or self.epoch >= self.config["epochs"]

    def learning_rate(self, step=None):
        """Learning rate at `step` (default: the next step), from the exponential schedule."""
        return exponential(self.step if step is None else step, self.config["learning_rate"],
                           decay_rate=self.config["lr_decay"], decay_steps=self.batches_per_epoch)

    def events(self):
        """Trains until done, yielding an event after every batch and every epoch."""
        while not self.finished:
            if self.batch == 0 or self.order is None:
                self.order = self.rng.permutation(len(self.x_train))
            while self.batch < self.batches_per_epoch:
                start = self.batch * self.batch_size
                idx = self.order[start:start + self.batch_size]
                x = self.x_train[idx]
                if self.augment:
                    x = augment_batch(x, self.augment, self.augment_rng)
                event = yield from self.batch_events(x, self.y_train[idx])
                yield event
                if event["type"] == "diverged":
                    return
            yield (yield from self.end_epoch())
            if self.diverged is not None:
                yield self._diverged_event()
                return
        if self.diverged is None:
            yield made.finished(epoch=self.epoch, step=self.step)

    def train_step(self, x, y):
        """One mini-batch update, all at once. Returns a "progress" or "diverged" event."""
        pieces = self.batch_events(x, y)
        while True:
            try:
                next(pieces)
            except StopIteration as done:
                return done.value

    def batch_events(self, x, y):
        """One mini-batch update: gradients, regularise, step, report. Yields "work" between
        micro-batches; returns the "progress" event, or "diverged" with the weights untouched
        when the loss or the gradients are no longer finite numbers."""
        grads, loss, correct = yield from self.gradients(x, y)
        return self.apply_gradients(grads, loss, correct, len(y))

    def apply_gradients(self, grads, loss, correct, N):
        """The rest of a step, once the batch's gradients are known (from one worker or several):
        the divergence check, regularise, step, report. Returns the "progress" or "diverged" event."""
        grad_norms = self.grad_norms(grads)
        total_norm = math.sqrt(sum(n * n for n in grad_norms.values()))
        learning_rate = self.learning_rate()
        # Every few steps, the activation layers' health, from what they kept of the last
        # micro-batch (before a divergence check runs the network on other examples).
        stats = activation_statistics(self.network.layers) if self.step % STATS_EVERY == 0 else None
        if not (math.isfinite(loss) and math.isfinite(total_norm)):
            what = "the loss" if not math.isfinite(loss) else "the gradients"
            return self._diverge(f"Training stopped at epoch {self.epoch + 1}, batch {self.batch + 1}: "
                                 f"{what} stopped being finite numbers (infinite or NaN).", learning_rate)
        clip_scale = self.clip_scale(total_norm)
        self.optimizer.step(self.regularise(grads, clip_scale), learning_rate)
        return self.report(N, loss, correct, learning_rate, grad_norms, clip_scale < 1.0, stats)

    def gradients(self, x, y):
        """The gradients {name: g} of the batch's mean loss, the loss, and how many examples the
        network got right. Computed in micro-batches of at most `micro_batch` rows, yielding
        "work" between them: each one's dlogits is scaled by its share of the batch, so their
        gradients add up to the batch's. With `shards` > 1, as k workers compute them
        (shards.py), here one shard after another unless `compute_shards` is replaced."""
        if self.shards == 1:
            return (yield from shard_gradients(self.network, x, y, len(y), 0, self.micro_batch, self.loss_fn))
        N, state = len(y), shards.dropout_state(self.network)
        jobs = [{"x": x[a:b], "y": y[a:b], "N": N, "start": a, "micro_batch": self.micro_batch,
                 "dropout_state": state} for a, b in shards.shard_bounds(N, self.shards)]
        results = yield from self.compute_shards(jobs)
        shards.finish_dropout(self.network, state, N)
        return shards.add_up(results)

    def compute_shards(self, jobs):
        """[(grads, loss, correct)] of each shard job (shard_gradients' arguments), in order:
        here, one after another in this process."""
        results = []
        for job in jobs:
            results.append((yield from shard_gradients(self.network, loss_fn=self.loss_fn, **job)))
        return results

    def grad_norms(self, grads):
        """{layer name: ||g||} over each layer's parameters."""
        return {layer.name: math.sqrt(sum(float(np.vdot(g, g)) for g in
                                          (grads[f"{layer.name}.{k}"] for k in layer.params)))
                for layer in self.network.param_layers()}

    def clip_scale(self, total_norm):
        """min(1, clip_norm / ||g||), or 1 when clipping is off."""
        clip = self.config["clip_norm"]
        return clip / total_norm if 0 < clip < total_norm else 1.0

    def regularise(self, grads, clip_scale):
        """[(name, W, g)] for the optimiser, each g clipped (g <- g * clip_scale) and, for
        weights, with weight decay added (g <- g + weight_decay * W), in place."""
        weight_decay, params = self.config["weight_decay"], []
        for name, W, _ in self.network.named_params():
            g = grads[name]
            if clip_scale != 1.0:
                g *= clip_scale
            if weight_decay and name.endswith(".W"):
                g += weight_decay * W
            params.append((name, W, g))
        return params

    def report(self, N, loss, correct, learning_rate, grad_norms, clipped, stats):
        """Counts the step (position, the epoch's running totals); returns its "progress" event."""
        self.batch += 1
        self.step += 1
        batch_accuracy = correct / N
        totals = self._epoch_totals
        totals[0] += loss
        totals[1] += batch_accuracy
        totals[2] += 1
        return made.progress(epoch=self.epoch, epochs=self.config["epochs"], batch=self.batch,
                             batches=self.batches_per_epoch, step=self.step, samples=N, loss=loss,
                             accuracy=batch_accuracy, learning_rate=learning_rate, grad_norms=grad_norms,
                             clipped=clipped, activations=stats)

    def _diverge(self, what, learning_rate):
        """Stops the run, keeping weights that still predict: the last good step's if
        they do, else the last evaluated epoch's (or the untrained start)."""
        kept = "The weights from the last good step are kept."
        self.restored_epoch = None
        if not self._predicts():
            epoch, weights, evaluation = self.good
            self.network.load_state(weights)
            self.last_eval = evaluation
            self.restored_epoch = epoch
            kept = (f"The weights had grown so large that the network read every example the same way, "
                    f"so they were put back to {f'the end of epoch {epoch}' if epoch else 'their untrained start'}.")
        clip = self.config["clip_norm"]
        advice = (f"or clip the gradients at a smaller norm than {clip:g}" if clip > 0
                  else "or turn on gradient clipping")
        self.diverged = (
            f"{what} This usually means the learning rate ({learning_rate:.3g}) is too high: each update "
            f"overshoots, the weights grow, and the numbers overflow. Try a learning rate 10 times smaller, "
            f"{advice}. {kept}")
        return self._diverged_event()

    def _diverged_event(self):
        return made.diverged(epoch=self.epoch, batch=self.batch, step=self.step, message=self.diverged,
                             restored_epoch=self.restored_epoch)

    def _predicts(self):
        """Do the current weights give finite, not all-alike outputs on some test examples?"""
        with np.errstate(all="ignore"):
            logits = self.network.forward(self.x_test[:200])
        return bool(np.all(np.isfinite(logits)) and len(np.unique(logits.argmax(axis=1))) > 1)

    def end_epoch(self):
        """Ends the epoch, evaluating on the test set when it is time (yielding "work"
        between chunks); returns the "epoch" event."""
        epoch = self.epoch + 1  # counted as finished once its evaluation is done, not before
        loss_sum, accuracy_sum, batches = self._epoch_totals
        # Training figures are the mean over the epoch's batches (weights kept changing).
        event = made.epoch(epoch=epoch, epochs=self.config["epochs"], step=self.step,
                           train_loss=loss_sum / max(batches, 1), train_accuracy=accuracy_sum / max(batches, 1),
                           learning_rate=self.learning_rate())
        every = self.config.get("eval_every", 1)
        if epoch % every and epoch < self.config["epochs"]:
            self._next_epoch()
            return event
        chunks = evaluation_chunks(self.network, self.x_test, self.y_test, self.eval_rows)
        while True:
            try:
                next(chunks)
                yield made.work("evaluate")
            except StopIteration as done:
                result = done.value
                break
        self._next_epoch()
        self.last_eval = result
        if math.isfinite(result["loss"]):
            self.good = (self.epoch, self.network.copy_state(), result)
        else:
            self._diverge(f"Training stopped after epoch {self.epoch}: the test loss is no longer a finite "
                          "number, because the network's outputs overflow.", self.learning_rate())
        return made.evaluated(event, test_loss=result["loss"], test_accuracy=result["accuracy"],
                              confusion=result["confusion"].tolist(),
                              per_class_accuracy=per_class_accuracy(result["confusion"]).tolist())

    def _next_epoch(self):
        self.epoch += 1
        self.batch = 0
        self._epoch_totals = [0.0, 0.0, 0]

    def state_dict(self):
        """Everything besides the weights needed to resume exactly (see resume_state.py)."""
        return resume_state.save(self)

    def load_state_dict(self, state):
        resume_state.load(self, state)
