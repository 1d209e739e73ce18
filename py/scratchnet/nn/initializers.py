"""Weight initialisers: Xavier/Glorot and He.

Both scale random weights by the layer's fan-in (and fan-out) so that the
variance of activations stays roughly constant from layer to layer:

    xavier:  W ~ U(-a, a),  a = sqrt(6 / (fan_in + fan_out))   (Glorot & Bengio 2010)
    he:      W ~ N(0, s^2), s = sqrt(2 / fan_in)               (He et al. 2015, for ReLU)

Biases start at zero. The random generator is always passed in, never global.
"""

import numpy as np

from scratchnet.nn.registry import lookup


def xavier(fan_in, fan_out, rng, dtype=np.float32, shape=None):
    """Weights from Glorot's uniform distribution, shaped (fan_in, fan_out) unless
    `shape` is given (a convolution's (filters, channels, height, width))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape or (fan_in, fan_out)).astype(dtype)


def he(fan_in, fan_out, rng, dtype=np.float32, shape=None):
    """Weights from He's normal distribution, shaped (fan_in, fan_out) unless `shape` is given."""
    return (rng.standard_normal(shape or (fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)


INITIALIZERS = {"xavier": xavier, "he": he}


def get_initializer(name):
    """The initialiser function registered under `name`."""
    return lookup(INITIALIZERS, name, "initializer")
