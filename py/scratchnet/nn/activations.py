"""Element-wise activation functions: ReLU, sigmoid and tanh.

Each is a pair of pure functions, forward and backward by the chain rule,

    a  = f(z)                 *_forward(z) -> a
    dz = da * f'(z)           *_backward(da, z, a=None) -> dz

and one layer class, `Activation`, that calls a pair. Its forward pass keeps
both z and a = f(z), and backward passes both: the derivatives of sigmoid and
tanh are functions of their output, s (1 - s) and 1 - t^2, so backward never
computes f(z) again. Given z alone (as the exercises give it) they compute it.
These functions are what a learner rewrites in the page. They have no
parameters. Softmax is not here: it lives with the loss in `losses.py`, because
together their gradient is simply (p - onehot(y)) / N.
"""

import numpy as np

from scratchnet.nn.registry import lookup


def relu_forward(z):
    """relu(z) = max(0, z)."""
    return np.maximum(z, 0)


def relu_backward(da, z, a=None):
    """d relu / dz = 1 where z > 0, else 0, so dz = da * [z > 0]   (a is not needed)."""
    return da * (z > 0)


def sigmoid_forward(z):
    """sigmoid(z) = 1 / (1 + exp(-z))."""
    # exp of a large positive number overflows to inf, harmless here (1 / inf = 0)
    # but it would warn; clipping keeps the maths and the silence.
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def sigmoid_backward(da, z, a=None):
    """d sigmoid / dz = s (1 - s) with s = sigmoid(z), so dz = da * s * (1 - s).
    a: sigmoid(z) as the forward pass kept it (else it is computed from z)."""
    s = sigmoid_forward(z) if a is None else a
    return da * s * (1 - s)


def tanh_forward(z):
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(z)


def tanh_backward(da, z, a=None):
    """d tanh / dz = 1 - tanh(z)^2, so dz = da * (1 - t^2) with t = tanh(z).
    a: tanh(z) as the forward pass kept it (else it is computed from z)."""
    t = np.tanh(z) if a is None else a
    return da * (1 - t * t)


# name -> (forward, backward): the same names appear in settings, files and the page.
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}


class Activation:
    """An activation as a layer: forward keeps z (in `cache`, which the activation
    statistics read) and its output a; backward returns dz = f_backward(da, z, a)."""

    params, grads = {}, {}

    def __init__(self, kind, forward=None, backward=None):
        reference = lookup(ACTIVATIONS, kind, "activation")
        self.kind = kind
        self.name = kind
        self.forward_fn = forward or reference[0]
        self.backward_fn = backward or reference[1]
        self.cache = None  # z
        self.a = None

    def forward(self, z, training=False):
        self.cache = z
        self.a = self.forward_fn(z)
        return self.a

    def backward(self, da):
        return self.backward_fn(da, self.cache, self.a)

    def named_params(self):
        return iter(())

    def output_shape(self, input_shape):
        return input_shape

    def flops(self, input_shape):
        return 0

    def __repr__(self):
        return f"Activation({self.kind})"


def make_activation(name):
    """A new activation layer from its registry name."""
    return Activation(name)
