"""What each kind of layer is, in one place: how its spec is written as text and read
back, how its layer is built on an input shape, and what one example costs it.

    kind         text          spec                                            layer
    dense        dense:128     {"type": "dense", "units": 128}                 Dense
    activation   relu          {"type": "activation", "name": "relu"}          Activation
    dropout      dropout:0.2   {"type": "dropout", "rate": 0.2}                Dropout
    conv2d       conv:8:5      {"type": "conv2d", "filters": 8, "size": 5}     Conv2D
    maxpool      maxpool:2     {"type": "maxpool", "size": 2}                  MaxPool2D
    flatten      flatten       {"type": "flatten"}                             Flatten

KINDS maps each kind (a spec's "type") to a LayerKind; `kind_of(layer)` names a built
layer's kind, so that the teaching tools (equations.py keeps each kind's equations and
notes, under the same names) need not know the classes. Architecture.py puts these together
into whole networks; cost.py adds up their costs. Not here: the maths of the layers (nn/).
"""

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from scratchnet.nn import conv
from scratchnet.nn.activations import ACTIVATIONS, Activation
from scratchnet.nn.layers import Dense, Dropout

# Limits, so that no settings, link or file can ask for more than a browser tab can hold.
MAX_UNITS = 1024
MAX_FILTERS = 64
MAX_KERNEL = 7
MAX_POOL = 4


class LayerKind(NamedTuple):
    """One kind of layer.

    word, arity: its text is word (an activation: its own name) and arity ":"-arguments.
    parse(word, args) -> spec;  text(spec) -> the short text;  layer_class: what it builds;
    build(spec, shape, make) -> a layer taking inputs of `shape` (make: a Maker);
    cost(spec, shape) -> (output shape, multiply-adds, weights, patch values) of one example,
    or None where the layer does not fit the shape.
    """
    word: str
    arity: int
    parse: Callable
    text: Callable
    layer_class: type
    build: Callable
    cost: Callable


class Maker:
    """What building needs beyond a spec: the initialiser, the weights' and the dropout masks'
    random streams, the dtype, and numbered names (dense1, dense2, conv1, ...)."""

    def __init__(self, init, rng, dropout_rng, dtype):
        self.init, self.rng, self.dropout_rng, self.dtype = init, rng, dropout_rng, dtype
        self.counts = {}

    def name(self, stem):
        self.counts[stem] = self.counts.get(stem, 0) + 1
        return f"{stem}{self.counts[stem]}"


def _int(text, low, high, what):
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


def _rate(text):
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 0.9:
        raise ValueError(f"a dropout rate must be a number from 0 to 0.9, not {text!r}")
    return rate


def _needs_images(spec, shape):
    if len(shape) != 3:
        raise ValueError(f"{KINDS[spec['type']].text(spec)} needs images, but it comes after a flat layer")


def _build_dense(spec, shape, make):
    fan_in, fan_out = shape[0], spec["units"]
    return Dense(make.init(fan_in, fan_out, make.rng, make.dtype), np.zeros(fan_out, make.dtype), make.name("dense"))


def _build_conv(spec, shape, make):
    _needs_images(spec, shape)
    channels, size, filters = shape[0], spec["size"], spec["filters"]
    # Each output value sums channels * size^2 inputs, and each input reaches filters * size^2 outputs.
    W = make.init(channels * size * size, filters * size * size, make.rng, make.dtype,
                  shape=(filters, channels, size, size))
    return conv.Conv2D(W, np.zeros(filters, make.dtype), make.name("conv"))


def _build_maxpool(spec, shape, make):
    _needs_images(spec, shape)
    return conv.MaxPool2D(spec["size"], make.name("pool"))


def _cost_dense(spec, shape):
    fan_in = math.prod(shape)
    return (spec["units"],), fan_in * spec["units"], (fan_in + 1) * spec["units"], 0


def _cost_conv(spec, shape):
    if len(shape) != 3:
        return None
    (channels, height, width), filters, size = shape, spec["filters"], spec["size"]
    out_h, out_w = height - size + 1, width - size + 1
    if out_h < 1 or out_w < 1:
        return None
    patch = channels * size * size
    return (filters, out_h, out_w), filters * patch * out_h * out_w, (patch + 1) * filters, patch * out_h * out_w


def _cost_maxpool(spec, shape):
    if len(shape) != 3:
        return None
    (channels, height, width), size = shape, spec["size"]
    if height < size or width < size:
        return None
    out = (channels, height // size, width // size)
    return out, math.prod(out) * size * size, 0, 0


def _cost_nothing(spec, shape):
    return shape, 0, 0, 0


KINDS = {
    "dense": LayerKind(
        "dense", 1, lambda word, args: {"type": "dense", "units": _int(args[0], 1, MAX_UNITS, "dense units")},
        lambda spec: f"dense:{spec['units']}", Dense, _build_dense, _cost_dense),
    "activation": LayerKind(
        "", 0, lambda word, args: {"type": "activation", "name": word},
        lambda spec: spec["name"], Activation, lambda spec, shape, make: Activation(spec["name"]), _cost_nothing),
    "dropout": LayerKind(
        "dropout", 1, lambda word, args: {"type": "dropout", "rate": _rate(args[0])},
        lambda spec: f"dropout:{spec['rate']:g}", Dropout,
        lambda spec, shape, make: Dropout(spec["rate"], make.dropout_rng, make.name("dropout")), _cost_nothing),
    "conv2d": LayerKind(
        "conv", 2, lambda word, args: {"type": "conv2d", "filters": _int(args[0], 1, MAX_FILTERS, "conv filters"),
                                       "size": _int(args[1], 1, MAX_KERNEL, "a conv kernel size")},
        lambda spec: f"conv:{spec['filters']}:{spec['size']}", conv.Conv2D, _build_conv, _cost_conv),
    "maxpool": LayerKind(
        "maxpool", 1, lambda word, args: {"type": "maxpool", "size": _int(args[0], 2, MAX_POOL, "a pooling size")},
        lambda spec: f"maxpool:{spec['size']}", conv.MaxPool2D, _build_maxpool, _cost_maxpool),
    "flatten": LayerKind(
        "flatten", 0, lambda word, args: {"type": "flatten"}, lambda spec: "flatten", conv.Flatten,
        lambda spec, shape, make: conv.Flatten(make.name("flatten")),
        lambda spec, shape: ((math.prod(shape),), 0, 0, 0)),
}

# The kind each text begins with: its word, or an activation's own name.
WORDS = {**{kind.word: name for name, kind in KINDS.items() if kind.word}, **dict.fromkeys(ACTIVATIONS, "activation")}
CLASSES = {kind.layer_class: name for name, kind in KINDS.items()}


def kind_of(layer):
    """The kind of a built layer ("dense", "activation", ...), or None for a layer of no kind here."""
    return CLASSES.get(type(layer))
