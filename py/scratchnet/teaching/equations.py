"""What the inspector shows beside each quantity of the trace: its equation, as LaTeX
text, and a note in plain words, per layer kind.

LAYERS holds, under the kind names of model/layer_kinds.py ("dense", "activation",
"dropout", "conv2d", "maxpool", "flatten"), each kind's forward equation, its parameters'
gradient equations, its input gradient's equation and the notes beside its output and its
input gradient; activations have a line each (ACTIVATION_FORWARD, ACTIVATION_BACKWARD).
Any other layer gets a generic line that is still true (out = layer(in), d in = J^T d out).

Names are the trace's (x, z1, a1, ..., logits, p); `tex(name)` typesets one:
"a1" -> a_{1}, "dW2" -> dW_{2}, "logits" -> \\mathrm{logits}. Nothing here computes
anything but the counts of units a note gives.
"""

import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from scratchnet.model.layer_kinds import kind_of

ACTIVATION_FORWARD = {
    "relu": r"\max(0,\ {z})",
    "sigmoid": r"\sigma({z}) = \frac{{1}}{{1 + e^{{-{z}}}}}",
    "tanh": r"\tanh({z})",
}

# dz = da * f'(z), with f' written out for each activation.
ACTIVATION_BACKWARD = {
    "relu": r"{da} \odot \mathbf{{1}}[{z} > 0]",
    "sigmoid": r"{da} \odot \sigma({z})\,(1 - \sigma({z}))",
    "tanh": r"{da} \odot (1 - \tanh^2({z}))",
}


def tex(name):
    """A trace name typeset: letters with a trailing layer number become subscripted."""
    found = re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
    stem, number = (found.group(1), found.group(2)) if found else (name, "")
    stem = stem if len(stem) == 1 else rf"\mathrm{{{stem}}}"
    return f"{stem}_{{{number}}}" if number else stem


def dtex(name):
    r"""The gradient of quantity `name` typeset: da_{1}, d\,\mathrm{logits}."""
    inner = tex(name)
    return ("d\\," if inner.startswith("\\") else "d") + inner


class LayerTex(NamedTuple):
    """One kind's lines. o, i: its output and input typeset; do, di: their gradients typeset;
    k: its number among layers with parameters. Each returns None where it has nothing to say
    (then the generic line is used, or no note)."""
    forward: Callable  # (layer, o, i, k) -> "o = ..."
    params: dict  # {key: (layer, do, i, k) -> "dkey_k = ..."}
    input_gradient: Callable  # (layer, do, di, i, k) -> "di = ..."
    forward_note: Callable = lambda layer, values: ""
    backward_note: Callable = lambda layer, values: ""


def _activation_forward_note(layer, values):
    if layer.kind == "relu":
        return f"{int(np.sum(values > 0))} of {values.size} units are above zero; the others are cut to 0."
    if layer.kind == "sigmoid":
        return f"Each sum squashed into (0, 1): {int(np.sum(values > 0.5))} of {values.size} units are above 0.5."
    if layer.kind == "tanh":
        return f"Each sum squashed into (-1, 1): {int(np.sum(values > 0))} of {values.size} units are above zero."
    return ""


def _activation_backward_note(layer, values):
    if layer.kind == "relu":
        passing = int(np.sum(values != 0))
        return f"A unit that was off passes no gradient back: {passing} of {values.size} entries are not zero."
    if layer.kind == "sigmoid":
        return "The slope s (1 - s) is at most 0.25: going back through a sigmoid multiplies every entry by 0.25 or less."
    if layer.kind == "tanh":
        return "The slope 1 - tanh^2 is at most 1 and near 0 for a saturated unit, which passes little gradient back."
    return ""


def _dense_forward_note(layer, values):
    D, M = layer.params["W"].shape
    return f"Each of the {M} units: a weighted sum of all {D} inputs, plus its bias."


def _maxpool_forward(layer, o, i, k):
    size = getattr(layer, "size", "s")
    return rf"{o} = \max_{{\text{{each }}{size}\times{size}\text{{ window}}}} {i}"


LAYERS = {
    "dense": LayerTex(
        lambda layer, o, i, k: rf"{o} = {i}\,W_{{{k}}} + b_{{{k}}}",
        {"W": lambda layer, do, i, k: rf"dW_{{{k}}} = {i}^\top {do}",
         "b": lambda layer, do, i, k: rf"db_{{{k}}} = \textstyle\sum_n {do} = {do}\quad\text{{(a batch of one)}}"},
        lambda layer, do, di, i, k: rf"{di} = {do}\,W_{{{k}}}^\top",
        _dense_forward_note),
    "activation": LayerTex(
        lambda layer, o, i, k: f"{o} = " + ACTIVATION_FORWARD[layer.kind].format(z=i)
        if layer.kind in ACTIVATION_FORWARD else None,
        {},
        lambda layer, do, di, i, k: f"{di} = " + ACTIVATION_BACKWARD[layer.kind].format(da=do, z=i)
        if layer.kind in ACTIVATION_BACKWARD else None,
        _activation_forward_note, _activation_backward_note),
    "dropout": LayerTex(
        lambda layer, o, i, k: rf"{o} = {i}\quad\text{{(at test time dropout keeps every unit)}}",
        {},
        lambda layer, do, di, i, k: rf"{di} = {do}"),
    "conv2d": LayerTex(
        lambda layer, o, i, k: rf"{o} = W_{{{k}}} \ast {i} + b_{{{k}}}",
        {"W": lambda layer, do, i, k: rf"dW_{{{k}}} = {i} \star {do}\quad\text{{(cross-correlation)}}",
         "b": lambda layer, do, i, k: rf"db_{{{k}}} = \textstyle\sum_{{\text{{positions}}}} {do}"},
        lambda layer, do, di, i, k: rf"{di} = {do} \ast \mathrm{{flip}}(W_{{{k}}})\quad\text{{(full convolution)}}"),
    "maxpool": LayerTex(
        _maxpool_forward,
        {},
        lambda layer, do, di, i, k: rf"{di} = {do}\ \text{{routed to each window's maximum}}"),
    "flatten": LayerTex(
        lambda layer, o, i, k: rf"{o} = \mathrm{{flatten}}({i})",
        {},
        lambda layer, do, di, i, k: rf"{di} = \mathrm{{reshape}}({do})"),
}

GENERIC = LayerTex(lambda layer, o, i, k: None, {}, lambda layer, do, di, i, k: None)


def _lines(layer):
    return LAYERS.get(kind_of(layer), GENERIC)


def input_equation(mean, std):
    """How the pixels become the network's input x."""
    return rf"x = \frac{{\mathrm{{pixels}} - \mu}}{{\sigma}},\quad \mu = {mean:.4g},\ \sigma = {std:.4g}"


def forward_equation(layer, out, inp, k):
    """out = what `layer` (the k-th layer with parameters, if it has any) does to inp."""
    o, i = tex(out), tex(inp)
    return _lines(layer).forward(layer, o, i, k) or rf"{o} = \mathrm{{{layer.name}}}({i})"


def param_gradient_equation(layer, key, out, inp, k):
    """The gradient of parameter `key` of the k-th layer with parameters, given d out."""
    line = _lines(layer).params.get(key)
    return (line and line(layer, dtex(out), tex(inp), k)) or \
        rf"d{key}_{{{k}}} = \frac{{\partial L}}{{\partial {key}_{{{k}}}}}"


def input_gradient_equation(layer, out, inp, k):
    """d inp, the gradient passed back to the layer below, given d out."""
    do, di, i = dtex(out), dtex(inp), tex(inp)
    return _lines(layer).input_gradient(layer, do, di, i, k) or \
        rf"{di} = J^\top {do},\quad J = \frac{{\partial {tex(out)}}}{{\partial {i}}}"


def forward_note(layer, values):
    """The note beside a layer's output `values`, in plain words ("" for none)."""
    return _lines(layer).forward_note(layer, values)


def backward_note(layer, values):
    """The note beside the gradient `values` a layer passes back ("" for none)."""
    return _lines(layer).backward_note(layer, values)


def softmax_equation():
    return r"p_i = \frac{e^{\mathrm{logits}_i}}{\sum_j e^{\mathrm{logits}_j}}"


def loss_equation(label):
    return rf"L = -\log p_y = -\log p_{{{label}}}"


def dlogits_equation(label):
    return rf"d\,\mathrm{{logits}} = p - \mathrm{{onehot}}(y),\quad y = {label}"
