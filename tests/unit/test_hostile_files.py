"""Hostile model files (issue 14, items 1, 2 and 4; issue 18's models too costly per example): the
issues' small files that would overflow the stack or ask for gigabytes, built once in tmp_path.
Each must be refused quickly, with small memory and a correct plain-words reason; natively,
`evaluate` prints it cleanly. Single crafted entries refused in process are in
test_hostile_entries.py; the builders are in hostile_zips.py.

Memory is measured in a fresh Python per file (its peak resident size, VmHWM, so Linux only),
since a test process that has already loaded MNIST says nothing about one load.
"""

import io
import json
import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
from hostile_zips import DEEP, DEEP_BUT_SHORT, MAX_ENTRIES, archive, good_arrays, model_with_zero_entry, npy, npy_header, zeros_npy_header

from scratchnet import ModelFileError, Network, load_model, recipe
from scratchnet.files.model_file import MAX_TEXT_CHARS, model_bytes

PY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "py")


@pytest.fixture(scope="module")
def arrays():
    """The arrays of a good, small model file."""
    return good_arrays()


def hostile_files(arrays, folder):
    """{case: (path, words the refusal must contain)} for the files of issue 14, items 1-4."""
    files = {}

    def put(case, raw, words):
        path = folder / f"{case}.npz"
        path.write_bytes(raw)
        files[case] = (str(path), words)

    put("deep-config", archive({**arrays, "config": np.array(DEEP)}), "'config' declares 1.6 MB of data")
    put("deep-short-history", archive({**arrays, "history": np.array(DEEP_BUT_SHORT)}),
        "'history' is nested 400 levels deep")
    put("weights-3e38", archive({**arrays, **{key: np.full_like(value, 3e38) for key, value in arrays.items()
                                               if key.endswith(".W")}}),
        "the weights are so large that the network's outputs overflow")
    put("std-1e-300", archive({**arrays, "std": np.array(1e-300)}), "turns inputs into infinite numbers")
    put("huge-text-header", archive(arrays, replace={"config": npy_header("<U1000000000", ()) + bytes(1024)}),
        f"'config' declares text of 1000000000 characters; at most {MAX_TEXT_CHARS} characters are allowed there")
    put("2GB-text-header", archive(arrays, replace={"config": npy_header("<U500000000", ()) + bytes(1024)}),
        f"'config' declares text of 500000000 characters; at most {MAX_TEXT_CHARS} characters are allowed there")
    put("huge-float-header", archive(arrays, replace={"param/dense1.W": npy_header("<f8", (100000, 100000)) + bytes(1024)}),
        "'param/dense1.W' declares shape (100000, 100000) (80.0 GB)")
    put("huge-mean-header", archive(arrays, replace={"mean": npy_header("<f8", (100000, 100000)) + bytes(1024)}),
        "'mean' declares shape (100000, 100000)")
    put("object-header", archive(arrays, replace={"param/dense1.b": npy_header("|O", (16,)) + bytes(1024)}),
        "Python objects")
    files["extra-1GB-zeros"] = (model_with_zero_entry(folder / "extra1.npz", arrays, "zeros.npy", 1,
                                                      zeros_npy_header(1)),
                                "entries a model file does not have: 'zeros.npy'")
    files["extra-3GB-zeros"] = (model_with_zero_entry(folder / "extra3.npz", arrays, "zeros.npy", 3,
                                                      zeros_npy_header(3)),
                                "entries a model file does not have: 'zeros.npy'")
    files["3GB-weights"] = (model_with_zero_entry(folder / "weights3.npz", arrays, "param/dense1.W.npy", 3,
                                                  zeros_npy_header(3)),
                            "the file is 3.2 MB, more than its contents may need")
    # A zip bomb lying about its size: it declares exactly the weights its header describes, and
    # its stream inflates to a gigabyte.
    header = npy_header("<f8", (784, 16))
    files["lying-bomb"] = (model_with_zero_entry(folder / "bomb.npz", arrays, "param/dense1.W.npy", 1, header,
                                                 declared=len(header) + 784 * 16 * 8),
                           "more than its contents may need")
    # Issue 18: a small file whose examples are 1x2236x2236 images through one 64-filter convolution
    # (16 billion multiply-adds and 2.4 GB per example: 8.5 GB to load, before), and one whose first
    # dense layer would have 5e6 x 16 weights (allocated before the weight limit was checked).
    put("2236-pixel-conv", large_conv_model(), "one example needs about 15.9 billion multiply-adds and 2.4 GB")
    put("5M-input-dense", archive({**arrays, "sample_shape": np.array([2236, 2236])}),
        "the model is too large: the network would have over 5,000,000 weights")
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        for key, value in arrays.items():
            z.writestr(f"{key}.npy", npy(value))
        one = npy(np.zeros(4, np.float32))
        for i in range(20000):
            z.writestr(f"param/extra{i}.npy", one)
    put("20000-params", raw.getvalue(), f"holds {20000 + len(arrays)} entries; at most {MAX_ENTRIES} are allowed")
    return files


def large_conv_model():
    """A model file of a few KB for 1x2236x2236 images: conv:64:7 and three 4x4 poolings."""
    config = recipe("default", layers="conv:64:7,maxpool:4,maxpool:4,maxpool:4")
    net = Network.build(config, np.random.default_rng(0), 0.13, 0.31, (1, 2236, 2236), 10)
    net.state()["dense1.W"][...] = 0
    return model_bytes(net)


@pytest.fixture(scope="module")
def hostile(arrays, tmp_path_factory):
    return hostile_files(arrays, tmp_path_factory.mktemp("hostile"))


MEASURE = """
import json, sys, time
from scratchnet import ModelFileError, load_model

def peak_mb():  # this process's peak resident memory (ru_maxrss would include the parent's)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024

before = peak_mb()
started = time.perf_counter()
try:
    load_model(sys.argv[1])
    message = None
except ModelFileError as error:
    message = str(error)
seconds = time.perf_counter() - started
print(json.dumps({"message": message, "seconds": seconds, "peak_mb": peak_mb(), "before_mb": before}))
"""


def measure(path):
    """Loads `path` in a fresh Python: its refusal (or None), the time and peak memory."""
    env = {**os.environ, "PYTHONPATH": PY, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", MEASURE, path], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_hostile_files_are_refused_quickly_with_small_memory_and_the_right_reason(hostile):
    report = []
    for case, (path, words) in hostile.items():
        result = measure(path)
        report.append(f"{case}: {result['seconds'] * 1000:.0f} ms, peak {result['peak_mb']:.0f} MB "
                      f"(after import {result['before_mb']:.0f} MB): {result['message']}")
        assert result["message"] is not None, f"{case} was accepted"
        assert words in result["message"], f"{case}: {result['message']}"
        if words != "Python objects":
            assert "Python objects" not in result["message"], case
        assert len(result["message"]) <= 400, case
        assert result["seconds"] < 2.0, case
        assert result["peak_mb"] < 200 and result["peak_mb"] - result["before_mb"] < 50, case
    print("\n".join(report))


def test_a_valid_model_at_the_largest_architecture_loads_within_the_same_memory(tmp_path):
    config = recipe("default", hidden_sizes=[1024] * 4)
    net = Network.build(config, np.random.default_rng(1), 0.13, 0.31, (28, 28), 10)
    path = tmp_path / "largest.npz"
    path.write_bytes(model_bytes(net, {"epochs_trained": 1}))
    result = measure(str(path))
    assert result["message"] is None
    assert result["peak_mb"] < 200
    print(f"784-1024x4-10: loaded in {result['seconds'] * 1000:.0f} ms, peak {result['peak_mb']:.0f} MB")


@pytest.mark.parametrize("case", [
    "deep-config", "deep-short-history", "weights-3e38", "std-1e-300",
    "huge-text-header", "2GB-text-header", "huge-float-header", "huge-mean-header",
    "object-header", "extra-1GB-zeros", "extra-3GB-zeros", "3GB-weights",
    "lying-bomb", "20000-params", "2236-pixel-conv", "5M-input-dense"])
def test_evaluate_prints_a_clean_error_for_hostile_files(hostile, case):
    path, words = hostile[case]
    env = {**os.environ, "PYTHONPATH": PY, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "scratchnet", "evaluate", path], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and words in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


# --- item 4: many entries, short messages -----------------------------------------------------

def test_twenty_thousand_extra_params_are_refused_at_once_with_a_short_message(hostile, arrays):
    path, _ = hostile["20000-params"]
    started = time.perf_counter()
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert time.perf_counter() - started < 0.5
    assert str(caught.value) == f"the archive holds {20000 + len(arrays)} entries; at most {MAX_ENTRIES} are allowed"

