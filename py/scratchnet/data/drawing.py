"""Turning a drawing into an MNIST-style 28x28 image, the way MNIST itself was made.

MNIST digits were size-normalised to fit a 20x20 box (keeping their aspect
ratio, anti-aliased), then placed in a 28x28 frame so that their centre of mass
sits at the centre. A drawing goes through the same steps:

    1. find the ink's bounding box and crop to it;
    2. resample so the longer side is 20 px (area averaging: each output pixel is
       the mean of the input area it covers, which is the anti-aliasing);
    3. paste into a 28x28 frame so the centre of mass lands on the frame's centre.

Too little ink raises EmptyDrawingError rather than letting the network guess.
`preprocess_stages` keeps every step (the box, the scaled digit, the shift) to be shown.
"""

import numpy as np

INK_THRESHOLD = 0.05      # intensities below this count as paper, not ink
MIN_INK_FRACTION = 0.002  # less ink than this share of the canvas is "almost empty"
MIN_EXTENT_FRACTION = 0.04  # a mark smaller than this share of the canvas side is a dot


class EmptyDrawingError(ValueError):
    """The drawing has no ink, or too little to be a digit."""


def _area_weights(n_in, n_out):
    """(n_out, n_in) matrix whose row i averages the input cells that output cell i covers."""
    edges = np.linspace(0, n_in, n_out + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def resize_area(image, height, width):
    """Resamples a 2-D image to (height, width) by area averaging."""
    rows = _area_weights(image.shape[0], height)
    cols = _area_weights(image.shape[1], width)
    return rows @ image @ cols.T


def center_of_mass(image):
    """(row, column) of the intensity-weighted centre of a 2-D image."""
    total = image.sum()
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def preprocess_drawing(ink, box=20, size=28):
    """MNIST-style (size, size) float32 image in [0, 1] from a 2-D ink array in [0, 1].

    Raises EmptyDrawingError when there is no ink or almost none.
    """
    return preprocess_stages(ink, box, size)["image"]


def preprocess_stages(ink, box=20, size=28):
    """The steps of preprocess_drawing, each kept so that it can be shown:

        {"bbox": [top, left, height, width] of the ink in the drawing,
         "scaled": the crop resampled so its longer side is `box` px,
         "center_of_mass": [row, col] of the scaled digit, within it,
         "placed_at": [top, left] where it lands in the frame (centre of mass on the centre),
         "box_centered_at": [top, left] where centring its box would have put it,
         "shift": placed_at - box_centered_at, "image": the (size, size) result}
    """
    ink = np.asarray(ink, dtype=np.float64)
    if ink.ndim != 2:
        raise ValueError(f"a drawing must be a 2-D array, got shape {ink.shape}")
    ink = np.clip(np.nan_to_num(ink), 0, 1)
    marked = ink >= INK_THRESHOLD
    if not marked.any():
        raise EmptyDrawingError("The canvas is empty: draw a digit first.")
    rows = np.flatnonzero(marked.any(axis=1))
    cols = np.flatnonzero(marked.any(axis=0))
    extent = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    if ink.sum() < MIN_INK_FRACTION * ink.size or extent < MIN_EXTENT_FRACTION * max(ink.shape):
        raise EmptyDrawingError("There is too little ink to read a digit: draw it larger.")

    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    digit = resize_area(crop, new_h, new_w)

    # Put the centre of mass on the frame's centre, (size - 1) / 2 in pixel-index terms,
    # keeping the whole digit inside the frame.
    cy, cx = center_of_mass(digit)
    top = int(np.clip(round((size - 1) / 2 - cy), 0, size - new_h))
    left = int(np.clip(round((size - 1) / 2 - cx), 0, size - new_w))
    frame = np.zeros((size, size), dtype=np.float32)
    frame[top:top + new_h, left:left + new_w] = digit
    by_box = [(size - new_h) // 2, (size - new_w) // 2]
    return {"bbox": [int(rows[0]), int(cols[0]), int(h), int(w)], "scaled": digit.astype(np.float32),
            "center_of_mass": [cy, cx], "placed_at": [top, left], "box_centered_at": by_box,
            "shift": [top - by_box[0], left - by_box[1]], "image": np.clip(frame, 0, 1)}
