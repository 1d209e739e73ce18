"""The network: a stack of layers built from the settings' layer specs, with the
input normalisation it was trained with.

    x (N, *input_shape) -> layer -> layer -> ... -> logits (N, C)

The model owns its input normalisation (the mean and standard deviation of the
training inputs), so whoever holds a model can feed it raw examples: pixels in
[0, 1] or uint8 0-255 for images, plain numbers for points. It knows no dataset:
the shape of one example and the number of classes are given when it is built.
Softmax and the loss are not layers: see `losses.py`.
"""

import math

import numpy as np

from scratchnet.model import walk
from scratchnet.model.architecture import build_layers
from scratchnet.nn.layers import Dense
from scratchnet.nn.losses import softmax


class Network:
    """Layers with their input normalisation.

    config: the settings it was built and trained with (saved alongside the
    weights). mean, std: scalars used as x_norm = (x - mean) / std.
    sample_shape: one raw example's shape, e.g. (28, 28); input_shape: how the
    first layer takes it, e.g. (784,) or (1, 28, 28).
    """

    def __init__(self, layers, config, mean, std, sample_shape, input_shape, num_classes):
        self.layers = layers
        self.config = dict(config)
        self.mean = float(mean)
        self.std = float(std)
        self.sample_shape = tuple(sample_shape)
        self.input_shape = tuple(input_shape)
        self.num_classes = int(num_classes)
        self.history = {}  # what is known about its training: epochs, test accuracy

    @classmethod
    def build(cls, config, rng, mean, std, sample_shape, num_classes, dropout_rng=None, dtype=np.float32):
        """A freshly initialised network for a validated `config`: weights drawn from
        `rng`, dropout masks (if any) from `dropout_rng`."""
        dropout_rng = dropout_rng if dropout_rng is not None else np.random.default_rng(0)
        layers, input_shape = build_layers(config, sample_shape, num_classes, rng, dropout_rng, dtype)
        return cls(layers, config, mean, std, sample_shape, input_shape, num_classes)

    @property
    def sizes(self):
        """Widths of the dense layers, input first: e.g. [784, 128, 10]."""
        dense = self.dense_layers()
        return [dense[0].params["W"].shape[0]] + [d.params["W"].shape[1] for d in dense]

    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def param_layers(self):
        """The layers that have parameters, in order."""
        return [layer for layer in self.layers if layer.params]

    def describe(self):
        """Short text of the architecture, e.g. '784-128-10' or 'conv8 5x5, pool2, ... -> 10'."""
        if all(isinstance(layer, Dense) or not layer.params for layer in self.layers) and \
                len(self.input_shape) == 1:
            return "-".join(str(s) for s in self.sizes)
        return " → ".join(repr(layer) for layer in self.layers if layer.params) + f" → {self.num_classes}"

    def flops_per_example(self):
        """Multiply-adds of one example's forward pass (sizes work into chunks)."""
        shape, total = self.input_shape, 0
        for layer in self.layers:
            total += layer.flops(shape)
            shape = layer.output_shape(shape)
        return max(total, 1)

    def normalize(self, examples):
        """Raw examples (N, *sample_shape) -- uint8 pixels are scaled to [0, 1] first --
        to the network's float32 input (N, *input_shape)."""
        x = np.asarray(examples)
        scale = 1 / 255 if x.dtype == np.uint8 else 1.0
        if x.ndim == 0 or math.prod(x.shape[1:]) != math.prod(self.sample_shape):
            wanted = "x".join(map(str, self.sample_shape))
            got = "x".join(map(str, x.shape[1:])) or "a single number"
            raise ValueError(f"expected examples of shape {wanted}, got {got}")
        x = x.reshape(len(x), *self.input_shape).astype(np.float32)
        return (x * np.float32(scale) - np.float32(self.mean)) / np.float32(self.std)

    def forward(self, x, training=False, keep=False):
        """Normalised inputs (N, *input_shape) -> logits (N, C). Caches what backward needs.
        With `keep`: [x, each layer's output] (see walk.py)."""
        return walk.forward(self.layers, x, training, keep)

    def backward(self, dlogits, keep=False):
        """Back-propagates dL/dlogits (N, C) through every layer, setting their grads.
        With `keep`: the gradient of each layer's input (see walk.py)."""
        return walk.backward(self.layers, dlogits, keep)

    def named_params(self):
        """Yields (name, value, gradient) for every parameter, e.g. ('dense1.W', W, dW)."""
        for layer in self.layers:
            yield from layer.named_params()

    def state(self):
        """{name: array} of all parameters (views, not copies)."""
        return {name: value for name, value, _ in self.named_params()}

    def copy_state(self):
        """{name: copy} of all parameters, to put back later with load_state."""
        return {name: value.copy() for name, value in self.state().items()}

    def load_state(self, state):
        for name, value in self.state().items():
            value[...] = state[name]

    def predict_proba(self, examples, batch_size=1000):
        """Raw examples (N, *sample_shape) -> class probabilities (N, C)."""
        x = self.normalize(examples)
        return np.concatenate([softmax(self.forward(x[i:i + batch_size]))
                               for i in range(0, len(x), batch_size)] or [np.zeros((0, self.num_classes))])

    def predict(self, examples):
        """Most likely class of each example, (N,) ints."""
        return self.predict_proba(examples).argmax(axis=1)

    def __repr__(self):
        kind = self.config.get("layers") or self.config.get("activation")
        return f"Network({self.describe()}, {kind!r})"
