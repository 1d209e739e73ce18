"""The one walk over the layers (model/walk.py): what it keeps on request, and that the
network, the trace and the product timing all go through it."""

import numpy as np

from scratchnet.model import walk
from scratchnet.model.network import Network
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.training.settings import recipe


def small_network(layers=""):
    config = {**recipe("default"), "hidden_sizes": [6], "layers": layers}
    return Network.build(config, np.random.default_rng(0), 0.0, 1.0, (1, 8, 8), 3)


def test_forward_keeps_every_value_and_ends_in_the_logits():
    network = small_network()
    x = np.random.default_rng(1).standard_normal((4, 64)).astype(np.float32)
    values = network.forward(x, keep=True)
    assert len(values) == len(network.layers) + 1 and values[0] is x
    assert np.array_equal(values[-1], network.forward(x))
    for layer, a, out in zip(network.layers, values, values[1:]):
        assert np.array_equal(layer.forward(a), out)


def test_backward_keeps_each_layers_input_gradient_but_the_first():
    network = small_network("conv:2:3,relu,maxpool:2,flatten,dense:5,tanh")
    x = np.random.default_rng(2).standard_normal((3, 1, 8, 8)).astype(np.float32)
    _, dlogits = softmax_cross_entropy(network.forward(x), np.array([0, 1, 2]))
    grads = network.backward(dlogits, keep=True)
    assert grads[0] is None and len(grads) == len(network.layers)
    values = network.forward(x, keep=True)
    for i in range(1, len(network.layers)):
        assert grads[i].shape == values[i].shape
    assert network.backward(dlogits) is None
    # The walk's gradients are the ones a bare loop over the layers gives.
    dout = dlogits
    for i in reversed(range(1, len(network.layers))):
        dout = network.layers[i].backward(dout)
        assert np.array_equal(dout, grads[i])


def test_forward_from_a_middle_layer_continues_the_walk():
    network = small_network()
    x = np.random.default_rng(3).standard_normal((2, 64)).astype(np.float32)
    values = walk.forward(network.layers, x, keep=True)
    assert np.array_equal(walk.forward(network.layers[2:], values[2]), values[-1])
