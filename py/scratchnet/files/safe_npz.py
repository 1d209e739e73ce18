"""Reading a .npz archive (NumPy's zip of .npy files) with limits, validating before allocating.

np.load trusts what an archive declares: it decompresses whatever an entry holds and allocates
whatever dtype and shape a .npy header asks for, so a 2 KB file can ask for gigabytes. Here each
step is checked before the next costs anything:

  1. the file's size, and the zip's end record (how many entries, how big the directory), read
     from its last bytes before zipfile parses the directory;
  2. the directory: each expected entry's compression and declared uncompressed size;
  3. an entry's .npy header alone (dtype, shape) against the caller's ArraySpec, and against the
     entry's declared size;
  4. only then its data, never more bytes than declared: a stream that holds more (a zip bomb
     lying about its size), a bad CRC or a truncated stream is refused.

Entries the caller's specs do not name are never read. Arrays come back read-only (views of the
bytes read). Step 3's header reading, read_npy_header, serves lone .npy files too (images.py). Left
out: writing, memory mapping, object arrays (always refused, never unpickled),
and .npy format 3.0 (only needed for structured dtypes, which no spec here allows).
"""

import ast
import contextlib
import copy
import io
import math
import os
import re
import struct
import zipfile
import zlib
from typing import NamedTuple

import numpy as np
from numpy.lib import format as npy

from scratchnet.plain_words import quote, shorten, size_text

MAX_HEADER_BYTES = 4096          # np.save writes about 128 bytes of header for a plain array
MAX_DIRECTORY_ENTRY_BYTES = 1024  # a directory record: 46 bytes, the name, zip64 extras
KINDS = {"f": "floating-point numbers", "i": "integers", "u": "integers", "U": "text",
         "b": "true/false values", "c": "complex numbers", "S": "bytes", "V": "raw records",
         "M": "dates", "m": "time spans"}
_END = struct.Struct("<4s4H2LH")           # end of central directory record
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, OSError)  # what a damaged zip stream raises


class NpzError(ValueError):
    """An archive that is refused, with the reason in plain words."""


class ArraySpec(NamedTuple):
    """What one entry may hold: dtype kinds (e.g. "f" or "U"), the largest shape (its length is
    the number of dimensions required; each dimension at most that) and the largest item size."""
    kinds: str
    max_shape: tuple
    max_itemsize: int

    @property
    def max_bytes(self):
        return math.prod(self.max_shape) * self.max_itemsize


def _what(spec):
    return " or ".join(dict.fromkeys(KINDS.get(kind, kind) for kind in spec.kinds))


def _declared_item(name, text):
    """(kind, item size in bytes) that a .npy header's plain descr (e.g. '<f8', '<U12') declares,
    read from its text, or None for other descrs: NumPy on 32-bit platforms (Pyodide) wraps
    sizes over 2 GB. Refuses a header that is not a dict literal (NumPy requires one, and its
    parser lets the RecursionError of, say, 3,000 nested minus signs escape)."""
    try:
        header = ast.literal_eval(text.decode("latin1"))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        header = None
    if not isinstance(header, dict):
        raise NpzError(f"{quote(name)} is not a readable NumPy array (its .npy header is not a dict)")
    descr = header.get("descr")
    match = re.fullmatch(r"[<>|=]?([A-Za-z])(\d+)", descr) if isinstance(descr, str) else None
    return (match[1], int(match[2]) * (4 if match[1] == "U" else 1)) if match else None


def _itemsize_error(name, kind, itemsize, max_itemsize):
    if kind == "U":
        return (f"{quote(name)} declares text of {itemsize // 4} characters; "
                f"at most {max_itemsize // 4} characters are allowed there")
    return f"{quote(name)} declares {itemsize}-byte items; at most {max_itemsize}-byte items are allowed there"


def read_npy_header(name, stream, max_itemsize):
    """(dtype, shape, fortran_order, header bytes) of the .npy header at the start of `stream`
    (an archive's entry or a .npy file), read without NumPy allocating anything: .npy format 1.0
    or 2.0, a header of at most MAX_HEADER_BYTES holding a plain dict, items of at most
    `max_itemsize` bytes (checked on the header's text, before NumPy makes a dtype of it), and no
    Python objects. Raises NpzError naming `name`."""
    try:
        version = npy.read_magic(stream)
        if version not in ((1, 0), (2, 0)):
            raise NpzError(f"{quote(name)} is in .npy format {version[0]}.{version[1]}, not 1.0 or 2.0")
        length_format = "<H" if version == (1, 0) else "<I"
        prefix = stream.read(struct.calcsize(length_format))
        length = struct.unpack(length_format, prefix)[0] if len(prefix) == struct.calcsize(length_format) else 0
        if not 0 < length <= MAX_HEADER_BYTES:
            raise NpzError(f"{quote(name)} has a .npy header of {length} bytes; "
                           f"at most {MAX_HEADER_BYTES} are allowed")
        text = stream.read(length)
        declared = _declared_item(name, text)
        if declared and declared[1] > max_itemsize:
            raise NpzError(_itemsize_error(name, *declared, max_itemsize))
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran_order, dtype = read(io.BytesIO(prefix + text), max_header_size=MAX_HEADER_BYTES)
    except NpzError:
        raise
    except (ValueError, RecursionError) as error:  # not .npy, or a header NumPy refuses
        raise NpzError(f"{quote(name)} is not a readable NumPy array (.npy: {shorten(error, 80)})") from None
    if dtype.hasobject:
        raise NpzError(f"{quote(name)} holds something other than plain numbers and text (for safety, "
                       "Python objects are never loaded: unpickling them could run code)")
    return dtype, shape, fortran_order, 8 + len(prefix) + length  # 8: the magic string and version


def max_file_bytes(specs):
    """The largest archive that `specs` can justify: all data at its limit, deflate's worst-case
    growth (a few bytes per 16 KB block), every entry's headers, and the longest zip comment."""
    data = sum(MAX_HEADER_BYTES + spec.max_bytes for spec in specs.values())
    return data + data // 100 + len(specs) * 3 * MAX_DIRECTORY_ENTRY_BYTES + _END.size + 65535


def _end_record(f, start, end):
    """(entries, directory bytes) as the zip's end record declares them, found the way zipfile
    finds it (at the very end, else the last signature in the final 64 KB)."""
    tail_start = max(start, end - _END.size - 65535)
    f.seek(tail_start)
    tail = f.read(end - tail_start)
    at = len(tail) - _END.size
    if at < 0 or tail[at:at + 4] != b"PK\x05\x06":
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END.size > len(tail):
        raise NpzError("the file is damaged or truncated (not a complete .npz archive)")
    _, _, _, _, entries, directory, offset, _ = _END.unpack_from(tail, at)
    if entries == 0xFFFF or directory == 0xFFFFFFFF or offset == 0xFFFFFFFF:  # zip64: read further
        locator = tail_start + at - _END64_LOCATOR.size
        record = locator - _END64.size
        f.seek(max(locator, start))
        if locator >= start and f.read(4) == b"PK\x06\x07":
            f.seek(max(record, start))
            fields = f.read(_END64.size)
            if record < start or fields[:4] != b"PK\x06\x06":
                raise NpzError("the file is damaged or truncated (not a complete .npz archive)")
            entries, directory = _END64.unpack(fields)[7:9]
    f.seek(start)
    return entries, directory


class NpzReader:
    """An archive whose directory has been checked against `specs` ({entry name: ArraySpec},
    names without ".npy"); read its entries one at a time with header() and read().

    source: a path, bytes, or a binary file object. `names` lists the expected entries present;
    `unexpected` the archive's other entries (never read: refusing them is the caller's call).
    `others` allows that many entries beyond the specs, holding at most `others_bytes` in all
    (for a first look at an archive whose other entries' specs depend on what it says).
    Use as a context manager, or call close().
    """

    def __init__(self, source, specs, others=0, others_bytes=0):
        self.specs, self._owned, self._others = specs, None, others
        limit = max_file_bytes(specs) + others_bytes + others * 3 * MAX_DIRECTORY_ENTRY_BYTES
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = io.BytesIO(bytes(source))
        elif isinstance(source, (str, os.PathLike)):
            try:
                source = self._owned = open(source, "rb")
            except OSError as error:
                raise NpzError(f"the file could not be read ({error.strerror or error})") from None
        elif not source.seekable():
            source = io.BytesIO(source.read(limit + 1))
        try:
            self._open(source, limit)
        except BaseException:
            self.close()
            raise

    def _open(self, f, limit):
        start = f.tell()
        if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise NpzError("this is not a .npz file (a zip archive of NumPy arrays)")
        end = f.seek(0, io.SEEK_END)
        f.seek(start)
        if end - start > limit:
            raise NpzError(f"the file is {size_text(end - start)}, more than its contents may need "
                           f"({size_text(limit)} at most)")
        entries, directory = _end_record(f, start, end)
        allowed = len(self.specs) + self._others
        if entries > allowed:
            raise NpzError(f"the archive holds {entries} entries; at most {allowed} are allowed")
        if directory > allowed * MAX_DIRECTORY_ENTRY_BYTES:
            raise NpzError(f"the archive's directory is {size_text(directory)}; at most "
                           f"{size_text(allowed * MAX_DIRECTORY_ENTRY_BYTES)} is allowed")
        try:
            self._zip = zipfile.ZipFile(f)
        except (*_BROKEN, ValueError):
            raise NpzError("the file is damaged or truncated (not a complete .npz archive)") from None
        infos = self._zip.infolist()
        if len(infos) > allowed:
            raise NpzError(f"the archive holds {len(infos)} entries; at most {allowed} are allowed")
        self._infos, self.unexpected = {}, []
        for info in infos:
            name = info.filename[:-4] if info.filename.endswith(".npy") else None
            if name not in self.specs:
                self.unexpected.append(info.filename)
            elif name in self._infos:
                raise NpzError(f"the archive holds {quote(name)} twice")
            else:
                self._infos[name] = info
        for name, info in self._infos.items():
            most = MAX_HEADER_BYTES + self.specs[name].max_bytes
            if info.flag_bits & 0x1:
                raise NpzError(f"{quote(name)} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise NpzError(f"{quote(name)} is compressed with a method other than deflate")
            if info.file_size > most:
                raise NpzError(f"{quote(name)} declares {size_text(info.file_size)} of data; "
                               f"at most {size_text(most)} is allowed there")
        self.names = list(self._infos)

    def close(self):
        if getattr(self, "_zip", None) is not None:
            self._zip.close()
        if self._owned is not None:
            self._owned.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _stream(self, name):
        # One byte more than declared, so that a stream holding more than its entry says is
        # noticed (zipfile would silently stop at the declared size).
        info = copy.copy(self._infos[name])
        info.file_size += 1
        return self._zip.open(info)

    def _header(self, name, stream):
        """(dtype, shape, fortran_order) from the .npy header at the stream's start, checked
        against the entry's spec and declared size."""
        spec, info = self.specs[name], self._infos[name]
        dtype, shape, fortran_order, header_bytes = read_npy_header(name, stream, spec.max_itemsize)
        if dtype.kind not in spec.kinds:
            raise NpzError(f"{quote(name)} holds {KINDS.get(dtype.kind, str(dtype))}; it must hold {_what(spec)}")
        if not 0 < dtype.itemsize <= spec.max_itemsize:
            raise NpzError(_itemsize_error(name, dtype.kind, dtype.itemsize, spec.max_itemsize))
        if len(shape) != len(spec.max_shape) or any(n > most for n, most in zip(shape, spec.max_shape)):
            largest = "a single value" if not spec.max_shape else f"at most {spec.max_shape}"
            raise NpzError(f"{quote(name)} declares shape {shape} "
                           f"({size_text(math.prod(shape) * dtype.itemsize)}); it must be {largest}")
        if header_bytes + math.prod(shape) * dtype.itemsize != info.file_size:
            raise NpzError(f"{quote(name)} is damaged: its header declares {shape} {dtype}, which does not "
                           f"fit the entry's {size_text(info.file_size)}")
        return dtype, shape, fortran_order

    def header(self, name):
        """(dtype, shape) of entry `name`, from its header alone, checked against its spec."""
        with self._opened(name) as stream:
            return self._header(name, stream)[:2]

    def read(self, name):
        """Entry `name` as a read-only array, after its header passed; raises NpzError."""
        with self._opened(name) as stream:
            dtype, shape, fortran_order = self._header(name, stream)
            count = math.prod(shape)
            data = stream.read(count * dtype.itemsize + 1)
            if len(data) != count * dtype.itemsize:
                raise NpzError(f"{quote(name)} is damaged: it does not hold the "
                               f"{size_text(count * dtype.itemsize)} its header declares")
        array = np.frombuffer(data, dtype=dtype, count=count)
        return array.reshape(shape, order="F" if fortran_order else "C")

    @contextlib.contextmanager
    def _opened(self, name):
        """Entry `name`'s stream; a broken zip stream becomes an NpzError."""
        try:
            stream = self._stream(name)
        except (*_BROKEN, ValueError):
            raise NpzError(f"the file is damaged or truncated ({quote(name)} cannot be opened)") from None
        try:
            with stream:
                yield stream
        except _BROKEN:
            raise NpzError(f"the file is damaged or truncated ({quote(name)} does not decompress "
                           "to what it declares)") from None
