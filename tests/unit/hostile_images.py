"""Builders of hostile image files for `predict` (issue 18), used by test_images.py (in process)
and test_hostile_images.py (the CLI in a fresh Python, measured): PNG bombs that inflate to
gigabytes from a megabyte or two, a large Paeth-filtered PNG, a PNG with a bad CRC, and .npy
files declaring 100000x100000 or holding NaN. Not a test file: pytest does not collect it.
"""

import struct
import zlib

import numpy as np
from hostile_zips import npy, npy_header

MB = 1 << 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind, body, crc=None):
    crc = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_file(width, height, idat, colour=0):
    """An 8-bit PNG of the given size (colour type `colour`) whose image data is `idat` (a zlib
    stream, whatever it inflates to)."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def zlib_zeros(megabytes):
    """A zlib stream of `megabytes` MB of zero bytes, built without holding them: after a full
    flush, deflate encodes each further megabyte of zeros to the very same bytes. About 1 KB of
    stream per MB."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(MB)
    first = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.flush(zlib.Z_FINISH)
    n = megabytes * MB
    adler = ((n % 65521) << 16) | 1  # Adler-32 of n zero bytes: A stays 1, B adds 1 per byte
    return b"\x78\xda" + first + again * (megabytes - 1) + end + struct.pack(">I", adler)


def bomb_png(width, height, megabytes):
    """A grayscale PNG declaring width x height whose image data inflates to `megabytes` MB of zeros."""
    return png_file(width, height, zlib_zeros(megabytes))


def paeth_png(gray):
    """A grayscale PNG of (H, W) uint8 `gray` with every row Paeth-filtered (vectorised, as an
    encoder would: the predictor comes from the original pixels)."""
    x = gray.astype(np.int16)
    a = np.pad(x, ((0, 0), (1, 0)))[:, :-1]        # left
    b = np.pad(x, ((1, 0), (0, 0)))[:-1, :]        # above
    c = np.pad(x, ((1, 0), (1, 0)))[:-1, :-1]      # above-left
    pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
    predicted = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    rows = np.concatenate([np.full((len(x), 1), 4), (x - predicted) % 256], axis=1).astype(np.uint8)
    return png_file(gray.shape[1], gray.shape[0], zlib.compress(rows.tobytes(), 9))


def drawn_digit(side, seed=0):
    """A (side, side) uint8 scan of a thick stroke (a '1') in dark ink on light, slightly noisy paper."""
    rng = np.random.default_rng(seed)
    paper = (240 + rng.integers(0, 3, (side, side))).astype(np.uint8)
    paper[side // 5:4 * side // 5, 9 * side // 20:11 * side // 20] = 20
    return paper


def with_bad_crc(raw, kind=b"IDAT"):
    """`raw` with the CRC of its first `kind` chunk changed."""
    at = raw.index(kind) - 4
    length = struct.unpack(">I", raw[at:at + 4])[0]
    crc_at = at + 8 + length
    return raw[:crc_at] + bytes([raw[crc_at] ^ 0xFF]) + raw[crc_at + 1:]


def npy_declaring(shape, descr="<f8"):
    """A tiny .npy file whose header declares `shape` (e.g. 100000x100000 doubles, 80 GB)."""
    return npy_header(descr, shape) + bytes(1024)


def npy_with(value):
    """A (28, 28) float64 .npy of a digit with one pixel set to `value` (NaN, inf...)."""
    digit = np.zeros((28, 28))
    digit[5:20, 12:15] = 1.0
    digit[0, 0] = value
    return npy(digit)
