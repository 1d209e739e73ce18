"""The browser bridge, called from CPython the way the worker calls it from Pyodide:
plain data in, JSON text (or model bytes) out."""

import io
import json
import zipfile

import numpy as np
import pytest

from scratchnet import bridge, save_model
from scratchnet.data import balanced_subset, save_bundle

pytestmark = pytest.mark.usefixtures("restore_kernel")

SMALL_RUN = {"train_size": 200, "epochs": 2, "hidden_sizes": [16], "batch_size": 32, "seed": 5}


@pytest.fixture(scope="module")
def files(mnist, trained_network, tmp_path_factory):
    """A data bundle (1000 balanced training images, the first 500 test images) and a trained model."""
    folder = tmp_path_factory.mktemp("bridge")
    idx = balanced_subset(mnist["y_train"], 1000, np.random.default_rng(0))
    save_bundle(folder / "mnist.npz", mnist["x_train"][idx], mnist["y_train"][idx],
                mnist["x_test"][:500], mnist["y_test"][:500])
    save_model(trained_network, str(folder / "model.npz"), {"epochs_trained": 2, "test_accuracy": 0.9})
    return str(folder / "mnist.npz"), str(folder / "model.npz")


@pytest.fixture
def started(files, monkeypatch):
    """A fresh bridge session; the module-wide session is put back afterwards."""
    monkeypatch.setattr(bridge, "_session", None)
    return json.loads(bridge.init(*files))


def settings(started, **changes):
    """Complete settings, as the page always sends them: its defaults with some changes."""
    return json.dumps({**started["default_config"], **changes})


def train_until_finished(budget_ms=20, max_calls=2000):
    replies = []
    for _ in range(max_calls):
        reply = json.loads(bridge.train(budget_ms))
        replies.append(reply)
        if reply["finished"]:
            return replies
    pytest.fail(f"training did not finish within {max_calls} calls")


def canvas_bytes(digit, factor=10):
    """A real MNIST digit drawn large, as the page sends it: row-major uint8, 255 = ink."""
    canvas = np.kron(digit, np.ones((factor, factor), dtype=np.uint8))
    return canvas.tobytes(), canvas.shape[1], canvas.shape[0]


def test_calls_before_init_are_refused(monkeypatch):
    monkeypatch.setattr(bridge, "_session", None)
    with pytest.raises(RuntimeError, match="init"):
        bridge.evaluate()


def test_init_describes_data_model_settings_and_kernel(started):
    assert (started["train_size"], started["test_size"]) == (1000, 500)
    model = started["model"]
    assert model["name"] == "pretrained" and model["layers"] == [784, 128, 10]
    assert model["epochs_trained"] == 2 and model["test_accuracy"] == 0.9
    assert started["default_config"]["train_size"] == 1000
    assert all(r["train_size"] <= 1000 and r["batch_size"] <= 1000 for r in started["recipes"].values())
    fields = {field["name"]: field for field in started["schema"]}
    assert fields["train_size"]["max"] == 1000 and fields["batch_size"]["max"] == 1000
    assert "kernels" not in started  # timed when training starts, not while the page loads


def test_validate_accepts_good_settings(started):
    reply = json.loads(bridge.validate(settings(started, epochs=3, hidden_sizes="64,32")))
    assert reply["ok"]
    assert reply["config"] == {**started["default_config"], "epochs": 3, "hidden_sizes": [64, 32]}


@pytest.mark.parametrize("changes,fields", [
    ({"epochs": 0, "optimizer": "nesterov", "speed": 1}, {"epochs", "optimizer", "speed"}),
    ({"train_size": 5000}, {"train_size"}),
], ids=["three-bad-fields", "more-than-the-bundle"])
def test_validate_refuses_bad_settings_naming_each_field(started, changes, fields):
    reply = json.loads(bridge.validate(settings(started, **changes)))
    assert reply["ok"] is False
    assert set(reply["errors"]) == fields
    if "train_size" in fields:
        assert "1000" in reply["errors"]["train_size"]


@pytest.mark.parametrize("text", ["{not json", '["epochs", 3]'])
def test_validate_refuses_text_that_is_not_a_settings_object(started, text):
    reply = json.loads(bridge.validate(text))
    assert reply["ok"] is False and set(reply["errors"]) == {"config"}
    assert "settings" in reply["errors"]["config"]


def test_new_training_with_bad_settings_keeps_the_current_model(started):
    reply = json.loads(bridge.new_training(settings(started, learning_rate=-1)))
    assert reply["ok"] is False and set(reply["errors"]) == {"learning_rate"}
    assert json.loads(bridge.use_pretrained())["name"] == "pretrained"


def test_training_in_chunks_reports_progress_epochs_and_finishes(started):
    reply = json.loads(bridge.new_training(json.dumps(SMALL_RUN)))
    assert reply["ok"] and reply["model"]["name"] == "untrained"
    assert reply["model"]["epochs_trained"] == 0 and reply["model"]["test_accuracy"] is None

    replies = train_until_finished()
    events = [event for reply in replies for event in reply["events"]]
    for reply in replies:  # one summarised progress event per chunk, always first
        kinds = [event["type"] for event in reply["events"]]
        assert kinds.count("progress") <= 1 and "progress" not in kinds[1:]
    progress = [e for e in events if e["type"] == "progress"]
    epochs = [e for e in events if e["type"] == "epoch"]
    assert sum(e["batches_in_chunk"] for e in progress) == 2 * 7
    assert sum(e["samples"] for e in progress) == 2 * 200
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert events[-1] == {"type": "finished", "epoch": 2, "step": 14}
    assert all(0 <= e["accuracy"] <= 1 and e["loss"] > 0 for e in progress)

    summary = bridge._summary()  # what the page shows after training
    assert summary["name"] == "trained" and summary["epochs_trained"] == 2
    assert summary["layers"] == [784, 16, 10]
    evaluation = json.loads(bridge.evaluate())
    assert evaluation["test_accuracy"] == epochs[-1]["test_accuracy"] == summary["test_accuracy"]
    assert np.array(evaluation["confusion"]).sum() == 500


def test_train_after_finishing_returns_no_events(started):
    bridge.new_training(json.dumps({**SMALL_RUN, "epochs": 1}))
    train_until_finished()
    assert json.loads(bridge.train(20)) == {"events": [], "finished": True}


def test_the_same_settings_train_the_same_model(started):
    results = []
    for _ in range(2):
        bridge.new_training(json.dumps({**SMALL_RUN, "epochs": 1}))
        events = [e for reply in train_until_finished() for e in reply["events"] if e["type"] == "epoch"]
        results.append((bridge.first_layer_weights(16), events[-1]["test_loss"]))
    assert results[0] == results[1]


def test_huge_learning_rate_ends_with_a_diverged_event(started, monkeypatch):
    bridge.new_training(json.dumps({**SMALL_RUN, "optimizer": "sgd", "clip_norm": 0}))
    monkeypatch.setitem(bridge._session.trainer.config, "learning_rate", 1e6)
    with np.errstate(over="ignore", invalid="ignore"):
        replies = train_until_finished()
    last = replies[-1]["events"][-1]
    assert last["type"] == "diverged" and "learning rate" in last["message"]
    assert all(np.isfinite(v).all() for v in bridge._session.network.state().values())


def test_classify_of_an_empty_canvas_says_it_is_empty(started):
    reply = json.loads(bridge.classify(bytes(280 * 280), 280, 280))
    assert reply["empty"] is True and "empty" in reply["message"]


def test_classify_refuses_a_canvas_of_the_wrong_size(started):
    with pytest.raises(ValueError, match="280x280"):
        bridge.classify(bytes(100), 280, 280)


def test_classify_reads_real_digits_drawn_large(started, mnist, trained_network):
    confident = trained_network.predict_proba(mnist["x_test"][:200]).max(axis=1) > 0.99
    right = trained_network.predict(mnist["x_test"][:200]) == mnist["y_test"][:200]
    chosen = [int(np.flatnonzero(confident & right & (mnist["y_test"][:200] == c))[0]) for c in range(10)]
    for i in chosen:
        reply = json.loads(bridge.classify(*canvas_bytes(mnist["x_test"][i])))
        assert reply["empty"] is False
        assert reply["digit"] == mnist["y_test"][i]
        assert abs(sum(reply["probabilities"]) - 1) < 1e-4
        assert len(reply["image"]) == 784 and max(reply["image"]) <= 1
        assert [len(h) for h in reply["hidden"]] == [128]


def test_import_of_garbage_keeps_the_current_model(started, mnist):
    before = bridge.first_layer_weights(4)
    digit = canvas_bytes(mnist["x_test"][0])
    before_digit = bridge.classify(*digit)
    for garbage in (b"", b"definitely not a model", np.random.default_rng(0).bytes(3000)):
        reply = json.loads(bridge.import_model(garbage))
        assert reply["ok"] is False
        assert reply["error"].startswith("That model file cannot be used:")
        assert reply["model"]["name"] == "pretrained"
    assert bridge.first_layer_weights(4) == before
    assert bridge.classify(*digit) == before_digit


def test_import_of_a_truncated_export_keeps_the_current_model(started):
    raw = bridge.export_model()
    reply = json.loads(bridge.import_model(raw[:len(raw) // 2]))
    assert reply["ok"] is False and reply["model"]["name"] == "pretrained"


def test_export_then_import_round_trip(started, mnist):
    bridge.new_training(json.dumps({**SMALL_RUN, "epochs": 1}))
    train_until_finished()
    exported = bridge.export_model()
    assert isinstance(exported, bytes)
    weights, digit = bridge.first_layer_weights(16), canvas_bytes(mnist["x_test"][1])
    trained_answer = json.loads(bridge.classify(*digit))
    accuracy = json.loads(bridge.evaluate())["test_accuracy"]

    bridge.use_pretrained()
    reply = json.loads(bridge.import_model(exported))
    assert reply["ok"] is True
    model = reply["model"]
    assert model["name"] == "imported" and model["layers"] == [784, 16, 10]
    assert model["epochs_trained"] == 1 and model["test_accuracy"] == accuracy
    assert model["config"]["seed"] == SMALL_RUN["seed"]
    assert bridge.first_layer_weights(16) == weights
    assert json.loads(bridge.classify(*digit)) == trained_answer


def test_mistakes_are_wrong_and_most_confident_first(started, mnist):
    mistakes = json.loads(bridge.mistakes(5))
    assert 0 < len(mistakes) <= 5
    confidences = [m["confidence"] for m in mistakes]
    assert confidences == sorted(confidences, reverse=True)
    for m in mistakes:
        assert m["predicted"] != m["label"] == mnist["y_test"][m["index"]]
        assert m["pixels"] == mnist["x_test"][m["index"]].ravel().tolist()


def test_first_layer_weights_are_scaled_per_unit(started):
    reply = json.loads(bridge.first_layer_weights(6))
    images = np.array(reply["images"])
    assert reply["units"] == 128 and images.shape == (6, 784)  # all units counted, 6 shown
    np.testing.assert_allclose(np.abs(images).max(axis=1), 1.0)


def test_reset_gives_fresh_untrained_weights_and_use_pretrained_goes_back(started):
    bridge.new_training(json.dumps({**SMALL_RUN, "epochs": 1}))
    train_until_finished()
    reset = json.loads(bridge.reset())
    assert reset["name"] == "untrained" and reset["epochs_trained"] == 0 and reset["test_accuracy"] is None
    assert reset["layers"] == [784, 16, 10]
    back = json.loads(bridge.use_pretrained())
    assert back["name"] == "pretrained" and back["layers"] == [784, 128, 10]


def test_import_of_a_damaged_export_keeps_the_current_model(started):
    raw = bytearray(bridge.export_model())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:  # damage the largest entry's data
        info = max(archive.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 100, start + info.compress_size - 100, info.compress_size // 20):
        damaged = raw.copy()
        damaged[offset:offset + 8] = b"\xff" * 8
        reply = json.loads(bridge.import_model(bytes(damaged)))
        assert reply["ok"] is False and reply["model"]["name"] == "pretrained"


def test_benchmark_times_steps_without_touching_the_session(started):
    before = bridge.export_model()
    result = json.loads(bridge.benchmark(8, 0.01))
    assert result["batch_size"] == 8 and result["samples_per_sec"] > 0
    assert result["step_ms"] > 0 and result["matmul_ms"] > 0
    assert result["overhead_ratio"] == pytest.approx(result["step_ms"] / result["matmul_ms"])
    assert bridge.export_model() == before


def test_new_training_picks_a_formulation_for_each_product(started):
    json.loads(bridge.new_training(settings(started, epochs=1)))
    chosen = json.loads(bridge.kernel_choice())
    assert set(chosen) == {"forward", "weight_grad", "input_grad"}
    assert set(chosen.values()) <= {"matmul", "einsum", "matmul-skip", "einsum-skip"}
