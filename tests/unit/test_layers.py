"""Layers and activations: forward values, and every backward pass against centred
differences (float64, tiny seeded shapes)."""

import numpy as np
import pytest

from scratchnet.nn import activations
from scratchnet.nn.activations import ACTIVATIONS, Activation, make_activation
from scratchnet.nn.gradcheck import check_layer, numerical_gradient, relative_error
from scratchnet.nn.layers import Dense, Dropout

TOLERANCE = 1e-7


def dense(rng, D=4, M=3):
    return Dense(rng.standard_normal((D, M)), rng.standard_normal(M), "dense1")


def away_from_zero(x):
    """ReLU has a kink at 0 where centred differences are meaningless; keep inputs clear of it."""
    return np.where(np.abs(x) < 0.1, 0.5, x)


class FixedRng:
    """Stands in for a Generator so that Dropout draws the same mask on every forward pass."""

    def __init__(self, uniform):
        self.uniform = uniform

    def random(self, shape, dtype=np.float64):
        assert shape == self.uniform.shape
        return self.uniform.astype(dtype)


def test_dense_forward_is_x_times_W_plus_b():
    x = np.array([[1.0, 2.0]])
    layer = Dense(np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]), np.array([0.1, 0.2, 0.3]), "d")
    np.testing.assert_allclose(layer.forward(x), [[2.1, 4.2, 1.3]])


def test_dense_backward_matches_numerical_gradient():
    rng = np.random.default_rng(0)
    layer = dense(rng)
    errors = check_layer(layer, rng.standard_normal((5, 4)), rng)
    assert set(errors) == {"x", "dense1.W", "dense1.b"}
    assert max(errors.values()) < TOLERANCE, errors


def test_dense_backward_overwrites_gradients_instead_of_accumulating():
    rng = np.random.default_rng(1)
    layer = dense(rng)
    x, dz = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    layer.forward(x)
    layer.backward(dz)
    first = {name: grad.copy() for name, _, grad in layer.named_params()}
    layer.forward(x)
    layer.backward(dz)
    for name, _, grad in layer.named_params():
        np.testing.assert_array_equal(grad, first[name])
    np.testing.assert_allclose(first["dense1.W"], x.T @ dz)
    np.testing.assert_allclose(first["dense1.b"], dz.sum(axis=0))


def test_dense_backward_can_skip_the_input_gradient():
    rng = np.random.default_rng(2)
    layer = dense(rng)
    layer.forward(rng.standard_normal((2, 4)))
    assert layer.backward(rng.standard_normal((2, 3)), need_dx=False) is None


def test_dense_named_params_share_names_and_shapes_with_gradients():
    layer = dense(np.random.default_rng(3), D=4, M=3)
    triples = list(layer.named_params())
    assert [name for name, _, _ in triples] == ["dense1.W", "dense1.b"]
    assert all(value.shape == grad.shape for _, value, grad in triples)
    assert repr(layer) == "Dense(dense1: 4 -> 3, products=plain)"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_matches_numerical_gradient(name):
    rng = np.random.default_rng(4)
    layer = make_activation(name)
    x = away_from_zero(rng.standard_normal((4, 5)) * 2)
    errors = check_layer(layer, x, rng)
    assert errors["x"] < TOLERANCE, errors


def test_activation_forward_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(Activation("relu").forward(x), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(Activation("sigmoid").forward(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(Activation("tanh").forward(x), np.tanh(x))


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_sigmoid_and_tanh_backward_use_the_kept_output_and_never_compute_f_again(name, monkeypatch):
    rng = np.random.default_rng(9)
    z, da = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    layer = make_activation(name)
    a = layer.forward(z)
    assert layer.cache is z  # the pre-activations, as the activation statistics read them
    expected = da * a * (1 - a) if name == "sigmoid" else da * (1 - a * a)

    def computed_again(*args):
        raise AssertionError("backward computed f(z) again")

    monkeypatch.setattr(activations, "sigmoid_forward", computed_again)
    monkeypatch.setattr(np, "tanh", computed_again)
    np.testing.assert_array_equal(layer.backward(da), expected)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_given_z_alone_computes_the_same(name):
    # The exercises' signature, backward(da, z): without the kept output the reference computes it.
    rng = np.random.default_rng(10)
    z, da = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    forward, backward = ACTIVATIONS[name]
    np.testing.assert_array_equal(backward(da, z), backward(da, z, forward(z)))


def test_sigmoid_saturates_without_overflow_warnings():
    with np.errstate(over="raise", invalid="raise"):
        out = Activation("sigmoid").forward(np.array([[-1e4, 1e4]]))
    np.testing.assert_allclose(out, [[0.0, 1.0]], atol=1e-20)


def test_unknown_activation_lists_the_valid_names():
    with pytest.raises(ValueError, match="relu, sigmoid, tanh"):
        make_activation("gelu")


def test_dropout_backward_with_a_fixed_mask_matches_numerical_gradient():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 6))
    layer = Dropout(0.5, FixedRng(rng.random((4, 6))))
    out = layer.forward(x, training=True)
    dropped = out == 0
    assert dropped.any() and not dropped.all()
    errors = check_layer(layer, x, rng)
    assert errors["x"] < TOLERANCE, errors


def test_dropout_keeps_units_with_probability_one_minus_rate_and_scales_them():
    rate = 0.25
    uniform = np.array([[0.1, 0.3, 0.2, 0.9]])
    layer = Dropout(rate, FixedRng(uniform))
    out = layer.forward(np.ones((1, 4)), training=True)
    np.testing.assert_allclose(out, [[0.0, 1 / 0.75, 0.0, 1 / 0.75]])
    np.testing.assert_allclose(layer.backward(np.full((1, 4), 2.0)), [[0.0, 2 / 0.75, 0.0, 2 / 0.75]])


def test_dropout_mean_is_preserved_at_training_time():
    layer = Dropout(0.3, np.random.default_rng(6))
    out = layer.forward(np.ones((200, 500)), training=True)
    assert abs(np.mean(out == 0) - 0.3) < 0.01
    assert abs(out.mean() - 1.0) < 0.02


def test_dropout_is_the_identity_at_test_time():
    layer = Dropout(0.5, np.random.default_rng(7))
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    np.testing.assert_array_equal(layer.backward(np.ones((2, 3))), np.ones((2, 3)))


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rejects_rates_outside_zero_to_one(rate):
    with pytest.raises(ValueError, match="dropout rate"):
        Dropout(rate, np.random.default_rng(0))


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored after probing


def test_gradient_check_catches_a_wrong_backward():
    half = Activation("tanh", backward=lambda da, z, a: 0.5 * da * (1 - np.tanh(z) ** 2))
    rng = np.random.default_rng(8)
    errors = check_layer(half, rng.standard_normal((3, 4)), rng)
    assert errors["x"] > 0.1


def test_relative_error_is_zero_for_equal_gradients_and_large_for_different_ones():
    a = np.array([1.0, 2.0, 0.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
