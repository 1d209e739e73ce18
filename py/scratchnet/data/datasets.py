"""Datasets: what a run trains and tests on, whatever the examples are.

A `Dataset` holds raw training and test examples with integer labels, the
shape of one example and the number of classes: everything the model and the
trainer need to know about the data, so that neither knows MNIST. MNIST comes
from its IDX files or from the site's data bundle (see data.py); the 2-D
playground's point sets come from toy.py.
"""

import os

import numpy as np

from scratchnet.data.mnist import load_bundle, load_mnist


class Dataset:
    """x_train (N, *sample_shape), y_train (N,) ints in [0, num_classes), and the same for test."""

    def __init__(self, name, x_train, y_train, x_test, y_test, num_classes):
        self.name = name
        self.x_train, self.x_test = x_train, x_test
        self.y_train = np.asarray(y_train).astype(np.int64)
        self.y_test = np.asarray(y_test).astype(np.int64)
        self.sample_shape = tuple(x_train.shape[1:])
        self.num_classes = int(num_classes)
        self._test_inputs = {}

    def test_inputs(self, network):
        """The test examples normalised for `network` (kept for the last normalisation asked for)."""
        key = (network.mean, network.std, network.input_shape)
        if key not in self._test_inputs:
            self._test_inputs = {key: network.normalize(self.x_test)}
        return self._test_inputs[key]

    def __len__(self):
        return len(self.y_train)

    def __repr__(self):
        return (f"Dataset({self.name}: {len(self.y_train)} training and {len(self.y_test)} test examples "
                f"of shape {self.sample_shape}, {self.num_classes} classes)")


def mnist_dataset(arrays, name="mnist"):
    """A Dataset from the arrays of load_mnist or load_bundle."""
    return Dataset(name, arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], 10)


def load_dataset(path):
    """MNIST from a folder of IDX files or from a data bundle (.npz)."""
    if os.path.isdir(path):
        return mnist_dataset(load_mnist(path), "mnist")
    return mnist_dataset(load_bundle(path), os.path.basename(path))
