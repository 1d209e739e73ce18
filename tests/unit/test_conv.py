"""Tests for the convolutional layers (scratchnet.nn.conv): gradients against centred
differences, forwards against plain loops, pooling routes, shapes, and a short
real-MNIST training run."""

import math
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchnet.nn.conv import FORMULATIONS, Conv2D, Flatten, MaxPool2D, col2im, conv_init, default_formulation, im2col  # noqa: E402
from scratchnet.nn.gradcheck import check_layer  # noqa: E402

TOLERANCE = 1e-6


def loop_conv(x, W, b, padding=0):
    """The definition, one multiply-add at a time; returns (out, multiply-adds per example)."""
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    xp = np.zeros((N, C, H + 2 * padding, Wd + 2 * padding))
    xp[:, :, padding:padding + H, padding:padding + Wd] = x
    OH, OW = xp.shape[2] - KH + 1, xp.shape[3] - KW + 1
    out = np.zeros((N, F, OH, OW))
    macs = 0
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    total = b[f]
                    for c in range(C):
                        for u in range(KH):
                            for v in range(KW):
                                total += W[f, c, u, v] * xp[n, c, i + u, j + v]
                                macs += 1
                    out[n, f, i, j] = total
    return out, macs // N


def loop_maxpool(x, s):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H // s, W // s))
    for n in range(N):
        for c in range(C):
            for i in range(H // s):
                for j in range(W // s):
                    out[n, c, i, j] = x[n, c, i * s:(i + 1) * s, j * s:(j + 1) * s].max()
    return out


@pytest.mark.parametrize("formulation", sorted(FORMULATIONS))
@pytest.mark.parametrize("padding", [0, 1])
def test_conv_gradients_match_centred_differences(formulation, padding):
    rng = np.random.default_rng(1)
    layer = Conv2D(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3), "conv", padding, formulation)
    errors = check_layer(layer, rng.standard_normal((2, 2, 6, 5)), rng)
    assert set(errors) == {"x", "conv.W", "conv.b"}
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("size, shape", [(2, (2, 3, 4, 6)), (3, (2, 2, 7, 6))])
def test_maxpool_gradient_matches_centred_differences(size, shape):
    rng = np.random.default_rng(2)
    errors = check_layer(MaxPool2D(size, "pool"), rng.standard_normal(shape), rng)
    assert errors["x"] < TOLERANCE, errors


def test_flatten_gradient_matches_centred_differences():
    rng = np.random.default_rng(3)
    errors = check_layer(Flatten("flat"), rng.standard_normal((2, 3, 2, 4)), rng)
    assert errors["x"] < TOLERANCE, errors


@pytest.mark.parametrize("formulation", sorted(FORMULATIONS))
@pytest.mark.parametrize("padding", [0, 2])
def test_conv_forward_equals_the_loop_definition(formulation, padding):
    rng = np.random.default_rng(4)
    W, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)  # non-square kernel
    x = rng.standard_normal((2, 3, 6, 5))
    layer = Conv2D(W, b, "conv", padding, formulation)
    expected, macs = loop_conv(x, W, b, padding)
    out = layer.forward(x)
    assert out.shape == expected.shape == (2, 4) + layer.output_shape((3, 6, 5))[1:]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert layer.flops((3, 6, 5)) == macs


@pytest.mark.parametrize("layout", ["cols", "rows"])
def test_col2im_is_the_adjoint_of_im2col(layout):
    # <im2col(x), d> = <x, col2im(d)> for all x, d is what makes col2im the gradient of im2col.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 5, 6))
    patches = im2col(x, 3, 2, layout)
    d = rng.standard_normal(patches.shape)
    assert np.vdot(patches, d) == pytest.approx(np.vdot(x, col2im(d, x.shape, 3, 2, layout)), rel=1e-12)


def test_formulations_agree_in_float32():
    rng = np.random.default_rng(6)
    W, b = conv_init(8, 4, 5, rng)
    x = rng.standard_normal((3, 4, 12, 12)).astype(np.float32)
    dout = rng.standard_normal((3, 8, 8, 8)).astype(np.float32)
    results = []
    for name in FORMULATIONS:
        layer = Conv2D(W, b, "conv", formulation=name)
        out = layer.forward(x, training=True)
        dx = layer.backward(dout)
        assert out.dtype == dx.dtype == layer.grads["W"].dtype == np.float32
        results.append((out, dx, layer.grads["W"], layer.grads["b"]))
    for other in results[1:]:
        for a, b_ in zip(results[0], other):
            np.testing.assert_allclose(a, b_, rtol=1e-4, atol=1e-4)


def test_default_formulation_follows_the_platform_and_patch_length():
    assert default_formulation(25, platform="linux") == "matmul"
    assert default_formulation(400, platform="darwin") == "matmul"
    assert default_formulation(25, platform="emscripten") == "einsum-cols"
    assert default_formulation(144, platform="emscripten") == "einsum-rows"
    assert default_formulation(400, platform="emscripten") == "einsum-rows"
    with pytest.raises(ValueError, match="unknown formulation"):
        Conv2D(np.zeros((1, 1, 3, 3)), np.zeros(1), "conv", formulation="blas")


def test_maxpool_forward_equals_the_loop_definition_and_floors():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 7, 9))
    pool = MaxPool2D(2, "pool")
    out = pool.forward(x)
    assert out.shape == (2,) + pool.output_shape((3, 7, 9)) == (2, 3, 3, 4)
    np.testing.assert_array_equal(out, loop_maxpool(x, 2))
    dx = pool.backward(np.ones_like(out))
    assert not dx[:, :, 6, :].any() and not dx[:, :, :, 8].any()  # dropped row and column


def test_maxpool_gradient_goes_to_the_max_only_even_on_ties():
    x = np.array([[[[1.0, 5.0, 2.0, 2.0],
                    [3.0, 4.0, 2.0, 2.0]]]])  # second window: four equal values
    pool = MaxPool2D(2, "pool")
    np.testing.assert_array_equal(pool.forward(x, training=True), [[[[5.0, 2.0]]]])
    dx = pool.backward(np.array([[[[10.0, 7.0]]]]))
    np.testing.assert_array_equal(dx, [[[[0.0, 10.0, 7.0, 0.0],
                                         [0.0, 0.0, 0.0, 0.0]]]])


def test_flatten_round_trip():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 2, 4, 5)).astype(np.float32)
    flat = Flatten("flat")
    out = flat.forward(x)
    assert out.shape == (3, 40) and flat.output_shape((2, 4, 5)) == (40,)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    back = flat.backward(out)
    assert back.shape == x.shape and back.dtype == np.float32
    np.testing.assert_array_equal(back, x)


def test_output_shapes_chain_like_forward():
    rng = np.random.default_rng(9)
    layers = [Conv2D(*conv_init(4, 1, 5, rng), "conv1"), MaxPool2D(2, "pool1"),
              Conv2D(*conv_init(6, 4, 3, rng), "conv2", padding=1), MaxPool2D(3, "pool2"), Flatten("flat")]
    x = rng.standard_normal((2, 1, 28, 28)).astype(np.float32)
    shape = (1, 28, 28)
    for layer in layers:
        x = layer.forward(x)
        shape = layer.output_shape(shape)
        assert x.shape == (2,) + shape, layer
        assert x.dtype == np.float32
    assert shape == (6 * 4 * 4,)
    assert repr(layers[0]) == "Conv2D(conv1: 1x28x28 -> 4x24x24, 5x5)"
    assert repr(layers[2]) == "Conv2D(conv2: 4x12x12 -> 6x12x12, 3x3, padding 1)"
    with pytest.raises(ValueError, match="does not fit"):
        layers[2].output_shape((3, 12, 12))  # wrong number of channels


def test_grads_are_fresh_each_call_and_need_dx_false_skips_dx():
    rng = np.random.default_rng(10)
    layer = Conv2D(*conv_init(3, 2, 3, rng, dtype=np.float64), "conv")
    x, dout = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((2, 3, 3, 3))
    layer.forward(x, training=True)
    layer.backward(dout)
    first = {k: g.copy() for k, g in layer.grads.items()}
    layer.backward(dout)  # again: overwritten, not summed
    for key in first:
        np.testing.assert_array_equal(layer.grads[key], first[key])
    assert layer.backward(dout, need_dx=False) is None
    np.testing.assert_array_equal(layer.grads["W"], first["W"])
    names = [name for name, _, _ in layer.named_params()]
    assert names == ["conv.W", "conv.b"]


def test_conv_init_scales():
    rng = np.random.default_rng(11)
    W, b = conv_init(64, 16, 5, rng)
    assert W.shape == (64, 16, 5, 5) and W.dtype == np.float32 and b.shape == (64,) and not b.any()
    assert W.std() == pytest.approx(math.sqrt(2 / 400), rel=0.05)
    W, _ = conv_init(64, 16, 5, rng, initializer="xavier", dtype=np.float64)
    limit = math.sqrt(6 / (400 + 1600))
    assert W.dtype == np.float64 and np.abs(W).max() <= limit and np.abs(W).max() > 0.95 * limit
    with pytest.raises(ValueError, match="unknown initializer"):
        conv_init(1, 1, 3, rng, initializer="zeros")


def test_a_tiny_conv_net_learns_real_mnist():
    from scratchnet.cli import find_mnist
    from scratchnet.data.mnist import load_mnist
    from scratchnet.nn.initializers import xavier
    from scratchnet.nn.layers import Dense
    from scratchnet.nn.losses import softmax_cross_entropy
    from scratchnet.nn.optimizers import Adam

    class ReLU:  # kept here so that this test depends only on the conv layers
        def forward(self, x, training=False):
            self.cache = x > 0
            return x * self.cache

        def backward(self, dout):
            return dout * self.cache

    data = load_mnist(find_mnist())
    rng = np.random.default_rng(1)  # measured: seeds 0-5 end at 82-86% test accuracy
    x_train = (data["x_train"][:1000, None] / np.float32(255)).astype(np.float32)
    mean, std = x_train.mean(), x_train.std()
    x_train = (x_train - mean) / std
    x_test = ((data["x_test"][:500, None] / np.float32(255) - mean) / std).astype(np.float32)
    y_train, y_test = data["y_train"][:1000].astype(np.int64), data["y_test"][:500].astype(np.int64)

    conv = Conv2D(*conv_init(8, 1, 5, rng), "conv1")
    dense = Dense(xavier(8 * 12 * 12, 10, rng), np.zeros(10, np.float32), "dense1")
    layers = [conv, MaxPool2D(2, "pool1"), ReLU(), Flatten("flat"), dense]

    def forward(x, training):
        for layer in layers:
            x = layer.forward(x, training)
        return x

    optimizer = Adam()
    untrained = np.mean(forward(x_test, False).argmax(axis=1) == y_test)
    order = rng.permutation(1000)
    for start in range(0, 1000, 10):  # one epoch, batches of 10
        idx = order[start:start + 10]
        loss, dout = softmax_cross_entropy(forward(x_train[idx], True), y_train[idx])
        for layer in reversed(layers[1:]):
            dout = layer.backward(dout)
        conv.backward(dout, need_dx=False)
        optimizer.step(list(conv.named_params()) + list(dense.named_params()), 3e-3)
    accuracy = np.mean(forward(x_test, False).argmax(axis=1) == y_test)
    assert untrained < 0.3 and accuracy > 0.8, (untrained, accuracy)
