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

and is what an empty `layers` setting stands for. Each kind's text, parsing and building
are its entry in layer_kinds.py; this module puts them together into whole networks.
Nothing here knows a dataset: the input shape and the class count are arguments.
"""

import math

import numpy as np

from scratchnet.model.layer_kinds import KINDS, WORDS, Maker
from scratchnet.nn.initializers import get_initializer

# Limits on the whole, so that no settings, link or file can ask for more than a browser tab
# can hold (the limits on each layer are layer_kinds.py's).
MAX_SPECS = 16
MAX_PARAMS = 5_000_000


def parse_spec(token):
    """One spec from its text ("dense:128", "relu", "conv:8:5", ...)."""
    word, *args = token.strip().lower().split(":")
    kind = KINDS.get(WORDS.get(word))
    if kind is not None and len(args) == kind.arity:
        return kind.parse(word, args)
    raise ValueError(f"{token.strip()!r} is not a layer; write e.g. dense:128, relu, sigmoid, tanh, "
                     "dropout:0.2, conv:8:5, maxpool:2 or flatten")


def spec_text(spec):
    """The short text of one spec (the inverse of parse_spec)."""
    kind = spec["type"]
    return KINDS[kind].text(spec) if kind in KINDS else kind


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
    make = Maker(get_initializer(config["initializer"]), rng, dropout_rng, dtype)
    shape = input_shape_for(specs, sample_shape)
    input_shape, layers, params = shape, [], 0
    for spec in specs:
        if spec["type"] not in KINDS:
            raise ValueError(f"unknown layer type {spec['type']!r}")
        if spec["type"] == "dense" and len(shape) > 1:
            layers.append(KINDS["flatten"].build({"type": "flatten"}, shape, make))
            shape = (math.prod(shape),)
        layer = KINDS[spec["type"]].build(spec, shape, make)
        shape = layer.output_shape(shape)
        if not all(d >= 1 for d in shape):
            raise ValueError(f"the layers shrink the input to nothing at {spec_text(spec)}; "
                             "use smaller kernels or fewer pooling layers")
        params += sum(v.size for _, v, _ in layer.named_params())
        if params > MAX_PARAMS:
            raise ValueError(f"the network would have over {MAX_PARAMS:,} weights; make it smaller")
        layers.append(layer)
    return layers, input_shape
