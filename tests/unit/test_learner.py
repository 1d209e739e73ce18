"""Training with the learner's own code: it is really used (same numbers as the reference
when it is the reference's maths), an error in it stops the run cleanly with its line, the
reference comes back, and the code panel shows what runs."""

import inspect

import numpy as np
import pytest

from scratchnet import recipe
from scratchnet.app.session import Session
from scratchnet.data.datasets import Dataset
from scratchnet.teaching import exercises, learner_code

SETTINGS = {"hidden_sizes": [32], "train_size": 600, "epochs": 1, "optimizer": "momentum", "seed": 2}
HELPERS = "import numpy as np\n\n"


@pytest.fixture
def session(dataset, trained_network):
    small = Dataset("small", dataset.x_train[:3000], dataset.y_train[:3000], dataset.x_test[:500],
                    dataset.y_test[:500], 10)
    return Session(small, trained_network)


def own_copy(name):
    """The learner typing the reference back in, by hand (so it runs as their code)."""
    source = inspect.getsource(exercises.REFERENCES[name])
    if name == "softmax_cross_entropy":
        source = source.replace("log_p = log_softmax(logits)", "shifted = logits - logits.max(axis=1, keepdims=True)\n"
                                "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))")
    if name.startswith("sigmoid_backward"):
        source = source.replace("sigmoid_forward(z)", "1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))")
    return HELPERS + source


def run_to_end(session):
    events = []
    while True:
        more, done, _ = session.train(1000)
        events += more
        if done or any(e["type"] == "code-error" for e in more):
            return events


def test_training_with_the_learners_code_uses_it_and_matches_the_reference(session):
    names = ["dense_forward", "dense_backward", "relu_forward", "relu_backward", "softmax_cross_entropy",
             "momentum_step"]
    session.new_run({**session.config, **SETTINGS})
    from scratchnet.nn import products
    from scratchnet.nn.layers import PLAIN
    products.use(session.network, "plain", PLAIN)
    reference = [e["test_loss"] for e in run_to_end(session) if e["type"] == "epoch"]

    session.use_code({name: own_copy(name) for name in names})
    session.new_run({**session.config, **SETTINGS})
    assert session.summary()["code"] == sorted(names)
    assert {layer.products.name for layer in session.network.dense_layers()} <= {"yours", "yours-skip"}
    trainer, relu = session.run.trainer, session.network.layers[1]
    assert trainer.loss_fn is session.functions["softmax_cross_entropy"]
    assert trainer.optimizer.step_fn is session.functions["momentum_step"]
    assert relu.forward_fn is session.functions["relu_forward"]
    assert relu.backward_fn.__wrapped__ is session.functions["relu_backward"]  # called without the kept output
    mine = [e["test_loss"] for e in run_to_end(session) if e["type"] == "epoch"]
    assert mine == pytest.approx(reference, rel=1e-5)


def test_an_error_in_the_learners_code_stops_the_run_with_its_line_and_the_reference_resumes(session):
    session.new_run({**session.config, **SETTINGS})
    session.use_code({"relu_backward": HELPERS + "def relu_backward(da, z):\n    return da * (z > 0) + undefined\n"})
    events = run_to_end(session)
    assert events[-1] == {"type": "code-error", "message": "NameError: name 'undefined' is not defined", "line": 4}
    assert session.run.trainer.step == 0 and not session.run.trainer.finished
    session.use_code({})
    events = run_to_end(session)
    assert events[-1]["type"] == "finished" and session.summary()["code"] == []


def test_code_that_does_not_compile_changes_nothing(session):
    from scratchnet.teaching.checker import LearnerCodeError

    with pytest.raises(LearnerCodeError, match="SyntaxError"):
        session.use_code({"sgd_step": "def sgd_step(W, dW, learning_rate:\n    return W\n"})
    assert session.code == {} and session.functions == {}


def test_the_code_view_shows_what_runs_with_the_running_shapes(session):
    session.new_run({**session.config, **SETTINGS, "batch_size": 32})
    view = session.code_view()
    titles = [s["title"] for s in view["sections"]]
    assert titles[:3] == ["Dense layer", "dense_forward", "dense_backward"]
    assert {"relu_forward", "relu_backward", "softmax_cross_entropy", "Momentum", "momentum_step"} <= set(titles)
    assert "return x @ W + b" in view["sections"][1]["source"]
    assert view["shapes"][0] == "dense1: x (32, 784) · W (784, 32) · b (32,) · z (32, 32)"
    session.use_code({"relu_forward": HELPERS + "def relu_forward(z):\n    return np.maximum(z, 0)\n"})
    mine = next(s for s in session.code_view()["sections"] if s["title"] == "relu_forward")
    assert mine["yours"] and "np.maximum(z, 0)" in mine["source"]


def test_a_checkpoint_keeps_the_learners_code(session, trained_network):
    session.new_run({**session.config, **SETTINGS})
    session.use_code({"sgd_step": own_copy("sgd_step")})
    saved = session.checkpoint()
    fresh = Session(session.dataset, trained_network)
    fresh.restore(saved)
    assert fresh.code == session.code and "sgd_step" in fresh.functions


@pytest.mark.parametrize("empty_W_works", [True, False], ids=["skips-dx", "needs-W"])
def test_each_learner_function_runs_once_per_layer_and_step(make_trainer, empty_W_works):
    # No call is tried and then repeated: a dense_backward that cannot take an empty W (asked
    # once, when the code is put in use) is given W whole; backward(da, z) gets z, not the output.
    network, trainer = make_trainer(recipe("default", train_size=100, epochs=1, hidden_sizes=[16],
                                           activation="sigmoid"), test_size=100)
    calls = []

    def dense_backward(dz, x, W):
        calls.append(("dense", W.shape))
        dW = x.T @ dz if empty_W_works else np.zeros_like(W) + x.T @ dz
        return dz @ W.T, dW, dz.sum(axis=0)

    def sigmoid_backward(da, z):
        calls.append(("sigmoid", z.shape))
        s = 1 / (1 + np.exp(-z))
        return da * s * (1 - s)

    functions = {"dense_backward": dense_backward, "sigmoid_backward": sigmoid_backward}
    learner_code.use(network, trainer, {name: learner_code.wrap(fn) for name, fn in functions.items()})
    assert [layer.products.name for layer in network.dense_layers()] == ["yours", "yours"]
    assert network.dense_layers()[0].products.skips_dx is empty_W_works
    calls.clear()
    assert trainer.train_step(trainer.x_train[:32], trainer.y_train[:32])["type"] == "progress"
    assert calls == [("dense", (16, 10)), ("sigmoid", (32, 16)), ("dense", (0 if empty_W_works else 784, 16))]
