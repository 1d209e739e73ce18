"""Optimisers: plain SGD, SGD with momentum, and Adam.

The update rules of SGD and momentum are pure functions (the ones a learner
rewrites in the page):

    sgd_step(W, dW, learning_rate) -> W                          W <- W - lr dW
    momentum_step(W, dW, v, learning_rate, momentum) -> (W, v)   v <- mu v - lr dW;  W <- W + v

Each optimiser is a small class with one method, `step(named_params, learning_rate)`,
that applies its rule to every parameter (the new values are written into the
same arrays, so the layers keep theirs). named_params yields (name, value, grad)
triples; state is kept per name, so `state_dict()` and `load_state_dict()` make
resuming exact. The learning rate is passed in each step because it comes from
a schedule.
"""

import numpy as np

from scratchnet.nn.registry import lookup


def sgd_step(W, dW, learning_rate):
    """Plain gradient descent: one step downhill, W - learning_rate * dW."""
    return W - learning_rate * dW


def momentum_step(W, dW, v, learning_rate, momentum):
    """Heavy-ball momentum: the velocity keeps a share `momentum` of the last step,
    v = momentum * v - learning_rate * dW, and the weights move by it: W + v."""
    v = momentum * v - learning_rate * dW
    return W + v, v


class SGD:
    """w <- w - lr * g   (sgd_step)"""

    def __init__(self, step_fn=sgd_step):
        self.t = 0
        self.step_fn = step_fn

    def step(self, named_params, learning_rate):
        self.t += 1
        for _, w, g in named_params:
            w[...] = self.step_fn(w, g, learning_rate)

    def state_dict(self):
        return {"t": np.array(self.t)}

    def load_state_dict(self, state):
        self.t = int(state["t"])

    def __repr__(self):
        return "SGD()"


class Momentum:
    """Heavy-ball momentum:  v <- mu * v - lr * g;  w <- w + v   (v starts at 0; momentum_step)."""

    def __init__(self, momentum=0.9, step_fn=momentum_step):
        self.momentum = momentum
        self.velocity = {}
        self.t = 0
        self.step_fn = step_fn

    def step(self, named_params, learning_rate):
        self.t += 1
        for name, w, g in named_params:
            v = self.velocity.get(name)
            if v is None:
                v = self.velocity[name] = np.zeros_like(w)
            if self.step_fn is momentum_step:
                # momentum_step's rule, computed in place: the same numbers, without four
                # temporary arrays the size of the weights (a real cost where NumPy has no BLAS).
                v *= self.momentum
                v -= learning_rate * g
                w += v
            else:
                w[...], v = self.step_fn(w, g, v, learning_rate, self.momentum)
                self.velocity[name] = np.asarray(v, dtype=w.dtype)

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


# name -> a function of the settings that makes the optimiser (only the ones it uses).
OPTIMIZERS = {
    "sgd": lambda config: SGD(),
    "momentum": lambda config: Momentum(momentum=config["momentum"]),
    "adam": lambda config: Adam(),
}


def make_optimizer(config):
    """A new optimiser for a validated config (its "optimizer", and "momentum" where used)."""
    return lookup(OPTIMIZERS, config["optimizer"], "optimizer")(config)
