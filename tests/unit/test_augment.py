"""Data augmentation: the setting's text is read strictly and written canonically; the maps move
real digits exactly where the matrix says (whole-pixel shifts, a quarter turn, the identity);
the same seed gives the same batch; both input shapes and the standardised scaling work; the
strokes widen and thin; and at the largest strengths the digits stay in the frame."""

import numpy as np
import pytest

from scratchnet.data.augment import AUGMENTATIONS, affine_matrices, augment_batch, parse, text, thicken, warp
from scratchnet.data.drawing import center_of_mass

ALL_AT_MOST = {name: kind["max"] for name, kind in AUGMENTATIONS.items()}
CENTRE = (13.5, 13.5)


@pytest.fixture(scope="module")
def digits(mnist):
    """500 real test digits, uint8 (500, 28, 28)."""
    return mnist["x_test"][:500]


def standardise(images):
    """(N, 784) float32 inputs as the trainer gets them with input_scaling "standardize"."""
    unit = images.reshape(len(images), -1).astype(np.float32) / 255
    mean, std = unit.mean(), unit.std()
    return (unit - mean) / std, mean, std


def one(values):
    return np.array([float(values)])


# --- the setting's text ---------------------------------------------------------------------

@pytest.mark.parametrize("written,spec,canonical", [
    ("none", {}, "none"),
    ("shift:2", {"shift": 2.0}, "shift:2"),
    ("rotate:10,shift:2.50", {"shift": 2.5, "rotate": 10.0}, "shift:2.5,rotate:10"),
    ("thickness:0.5,shear:.25,scale:0.1,rotate:30,shift:4",
     {"shift": 4.0, "rotate": 30.0, "scale": 0.1, "shear": 0.25, "thickness": 0.5},
     "shift:4,rotate:30,scale:0.1,shear:0.25,thickness:0.5"),
    ("shift:0", {"shift": 0.0}, "shift:0"),
    ("scale:0.00001", {"scale": 1e-5}, "scale:0.00001"),
])
def test_text_is_read_and_written_canonically(written, spec, canonical):
    assert parse(written) == spec
    assert text(spec) == canonical
    assert parse(canonical) == spec


def test_any_spec_survives_its_text():
    rng = np.random.default_rng(0)
    for _ in range(200):
        names = [name for name in AUGMENTATIONS if rng.random() < 0.5]
        spec = {name: float(rng.uniform(0, AUGMENTATIONS[name]["max"])) for name in names}
        assert parse(text(spec)) == spec
    assert text({"rotate": 10, "shift": 2.0}) == "shift:2,rotate:10"  # fixed order, no ".0"
    assert text({"shift": -0.0}) == "shift:0"


@pytest.mark.parametrize("bad,says", [
    ("", "is empty; write none"),
    ("blur:1", "'blur' is not an augmentation; choose from shift, rotate, scale, shear, thickness"),
    (":2", "'' is not an augmentation"),
    ("Shift:2", "write it in lower case: shift"),
    ("None", "write it in lower case: none"),
    ("shift:2,rotate:5,shift:3", "shift is given twice"),
    ("shift", "shift needs a strength between 0 and 4 pixels, e.g. shift:2"),
    ("rotate:", "rotate needs a strength between 0 and 30 degrees"),
    ("shift:2:3", "'shift:2:3' has more than one colon"),
    ("shift:abc", "the strength of shift, 'abc', is not a plain number"),
    ("shift:1e-1", "'1e-1', is not a plain number"),
    ("rotate:nan", "'nan', is not a plain number"),
    ("rotate:inf", "'inf', is not a plain number"),
    ("shift:٣", "is not a plain number"),  # an Arabic-Indic digit: float() would take it
    ("shift:5", "the strength of shift must be between 0 and 4 pixels, not '5'"),
    ("rotate:-1", "must be between 0 and 30 degrees, not '-1'"),
    ("scale:0.31", "the strength of scale must be between 0 and 0.3, not '0.31'"),
    ("thickness:1", "between 0 and 0.5 pixels"),
    ("shift:" + "9" * 400, "must be between 0 and 4 pixels, not '999"),
    ("shift:2,", "item 2 of 'shift:2,' is empty; remove the extra comma"),
    (",shift:2", "item 1 of ',shift:2' is empty"),
    ("shift:2,,rotate:1", "item 2 of 'shift:2,,rotate:1' is empty"),
    ("shift: 2", "'shift: 2' has spaces in it"),
    (" shift:2", "has spaces in it"),
    ("shift:2\n", "'shift:2\\n' has spaces in it"),  # quoted back escaped
    ("shift:2,\trotate:1", "has spaces in it"),
])
def test_bad_text_is_refused_saying_what_to_write(bad, says):
    with pytest.raises(ValueError) as refused:
        parse(bad)
    assert says in str(refused.value)


@pytest.mark.parametrize("bad", [None, 5, ["shift:2"], {"shift": 2}])
def test_only_text_is_read(bad):
    with pytest.raises(ValueError, match="must be text such as shift:2,rotate:10, or none"):
        parse(bad)


@pytest.mark.parametrize("spec,says", [
    ({"blur": 1.0}, "'blur' is not an augmentation"),
    ({"shift": 9}, "between 0 and 4 pixels, not '9'"),
    ({"shift": True}, "must be between"),
    ({"rotate": float("nan")}, "must be between"),
    ({"scale": "0.1"}, "must be between"),
])
def test_bad_specs_are_refused_when_written_and_used(spec, says):
    with pytest.raises(ValueError, match=says):
        text(spec)
    with pytest.raises(ValueError, match=says):
        augment_batch(np.zeros((2, 784), np.float32), spec, np.random.default_rng(0))


# --- the maps ---------------------------------------------------------------------------------

@pytest.mark.parametrize("across,down", [(3, -2), (-4, 4), (1, 0)])
def test_a_whole_pixel_shift_moves_a_real_digit_exactly(digits, across, down):
    A = affine_matrices(one(across), one(down), one(0), one(1), one(0), CENTRE)
    np.testing.assert_array_equal(A[0], [[1, 0, across], [0, 1, down]])
    x, _, _ = standardise(digits[:20])
    images = x.reshape(-1, 28, 28)
    background = images[:, 0, 0]
    expected = np.broadcast_to(background[:, None, None], images.shape).copy()
    rows, cols = slice(max(down, 0), 28 + min(down, 0)), slice(max(across, 0), 28 + min(across, 0))
    expected[:, rows, cols] = images[:, max(-down, 0):28 - max(down, 0), max(-across, 0):28 - max(across, 0)]
    for i in range(len(images)):
        np.testing.assert_array_equal(warp(images[i:i + 1], A, background[i:i + 1])[0], expected[i])


def test_a_quarter_turn_is_rot90(digits):
    images = digits[:10].astype(np.float32) / 255
    background = np.zeros(10, np.float32)
    # Exactly: the matrix written out (x' = y, y' = 27 - x turns the picture anticlockwise).
    A = np.broadcast_to([[0.0, 1.0, 0.0], [-1.0, 0.0, 27.0]], (10, 2, 3))
    np.testing.assert_array_equal(warp(images, A, background), np.rot90(images, axes=(1, 2)))
    # From an angle: +90 degrees turns it clockwise as shown (rows go down); sin and cos of pi / 2
    # are not exact, so the edges may take in a trace of the background.
    A = affine_matrices(np.zeros(10), np.zeros(10), np.full(10, np.pi / 2), np.ones(10), np.zeros(10), CENTRE)
    turned = warp(images, A, background)
    np.testing.assert_allclose(turned[:, 1:-1, 1:-1], np.rot90(images, k=-1, axes=(1, 2))[:, 1:-1, 1:-1], atol=1e-5)


def test_the_identity_returns_the_image(digits):
    x, _, _ = standardise(digits[:50])
    images = x.reshape(-1, 28, 28)
    A = affine_matrices(np.zeros(50), np.zeros(50), np.zeros(50), np.ones(50), np.zeros(50), CENTRE)
    np.testing.assert_array_equal(warp(images, A, images[:, 0, 0]), images)
    assert augment_batch(x, {}, np.random.default_rng(0)) is x
    assert augment_batch(x, {"shift": 0.0, "rotate": 0.0}, np.random.default_rng(0)) is x


def test_scale_and_shear_move_points_as_the_matrix_says():
    # A soft round blob centred at (x, y) = (16, 10) must land centred at A (16, 10).
    rows, cols = np.indices((28, 28))
    blob = np.exp(-((cols - 16) ** 2 + (rows - 10) ** 2) / (2 * 1.5 ** 2)).astype(np.float32)[None]
    A = affine_matrices(one(0), one(0), one(0), one(1.2), one(0.25), CENTRE)
    x, y = A[0] @ [16, 10, 1]
    assert (x, y) == pytest.approx((13.5 + 1.2 * (2.5 + 0.25 * -3.5), 13.5 + 1.2 * -3.5))
    out = warp(blob, A, np.zeros(1, np.float32))[0]
    assert center_of_mass(out) == pytest.approx((y, x), abs=0.05)  # the inverse map would be off by 1-3 px


def blobs(n, x, y):
    """n copies of a soft round blob centred at column x, row y: (n, 28, 28) float32."""
    rows, cols = np.indices((28, 28))
    blob = np.exp(-((cols - x) ** 2 + (rows - y) ** 2) / (2 * 1.5 ** 2)).astype(np.float32)
    return np.repeat(blob[None], n, axis=0)


def centres(images):
    """(n, 2) centres of mass as (x, y) relative to the frame's centre."""
    return np.array([center_of_mass(image)[::-1] for image in images]) - 13.5


@pytest.mark.parametrize("name", ["shift", "rotate", "scale", "shear"])
def test_each_strength_is_the_largest_change_in_its_unit(name):
    strength = AUGMENTATIONS[name]["max"]
    if name == "shift":  # pixels, across and down independently
        moved = centres(augment_batch(blobs(300, 13.5, 13.5), {"shift": strength}, np.random.default_rng(0)))
        assert np.abs(moved).max() <= strength + 0.05 and np.abs(moved).max(axis=0).min() > 0.9 * strength
        assert abs(np.corrcoef(moved.T)[0, 1]) < 0.3
    if name == "rotate":  # degrees about the centre
        start = np.arctan2(-5.0, 0.0)
        moved = centres(augment_batch(blobs(300, 13.5, 8.5), {"rotate": strength}, np.random.default_rng(0)))
        turned = np.degrees(np.arctan2(moved[:, 1], moved[:, 0]) - start)
        assert np.abs(turned).max() <= strength + 0.5 and np.abs(turned).max() > 0.9 * strength
    if name == "scale":  # a fraction of the size
        moved = centres(augment_batch(blobs(300, 13.5, 8.5), {"scale": strength}, np.random.default_rng(0)))
        factor = np.hypot(*moved.T) / 5.0
        assert factor.min() >= 1 - strength - 0.01 and factor.max() <= 1 + strength + 0.01
        assert factor.min() < 1 - 0.9 * strength and factor.max() > 1 + 0.9 * strength
    if name == "shear":  # x moves by shear * (y - centre), here 5 px above it
        moved = centres(augment_batch(blobs(300, 13.5, 8.5), {"shear": strength}, np.random.default_rng(0)))
        np.testing.assert_allclose(moved[:, 1], -5.0, atol=0.01)
        assert np.abs(moved[:, 0]).max() <= 5 * strength + 0.02 and np.abs(moved[:, 0]).max() > 0.9 * 5 * strength


# --- the batch ----------------------------------------------------------------------------------

def test_same_seed_same_batch_and_each_image_its_own_variant(digits):
    x, _, _ = standardise(digits[:64])
    first = augment_batch(x, ALL_AT_MOST, np.random.default_rng(7))
    again = augment_batch(x, ALL_AT_MOST, np.random.default_rng(7))
    other = augment_batch(x, ALL_AT_MOST, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    twins = augment_batch(np.repeat(x[:1], 2, axis=0), {"rotate": 10.0}, np.random.default_rng(7))
    assert not np.allclose(twins[0], twins[1])


def test_every_image_draws_the_same_numbers_whichever_augmentations_are_on(digits):
    x, _, _ = standardise(digits[:8])
    positions = []
    for spec in ({"shift": 1.0}, {"thickness": 0.5}, ALL_AT_MOST):
        rng = np.random.default_rng(3)
        augment_batch(x, spec, rng)
        positions.append(rng.random())
    assert positions[0] == positions[1] == positions[2]
    rng = np.random.default_rng(3)
    rng.uniform(-1.0, 1.0, size=(8, 6))  # six numbers an image: two shifts, angle, scale, shear, thickness
    assert rng.random() == positions[0]
    # Turning rotation on leaves the shifts as they were: with rotate:0 the shift alone.
    shifted = augment_batch(x, {"shift": 3.0}, np.random.default_rng(5))
    np.testing.assert_array_equal(shifted, augment_batch(x, {"shift": 3.0, "rotate": 0.0}, np.random.default_rng(5)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flat_and_image_shaped_batches_keep_their_shape_and_dtype(digits, dtype):
    x = (digits[:16].reshape(16, -1) / 255).astype(dtype)
    flat = augment_batch(x, ALL_AT_MOST, np.random.default_rng(1))
    images = augment_batch(x.reshape(16, 1, 28, 28), ALL_AT_MOST, np.random.default_rng(1))
    assert flat.shape == (16, 784) and flat.dtype == dtype
    assert images.shape == (16, 1, 28, 28) and images.dtype == dtype
    np.testing.assert_array_equal(images.reshape(16, -1), flat)
    assert not np.allclose(flat, x)


def test_raw_pixels_stay_whole_numbers_in_range(digits):
    out = augment_batch(digits[:32], ALL_AT_MOST, np.random.default_rng(2))
    assert out.dtype == np.uint8 and out.shape == (32, 28, 28)
    assert out.max() > 200  # ink is still ink


@pytest.mark.parametrize("shape", [(4, 783), (4,), (4, 1, 1, 28, 28)])
def test_what_is_not_a_batch_of_images_is_refused(shape):
    with pytest.raises(ValueError, match="square images|batch of images"):
        augment_batch(np.zeros(shape, np.float32), {"shift": 1.0}, np.random.default_rng(0))


def test_standardised_inputs_augment_as_their_pixels_would(digits):
    x, mean, std = standardise(digits[:100])
    from_pixels = augment_batch(x * std + mean, ALL_AT_MOST, np.random.default_rng(4))
    from_inputs = augment_batch(x, ALL_AT_MOST, np.random.default_rng(4))
    np.testing.assert_allclose(from_inputs, (from_pixels - mean) / std, atol=1e-5)
    # The background stays the background: no ink reaches the corners with a mild spec.
    mild = augment_batch(x, {"shift": 2.0, "rotate": 10.0, "thickness": 0.5}, np.random.default_rng(4))
    corners = mild.reshape(-1, 28, 28)[:, [0, 0, -1, -1], [0, -1, 0, -1]]
    np.testing.assert_allclose(corners, -mean / std, rtol=1e-6)


# --- thickness ----------------------------------------------------------------------------------

def test_a_stroke_widens_and_thins():
    stroke = np.zeros((3, 28, 28), np.float32)
    stroke[:, 5:23, 12:16] = 1.0   # a bar 4 pixels wide
    stroke[:, 5:23, [11, 16]] = 0.5  # with soft edges
    background = np.zeros(3, np.float32)
    wider, same, thinner = thicken(stroke, np.array([1.0, 0.0, -1.0]), background)
    np.testing.assert_array_equal(same, stroke[1])
    # A whole pixel is a 3x3 maximum (minimum): one more column of full ink on each side.
    assert wider[10, 10:18].tolist() == [0.5, 1, 1, 1, 1, 1, 1, 0.5]
    assert thinner[10, 10:18].tolist() == [0, 0, 0.5, 1, 1, 0.5, 0, 0]
    half_wider, half_thinner = thicken(stroke[:2], np.array([0.5, -0.5]), background[:2])
    assert stroke[0].sum() < half_wider.sum() < wider.sum()
    assert thinner.sum() < half_thinner.sum() < stroke[0].sum()


def test_real_strokes_gain_and_lose_ink(digits):
    x, mean, std = standardise(digits[:100])
    images = x.reshape(-1, 28, 28)
    ink = lambda inputs: (inputs * std + mean).sum(axis=(1, 2))
    for amount, grows in ((0.5, True), (-0.5, False)):
        out = thicken(images, np.full(100, amount), images[:, 0, 0])
        assert np.all((ink(out) > ink(images)) == grows)


# --- the largest strengths on real digits ----------------------------------------------------------

def test_at_the_largest_strengths_digits_stay_in_the_frame(digits):
    x, mean, std = standardise(digits)
    pixels = (augment_batch(x, ALL_AT_MOST, np.random.default_rng(0)) * std + mean).reshape(-1, 28, 28)
    before = digits.astype(np.float64).sum(axis=(1, 2)) / 255
    after = pixels.sum(axis=(1, 2))
    # Shrinking to 0.7 keeps 0.49 of the ink and thinning by half a pixel about half of that.
    assert np.all(after > 0.2 * before)
    # The centre of mass moves with the shift (at most 4 * sqrt 2 = 5.7 px) and little else.
    distance = [np.hypot(*np.subtract(center_of_mass(image), 13.5)) for image in pixels]
    assert max(distance) < 7.5
    # Little ink ends up on the frame's outermost ring: nothing is pushed out of the picture.
    ring = np.concatenate([pixels[:, 0], pixels[:, -1], pixels[:, 1:-1, 0], pixels[:, 1:-1, -1]], axis=1)
    share = np.clip(ring, 0, None).sum(axis=1) / after
    assert share.mean() < 0.03 and share.max() < 0.25
