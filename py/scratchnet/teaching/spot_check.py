"""A spot check of a whole network's gradients, the way the seed article found its bugs:
for a few sampled weights in every layer, the gradient back-propagation gives (analytic)
beside the one measured by nudging that weight (numerical, centred differences),

    dL/dw ~ (L(w + h) - L(w - h)) / (2 h)

with their relative error |a - n| / (|a| + |n|) and a reading in plain words.

It runs on the network's float64 twin (trace.float64_twin), through the layers' own
forward and backward, on a mini-batch, in inference mode (dropout off, since a random
mask would change between the two nudges). A nudge of layer i's weight only re-runs
the layers from i on. Entries are sampled among those whose analytic gradient is not
tiny (see SMALLEST_CHECKED); a parameter with none is sampled among all its entries,
so a gradient that is wrongly zero still shows. Not here: single layers (gradcheck.py).
"""

import numpy as np

from scratchnet.model.walk import backward, forward
from scratchnet.nn.gradcheck import centred_difference, relative_error
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.teaching.trace import float64_twin, network_input

# Smaller gradients are swamped by the rounding of the numerical estimate, and would test
# float64 rather than backprop: on the trained 784-128-10 model (a confident one, batch of
# 32, h = 1e-5) entries above 1e-7 gave relative errors up to 3e-6, entries above 1e-5 up to 1e-7.
SMALLEST_CHECKED = 1e-5


def reading(max_error, worst):
    """What a maximum relative error means, in plain words (thresholds as in CS231n's notes)."""
    where = f"The largest is at {worst['param']}{worst['index']} (layer {worst['layer']})."
    if max_error <= 1e-7:
        return ("Backpropagation agrees with the measured slopes to 1e-7 or better: the backward pass "
                "computes the true gradient.")
    if max_error <= 1e-5:
        return ("They agree to within 1e-5: right, with a little rounding, or a ReLU kink that fell "
                f"within h of an input for some example in the batch. {where}")
    if max_error <= 1e-2:
        return (f"They differ by up to {max_error:.1e}: suspicious. A correct backward pass gives about 1e-7 "
                f"in float64; look for a small slip, such as a missing division by the batch size. {where}")
    return (f"They disagree (up to {max_error:.1e}): a backward pass has a bug, such as a missing transpose, "
            f"a wrong sign or a mask on the wrong side. {where}")


def spot_check(network, examples, labels, rng, per_param=4, h=1e-5, loss_fn=softmax_cross_entropy):
    """Checks `per_param` sampled entries of every parameter of `network` on raw examples
    (N, *sample_shape) with labels (N,). `rng` chooses the entries (never one of the run's
    streams). Returns {"entries": [{"param", "layer", "index", "analytic", "numerical",
    "rel_error"}], "layers": [{"layer", "max_rel_error"}], "max_rel_error", "reading",
    "batch_size", "h", "loss"}."""
    layers = float64_twin(network)
    y = np.asarray(labels, dtype=np.int64)
    values = forward(layers, network_input(network, examples), keep=True)
    loss, dlogits = loss_fn(values[-1], y)
    backward(layers, dlogits)

    def loss_from(i):
        return loss_fn(forward(layers[i:], values[i]), y)[0]

    entries, per_layer, k = [], [], 0
    for i, layer in enumerate(layers):
        if not layer.params:
            continue
        k += 1
        worst = 0.0
        for key, value in layer.params.items():
            analytic = layer.grads[key].copy()
            candidates = np.flatnonzero(np.abs(analytic) > SMALLEST_CHECKED)
            if not len(candidates):
                candidates = np.arange(analytic.size)
            for flat in np.sort(rng.choice(candidates, size=min(per_param, len(candidates)), replace=False)):
                index = np.unravel_index(flat, value.shape)
                numerical = centred_difference(lambda: loss_from(i), value, index, h)
                error = relative_error(analytic[index], numerical)
                worst = max(worst, error)
                entries.append({"param": f"{key}{k}", "layer": layer.name, "index": [int(j) for j in index],
                                "analytic": float(analytic[index]), "numerical": float(numerical),
                                "rel_error": error})
        per_layer.append({"layer": layer.name, "max_rel_error": worst})
    top = max(entries, key=lambda e: e["rel_error"])
    return {"entries": entries, "layers": per_layer, "max_rel_error": top["rel_error"],
            "reading": reading(top["rel_error"], top), "batch_size": int(len(y)), "h": h, "loss": float(loss)}
