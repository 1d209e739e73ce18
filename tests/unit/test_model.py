"""The network as a whole: gradients end to end, building from a config, input
normalisation and prediction; and the weight initialisers it uses."""

import numpy as np
import pytest

from scratchnet import Network, recipe
from scratchnet.nn.activations import Activation
from scratchnet.nn.gradcheck import check_network, numerical_gradient
from scratchnet.nn.initializers import get_initializer, he, xavier
from scratchnet.nn.layers import Dense
from scratchnet.nn.losses import softmax_cross_entropy
from scratchnet.teaching.network_views import hidden_activations

MNIST = {"sample_shape": (28, 28), "num_classes": 10}


def build(config, rng, mean=0.0, std=1.0, **kwargs):
    return Network.build(config, rng, mean, std, **{**MNIST, **kwargs})

TOLERANCE = 1e-7


def tiny_network(rng, activations=("tanh", "sigmoid")):
    """5 -> 4 -> 3 -> 3 in float64, one activation class per hidden layer."""
    sizes = [5, 4, 3, 3]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        layers.append(Dense(rng.standard_normal((fan_in, fan_out)), rng.standard_normal(fan_out), f"dense{i}"))
        if i < len(activations) + 1:
            layers.append(Activation(activations[i - 1]))
    return Network(layers, {}, 0.0, 1.0, (5,), (5,), 3)


def test_whole_small_network_gradients_match_numerical_gradient():
    rng = np.random.default_rng(0)
    network = tiny_network(rng)
    errors = check_network(network, rng.standard_normal((4, 5)), np.array([0, 2, 1, 2]), softmax_cross_entropy)
    assert set(errors) == {f"dense{i}.{p}" for i in (1, 2, 3) for p in "Wb"}
    assert max(errors.values()) < TOLERANCE, errors


def test_network_with_relu_gradients_match_numerical_gradient():
    rng = np.random.default_rng(1)
    network = tiny_network(rng, activations=("relu", "relu"))
    errors = check_network(network, rng.standard_normal((6, 5)), np.array([0, 1, 2, 0, 1, 2]),
                           softmax_cross_entropy)
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("activation,initializer", [("relu", "he"), ("tanh", "xavier"), ("sigmoid", "xavier")])
def test_built_float64_network_gradients_match_numerical_gradient(activation, initializer):
    config = recipe("default", hidden_sizes=[3, 4], activation=activation, initializer=initializer)
    network = build(config, np.random.default_rng(2), dtype=np.float64)
    rng = np.random.default_rng(3)
    for name, value, _ in network.named_params():
        if name.endswith(".b"):  # zero biases can leave a ReLU exactly on its kink
            value[...] = rng.uniform(0.1, 0.5, value.shape) * rng.choice([-1, 1], value.shape)
    x, y = rng.standard_normal((3, 784)), np.array([1, 7, 9])

    _, dlogits = softmax_cross_entropy(network.forward(x, training=True), y)
    network.backward(dlogits)
    analytic = {name: grad.copy() for name, _, grad in network.named_params()}
    assert all(value.dtype == np.float64 for value in network.state().values())
    for name, value, _ in network.named_params():
        numeric = numerical_gradient(lambda: softmax_cross_entropy(network.forward(x, training=True), y)[0], value)
        # Norm-wise rather than element-wise: among 784 x 3 first-layer entries a few are ~1e-7,
        # where the forward pass's own rounding (~1e-11) dominates an element-wise ratio.
        error = np.linalg.norm(analytic[name] - numeric) / np.linalg.norm(analytic[name] + numeric)
        assert error < TOLERANCE, (name, error)


def test_build_follows_the_config():
    config = recipe("wide", hidden_sizes=[16, 8])
    network = build(config, np.random.default_rng(0))
    assert network.sizes == [784, 16, 8, 10]
    kinds = [type(layer).__name__ for layer in network.layers]
    assert kinds == ["Dense", "Activation", "Dropout", "Dense", "Activation", "Dropout", "Dense"]
    assert [name for name, _, _ in network.named_params()] == [
        "dense1.W", "dense1.b", "dense2.W", "dense2.b", "dense3.W", "dense3.b"]
    assert all(value.dtype == np.float32 for value in network.state().values())
    assert all(not b.any() for name, b in network.state().items() if name.endswith(".b"))
    assert repr(network) == "Network(784-16-8-10, 'relu')"


def test_build_is_deterministic_for_a_seed():
    config = recipe("default", hidden_sizes=[8])
    a = build(config, np.random.default_rng(5)).state()
    b = build(config, np.random.default_rng(5)).state()
    c = build(config, np.random.default_rng(6)).state()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["dense1.W"], c["dense1.W"])


def test_normalize_scales_uint8_and_standardises():
    network = build(recipe("default", hidden_sizes=[4]), np.random.default_rng(0), mean=0.5, std=0.25)
    as_bytes = np.full((2, 28, 28), 255, dtype=np.uint8)
    as_floats = np.zeros((2, 784))
    np.testing.assert_allclose(network.normalize(as_bytes), 2.0)
    np.testing.assert_allclose(network.normalize(as_floats), -2.0)
    assert network.normalize(as_floats).dtype == np.float32


def test_normalize_rejects_images_of_the_wrong_size():
    network = build(recipe("default", hidden_sizes=[4]), np.random.default_rng(0))
    with pytest.raises(ValueError, match="28x28"):
        network.normalize(np.zeros((1, 20, 20)))


def test_predict_proba_gives_distributions_and_predict_their_argmax():
    network = build(recipe("default", hidden_sizes=[8]), np.random.default_rng(0))
    images = np.random.default_rng(1).random((2500, 784))
    p = network.predict_proba(images)  # more than one internal batch of 1000
    assert p.shape == (2500, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(network.predict(images), p.argmax(axis=1))


def test_predict_without_dropout_at_test_time_is_repeatable():
    network = build(recipe("wide", hidden_sizes=[32]), np.random.default_rng(0))
    images = np.random.default_rng(1).random((5, 784))
    np.testing.assert_array_equal(network.predict_proba(images), network.predict_proba(images))


def test_hidden_activations_returns_one_array_per_hidden_layer():
    network = build(recipe("wide", hidden_sizes=[6, 5]), np.random.default_rng(0))
    outs = hidden_activations(network, network.normalize(np.zeros((2, 784))))
    assert [h.shape for h in outs] == [(2, 6), (2, 5)]
    assert all((h >= 0).all() for h in outs)  # after ReLU


def test_xavier_weights_lie_within_the_glorot_limit():
    W = xavier(300, 100, np.random.default_rng(0))
    limit = np.sqrt(6 / 400)
    assert W.shape == (300, 100) and W.dtype == np.float32
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.95 * limit
    assert abs(W.var() - limit ** 2 / 3) < 0.05 * limit ** 2 / 3


def test_he_weights_have_variance_two_over_fan_in():
    W = he(400, 200, np.random.default_rng(0), dtype=np.float64)
    assert W.dtype == np.float64
    assert abs(W.mean()) < 0.005
    assert abs(W.var() - 2 / 400) < 0.05 * 2 / 400


def test_unknown_initializer_lists_the_valid_names():
    assert get_initializer("he") is he
    with pytest.raises(ValueError, match="xavier, he"):
        get_initializer("lecun")

