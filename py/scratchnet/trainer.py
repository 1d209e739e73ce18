"""Mini-batch training, reported as a stream of plain-data events.

The trainer shuffles the training set each epoch, takes mini-batches, runs
forward, loss, backward, then regularises and updates:

    logits = network(x);  loss, dlogits = softmax_cross_entropy(logits, y)
    backward(dlogits)                     -> gradients g for every parameter
    g <- g * min(1, clip_norm / ||g||)    (clipping by global norm, if enabled)
    g_W <- g_W + weight_decay * W         (L2 on weights, not biases)
    optimizer.step(params, lr(step))

It never prints or draws: `events()` yields dicts ("progress" after each batch,
"epoch" after each evaluation, "diverged", "finished") and whoever consumes them
(the CLI, the browser bridge) decides what to show. Its position (epoch, batch,
shuffled order, step) lives on the object, so stopping between batches and
calling `events()` again continues exactly where it left off.
"""

import json
import math

import numpy as np

from .losses import softmax_cross_entropy
from .metrics import evaluate, per_class_accuracy
from .optim import make_optimizer
from .schedules import exponential


class Trainer:
    """Trains `network` on normalised inputs x_train (N, 784) with labels y_train (N,),
    evaluating on (x_test, y_test) after every epoch. `config` is a validated config;
    `rng` a numpy Generator (shuffling only; dropout has its own from the network)."""

    def __init__(self, network, config, x_train, y_train, x_test, y_test, rng):
        self.network = network
        self.config = config
        self.x_train, self.y_train = x_train, y_train
        self.x_test, self.y_test = x_test, y_test
        self.rng = rng
        self.batch_size = min(config["batch_size"], len(x_train))
        self.batches_per_epoch = math.ceil(len(x_train) / self.batch_size)
        self.optimizer = make_optimizer(config["optimizer"], momentum=config["momentum"])
        self.epoch = 0        # finished epochs
        self.batch = 0        # finished batches within the current epoch
        self.step = 0         # finished batches overall
        self.order = None     # this epoch's shuffled indices
        self.diverged = None  # the explanation, once the loss or gradients stop being finite
        self.last_eval = None
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
                event = self.train_step(self.x_train[idx], self.y_train[idx])
                yield event
                if event["type"] == "diverged":
                    return
            yield self.end_epoch()
            if self.diverged is not None:
                yield {"type": "diverged", "epoch": self.epoch, "batch": self.batch,
                       "step": self.step, "message": self.diverged}
                return
        if self.diverged is None:
            yield {"type": "finished", "epoch": self.epoch, "step": self.step}

    def train_step(self, x, y):
        """One mini-batch update. Returns a "progress" event, or "diverged" (weights untouched)."""
        network, config = self.network, self.config
        logits = network.forward(x, training=True)
        loss, dlogits = softmax_cross_entropy(logits, y)
        network.backward(dlogits)

        grad_norms = {layer.name: math.sqrt(sum(float(np.vdot(g, g)) for g in layer.grads.values()))
                      for layer in network.dense_layers()}
        total_norm = math.sqrt(sum(n * n for n in grad_norms.values()))
        learning_rate = self.learning_rate()
        if not (math.isfinite(loss) and math.isfinite(total_norm)):
            return self._diverge(loss, learning_rate)

        clip = config["clip_norm"]
        scale = clip / total_norm if 0 < clip < total_norm else 1.0
        for name, W, g in network.named_params():
            if scale != 1.0:
                g *= scale
            if config["weight_decay"] and name.endswith(".W"):
                g += config["weight_decay"] * W
        self.optimizer.step(network.named_params(), learning_rate)

        self.batch += 1
        self.step += 1
        batch_accuracy = float(np.mean(logits.argmax(axis=1) == y))
        totals = self._epoch_totals
        totals[0] += loss
        totals[1] += batch_accuracy
        totals[2] += 1
        return {
            "type": "progress", "epoch": self.epoch, "epochs": config["epochs"],
            "batch": self.batch, "batches": self.batches_per_epoch, "step": self.step,
            "samples": len(y), "loss": loss, "accuracy": batch_accuracy,
            "learning_rate": learning_rate, "grad_norms": grad_norms, "clipped": scale < 1.0,
        }

    def _diverge(self, loss, learning_rate):
        what = "the loss" if not math.isfinite(loss) else "the gradients"
        self.diverged = (
            f"Training stopped at epoch {self.epoch + 1}, batch {self.batch + 1}: {what} stopped "
            f"being finite numbers (infinite or NaN). This usually means the "
            f"learning rate ({learning_rate:.3g}) is too high: each update overshoots, the weights "
            f"grow, and the numbers overflow. Try a learning rate 10 times smaller, or turn on "
            f"gradient clipping. The weights from the last good step are kept."
        )
        return {"type": "diverged", "epoch": self.epoch, "batch": self.batch, "step": self.step,
                "message": self.diverged}

    def end_epoch(self):
        """Evaluates on the test set and returns the "epoch" event."""
        self.epoch += 1
        self.batch = 0
        loss_sum, accuracy_sum, batches = self._epoch_totals
        self._epoch_totals = [0.0, 0.0, 0]
        result = evaluate(self.network, self.x_test, self.y_test)
        self.last_eval = result
        if not math.isfinite(result["loss"]):
            # The weights are finite, but so large that some outputs overflow.
            self.diverged = (
                f"Training stopped after epoch {self.epoch}: the test loss is no longer a finite "
                f"number, because the weights have grown so large that the network's outputs "
                f"overflow. This usually means the learning rate ({self.learning_rate():.3g}) is too "
                f"high. Try a learning rate 10 times smaller, or turn on gradient clipping.")
        return {
            "type": "epoch", "epoch": self.epoch, "epochs": self.config["epochs"], "step": self.step,
            # Training figures are the mean over the epoch's batches (weights kept changing).
            "train_loss": loss_sum / max(batches, 1), "train_accuracy": accuracy_sum / max(batches, 1),
            "test_loss": result["loss"], "test_accuracy": result["accuracy"],
            "confusion": result["confusion"].tolist(),
            "per_class_accuracy": per_class_accuracy(result["confusion"]).tolist(),
            "learning_rate": self.learning_rate(),
        }

    def state_dict(self):
        """Everything besides the weights needed to resume exactly: position, optimiser, RNG."""
        state = {f"optimizer/{k}": v for k, v in self.optimizer.state_dict().items()}
        state.update({"epoch": np.array(self.epoch), "batch": np.array(self.batch),
                      "step": np.array(self.step), "epoch_totals": np.array(self._epoch_totals),
                      "rng": np.array(json.dumps(self.rng.bit_generator.state))})
        if self.order is not None:
            state["order"] = self.order.copy()
        return state

    def load_state_dict(self, state):
        self.epoch, self.batch, self.step = (int(state[k]) for k in ("epoch", "batch", "step"))
        self.order = np.array(state["order"]) if "order" in state else None
        loss_sum, accuracy_sum, batches = state["epoch_totals"]
        self._epoch_totals = [float(loss_sum), float(accuracy_sum), int(batches)]
        self.rng.bit_generator.state = json.loads(str(state["rng"]))
        self.optimizer.load_state_dict({k[len("optimizer/"):]: v for k, v in state.items()
                                        if k.startswith("optimizer/")})
