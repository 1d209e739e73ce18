"""Softmax and the softmax cross-entropy loss, computed stably.

For logits z (N, C) and integer labels y (N,):

    p_i   = exp(z_i - max z) / sum_j exp(z_j - max z)     (softmax; the shift changes nothing
                                                           mathematically but prevents overflow)
    log p = (z - max z) - log sum_j exp(z_j - max z)       (log-sum-exp)
    L     = -(1/N) sum_n log p[n, y_n]
    dL/dz = (p - onehot(y)) / N

Only this combined form is offered: softmax's own Jacobian never needs to be built.
"""

import numpy as np


def log_softmax(logits):
    """Row-wise log of softmax, (N, C) -> (N, C), stable for any finite logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits):
    """Row-wise softmax probabilities, (N, C) -> (N, C); each row sums to 1."""
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits) against labels, and its gradient.

    logits: (N, C) floats; y: (N,) ints in [0, C).
    Returns (loss: float, dlogits: (N, C) same dtype as logits).
    """
    N = logits.shape[0]
    log_p = log_softmax(logits)
    loss = -float(log_p[np.arange(N), y].mean())
    dlogits = np.exp(log_p)
    dlogits[np.arange(N), y] -= 1
    dlogits /= N
    return loss, dlogits
