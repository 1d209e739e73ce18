"""Smaller views of a dataset for tests (a module, not conftest: tests/ and tests/e2e/ each have
a conftest, and a test importing one of them by name could get the other)."""

from scratchnet.data.datasets import Dataset


def small_test_set(dataset, test_size):
    """`dataset` with only its first `test_size` test examples."""
    return Dataset(dataset.name, dataset.x_train, dataset.y_train, dataset.x_test[:test_size],
                   dataset.y_test[:test_size], dataset.num_classes)
