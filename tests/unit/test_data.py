"""IDX parsing and its refusals, the real MNIST files, balanced subsets, and data bundles."""

import struct

import numpy as np
import pytest

from scratchnet.data.mnist import (
    DataFileError,
    balanced_subset,
    input_statistics,
    load_bundle,
    load_mnist,
    parse_idx,
    read_idx,
    save_bundle,
)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array, type_code=0x08, zero=0):
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", zero, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def test_parse_idx_reads_shape_and_values():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    parsed = parse_idx(idx_bytes(images))
    assert parsed.dtype == np.uint8
    np.testing.assert_array_equal(parsed, images)
    np.testing.assert_array_equal(parse_idx(idx_bytes([7, 0, 9])), [7, 0, 9])


def test_parse_idx_reads_big_endian_sizes():
    raw = bytes([0, 0, 8, 1, 0, 0, 1, 0]) + bytes(256)
    assert parse_idx(raw).shape == (256,)


@pytest.mark.parametrize("raw,reason", [
    (b"", "too short"),
    (b"\x00\x00\x08", "too short"),
    (idx_bytes([1, 2], zero=0x1234), "first two bytes must be zero"),
    (idx_bytes([1, 2], type_code=0x0D), "type code 0x0d"),
    (bytes([0, 0, 8, 0]), "dimensions"),
    (bytes([0, 0, 8, 9]) + bytes(100), "dimensions"),
    (bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0]), "truncated header"),
    (idx_bytes(np.zeros((2, 3)))[:-1], "holds 5"),
    (idx_bytes(np.zeros((2, 3))) + b"\x00", "holds 7"),
], ids=["empty", "three-bytes", "bad-magic", "float-type", "zero-dims", "nine-dims", "truncated-header",
        "data-short", "data-long"])
def test_parse_idx_refuses_malformed_files(raw, reason):
    with pytest.raises(DataFileError, match=reason):
        parse_idx(raw, name="sample")


def test_read_idx_names_the_file_in_errors(tmp_path):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(DataFileError, match="broken-idx1-ubyte"):
        read_idx(str(path))


def test_real_mnist_has_the_official_shapes_and_label_counts(mnist):
    assert mnist["x_train"].shape == (60000, 28, 28) and mnist["x_train"].dtype == np.uint8
    assert mnist["x_test"].shape == (10000, 28, 28)
    assert np.bincount(mnist["y_train"], minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist["y_test"], minlength=10).tolist() == TEST_COUNTS
    assert mnist["x_train"].max() == 255 and mnist["x_train"].min() == 0


def test_load_mnist_names_missing_files(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((1, 28, 28))))
    with pytest.raises(DataFileError, match="t10k-labels-idx1-ubyte"):
        load_mnist(str(tmp_path))


def test_load_mnist_refuses_images_and_labels_that_disagree(tmp_path):
    files = {"train-images-idx3-ubyte": np.zeros((3, 28, 28)), "train-labels-idx1-ubyte": np.zeros(2),
             "t10k-images-idx3-ubyte": np.zeros((2, 28, 28)), "t10k-labels-idx1-ubyte": np.zeros(2)}
    for name, array in files.items():
        (tmp_path / name).write_bytes(idx_bytes(array))
    with pytest.raises(DataFileError, match="train"):
        load_mnist(str(tmp_path))


@pytest.mark.parametrize("size", [2000, 1005, 10])
def test_balanced_subset_is_balanced_unique_and_shuffled(mnist, size):
    idx = balanced_subset(mnist["y_train"], size, np.random.default_rng(0))
    counts = np.bincount(mnist["y_train"][idx], minlength=10)
    assert len(idx) == size and len(set(idx.tolist())) == size
    assert counts.max() - counts.min() <= 1
    assert counts.sum() == size
    assert not np.all(np.diff(mnist["y_train"][idx].astype(int)) >= 0)  # not grouped by class


def test_balanced_subset_depends_only_on_the_seed(mnist):
    a = balanced_subset(mnist["y_train"], 500, np.random.default_rng(1))
    b = balanced_subset(mnist["y_train"], 500, np.random.default_rng(1))
    c = balanced_subset(mnist["y_train"], 500, np.random.default_rng(2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_balanced_subset_refuses_impossible_sizes():
    labels = np.array([0] * 5 + [1] * 50)
    with pytest.raises(ValueError, match="only 55"):
        balanced_subset(labels, 100, np.random.default_rng(0), num_classes=2)



def test_a_short_class_gives_all_it_has_and_the_others_make_up_the_rest():
    labels = np.array([0] * 5 + [1] * 50)
    chosen = balanced_subset(labels, 20, np.random.default_rng(0), num_classes=2)
    assert len(set(chosen)) == 20 and np.bincount(labels[chosen]).tolist() == [5, 15]
    everything = balanced_subset(labels, 55, np.random.default_rng(0), num_classes=2)
    assert sorted(everything) == list(range(55))


def test_input_statistics_of_pixels_scaled_to_unit():
    mean, std = input_statistics(np.array([[0, 255], [0, 255]], dtype=np.uint8))
    assert (mean, std) == (0.5, 0.5)


def small_bundle(mnist, path):
    return save_bundle(path, mnist["x_train"][:50], mnist["y_train"][:50], mnist["x_test"][:20], mnist["y_test"][:20])


def test_bundle_round_trip(mnist, tmp_path):
    path = tmp_path / "mnist.npz"
    digest = small_bundle(mnist, path)
    assert len(digest) == 64
    data = load_bundle(path)
    np.testing.assert_array_equal(data["x_train"], mnist["x_train"][:50])
    np.testing.assert_array_equal(data["y_test"], mnist["y_test"][:20])
    assert all(array.dtype == np.uint8 for array in data.values())


def test_bundle_missing_an_array_is_refused(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DataFileError, match="lacks"):
        load_bundle(path)


def test_bundle_with_wrong_shapes_is_refused(tmp_path):
    path = tmp_path / "shapes.npz"
    np.savez(path, x_train=np.zeros((2, 20, 20), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(DataFileError, match="unexpected shapes"):
        load_bundle(path)


def test_bundle_with_labels_that_are_not_digits_is_refused(tmp_path):
    # load_mnist refuses these; a bundle must too, or training fails later with an IndexError.
    path = tmp_path / "labels.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.array([3, 12], np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(DataFileError, match="label"):
        load_bundle(path)


def test_missing_bundle_is_refused(tmp_path):
    with pytest.raises(DataFileError):
        load_bundle(tmp_path / "nowhere.npz")


def test_truncated_bundle_is_refused_with_a_data_file_error(mnist, tmp_path):
    path = tmp_path / "mnist.npz"
    small_bundle(mnist, path)
    raw = path.read_bytes()
    path.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(DataFileError):
        load_bundle(path)


def test_bundle_of_random_bytes_is_refused(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(DataFileError):
        load_bundle(path)
