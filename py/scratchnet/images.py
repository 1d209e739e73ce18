"""Reading digit images for `predict`: PNG (8-bit, non-interlaced), PGM/PPM, and .npy.

Written with the standard library's zlib and NumPy alone, since the package
depends on nothing else. Colour images become grayscale; transparency is
composited onto white. The result is a 2-D float array in [0, 1] where 1 is
ink: images that look like black ink on white paper are inverted to match MNIST.
"""

import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def _unfilter(raw, height, stride, bpp):
    """Reverses PNG's per-row filters (None, Sub, Up, Average, Paeth)."""
    rows = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    pos = 0
    for r in range(height):
        kind = raw[pos]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=pos + 1).astype(np.int32)
        pos += stride + 1
        if kind == 0:
            out = line
        elif kind == 2:
            out = (line + previous) & 0xFF
        else:
            out = np.zeros(stride, dtype=np.int32)
            for i in range(stride):
                a = out[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                if kind == 1:
                    pred = a
                elif kind == 3:
                    pred = (a + b) // 2
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                else:
                    raise ValueError(f"unknown PNG filter type {kind}")
                out[i] = (line[i] + pred) & 0xFF
        rows[r] = out
        previous = out
    return rows


def read_png(raw):
    """Decodes an 8-bit, non-interlaced PNG to a (H, W, channels) uint8 array."""
    if not raw.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(raw):
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise ValueError("the PNG file is truncated")
        pos += 12 + length
        if kind == b"IHDR":
            if length != 13:
                raise ValueError("the PNG header is malformed")
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None or not idat:
        raise ValueError("PNG file is missing its header or image data")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError("only 8-bit, non-interlaced grayscale or RGB(A) PNGs are supported")
    channels = _CHANNELS[colour]
    try:
        pixels = zlib.decompress(b"".join(idat))
    except zlib.error:
        raise ValueError("the PNG image data is damaged or truncated") from None
    if len(pixels) != height * (width * channels + 1):
        raise ValueError("the PNG image data does not match its size")
    rows = _unfilter(pixels, height, width * channels, channels)
    return rows.reshape(height, width, channels)


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
        raise ValueError("not an image file this reader knows (PNG, PGM or PPM), or a truncated one")
    if tokens[0] not in (b"P5", b"P6") or not all(t.isdigit() for t in tokens[1:]):
        raise ValueError("only 8-bit binary PGM (P5) and PPM (P6) files are supported")
    magic, width, height, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    if maxval != 255:
        raise ValueError("only 8-bit binary PGM (P5) and PPM (P6) files are supported")
    channels = 1 if magic == b"P5" else 3
    if len(raw) - (pos + 1) < width * height * channels:
        raise ValueError("the image file is truncated")
    data = np.frombuffer(raw, dtype=np.uint8, count=width * height * channels, offset=pos + 1)
    return data.reshape(height, width, channels)


def to_ink(pixels):
    """(H, W, C) uint8 -> (H, W) ink in [0, 1], inverted if it looks like dark ink on light paper."""
    pixels = pixels.astype(np.float64) / 255
    if pixels.shape[2] in (2, 4):  # composite transparency onto white
        alpha = pixels[..., -1:]
        pixels = pixels[..., :-1] * alpha + (1 - alpha)
    gray = pixels.mean(axis=2)
    return 1 - gray if np.median(gray) > 0.5 else gray


def read_image(path):
    """A 2-D ink array in [0, 1] from a .png, .pgm/.ppm or .npy file."""
    if path.lower().endswith(".npy"):
        array = np.load(path, allow_pickle=False).astype(np.float64)
        return array / 255 if array.max() > 1 else array
    with open(path, "rb") as f:
        raw = f.read()
    decoded = read_png(raw) if raw.startswith(PNG_SIGNATURE) else read_pnm(raw)
    return to_ink(decoded)
