"""Real handwriting from writers outside MNIST, for the benchmarks: the UCI optdigits test set.

Where it comes from: scikit-learn bundles a copy of the test set of the UCI "Optical Recognition of
Handwritten Digits" data (E. Alpaydin and C. Kaynak, 1998) as sklearn/datasets/data/digits.csv.gz:
1,797 digits written on NIST forms by 13 people, none of whom wrote MNIST's digits. NIST's programs
cut each digit out as a 32x32 bitmap, size-normalised; the set keeps, for each 4x4 block of it, how
many of its 16 pixels were ink: an 8x8 image of counts 0-16. The file tells neither which of the
13 people wrote a digit, nor the digits' order of writing.

We take the file from the scikit-learn wheel on PyPI (a pinned version, checked by the sha256 of
the csv.gz itself, so any platform's wheel will do), through pip, into .cache/; nothing is
committed and scikit-learn is not installed.

How a digit becomes a drawing: each count / 16 is the share of ink in its block, so the 8x8 image is
the 32x32 bitmap at a lower resolution. We sample it back up to 32x32 by bilinear interpolation
(a pen stroke's soft edge rather than 4x4 squares) and then treat it exactly as a drawing on the pad
is treated (data/drawing.py: crop to the ink, resize so the longer side is 20 pixels, put the centre
of mass at the centre of a 28x28 frame).
"""

import glob
import gzip
import hashlib
import io
import os
import subprocess
import sys
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "py"))
from scratchnet.data.drawing import preprocess_drawing  # noqa: E402

WHEEL = "scikit-learn==1.5.2"
MEMBER = "sklearn/datasets/data/digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
CACHE = os.path.join(ROOT, ".cache", "handwriting")
SOURCE = ("the UCI optdigits test set (1,797 digits by 13 writers outside MNIST), as bundled in "
          f"the {WHEEL} wheel ({MEMBER})")


def _csv_gz():
    """The csv.gz bytes, from the cache or from the pinned wheel via pip."""
    cached = os.path.join(CACHE, "digits.csv.gz")
    if os.path.exists(cached):
        with open(cached, "rb") as f:
            data = f.read()
        if hashlib.sha256(data).hexdigest() == SHA256:
            return data
    os.makedirs(CACHE, exist_ok=True)
    wheels = glob.glob(os.path.join(CACHE, "scikit_learn-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                        "-d", CACHE, WHEEL], check=True)
        wheels = glob.glob(os.path.join(CACHE, "scikit_learn-*.whl"))
    with zipfile.ZipFile(wheels[0]) as z:
        data = z.read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise RuntimeError(f"{MEMBER} in {os.path.basename(wheels[0])} is not the expected file (sha256 differs)")
    with open(cached, "wb") as f:
        f.write(data)
    return data


def upsample(blocks, size=32):
    """(8, 8) ink shares in [0, 1] -> (size, size) by bilinear interpolation between block centres."""
    n = blocks.shape[0]
    at = (np.arange(size) + 0.5) * n / size - 0.5  # each output pixel's position in block units
    at = np.clip(at, 0, n - 1)
    lo = np.minimum(np.floor(at).astype(int), n - 2)
    frac = at - lo
    rows = blocks[lo] * (1 - frac)[:, None] + blocks[lo + 1] * frac[:, None]
    return rows[:, lo] * (1 - frac)[None, :] + rows[:, lo + 1] * frac[None, :]


def load():
    """(images (1797, 28, 28) float32 in [0, 1], as drawings are preprocessed; labels (1797,) int64)."""
    table = np.loadtxt(io.StringIO(gzip.decompress(_csv_gz()).decode()), delimiter=",")
    counts, labels = table[:, :64].reshape(-1, 8, 8), table[:, 64].astype(np.int64)
    images = np.stack([preprocess_drawing(upsample(c / 16.0)) for c in counts])
    return images.astype(np.float32), labels
