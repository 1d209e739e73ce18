"""Reading digit images for `predict`: PNG (see png.py), binary PGM/PPM, and .npy arrays, with
limits, so that no file can make the command line hang or fill the memory.

Written with the standard library and NumPy alone, since the package depends on nothing else.
Each file is checked with os.stat before it is opened, and only a regular file of at most
MAX_FILE_BYTES is read (never a device such as /dev/zero, a named pipe or a folder), with a read
bounded by the size it had when opened, even if it grows meanwhile. An image's size (at most
png.MAX_PIXELS pixels) and an array's shape (at most MAX_ARRAY_VALUES values) are checked from
their headers, before any pixel is decoded or allocated; an array must hold finite numbers from
0 to 255.

Colour images become grayscale; transparency is composited onto white. The result is a 2-D
float array in [0, 1] where 1 is ink: images that look like black ink on white paper are
inverted to match MNIST. Every refusal is an ImageError (a ValueError) with a one-line reason.
"""

import io
import math
import os
import stat

import numpy as np

from scratchnet.files.png import PNG_SIGNATURE, ImageError, check_pixels, read_png
from scratchnet.files.safe_npz import KINDS, MAX_HEADER_BYTES, NpzError, read_npy_header
from scratchnet.plain_words import size_text

MAX_ARRAY_VALUES = 1 << 23  # 8,388,608 values: all 10,000 MNIST test digits (7.8 million) fit
MAX_FILE_BYTES = MAX_HEADER_BYTES + 8 * MAX_ARRAY_VALUES  # a .npy of that many float64 values: 67 MB
_NUMBERS = "biuf"  # true/false values, integers and floating-point numbers


def read_file(path, limit=MAX_FILE_BYTES):
    """The bytes of the regular file at `path`, of at most `limit` bytes; ImageError otherwise.
    Its type is checked before it is opened (opening a named pipe would wait for a writer),
    and again on the open file, in case the path was swapped in between."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ImageError("not a regular file (a folder, a device or a pipe): give an image file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # never waits for a pipe's writer
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ImageError("not a regular file (a folder, a device or a pipe): give an image file")
            if info.st_size > limit:
                raise ImageError(f"the file is {size_text(info.st_size)}; at most {size_text(limit)} is read")
            raw = f.read(info.st_size + 1)  # a byte more than its size, to notice a file still growing
    except OSError as error:
        raise ImageError(f"the file could not be read ({error.strerror or error})") from None
    if len(raw) > info.st_size:
        raise ImageError("the file holds more than its size says (it is still being written, "
                         "or it is not an ordinary file)")
    return raw


def read_pnm(raw):
    """Decodes a binary PGM (P5) or PPM (P6) to a (H, W, channels) uint8 array."""
    tokens, pos = [], 0
    while len(tokens) < 4:
        while pos < len(raw) and raw[pos:pos + 1].isspace():
            pos += 1
        if raw[pos:pos + 1] == b"#":
            pos = raw.find(b"\n", pos)
            if pos < 0:
                break
            continue
        start = pos
        while pos < len(raw) and not raw[pos:pos + 1].isspace():
            pos += 1
        if pos >= len(raw):
            break
        tokens.append(raw[start:pos])
    if len(tokens) < 4:
        raise ImageError("not an image file this reader knows (PNG, PGM or PPM), or a truncated one")
    if tokens[0] not in (b"P5", b"P6") or not all(t.isdigit() for t in tokens[1:]):
        raise ImageError("only 8-bit binary PGM (P5) and PPM (P6) files are supported")
    magic, width, height, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    if maxval != 255:
        raise ImageError("only 8-bit binary PGM (P5) and PPM (P6) files are supported")
    check_pixels(width, height)
    channels = 1 if magic == b"P5" else 3
    if len(raw) - (pos + 1) < width * height * channels:
        raise ImageError("the image file is truncated")
    data = np.frombuffer(raw, dtype=np.uint8, count=width * height * channels, offset=pos + 1)
    return data.reshape(height, width, channels)


def read_array(path, dtype=np.float32):
    """The numbers of a .npy file as an array of `dtype` in [0, 1] (values over 1 are taken as
    0-255 pixels and divided by 255). Its header is checked before anything is allocated: plain
    numbers, 2 or 3 dimensions, at most MAX_ARRAY_VALUES values, exactly the file's size."""
    raw = read_file(path)
    try:
        stored, shape, fortran_order, header_bytes = read_npy_header(os.path.basename(path), io.BytesIO(raw), 8)
    except NpzError as error:
        raise ImageError(str(error)) from None
    count = math.prod(shape)
    if stored.kind not in _NUMBERS:
        raise ImageError(f"the array holds {KINDS.get(stored.kind, str(stored))}; it must hold numbers")
    if len(shape) not in (2, 3) or count == 0:
        raise ImageError(f"the array has shape {shape}; expected (N, 28, 28), (N, 784) or one 2-D drawing")
    if count > MAX_ARRAY_VALUES:
        raise ImageError(f"the array declares shape {shape} ({count:,} values, {size_text(count * stored.itemsize)}); "
                         f"at most {MAX_ARRAY_VALUES:,} values are read")
    if header_bytes + count * stored.itemsize != len(raw):
        raise ImageError(f"the file is damaged: its header declares {shape} {stored}, which does not fit "
                         f"its {size_text(len(raw))}")
    values = np.frombuffer(raw, dtype=stored, count=count, offset=header_bytes)
    if stored.kind == "f" and not np.all(np.isfinite(values)):
        raise ImageError("the array holds NaN or infinite values; pixels are numbers from 0 to 1 (or 0 to 255)")
    low, high = values.min(), values.max()
    if low < 0 or high > 255:
        raise ImageError(f"the array holds values from {low:g} to {high:g}; "
                         "pixels are numbers from 0 to 1 (or 0 to 255)")
    array = values.reshape(shape, order="F" if fortran_order else "C").astype(dtype)
    return array / 255 if high > 1 else array


def to_ink(pixels):
    """(H, W, C) uint8 -> (H, W) ink in [0, 1], inverted if it looks like dark ink on light paper."""
    colours = pixels.shape[2] - (1 if pixels.shape[2] in (2, 4) else 0)
    gray = pixels[..., :colours].mean(axis=2)  # float64 (H, W), without a float copy of every channel
    gray /= 255
    if colours < pixels.shape[2]:  # composite transparency onto white
        alpha = pixels[..., -1] / 255
        gray *= alpha
        gray += 1 - alpha
    return 1 - gray if np.median(gray) > 0.5 else gray


def read_image(path):
    """A 2-D ink array in [0, 1] from a .png, .pgm/.ppm or .npy file."""
    if path.lower().endswith(".npy"):
        array = read_array(path, np.float64)
        if array.ndim != 2:
            raise ImageError(f"expected one 2-D drawing, got shape {array.shape}")
        return array
    raw = read_file(path)
    decoded = read_png(raw) if raw.startswith(PNG_SIGNATURE) else read_pnm(raw)
    return to_ink(decoded)
