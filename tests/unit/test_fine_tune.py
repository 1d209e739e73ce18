"""Fine-tuning on a learner's digits (training/fine_tune.py), on a real case: MNIST test digits that
a trained network misreads stand in for the learner's, and the rest of the test set says how much
it forgot."""

import numpy as np
import pytest

from scratchnet.training.fine_tune import FineTune, accuracy_on


@pytest.fixture(scope="module")
def misread(trained_network, mnist):
    """20 test digits (from index 5,000 on) that the trained network reads wrongly, as drawings are
    given to fine-tuning (floats in [0, 1]), and the indices of the first 5,000 test digits."""
    x, y = mnist["x_test"][5000:], mnist["y_test"][5000:]
    wrong = np.flatnonzero(trained_network.predict(x) != y)[:20]
    assert len(wrong) == 20
    return x[wrong] / np.float32(255), y[wrong]


def tuned(network, mnist, x, y, seed):
    return FineTune(network, x, y, mnist["x_train"], mnist["y_train"], np.random.default_rng(seed)).run()


def test_fine_tuning_learns_the_misread_digits_and_keeps_the_test_set(trained_network, mnist, misread):
    x, y = misread
    before = accuracy_on(trained_network, x, y)
    test_x, test_y = mnist["x_test"][:5000], mnist["y_test"][:5000]
    test_before = accuracy_on(trained_network, test_x, test_y)
    network = tuned(trained_network, mnist, x, y, seed=0)
    assert before == 0.0
    assert accuracy_on(network, x, y) >= 0.75  # at least 15 of the 20
    assert accuracy_on(network, test_x, test_y) >= test_before - 0.01
    assert accuracy_on(trained_network, x, y) == before  # the original is left as it was


def test_fine_tuning_is_deterministic_with_a_seed(trained_network, mnist, misread):
    x, y = misread
    x, y = x[:5], y[:5]
    first, again, other = (tuned(trained_network, mnist, x, y, seed) for seed in (3, 3, 4))
    for name, value in first.state().items():
        np.testing.assert_array_equal(value, again.state()[name])
    assert any(not np.array_equal(value, other.state()[name]) for name, value in first.state().items())


def test_fine_tuning_comes_in_pieces_and_counts_its_steps(trained_network, mnist, misread):
    x, y = misread
    tune = FineTune(trained_network, x[:3], y[:3], mnist["x_train"], mnist["y_train"], np.random.default_rng(0), steps=4)
    reports = list(tune.steps())
    assert reports[-1] == {"step": 4, "steps": 4}
    assert [r["step"] for r in reports] == sorted(r["step"] for r in reports)


def test_fine_tuning_needs_digits(trained_network, mnist):
    with pytest.raises(ValueError, match="no digits of yours"):
        FineTune(trained_network, np.zeros((0, 28, 28)), np.zeros(0, dtype=int), mnist["x_train"], mnist["y_train"],
                 np.random.default_rng(0))
