"""The network: a stack of dense layers with activations (and optional dropout)
between them, ending in logits for the 10 digit classes.

    x (N, 784) -> [Dense -> activation -> Dropout] * hidden layers -> Dense -> logits (N, 10)

The model also owns its input normalisation (the mean and standard deviation of
the training pixels), so whoever holds a model can feed it raw pixels in [0, 1].
Softmax and the loss are not layers: see `losses.py`.
"""

import numpy as np

from .activations import make_activation
from .init import get_initializer
from .layers import Dense, Dropout
from .losses import softmax

INPUT_SIZE = 28 * 28
NUM_CLASSES = 10


class Network:
    """A multi-layer perceptron with its input normalisation.

    sizes: layer widths, e.g. [784, 128, 10]. config: the settings it was built
    and trained with (saved alongside the weights). mean, std: scalars used as
    x_norm = (pixels - mean) / std.
    """

    def __init__(self, layers, config, mean=0.0, std=1.0):
        self.layers = layers
        self.config = dict(config)
        self.mean = float(mean)
        self.std = float(std)
        self.history = {}  # what is known about its training: epochs, test accuracy

    @classmethod
    def build(cls, config, rng, mean=0.0, std=1.0, dtype=np.float32):
        """A freshly initialised network for `config` (see config.py)."""
        init = get_initializer(config["initializer"])
        sizes = [INPUT_SIZE, *config["hidden_sizes"], NUM_CLASSES]
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            layers.append(Dense(init(fan_in, fan_out, rng, dtype), np.zeros(fan_out, dtype), f"dense{i}"))
            if i < len(sizes) - 1:
                layers.append(make_activation(config["activation"]))
                if config.get("dropout", 0) > 0:
                    layers.append(Dropout(config["dropout"], rng))
        return cls(layers, config, mean, std)

    @property
    def sizes(self):
        """Layer widths, input first: e.g. [784, 128, 10]."""
        dense = self.dense_layers()
        return [dense[0].params["W"].shape[0]] + [d.params["W"].shape[1] for d in dense]

    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def normalize(self, images):
        """Raw pixels in [0, 1] (or uint8 0-255), shaped (N, 28, 28) or (N, 784),
        to the network's float32 input (N, 784)."""
        x = np.asarray(images)
        scale = 1 / 255 if x.dtype == np.uint8 else 1.0
        x = x.reshape(len(x), -1).astype(np.float32)
        if x.shape[1] != INPUT_SIZE:
            raise ValueError(f"expected images of 28x28 = 784 pixels, got {x.shape[1]} per image")
        return (x * np.float32(scale) - np.float32(self.mean)) / np.float32(self.std)

    def forward(self, x, training=False):
        """Normalised inputs (N, 784) -> logits (N, 10). Caches what backward needs."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, dlogits):
        """Back-propagates dL/dlogits (N, 10) through every layer, setting their grads."""
        dout = dlogits
        first = self.layers[0]
        for layer in reversed(self.layers):
            if layer is first:
                layer.backward(dout, need_dx=False)
            else:
                dout = layer.backward(dout)

    def named_params(self):
        """Yields (name, value, gradient) for every parameter, e.g. ('dense1.W', W, dW)."""
        for layer in self.layers:
            yield from layer.named_params()

    def state(self):
        """{name: array} of all parameters (views, not copies)."""
        return {name: value for name, value, _ in self.named_params()}

    def hidden_activations(self, x):
        """Outputs of each hidden activation for normalised inputs x (N, 784): a list of (N, H)."""
        outs = []
        for layer in self.layers[:-1]:
            x = layer.forward(x, training=False)
            if not isinstance(layer, (Dense, Dropout)):
                outs.append(x)
        return outs

    def predict_proba(self, images, batch_size=1000):
        """Raw pixels in [0, 1], (N, 28, 28) or (N, 784) -> class probabilities (N, 10)."""
        x = self.normalize(images)
        return np.concatenate([softmax(self.forward(x[i:i + batch_size]))
                               for i in range(0, len(x), batch_size)] or [np.zeros((0, 10))])

    def predict(self, images):
        """Most likely digit for each image, (N,) ints."""
        return self.predict_proba(images).argmax(axis=1)

    def __repr__(self):
        arch = "-".join(str(s) for s in self.sizes)
        return f"Network({arch}, activation={self.config.get('activation')!r})"
