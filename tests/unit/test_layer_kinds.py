"""Each layer kind registered once (model/layer_kinds.py), with its equations and notes
under the same name (teaching/equations.py): text round trips, what it builds, its cost."""

import numpy as np
import pytest

from scratchnet.model.architecture import build_layers, parse_spec, spec_text
from scratchnet.model.cost import estimate
from scratchnet.model.layer_kinds import KINDS, kind_of
from scratchnet.teaching import equations
from scratchnet.training.settings import recipe

TEXTS = {"dense": "dense:12", "activation": "tanh", "dropout": "dropout:0.25", "conv2d": "conv:3:5",
         "maxpool": "maxpool:2", "flatten": "flatten"}


def test_every_kind_has_an_example_here_and_its_lines_in_the_teaching_tools():
    assert set(TEXTS) == set(KINDS) == set(equations.LAYERS)


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_text_round_trips_and_the_kind_word_is_its_own(kind):
    spec = parse_spec(TEXTS[kind])
    assert spec["type"] == kind and spec_text(spec) == TEXTS[kind]
    assert parse_spec(spec_text(spec)) == spec


@pytest.mark.parametrize("text", ["relu:2", "dense", "dense:1:2", "conv:3", "flatten:1", "pool:2", "softmax"])
def test_a_wrong_number_of_arguments_or_an_unknown_word_is_refused(text):
    with pytest.raises(ValueError, match="is not a layer"):
        parse_spec(text)


def test_each_built_layer_is_of_its_kind_and_costs_what_its_shapes_say():
    config = {**recipe("default"), "initializer": "he",
              "layers": ",".join(TEXTS[k] for k in ("conv2d", "maxpool", "activation", "flatten", "dropout", "dense"))}
    layers, input_shape = build_layers(config, (12, 12), 4, np.random.default_rng(0), np.random.default_rng(1))
    assert [kind_of(layer) for layer in layers] == \
        ["conv2d", "maxpool", "activation", "flatten", "dropout", "dense", "dense"]
    assert [layer.name for layer in layers] == ["conv1", "pool1", "tanh", "flatten1", "dropout1", "dense1", "dense2"]
    params = sum(v.size for layer in layers for _, v, _ in layer.named_params())
    assert estimate(config, (12, 12), 4).params == params
    x = np.zeros((1, *input_shape), np.float32)
    for layer in layers:
        x = layer.forward(x)
    assert x.shape == (1, 4)


def test_a_layer_of_no_kind_gets_the_generic_lines():
    class Twice:
        name, params = "twice1", {}
    assert kind_of(Twice()) is None
    assert equations.forward_equation(Twice(), "twice1", "a1", 1) == r"\mathrm{twice}_{1} = \mathrm{twice1}(a_{1})"
    assert equations.forward_note(Twice(), np.zeros(3)) == ""
