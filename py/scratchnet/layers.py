"""Layers with parameters or randomness: the dense (fully connected) layer and dropout.

Every layer follows one small protocol:

    out = layer.forward(x, training)   # keeps what backward needs in layer.cache
    dx  = layer.backward(dout)         # sets layer.grads (overwritten, never summed)
    for name, value, grad in layer.named_params(): ...

Shapes use N for the batch, D for inputs and M for outputs.
Not here: convolutions, batch normalisation, anything needing autograd.
"""

import numpy as np

from .kernels import input_grad, linear, weight_grad


class Dense:
    """Fully connected layer: z = x W + b.

    Parameters: W (D, M), b (M,). Forward caches x (N, D).
    Backward, by the chain rule, given dz = dL/dz (N, M):
        dW = x^T dz        (D, M)
        db = sum_n dz      (M,)
        dx = dz W^T        (N, D)
    """

    def __init__(self, W, b, name):
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.name = name

    def forward(self, x, training=False):
        self.cache = x
        z = linear(x, self.params["W"])
        z += self.params["b"]
        return z

    def backward(self, dz, need_dx=True):
        x = self.cache
        weight_grad(x, dz, out=self.grads["W"])
        np.sum(dz, axis=0, out=self.grads["b"])
        # The first layer's dx would be the gradient for the pixels: nobody needs it.
        return input_grad(dz, self.params["W"]) if need_dx else None

    def named_params(self):
        """Yields (qualified name, value, gradient) for W and b."""
        for key, value in self.params.items():
            yield f"{self.name}.{key}", value, self.grads[key]

    def __repr__(self):
        D, M = self.params["W"].shape
        return f"Dense({self.name}: {D} -> {M})"


class Dropout:
    """Inverted dropout: at training time keep each unit with probability 1 - rate
    and scale kept units by 1 / (1 - rate), so at test time the layer is the identity.

        forward:  out = x * mask,  mask = (u >= rate) / (1 - rate)
        backward: dx = dout * mask
    """

    def __init__(self, rate, rng):
        if not 0 <= rate < 1:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
        self.rate = rate
        self.rng = rng
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

    def __repr__(self):
        return f"Dropout(rate={self.rate})"
