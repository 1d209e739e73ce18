"""The file of a learner's own digits ("my digits"), written and read back with the same care as a
model file.

A .npz archive (NumPy's zip of arrays) with three entries:

    images   uint8 (N, 28, 28)   each digit as the network sees a drawing (data/drawing.py), 255 = ink
    labels   uint8 (N,)          the digit the learner says each one is, 0-9
    version  int, FORMAT_VERSION

N is at most MAX_DIGITS. Reading goes through safe_npz (sizes, dtypes and shapes checked before
anything is allocated), then the labels are checked to be digits and to match the images in
number. Any problem raises MyDigitsError with the reason in plain words. Not here: where the page
keeps the set (the browser's IndexedDB, web/js/draw/my-digits-store.js).
"""

import io

import numpy as np

from scratchnet.files.safe_npz import ArraySpec, NpzError, NpzReader

FORMAT_VERSION = 1
MAX_DIGITS = 500  # far more than a learner draws; 500 digits are 392 KB uncompressed
SIDE = 28
SPECS = {
    "images": ArraySpec("u", (MAX_DIGITS, SIDE, SIDE), 1),
    "labels": ArraySpec("u", (MAX_DIGITS,), 1),
    "version": ArraySpec("iu", (), 8),
}


class MyDigitsError(ValueError):
    """A file of digits that cannot be used, with the reason in plain words."""


def check(images, labels):
    """(images uint8 (N, 28, 28), labels uint8 (N,)) checked; raises MyDigitsError."""
    images, labels = np.asarray(images), np.asarray(labels)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise MyDigitsError(f"the digits must be 28x28 grey images (whole numbers 0-255), not {images.dtype} "
                            f"of shape {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise MyDigitsError(f"there are {len(images)} digits but {labels.size} labels")
    if len(labels) > MAX_DIGITS:
        raise MyDigitsError(f"there are {len(labels)} digits; at most {MAX_DIGITS} are allowed")
    if not np.issubdtype(labels.dtype, np.integer) or (len(labels) and (labels.min() < 0 or labels.max() > 9)):
        raise MyDigitsError("every label must be a digit from 0 to 9")
    return images, labels.astype(np.uint8)


def digits_bytes(images, labels):
    """The .npz file bytes of a set of digits (checked first)."""
    images, labels = check(images, labels)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=images, labels=labels, version=np.array(FORMAT_VERSION))
    return buffer.getvalue()


def read_digits(data):
    """(images uint8 (N, 28, 28), labels uint8 (N,)) from .npz bytes; raises MyDigitsError."""
    try:
        with NpzReader(bytes(data), SPECS) as archive:
            missing = [name for name in SPECS if name not in archive.names]
            if missing:
                raise MyDigitsError(f"it has no {' or '.join(missing)}: it is not a file of digits saved by ScratchNet")
            if archive.unexpected:
                raise MyDigitsError(f"it holds entries a file of digits does not have ({', '.join(archive.unexpected)})")
            version = int(archive.read("version"))
            if version != FORMAT_VERSION:
                raise MyDigitsError(f"it is of format version {version}; this page reads version {FORMAT_VERSION}")
            images, labels = archive.read("images"), archive.read("labels")
    except NpzError as error:
        raise MyDigitsError(str(error)) from None
    return check(np.array(images), np.array(labels))
