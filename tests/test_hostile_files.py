"""Hostile model files (issue 14, items 1, 2 and 4): small files that would overflow the stack
or ask for gigabytes. Each is built here, in memory or in tmp_path, and must be refused quickly,
with small memory and a correct plain-words reason; natively, `evaluate` prints it cleanly.

Memory is measured in a fresh Python per file (its peak resident size, VmHWM, so Linux only),
since a test process that has already loaded MNIST says nothing about one load.
"""

import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib

import numpy as np
import pytest

from scratchnet import ModelFileError, Network, load_model, recipe
from scratchnet.modelfile import MAX_PARAM_ENTRIES, MAX_TEXT_CHARS, entry_specs, model_bytes, parse_model
from scratchnet.safe_npz import MAX_DIRECTORY_ENTRY_BYTES

# At most the small entries and a weight and a bias per layer a config can make.
MAX_ENTRIES = len(entry_specs()) + MAX_PARAM_ENTRIES

PY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "py")
DEEP = "[" * 200000 + "]" * 200000           # the 400 KB of nesting
DEEP_BUT_SHORT = "[" * 400 + "]" * 400       # within the length limit: only the depth scan stops it
MB = 1 << 20


@pytest.fixture(scope="module")
def arrays():
    """The arrays of a good, small model file."""
    net = Network.build(recipe("default", hidden_sizes=[16]), np.random.default_rng(0), 0.13, 0.31, (28, 28), 10)
    with np.load(io.BytesIO(model_bytes(net, {"epochs_trained": 2, "test_accuracy": 0.9})),
                 allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(descr, shape):
    """A .npy header declaring `descr` and `shape`, whatever follows it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def archive(arrays, extra=None, replace=None):
    """Bytes of a zip holding `arrays` as .npy entries (deflated), with some entries' contents
    replaced by raw bytes (`replace`) and raw entries added (`extra`), both {name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for key, value in arrays.items():
            z.writestr(f"{key}.npy", (replace or {}).get(key, npy(value)) if value is not None else b"")
        for name, raw in (extra or {}).items():
            z.writestr(name, raw)
    return buffer.getvalue()


def deflated(prefix, zero_megabytes):
    """(raw deflate pieces as (bytes, times), uncompressed size, CRC) of `prefix` followed by
    zero bytes, without ever holding them: after a full flush, deflate encodes each further
    megabyte of zeros to the very same bytes."""
    zeros = bytes(MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(prefix + zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH) == block
    crc = zlib.crc32(prefix + zeros)
    for _ in range(zero_megabytes - 1):
        crc = zlib.crc32(zeros, crc)
    return [(first, 1), (block, zero_megabytes - 1), (compressor.flush(), 1)], len(prefix) + zero_megabytes * MB, crc


def write_zip(f, entries):
    """Writes a zip by hand: entries are (name, deflate pieces, declared size, CRC). Unlike
    zipfile, it writes whatever size and CRC it is told, and streams gigabyte entries."""
    directory = b""
    for name, pieces, size, crc in entries:
        name, offset = name.encode(), f.tell()
        packed = sum(len(piece) * times for piece, times in pieces)
        f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 33, crc, packed, size, len(name), 0) + name)
        for piece, times in pieces:
            for _ in range(times):
                f.write(piece)
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 33, crc, packed, size,
                                 len(name), 0, 0, 0, 0, 0, offset) + name
    start = f.tell()
    f.write(directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                                    len(directory), start, 0))


def model_with_zero_entry(path, arrays, name, gigabytes, prefix=b"", declared=None):
    """A valid model's entries plus (or with entry `name` replaced by) an entry of `prefix`
    followed by `gigabytes` of zeros, declaring its true size or `declared`."""
    entries = [(f"{key}.npy", *deflated_exact(npy(value))) for key, value in arrays.items()
               if f"{key}.npy" != name]
    pieces, size, crc = deflated(prefix, int(gigabytes * 1024))
    entries.append((name, pieces, size if declared is None else declared, crc))
    with open(path, "wb") as f:
        write_zip(f, entries)
    return str(path)


def zeros_npy_header(gigabytes):
    return npy_header("<f8", (int(gigabytes * 1024) * MB // 8,))


def deflated_exact(raw):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return [(compressor.compress(raw) + compressor.flush(), 1)], len(raw), zlib.crc32(raw)


# --- item 1: nesting -------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["config", "history"])
@pytest.mark.parametrize("text,reason", [(DEEP, "characters long"), (DEEP_BUT_SHORT, "nested 400 levels deep")],
                         ids=["issue-400KB", "short-but-deep"])
def test_deeply_nested_json_is_refused_before_parsing(arrays, key, text, reason):
    raw = archive({**arrays, key: np.array(text)})
    for load in (lambda: load_model(raw), lambda: parse_model({**arrays, key: np.array(text)})):
        with pytest.raises(ModelFileError) as caught:  # not RecursionError
            load()
        assert key in str(caught.value) and (reason in str(caught.value) or "at most" in str(caught.value))


def test_nesting_inside_strings_is_not_counted(arrays):
    loaded = load_model(archive({**arrays, "history": np.array(json.dumps({"note": "[[[[[[[[[[", "epochs_trained": 2}))}))
    assert loaded.history == {"epochs_trained": 2}


def test_text_limit_is_derived_from_the_schema_and_fits_the_widest_config(arrays):
    widest = recipe("default", hidden_sizes=[1024] * 4, learning_rate=1.2345678901234567e-05,
                    momentum=0.12345678901234567, weight_decay=0.12345678901234567)
    assert len(json.dumps(widest)) < MAX_TEXT_CHARS < 4096
    raw = archive({**arrays, "config": np.array(json.dumps(widest, indent=2))})
    with pytest.raises(ModelFileError, match="weights do not match the architecture 784-1024-1024-1024-1024-10"):
        load_model(raw)  # the settings were read; the (small) weights are what does not fit


# --- item 2: sizes declared before anything is allocated --------------------------------------

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
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        for key, value in arrays.items():
            z.writestr(f"{key}.npy", npy(value))
        one = npy(np.zeros(4, np.float32))
        for i in range(20000):
            z.writestr(f"param/extra{i}.npy", one)
    put("20000-params", raw.getvalue(), f"holds {20000 + len(arrays)} entries; at most {MAX_ENTRIES} are allowed")
    return files


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


def test_an_entry_holding_more_than_it_declares_is_refused_even_with_a_matching_crc(arrays, tmp_path):
    # The CRC covers only the declared bytes: zipfile alone would stop there and accept it.
    good = npy(arrays["param/dense1.b"])
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = compressor.compress(good + bytes(MB)) + compressor.flush()
    entries = [(f"{key}.npy", *deflated_exact(npy(value))) for key, value in arrays.items() if key != "param/dense1.b"]
    entries.append(("param/dense1.b.npy", [(stream, 1)], len(good), zlib.crc32(good)))
    with open(tmp_path / "more.npz", "wb") as f:
        write_zip(f, entries)
    with pytest.raises(ModelFileError, match="damaged|more"):
        load_model(str(tmp_path / "more.npz"))


def test_header_that_disagrees_with_the_entry_size_is_refused_before_reading(arrays):
    raw = archive(arrays, replace={"param/dense1.W": npy_header("<f4", (784, 16)) + bytes(1024)})
    with pytest.raises(ModelFileError, match="damaged: its header declares"):
        load_model(raw)


def raw_header(text):
    """A .npy 1.0 header holding `text`, whatever it is."""
    text = text.encode("latin1") + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


@pytest.mark.parametrize("text", ["-" * 3000 + "1", "{'descr': '<f8', 'fortran_order': False, 'shape': (" + "-" * 3000 + "1,)}",
                                  "(" * 150 + ")" * 150, "not python", "{'descr': '<f8'}"],
                         ids=["minus-signs", "minus-signs-in-shape", "parentheses", "not-a-literal", "incomplete"])
def test_headers_that_are_not_plain_dicts_are_refused_without_recursion_errors(arrays, text):
    raw = archive(arrays, replace={"config": raw_header(text) + bytes(100)})
    with pytest.raises(ModelFileError, match="'config' is not a readable NumPy array"):
        load_model(raw)


@pytest.mark.parametrize("code", [0xFFFFFFFF, 0x110000, 0xD800], ids=["ffffffff", "beyond-unicode", "surrogate"])
def test_text_with_codes_that_are_not_characters_is_refused(arrays, code):
    # NumPy makes a str of any UCS-4 codes; printing one (the CLI's error line) would then fail.
    text = np.frombuffer(struct.pack("<4I", ord("{"), code, ord("}"), 0), "<U4").reshape(())
    for key in ("config", "history"):
        with pytest.raises(ModelFileError, match=f"'{key}' holds codes that are not characters"):
            load_model(archive({**arrays, key: text}))


def test_a_directory_larger_than_its_entries_need_is_refused(arrays):
    long_names = {c * 60000 + ".npy": b"" for c in "xyz"}  # three entries whose names are longer than all may be
    assert 180000 > MAX_ENTRIES * MAX_DIRECTORY_ENTRY_BYTES
    raw = archive(arrays, extra=long_names)
    with pytest.raises(ModelFileError, match="the archive.s directory is .* KB; at most .* KB is allowed"):
        load_model(raw)


def test_duplicate_and_unexpected_entries_are_refused(arrays):
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name it writes
        raw = archive(arrays, extra={"config.npy": npy(np.array("{}"))})
    with pytest.raises(ModelFileError, match="'config' twice"):
        load_model(raw)
    with pytest.raises(ModelFileError, match="does not have: 'notes.txt'"):
        load_model(archive(arrays, extra={"notes.txt": b"hello"}))


@pytest.mark.parametrize("case", ["deep-config", "deep-short-history", "weights-3e38", "std-1e-300", "huge-text-header", "2GB-text-header", "huge-float-header", "huge-mean-header",
                                  "object-header", "extra-1GB-zeros", "extra-3GB-zeros", "3GB-weights",
                                  "lying-bomb", "20000-params"])
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


def test_names_and_settings_from_the_file_are_escaped_in_messages(arrays):
    message = str(pytest.raises(ModelFileError, load_model, archive(arrays, extra={"a\nb\u202e.npy": b""})).value)
    assert "'a\\nb\\u202e.npy'" in message and "\n" not in message
    config = np.array(json.dumps({"\nerror: all fine\u202e": 1}))
    message = str(pytest.raises(ModelFileError, load_model, archive({**arrays, "config": config})).value)
    assert "\\nerror: all fine\\u202e: is not a setting" in message and "\n" not in message


def test_unexpected_names_are_listed_five_at_most(arrays):
    extra = {f"note{i}-{'x' * 100}.txt": b"" for i in range(6)}
    message = str(pytest.raises(ModelFileError, load_model, archive(arrays, extra=extra)).value)
    assert message.count("'note") == 5 and message.endswith(" and 1 more")
    assert "x" * 50 not in message  # long names are shortened
