"""What a training run reports: its events, each one made here and nowhere else.

A run is a stream of plain dicts, each with a "type" (TYPES):

    progress    after each mini-batch: where the run is, the batch's loss and accuracy, the
                learning rate, each layer's gradient norm, whether clipping scaled the gradients
                and, every few steps, the activation layers' statistics
    epoch       after each epoch: the means over its batches and, when the test set was
                evaluated, its loss, accuracy, confusion matrix and per-class accuracy
    diverged    the run stopped because the loss or the gradients stopped being finite numbers:
                why, in plain words, and which weights were kept
    finished    the last epoch is done
    work        a piece of a long computation is done (a browser answers Stop or a drawing
                between pieces); never shown to anyone
    code-error  the learner's code raised: the run pauses (made by the session, not the trainer)

The page receives them as they are, except that `summarise` folds a chunk's "progress" events
into one; web/js/training/events.js lists the same types for the page (a test keeps them equal).
"""

TYPES = ("progress", "epoch", "diverged", "finished", "work", "code-error")


def progress(*, epoch, epochs, batch, batches, step, samples, loss, accuracy, learning_rate, grad_norms,
             clipped, activations=None):
    """A mini-batch is done: the run is at `batch` of `batches` in epoch `epoch` (0-based, of
    `epochs`), `step` batches in all."""
    event = {"type": "progress", "epoch": epoch, "epochs": epochs, "batch": batch, "batches": batches,
             "step": step, "samples": samples, "loss": loss, "accuracy": accuracy,
             "learning_rate": learning_rate, "grad_norms": grad_norms, "clipped": clipped}
    if activations is not None:
        event["activations"] = activations
    return event


def epoch(*, epoch, epochs, step, train_loss, train_accuracy, learning_rate):
    """Epoch `epoch` (counted from 1) is done; not evaluated (yet)."""
    return {"type": "epoch", "epoch": epoch, "epochs": epochs, "step": step, "train_loss": train_loss,
            "train_accuracy": train_accuracy, "learning_rate": learning_rate, "evaluated": False}


def evaluated(event, *, test_loss, test_accuracy, confusion, per_class_accuracy):
    """An "epoch" event with the test set's figures."""
    return {**event, "evaluated": True, "test_loss": test_loss, "test_accuracy": test_accuracy,
            "confusion": confusion, "per_class_accuracy": per_class_accuracy}


def diverged(*, epoch, batch, step, message, restored_epoch):
    """The run stopped: `message` says why and what was kept (`restored_epoch`: the epoch whose
    weights were put back, or None when the last good step's were kept)."""
    return {"type": "diverged", "epoch": epoch, "batch": batch, "step": step, "message": message,
            "restored_epoch": restored_epoch}


def finished(*, epoch, step):
    return {"type": "finished", "epoch": epoch, "step": step}


def work(phase):
    """A piece of "train" or "evaluate" work is done."""
    return {"type": "work", "phase": phase}


def code_error(message, line):
    """The learner's code raised `message` at `line` of their code (or None)."""
    return {"type": "code-error", "message": message, "line": line}


def summarise(events, train_seconds=None):
    """A chunk's events with its "progress" events folded into one (means over them), placed
    first, with the samples per second of the time spent on them (evaluation left out)."""
    batches = [e for e in events if e["type"] == "progress"]
    others = [e for e in events if e["type"] != "progress"]
    if not batches:
        return others
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    last = batches[-1]
    samples = sum(b["samples"] for b in batches)
    return [{**last, "loss": mean([b["loss"] for b in batches]),
             "accuracy": mean([b["accuracy"] for b in batches]),
             "grad_norms": {name: mean([b["grad_norms"][name] for b in batches]) for name in last["grad_norms"]},
             "activations": next((b["activations"] for b in reversed(batches) if "activations" in b), None),
             "batches_in_chunk": len(batches), "samples": samples,
             "samples_per_sec": samples / train_seconds if train_seconds else None},
            *others]
