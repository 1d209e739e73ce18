"""Evaluation: accuracy, the confusion matrix, per-class accuracy and the most
confidently wrong examples. Functions of predictions and labels only, plus one
helper that runs a model over a data set in batches."""

import numpy as np

from .losses import log_softmax


def accuracy(predicted, labels):
    """Fraction of predictions equal to the labels."""
    return float(np.mean(np.asarray(predicted) == np.asarray(labels))) if len(labels) else 0.0


def confusion_matrix(predicted, labels, num_classes=10):
    """(C, C) ints: entry [t, p] counts examples of true class t predicted as p."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predicted)), 1)
    return matrix


def per_class_accuracy(confusion):
    """Accuracy within each true class, (C,) floats (0 where a class has no examples)."""
    totals = confusion.sum(axis=1)
    return np.where(totals > 0, np.diag(confusion) / np.maximum(totals, 1), 0.0)


def most_confident_mistakes(probabilities, labels, count=16):
    """Indices of wrong predictions, the most confident first."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")][:count]


def evaluate(network, x, y, batch_size=1000):
    """Runs `network` on normalised inputs x (N, 784) with labels y (N,).

    Returns {"loss", "accuracy", "confusion" (10, 10), "probabilities" (N, 10)}.
    """
    log_probs = np.concatenate([log_softmax(network.forward(x[i:i + batch_size]))
                                for i in range(0, len(x), batch_size)])
    predicted = log_probs.argmax(axis=1)
    loss = -float(log_probs[np.arange(len(y)), y].mean())
    return {
        "loss": loss,
        "accuracy": accuracy(predicted, y),
        "confusion": confusion_matrix(predicted, y),
        "probabilities": np.exp(log_probs),
    }
