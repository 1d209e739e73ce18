"""Optimisers against steps worked out by hand, and exact resumption from saved state."""


import numpy as np
import pytest

from scratchnet.nn.optimizers import SGD, Adam, Momentum, make_optimizer


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


def test_momentum_in_place_gives_the_numbers_of_momentum_step():
    from scratchnet.nn.optimizers import momentum_step

    rng = np.random.default_rng(11)
    w_fast = rng.standard_normal((5, 4)).astype(np.float32)
    w_pure = w_fast.copy()
    fast, pure = Momentum(momentum=0.8), Momentum(momentum=0.8, step_fn=lambda *a: momentum_step(*a))
    for _ in range(5):
        g = rng.standard_normal((5, 4)).astype(np.float32)
        fast.step([("w", w_fast, g)], 0.05)
        pure.step([("w", w_pure, g)], 0.05)
    np.testing.assert_allclose(w_fast, w_pure, rtol=1e-6)
    np.testing.assert_allclose(fast.velocity["w"], pure.velocity["w"], rtol=1e-6)
