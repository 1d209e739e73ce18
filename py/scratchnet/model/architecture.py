"""Architectures as lists of layer specs, and building layers from them.

A spec is a small dict, written in settings, URLs and the CLI as short text,
comma-separated:

    dense:128        {"type": "dense", "units": 128}
    relu             {"type": "activation", "name": "relu"}     (also sigmoid, tanh)
    dropout:0.2      {"type": "dropout", "rate": 0.2}
    conv:8:5         {"type": "conv2d", "filters": 8, "size": 5}  (5x5 kernels, stride 1, no padding)
    maxpool:2        {"type": "maxpool", "size": 2}
    flatten          {"type": "flatten"}

The last layer, a dense layer with one unit per class, is always added (the
class count comes from the dataset), and a flatten is added wherever a dense
layer follows images. The shorthand people type, `hidden_sizes` = [256, 128]
with an activation and a dropout rate, means

    dense:256, <activation>, [dropout:<rate>], dense:128, <activation>, [dropout:<rate>]

and is what an empty `layers` setting stands for. Nothing here knows a dataset:
the input shape and the class count are arguments.
"""

import math

import numpy as np

from scratchnet.nn import conv
from scratchnet.nn.activations import ACTIVATIONS, Activation
from scratchnet.nn.initializers import get_initializer
from scratchnet.nn.layers import Dense, Dropout

# Limits, so that no settings, link or file can ask for more than a browser tab can hold.
MAX_SPECS = 16
MAX_UNITS = 1024
MAX_FILTERS = 64
MAX_KERNEL = 7
MAX_POOL = 4
MAX_PARAMS = 5_000_000


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


def parse_spec(token):
    """One spec from its text ("dense:128", "relu", "conv:8:5", ...)."""
    name, *args = token.strip().lower().split(":")
    if name in ACTIVATIONS and not args:
        return {"type": "activation", "name": name}
    if name == "dense" and len(args) == 1:
        return {"type": "dense", "units": _int(args[0], 1, MAX_UNITS, "dense units")}
    if name == "dropout" and len(args) == 1:
        return {"type": "dropout", "rate": _rate(args[0])}
    if name == "conv" and len(args) == 2:
        return {"type": "conv2d", "filters": _int(args[0], 1, MAX_FILTERS, "conv filters"),
                "size": _int(args[1], 1, MAX_KERNEL, "a conv kernel size")}
    if name == "maxpool" and len(args) == 1:
        return {"type": "maxpool", "size": _int(args[0], 2, MAX_POOL, "a pooling size")}
    if name == "flatten" and not args:
        return {"type": "flatten"}
    raise ValueError(f"{token.strip()!r} is not a layer; write e.g. dense:128, relu, sigmoid, tanh, "
                     "dropout:0.2, conv:8:5, maxpool:2 or flatten")


def spec_text(spec):
    """The short text of one spec (the inverse of parse_spec)."""
    kind = spec["type"]
    if kind == "activation":
        return spec["name"]
    if kind == "dense":
        return f"dense:{spec['units']}"
    if kind == "dropout":
        return f"dropout:{spec['rate']:g}"
    if kind == "conv2d":
        return f"conv:{spec['filters']}:{spec['size']}"
    if kind == "maxpool":
        return f"maxpool:{spec['size']}"
    return kind


def parse_layers(text):
    """A list of specs from comma-separated text; "" gives []."""
    tokens = [t for t in str(text).split(",") if t.strip()]
    if len(tokens) > MAX_SPECS:
        raise ValueError(f"at most {MAX_SPECS} layers")
    return [parse_spec(t) for t in tokens]


def normalize_layers(text):
    """The canonical text of a layers setting ("Dense:128, RELU" -> "dense:128,relu")."""
    return ",".join(spec_text(s) for s in parse_layers(text))


def hidden_specs(config):
    """The specs that the `layers` setting, or else the hidden_sizes shorthand, stands for."""
    if config.get("layers"):
        return parse_layers(config["layers"])
    specs = []
    for units in config["hidden_sizes"]:
        specs += [{"type": "dense", "units": units}, {"type": "activation", "name": config["activation"]}]
        if config.get("dropout", 0) > 0:
            specs.append({"type": "dropout", "rate": config["dropout"]})
    return specs


def input_shape_for(specs, sample_shape):
    """The shape one example enters the network in: images (C, H, W) for a network that
    starts with a convolution, a flat vector otherwise."""
    if specs and specs[0]["type"] == "conv2d":
        return tuple(sample_shape) if len(sample_shape) == 3 else (1, *sample_shape)
    return (math.prod(sample_shape),)


def build_layers(config, sample_shape, num_classes, rng, dropout_rng, dtype=np.float32):
    """The layers for `config` on examples of `sample_shape` with `num_classes` outputs.
    Returns (layers, input shape). Weights come from `rng`; dropout masks from `dropout_rng`."""
    specs = hidden_specs(config) + [{"type": "dense", "units": num_classes}]
    init = get_initializer(config["initializer"])
    shape = input_shape_for(specs, sample_shape)
    input_shape, layers, counts, params = shape, [], {}, 0

    def name(kind):
        counts[kind] = counts.get(kind, 0) + 1
        return f"{kind}{counts[kind]}"

    for spec in specs:
        kind = spec["type"]
        if kind == "dense" and len(shape) > 1:
            layers.append(conv.Flatten(name("flatten")))
            shape = (math.prod(shape),)
        if kind == "dense":
            fan_in, fan_out = shape[0], spec["units"]
            layer = Dense(init(fan_in, fan_out, rng, dtype), np.zeros(fan_out, dtype), name("dense"))
        elif kind == "activation":
            layer = Activation(spec["name"])
        elif kind == "dropout":
            layer = Dropout(spec["rate"], dropout_rng, name("dropout"))
        elif kind in ("conv2d", "maxpool", "flatten"):
            layer = _build_conv_layer(spec, shape, init, rng, dtype, name)
        else:
            raise ValueError(f"unknown layer type {kind!r}")
        shape = layer.output_shape(shape)
        if not all(d >= 1 for d in shape):
            raise ValueError(f"the layers shrink the input to nothing at {spec_text(spec)}; "
                             "use smaller kernels or fewer pooling layers")
        params += sum(v.size for _, v, _ in layer.named_params())
        if params > MAX_PARAMS:
            raise ValueError(f"the network would have over {MAX_PARAMS:,} weights; make it smaller")
        layers.append(layer)
    return layers, input_shape


def _build_conv_layer(spec, shape, init, rng, dtype, name):
    if spec["type"] == "flatten":
        return conv.Flatten(name("flatten"))
    if len(shape) != 3:
        raise ValueError(f"{spec_text(spec)} needs images, but it comes after a flat layer")
    if spec["type"] == "maxpool":
        return conv.MaxPool2D(spec["size"], name("pool"))
    channels, size, filters = shape[0], spec["size"], spec["filters"]
    # Each output value sums channels * size^2 inputs, and each input reaches filters * size^2 outputs.
    W = init(channels * size * size, filters * size * size, rng, dtype, shape=(filters, channels, size, size))
    return conv.Conv2D(W, np.zeros(filters, dtype), name("conv"))
