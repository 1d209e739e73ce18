"""The exercises: the functions a learner rewrites, each with its stub and the
reference implementation the network really runs.

    dense_forward(x, W, b) -> z              dense_backward(dz, x, W) -> (dx, dW, db)
    relu_forward(z) -> a                     relu_backward(da, z) -> dz
    sigmoid_forward(z) -> a                  sigmoid_backward(da, z) -> dz
    tanh_forward(z) -> a                     tanh_backward(da, z) -> dz
    softmax_cross_entropy(logits, y) -> (loss, dlogits)      (mean over the batch)
    sgd_step(W, dW, learning_rate) -> W
    momentum_step(W, dW, v, learning_rate, momentum) -> (W, v)

Functions, CS231n style; the references are the package's own functions
(layers.py, activations.py, losses.py, optimizers.py), so what the page shows is what
runs. Two go a little further for speed, and say so: the reference backward functions
of the activations also take the output a the forward pass kept (a=None), and the
reference momentum_step updates W and v in place. A learner's versions take the
arguments above and may return new arrays. A stub is the docstring, the shapes and the
equation, with the body left to write. Checking a learner's version is in checker.py;
using it, in learner_code.py.
"""

import inspect

from scratchnet.nn import activations, layers, losses, optimizers

REFERENCES = {
    "dense_forward": layers.dense_forward, "dense_backward": layers.dense_backward,
    "relu_forward": activations.relu_forward, "relu_backward": activations.relu_backward,
    "sigmoid_forward": activations.sigmoid_forward, "sigmoid_backward": activations.sigmoid_backward,
    "tanh_forward": activations.tanh_forward, "tanh_backward": activations.tanh_backward,
    "softmax_cross_entropy": losses.softmax_cross_entropy,
    "sgd_step": optimizers.sgd_step, "momentum_step": optimizers.momentum_step,
}
NAMES = list(REFERENCES)

_STUBS = {
    "dense_forward": ("x, W, b", "z", '''A dense layer's forward pass:  z = x W + b

    x: (N, D) inputs    W: (D, M) weights    b: (M,) biases
    Returns z: (N, M)'''),
    "dense_backward": ("dz, x, W", "dx, dW, db", '''A dense layer's backward pass, by the chain rule, given dz = dL/dz:

        dx = dz W^T          (N, D)
        dW = x^T dz          (D, M)
        db = sum_n dz[n]     (M,)    summed over the batch

    dz: (N, M)    x: (N, D) the forward pass's input    W: (D, M)
    Returns (dx, dW, db)'''),
    "relu_forward": ("z", "a", '''ReLU:  a = max(0, z), element-wise.   z: any shape.  Returns a: same shape.'''),
    "relu_backward": ("da, z", "dz", '''ReLU's backward pass:  dz = da * [z > 0]
    (the gradient passes where the unit was active, and stops where it was not)

    da: dL/da    z: the forward pass's input (same shape)    Returns dz (same shape)'''),
    "sigmoid_forward": ("z", "a", '''Sigmoid:  a = 1 / (1 + exp(-z)), element-wise.   Returns a: same shape as z.'''),
    "sigmoid_backward": ("da, z", "dz", '''Sigmoid's backward pass:  dz = da * s (1 - s),  with s = sigmoid(z)

    da: dL/da    z: the forward pass's input    Returns dz (same shape)'''),
    "tanh_forward": ("z", "a", '''Tanh:  a = tanh(z), element-wise.   Returns a: same shape as z.'''),
    "tanh_backward": ("da, z", "dz", '''Tanh's backward pass:  dz = da * (1 - tanh(z)^2)

    da: dL/da    z: the forward pass's input    Returns dz (same shape)'''),
    "softmax_cross_entropy": ("logits, y", "loss, dlogits", '''Softmax and the cross-entropy loss, averaged over the batch:

        p[n]    = exp(logits[n]) / sum_j exp(logits[n, j])      (softmax of each row)
        loss    = -(1/N) sum_n log p[n, y[n]]
        dlogits = (p - onehot(y)) / N

    Large logits overflow exp: subtract each row's maximum first (softmax does not change).
    logits: (N, C)    y: (N,) integer labels in [0, C)
    Returns (loss: a float, dlogits: (N, C))'''),
    "sgd_step": ("W, dW, learning_rate", "W", '''One step of gradient descent:  W <- W - learning_rate * dW
    Returns the new W (same shape).'''),
    "momentum_step": ("W, dW, v, learning_rate, momentum", "W, v", '''One step of SGD with momentum (v is the velocity, zeros at the start):

        v <- momentum * v - learning_rate * dW
        W <- W + v

    Returns (W, v), both the same shape as W.'''),
}


def stub(name):
    """The source a learner starts from: signature, docstring (shapes, equation), no body."""
    args, returns, doc = _STUBS[name]
    return (f"import numpy as np\n\n\ndef {name}({args}):\n    \"\"\"{doc}\n    \"\"\"\n"
            f"    # Write the body here, then press Check.\n"
            f"    raise NotImplementedError(\"{name} is not written yet\")\n"
            f"    return {returns}\n")


def reference_source(name):
    """The source of the function the network runs for exercise `name`, read from the package."""
    return inspect.getsource(REFERENCES[name])


def signature(name):
    """The argument names of exercise `name`, e.g. ['dz', 'x', 'W']."""
    return [a.strip() for a in _STUBS[name][0].split(",")]
