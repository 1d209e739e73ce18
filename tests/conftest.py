"""Shared fixtures for the unit tests: real MNIST loaded once, one small trained
model, and a way to restore the matmul kernel choice."""

import io
import os

# The products here are tiny; on a 2-core machine OpenBLAS's worker threads only
# fight each other (a short training run goes from ~0.1 s to several seconds).
# Must be set before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchnet import Network, Trainer, kernels, recipe  # noqa: E402
from scratchnet.cli import find_mnist  # noqa: E402
from scratchnet.data import DataFileError, balanced_subset, input_statistics, load_mnist  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    """The full MNIST set as uint8 arrays, read from the IDX files `npm ci` installs."""
    try:
        return load_mnist(find_mnist())
    except DataFileError as error:
        pytest.fail(f"the real MNIST files are needed for these tests: {error}")


def _make_trainer(mnist, config, test_size=1000):
    rng = np.random.default_rng(config["seed"])
    idx = balanced_subset(mnist["y_train"], config["train_size"], rng)
    x_raw = mnist["x_train"][idx]
    mean, std = input_statistics(x_raw) if config["input_scaling"] == "standardize" else (0.0, 1.0)
    network = Network.build(config, rng, mean, std)
    trainer = Trainer(network, config, network.normalize(x_raw), mnist["y_train"][idx].astype(np.int64),
                      network.normalize(mnist["x_test"][:test_size]),
                      mnist["y_test"][:test_size].astype(np.int64), rng)
    return network, trainer


@pytest.fixture(scope="session")
def make_trainer(mnist):
    """make_trainer(config, test_size=1000) -> (network, trainer), set up the way the CLI
    does it (one generator from the seed: subset, then weights, then shuffling) on real
    MNIST, evaluated on the first `test_size` official test images."""
    return lambda config, test_size=1000: _make_trainer(mnist, config, test_size)


@pytest.fixture(scope="session")
def trained_run(mnist):
    """The default recipe trained for 2 epochs on 2000 balanced images (test: first 1000).

    Returns (network, test accuracy before training, list of training events).
    Tests must not modify the network.
    """
    config = recipe("default", train_size=2000, epochs=2)
    network, trainer = _make_trainer(mnist, config)
    untrained = float(np.mean(network.predict(mnist["x_test"][:1000]) == mnist["y_test"][:1000]))
    events = list(trainer.events())
    return network, untrained, events


@pytest.fixture(scope="session")
def trained_network(trained_run):
    return trained_run[0]


@pytest.fixture
def restore_kernel():
    """Puts back the module-wide matmul choice, which kernels.use/choose (and so the CLI's
    train and the bridge's init) change."""
    previous = kernels.active()
    yield
    for operation, name in previous.items():
        kernels.use(name, operation)


@pytest.fixture
def through_npz():
    """A function that saves a state dict and reads it back, as a checkpoint file would."""

    def round_trip(state):
        buffer = io.BytesIO()
        np.savez(buffer, **state)
        buffer.seek(0)
        with np.load(buffer, allow_pickle=False) as f:
            return {key: f[key] for key in f.files}

    return round_trip
