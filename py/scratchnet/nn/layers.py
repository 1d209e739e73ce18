"""Layers with parameters or randomness: the dense (fully connected) layer and dropout.

The maths of a dense layer is two pure functions, written as the equations:

    dense_forward(x, W, b) -> z           z  = x W + b
    dense_backward(dz, x, W) -> dx, dW, db
                                          dx = dz W^T,  dW = x^T dz,  db = sum over the batch of dz

These are the functions a learner rewrites in the page, and the `Dense` layer
calls them. How the three products are computed is the layer's `products`
(see products.py): the plain functions here by default, or a faster, equivalent
formulation chosen for the platform by measurement.

Every layer follows one small protocol:

    out = layer.forward(x, training)   # keeps what backward needs in layer.cache
    dx  = layer.backward(dout)         # sets layer.grads (overwritten, never summed)
    for name, value, grad in layer.named_params(): ...

Shapes use N for the batch, D for inputs and M for outputs.
Not here: convolutions (conv.py), batch normalisation, anything needing autograd.
"""

import numpy as np

from scratchnet.nn.products import Plain


def dense_forward(x, W, b):
    """z = x W + b.   x (N, D), W (D, M), b (M,) -> z (N, M)."""
    return x @ W + b


def dense_backward(dz, x, W):
    """Gradients of a dense layer by the chain rule, given dz = dL/dz (N, M):

        dx = dz W^T        (N, D)   how the loss changes with each input
        dW = x^T dz        (D, M)   summed over the batch by the product itself
        db = sum_n dz[n]   (M,)     every example's bias gradient, added up
    """
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)


# The reference products: these two functions, exactly as written above (dense_backward
# works with an empty W, so the first layer skips dx).
PLAIN = Plain(dense_forward, dense_backward, skips_dx=True)


class Dense:
    """Fully connected layer: z = x W + b, with W (D, M) and b (M,).

    forward keeps x (or what the chosen products need of it); backward sets
    grads["W"] = x^T dz and grads["b"] = sum_n dz and returns dx = dz W^T.
    """

    def __init__(self, W, b, name, products=None):
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.name = name
        self.products = products or PLAIN
        self.cache = None

    def forward(self, x, training=False):
        z, self.cache = self.products.forward(x, self.params["W"], self.params["b"])
        return z

    def backward(self, dz, need_dx=True):
        # The first layer's dx would be the gradient for the pixels: nobody needs it.
        dx, dW, db = self.products.backward(dz, self.cache, self.params["W"], need_dx)
        self.grads = {"W": dW, "b": db}
        return dx

    def named_params(self):
        """Yields (qualified name, value, gradient) for W and b."""
        for key, value in self.params.items():
            yield f"{self.name}.{key}", value, self.grads[key]

    def output_shape(self, input_shape):
        return (self.params["W"].shape[1],)

    def flops(self, input_shape):
        """Multiply-adds of one example's forward pass."""
        return self.params["W"].size

    def __repr__(self):
        D, M = self.params["W"].shape
        return f"Dense({self.name}: {D} -> {M}, products={self.products.name})"


class Dropout:
    """Inverted dropout: at training time keep each unit with probability 1 - rate
    and scale kept units by 1 / (1 - rate), so at test time the layer is the identity.

        forward:  out = x * mask,  mask = (u >= rate) / (1 - rate),  u ~ U(0, 1)
        backward: dx = dout * mask

    `rng` is the run's dropout stream, separate from shuffling and initialisation,
    so an extra forward pass (an inspector's) changes nothing else in the run.
    """

    params, grads = {}, {}

    def __init__(self, rate, rng, name="dropout"):
        if not 0 <= rate < 1:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.rng = rng
        self.name = name
        self.cache = None

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self.cache = None
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.rate
        mask = keep.astype(x.dtype) / x.dtype.type(1 - self.rate)
        self.cache = mask
        return x * mask

    def backward(self, dout):
        return dout if self.cache is None else dout * self.cache

    def named_params(self):
        return iter(())

    def output_shape(self, input_shape):
        return input_shape

    def flops(self, input_shape):
        return 0

    def __repr__(self):
        return f"Dropout(rate={self.rate})"
