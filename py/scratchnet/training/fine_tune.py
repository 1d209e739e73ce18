"""Fine-tuning: teaching a trained network a learner's own handwriting without making it forget MNIST.

The learner's digits are few (tens), so training on them alone would bend the network to them and
undo what it learnt from 60,000 MNIST digits ("catastrophic forgetting"). Each step here trains on
a batch that mixes both, each of the learner's digits a fresh random variant (data/augment.py),
so that the network learns the learner's shapes rather than the exact pixels of twenty drawings:

    copy <- a copy of the network (the original is left as it was)
    for step in range(steps):
        x, y = augment(all the learner's digits, or MINE_PER_STEP of them drawn at random)
               + MNIST_PER_STEP MNIST training digits drawn at random, as they are
        loss, dlogits = softmax_cross_entropy(copy.forward(x), y)     # mean over the mixed batch
        grads = copy.backward(dlogits)
        g_W <- g_W + anchor * (W - W_before)       (pulls each weight back towards where it was)
        adam.step(params, grads, learning_rate)

The anchor term is the gradient of (anchor / 2) ||W - W_before||^2, "L2-SP" (Li et al. 2018): weight
decay towards the trained weights instead of towards zero, a second guard against forgetting.

Inputs are raw images (N, 28, 28): the learner's as drawings are classified (data/drawing.py,
floats in [0, 1]), MNIST's as uint8; the network's own normalise() turns both into its inputs.
Randomness comes from the one `rng` passed in, so a seed gives the same fine-tuned network.
The work comes in pieces (`steps()` yields between them), so a browser can answer a drawing or a
Stop in between. Not here: choosing which digits to learn from, or any evaluation on the test set
(metrics.evaluation_chunks does that).
"""

import copy

import numpy as np

from scratchnet.data.augment import augment_batch
from scratchnet.nn import products
from scratchnet.nn.layers import PLAIN
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.nn.optimizers import Adam

STEPS = 60             # updates; each sees every learner digit once (up to MINE_PER_STEP)
MINE_PER_STEP = 32     # at most this many of the learner's digits per step
MNIST_PER_STEP = 256   # MNIST digits mixed into every step, so it does not forget
LEARNING_RATE = 2e-4   # Adam's; a fifth of a typical training rate: the network is already trained
ANCHOR = 0.1           # the pull of each weight back to its trained value (see the docstring)
# Mild, and only on the learner's digits: they are shown many times, and each variant must still
# look like what they drew. Measured (docs/benchmarks.md, "fine-tune"): stronger augmentation,
# or augmenting the MNIST digits too, cost the test set more than it gave.
AUGMENT = {"shift": 1.0, "rotate": 5.0, "scale": 0.05}
WORK = 2e7             # multiply-adds per piece of work (a few tens of milliseconds inside Pyodide)


def accuracy_on(network, images, labels):
    """The fraction of raw `images` (N, 28, 28) that `network` reads as their `labels`."""
    if len(labels) == 0:
        return 0.0
    return float(np.mean(network.predict(images) == np.asarray(labels)))


class FineTune:
    """Fine-tunes a copy of `network` on the learner's digits (`mine_x` (N, 28, 28) in [0, 1],
    `mine_y` (N,) ints) mixed with MNIST training digits (`mnist_x` uint8 (M, 28, 28), `mnist_y`).
    Iterate `steps()` to do the work; `network` is the result (a new Network, the one passed in
    is untouched). With `fastest`, each dense layer of the copy computes its products the fastest
    way on this machine (products.py); leave it off when the learner's own dense code is in use."""

    def __init__(self, network, mine_x, mine_y, mnist_x, mnist_y, rng, steps=STEPS,
                 learning_rate=LEARNING_RATE, anchor=ANCHOR, augment=AUGMENT,
                 mine_per_step=MINE_PER_STEP, mnist_per_step=MNIST_PER_STEP, fastest=False):
        if len(mine_y) == 0:
            raise ValueError("There are no digits of yours to learn from: add some first.")
        self.network = copy.deepcopy(network)
        self.network.history = {}
        self.mine_x, self.mine_y = np.asarray(mine_x, dtype=np.float32), np.asarray(mine_y, dtype=np.int64)
        self.mnist_x, self.mnist_y = mnist_x, np.asarray(mnist_y, dtype=np.int64)
        self.rng = rng
        self.total_steps, self.step = int(steps), 0
        self.learning_rate, self.anchor, self.augment = learning_rate, anchor, dict(augment)
        self.mine_per_step, self.mnist_per_step = mine_per_step, mnist_per_step
        self.optimizer = Adam()
        self.before = self.network.copy_state()  # W_before, for the anchor
        rows = int(WORK / (3 * self.network.flops_per_example()))  # forward + two backward products
        self.micro_batch = max(1, rows)
        if fastest:
            products.choose(self.network, self.network.normalize(self.mnist_x[:self.micro_batch]), PLAIN)

    def batch(self):
        """The next mixed batch, the learner's digits augmented: (x normalised inputs, y labels)."""
        mine = np.arange(len(self.mine_y))
        if len(mine) > self.mine_per_step:
            mine = self.rng.choice(mine, self.mine_per_step, replace=False)
        mnist = self.rng.integers(0, len(self.mnist_y), size=self.mnist_per_step)
        x_mine = augment_batch(self.network.normalize(self.mine_x[mine]), self.augment, self.rng)
        x = np.concatenate([x_mine, self.network.normalize(self.mnist_x[mnist])])
        return x, np.concatenate([self.mine_y[mine], self.mnist_y[mnist]])

    def steps(self):
        """Does the fine-tuning, yielding after each piece of work: {"step", "steps"} (steps done,
        of how many). Its return value is the mean loss of the last step."""
        loss = float("nan")
        while self.step < self.total_steps:
            x, y = self.batch()
            grads, loss = {}, 0.0
            for start in range(0, len(y), self.micro_batch):
                xb, yb = x[start:start + self.micro_batch], y[start:start + self.micro_batch]
                piece_loss, dlogits = softmax_cross_entropy(self.network.forward(xb, training=True), yb)
                share = len(yb) / len(y)  # the batch's loss is the mean over all its examples
                self.network.backward(dlogits * dlogits.dtype.type(share))
                for name, _, g in self.network.named_params():
                    grads[name] = grads[name] + g if name in grads else g.copy()
                loss += float(piece_loss) * share
                if start + self.micro_batch < len(y):
                    yield {"step": self.step, "steps": self.total_steps}
            params = []
            for name, W, _ in self.network.named_params():
                g = grads[name]
                if self.anchor and name.endswith(".W"):
                    g += self.anchor * (W - self.before[name])  # d/dW of (anchor / 2) ||W - W_before||^2
                params.append((name, W, g))
            self.optimizer.step(params, self.learning_rate)
            self.step += 1
            yield {"step": self.step, "steps": self.total_steps}
        return loss

    def run(self):
        """All the steps at once (natively); returns the fine-tuned network."""
        for _ in self.steps():
            pass
        return self.network
