"""Reading digit images for `predict`: PNG (every row filter), PGM/PPM and .npy,
turned into ink; and refusing files that are not such images, or hostile ones (issue 18: bombs,
devices, pipes, huge declared sizes, bad CRCs, NaN) before they cost time or memory. The same
files through the real CLI, measured, are in test_hostile_images.py."""

import os
import signal
import struct
import tracemalloc
import zlib
from contextlib import contextmanager

import numpy as np
import pytest
from hostile_images import bomb_png, drawn_digit, npy_declaring, npy_with, paeth_png, png_file, with_bad_crc
from hostile_zips import npy, npy_header

from scratchnet.files.images import ImageError, read_array, read_file, read_image, read_png, read_pnm, to_ink
from scratchnet.files.png import MAX_CHUNKS, MAX_PIXELS, unfilter


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


# --- issue 18: hostile images ------------------------------------------------------------------

def reference_unfilter(raw, height, stride, bpp):
    """PNG's row filters undone one byte at a time, as the specification states them: the oracle."""
    rows, previous, pos = np.zeros((height, stride), dtype=np.uint8), [0] * stride, 0
    for r in range(height):
        kind, line, out = raw[pos], raw[pos + 1:pos + 1 + stride], [0] * stride
        for i in range(stride):
            a, b = out[i - bpp] if i >= bpp else 0, previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            out[i] = (line[i] + [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]) % 256
        rows[r], previous, pos = out, out, pos + stride + 1
    return rows


@pytest.mark.parametrize("height,width,bpp", [(1, 1, 1), (1, 17, 3), (23, 1, 2), (5, 9, 4), (31, 12, 1), (12, 31, 3)])
def test_vectorised_unfiltering_matches_the_specification_byte_for_byte(height, width, bpp):
    rng = np.random.default_rng(height * width * bpp)
    kinds = rng.integers(0, 5, (height, 1))
    raw = np.concatenate([kinds, rng.integers(0, 256, (height, width * bpp))], axis=1).astype(np.uint8).tobytes()
    expected = reference_unfilter(raw, height, width * bpp, bpp).reshape(height, width, bpp)
    np.testing.assert_array_equal(unfilter(raw, height, width, bpp), expected)


def test_a_large_paeth_filtered_png_decodes_exactly_without_a_loop_per_pixel():
    gray = drawn_digit(1448)
    with time_limit(10):  # the per-pixel loop took 48 s on the 120 KB file; this takes well under 1 s
        np.testing.assert_array_equal(read_png(paeth_png(gray))[..., 0], gray)


def peak_bytes(fn, *args):
    """The Python-visible memory `fn(*args)` allocated at its peak (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        fn(*args)
    except ImageError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_png_bomb_declaring_more_pixels_than_allowed_is_refused_before_inflating():
    raw = bomb_png(40000, 40000, 1500)  # 1.5 MB that inflate to 1.5 GB
    with pytest.raises(ImageError, match=r"40000x40000 pixels \(1600.0 million\); at most 4.2 million"):
        read_png(raw)
    assert peak_bytes(read_png, raw) < 4 << 20


def test_a_png_bomb_lying_about_its_size_is_refused_after_inflating_what_its_size_needs():
    raw = bomb_png(64, 64, 1500)
    with pytest.raises(ImageError, match="inflates to more than its size in pixels needs"):
        read_png(raw)
    assert peak_bytes(read_png, raw) < 4 << 20  # the file's own 1.5 MB, and 64 x 65 bytes inflated


@pytest.mark.parametrize("kind", [b"IHDR", b"IDAT", b"IEND", b"tEXt"])
def test_a_bad_crc_in_any_chunk_is_refused(kind):
    with pytest.raises(ImageError, match=f"checksum of its '{kind.decode()}' chunk does not match"):
        read_png(with_bad_crc(encode_png(np.full((4, 4), 9, np.uint8)), kind))


def test_unknown_filters_and_endless_chunks_are_refused():
    rows = bytes([5, 1, 2, 3])  # filter type 5 does not exist
    with pytest.raises(ImageError, match="unknown row filter"):
        read_png(png_file(3, 1, zlib.compress(rows)))
    header = png_file(1, 1, zlib.compress(bytes(2)))[:33]  # signature and IHDR
    empty = png_chunk(b"tEXt", b"")
    with time_limit(5), pytest.raises(ImageError, match=f"more than {MAX_CHUNKS:,} chunks"):
        read_png(header + empty * (MAX_CHUNKS + 1))


def test_a_pnm_declaring_too_many_pixels_is_refused_before_reading_them():
    with pytest.raises(ImageError, match="100000x100000 pixels"):
        read_pnm(b"P5 100000 100000 255\n" + bytes(100))
    side = int(MAX_PIXELS ** 0.5)
    assert read_pnm(b"P5 %d %d 255\n" % (side, side) + bytes(side * side)).shape == (side, side, 1)


def test_only_regular_files_are_read_and_at_most_the_limit(tmp_path):
    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)
    for path in [pipe, tmp_path] + (["/dev/zero"] if os.path.exists("/dev/zero") else []):
        with time_limit(5), pytest.raises(ImageError, match="not a regular file"):
            read_image(str(path))
    sparse = tmp_path / "sparse.png"
    with open(sparse, "wb") as f:
        f.truncate(8 * 10**9)
    with pytest.raises(ImageError, match="the file is 8.0 GB; at most 67.1 MB is read"):
        read_image(str(sparse))
    (tmp_path / "small").write_bytes(bytes(101))
    assert read_file(str(tmp_path / "small"), 101) == bytes(101)
    with pytest.raises(ImageError, match="the file is 101 bytes; at most 100 bytes is read"):
        read_file(str(tmp_path / "small"), 100)
    with pytest.raises(ImageError, match="could not be read \\(No such file or directory\\)"):
        read_image(str(tmp_path / "absent.png"))


HOSTILE_NPY = {
    "100000x100000": (npy_declaring((100000, 100000)),
                      "declares shape (100000, 100000) (10,000,000,000 values, 80.0 GB)"),
    "nan": (npy_with(np.nan), "NaN or infinite"),
    "inf": (npy_with(np.inf), "NaN or infinite"),
    "-inf": (npy_with(-np.inf), "NaN or infinite"),
    "1e300": (npy_with(1e300), "values from 0 to 1e+300"),
    "negative": (npy_with(-0.5), "values from -0.5 to 1"),
    "object": (npy_header("|O", (28, 28)) + bytes(64), "Python objects are never loaded"),
    "complex": (npy(np.zeros((28, 28), np.complex64)), "holds complex numbers; it must hold numbers"),
    "1-d": (npy(np.zeros(784)), "has shape (784,)"),
    "empty": (npy(np.zeros((0, 28, 28))), "has shape (0, 28, 28)"),
    "short": (npy(np.zeros((28, 28)))[:-8], "the file is damaged"),
    "long": (npy_header("<f8", (28, 28)) + bytes(9000), "the file is damaged"),
    "text": (b"not a .npy file at all", "not a readable NumPy array"),
}


@pytest.mark.parametrize("raw,words", HOSTILE_NPY.values(), ids=HOSTILE_NPY.keys())
def test_hostile_npy_files_are_refused_in_plain_words_before_allocating(tmp_path, raw, words):
    path = tmp_path / "x.npy"
    path.write_bytes(raw)
    with pytest.raises(ImageError) as caught:
        read_array(str(path))
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert peak_bytes(read_array, str(path)) < 1 << 20


def test_npy_arrays_of_every_plain_number_type_and_order_are_read(tmp_path):
    digit = np.zeros((28, 28), np.uint8)
    digit[3:9, 4] = 255
    for array in (digit, digit.astype(bool), digit.astype(">i4"), np.asfortranarray(digit / 255.0)):
        np.save(tmp_path / "x.npy", array)
        np.testing.assert_array_equal(read_array(str(tmp_path / "x.npy")), (digit > 0).astype(np.float32))
