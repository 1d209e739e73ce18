"""What a Trainer needs, besides the network's weights, to go on exactly where it stopped: its
position (epoch, batch, step, the epoch's shuffled order and running totals), the optimiser's
state, and the state of every random stream it draws from (shuffling, augmentation, dropout).

Saved as a flat dict of NumPy arrays, the way model files and checkpoints store everything, so
that a run stopped in one worker (or one process) resumes bit for bit in another."""

import json

import numpy as np


def dropout_rng(trainer):
    """The dropout layer's own random stream, or None when the network has no dropout."""
    return next((layer.rng for layer in trainer.network.layers if hasattr(layer, "rate")), None)


def _rng_state(rng):
    return np.array(json.dumps(rng.bit_generator.state))


def _set_rng_state(rng, saved):
    rng.bit_generator.state = json.loads(str(saved))


def save(trainer):
    """{name: array}: the trainer's position, optimiser and random streams."""
    state = {f"optimizer/{k}": v for k, v in trainer.optimizer.state_dict().items()}
    state.update({"epoch": np.array(trainer.epoch), "batch": np.array(trainer.batch),
                  "step": np.array(trainer.step), "epoch_totals": np.array(trainer._epoch_totals),
                  "rng": _rng_state(trainer.rng), "augment_rng": _rng_state(trainer.augment_rng)})
    dropout = dropout_rng(trainer)
    if dropout is not None:
        state["dropout_rng"] = _rng_state(dropout)
    if trainer.order is not None:
        state["order"] = trainer.order.copy()
    return state


def load(trainer, state):
    """Puts back what save() gave, on a Trainer made with the same network and settings."""
    trainer.epoch, trainer.batch, trainer.step = (int(state[k]) for k in ("epoch", "batch", "step"))
    trainer.order = np.array(state["order"]) if "order" in state else None
    loss_sum, accuracy_sum, batches = state["epoch_totals"]
    trainer._epoch_totals = [float(loss_sum), float(accuracy_sum), int(batches)]
    _set_rng_state(trainer.rng, state["rng"])
    if "augment_rng" in state:  # checkpoints made before augmentation have none
        _set_rng_state(trainer.augment_rng, state["augment_rng"])
    dropout = dropout_rng(trainer)
    if "dropout_rng" in state and dropout is not None:
        _set_rng_state(dropout, state["dropout_rng"])
    trainer.optimizer.load_state_dict({k[len("optimizer/"):]: v for k, v in state.items()
                                       if k.startswith("optimizer/")})
