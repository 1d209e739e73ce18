"""Builders of hostile model files for the tests of issue 14 (test_hostile_files.py,
test_hostile_entries.py, and in the page e2e/test_hostile_model_files.py): a good small model's
arrays, .npy entries and headers, zips written with zipfile or by hand (declaring any size and CRC,
streaming gigabyte entries without holding them). Not a test file: pytest does not collect it.
"""

import io
import struct
import zipfile
import zlib

import numpy as np

from scratchnet import Network, recipe
from scratchnet.files.model_file import MAX_PARAM_ENTRIES, entry_specs, model_bytes

# At most the small entries and a weight and a bias per layer a config can make.
MAX_ENTRIES = len(entry_specs()) + MAX_PARAM_ENTRIES
DEEP = "[" * 200000 + "]" * 200000           # the 400 KB of nesting
DEEP_BUT_SHORT = "[" * 400 + "]" * 400       # within the length limit: only the depth scan stops it
MB = 1 << 20


def good_arrays():
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

