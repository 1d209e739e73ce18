"""The inspector, natively: one example's forward and backward pass through the network's
own layers, one update on it, the spot check of the gradients, a confusion-matrix cell's
digits, and the stages of a drawing's preprocessing. The same functions the page calls."""

import json

import numpy as np
import pytest
from subsets import small_test_set

from scratchnet import prepare_run, recipe
from scratchnet.app import bridge, current
from scratchnet.app.session import Session
from scratchnet.data.drawing import preprocess_stages
from scratchnet.nn.layers import dense_forward
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.nn.products import Plain
from scratchnet.teaching import inspector, trace
from scratchnet.teaching.network_views import classify_drawing
from scratchnet.training.metrics import evaluate
from scratchnet.training.resume_state import dropout_rng

ARCHITECTURES = [
    {"hidden_sizes": [64], "activation": "relu"},
    {"hidden_sizes": [48, 32, 16], "activation": "sigmoid"},
    {"hidden_sizes": [40, 24], "activation": "tanh", "dropout": 0.3},
]


@pytest.fixture(scope="module")
def session(dataset, trained_network):
    """A learner's session on real MNIST (first 1000 test digits) holding the trained model."""
    return Session(small_test_set(dataset, 1000), trained_network)


def untrained(dataset, **settings):
    return prepare_run(recipe("default", train_size=500, **settings), small_test_set(dataset, 200))


def test_p_y_and_loss_equal_what_the_model_gives_natively(session, trained_network, mnist):
    for index in (0, 1, 7, 999):
        shown = inspector.inspect(session, index=index)
        image, label = mnist["x_test"][index], int(mnist["y_test"][index])
        assert shown["label"] == label and shown["source"] == {"kind": "test", "index": index}
        p = trained_network.predict_proba(image[None])[0]
        loss, _ = softmax_cross_entropy(trained_network.forward(trained_network.normalize(image[None])), [label])
        assert shown["prob"] == pytest.approx(float(p[label]), rel=1e-5, abs=1e-7)
        assert shown["loss"] == pytest.approx(loss, rel=1e-4, abs=1e-6)
        assert shown["predicted"] == int(p.argmax())
        np.testing.assert_allclose(shown["probabilities"], p, atol=1e-6)


def test_quantities_are_named_from_the_maths_and_gradients_have_their_parameters_shapes(dataset, mnist):
    for settings in ARCHITECTURES:
        network = untrained(dataset, **settings).network
        shown = trace.trace(network, mnist["x_test"][5], int(mnist["y_test"][5]))
        forward = [q["name"] for q in shown["forward"]]
        hidden = len(settings["hidden_sizes"])
        expected = ["x"]
        for k in range(1, hidden + 1):
            expected += [f"z{k}", f"a{k}"] + ([f"dropout{k}"] if settings.get("dropout") else [])
        assert forward == expected + ["logits", "p", "L"]
        params = dict(((name, value) for name, value, _ in network.named_params()))
        backward = {q["name"]: q for q in shown["backward"]}
        assert [q["name"] for q in shown["backward"]][:3] == ["dlogits", f"dW{hidden + 1}", f"db{hidden + 1}"]
        for k, layer in enumerate(network.dense_layers(), start=1):
            for key in ("W", "b"):
                gradient = backward[f"d{key}{k}"]
                assert gradient["param"] == f"{layer.name}.{key}"
                assert gradient["shape"] == list(params[f"{layer.name}.{key}"].shape)
                assert gradient["values"].shape == params[f"{layer.name}.{key}"].shape
        assert backward["dz1"]["shape"] == [1, settings["hidden_sizes"][0]]
        assert "dx" not in backward  # nobody needs the pixels' gradient
        kind = settings["activation"]
        assert {"relu": r"\mathbf{1}", "sigmoid": r"\sigma", "tanh": r"\tanh"}[kind] in backward["dz1"]["equation"]


def test_the_trace_is_backprop_of_the_network_itself(dataset, mnist):
    """The trace's gradients are the ones Network.backward computes for the same example."""
    network = untrained(dataset, hidden_sizes=[32, 16], activation="tanh").network
    image, label = mnist["x_test"][3], int(mnist["y_test"][3])
    shown = {q["name"]: q for q in trace.trace(network, image, label)["backward"]}
    _, dlogits = softmax_cross_entropy(network.forward(network.normalize(image[None]), training=False), [label])
    network.backward(dlogits)
    for k, layer in enumerate(network.dense_layers(), start=1):
        np.testing.assert_allclose(shown[f"dW{k}"]["values"], layer.grads["W"], rtol=1e-3, atol=1e-7)
        np.testing.assert_allclose(shown[f"db{k}"]["values"], layer.grads["b"], rtol=1e-3, atol=1e-7)


class Doubling:
    """A layer the trace has never heard of, following the layer protocol: out = 2 x."""

    params, grads, name, cache = {}, {}, "double1", None

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, dout):
        return 2 * dout


def test_the_trace_needs_only_the_layer_protocol(dataset, mnist):
    network = untrained(dataset, hidden_sizes=[16]).network
    plain = trace.trace(network, mnist["x_test"][0], 7)
    network.layers.insert(2, Doubling())  # after the first activation
    shown = trace.trace(network, mnist["x_test"][0], 7)
    forward = {q["name"]: q for q in shown["forward"]}
    backward = {q["name"]: q for q in shown["backward"]}
    assert list(forward) == ["x", "z1", "a1", "double1", "logits", "p", "L"]
    assert r"\mathrm{double1}(a_{1})" in forward["double1"]["equation"]
    np.testing.assert_allclose(forward["double1"]["values"], 2 * forward["a1"]["values"])
    np.testing.assert_allclose(backward["da1"]["values"], 2 * backward["ddouble1"]["values"], rtol=1e-6)
    assert backward["dW1"]["shape"] == [784, 16] and plain["forward"][1]["equation"] == forward["z1"]["equation"]


def test_the_trace_runs_the_layers_own_functions(dataset, mnist):
    """A dense layer given other functions (as a learner's code would be) is traced with them."""
    network = untrained(dataset, hidden_sizes=[16]).network

    def halved(dz, x, W):  # a slip: dW off by a factor of two
        return dz @ W.T, 0.5 * (x.T @ dz), dz.sum(axis=0)

    last = network.dense_layers()[-1]
    reference = trace.trace(network, mnist["x_test"][0], 7)
    last.products = Plain(dense_forward, halved)
    mine = trace.trace(network, mnist["x_test"][0], 7)
    dW = {t["name"]: t for t in mine["backward"]}["dW2"]["values"]
    np.testing.assert_allclose(dW, 0.5 * {t["name"]: t for t in reference["backward"]}["dW2"]["values"], rtol=1e-5)
    rng = np.random.default_rng(0)
    checked = trace_check(network, mnist, rng)
    assert checked["max_rel_error"] > 0.1
    assert "bug" in checked["reading"] and "dense2" in checked["reading"]


def trace_check(network, mnist, rng):
    from scratchnet.teaching.spot_check import spot_check

    return spot_check(network, mnist["x_train"][:16], mnist["y_train"][:16], rng)


def test_apply_update_raises_p_y_and_moves_the_other_classes(session, dataset, trained_network):
    fresh = Session(small_test_set(dataset, 1000), untrained(dataset).network)
    wrong = int(np.flatnonzero(trained_network.predict(dataset.x_test[:1000]) != dataset.y_test[:1000])[0])
    for s in (session, fresh):
        for index in (0, 2, wrong):
            moved = inspector.update(s, index=index)
            y = moved["label"]
            assert moved["after"][y] > moved["before"][y]
            assert moved["loss_after"] < moved["loss_before"]
            others = np.delete(moved["after"] - moved["before"], y)
            assert np.all(others != 0) and others.sum() == pytest.approx(-(moved["after"][y] - moved["before"][y]))
            assert moved["learning_rate"] == s.network.config["learning_rate"]


def test_an_update_uses_the_learners_own_rule_while_their_code_is_in_use(dataset, trained_network):
    s = Session(small_test_set(dataset, 100), trained_network)
    reference = inspector.update(s, index=0)
    s.functions = {"sgd_step": lambda W, dW, learning_rate: W + learning_rate * dW}  # a sign slip
    slipped = inspector.update(s, index=0)
    y = reference["label"]
    assert slipped["after"][y] < slipped["before"][y] == reference["before"][y] < reference["after"][y]


def test_the_spot_check_of_the_reference_network_is_within_1e_6(session):
    result = inspector.spot_check(session)
    assert result["max_rel_error"] <= 1e-6
    assert {e["layer"] for e in result["entries"]} == {"dense1", "dense2"}
    assert {e["param"] for e in result["entries"]} == {"W1", "b1", "W2", "b2"}
    for entry in result["entries"]:
        assert entry["analytic"] == pytest.approx(entry["numerical"], rel=1e-5)
    assert "agree" in result["reading"]
    assert inspector.spot_check(session) == result  # the same seed, the same batch and entries


def test_the_spot_check_passes_for_sigmoid_and_tanh_in_several_layers(dataset, mnist):
    for settings in ARCHITECTURES[1:]:
        network = untrained(dataset, **settings).network
        assert trace_check(network, mnist, np.random.default_rng(1))["max_rel_error"] <= 1e-6


def test_inspecting_leaves_the_model_and_the_run_unchanged(dataset, monkeypatch):
    # The session times the formulations of the dense products and keeps the fastest, and they
    # agree only up to float rounding: on a busy machine another may win. Both runs keep the
    # default one, so that the losses can be compared exactly.
    monkeypatch.setattr(Session, "_choose_products", lambda self, run: None)
    config = recipe("wide", hidden_sizes=[32], train_size=600, epochs=2, batch_size=64)
    data = small_test_set(dataset, 300)
    plain = prepare_run(config, data)
    expected = [e["test_loss"] for e in plain.trainer.events() if e["type"] == "epoch"]

    s = Session(data, prepare_run(config, data).network)
    s.new_run(config)
    events = s.run.trainer.events()
    seen = [next(events)]
    weights = s.network.copy_state()
    streams = [s.run.trainer.rng.bit_generator.state, dropout_rng(s.run.trainer).bit_generator.state]
    inspector.inspect(s, index=4)
    inspector.update(s, index=4)
    inspector.spot_check(s)
    inspector.inspect(s, drawing=np.pad(np.ones((40, 12)), 50), label=1)
    assert [s.run.trainer.rng.bit_generator.state, dropout_rng(s.run.trainer).bit_generator.state] == streams
    for name, value in s.network.state().items():
        np.testing.assert_array_equal(value, weights[name])
    seen += list(events)
    assert [e["test_loss"] for e in seen if e["type"] == "epoch"] == expected


def test_a_drawing_is_inspected_with_the_label_the_learner_picks(session):
    one = np.pad(np.ones((120, 20)), 80)
    shown = inspector.inspect(session, drawing=one, label=1)
    assert shown["source"] == {"kind": "drawing"} and shown["label"] == 1
    read = classify_drawing(session.network, one)
    assert shown["prob"] == pytest.approx(float(read["probabilities"][1]), rel=1e-5, abs=1e-7)
    np.testing.assert_allclose(shown["forward"][0]["values"].reshape(28, 28), read["stages"]["standardized"],
                               atol=1e-6)


def test_bad_examples_and_labels_are_refused_in_plain_words(session):
    for index in (-1, 1000, 2.5, "3", None, True):
        with pytest.raises(ValueError, match="there is no test digit"):
            inspector.inspect(session, index=index)
    for label in (None, 10, -1, 1.0):
        with pytest.raises(ValueError, match="label"):
            inspector.inspect(session, drawing=np.pad(np.ones((40, 12)), 50), label=label)


def test_a_confusion_cell_gives_its_own_digits(dataset, trained_network):
    session = Session(small_test_set(dataset, 1000), trained_network)
    result = evaluate(session.network, dataset.test_inputs(session.network)[:1000], dataset.y_test[:1000])
    session.last_eval = result
    confusion = result["confusion"]
    i, j = np.unravel_index(np.argmax(confusion - np.diag(np.diag(confusion))), confusion.shape)
    cell = inspector.cell_examples(session, int(i), int(j), 5)
    assert cell["total"] == confusion[i, j] and len(cell["examples"]) == min(5, confusion[i, j])
    assert all(e["label"] == i and e["predicted"] == j for e in cell["examples"])
    sure = [e["confidence"] for e in cell["examples"]]
    assert sure == sorted(sure, reverse=True)
    right = inspector.cell_examples(session, 3, 3, 4)
    assert right["total"] == confusion[3, 3] and [e["confidence"] for e in right["examples"]] == \
        sorted(e["confidence"] for e in right["examples"])


def test_preprocessing_stages_box_scale_shift_and_standardise(trained_network):
    ink = np.zeros((280, 280))
    ink[30:130, 200:250] = 1  # a bar in the top right corner: 100 high, 50 wide
    stages = preprocess_stages(ink)
    assert stages["bbox"] == [30, 200, 100, 50]
    assert stages["scaled"].shape == (20, 10)
    top, left = stages["placed_at"]
    assert stages["shift"] == [top - stages["box_centered_at"][0], left - stages["box_centered_at"][1]]
    np.testing.assert_allclose(stages["image"][top:top + 20, left:left + 10], stages["scaled"])
    read = classify_drawing(trained_network, ink)
    np.testing.assert_allclose(read["stages"]["standardized"],
                               (read["image"] - trained_network.mean) / trained_network.std, atol=1e-5)


def test_the_bridge_sends_the_trace_as_the_page_reads_it(session, monkeypatch):
    monkeypatch.setattr(current, "_session", session)
    text, parts = bridge.dispatch("inspect", json.dumps({"index": 2}))
    answer = json.loads(text)
    named = {q["name"]: q for q in answer["forward"] + answer["backward"]}
    assert named["dW1"]["shape"] == [784, 128] and named["z1"]["shape"] == [1, 128]
    assert len(parts[named["dW1"]["values"]["$part"]]) == 784 * 128 * 4
    pixels = (np.pad(np.ones((120, 20)), 80) * 255).astype(np.uint8)
    text, _ = bridge.dispatch("inspect_update", json.dumps({"label": 1, "width": 180, "height": 280}), pixels.tobytes())
    moved = json.loads(text)
    assert moved["source"] == {"kind": "drawing"}
    with pytest.raises(ValueError, match="there is no test digit"):
        bridge.dispatch("inspect", json.dumps({"index": 5000}))
