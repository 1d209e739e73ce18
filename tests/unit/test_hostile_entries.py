"""Hostile model files (issue 14, items 1, 2 and 4), one crafted entry or archive at a time, loaded
in this process: JSON nested too deep, .npy headers that lie or are not plain dicts, text with codes
that are not characters, entries holding more than they declare, oversized directories, duplicate,
unexpected and oddly named entries. Each is refused with the right words. The issue's whole set,
measured in a fresh Python and given to `evaluate`, is in test_hostile_files.py.
"""

import json
import struct
import zlib

import numpy as np
import pytest
from hostile_zips import DEEP, DEEP_BUT_SHORT, MAX_ENTRIES, MB, archive, deflated_exact, good_arrays, npy, npy_header, write_zip

from scratchnet import ModelFileError, load_model, recipe
from scratchnet.files.model_file import MAX_TEXT_CHARS, parse_model
from scratchnet.files.safe_npz import MAX_DIRECTORY_ENTRY_BYTES


@pytest.fixture(scope="module")
def arrays():
    """The arrays of a good, small model file."""
    return good_arrays()


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


# --- item 4: many entries, short messages -----------------------------------------------------

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
