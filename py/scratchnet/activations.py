"""Element-wise activation functions as layers: ReLU, sigmoid and tanh.

Each has a forward that keeps exactly what its backward needs, and a backward
written out by the chain rule: dx = dout * f'(z). They have no parameters.
Softmax is not here: it lives with the loss in `losses.py`, because together
their gradient is simply (p - y).
"""

import numpy as np


class ReLU:
    """relu(x) = max(0, x);  d relu / dx = 1 where x > 0, else 0."""

    def forward(self, x, training=False):
        out = np.maximum(x, 0)
        self.cache = out  # out > 0 exactly where x > 0
        return out

    def backward(self, dout):
        return dout * (self.cache > 0)

    def named_params(self):
        return iter(())

    def __repr__(self):
        return "ReLU()"


class Sigmoid:
    """sigmoid(x) = 1 / (1 + exp(-x));  d sigmoid / dx = s * (1 - s)."""

    def forward(self, x, training=False):
        # exp of a large positive number overflows to inf, which is harmless here
        # (1 / inf = 0) but would warn; clipping keeps the maths and the silence.
        out = 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))
        self.cache = out
        return out

    def backward(self, dout):
        s = self.cache
        return dout * s * (1 - s)

    def named_params(self):
        return iter(())

    def __repr__(self):
        return "Sigmoid()"


class Tanh:
    """tanh(x);  d tanh / dx = 1 - tanh(x)^2."""

    def forward(self, x, training=False):
        out = np.tanh(x)
        self.cache = out
        return out

    def backward(self, dout):
        t = self.cache
        return dout * (1 - t * t)

    def named_params(self):
        return iter(())

    def __repr__(self):
        return "Tanh()"


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def make_activation(name):
    """A new activation layer from its registry name."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()
