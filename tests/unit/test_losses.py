"""Softmax and softmax cross-entropy: values, the (p - y) / N gradient, and stability."""

import numpy as np
import pytest

from scratchnet.nn.gradcheck import numerical_gradient, relative_error
from scratchnet.nn.losses import log_softmax, softmax, softmax_cross_entropy


def test_softmax_rows_sum_to_one_and_match_the_definition():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    p = softmax(logits)
    np.testing.assert_allclose(p.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(p[0], np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum())
    np.testing.assert_allclose(p[1], [1 / 3] * 3)


def test_loss_is_the_mean_negative_log_probability_of_the_labels():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])
    y = np.array([0, 2])
    loss, _ = softmax_cross_entropy(logits, y)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert isinstance(loss, float)
    assert loss == pytest.approx(-(np.log(p[0, 0]) + np.log(p[1, 2])) / 2, rel=1e-12)


def test_gradient_is_probabilities_minus_one_hot_over_batch_size():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 5))
    y = np.array([0, 3, 3, 1])
    _, dlogits = softmax_cross_entropy(logits, y)
    expected = softmax(logits)
    expected[np.arange(4), y] -= 1
    np.testing.assert_allclose(dlogits, expected / 4, rtol=1e-12)


def test_gradient_matches_numerical_gradient():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((3, 4))
    y = np.array([2, 0, 3])
    _, dlogits = softmax_cross_entropy(logits, y)
    numeric = numerical_gradient(lambda: softmax_cross_entropy(logits, y)[0], logits)
    assert relative_error(dlogits, numeric) < 1e-7


def test_extreme_logits_give_a_finite_loss_and_the_exact_gradient():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    y = np.array([0, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = softmax_cross_entropy(logits, y)
        p = softmax(logits)
    assert np.isfinite(loss)
    # Row 0 is certain and right (loss 0); row 1 puts half on each of two wrong classes.
    assert abs(loss - (0.0 + 2e4 + np.log(2)) / 2) < 1e-9
    np.testing.assert_allclose(p.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], atol=1e-300)
    np.testing.assert_allclose(dlogits, [[0.0, 0.0, 0.0], [-0.5, 0.25, 0.25]], atol=1e-300)


def test_log_softmax_stays_finite_where_naive_exp_overflows():
    logits = np.array([[1000.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        log_p = log_softmax(logits)
    np.testing.assert_allclose(log_p, [[0.0, -1000.0]])


def test_gradient_keeps_the_logits_dtype():
    logits = np.zeros((2, 10), dtype=np.float32)
    _, dlogits = softmax_cross_entropy(logits, np.array([1, 2]))
    assert dlogits.dtype == np.float32
