"""Optimisers: plain SGD, SGD with momentum, and Adam.

The update rules of SGD and momentum are functions (the ones a learner
rewrites in the page):

    sgd_step(W, dW, learning_rate) -> W                          W <- W - lr dW
    momentum_step(W, dW, v, learning_rate, momentum) -> (W, v)   v <- mu v - lr dW;  W <- W + v

Each optimiser is a small class with one method, `step(named_params, learning_rate)`,
that applies its rule to every parameter; the new values always end up in the
same arrays, so the layers keep theirs. The reference `momentum_step` updates W
and v in place and returns them; a learner's version may return new arrays
instead, and `Momentum.step` writes those into place: one path for both.
named_params yields (name, value, grad) triples; state is kept per name, so
`state_dict()` and `load_state_dict()` make resuming exact. The learning rate
is passed in each step because it comes from a schedule.
"""

import numpy as np

from scratchnet.nn.registry import lookup


def sgd_step(W, dW, learning_rate):
    """Plain gradient descent: one step downhill, W - learning_rate * dW."""
    return W - learning_rate * dW


def momentum_step(W, dW, v, learning_rate, momentum):
    """Heavy-ball momentum: the velocity keeps a share `momentum` of the last step,
    v = momentum * v - learning_rate * dW, and the weights move by it: W + v.

    Written in place (v and W are updated and returned), so no temporary arrays the
    size of the weights are made: a real cost where NumPy has no BLAS."""
    v *= momentum
    v -= learning_rate * dW
    W += v
    return W, v


def _write(target, value):
    """Puts `value` into the array `target` (nothing to do when it is that array)."""
    if value is not target:
        target[...] = value


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
    """Heavy-ball momentum:  v <- mu * v - lr * g;  w <- w + v   (v starts at 0; momentum_step,
    or the learner's version of it: whatever it returns is written into w and v)."""

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
            new_w, new_v = self.step_fn(w, g, v, learning_rate, self.momentum)
            _write(w, new_w)  # the reference's are w and v themselves; a learner's may be new arrays
            _write(v, new_v)

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

    The last line is computed in the reordered form the paper suggests (its Section 2), with
    eps scaled so that the update is the same (up to float rounding): multiplying the
    fraction's top and bottom by sqrt(1 - b2^t),

        w <- w - step_size * m / (sqrt(v) + eps_t),
        step_size = lr * sqrt(1 - b2^t) / (1 - b1^t),   eps_t = eps * sqrt(1 - b2^t)

    so both corrections are two numbers per step, not two more arrays per parameter.
    """

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m, self.v = {}, {}
        self.t = 0

    def step(self, named_params, learning_rate):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = float(learning_rate * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t))
        eps_t = float(self.eps * np.sqrt(1 - b2 ** self.t))
        for name, w, g in named_params:
            if name not in self.m:
                self.m[name], self.v[name] = np.zeros_like(w), np.zeros_like(w)
            m, v = self.m[name], self.v[name]
            m *= b1
            m += (1 - b1) * g         # m <- b1 m + (1 - b1) g
            v *= b2
            v += (1 - b2) * (g * g)   # v <- b2 v + (1 - b2) g^2
            w -= step_size * m / (np.sqrt(v) + eps_t)

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
