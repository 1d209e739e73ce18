"""Reading digit images for `predict`: PNG (every row filter), PGM/PPM and .npy,
turned into ink; and refusing files that are not such images."""

import signal
import struct
import zlib
from contextlib import contextmanager

import numpy as np
import pytest

from scratchnet.images import read_image, read_png, read_pnm, to_ink


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_row(kind, row, previous, bpp):
    """PNG's forward filter for one row (ints), the inverse of what a decoder undoes."""
    out = []
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = previous[i]
        c = previous[i - bpp] if i >= bpp else 0
        predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - predictor) % 256)
    return bytes([kind] + out)


def encode_png(pixels, filters=(0,)):
    """An 8-bit PNG of (H, W) or (H, W, C) uint8 pixels; row r uses filter filters[r % len(filters)]."""
    pixels = np.asarray(pixels, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    height, width, channels = pixels.shape
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    rows = pixels.reshape(height, width * channels).astype(int).tolist()
    previous = [0] * (width * channels)
    data = b""
    for r, row in enumerate(rows):
        data += filter_row(filters[r % len(filters)], row, previous, channels)
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"tEXt", b"Comment\x00test")
            + png_chunk(b"IDAT", zlib.compress(data)) + png_chunk(b"IEND", b""))


@contextmanager
def time_limit(seconds):
    """Turns a hang into a test failure (Unix only, main thread)."""
    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("filters", [(0,), (1,), (2,), (3,), (4,), (0, 1, 2, 3, 4)],
                         ids=["none", "sub", "up", "average", "paeth", "mixed"])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_decoding_undoes_every_row_filter(filters, channels):
    pixels = np.random.default_rng(channels).integers(0, 256, size=(9, 7, channels), dtype=np.uint8)
    np.testing.assert_array_equal(read_png(encode_png(pixels, filters)), pixels)


def test_pgm_and_ppm_with_comments():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    pgm = b"P5\n# made by a test\n4 3\n255\n" + gray.tobytes()
    np.testing.assert_array_equal(read_pnm(pgm)[..., 0], gray)
    colour = np.random.default_rng(0).integers(0, 256, size=(2, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(read_pnm(b"P6 5 2 255\n" + colour.tobytes()), colour)


def test_to_ink_inverts_dark_ink_on_light_paper():
    paper = np.full((4, 4, 1), 255, dtype=np.uint8)
    paper[1, 2] = 0
    ink = to_ink(paper)
    assert ink[1, 2] == 1.0 and ink[0, 0] == 0.0


def test_to_ink_keeps_light_ink_on_dark_paper_and_averages_colour():
    pixels = np.zeros((4, 4, 3), dtype=np.uint8)
    pixels[2, 1] = [255, 255, 0]
    ink = to_ink(pixels)
    assert ink[2, 1] == pytest.approx(2 / 3) and ink[0, 0] == 0.0


def test_to_ink_composites_transparency_onto_white():
    pixels = np.zeros((4, 4, 2), dtype=np.uint8)  # black, fully transparent...
    pixels[1, 1] = [0, 255]                      # ...except one opaque black pixel
    ink = to_ink(pixels)
    assert ink[1, 1] == 1.0 and ink[3, 3] == 0.0


def test_read_image_from_png_pgm_and_npy(tmp_path):
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[5:20, 12:15] = 255
    (tmp_path / "d.png").write_bytes(encode_png(255 - digit, filters=(4,)))
    (tmp_path / "d.pgm").write_bytes(b"P5 28 28 255\n" + (255 - digit).tobytes())
    np.save(tmp_path / "d.npy", digit)
    np.save(tmp_path / "unit.npy", digit / 255.0)
    for name in ("d.png", "d.pgm", "d.npy", "unit.npy"):
        np.testing.assert_allclose(read_image(str(tmp_path / name)), digit / 255.0, err_msg=name)


@pytest.mark.parametrize("raw", [b"hello world, this is text\n", b"\x89PNG\r\n\x1a\n", b"P2 2 2 255\n1 2 3 4"],
                         ids=["text", "png-signature-only", "ascii-pgm"])
def test_unsupported_images_raise_value_error(raw):
    with time_limit(1), pytest.raises(ValueError):
        read_png(raw) if raw.startswith(b"\x89PNG") else read_pnm(raw)


def test_sixteen_bit_png_is_refused():
    header = struct.pack(">IIBBBBB", 2, 2, 16, 0, 0, 0, 0)
    raw = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(bytes(10)))
    with pytest.raises(ValueError, match="8-bit"):
        read_png(raw)


@pytest.mark.parametrize("cut", [20, 60, -20], ids=["in-header", "before-image-data", "in-image-data"])
def test_truncated_png_raises_value_error(cut):
    raw = encode_png(np.full((28, 28), 200, dtype=np.uint8))
    with pytest.raises(ValueError):
        read_png(raw[:cut])


@pytest.mark.parametrize("raw", [b"P5 28 28", b"hello"], ids=["no-maxval", "no-whitespace"])
def test_truncated_pnm_header_raises_value_error_instead_of_hanging(raw):
    with time_limit(1), pytest.raises(ValueError):
        read_pnm(raw)
