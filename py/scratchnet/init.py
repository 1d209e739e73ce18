"""Weight initialisers: Xavier/Glorot and He.

Both scale random weights by the layer's fan-in (and fan-out) so that the
variance of activations stays roughly constant from layer to layer:

    xavier:  W ~ U(-a, a),  a = sqrt(6 / (fan_in + fan_out))   (Glorot & Bengio 2010)
    he:      W ~ N(0, s^2), s = sqrt(2 / fan_in)               (He et al. 2015, for ReLU)

Biases start at zero. The random generator is always passed in, never global.
"""

import numpy as np


def xavier(fan_in, fan_out, rng, dtype=np.float32):
    """(fan_in, fan_out) weights from Glorot's uniform distribution."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def he(fan_in, fan_out, rng, dtype=np.float32):
    """(fan_in, fan_out) weights from He's normal distribution."""
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)


INITIALIZERS = {"xavier": xavier, "he": he}


def get_initializer(name):
    """The initialiser function registered under `name`."""
    if name not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}")
    return INITIALIZERS[name]
