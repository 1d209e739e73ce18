"""Metrics on small hand-made predictions."""

import numpy as np

from scratchnet.model.network import Network
from scratchnet.nn.layers import Dense
from scratchnet.training.metrics import accuracy, confusion_matrix, evaluate, most_confident_mistakes, per_class_accuracy


def test_accuracy_is_the_fraction_correct():
    assert accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
    assert accuracy([], []) == 0.0


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    labels = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(predicted, labels, num_classes=3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0],
                                           [0, 1, 0],
                                           [1, 0, 2]])
    assert matrix.sum() == len(labels)


def test_per_class_accuracy_divides_the_diagonal_by_row_totals():
    matrix = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_allclose(per_class_accuracy(matrix), [0.5, 1.0, 2 / 3])


def test_per_class_accuracy_is_zero_for_a_class_without_examples():
    matrix = np.array([[3, 0], [0, 0]])
    np.testing.assert_array_equal(per_class_accuracy(matrix), [1.0, 0.0])


def test_most_confident_mistakes_come_first():
    probabilities = np.array([
        [0.9, 0.1, 0.0],   # right
        [0.2, 0.7, 0.1],   # wrong (label 0), confidence 0.7
        [0.05, 0.05, 0.9],  # wrong (label 1), confidence 0.9
        [0.6, 0.3, 0.1],   # wrong (label 2), confidence 0.6
        [0.1, 0.1, 0.8],   # right
    ])
    labels = np.array([0, 0, 1, 2, 2])
    np.testing.assert_array_equal(most_confident_mistakes(probabilities, labels), [2, 1, 3])
    np.testing.assert_array_equal(most_confident_mistakes(probabilities, labels, count=2), [2, 1])


def test_most_confident_mistakes_is_empty_when_all_are_right():
    probabilities = np.eye(3)
    assert len(most_confident_mistakes(probabilities, np.arange(3))) == 0


def test_evaluate_reports_loss_accuracy_confusion_and_probabilities():
    # A "network" that copies its first 10 inputs into the logits.
    identity = Network([Dense(np.eye(12, 10), np.zeros(10), "dense1")], {}, 0.0, 1.0, (12,), (12,), 10)
    x = np.zeros((1500, 12))
    labels = np.arange(1500) % 10
    x[np.arange(1500), labels] = 20.0   # confidently right...
    x[:300, :10] = 0.0                  # ...except 300 uniform guesses (predicted class 0)
    result = evaluate(identity, x, labels, rows=400)
    assert result["accuracy"] == (1200 + 30) / 1500
    assert result["probabilities"].shape == (1500, 10)
    assert result["confusion"][:, 0].sum() == 300 + 120
    expected_loss = (300 * np.log(10) + 1200 * -np.log(np.exp(20) / (np.exp(20) + 9))) / 1500
    assert abs(result["loss"] - expected_loss) < 1e-9
