"""One run setup for the CLI, the browser's session and the tests: the same seed and
settings give the same run everywhere, and its random streams stay apart."""

import json
import re

import numpy as np
import pytest

from scratchnet import prepare_run, recipe
from scratchnet.app import bridge, current
from scratchnet.cli import main
from scratchnet.data.datasets import Dataset
from scratchnet.data.mnist import balanced_subset, save_bundle
from scratchnet.teaching.network_views import forward_in_training_mode
from scratchnet.training.setup import streams


@pytest.fixture(scope="module")
def small(dataset):
    """3000 training and 500 test images of MNIST, as a Dataset."""
    return Dataset("small", dataset.x_train[:3000], dataset.y_train[:3000], dataset.x_test[:500],
                   dataset.y_test[:500], 10)


def epochs_of(trainer):
    return [e for e in trainer.events() if e["type"] == "epoch"]


def test_streams_are_named_distinct_and_reproducible():
    a, b = streams(7), streams(7)
    assert list(a) == ["subset", "init", "shuffle", "dropout", "augment"]
    draws = {name: rng.random(4).tolist() for name, rng in a.items()}
    assert draws == {name: rng.random(4).tolist() for name, rng in b.items()}
    assert len({tuple(v) for v in draws.values()}) == len(draws)
    assert streams(8)["init"].random(4).tolist() != draws["init"]


def test_an_inspectors_forward_pass_in_training_mode_leaves_the_run_unchanged(small):
    # The regression: dropout drew from the shuffling generator, so an inspector's extra
    # forward pass with dropout on changed the order of every later batch.
    config = recipe("wide", hidden_sizes=[32], train_size=600, epochs=2, batch_size=64)
    plain = [e["test_loss"] for e in epochs_of(prepare_run(config, small).trainer)]

    inspected = prepare_run(config, small)
    events = inspected.trainer.events()
    seen = [next(events)]  # one step; then a look with dropout on, as in training
    shuffle_state = inspected.trainer.rng.bit_generator.state
    forward_in_training_mode(inspected.network, inspected.trainer.x_test[:5], np.random.default_rng(99))
    assert inspected.trainer.rng.bit_generator.state == shuffle_state
    seen += list(events)
    assert [e["test_loss"] for e in seen if e["type"] == "epoch"] == plain


def test_the_full_training_set_is_a_balanced_subset_too(dataset):
    # The regression: the CLI skipped the subset at full size, so it built other initial weights.
    config = recipe("default", train_size=60000)
    run = prepare_run(config, dataset)
    assert sorted(run.indices) == list(range(60000))
    again = balanced_subset(dataset.y_train, 60000, streams(0)["subset"])
    np.testing.assert_array_equal(run.indices, again)


def test_cli_on_the_site_bundle_replays_the_browser_session(small, tmp_path, capsys, monkeypatch):
    bundle = tmp_path / "site-data.npz"
    save_bundle(bundle, small.x_train, small.y_train, small.x_test, small.y_test)
    settings = {"hidden_sizes": [32], "train_size": 800, "epochs": 2, "seed": 11, "dropout": 0.1}
    monkeypatch.setattr(current, "_session", None)
    model = tmp_path / "model.npz"
    from scratchnet import save_model

    save_model(prepare_run(recipe("default", train_size=100), small).network, str(model))
    bridge.init(str(bundle), str(model))
    bridge.new_training({**bridge._current().config, **settings})
    browser = []
    while not bridge._current().run.trainer.finished:
        browser += [e["test_accuracy"] for e in bridge.train(50)["events"] if e["type"] == "epoch"]

    config_file = tmp_path / "settings.json"
    config_file.write_text(json.dumps(bridge._current().config))
    assert main(["train", "--config", str(config_file), "--data", str(bundle), "--products", "plain"]) == 0
    captured = capsys.readouterr()
    native = [float(a) for a in re.findall(r"test acc (0\.\d+)", captured.err)]  # the progress lines
    assert len(native) == len(browser) == 2
    assert max(abs(a - b) for a, b in zip(native, browser)) <= 0.002, (native, browser)


def test_every_setting_is_a_train_flag_under_its_own_name(tmp_path, capsys):
    flags = ["--hidden-sizes", "24", "--activation", "tanh", "--initializer", "he", "--optimizer", "sgd",
             "--learning-rate", "0.05", "--momentum", "0.5", "--lr-decay", "0.9", "--batch-size", "50",
             "--epochs", "1", "--eval-every", "1", "--weight-decay", "0.001", "--dropout", "0.1",
             "--clip-norm", "2", "--input-scaling", "unit", "--train-size", "500", "--seed", "3",
             "--layers", ""]
    assert main(["train", *flags]) == 0
    out = capsys.readouterr().out
    used = json.loads(re.search(r"with (\{.*\})", out).group(1))
    assert used == {**recipe("default"), "hidden_sizes": [24], "activation": "tanh", "initializer": "he",
                    "optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.5, "lr_decay": 0.9,
                    "batch_size": 50, "epochs": 1, "eval_every": 1, "weight_decay": 0.001, "dropout": 0.1,
                    "clip_norm": 2.0, "input_scaling": "unit", "train_size": 500, "seed": 3, "layers": ""}


def test_config_file_errors_are_plain(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["train", "--config", str(bad)]) == 2
    assert "must hold a JSON object" in capsys.readouterr().err


def test_augmentation_is_part_of_the_seeded_run(make_trainer):
    """The same seed gives the same augmented run (its own stream), and augmenting changes the run."""
    config = recipe("default", train_size=500, epochs=1, hidden_sizes=[32], augment="rotate:10,shift:2")
    assert config["augment"] == "shift:2,rotate:10"  # made canonical
    losses = []
    for _ in range(2):
        _, trainer = make_trainer(config, test_size=200)
        losses.append([e["loss"] for e in trainer.events() if e["type"] == "progress"])
    assert losses[0] == losses[1]
    _, plain = make_trainer({**config, "augment": "none"}, test_size=200)
    plain_losses = [e["loss"] for e in plain.events() if e["type"] == "progress"]
    assert len(plain_losses) == len(losses[0]) and plain_losses != losses[0]
