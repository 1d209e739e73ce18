"""Data augmentation: each training image moved, turned, resized, slanted and its strokes
thickened or thinned a little at random, so the network sees a new variant every epoch.

The setting's text is `none`, or comma-separated name:strength, e.g. shift:2,rotate:10.
Each strength is the largest change; every image draws its own value uniformly in
[-strength, +strength]:

    shift      0-4 pixels   move up to this far, across and down independently (MNIST leaves
                            a 4-pixel margin round the 20-pixel box of each digit)
    rotate     0-30 degrees turn about the frame's centre (more and a 6 starts to look like a 9)
    scale      0-0.3        resize by a factor in [1 - strength, 1 + strength] (1.3 x 20 = 26 px,
                            still inside 28)
    shear      0-0.5        slant: x moves by shear * (y - centre); 0.5 is a 27-degree slant
    thickness  0-0.5 pixels widen (or thin) every stroke by up to this much on each side: a
                            grey-level dilation (or erosion) over 3x3 pixels, blended in by the
                            amount. A whole pixel is too much: MNIST strokes are about 2 pixels
                            wide, and eroding them leaves a ninth of the ink (median of 2,000
                            test digits); on such strokes thinning fades more than it narrows

Shift, rotation, scale and shear are one affine map of the paper, A = [L | t] (2x3), taking a
point q = (x, y) = (column, row) of the image to p = A q:

    L = R(angle) S(scale) H(shear),   t = centre + shift - L centre
    R = [[cos, -sin], [sin, cos]],   S = [[scale, 0], [0, scale]],   H = [[1, shear], [0, 1]]

Rows count downwards, so a positive angle turns the picture clockwise as it is shown. The
output is sampled where each of its pixels came from, by bilinear interpolation:

    out(p) = in(A^{-1} p),  in(x, y) = sum over the 4 nearest pixels of (1 - |x - j|)(1 - |y - i|) in[i, j]

Outside the frame the image is its background. The pen comes before the paper: thickness
is applied first, then the map, whose interpolation softens the square dilation's edges.

Inputs are in the trainer's form (network.normalize: float32, (N, 784) or (N, 1, 28, 28), pixels
scaled to [0, 1] and perhaps standardised, x = (pixel - mean) / std, so the background is
-mean / std, not 0). Nothing here needs to know which: each image's background is read from
its border (the median of its outermost ring), and both steps are weighted averages or
max/min of pixels, which commute with x -> (x - mean) / std. So augmenting the trainer's
inputs gives what augmenting the raw pixels and then normalising would (raw uint8 pixels work
too, rounded back to whole numbers). Ink is assumed lighter than the paper, as in MNIST
(otherwise "widen" thins).

Every random number comes from the `rng` passed in. Not here: elastic distortions, noise,
flips (a flipped digit is another symbol), and anti-aliasing when shrinking (bilinear loses
little at scales of 0.7 and more).
"""

import math
import numbers
import re

import numpy as np

from scratchnet.plain_words import quote

# Each augmentation's largest strength, its unit and its meaning, in the order the text is written.
AUGMENTATIONS = {
    "shift": {"max": 4.0, "unit": "pixels", "help": "Move each image up to this many pixels across and down."},
    "rotate": {"max": 30.0, "unit": "degrees", "help": "Turn each image up to this many degrees either way."},
    "scale": {"max": 0.3, "unit": "", "help": "Resize each image by up to this fraction (0.1 = 90% to 110%)."},
    "shear": {"max": 0.5, "unit": "", "help": "Slant each image by up to this fraction (0.5 = 27 degrees)."},
    "thickness": {"max": 0.5, "unit": "pixels", "help": "Widen or thin the strokes by up to this many pixels a side."},
}
EXAMPLE = "shift:2,rotate:10"
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")


def _range_text(name):
    unit = AUGMENTATIONS[name]["unit"]
    return f"between 0 and {AUGMENTATIONS[name]['max']:g}{' ' + unit if unit else ''}"


def _example(name):
    return f"{name}:{AUGMENTATIONS[name]['max'] / 2:g}"


def _checked_name(name):
    if name in AUGMENTATIONS:
        return name
    lower = str(name).lower()
    hint = f"write it in lower case: {lower}" if lower in (*AUGMENTATIONS, "none") else \
        f"choose from {', '.join(AUGMENTATIONS)}, e.g. {EXAMPLE}, or write none"
    raise ValueError(f"{quote(name)} is not an augmentation; {hint}")


def _checked_strength(name, strength, written=None):
    """The strength as a float, or ValueError quoting it as `written` (default: as given)."""
    if isinstance(strength, bool) or not isinstance(strength, numbers.Real) or not math.isfinite(strength) \
            or not 0 <= strength <= AUGMENTATIONS[name]["max"]:
        shown = strength if written is None else written
        raise ValueError(f"the strength of {name} must be {_range_text(name)}, not {quote(shown)}")
    return float(strength) + 0.0  # + 0.0: -0 becomes 0


def parse(text):
    """{name: strength} from the setting's text: "none" -> {}, "shift:2,rotate:10" ->
    {"shift": 2.0, "rotate": 10.0}. Strict: raises ValueError saying what is wrong and what to write."""
    if not isinstance(text, str):
        raise ValueError(f"must be text such as {EXAMPLE}, or none")
    if text == "none":
        return {}
    if not text:
        raise ValueError(f"is empty; write none, or augmentations such as {EXAMPLE}")
    if any(character.isspace() for character in text):
        raise ValueError(f"{quote(text)} has spaces in it; write it without them, e.g. {EXAMPLE}")
    spec = {}
    for number, item in enumerate(text.split(","), start=1):
        if not item:
            raise ValueError(f"item {number} of {quote(text)} is empty; remove the extra comma")
        name, colon, strength = item.partition(":")
        _checked_name(name)
        if name in spec:
            raise ValueError(f"{name} is given twice; give each augmentation once")
        if not colon or not strength:
            raise ValueError(f"{name} needs a strength {_range_text(name)}, e.g. {_example(name)}")
        if ":" in strength:
            raise ValueError(f"{quote(item)} has more than one colon; write name:strength, e.g. {_example(name)}")
        if not _PLAIN_NUMBER.fullmatch(strength):
            raise ValueError(f"the strength of {name}, {quote(strength)}, is not a plain number such as 2 or 0.5")
        spec[name] = _checked_strength(name, float(strength), strength)
    return {name: spec[name] for name in AUGMENTATIONS if name in spec}


def text(spec):
    """The canonical text of a spec: names in a fixed order, strengths written in full but
    without trailing zeros ({"rotate": 10.0, "shift": 2} -> "shift:2,rotate:10"); {} -> "none"."""
    checked = {_checked_name(name): _checked_strength(name, strength) for name, strength in spec.items()}
    items = [f"{name}:{np.format_float_positional(checked[name], trim='-')}" for name in AUGMENTATIONS if name in checked]
    return ",".join(items) or "none"


def affine_matrices(shift_x, shift_y, angle, scale, shear, centre):
    """The maps A = [L | t], (N, 2, 3), one per image, from arrays (N,) of shifts (pixels),
    angles (radians), scale factors and shears, about `centre` (x, y) (13.5, 13.5 for 28x28):

        L = R(angle) S(scale) H(shear),   t = centre + shift - L centre
    """
    cos, sin = np.cos(angle), np.sin(angle)
    # R S H written out: [[cos, -sin], [sin, cos]] @ [[scale, scale * shear], [0, scale]]
    L = scale[:, None, None] * np.stack([np.stack([cos, cos * shear - sin], axis=-1),
                                         np.stack([sin, sin * shear + cos], axis=-1)], axis=1)
    centre = np.asarray(centre, dtype=np.float64)
    t = centre + np.stack([shift_x, shift_y], axis=-1) - L @ centre
    return np.concatenate([L, t[:, :, None]], axis=2)


def _framed(images, background, width=1):
    """The images (N, H, W) inside a frame of their background `width` pixels wide."""
    N, H, W = images.shape
    framed = np.empty((N, H + 2 * width, W + 2 * width), dtype=images.dtype)
    framed[:] = background[:, None, None]
    framed[:, width:-width, width:-width] = images
    return framed


def warp(images, A, background):
    """out(p) = in(A^{-1} p) by bilinear interpolation, the background outside the frame.

    images (N, H, W), A (N, 2, 3) maps of (x, y) = (column, row), background (N,) -> (N, H, W).
    """
    N, H, W = images.shape
    last_row = np.broadcast_to([0.0, 0.0, 1.0], (N, 1, 3))
    inverse = np.linalg.inv(np.concatenate([A, last_row], axis=1)).astype(images.dtype)
    # Where each output pixel (column j, row i) came from, A^{-1} (j, i, 1), as outer sums.
    a, b, c = (inverse[:, 0, k, None, None] for k in range(3))
    d, e, f = (inverse[:, 1, k, None, None] for k in range(3))
    cols, rows = np.arange(W, dtype=images.dtype), np.arange(H, dtype=images.dtype)[:, None]
    x, y = (a * cols + c) + b * rows, (d * cols + f) + e * rows
    # Anything beyond the frame reads the 2-pixel ring of background around it.
    x0, y0 = np.floor(np.clip(x, -1, W, out=x)), np.floor(np.clip(y, -1, H, out=y))
    fx, fy = np.subtract(x, x0, out=x), np.subtract(y, y0, out=y)
    # The four pixels round each source point, read from the framed images as one flat array
    # (and from views of it starting one pixel right, one row down, and both).
    across = W + 4
    framed = _framed(images, background, width=2).ravel()
    first = (np.arange(N) * (H + 4) * across + 2 * across + 2)[:, None, None]  # each image's pixel (0, 0)
    corner = (y0 * across + x0).astype(np.intp) + first
    top_left, top_right = framed[corner], framed[1:][corner]
    bottom_left, bottom_right = framed[across:][corner], framed[across + 1:][corner]
    top = top_left + fx * (top_right - top_left)
    bottom = bottom_left + fx * (bottom_right - bottom_left)
    return top + fy * (bottom - top)


def _max_3x3(images, background):
    """The largest value in each pixel's 3x3 neighbourhood: over rows, then over columns."""
    f = _framed(images, background)
    across = np.maximum(np.maximum(f[:, :, :-2], f[:, :, 1:-1]), f[:, :, 2:])   # (N, H + 2, W)
    return np.maximum(np.maximum(across[:, :-2], across[:, 1:-1]), across[:, 2:])  # (N, H, W)


def thicken(images, amount, background):
    """Strokes widened by `amount` (N,) pixels where it is positive and thinned where it is
    negative (|amount| <= 1, a whole pixel a side): a grey-level dilation (or erosion) over 3x3 pixels, blended in:

        out = x + |amount| (T(x) - x),   T(x) = max3x3(x) to widen, min3x3(x) = -max3x3(-x) to thin
    """
    sign = np.where(amount < 0, -1, 1).astype(images.dtype)
    target = sign[:, None, None] * _max_3x3(sign[:, None, None] * images, sign * background)
    return images + np.abs(amount).astype(images.dtype)[:, None, None] * (target - images)


def _as_images(x):
    """(N * C, H, W) views of a batch (N, H W) of square images, (N, H, W) or (N, C, H, W); and C."""
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(f"flat examples must be square images (784 = 28x28), not {x.shape[1]} values")
        return x.reshape(len(x), side, side), 1
    if x.ndim == 3:
        return x, 1
    if x.ndim == 4:
        return x.reshape(-1, *x.shape[2:]), x.shape[1]
    raise ValueError(f"expected a batch of images (N, 784), (N, 28, 28) or (N, 1, 28, 28), not shape {x.shape}")


def augment_batch(x, spec, rng):
    """A new variant of each image in the batch x, in its shape and dtype: each image gets its
    own random thickness, then its own map A (see the module's docstring). `spec` is parse's
    {name: strength}; {} (or all strengths 0) returns x itself and draws nothing. Every image
    draws six numbers from `rng` (a numpy Generator) whichever augmentations are on, so the
    same seed gives the same batch, and turning one augmentation on leaves the others' draws as
    they were.
    """
    strength = {name: _checked_strength(_checked_name(name), value) for name, value in spec.items()}
    if not any(strength.values()) or len(x) == 0:
        return x
    images, channels = _as_images(np.asarray(x))
    if not np.issubdtype(images.dtype, np.floating) and not np.issubdtype(images.dtype, np.integer):
        raise ValueError(f"images must be numbers, not {images.dtype}")
    work = images if np.issubdtype(images.dtype, np.floating) else images.astype(np.float32)
    ring = np.concatenate([work[:, 0], work[:, -1], work[:, 1:-1, 0], work[:, 1:-1, -1]], axis=1)
    background = np.median(ring, axis=1).astype(work.dtype)

    u = rng.uniform(-1.0, 1.0, size=(len(x), 6))
    u = np.repeat(u, channels, axis=0)  # the channels of one image move together
    get = lambda name: strength.get(name, 0.0)
    if get("thickness"):
        work = thicken(work, u[:, 5] * get("thickness"), background)
    if any(get(name) for name in ("shift", "rotate", "scale", "shear")):
        centre = ((work.shape[2] - 1) / 2, (work.shape[1] - 1) / 2)
        A = affine_matrices(u[:, 0] * get("shift"), u[:, 1] * get("shift"), np.radians(u[:, 2] * get("rotate")),
                            1 + u[:, 3] * get("scale"), u[:, 4] * get("shear"), centre)
        work = warp(work, A, background)
    if np.issubdtype(images.dtype, np.integer):  # raw pixels stay whole numbers in their range
        limits = np.iinfo(images.dtype)
        work = np.clip(np.rint(work), limits.min, limits.max)
    return work.astype(images.dtype, copy=False).reshape(x.shape)
