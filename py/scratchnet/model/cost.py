"""What one example costs a network, worked out from its settings and the shape of its examples
alone, before a single weight is allocated; and the one limit a model file must stay within.

    MAX_EXAMPLE_COST = Cost(multiply_adds=5e8, bytes=32 MB, params=architecture.MAX_PARAMS)

A model file is loaded (natively, and in the page, which runs this same code through the
bridge) only if one example's forward pass needs at most 500 million multiply-adds and about
32 MB of memory, with at most MAX_PARAMS weights; the check comes before the network is built.
Every model the settings can make for MNIST stays well below it (at the very largest, twelve
64-filter 3x3 convolutions: about 1e8 multiply-adds and 7 MB), while a 155 KB file declaring
1x2236x2236 images and one 64-filter 7x7 convolution, which would need 16 billion multiply-adds
and 2.4 GB per example, is refused at once. A loaded model is then evaluated in pieces of about
trainer.EVAL_WORK (1e7) multiply-adds, at most 1,000 examples: by the page, and by the CLI.

The memory estimate counts, for one example: the raw example and its normalised copy (16 bytes
per value, for a float64 input and float32 temporaries), every layer's output (4 bytes per
value: float32), and every convolution's patch matrix (im2col, 4 bytes per value). Flatten and
the final softmax are left out (a view; C values). It is an estimate of the forward pass only:
training memory is bounded by the trainer's micro-batches, not here. Each layer's shapes and
costs are its kind's entry in layer_kinds.py.
"""

import math
from typing import NamedTuple

from scratchnet.model.architecture import MAX_PARAMS, hidden_specs, input_shape_for
from scratchnet.model.layer_kinds import KINDS
from scratchnet.plain_words import size_text


class Cost(NamedTuple):
    """The cost of one example's forward pass: multiply-adds, bytes of memory, and weights."""
    multiply_adds: int
    bytes: int
    params: int


MAX_EXAMPLE_COST = Cost(multiply_adds=500_000_000, bytes=32_000_000, params=MAX_PARAMS)


def estimate(config, sample_shape, num_classes):
    """The Cost of one example for a validated `config` on examples of `sample_shape` with
    `num_classes` classes, from shapes alone (nothing is allocated). Where a layer does not fit
    the shapes, the cost of the layers before it is returned."""
    specs = hidden_specs(config) + [{"type": "dense", "units": num_classes}]
    shape = input_shape_for(specs, sample_shape)
    multiply_adds, values, params = 0, 4 * math.prod(shape), 0  # 16 bytes per input value, in 4-byte units
    for spec in specs:
        if spec["type"] == "dense" and len(shape) > 1:  # the flatten build_layers adds: a view
            shape = (math.prod(shape),)
        layer = KINDS[spec["type"]].cost(spec, shape)  # None where it does not fit the shape
        if layer is None:
            break
        out, work, weights, patches = layer
        multiply_adds, params = multiply_adds + work, params + weights
        values += patches + (math.prod(out) if spec["type"] != "flatten" else 0)
        shape = out
        if params > MAX_PARAMS:  # as build_layers stops, before allocating the next layer
            break
    return Cost(multiply_adds, 4 * values, params)


def over_limit(cost, limit=MAX_EXAMPLE_COST):
    """A plain-words reason why `cost` passes `limit`, or None."""
    if cost.params > limit.params:
        return f"the network would have over {limit.params:,} weights; make it smaller"
    if cost.multiply_adds > limit.multiply_adds or cost.bytes > limit.bytes:
        return (f"one example needs about {_count(cost.multiply_adds)} multiply-adds and "
                f"{size_text(cost.bytes)} of memory; ScratchNet runs models of at most "
                f"{_count(limit.multiply_adds)} multiply-adds and {size_text(limit.bytes)} per example")
    return None


def _count(n):
    for word, scale in (("billion", 1e9), ("million", 1e6)):
        if n >= scale:
            return f"{n / scale:.3g} {word}"
    return f"{n:,}"
