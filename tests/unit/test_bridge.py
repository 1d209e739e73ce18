"""The browser bridge, called from CPython the way the worker calls it from Pyodide:
`dispatch(name, JSON arguments, bytes)` -> (JSON text, binary parts)."""

import io
import json
import zipfile

import numpy as np
import pytest

from scratchnet import save_model
from scratchnet.app import bridge, current
from scratchnet.data.mnist import balanced_subset, save_bundle

SMALL_RUN = {"train_size": 200, "epochs": 2, "hidden_sizes": [16], "batch_size": 32, "seed": 5}


def revive(value, parts):
    """What the page gets: binary parts put back where their markers are (as NumPy here)."""
    if isinstance(value, dict) and "$part" in value:
        raw = parts[value["$part"]]
        if value["dtype"] == "bytes":
            return raw
        return np.frombuffer(raw, dtype=value["dtype"]).reshape(value["shape"])
    if isinstance(value, dict):
        return {k: revive(v, parts) for k, v in value.items()}
    if isinstance(value, list):
        return [revive(v, parts) for v in value]
    return value


def call(name, data=None, **kwargs):
    text, parts = bridge.dispatch(name, json.dumps(kwargs), data)
    assert all(isinstance(p, bytes) for p in parts)
    return revive(json.loads(text), parts)


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
    monkeypatch.setattr(current, "_session", None)
    return call("init", data_path=files[0], model_path=files[1])


def settings(started, **changes):
    """Complete settings, as the page always sends them: its defaults with some changes."""
    return {**started["default_config"], **changes}


def train_until_finished(budget_ms=20, max_calls=2000):
    replies = []
    for _ in range(max_calls):
        reply = call("train", budget_ms=budget_ms)
        replies.append(reply)
        if reply["finished"]:
            return replies
    pytest.fail(f"training did not finish within {max_calls} calls")


def page_model(replies, model=None):
    """The model summary as the page holds it after these answers: the last one sent whole, with
    the run's position from the latest answer (training answers carry the whole summary only
    when more than the position changed)."""
    for reply in replies:
        model = reply["model"] if "model" in reply else {**model, "run": reply["run"]}
    return model


def canvas(digit, factor=10):
    """A real MNIST digit drawn large, as the page sends it: row-major uint8, 255 = ink."""
    pad = np.kron(digit, np.ones((factor, factor), dtype=np.uint8))
    return {"data": pad.tobytes(), "width": pad.shape[1], "height": pad.shape[0]}


def test_the_list_of_calls_is_the_one_the_worker_reads():
    assert {"init", "train", "step", "classify", "evaluate", "checkpoint", "restore"} <= set(bridge.CALLS)
    with pytest.raises(ValueError, match="unknown bridge call 'eval'"):
        bridge.dispatch("eval", "{}")


def test_the_page_client_lists_every_call_of_the_bridge():
    """web/js/python/client.js names its methods explicitly: the same calls as bridge.CALLS (but
    init, which its boot() makes)."""
    import os
    import re

    path = os.path.join(os.path.dirname(__file__), "..", "..", "web", "js", "python", "client.js")
    listed = re.search(r"export const BRIDGE_CALLS = \[(.*?)\];", open(path).read(), re.S).group(1)
    assert re.findall(r'"([a-z_]+)"', listed) == [name for name in bridge.CALLS if name != "init"]


def test_calls_before_init_are_refused(monkeypatch):
    monkeypatch.setattr(current, "_session", None)
    with pytest.raises(RuntimeError, match="init"):
        call("evaluate")
    with pytest.raises(RuntimeError, match="init"):
        call("spot_check")


def test_init_describes_data_model_and_settings(started):
    assert (started["train_size"], started["test_size"]) == (1000, 500)
    model = started["model"]
    assert model["name"] == "pretrained" and model["layers"] == [784, 128, 10] and model["run"] is None
    assert model["epochs_trained"] == 2 and model["test_accuracy"] == 0.9
    assert started["default_config"]["train_size"] == 1000
    assert all(r["train_size"] <= 1000 and r["batch_size"] <= 1000 for r in started["recipes"].values())
    fields = {field["name"]: field for field in started["schema"]}
    assert fields["train_size"]["max"] == 1000 and fields["batch_size"]["max"] == 1000


def test_validate_accepts_good_settings_and_names_each_bad_one(started):
    reply = call("validate", config=settings(started, epochs=3, hidden_sizes="64,32"))
    assert reply["ok"] and reply["config"] == {**started["default_config"], "epochs": 3, "hidden_sizes": [64, 32]}
    reply = call("validate", config=settings(started, epochs=0, optimizer="nesterov", speed=1, train_size=5000))
    assert reply["ok"] is False and set(reply["errors"]) == {"epochs", "optimizer", "speed", "train_size"}
    assert "1000" in reply["errors"]["train_size"]
    assert call("validate", config=["epochs", 3])["errors"] == {"config": "settings must be a mapping of names to values"}


def test_new_training_with_bad_settings_keeps_the_current_model(started):
    reply = call("new_training", config=settings(started, learning_rate=-1))
    assert reply["ok"] is False and set(reply["errors"]) == {"learning_rate"}
    assert reply["model"]["name"] == "pretrained" and reply["model"]["id"] == started["model"]["id"]


def test_training_in_chunks_reports_progress_epochs_and_finishes(started):
    reply = call("new_training", config=SMALL_RUN)
    assert reply["ok"] and reply["model"]["name"] == "untrained" and reply["model"]["id"] > started["model"]["id"]
    assert reply["model"]["epochs_trained"] == 0 and reply["model"]["test_accuracy"] is None

    replies = train_until_finished()
    events = [event for reply in replies for event in reply["events"]]
    for reply in replies:  # one summarised progress event per chunk, always first
        kinds = [event["type"] for event in reply["events"]]
        assert kinds.count("progress") <= 1 and "progress" not in kinds[1:]
        assert "work" not in kinds
    progress = [e for e in events if e["type"] == "progress"]
    epochs = [e for e in events if e["type"] == "epoch"]
    assert sum(e["batches_in_chunk"] for e in progress) == 2 * 7
    assert sum(e["samples"] for e in progress) == 2 * 200
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert events[-1] == {"type": "finished", "epoch": 2, "step": 14}
    model = page_model(replies)
    assert model == bridge._current().summary()  # the page's summary is the worker's
    assert model["name"] == "trained" and model["epochs_trained"] == 2 and model["layers"] == [784, 16, 10]
    evaluation = call("evaluate", budget_ms=1000)
    assert evaluation["done"] and evaluation["test_accuracy"] == epochs[-1]["test_accuracy"] == model["test_accuracy"]
    assert np.array(evaluation["confusion"]).sum() == 500
    assert call("train", budget_ms=20)["events"] == []


def test_training_answers_carry_the_whole_summary_only_when_more_than_the_position_changed(started):
    call("new_training", config={**SMALL_RUN, "train_size": 400, "epochs": 3})
    held, answers, whole = None, 0, 0
    for _ in range(2000):
        reply = call("train", budget_ms=0)  # a batch, or a piece of an evaluation, per answer
        now = bridge._current().summary()
        if "model" in reply:
            assert reply["model"] == now
            beyond_position = held is None or {**held, "run": None} != {**now, "run": None}
            assert beyond_position
            whole += 1
        else:
            assert {**held, "run": reply["run"]} == now  # the page's summary is still the worker's
        held, answers = now, answers + 1
        if reply["finished"]:
            break
    assert whole >= 1 + 3  # the new model, then each epoch's end at least
    assert whole < answers / 2, (whole, answers)


def test_no_epoch_is_lost_when_a_chunk_ends_during_the_evaluation(started, mnist):
    call("new_training", config={**SMALL_RUN, "hidden_sizes": [1024, 1024]})  # evaluated in several pieces
    assert bridge._current().run.trainer.eval_rows < 500
    events = [e for r in train_until_finished(budget_ms=0, max_calls=5000) for e in r["events"]]
    assert [e["epoch"] for e in events if e["type"] == "epoch"] == [1, 2]
    assert events[-1]["type"] == "finished"


def test_train_without_a_run_is_refused_instead_of_starting_one(started):
    # The click race: "Use pretrained model" while a run starts must not let training go on.
    call("new_training", config=SMALL_RUN)
    call("use_pretrained")
    with pytest.raises(RuntimeError, match="no training run"):
        call("train", budget_ms=20)


def test_step_takes_exactly_one_batch(started):
    model = call("new_training", config=SMALL_RUN)["model"]
    steps = []
    for _ in range(8):
        reply = call("step")
        steps.append([e["type"] for e in reply["events"]])
        assert page_model([reply], model)["run"]["step"] == len(steps)
        model = page_model([reply], model)
    assert steps[:6] == [["progress"]] * 6
    assert steps[6] == ["progress", "epoch"]  # the epoch's last batch ends the epoch too
    assert steps[7] == ["progress"]


def test_the_same_settings_train_the_same_model(started):
    results = []
    for _ in range(2):
        call("new_training", config={**SMALL_RUN, "epochs": 1})
        events = [e for reply in train_until_finished() for e in reply["events"] if e["type"] == "epoch"]
        results.append((call("first_layer_weights", max_units=16)["images"], events[-1]["test_loss"]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def test_huge_learning_rate_ends_with_a_diverged_event_and_weights_that_predict(started, mnist):
    call("new_training", config={**SMALL_RUN, "optimizer": "sgd", "clip_norm": 0, "learning_rate": 10,
                                 "hidden_sizes": [128, 128, 128, 128], "lr_decay": 1})
    with np.errstate(over="ignore", invalid="ignore"):
        replies = train_until_finished()
    last = replies[-1]["events"][-1]
    assert last["type"] == "diverged" and "learning rate" in last["message"]
    assert all(np.isfinite(v).all() for v in bridge._current().network.state().values())
    answers = {call("classify", **canvas(mnist["x_test"][i]))["digit"] for i in range(20)}
    assert len(answers) > 1  # not "8, 100% sure" for every digit


def test_classify_empty_wrong_size_and_real_digits(started, mnist, trained_network):
    assert call("classify", data=bytes(280 * 280), width=280, height=280)["empty"] is True
    with pytest.raises(ValueError, match="280x280"):
        call("classify", data=bytes(100), width=280, height=280)
    confident = trained_network.predict_proba(mnist["x_test"][:200]).max(axis=1) > 0.99
    right = trained_network.predict(mnist["x_test"][:200]) == mnist["y_test"][:200]
    for c in range(10):
        i = int(np.flatnonzero(confident & right & (mnist["y_test"][:200] == c))[0])
        reply = call("classify", **canvas(mnist["x_test"][i]))
        assert reply["empty"] is False and reply["digit"] == c and reply["model_id"] == started["model"]["id"]
        assert abs(sum(reply["probabilities"]) - 1) < 1e-4
        assert reply["image"].shape == (28, 28) and reply["image"].dtype == np.float32 and reply["image"].max() <= 1
        assert [h.shape for h in reply["hidden"]] == [(128,)]


def test_import_of_garbage_truncated_or_damaged_files_keeps_the_current_model(started, mnist):
    before = call("first_layer_weights", max_units=4)["images"]
    raw = call("export_model")
    damaged = bytearray(raw)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:  # damage the largest entry's data
        info = max(archive.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    damaged[start + 100:start + 108] = b"\xff" * 8
    for garbage in (b"", b"definitely not a model", np.random.default_rng(0).bytes(3000), raw[:len(raw) // 2],
                    bytes(damaged)):
        reply = call("import_model", data=garbage)
        assert reply["ok"] is False and reply["error"].startswith("That model file cannot be used:")
        assert reply["model"]["name"] == "pretrained" and reply["model"]["id"] == started["model"]["id"]
    np.testing.assert_array_equal(call("first_layer_weights", max_units=4)["images"], before)


def test_export_then_import_round_trip(started, mnist):
    call("new_training", config={**SMALL_RUN, "epochs": 1})
    train_until_finished()
    exported = call("export_model")
    assert isinstance(exported, bytes)
    weights, digit = call("first_layer_weights", max_units=16)["images"], canvas(mnist["x_test"][1])
    trained_answer = call("classify", **digit)
    accuracy = call("evaluate", budget_ms=1000)["test_accuracy"]

    call("use_pretrained")
    reply = call("import_model", data=exported)
    assert reply["ok"] is True
    model = reply["model"]
    assert model["name"] == "imported" and model["layers"] == [784, 16, 10]
    assert model["epochs_trained"] == 1 and model["test_accuracy"] == accuracy
    assert model["config"]["seed"] == SMALL_RUN["seed"]
    np.testing.assert_array_equal(call("first_layer_weights", max_units=16)["images"], weights)
    again = call("classify", **digit)
    assert again["probabilities"] == trained_answer["probabilities"] and again["model_id"] == model["id"]


def test_evaluation_comes_in_pieces_and_mistakes_follow_it(started, mnist):
    replies = [call("evaluate", budget_ms=0)]
    while not replies[-1]["done"]:
        replies.append(call("evaluate", budget_ms=0))
    mistakes = call("mistakes", count=5)["mistakes"]
    assert 0 < len(mistakes) <= 5
    confidences = [m["confidence"] for m in mistakes]
    assert confidences == sorted(confidences, reverse=True)
    for m in mistakes:
        assert m["predicted"] != m["label"] == mnist["y_test"][m["index"]]
        np.testing.assert_array_equal(m["pixels"], mnist["x_test"][m["index"]])


def test_first_layer_weights_are_scaled_per_unit(started):
    reply = call("first_layer_weights", max_units=6)
    assert reply["units"] == 128 and reply["images"].shape == (6, 28, 28)  # all units counted, 6 shown
    np.testing.assert_allclose(np.abs(reply["images"]).reshape(6, -1).max(axis=1), 1.0)


def test_reset_gives_fresh_untrained_weights_and_use_pretrained_goes_back(started):
    call("new_training", config={**SMALL_RUN, "epochs": 1})
    train_until_finished()
    reset = call("reset")["model"]
    assert reset["name"] == "untrained" and reset["epochs_trained"] == 0 and reset["test_accuracy"] is None
    assert reset["layers"] == [784, 16, 10]
    back = call("use_pretrained")["model"]
    assert back["name"] == "pretrained" and back["layers"] == [784, 128, 10] and back["id"] > reset["id"]


def test_a_checkpoint_brings_a_paused_run_back_exactly(started, files, monkeypatch):
    call("new_training", config=SMALL_RUN)
    for _ in range(3):
        call("step")
    saved = call("checkpoint")
    rest_of_run = [e for r in train_until_finished() for e in r["events"] if e["type"] == "epoch"]

    monkeypatch.setattr(current, "_session", None)  # a new worker
    call("init", data_path=files[0], model_path=files[1])
    restored = call("restore", data=saved)["model"]
    assert restored["run"]["step"] == 3 and restored["name"] == "untrained"
    replayed = [e for r in train_until_finished() for e in r["events"] if e["type"] == "epoch"]
    assert [e["test_loss"] for e in replayed] == [e["test_loss"] for e in rest_of_run]


def test_benchmark_times_steps_without_touching_the_session(started):
    before = call("export_model")
    result = call("benchmark", batch_size=8, seconds=0.01)
    assert result["batch_size"] == 8 and result["samples_per_sec"] > 0
    assert result["step_ms"] > 0 and result["matmul_ms"] > 0
    assert result["overhead_ratio"] == pytest.approx(result["step_ms"] / result["matmul_ms"])
    assert set(result["products"]) == {"dense1", "dense2"}
    assert call("export_model") == before


def test_augment_examples_show_the_next_batch_as_it_is_and_augmented(started, mnist):
    call("use_pretrained")
    reply = call("augment_examples", augment="shift:2,rotate:10", count=4)
    original, augmented = reply["original"], reply["augmented"]
    assert original.shape == augmented.shape == (4, 28, 28) and augmented.dtype == np.uint8
    assert np.array_equal(original, bridge._current().dataset.x_train[:4])  # no run: the first images
    assert not np.array_equal(original, augmented)
    assert np.array_equal(call("augment_examples", augment="none", count=4)["augmented"], original)

    call("new_training", config=SMALL_RUN)
    call("step")  # the epoch's order is drawn; the next batch is its second
    trainer, run = bridge._current().run.trainer, bridge._current().run
    reply = call("augment_examples", augment="none", count=3)
    expected = bridge._current().dataset.x_train[run.indices[trainer.order[trainer.batch_size:][:3]]]
    assert np.array_equal(reply["original"], expected)
    state = json.dumps(trainer.augment_rng.bit_generator.state)
    call("augment_examples", augment="thickness:0.5", count=3)
    assert json.dumps(trainer.augment_rng.bit_generator.state) == state  # the run's stream untouched
    with pytest.raises(ValueError, match="flip"):
        call("augment_examples", augment="flip:1")
