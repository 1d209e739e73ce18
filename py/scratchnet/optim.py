"""Optimisers: plain SGD, SGD with momentum, and Adam.

Each is a small class with one method, `step(named_params, learning_rate)`, that
updates every parameter in place from its gradient. named_params yields
(name, value, grad) triples; state is kept per name, so `state_dict()` and
`load_state_dict()` make resuming exact. The learning rate is passed in each
step because it comes from a schedule.
"""

import numpy as np


class SGD:
    """w <- w - lr * g"""

    def __init__(self):
        self.t = 0

    def step(self, named_params, learning_rate):
        self.t += 1
        for _, w, g in named_params:
            w -= learning_rate * g

    def state_dict(self):
        return {"t": np.array(self.t)}

    def load_state_dict(self, state):
        self.t = int(state["t"])

    def __repr__(self):
        return "SGD()"


class Momentum:
    """Heavy-ball momentum:  v <- mu * v - lr * g;  w <- w + v   (v starts at 0)."""

    def __init__(self, momentum=0.9):
        self.momentum = momentum
        self.velocity = {}
        self.t = 0

    def step(self, named_params, learning_rate):
        self.t += 1
        for name, w, g in named_params:
            v = self.velocity.get(name)
            if v is None:
                v = self.velocity[name] = np.zeros_like(w)
            v *= self.momentum
            v -= learning_rate * g
            w += v

    def state_dict(self):
        return {"t": np.array(self.t), **{f"velocity/{k}": v.copy() for k, v in self.velocity.items()}}

    def load_state_dict(self, state):
        self.t = int(state["t"])
        self.velocity = {k[len("velocity/"):]: np.array(v) for k, v in state.items()
                         if k.startswith("velocity/")}

    def __repr__(self):
        return f"Momentum(momentum={self.momentum})"


class Adam:
    """Adam (Kingma & Ba 2015), with bias correction:

        m <- b1 * m + (1 - b1) * g
        v <- b2 * v + (1 - b2) * g^2
        w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m, self.v = {}, {}
        self.t = 0

    def step(self, named_params, learning_rate):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Fold both bias corrections into one step size (same maths, fewer array ops).
        step_size = float(learning_rate * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t))
        eps = float(self.eps * np.sqrt(1 - b2 ** self.t))
        for name, w, g in named_params:
            if name not in self.m:
                self.m[name], self.v[name] = np.zeros_like(w), np.zeros_like(w)
            m, v = self.m[name], self.v[name]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            w -= step_size * m / (np.sqrt(v) + eps)

    def state_dict(self):
        state = {"t": np.array(self.t)}
        state.update({f"m/{k}": a.copy() for k, a in self.m.items()})
        state.update({f"v/{k}": a.copy() for k, a in self.v.items()})
        return state

    def load_state_dict(self, state):
        self.t = int(state["t"])
        self.m = {k[2:]: np.array(a) for k, a in state.items() if k.startswith("m/")}
        self.v = {k[2:]: np.array(a) for k, a in state.items() if k.startswith("v/")}

    def __repr__(self):
        return f"Adam(beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name, momentum=0.9, beta1=0.9, beta2=0.999):
    """A new optimiser from its registry name and the hyperparameters it uses."""
    if name == "sgd":
        return SGD()
    if name == "momentum":
        return Momentum(momentum=momentum)
    if name == "adam":
        return Adam(beta1=beta1, beta2=beta2)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
