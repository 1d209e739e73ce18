"""Learning curves: made from a run's epoch events, kept in model files (the CLI writes them),
checked field by field when read, and files without them still load."""

import json

import numpy as np
import pytest

from scratchnet import load_model, recipe
from scratchnet.cli import main
from scratchnet.files.model_file import model_bytes
from scratchnet.training.curves import MAX_POINTS, curves_from_epochs, valid_curves


@pytest.fixture(scope="module")
def run_events(make_trainer):
    _, trainer = make_trainer(recipe("default", train_size=1000, epochs=4, eval_every=2))
    return [e for e in trainer.events() if e["type"] != "work"]


def test_curves_follow_the_epochs_with_test_figures_where_evaluated(run_events):
    curves = curves_from_epochs(run_events)
    epochs = [e for e in run_events if e["type"] == "epoch"]
    assert curves["epoch"] == [1, 2, 3, 4]
    assert curves["train_loss"] == [round(e["train_loss"], 6) for e in epochs]
    assert curves["test_accuracy"][0] is None and curves["test_accuracy"][2] is None
    assert curves["test_accuracy"][3] == round(epochs[3]["test_accuracy"], 6)
    assert valid_curves(json.loads(json.dumps(curves))) == curves
    assert curves_from_epochs([e for e in run_events if e["type"] == "progress"]) is None


@pytest.mark.parametrize("spoil", [
    lambda c: {**c, "epoch": [1, 1, 3, 4]},                       # not increasing
    lambda c: {**c, "epoch": [1, 2, 3, 4.5]},                     # not whole
    lambda c: {**c, "train_loss": c["train_loss"][:3]},           # too short
    lambda c: {**c, "test_accuracy": [None, 1.5, None, 0.9]},     # not an accuracy
    lambda c: {**c, "train_loss": [1, 2, "3", 4]},                # not a number
    lambda c: {**c, "train_loss": [1, 2, True, 4]},
    lambda c: {**c, "extra": [1, 2, 3, 4]},                       # unknown field
    lambda c: {k: v for k, v in c.items() if k != "test_loss"},   # missing field
    lambda c: {**c, "epoch": list(range(1, MAX_POINTS + 2))},     # too many
    lambda c: [c],
])
def test_curves_that_are_not_exactly_curves_are_dropped(run_events, spoil):
    assert valid_curves(spoil(curves_from_epochs(run_events))) is None


def test_a_model_file_keeps_its_curves_and_old_files_still_load(run_events, trained_network):
    curves = curves_from_epochs(run_events)
    loaded = load_model(model_bytes(trained_network, {"epochs_trained": 4, "test_accuracy": 0.9, "curves": curves}))
    assert loaded.history == {"epochs_trained": 4, "test_accuracy": 0.9, "curves": curves}
    old = load_model(model_bytes(trained_network, {"epochs_trained": 4, "test_accuracy": 0.9}))
    assert old.history == {"epochs_trained": 4, "test_accuracy": 0.9}
    spoiled = load_model(model_bytes(trained_network, {"epochs_trained": 4, "curves": {**curves, "epoch": [4, 3, 2, 1]}}))
    assert spoiled.history == {"epochs_trained": 4}


def test_the_longest_curves_fit_a_model_file(trained_network):
    n = MAX_POINTS
    widest = {"epoch": list(range(1, n + 1)), **{k: [1.234567e-05] * n for k in
                                                 ("train_loss", "train_accuracy", "test_loss", "test_accuracy")}}
    loaded = load_model(model_bytes(trained_network, {"epochs_trained": n, "curves": widest}))
    assert loaded.history["curves"]["epoch"][-1] == n


def test_the_command_line_saves_the_curves_it_trained(tmp_path, capsys):
    out = tmp_path / "model.npz"
    assert main(["train", "--train-size", "1000", "--epochs", "2", "--hidden-sizes", "32", "--out", str(out)]) == 0
    capsys.readouterr()
    curves = load_model(str(out)).history["curves"]
    assert curves["epoch"] == [1, 2] and all(0 < a <= 1 for a in curves["test_accuracy"])
    assert np.all(np.diff(curves["train_loss"]) < 0)
