"""Model files: an exact round trip, and a readable ModelFileError for every kind of bad file."""

import glob
import io
import json
import os
import zipfile

import numpy as np
import pytest

from scratchnet import ModelFileError, Network, load_model, recipe, save_model
from scratchnet.files.model_file import model_bytes


@pytest.fixture(scope="module")
def network():
    config = recipe("default", hidden_sizes=[16, 8], activation="tanh", seed=3)
    net = Network.build(config, np.random.default_rng(3), 0.13, 0.31, (28, 28), 10)
    for _, value, _ in net.named_params():  # non-zero biases, so their round trip is tested too
        value += np.random.default_rng(4).normal(0, 0.01, value.shape).astype(value.dtype)
    return net


@pytest.fixture(scope="module")
def arrays(network):
    """The arrays of a good model file, to be spoiled one at a time."""
    with np.load(io.BytesIO(model_bytes(network, {"epochs_trained": 2})), allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def npz(arrays, **changes):
    """Bytes of an .npz holding `arrays` with some entries replaced (None removes one)."""
    arrays = {**arrays, **changes}
    buffer = io.BytesIO()
    np.savez(buffer, **{key: value for key, value in arrays.items() if value is not None})
    return buffer.getvalue()


def refused(source):
    with pytest.raises(ModelFileError) as caught:
        load_model(source)
    message = str(caught.value)
    assert message and "Traceback" not in message and len(message) <= 400
    return message


def test_round_trip_keeps_predictions_config_normalisation_and_history(network, tmp_path):
    path = tmp_path / "model.npz"
    save_model(network, str(path), history={"epochs_trained": 4, "test_accuracy": 0.9})
    loaded = load_model(str(path))
    images = np.random.default_rng(0).random((20, 784))
    np.testing.assert_array_equal(loaded.predict_proba(images), network.predict_proba(images))
    assert loaded.config == network.config
    assert (loaded.mean, loaded.std) == (network.mean, network.std)
    assert loaded.sizes == [784, 16, 8, 10]
    assert loaded.history == {"epochs_trained": 4, "test_accuracy": 0.9}
    for name, value in network.state().items():
        np.testing.assert_array_equal(loaded.state()[name], value)


def test_load_from_bytes_and_file_objects(network):
    raw = model_bytes(network)
    images = np.random.default_rng(1).random((3, 784))
    for source in (raw, bytearray(raw), memoryview(raw), io.BytesIO(raw)):
        np.testing.assert_array_equal(load_model(source).predict(images), network.predict(images))


def test_model_file_holds_plain_arrays_only(network):
    with np.load(io.BytesIO(model_bytes(network)), allow_pickle=False) as f:
        assert str(f["format"]) == "scratchnet-model"
        assert int(f["format_version"]) == 1
        assert json.loads(str(f["config"])) == network.config
        assert sorted(k for k in f.files if k.startswith("param/")) == [
            "param/dense1.W", "param/dense1.b", "param/dense2.W", "param/dense2.b", "param/dense3.W",
            "param/dense3.b"]


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.1, 0.5, 0.9, 0.999])
def test_truncated_file_is_refused(network, fraction):
    raw = model_bytes(network)
    refused(raw[:int(len(raw) * fraction)])


def test_random_bytes_are_refused():
    refused(np.random.default_rng(0).bytes(5000))


@pytest.mark.parametrize("content", [b"a text file, not a model\n", bytes(range(256)) * 4], ids=["text", "binary"])
def test_a_file_that_is_not_an_npz_is_not_blamed_on_pickling(content):
    # The message reaches people in the browser: it must not tell them to load the file "unsafely".
    message = refused(content)
    assert "pickle" not in message


def test_missing_file_is_refused(tmp_path):
    assert "could not be read" in refused(str(tmp_path / "absent.npz"))


def test_corrupted_compressed_data_is_refused(network):
    raw = bytearray(model_bytes(network))
    # Damage the middle of the largest entry's compressed stream (dense1.W), not the zip directory.
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = max(archive.infolist(), key=lambda i: i.compress_size)
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 100, start + info.compress_size - 100, info.compress_size // 40):
        damaged = raw.copy()
        damaged[offset:offset + 8] = b"\xff" * 8
        refused(bytes(damaged))


def test_npz_without_the_format_marker_is_refused(arrays):
    assert "not a ScratchNet model file" in refused(npz(arrays, format=None))
    assert "not a ScratchNet model file" in refused(npz(arrays, format=np.array("other-model")))


def test_plain_npz_of_unrelated_arrays_is_refused():
    assert "not a ScratchNet model file" in refused(npz({"weights": np.zeros(3)}))


@pytest.mark.parametrize("version", [np.array(2), np.array(0), np.array(1.5), np.array("1"), np.array([1])])
def test_wrong_format_version_is_refused(arrays, version):
    message = refused(npz(arrays, format_version=version))
    assert "version" in message


def test_newer_format_version_names_both_versions(arrays):
    assert "version 2 is not supported" in refused(npz(arrays, format_version=np.array(2)))


def test_weights_with_the_wrong_shape_are_refused(arrays):
    message = refused(npz(arrays, **{"param/dense2.W": np.zeros((8, 16), np.float32)}))
    assert "param/dense2.W" in message and "(16, 8)" in message


def test_missing_parameter_is_refused(arrays):
    message = refused(npz(arrays, **{"param/dense3.b": None}))
    assert "missing param/dense3.b" in message


def test_extra_parameter_is_refused(arrays):
    assert "unexpected param/dense4.W" in refused(npz(arrays, **{"param/dense4.W": np.zeros((10, 10))}))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weights_are_refused(arrays, bad):
    W = arrays["param/dense1.W"].copy()
    W[5, 3] = bad
    assert "NaN or infinite" in refused(npz(arrays, **{"param/dense1.W": W}))


def test_integer_weights_are_refused(arrays):
    assert "floating-point" in refused(npz(arrays, **{"param/dense3.b": np.zeros(10, np.int32)}))


def test_object_array_is_refused_without_unpickling(arrays):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    for key in ("config", "param/dense1.b"):
        payload = np.empty(1, dtype=object)
        payload[0] = Boom()
        message = refused(npz(arrays, **{key: payload}))
        assert "other than plain numbers and text" in message


@pytest.mark.parametrize("config,reason", [
    ("{not json", "not valid JSON"),
    (json.dumps({"hidden_sizes": [16, 8], "activation": "swish"}), "activation"),
    (json.dumps(["a list"]), "invalid"),
])
def test_bad_settings_are_refused(arrays, config, reason):
    assert reason in refused(npz(arrays, config=np.array(config)))


@pytest.mark.parametrize("key,value", [("mean", np.array(np.nan)), ("std", np.array(0.0)),
                                       ("std", np.array(-1.0)), ("mean", None), ("std", np.array("x"))])
def test_bad_normalisation_is_refused(arrays, key, value):
    refused(npz(arrays, **{key: value}))


def test_zip_archive_whose_entries_are_not_arrays_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("format.npy", "scratchnet-model")
        archive.writestr("format_version.npy", "1")
    refused(buffer.getvalue())


def test_unreadable_history_is_ignored(arrays):
    loaded = load_model(npz(arrays, history=np.array("[not json")))
    assert loaded.history == {}


# --- models that cannot predict (issue 14, item 3) --------------------------------------------

@pytest.mark.parametrize("changes,reason", [
    ({key: "3e38" for key in ("param/dense1.W", "param/dense2.W", "param/dense3.W")},
     "the weights are so large that the network's outputs overflow"),
    ({"std": np.array(1e-300)}, "input normalisation (mean 0.13, standard deviation 1e-300) turns inputs into infinite"),
    ({"mean": np.array(1e300)}, "input normalisation (mean 1e+300, standard deviation 0.31) turns inputs into infinite"),
], ids=["weights-3e38", "std-1e-300", "mean-1e300"])
def test_a_model_whose_outputs_are_not_finite_is_refused(arrays, changes, reason):
    changes = {key: np.full_like(arrays[key], 3e38) if isinstance(value, str) else value
               for key, value in changes.items()}
    assert reason in refused(npz(arrays, **changes))


def test_large_weights_that_still_predict_are_kept(arrays, network):
    W = arrays["param/dense3.W"] * 1000
    loaded = load_model(npz(arrays, **{"param/dense3.W": W}))
    assert np.all(np.isfinite(loaded.predict_proba(np.random.default_rng(0).random((5, 784)))))


@pytest.mark.parametrize("history,kept", [
    ({"epochs_trained": 1e308, "test_accuracy": -5.0}, {}),  # "trained 1e+308 epochs · test accuracy -500.0%"
    ({"epochs_trained": 3.0, "test_accuracy": 0.97, "train_seconds": 12.5, "note": "x"},
     {"epochs_trained": 3, "test_accuracy": 0.97, "train_seconds": 12.5}),
    ({"epochs_trained": True, "test_accuracy": 1.5, "train_seconds": -1}, {}),
    ({"epochs_trained": 2.5, "test_accuracy": "0.9", "train_seconds": float("inf")}, {}),
    ({"epochs_trained": -1, "test_accuracy": float("nan")}, {}),
    ({"epochs_trained": 50001}, {}),
    ({"epochs_trained": 0, "test_accuracy": None}, {"epochs_trained": 0, "test_accuracy": None}),
    ([1, 2], {}),
])
def test_history_keeps_only_valid_fields(arrays, history, kept):
    loaded = load_model(npz(arrays, history=np.array(json.dumps(history))))
    assert loaded.history == kept
    assert all(type(value) in (int, float, type(None)) for value in loaded.history.values())


# --- nothing valid is refused -----------------------------------------------------------------

def test_the_largest_allowed_architecture_round_trips():
    config = recipe("wide", hidden_sizes=[1024] * 4, activation="tanh")
    net = Network.build(config, np.random.default_rng(5), 0.1, 0.3, (28, 28), 10)
    loaded = load_model(model_bytes(net, {"epochs_trained": 500, "test_accuracy": 1.0}))
    assert loaded.sizes == [784, 1024, 1024, 1024, 1024, 10]
    images = np.random.default_rng(0).random((4, 784))
    np.testing.assert_array_equal(loaded.predict_proba(images), net.predict_proba(images))
    assert loaded.history == {"epochs_trained": 500, "test_accuracy": 1.0}


def test_float64_fortran_order_big_endian_and_uncompressed_weights_load(arrays, network):
    changed = {"param/dense1.W": np.asfortranarray(arrays["param/dense1.W"].astype(np.float64)),
               "param/dense2.W": arrays["param/dense2.W"].astype(">f4")}
    loaded = load_model(npz(arrays, **changed))  # np.savez: stored, not deflated
    for name, value in network.state().items():
        np.testing.assert_array_equal(loaded.state()[name], value)


def shipped_models():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dist = os.environ.get("SCRATCHNET_DIST") or os.path.join(root, "dist")
    return sorted(glob.glob(os.path.join(dist, "models", "pretrained.*.npz"))
                  + glob.glob(os.path.join(root, ".cache", "build", "pretrained-*.npz")))


def test_the_shipped_pretrained_model_loads_and_predicts(mnist):
    paths = shipped_models()
    assert paths, "no pretrained model: `python3 build.py test` builds it (or run `python3 build.py build` first)"
    for path in paths:
        loaded = load_model(path)
        assert loaded.sizes == [784, 128, 10]
        assert loaded.history["epochs_trained"] == 15 and 0.97 < loaded.history["test_accuracy"] <= 1
        accuracy = np.mean(loaded.predict(mnist["x_test"][:1000]) == mnist["y_test"][:1000])
        assert accuracy > 0.95


# --- messages stay short (issue 14, item 4) ---------------------------------------------------

def test_missing_weights_are_listed_five_at_most(arrays):
    config = json.loads(str(arrays["config"]))
    no_weights = {key: None for key in arrays if key.startswith("param/")}
    message = refused(npz(arrays, config=np.array(json.dumps({**config, "hidden_sizes": [16, 8, 8, 8]})),
                          **no_weights))
    assert "architecture 784-16-8-8-8-10; missing param/dense1.W" in message and message.endswith(" and 5 more")
    assert message.count("param/") == 5


def test_settings_errors_are_listed_five_at_most_and_shortened(arrays):
    many = {f"k{i}": 0 for i in range(80)}
    message = refused(npz(arrays, config=np.array(json.dumps(many))))
    assert message.count("is not a setting") == 5 and message.endswith(" and 75 more")
    message = refused(npz(arrays, config=np.array(json.dumps({"activation": "x" * 800}))))
    assert "activation: must be one of" in message and "x" * 120 not in message
