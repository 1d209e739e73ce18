"""Data-parallel steps (training/shards.py): k workers' shards add up to the one-worker step, with
the same dropout masks and augmentation, and the run's random streams end where one worker leaves them."""

import numpy as np
import pytest

from scratchnet import recipe
from scratchnet.training import shards


def small_config(**overrides):
    return recipe("default", **{"train_size": 300, "epochs": 1, "hidden_sizes": [32], **overrides})


def run_steps(make_trainer, config, k, steps, micro_batch=None):
    network, trainer = make_trainer(config, test_size=100)
    trainer.shards = k
    if micro_batch:
        trainer.micro_batch = micro_batch
    run = trainer.events()
    progress = []
    while len(progress) < steps:
        event = next(run)
        if event["type"] == "progress":
            progress.append(event)
    return network, trainer, progress


@pytest.mark.parametrize("N,k", [(32, 1), (32, 2), (32, 3), (7, 3), (5, 8), (100, 7)])
def test_shards_cover_the_batch_in_order_as_equal_as_possible(N, k):
    bounds = shards.shard_bounds(N, k)
    assert bounds[0][0] == 0 and bounds[-1][1] == N
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    sizes = [b - a for a, b in bounds]
    assert len(bounds) == min(k, N) and max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


def test_pieces_are_cut_where_the_one_worker_micro_batches_are():
    assert list(shards.pieces(0, 20, 20, 8)) == [(0, 8, 0, 8), (8, 16, 8, 8), (16, 20, 16, 4)]
    assert list(shards.pieces(5, 13, 20, 8)) == [(5, 8, 0, 8), (8, 13, 8, 8)]


@pytest.mark.parametrize("has_half", [False, True])
@pytest.mark.parametrize("count", [0, 1, 2, 7, 1000, 1001])
def test_stream_at_gives_the_numbers_a_stream_gives_after_count_draws(count, has_half):
    rng = np.random.default_rng([3, 3])
    if has_half:
        rng.random(1, dtype=np.float32)  # leaves a half of a 64-bit output kept over
    state = rng.bit_generator.state
    rng.random(count, dtype=np.float32)
    expected = rng.random(9, dtype=np.float32)
    np.testing.assert_array_equal(shards.stream_at(state, count).random(9, dtype=np.float32), expected)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("overrides", [
    {},  # the default recipe: momentum, L2, clipping
    {"dropout": 0.3, "optimizer": "adam", "learning_rate": 0.002},  # two dropout layers
    {"augment": "shift:2,rotate:10"},
], ids=["plain", "dropout-adam", "augment"])
def test_k_workers_give_the_weights_of_one_after_several_steps(make_trainer, k, overrides):
    config = small_config(hidden_sizes=[32, 16], **overrides)
    one, one_trainer, one_events = run_steps(make_trainer, config, 1, 6, micro_batch=8)
    many, many_trainer, many_events = run_steps(make_trainer, config, k, 6, micro_batch=8)
    for name, value in one.state().items():
        np.testing.assert_allclose(many.state()[name], value, rtol=2e-4, atol=2e-6, err_msg=name)
    assert [e["accuracy"] for e in many_events] == [e["accuracy"] for e in one_events]
    assert [e["loss"] for e in many_events] == pytest.approx([e["loss"] for e in one_events], rel=1e-5)
    # Every random stream stands where the one-worker run left it: the runs go on alike.
    one_state, many_state = one_trainer.state_dict(), many_trainer.state_dict()
    for name in ("rng", "augment_rng", "dropout_rng"):
        assert str(many_state.get(name)) == str(one_state.get(name)), name


def test_dropout_masks_differ_from_a_plain_second_draw(make_trainer):
    """The test above can fail: shards that drew their masks from the wrong places would differ."""
    config = small_config(hidden_sizes=[32], dropout=0.5)
    network, trainer = make_trainer(config, test_size=100)
    x, y = trainer.x_train[:16], trainer.y_train[:16]
    state = shards.dropout_state(network)
    whole = shards.add_up([drain(shards.shard_gradients(network, x, y, 16, 0, 16, trainer.loss_fn, state))])
    wrong = shards.add_up([drain(shards.shard_gradients(network, x[a:b], y[a:b], 16, 0, 16, trainer.loss_fn, state))
                           for a, b in shards.shard_bounds(16, 2)])  # each shard from the start of the stream
    right = shards.add_up([drain(shards.shard_gradients(network, x[a:b], y[a:b], 16, a, 16, trainer.loss_fn, state))
                           for a, b in shards.shard_bounds(16, 2)])
    name = "dense1.W"
    np.testing.assert_allclose(right[0][name], whole[0][name], rtol=1e-4, atol=1e-6)
    assert not np.allclose(wrong[0][name], whole[0][name], rtol=1e-4, atol=1e-6)


def test_gradients_travel_flat_and_come_back_in_shape(make_trainer):
    network, trainer = make_trainer(small_config(), test_size=100)
    grads = {name: np.full_like(value, i) for i, (name, value) in enumerate(network.state().items())}
    names = list(grads)
    back = shards.unflatten(shards.flatten(grads, names), network.state())
    for name in names:
        np.testing.assert_array_equal(back[name], grads[name])
    with pytest.raises(ValueError):
        shards.unflatten(shards.flatten(grads, names)[:-1], network.state())


def drain(generator):
    while True:
        try:
            next(generator)
        except StopIteration as done:
            return done.value
