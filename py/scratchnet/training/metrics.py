"""Evaluation: accuracy, the confusion matrix, per-class accuracy and the most
confidently wrong examples. Functions of predictions and labels only, plus
running a model over a data set in chunks."""

import numpy as np

from scratchnet.nn.losses import log_softmax


def accuracy(predicted, labels):
    """Fraction of predictions equal to the labels."""
    return float(np.mean(np.asarray(predicted) == np.asarray(labels))) if len(labels) else 0.0


def confusion_matrix(predicted, labels, num_classes):
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


def evaluation_chunks(network, x, y, rows=1000, prepare=None):
    """Runs `network` on normalised inputs x (N, ...) with labels y (N,), `rows` examples
    at a time, yielding after each chunk (so a caller can answer other requests
    between them); with `prepare` (e.g. network.normalize), x is raw and each chunk is
    prepared first. The generator's return value is the result:

        {"loss", "accuracy", "confusion" (C, C), "probabilities" (N, C)}
    """
    rows = max(1, int(rows))
    parts = []
    for i in range(0, len(x), rows):
        chunk = x[i:i + rows] if prepare is None else prepare(x[i:i + rows])
        parts.append(log_softmax(network.forward(chunk)))
        if i + rows < len(x):
            yield i + rows
    log_probs = np.concatenate(parts) if parts else np.zeros((0, network.num_classes))
    predicted = log_probs.argmax(axis=1)
    loss = -float(log_probs[np.arange(len(y)), y].mean()) if len(y) else float("nan")
    return {
        "loss": loss,
        "accuracy": accuracy(predicted, y),
        "confusion": confusion_matrix(predicted, y, network.num_classes),
        "probabilities": np.exp(log_probs),
    }


def evaluate(network, x, y, rows=1000):
    """evaluation_chunks() run to the end: the result dict."""
    chunks = evaluation_chunks(network, x, y, rows)
    while True:
        try:
            next(chunks)
        except StopIteration as done:
            return done.value
