"""Activation statistics: how many of a ReLU layer's units are dead on a batch, how many of a
sigmoid or tanh layer's outputs are saturated. The trainer reports them every STATS_EVERY steps,
from what the layers kept for backward (no extra forward pass); the coach reads them."""

import math

import numpy as np

STATS_EVERY = 10  # steps between activation statistics in the trainer's "progress" events
# |z| beyond which an output lies within 0.01 of its limit: sigmoid(4.6) = 0.99, tanh(2.65) = 0.99.
SATURATION_Z = {"sigmoid": math.log(99), "tanh": math.atanh(0.99)}


def activation_statistics(layers):
    """{name: {"kind", "dead" | "saturated"}} for each activation layer, from the
    pre-activations z (N, ...) its last forward pass kept: for ReLU the share of units whose
    z <= 0 on every example (dead on this batch), for sigmoid and tanh the share of outputs
    within 0.01 of a limit. Layers are named by kind and position: relu1, relu2, sigmoid1, ..."""
    stats, counts = {}, {}
    for layer in layers:
        kind, z = getattr(layer, "kind", None), getattr(layer, "cache", None)
        if kind not in ("relu", "sigmoid", "tanh") or z is None or len(z) == 0:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "relu":
            stats[f"relu{counts[kind]}"] = {"kind": kind, "dead": float(np.mean(np.all(z <= 0, axis=0)))}
        else:
            share = float(np.mean(np.abs(z) > SATURATION_Z[kind]))
            stats[f"{kind}{counts[kind]}"] = {"kind": kind, "saturated": share}
    return stats
