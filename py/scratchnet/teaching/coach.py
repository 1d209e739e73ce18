"""The training-health coach: what a run's events say about its health, in plain words.

    findings = diagnose(events, num_classes, config)

is a pure function of the trainer's events ("progress" per batch, "epoch", "diverged"), some
of whose "progress" events carry `activations`: statistics of each activation layer, taken
by `activation_statistics` from what the layers kept for backward (no extra forward pass).
Each finding is plain data: {"condition", "title", "message", "fix", "layer"?}; the fix fits the
run's settings (`config`: it never suggests what is already on). The conditions:

    diverged     the loss or the gradients stopped being finite numbers (the trainer's own words)
    chance       the loss sits at ln C (2.30 for 10 classes): what always answering 1/C scores
    vanishing    the first layer's gradient norm is far below the last layer's
    exploding    the gradient norm has grown far beyond where it started
    dead-relu    most units of a ReLU layer output 0 for every example of a batch
    saturated    most sigmoid or tanh outputs sit in the flat ends of the curve
    lr-too-low   the loss has barely moved since the start while the gradients are healthy
    overfitting  the test loss climbs from its best while the training loss keeps falling (the
                 train-test gap grows)
    train-test-gap  training accuracy far above test accuracy at the last evaluation, though the
                 test loss has not (yet) turned up: the fix suggests augmentation when it is off

`Coach` keeps what diagnose needs of a long run (the first and the latest batches, the one with
the largest gradient, every epoch) in bounded memory, and follows it live: a finding stays listed
for HOLD_STEPS steps after its condition last held, so that a condition on its threshold does not
flicker in and out, and with the learner's own code in use every fix says that code may be the
cause. Nothing here knows a browser or prints.
"""

import math
from collections import deque

CONDITIONS = ("diverged", "chance", "vanishing", "exploding", "dead-relu", "saturated", "lr-too-low",
              "overfitting", "train-test-gap")
# Causes before symptoms: the order findings are listed in.
SEVERITY = ("diverged", "exploding", "vanishing", "dead-relu", "saturated", "chance", "lr-too-low", "overfitting",
            "train-test-gap")
MIN_STEPS = 50            # steps before a stall (chance, lr-too-low) is judged
WINDOW = 10               # batches averaged for "the start" and "now"
CHANCE_MARGIN = 0.1       # |loss - ln C| within this counts as chance
FLAT_SHARE = 0.02         # a loss that moved less than 2% of its start has barely moved
VANISHING_RATIO = 0.1     # first layer's gradient norm / last layer's (healthy runs: 0.6 to 5)
EXPLODING_GROWTH = 100.0  # largest gradient norm / the first batch's
DEAD_SHARE = 0.5          # of a ReLU layer's units dead on a whole batch
SATURATED_SHARE = 0.5     # of a sigmoid or tanh layer's outputs within 0.01 of 0 or 1 (or -1, 1)
OVERFIT_RISE = 0.1        # test loss 10% above its best ...
OVERFIT_GAP = 0.03        # ... and training accuracy this far above test accuracy
WIDE_GAP = 0.10           # training accuracy this far above test accuracy is a gap worth a hint on its own
HOLD_STEPS = 200          # a live finding stays listed this many steps after its condition last held


def _mean(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return sum(values) / len(values) if values else None


def _total_norm(event):
    return math.sqrt(sum(n * n for n in event["grad_norms"].values()))


def _finding(condition, title, message, fix, **extra):
    return {"condition": condition, "title": title, "message": message, "fix": fix, **extra}


def _clipping(config):
    """The advice on clipping that fits the settings: turn it on, or tighten it."""
    clip = config.get("clip_norm", 0)
    return f"clip at a smaller norm than {clip:g}" if clip > 0 else "turn on gradient clipping (e.g. at norm 5)"


def _unless(config, key, value, words):
    """`words`, unless the setting `key` is already `value` ('' then)."""
    return "" if config.get(key) == value else words


def _either(options):
    """'A, b or c.': the non-empty options as one sentence."""
    options = [o for o in options if o]
    words = ", ".join(options[:-1]) + (" or " if len(options) > 1 else "") + options[-1]
    return words[0].upper() + words[1:] + "."


def _diverged(events, config):
    event = next((e for e in events if e["type"] == "diverged"), None)
    if event is None:
        return []
    return [_finding("diverged", "Training diverged", event["message"],
                     f"Try a learning rate 10 times smaller, or {_clipping(config)}.")]


def _gradients(batches, dead, config):
    """Vanishing gradients (unless dead ReLUs explain them), from the latest batches' norms,
    and exploding ones, from the largest norm."""
    found = []
    recent = batches[-WINDOW:]
    names = list(recent[-1]["grad_norms"])
    if len(names) >= 2 and not dead:
        ratio = _mean([e["grad_norms"][names[0]] / e["grad_norms"][names[-1]] for e in recent
                       if e["grad_norms"][names[-1]] > 0])
        if ratio is not None and ratio < VANISHING_RATIO:
            found.append(_finding(
                "vanishing", "Vanishing gradients",
                f"The first layer's gradient is {ratio:.1e} times the last layer's: almost nothing of the error "
                f"reaches the first layers, so they barely learn. Each sigmoid or tanh layer multiplies the "
                f"gradient by its slope (at most 0.25 for sigmoid) on the way back.",
                _either([_unless(config, "activation", "relu", "use ReLU"), "fewer layers",
                         "an initialiser suited to the activation (He for ReLU, Xavier for tanh)"]),
                layer=names[0]))
    first, peak = _total_norm(batches[0]), max(batches, key=_total_norm)
    if first > 0 and _total_norm(peak) > EXPLODING_GROWTH * first:
        found.append(_finding(
            "exploding", "Exploding gradients",
            f"The gradient norm grew from {first:.3g} at the first step to {_total_norm(peak):.3g} at step "
            f"{peak['step']}: each update overshoots, and the next gradient is larger still.",
            f"Lower the learning rate, or {_clipping(config)}."))
    return found


def _activations(batches, config):
    """Dead ReLUs and saturated units, from the latest batch that has statistics."""
    latest = next((e["activations"] for e in reversed(batches) if e.get("activations")), None)
    found = []
    for name, stat in (latest or {}).items():
        if stat.get("dead", 0) >= DEAD_SHARE:
            found.append(_finding(
                "dead-relu", "Dead ReLUs",
                f"{stat['dead']:.0%} of the units in {name} output 0 for every example of the last batch: "
                f"a dead ReLU passes no gradient, so it never recovers.",
                "Lower the learning rate (a big step can push a unit's bias far below zero)"
                + _unless(config, "initializer", "he", ", or use He initialisation") + ".", layer=name))
        if stat.get("saturated", 0) >= SATURATED_SHARE:
            found.append(_finding(
                "saturated", "Saturated units",
                f"{stat['saturated']:.0%} of the outputs of {name} sit at the flat ends of the {stat['kind']} "
                f"curve, where its slope is almost 0: little gradient flows through them.",
                _either([_unless(config, "input_scaling", "standardize", "standardise the inputs"),
                         _unless(config, "initializer", "xavier", "use Xavier initialisation"),
                         "a lower learning rate", "switch to ReLU"]),
                layer=name))
    return found


def _stalls(batches, num_classes, explained):
    """The loss at chance, and a loss that has barely moved since the start."""
    if batches[-1]["step"] < MIN_STEPS or len(batches) < 2 * WINDOW:
        return []
    found = []
    start = _mean([e["loss"] for e in batches[:WINDOW]])
    now = _mean([e["loss"] for e in batches[-WINDOW:]])
    accuracy = _mean([e["accuracy"] for e in batches[-WINDOW:]])
    chance = math.log(num_classes)
    if now is not None and abs(now - chance) < CHANCE_MARGIN and accuracy < 2 / num_classes:
        found.append(_finding(
            "chance", "Stuck at chance",
            f"The loss is {now:.2f}, about ln {num_classes} = {chance:.2f}: what a network scores when it gives "
            f"every digit the same {1 / num_classes:.0%}. After {batches[-1]['step']} steps it is still guessing "
            f"({accuracy:.0%} of the last batches right).",
            "Look at the other findings for why; often the gradients vanish or the ReLUs died."))
    if start and now is not None and not explained and abs(start - now) < FLAT_SHARE * start:
        lr = batches[-1]["learning_rate"]
        found.append(_finding(
            "lr-too-low", "Learning rate too low",
            f"In {batches[-1]['step']} steps the loss has only moved from {start:.3f} to {now:.3f}, while the "
            f"gradients are of a normal size: each step (learning rate {lr:.3g}) is too small to get anywhere.",
            "Try a learning rate 10 to 100 times larger."))
    return found


def _fewer_memorised(config):
    """What makes a network learn its examples less by heart, augmentation first when it is off."""
    augment = config.get("augment", "none") or "none"
    if augment == "none":
        return ("turn on augmentation (e.g. shift:2,rotate:10: every epoch then shows it new variants of its "
                "images, which it cannot learn by heart), use more training examples, L2 weight decay or dropout")
    return f"use stronger augmentation than {augment}, more training examples, L2 weight decay or dropout"


def _overfitting(epochs, config):
    """The test loss rising from its best while the training loss still falls: the gap between
    them grows, and the network does clearly better on its training examples. Failing that, a
    training accuracy far above the test accuracy (WIDE_GAP) at the last of two or more
    evaluations: "train-test-gap"."""
    evaluated = [e for e in epochs if e.get("evaluated") and e.get("test_loss") is not None]
    if len(evaluated) < 2:
        return []
    best = min(evaluated, key=lambda e: e["test_loss"])
    last = evaluated[-1]
    accuracy_gap = last["train_accuracy"] - last["test_accuracy"]
    fix = _fewer_memorised(config)
    if (len(evaluated) < 3 or best is last or last["test_loss"] < (1 + OVERFIT_RISE) * best["test_loss"]
            or last["train_loss"] >= best["train_loss"] or accuracy_gap < OVERFIT_GAP):
        if accuracy_gap < WIDE_GAP:
            return []
        return [_finding(
            "train-test-gap", "Training accuracy far above test accuracy",
            f"After epoch {last['epoch']} the network gets {last['train_accuracy']:.1%} of its training examples "
            f"right but {last['test_accuracy']:.1%} of the test digits, {100 * accuracy_gap:.0f} points fewer: it "
            "knows its own images better than digits in general.",
            fix[0].upper() + fix[1:] + ".")]
    return [_finding(
        "overfitting", "Overfitting",
        f"The test loss was lowest after epoch {best['epoch']} ({best['test_loss']:.3f}) and is "
        f"{last['test_loss']:.3f} now, while the training loss kept falling ({best['train_loss']:.3f} to "
        f"{last['train_loss']:.3f}). The network gets {last['train_accuracy']:.1%} of its training examples "
        f"right and {last['test_accuracy']:.1%} of the test digits: it is learning its examples by heart "
        f"rather than digits in general.",
        fix[0].upper() + fix[1:] + ", or stop at the best epoch.")]


def diagnose(events, num_classes=10, config=None):
    """Findings for a run's events so far (in order), most serious first; [] when all looks well.
    `config`, the run's settings, makes the fixes fit them."""
    config = config or {}
    diverged = _diverged(events, config)
    batches = [e for e in events if e["type"] == "progress" and e.get("grad_norms")]
    epochs = [e for e in events if e["type"] == "epoch"]
    if not batches:
        return diverged
    activations = _activations(batches, config)
    gradients = _gradients(batches, any(f["condition"] == "dead-relu" for f in activations), config)
    # A flat loss with vanishing gradients, dead or saturated units is theirs, not the learning rate's.
    explained = any(f["condition"] in ("vanishing", "dead-relu", "saturated") for f in gradients + activations)
    found = diverged + gradients + activations + _stalls(batches, num_classes, explained)
    found += _overfitting(epochs, config)
    order = {c: i for i, c in enumerate(SEVERITY)}
    return sorted(found, key=lambda f: order[f["condition"]])


class Coach:
    """Collects a run's events (the first and the latest batches, every epoch, a divergence)
    and diagnoses them on demand, with `config`, the run's settings."""

    def __init__(self, num_classes=10, config=None, recent=200, max_epochs=1000):
        self.num_classes, self.config = num_classes, config or {}
        self.first, self.recent = [], deque(maxlen=recent)
        self.epochs, self.ends = deque(maxlen=max_epochs), []
        self.peak = None  # the batch with the largest gradient norm, if it has left the window
        self.held = {}  # (condition, layer) -> (the finding as last found, the step it last held at)

    def add(self, event):
        kind = event["type"]
        if kind == "progress" and event.get("grad_norms"):
            if len(self.first) < WINDOW:
                self.first.append(event)
                return
            if len(self.recent) == self.recent.maxlen:
                leaving = self.recent[0]
                if self.peak is None or _total_norm(leaving) > _total_norm(self.peak):
                    self.peak = leaving
            self.recent.append(event)
        elif kind == "epoch":
            self.epochs.append({k: v for k, v in event.items() if k not in ("confusion", "per_class_accuracy")})
        elif kind == "diverged":
            self.ends = [event]

    def findings(self, code=()):
        """The findings now, and those that held within the last HOLD_STEPS steps. `code`: the
        exercises whose learner code the network runs (each fix then points to Check)."""
        peak = [self.peak] if self.peak is not None else []
        now = diagnose([*self.first, *peak, *self.recent, *self.epochs, *self.ends], self.num_classes, self.config)
        latest = self.recent or self.first
        step = latest[-1]["step"] if latest else 0
        for finding in now:
            self.held[finding["condition"], finding.get("layer")] = (finding, step)
        found = [finding for finding, held_at in self.held.values() if step - held_at <= HOLD_STEPS]
        found.sort(key=lambda f: SEVERITY.index(f["condition"]))
        if code:
            note = (f" Your own code runs in this network ({', '.join(code)}): a mistake in it can cause "
                    "this too, so press Check on it.")
            found = [{**f, "fix": f["fix"] + note} for f in found]
        return found
