"""The formulations of a dense layer's products: each computes the same maths, the
gradient checks pass under every one of them (also when they skip constant input
columns, whose split is made afresh on every forward pass), and choose() gives each
layer of a network the fastest on its real input."""

import numpy as np
import pytest

from scratchnet.nn import products
from scratchnet.nn.gradcheck import check_layer, check_network
from scratchnet.nn.layers import PLAIN, Dense
from scratchnet.nn.losses import softmax_cross_entropy

FORMULATIONS = products.formulations(PLAIN)


def inputs_with_constant_columns(rng, N=6, D=10):
    """Like a batch of digits: most columns hold the same value in every row (a border)."""
    x = np.full((N, D), -0.4)
    x[:, [1, 4]] = rng.standard_normal((N, 2))
    return x


@pytest.mark.parametrize("name", sorted(FORMULATIONS))
def test_each_formulation_computes_the_maths(name):
    rng = np.random.default_rng(0)
    x, W, b, dz = inputs_with_constant_columns(rng), rng.standard_normal((10, 3)), rng.standard_normal(3), \
        rng.standard_normal((6, 3))
    p = FORMULATIONS[name]
    z, cache = p.forward(x, W, b)
    dx, dW, db = p.backward(dz, cache, W, need_dx=True)
    np.testing.assert_allclose(z, x @ W + b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dW, x.T @ dz, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, dz.sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dz @ W.T, rtol=1e-12, atol=1e-12)
    assert p.backward(dz, cache, W, need_dx=False)[0] is None


@pytest.mark.parametrize("name", sorted(FORMULATIONS))
def test_gradient_check_passes_under_every_formulation(name):
    # The regression: the skip formulations once kept the column split in a module-wide cache
    # keyed by the array's identity, stale as soon as the gradient check changed x in place.
    rng = np.random.default_rng(1)
    layer = Dense(rng.standard_normal((10, 3)), rng.standard_normal(3), "dense1", FORMULATIONS[name])
    errors = check_layer(layer, inputs_with_constant_columns(rng), rng)
    assert max(errors.values()) < 1e-7, errors


def test_the_split_of_one_forward_pass_is_never_used_for_another():
    rng = np.random.default_rng(2)
    skip = FORMULATIONS["plain-skip"]
    x = inputs_with_constant_columns(rng)
    W, b = rng.standard_normal((10, 3)), np.zeros(3)
    skip.forward(x, W, b)
    x[:, 7] = rng.standard_normal(len(x))  # changed in place: column 7 varies now
    z, _ = skip.forward(x, W, b)
    np.testing.assert_allclose(z, x @ W, rtol=1e-12)


def test_choose_gives_every_dense_layer_of_a_deep_network_the_fastest(make_trainer):
    from scratchnet import recipe

    network, trainer = make_trainer(recipe("default", hidden_sizes=[32, 32, 32, 32], train_size=200))
    timings = products.choose(network, trainer.x_train[:32], PLAIN, repeats=2)
    assert set(timings) == {f"dense{i}" for i in range(1, 6)}  # five dense layers, none left out
    for layer in network.dense_layers():
        assert layer.products.name == min(timings[layer.name], key=timings[layer.name].get)
    # Whatever was chosen, the whole network's gradients still check out (in float64).
    x = trainer.x_train[:8].astype(np.float64)
    for layer in network.dense_layers():
        layer.params = {k: v.astype(np.float64) for k, v in layer.params.items()}
    errors = check_network(network, x, trainer.y_train[:8], softmax_cross_entropy)
    assert max(errors.values()) < 1e-5, errors


def test_without_einsum_only_the_layers_own_functions_are_used():
    assert set(products.formulations(PLAIN, allow_einsum=False)) == {"plain", "plain-skip"}
    with pytest.raises(ValueError, match="plain, plain-skip"):
        products.use(None, "einsum", PLAIN, allow_einsum=False)


def test_without_dx_the_plain_functions_skip_that_product_but_not_the_gradients():
    rng = np.random.default_rng(3)
    x, W, dz = rng.standard_normal((6, 10)), rng.standard_normal((10, 3)), rng.standard_normal((6, 3))
    shapes_seen = []

    def backward(dz, x, W):
        shapes_seen.append(W.shape)
        return dz @ W.T, x.T @ dz, dz.sum(axis=0)

    assert PLAIN.skips_dx and products.handles_empty_W(backward)
    dx, dW, db = products.Plain(None, backward, skips_dx=True).backward(dz, x, W, need_dx=False)
    assert dx is None and shapes_seen[-1:] == [(0, 3)]  # the product for dx was empty
    np.testing.assert_array_equal(dW, x.T @ dz)
    np.testing.assert_array_equal(db, dz.sum(axis=0))


def uses_W(dz, x, W):
    """Right maths written in a way that needs W's shape (it fails on an empty W)."""
    dW = np.zeros_like(W)
    dW += x.T @ dz
    return dz @ W.T, dW, dz.sum(axis=0)


def test_a_function_that_needs_W_is_always_given_W_whole_and_called_once():
    rng = np.random.default_rng(4)
    x, W, dz = rng.standard_normal((6, 10)), rng.standard_normal((10, 3)), rng.standard_normal((6, 3))
    assert not products.handles_empty_W(uses_W)
    calls = []

    def counted(dz, x, W):
        calls.append(W.shape)
        return uses_W(dz, x, W)

    dx, dW, _ = products.Plain(None, counted).backward(dz, x, W, need_dx=False)
    assert calls == [(10, 3)] and dx is None
    np.testing.assert_allclose(dW, x.T @ dz)


def test_an_error_in_backward_is_raised_not_swallowed_and_retried():
    rng = np.random.default_rng(5)
    x, W, dz = rng.standard_normal((6, 10)), rng.standard_normal((10, 3)), rng.standard_normal((6, 3))
    calls = []

    def fails(dz, x, W):
        calls.append(W.shape)
        raise IndexError("a slip")

    with pytest.raises(IndexError, match="a slip"):
        products.Plain(None, fails, skips_dx=True).backward(dz, x, W, need_dx=False)
    assert calls == [(0, 3)]
