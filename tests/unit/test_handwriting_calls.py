"""The bridge calls of "teach it my handwriting" (app/handwriting_calls.py), made the way the page
makes them: a file of the learner's digits written, read back and refused when bad, and the current
model fine-tuned on them in pieces, then made the current model."""

import io
import zipfile

import numpy as np
import pytest
import test_bridge
from test_bridge import call, canvas

from scratchnet.app import current

files, started = test_bridge.files, test_bridge.started  # the bridge tests' fixtures: data, a model, a session


def digits(mnist, count, start=0):
    images = mnist["x_test"][start:start + count]
    return images, [int(label) for label in mnist["y_test"][start:start + count]]


def test_a_file_of_digits_round_trips(started, mnist):
    images, labels = digits(mnist, 7)
    data = call("my_digits_file", data=images.tobytes(), labels=labels)
    back = call("read_my_digits", data=data)
    assert back["ok"] and back["labels"] == labels
    np.testing.assert_array_equal(back["images"], images)


def npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("data, reason", [
    (b"not a zip at all", "not a .npz file"),
    (npz(images=np.zeros((2, 28, 28), np.uint8), labels=np.array([1, 12], np.uint8), version=np.array(1)), "0 to 9"),
    (npz(images=np.zeros((2, 28, 28), np.uint8), labels=np.array([1], np.uint8), version=np.array(1)), "2 digits but 1"),
    (npz(images=np.zeros((2, 14, 14), np.uint8), labels=np.array([1, 2], np.uint8), version=np.array(1)), "28x28"),
    (npz(images=np.zeros((2, 28, 28), np.float64), labels=np.array([1, 2], np.uint8), version=np.array(1)), "1-byte"),
    (npz(images=np.zeros((2, 28, 28), np.uint8), labels=np.array([1, 2], np.uint8)), "no version"),
    (npz(images=np.zeros((501, 28, 28), np.uint8), labels=np.ones(501, np.uint8), version=np.array(1)), "at most"),
], ids=["not-npz", "label-12", "labels-missing", "small-images", "float-images", "no-version", "too-many"])
def test_a_bad_file_of_digits_is_refused_in_plain_words(started, data, reason):
    reply = call("read_my_digits", data=data)
    assert not reply["ok"]
    assert reply["error"].startswith("That file of digits cannot be used:")
    assert reason in reply["error"]


def test_a_truncated_file_is_refused(started, mnist):
    images, labels = digits(mnist, 5)
    data = call("my_digits_file", data=images.tobytes(), labels=labels)
    assert not call("read_my_digits", data=data[: len(data) // 2])["ok"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["images.npy", "labels.npy", "version.npy"]


def fine_tune_until_done(max_calls=500):
    for _ in range(max_calls):
        reply = call("fine_tune_continue", budget_ms=20)
        if reply["done"]:
            return reply
        assert 0 <= reply["step"] <= reply["steps"]
    pytest.fail("fine-tuning did not finish")


def test_fine_tuning_in_pieces_gives_a_new_current_model(started, mnist):
    model = current.session().network
    x, y = mnist["x_test"][500:], mnist["y_test"][500:]
    wrong = np.flatnonzero(model.predict(x) != y)[:10]
    images, labels = x[wrong], [int(v) for v in y[wrong]]
    assert call("fine_tune_start", data=images.tobytes(), labels=labels, seed=0) == {"ok": True, "count": 10, "steps": 60}
    result = fine_tune_until_done()
    assert result["mine_before"] == 0.0 and result["mine_after"] >= 0.7
    assert all(0 <= result[k] <= 1 for k in ("mine_before", "mine_after", "test_after"))
    old_id = started["model"]["id"]
    finished = call("fine_tune_finish")
    assert finished["ok"] and finished["model"]["name"] == "fine-tuned" and finished["model"]["id"] > old_id
    assert finished["model"]["test_accuracy"] == result["test_after"]
    reading = call("classify", **canvas(images[0]))
    assert reading["model_id"] == finished["model"]["id"]
    assert call("evaluate")["test_accuracy"] == result["test_after"]  # evaluated already
    # A checkpoint brings the fine-tuned model back.
    again = current.session()
    state = call("checkpoint")
    call("use_pretrained")
    assert call("restore", data=state)["model"]["name"] == "fine-tuned"
    np.testing.assert_array_equal(current.session().network.state()["dense1.W"], again.network.state()["dense1.W"])


def test_a_model_change_during_fine_tuning_drops_it(started, mnist):
    images, labels = digits(mnist, 3)
    call("fine_tune_start", data=images.tobytes(), labels=labels, seed=0)
    call("reset")
    assert "model changed" in call("fine_tune_continue", budget_ms=20)["error"]
    assert not call("fine_tune_finish")["ok"]


def test_fine_tuning_refuses_bad_digits_and_starts_nothing(started, mnist):
    images, labels = digits(mnist, 3)
    assert "do not make 3 digits" in call("fine_tune_start", data=images.tobytes()[:-1], labels=labels)["error"]
    assert "0 to 9" in call("fine_tune_start", data=images.tobytes(), labels=[1, 2, 10])["error"]
    assert "no digits of yours" in call("fine_tune_start", data=b"", labels=[])["error"]
    with pytest.raises(RuntimeError):
        call("fine_tune_continue")
