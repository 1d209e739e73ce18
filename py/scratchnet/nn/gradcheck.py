"""Numerical gradient checking with centred differences.

For a scalar function f of an array x, each partial derivative is estimated as

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

and compared with the analytic gradient by the relative error

    |a - n| / max(|a| + |n|, tiny)

Use float64 and tiny shapes: in float64 a correct backward pass agrees to ~1e-7
or better. This costs two evaluations of f per element, so it is for tests and
demonstrations, never for training.
"""

import numpy as np


def centred_difference(f, x, index, h=1e-5):
    """(f(x + h e) - f(x - h e)) / 2h for scalar f() and the entry x[index] (changed in place
    while probing, restored afterwards): the slope of f along that one entry."""
    original = x[index]
    x[index] = original + h
    plus = f()
    x[index] = original - h
    minus = f()
    x[index] = original
    return (plus - minus) / (2 * h)


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of scalar f() with respect to array x (changed in place
    while probing, restored afterwards). Returns an array shaped like x."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        grad[it.multi_index] = centred_difference(f, x, it.multi_index, h)
    return grad


def relative_error(analytic, numeric):
    """The largest element-wise relative error between two gradients."""
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    return float(np.max(np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)))


def check_layer(layer, x, rng, h=1e-5):
    """Checks a layer's backward against centred differences.

    Uses the loss L = sum(out * R) for a fixed random R, so dL/dout = R.
    Returns {"x": error, "<param name>": error, ...} (relative errors).
    """
    out = layer.forward(x, training=True)
    R = rng.standard_normal(out.shape)

    def loss():
        return float(np.sum(layer.forward(x, training=True) * R))

    layer.forward(x, training=True)
    dx = layer.backward(R)
    errors = {"x": relative_error(dx, numerical_gradient(loss, x, h))}
    for name, value, grad in list(layer.named_params()):
        analytic = grad.copy()
        errors[name] = relative_error(analytic, numerical_gradient(loss, value, h))
    return errors


def check_network(network, x, y, loss_fn, h=1e-5):
    """Checks every parameter gradient of a whole network under `loss_fn(logits, y)`.

    Returns {parameter name: relative error}. Dropout must be off (it is random).
    """
    loss, dlogits = loss_fn(network.forward(x, training=True), y)
    network.backward(dlogits)
    analytic = {name: grad.copy() for name, _, grad in network.named_params()}

    def loss_only():
        return loss_fn(network.forward(x, training=True), y)[0]

    return {name: relative_error(analytic[name], numerical_gradient(loss_only, value, h))
            for name, value, _ in network.named_params()}
