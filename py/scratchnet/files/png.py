"""Decoding PNG files (8-bit, non-interlaced: grayscale, gray+alpha, RGB, RGBA) for `predict`,
with the standard library's zlib and NumPy alone, and with limits checked before each step costs
anything:

  1. every chunk's CRC (at most MAX_CHUNKS chunks), and the header's size: at most MAX_PIXELS
     pixels, before any image data is inflated;
  2. the image data is inflated to exactly the size the header implies, never more (a stream
     that holds more, a "zip bomb", is refused after that many bytes);
  3. the row filters are undone with NumPy operations along the image's anti-diagonals, not a
     Python loop per pixel (see unfilter).

Left out: bit depths other than 8, palettes, interlacing, colour management. Every refusal is
an ImageError (a ValueError) with a plain reason.
"""

import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 1 << 22  # 4,194,304 pixels, e.g. 2048x2048: far more than a digit needs
MAX_CHUNKS = 1 << 16  # encoders split the image data into chunks of 8 KB or more: 2,000 at most here
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


class ImageError(ValueError):
    """An image file that cannot be read, with the reason in plain words (one line)."""


def check_pixels(width, height):
    """Refuses an image of more than MAX_PIXELS pixels (or of none), before it is decoded."""
    if width < 1 or height < 1:
        raise ImageError(f"the image is {width}x{height} pixels: it holds no pixels")
    if width * height > MAX_PIXELS:
        raise ImageError(f"the image is {width}x{height} pixels ({width * height / 1e6:.1f} million); "
                         f"at most {MAX_PIXELS / 1e6:.1f} million are read: scale it down")


def _chunks(raw):
    """(kind, body) of each chunk up to IEND, every CRC checked; at most MAX_CHUNKS of them."""
    pos = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if pos + 8 > len(raw):
            return
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + length]
        crc = raw[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise ImageError("the PNG file is truncated")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise ImageError(f"the PNG file is damaged (the checksum of its {kind.decode('latin1')!r} "
                             "chunk does not match)")
        pos += 12 + length
        yield kind, body
        if kind == b"IEND":
            return
    raise ImageError(f"the PNG file holds more than {MAX_CHUNKS:,} chunks")


def _inflate(idat, size):
    """The image data inflated to exactly `size` bytes: a stream that holds more is refused after
    size + 1 bytes, whatever it would inflate to; fewer, or a damaged stream, is refused too."""
    inflater = zlib.decompressobj()
    try:
        pixels = inflater.decompress(b"".join(idat), size + 1)
    except zlib.error:
        raise ImageError("the PNG image data is damaged or truncated") from None
    if len(pixels) > size:
        raise ImageError("the PNG image data inflates to more than its size in pixels needs")
    if len(pixels) < size:
        raise ImageError("the PNG image data does not match its size")
    if not inflater.eof:
        raise ImageError("the PNG image data is damaged or truncated")
    return pixels


def _paeth(a, b, c):
    """PNG's Paeth predictor, element-wise (int16 arrays): whichever of a, b, c is nearest a + b - c."""
    pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def unfilter(data, height, width, bpp):
    """Reverses PNG's per-row filters (None, Sub, Up, Average, Paeth) of `data`: `height` rows,
    each a filter-type byte then width * bpp bytes. Returns (height, width, bpp) uint8.

    Each pixel is predicted from the one on its left (a), above (b) and above-left (c), which are
    decoded already when pixels are taken one anti-diagonal (r + column = constant) at a time: so
    height + width - 1 NumPy steps, each on a whole diagonal, in a skewed copy where pixel (r, c)
    sits at S[r + 1, r + c + 2] and a diagonal is one column (zeros stand for what lies outside).
    """
    rows = np.frombuffer(data, dtype=np.uint8).reshape(height, 1 + width * bpp)
    kinds = rows[:, 0].astype(np.intp)
    if kinds.max() > 4:
        raise ImageError(f"the PNG image data uses an unknown row filter ({int(kinds.max())})")
    length = height + width + 2
    skewed = np.zeros((height + 1, length, bpp), dtype=np.uint8)
    step = skewed.strides
    pixels = np.lib.stride_tricks.as_strided(skewed[1:, 2:], shape=(height, width, bpp),
                                             strides=(step[0] + step[1], step[1], step[2]))
    pixels[...] = rows[:, 1:].reshape(height, width, bpp)  # filtered values, decoded in place below
    kinds = np.concatenate([[0], kinds])[:, None]  # by row of the skewed copy
    for diagonal in range(2, height + width + 1):
        top, bottom = max(1, diagonal - width), min(height, diagonal - 1)  # rows r + 1 on this diagonal
        here = skewed[top:bottom + 1, diagonal]
        a = skewed[top:bottom + 1, diagonal - 1].astype(np.int16)
        b = skewed[top - 1:bottom, diagonal - 1].astype(np.int16)
        c = skewed[top - 1:bottom, diagonal - 2].astype(np.int16)
        predicted = np.choose(kinds[top:bottom + 1], [np.zeros_like(a), a, b, (a + b) >> 1, _paeth(a, b, c)])
        here += predicted.astype(np.uint8)  # modulo 256, as PNG's arithmetic is
    return pixels.copy()


def read_png(raw):
    """Decodes an 8-bit, non-interlaced PNG to a (H, W, channels) uint8 array."""
    if not raw.startswith(PNG_SIGNATURE):
        raise ImageError("not a PNG file")
    idat, header = [], None
    for kind, body in _chunks(raw):
        if kind == b"IHDR":
            if len(body) != 13:
                raise ImageError("the PNG header is malformed")
            header = struct.unpack(">IIBBBBB", body)
            check_pixels(header[0], header[1])
        elif kind == b"IDAT":
            idat.append(body)
    if header is None or not idat:
        raise ImageError("PNG file is missing its header or image data")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ImageError("only 8-bit, non-interlaced grayscale or RGB(A) PNGs are supported")
    channels = _CHANNELS[colour]
    pixels = _inflate(idat, height * (width * channels + 1))
    return unfilter(pixels, height, width, channels)
