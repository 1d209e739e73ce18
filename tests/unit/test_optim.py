"""Optimisers against steps worked out by hand, and exact resumption from saved state."""


import sys

import numpy as np
import pytest

from scratchnet.nn.optimizers import SGD, Adam, Momentum, make_optimizer, momentum_step
from scratchnet.teaching import exercises


def params(w, g):
    return [("p", w, g)]


def test_sgd_step_is_w_minus_lr_g():
    w, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    opt = SGD()
    opt.step(params(w, g), 0.1)
    np.testing.assert_allclose(w, [0.95, -2.025])
    opt.step(params(w, g), 0.2)
    np.testing.assert_allclose(w, [0.85, -2.075])
    assert opt.t == 2


def test_momentum_two_steps_by_hand():
    # v1 = -0.1 * 1 = -0.1;        w1 = 1 - 0.1 = 0.9
    # v2 = 0.9 * -0.1 - 0.1 * 2 = -0.29;  w2 = 0.9 - 0.29 = 0.61
    w = np.array([1.0])
    opt = Momentum(momentum=0.9)
    opt.step(params(w, np.array([1.0])), 0.1)
    np.testing.assert_allclose(w, [0.9])
    opt.step(params(w, np.array([2.0])), 0.1)
    np.testing.assert_allclose(w, [0.61])
    np.testing.assert_allclose(opt.velocity["p"], [-0.29])


def test_adam_two_steps_by_hand():
    # beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lr = 0.01
    # step 1, g = 2:   m = 0.2, v = 0.004; m_hat = 2, v_hat = 4; w -= 0.01 * 2 / (2 + 1e-8)
    # step 2, g = -1:  m = 0.18 - 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996
    #                  m_hat = 0.08 / 0.19, v_hat = 0.004996 / 0.001999
    w = np.array([1.0])
    opt = Adam()
    opt.step(params(w, np.array([2.0])), 0.01)
    w1 = 1.0 - 0.01 * 2 / (2 + 1e-8)
    np.testing.assert_allclose(w, [w1], rtol=1e-12)
    opt.step(params(w, np.array([-1.0])), 0.01)
    m_hat, v_hat = 0.08 / 0.19, 0.004996 / 0.001999
    np.testing.assert_allclose(w, [w1 - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)], rtol=1e-12)
    np.testing.assert_allclose(opt.m["p"], [0.08])
    np.testing.assert_allclose(opt.v["p"], [0.004996])


def test_adam_computes_the_update_its_docstring_writes_eps_included():
    # With a large eps the two forms differ unless eps is rescaled as the docstring says.
    b1, b2, eps, lr = 0.9, 0.999, 0.1, 0.01
    rng = np.random.default_rng(5)
    w = rng.standard_normal(6)
    expected, m, v = w.copy(), np.zeros(6), np.zeros(6)
    opt = Adam(beta1=b1, beta2=b2, eps=eps)
    for t in range(1, 6):
        g = rng.standard_normal(6) * 0.01
        opt.step(params(w, g), lr)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        expected = expected - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        np.testing.assert_allclose(w, expected, rtol=1e-13, atol=0)


def test_adam_first_step_moves_each_weight_by_about_the_learning_rate():
    w = np.zeros(3)
    Adam().step(params(w, np.array([1e-3, -5.0, 100.0])), 0.01)
    np.testing.assert_allclose(w, [-0.01, 0.01, -0.01], rtol=1e-4)


def test_optimizers_update_every_named_parameter_separately():
    a, b = np.ones(2), np.ones(3)
    opt = Momentum(momentum=0.5)
    for _ in range(2):
        opt.step([("a", a, np.ones(2)), ("b", b, 2 * np.ones(3))], 1.0)
    np.testing.assert_allclose(a, 1 - 1 - 1.5)
    np.testing.assert_allclose(b, 1 - 2 - 3)


def run(opt, w, gradients, learning_rate=0.05):
    for g in gradients:
        opt.step(params(w, g), learning_rate)
    return w


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_state_dict_round_trip_continues_identically(name, through_npz):
    rng = np.random.default_rng(0)
    gradients = [rng.standard_normal(4) for _ in range(6)]
    w0 = rng.standard_normal(4)

    straight = run(make_optimizer({"optimizer": name, "momentum": 0.8}), w0.copy(), gradients)

    first = make_optimizer({"optimizer": name, "momentum": 0.8})
    w = run(first, w0.copy(), gradients[:3])
    resumed = make_optimizer({"optimizer": name, "momentum": 0.8})
    resumed.load_state_dict(through_npz(first.state_dict()))
    run(resumed, w, gradients[3:])

    assert resumed.t == 6
    np.testing.assert_array_equal(w, straight)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_fresh_optimizer_without_state_continues_differently(name):
    # The counterpart of the round-trip test: the state really matters.
    rng = np.random.default_rng(0)
    gradients = [rng.standard_normal(4) for _ in range(6)]
    w0 = rng.standard_normal(4)
    straight = run(make_optimizer({"optimizer": name, "momentum": 0.9}), w0.copy(), gradients)
    w = run(make_optimizer({"optimizer": name, "momentum": 0.9}), w0.copy(), gradients[:3])
    run(make_optimizer({"optimizer": name, "momentum": 0.9}), w, gradients[3:])
    assert not np.allclose(w, straight)


def test_make_optimizer_passes_hyperparameters():
    assert make_optimizer({"optimizer": "momentum", "momentum": 0.5}).momentum == 0.5
    adam = Adam(beta1=0.8, beta2=0.99)
    assert (adam.beta1, adam.beta2) == (0.8, 0.99)
    assert isinstance(make_optimizer({"optimizer": "sgd", "momentum": 0.5}), SGD)


def test_unknown_optimizer_lists_the_valid_names():
    with pytest.raises(ValueError, match="sgd, momentum, adam"):
        make_optimizer({"optimizer": "rmsprop", "momentum": 0.5})


def test_momentum_step_updates_W_and_v_in_place_and_returns_them():
    W, dW, v = np.array([1.0, 2.0]), np.array([1.0, -1.0]), np.array([0.5, 0.0])
    new_W, new_v = momentum_step(W, dW, v, 0.1, 0.9)
    assert new_W is W and new_v is v
    np.testing.assert_allclose(v, [0.9 * 0.5 - 0.1, 0.1])   # v <- mu v - lr dW
    np.testing.assert_allclose(W, [1.0 + 0.35, 2.1])         # W <- W + v


def test_the_default_momentum_runs_momentum_step_itself():
    # The function the code panel shows (the exercise's reference) is the one that runs:
    # every call of its code is counted, however it is reached.
    assert Momentum().step_fn is exercises.REFERENCES["momentum_step"] is momentum_step
    calls = []

    def count(frame, event, arg):
        if event == "call" and frame.f_code is momentum_step.__code__:
            calls.append(frame.f_locals["W"].shape)

    a, b = np.ones(2), np.ones(3)
    sys.setprofile(count)
    try:
        Momentum(momentum=0.9).step([("a", a, np.ones(2)), ("b", b, np.ones(3))], 0.1)
    finally:
        sys.setprofile(None)
    assert calls == [(2,), (3,)]


def test_a_momentum_step_returning_new_arrays_goes_through_the_same_seam():
    # A learner's pure version: its new arrays are written into the layer's own weights,
    # with the reference's numbers bit for bit.
    def pure(W, dW, v, learning_rate, momentum):
        v = momentum * v - learning_rate * dW
        return W + v, v

    rng = np.random.default_rng(11)
    w_reference = rng.standard_normal((5, 4)).astype(np.float32)
    w_pure = w_reference.copy()
    kept = w_pure
    reference, learners = Momentum(momentum=0.8), Momentum(momentum=0.8, step_fn=pure)
    for _ in range(5):
        g = rng.standard_normal((5, 4)).astype(np.float32)
        reference.step([("w", w_reference, g)], 0.05)
        learners.step([("w", w_pure, g)], 0.05)
    assert w_pure is kept and w_pure.dtype == np.float32
    np.testing.assert_array_equal(w_pure, w_reference)
    np.testing.assert_array_equal(learners.velocity["w"], reference.velocity["w"])
