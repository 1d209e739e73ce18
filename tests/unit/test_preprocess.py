"""Drawings to MNIST form: position and scale do not matter, the result is framed
the way MNIST is (20-pixel box, centre of mass in the middle), and empty or
near-empty drawings are refused."""

import numpy as np
import pytest

from scratchnet import EmptyDrawingError, preprocess_drawing
from scratchnet.data.drawing import center_of_mass, resize_area


@pytest.fixture(scope="module")
def digits(mnist):
    """Ten real test digits (one per class) as ink in [0, 1]."""
    first = [int(np.flatnonzero(mnist["y_test"] == c)[0]) for c in range(10)]
    return [mnist["x_test"][i] / 255 for i in first]


def place(digit, canvas_shape, top, left):
    canvas = np.zeros(canvas_shape)
    canvas[top:top + digit.shape[0], left:left + digit.shape[1]] = digit
    return canvas


def ink_box(image, threshold=0.05):
    rows = np.flatnonzero((image >= threshold).any(axis=1))
    cols = np.flatnonzero((image >= threshold).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_position_on_the_canvas_does_not_matter(digits):
    for digit in digits:
        top_right = preprocess_drawing(place(digit, (120, 120), 3, 80))
        bottom_left = preprocess_drawing(place(digit, (120, 120), 85, 2))
        np.testing.assert_array_equal(top_right, bottom_left)


@pytest.mark.parametrize("factor", [3, 10])
def test_a_digit_drawn_larger_gives_nearly_the_same_image(digits, factor):
    for digit in digits:
        original = preprocess_drawing(digit)
        enlarged = preprocess_drawing(np.kron(digit, np.ones((factor, factor))))
        assert np.abs(enlarged - original).mean() < 0.01


def test_output_is_framed_like_mnist(digits):
    for digit in digits:
        image = preprocess_drawing(place(np.kron(digit, np.ones((4, 4))), (200, 260), 40, 90))
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert image.min() >= 0 and image.max() <= 1
        cy, cx = center_of_mass(image)
        assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0
        assert max(ink_box(image)) in (19, 20)


def test_aspect_ratio_is_kept():
    bar = np.ones((40, 100))  # a fat horizontal stroke, 2.5 times wider than tall
    image = preprocess_drawing(place(bar, (200, 200), 80, 50))
    assert ink_box(image) == (8, 20)


def test_real_mnist_digits_are_nearly_unchanged(digits):
    # MNIST itself was made this way, so its digits are (almost) fixed points.
    for digit in digits:
        assert np.abs(preprocess_drawing(digit) - digit).mean() < 0.15


def test_empty_canvas_is_refused():
    with pytest.raises(EmptyDrawingError, match="empty"):
        preprocess_drawing(np.zeros((280, 280)))


def test_paper_noise_below_the_ink_threshold_counts_as_empty():
    with pytest.raises(EmptyDrawingError):
        preprocess_drawing(np.full((280, 280), 0.01))


def test_a_tiny_dot_is_refused():
    canvas = np.zeros((280, 280))
    canvas[140:143, 100:103] = 1.0
    with pytest.raises(EmptyDrawingError, match="too little ink"):
        preprocess_drawing(canvas)


def test_a_small_faint_scribble_is_refused():
    canvas = np.zeros((280, 280))
    canvas[100:200, 140] = 0.3  # long enough, but far too little ink
    with pytest.raises(EmptyDrawingError):
        preprocess_drawing(canvas)


def test_empty_drawing_error_is_a_value_error():
    assert issubclass(EmptyDrawingError, ValueError)


def test_drawing_must_be_two_dimensional():
    with pytest.raises(ValueError, match="2-D"):
        preprocess_drawing(np.zeros((28, 28, 3)))


def test_out_of_range_and_nan_ink_is_clipped(digits):
    noisy = digits[3] * 3.0
    noisy[0, 0] = np.nan
    np.testing.assert_array_equal(preprocess_drawing(noisy), preprocess_drawing(np.clip(digits[3] * 3.0, 0, 1)))


def test_resize_area_averages_blocks_and_keeps_the_mean():
    image = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(resize_area(image, 2, 2), [[2.5, 4.5], [10.5, 12.5]])
    stretched = resize_area(image, 8, 8)
    np.testing.assert_allclose(stretched.mean(), image.mean())
    np.testing.assert_allclose(resize_area(np.ones((7, 3)), 5, 11), np.ones((5, 11)))


def test_center_of_mass_of_a_single_pixel():
    image = np.zeros((5, 7))
    image[1, 4] = 2.0
    assert center_of_mass(image) == (1.0, 4.0)
