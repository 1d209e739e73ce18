"""Shared fixtures for the unit tests: real MNIST loaded once, runs set up the way
the CLI and the browser set them up, and one small trained model."""

import io
import os

# The products here are tiny; on a 2-core machine OpenBLAS's worker threads only
# fight each other (a short training run goes from ~0.1 s to several seconds).
# Must be set before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from subsets import small_test_set  # noqa: E402

from scratchnet import (
    load_dataset,
    prepare_run,
    recipe,  # noqa: E402
)
from scratchnet.cli import find_mnist  # noqa: E402
from scratchnet.data.mnist import DataFileError  # noqa: E402


@pytest.fixture(scope="session")
def dataset():
    """The full MNIST set (a Dataset), read from the IDX files `npm ci` installs."""
    try:
        return load_dataset(find_mnist())
    except DataFileError as error:
        pytest.fail(f"the real MNIST files are needed for these tests: {error}")


@pytest.fixture(scope="session")
def mnist(dataset):
    """The full MNIST set as uint8 arrays: {"x_train", "y_train", "x_test", "y_test"}."""
    return {"x_train": dataset.x_train, "y_train": dataset.y_train,
            "x_test": dataset.x_test, "y_test": dataset.y_test}


@pytest.fixture(scope="session")
def make_trainer(dataset):
    """make_trainer(config, test_size=1000) -> (network, trainer): prepare_run on real
    MNIST, as the CLI and the browser set a run up, evaluated on the first `test_size`
    official test images."""
    def make(config, test_size=1000):
        run = prepare_run(config, small_test_set(dataset, test_size))
        return run.network, run.trainer

    return make


@pytest.fixture(scope="session")
def trained_run(make_trainer, mnist):
    """The default recipe trained for 2 epochs on 2000 balanced images (test: first 1000).

    Returns (network, test accuracy before training, list of training events).
    Tests must not modify the network.
    """
    network, trainer = make_trainer(recipe("default", train_size=2000, epochs=2))
    untrained = float(np.mean(network.predict(mnist["x_test"][:1000]) == mnist["y_test"][:1000]))
    events = [e for e in trainer.events() if e["type"] != "work"]
    return network, untrained, events


@pytest.fixture(scope="session")
def trained_network(trained_run):
    return trained_run[0]


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
