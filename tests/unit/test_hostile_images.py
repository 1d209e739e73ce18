"""Hostile images for `python -m scratchnet predict` (issue 18): PNG bombs, a large Paeth-filtered
PNG, /dev/zero, a named pipe, an 8 GB sparse file, a folder, a .npy declaring 100000x100000,
NaN and infinity, a bad CRC. Each runs the real CLI in a fresh Python, measured: it must end with
exit status 2 and one line on stderr naming the file and the reason (the Paeth PNG within the
pixel limit is read, and predicted), with a peak resident memory under 200 MB.

The CLI runs under a wrapper that caps its address space (RLIMIT_AS, so that a regression fails
fast instead of taking the machine's memory) and reads its peak resident size from
getrusage(RUSAGE_CHILDREN) (Linux and macOS). Wall time is printed, and only bounded by a
generous hang guard: the machine running the tests may be busy.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hostile_images import bomb_png, drawn_digit, npy_declaring, npy_with, paeth_png, with_bad_crc

from scratchnet import Network, recipe, save_model

resource = pytest.importorskip("resource")

PY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "py")
ADDRESS_SPACE = 400 << 20  # NumPy and OpenBLAS (one thread) reserve about 110 MB of it
PEAK_MB = 200
HANG_GUARD_S = 10

WRAPPER = """
import json, resource, subprocess, sys, time
limit, timeout, command = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
started = time.perf_counter()
try:
    done = subprocess.run(command, capture_output=True, text=True, preexec_fn=cap, timeout=timeout)
    result = {"status": done.returncode, "out": done.stdout, "err": done.stderr}
except subprocess.TimeoutExpired:
    result = {"status": None, "out": "", "err": "timed out"}
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
result["peak_mb"] = peak / (1 << 20 if sys.platform == "darwin" else 1024)
result["seconds"] = time.perf_counter() - started
print(json.dumps(result))
"""


def predict(model, path):
    """The CLI's `predict` of one file in a fresh, capped Python: status, stdout, stderr, peak, seconds."""
    env = {**os.environ, "PYTHONPATH": PY, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(ADDRESS_SPACE), str(HANG_GUARD_S),
                           sys.executable, "-m", "scratchnet", "predict", model, path],
                          capture_output=True, text=True, env=env, timeout=4 * HANG_GUARD_S)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    net = Network.build(recipe("default", hidden_sizes=[16]), np.random.default_rng(0), 0.13, 0.31, (28, 28), 10)
    path = tmp_path_factory.mktemp("model") / "model.npz"
    save_model(net, str(path))
    return str(path)


def hostile_images(folder):
    """{case: (path, words the one-line refusal must contain)}."""
    cases = {}

    def put(case, name, raw, words):
        path = folder / name
        path.write_bytes(raw)
        cases[case] = (str(path), words)

    put("png-bomb-40000px", "bomb.png", bomb_png(40000, 40000, 1500),
        "the image is 40000x40000 pixels (1600.0 million); at most 4.2 million are read")
    put("png-bomb-lying-size", "liar.png", bomb_png(64, 64, 1500),
        "the PNG image data inflates to more than its size in pixels needs")
    put("paeth-3000px", "paeth-big.png", paeth_png(np.full((3000, 3000), 240, np.uint8)),
        "the image is 3000x3000 pixels")
    put("png-bad-crc", "crc.png", with_bad_crc(paeth_png(drawn_digit(56))),
        "the checksum of its 'IDAT' chunk does not match")
    put("npy-100000x100000", "huge.npy", npy_declaring((100000, 100000)),
        "declares shape (100000, 100000) (10,000,000,000 values, 80.0 GB)")
    put("npy-nan", "nan.npy", npy_with(np.nan), "holds NaN or infinite values")
    put("npy-inf", "inf.npy", npy_with(np.inf), "holds NaN or infinite values")
    put("npy-1e300", "big.npy", npy_with(1e300), "holds values from 0 to 1e+300")
    sparse = folder / "sparse.png"
    with open(sparse, "wb") as f:
        f.truncate(8 * 10**9)  # 8 GB that take no disk
    cases["sparse-8GB"] = (str(sparse), "the file is 8.0 GB; at most 67.1 MB is read")
    pipe = folder / "pipe.png"
    os.mkfifo(pipe)  # no writer ever comes: opening it for reading would wait for ever
    cases["named-pipe"] = (str(pipe), "not a regular file (a folder, a device or a pipe)")
    cases["folder"] = (str(folder), "not a regular file (a folder, a device or a pipe)")
    if os.path.exists("/dev/zero"):
        cases["dev-zero"] = ("/dev/zero", "not a regular file (a folder, a device or a pipe)")
    return cases


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_images(tmp_path_factory.mktemp("hostile-images"))


CASES = ["png-bomb-40000px", "png-bomb-lying-size", "paeth-3000px", "png-bad-crc", "npy-100000x100000",
         "npy-nan", "npy-inf", "npy-1e300", "sparse-8GB", "named-pipe", "folder", "dev-zero"]


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_image_ends_at_once_with_one_line_exit_status_2_and_little_memory(model, hostile, case):
    assert case in hostile, f"{case} could not be made on this system (it needs a POSIX file system)"
    path, words = hostile[case]
    result = predict(model, path)
    print(f"{case}: {result['seconds'] * 1000:.0f} ms, peak {result['peak_mb']:.0f} MB: {result['err'].strip()}")
    assert result["status"] == 2, result
    assert result["out"] == "" and result["err"].count("\n") == 1, result
    assert result["err"].startswith(f"{path}: ") and words in result["err"], result
    assert result["peak_mb"] < PEAK_MB, result
    assert result["seconds"] < HANG_GUARD_S


def test_a_large_paeth_filtered_png_within_the_limit_is_read_quickly_with_little_memory(model, tmp_path):
    path = tmp_path / "paeth.png"
    path.write_bytes(paeth_png(drawn_digit(1448)))  # 2.1 million pixels, every row Paeth-filtered
    result = predict(model, str(path))
    print(f"paeth-1448px ({path.stat().st_size / 1e3:.0f} KB): {result['seconds'] * 1000:.0f} ms, "
          f"peak {result['peak_mb']:.0f} MB: {result['out'].strip()}")
    assert result["status"] == 0 and result["err"] == "", result
    assert result["out"].startswith(f"{path}: ") and result["out"].endswith("% sure)\n"), result
    assert result["peak_mb"] < PEAK_MB, result
    assert result["seconds"] < HANG_GUARD_S
