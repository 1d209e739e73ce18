"""Training on real MNIST slices: it learns, it is deterministic, it can stop and
resume exactly, it regularises as documented, and it stops cleanly when it diverges."""

import copy
import itertools
import math

import numpy as np
import pytest

from scratchnet import RECIPES, recipe
from scratchnet.nn.losses import softmax_cross_entropy


def small_config(**overrides):
    """The default recipe cut down to 300 images (10 batches of 32) and 2 epochs."""
    return recipe("default", **{"train_size": 300, "epochs": 2, "hidden_sizes": [32], **overrides})


def weights(network):
    return {name: value.copy() for name, value in network.state().items()}


def drain(generator):
    """Runs a generator to its end and returns its return value."""
    while True:
        try:
            next(generator)
        except StopIteration as done:
            return done.value


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


# --- it learns ---------------------------------------------------------------------------------

def test_short_real_training_run_learns(trained_run):
    _, untrained_accuracy, events = trained_run
    epochs = [e for e in events if e["type"] == "epoch"]
    assert untrained_accuracy < 0.2
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert epochs[-1]["test_accuracy"] > 0.85
    assert epochs[-1]["test_loss"] < epochs[0]["test_loss"] < math.log(10)
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]


def test_events_of_a_run_in_order(trained_run):
    _, _, events = trained_run
    batches = math.ceil(2000 / 32)
    assert [e["type"] for e in events] == (["progress"] * batches + ["epoch"]) * 2 + ["finished"]
    assert events[-1] == {"type": "finished", "epoch": 2, "step": 2 * batches}
    progress = [e for e in events if e["type"] == "progress"]
    assert [e["step"] for e in progress] == list(range(1, 2 * batches + 1))
    assert sum(e["samples"] for e in progress[:batches]) == 2000
    assert progress[batches - 1]["samples"] == 2000 - 32 * (batches - 1)
    assert set(progress[0]["grad_norms"]) == {"dense1", "dense2"}
    epoch = events[batches]
    assert np.array(epoch["confusion"]).sum() == 1000
    assert len(epoch["per_class_accuracy"]) == 10


def test_learning_rate_decays_exponentially_per_epoch(trained_run):
    _, _, events = trained_run
    progress = [e for e in events if e["type"] == "progress"]
    batches = math.ceil(2000 / 32)
    lr, decay = RECIPES["default"]["learning_rate"], RECIPES["default"]["lr_decay"]
    assert decay < 1
    assert progress[0]["learning_rate"] == pytest.approx(lr)
    assert progress[batches]["learning_rate"] == pytest.approx(lr * decay)
    assert progress[batches // 2]["learning_rate"] == pytest.approx(lr * decay ** ((batches // 2) / batches))
    first_epoch = [e for e in events if e["type"] == "epoch"][0]
    assert first_epoch["learning_rate"] == pytest.approx(lr * decay)


def test_batch_size_larger_than_the_training_set_means_full_batch(make_trainer):
    _, trainer = make_trainer(recipe("seed", train_size=200, epochs=1), test_size=100)
    assert (trainer.batch_size, trainer.batches_per_epoch) == (200, 1)
    events = list(trainer.events())
    assert [e["type"] for e in events] == ["progress", "epoch", "finished"]
    assert events[0]["samples"] == 200


# --- determinism -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["default", "wide"])
def test_same_seed_gives_bit_identical_weights(make_trainer, name):
    config = recipe(name, train_size=500, epochs=1, hidden_sizes=[32])
    runs = []
    for _ in range(2):
        network, trainer = make_trainer(config, test_size=200)
        events = list(trainer.events())
        runs.append((weights(network), events))
    assert_same_weights(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_different_seed_gives_different_weights(make_trainer):
    results = []
    for seed in (0, 1):
        network, trainer = make_trainer(small_config(seed=seed, epochs=1), test_size=200)
        list(trainer.events())
        results.append(weights(network))
    assert not np.array_equal(results[0]["dense1.W"], results[1]["dense1.W"])
    assert not np.array_equal(results[0]["dense2.b"], results[1]["dense2.b"])


# --- stopping and resuming ---------------------------------------------------------------------

@pytest.mark.parametrize("stops", [[3], [10], [11], [2, 5, 9]],
                         ids=["mid-epoch", "before-epoch-event", "after-epoch-event", "three-stops"])
def test_stopping_between_batches_and_resuming_is_exact(make_trainer, stops):
    config = small_config()
    straight_network, straight = make_trainer(config, test_size=200)
    straight_events = list(straight.events())

    network, trainer = make_trainer(config, test_size=200)
    events = []
    for count in stops:
        events += list(itertools.islice(trainer.events(), count))
    events += list(trainer.events())

    assert events == straight_events
    assert_same_weights(weights(network), weights(straight_network))


def test_resuming_a_fresh_trainer_from_state_dict_is_exact(make_trainer, through_npz):
    # As a new process would: rebuild everything from the seed, then restore weights and state.
    config = small_config()
    straight_network, straight = make_trainer(config, test_size=200)
    list(straight.events())

    first_network, first = make_trainer(config, test_size=200)
    list(itertools.islice(first.events(), 4))
    saved_weights, saved_state = weights(first_network), through_npz(first.state_dict())

    network, trainer = make_trainer(config, test_size=200)
    for name, value in network.state().items():
        value[...] = saved_weights[name]
    trainer.load_state_dict(saved_state)
    assert (trainer.epoch, trainer.batch, trainer.step) == (0, 4, 4)
    list(trainer.events())

    assert_same_weights(weights(network), weights(straight_network))


# --- regularisation ----------------------------------------------------------------------------

def raw_gradients(network, x, y):
    """The loss gradients of a copy of `network` on one batch (the network is left alone)."""
    clone = copy.deepcopy(network)
    _, dlogits = softmax_cross_entropy(clone.forward(x, training=True), y)
    clone.backward(dlogits)
    return {name: grad.copy() for name, _, grad in clone.named_params()}


def assert_update(before, after, expected):
    """after == before - expected for every parameter, to float32 rounding of the weights."""
    for name in before:
        applied = before[name].astype(np.float64) - after[name]
        tolerance = 4 * np.finfo(np.float32).eps * max(float(np.abs(before[name]).max()), 1e-3)
        np.testing.assert_allclose(applied, expected[name], rtol=0, atol=tolerance, err_msg=name)


def one_step(make_trainer, **overrides):
    network, trainer = make_trainer(small_config(optimizer="sgd", lr_decay=1.0, **overrides), test_size=100)
    rng = np.random.default_rng(0)
    for name, value, _ in network.named_params():
        if name.endswith(".b"):  # non-zero, so decaying them by mistake would show
            value[...] = rng.normal(0, 0.1, value.shape)
    x, y = trainer.x_train[:32], trainer.y_train[:32]
    before, grads = weights(network), raw_gradients(network, x, y)
    event = trainer.train_step(x, y)
    return before, grads, weights(network), event


def test_weight_decay_adds_decay_times_W_to_weight_gradients_but_not_biases(make_trainer):
    lr, decay = 0.01, 0.1
    before, grads, after, event = one_step(make_trainer, learning_rate=lr, weight_decay=decay, clip_norm=0)
    assert event["type"] == "progress" and not event["clipped"]
    assert_update(before, after, {
        name: lr * (grads[name] + (decay * before[name] if name.endswith(".W") else 0)) for name in before})


def test_clipping_scales_the_global_gradient_norm_down_to_clip_norm(make_trainer):
    lr, clip = 0.01, 0.05
    before, grads, after, event = one_step(make_trainer, learning_rate=lr, weight_decay=0, clip_norm=clip)
    total = math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
    assert total > clip and event["clipped"]
    assert math.sqrt(sum(n * n for n in event["grad_norms"].values())) == pytest.approx(total, rel=1e-5)
    applied = {name: (before[name] - after[name]).astype(np.float64) / lr for name in before}
    assert math.sqrt(sum(float(np.sum(a ** 2)) for a in applied.values())) == pytest.approx(clip, rel=1e-3)
    assert_update(before, after, {name: lr * grads[name] * (clip / total) for name in before})


def test_clipping_then_weight_decay(make_trainer):
    lr, clip, decay = 0.01, 0.05, 0.01
    before, grads, after, _ = one_step(make_trainer, learning_rate=lr, weight_decay=decay, clip_norm=clip)
    total = math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
    assert_update(before, after, {
        name: lr * (grads[name] * (clip / total) + (decay * before[name] if name.endswith(".W") else 0))
        for name in before})


@pytest.mark.parametrize("clip", [0.0, 1000.0], ids=["off", "above-the-norm"])
def test_no_clipping_when_off_or_when_the_norm_is_below_the_limit(make_trainer, clip):
    lr = 0.01
    before, grads, after, event = one_step(make_trainer, learning_rate=lr, weight_decay=0, clip_norm=clip)
    assert not event["clipped"]
    assert_update(before, after, {name: lr * grads[name] for name in before})


# --- the named steps ----------------------------------------------------------------------------

def test_a_batch_is_gradients_regularise_step_report_in_that_order(make_trainer):
    _, trainer = make_trainer(small_config(), test_size=100)
    order = []
    spy = lambda name, fn: lambda *args: order.append(name) or fn(*args)  # noqa: E731
    for name in ("gradients", "regularise", "report"):
        setattr(trainer, name, spy(name, getattr(trainer, name)))
    trainer.optimizer.step = spy("step", trainer.optimizer.step)
    event = trainer.train_step(trainer.x_train[:32], trainer.y_train[:32])
    assert order == ["gradients", "regularise", "step", "report"] and event["type"] == "progress"


def test_micro_batches_add_up_to_the_batchs_gradients(make_trainer):
    network, trainer = make_trainer(small_config(), test_size=100)
    x, y = trainer.x_train[:32], trainer.y_train[:32]
    whole = raw_gradients(network, x, y)
    trainer.micro_batch = 7
    pieces = trainer.gradients(x, y)
    works = []
    while True:
        try:
            works.append(next(pieces))
        except StopIteration as done:
            grads, loss, correct = done.value
            break
    assert works == [{"type": "work", "phase": "train"}] * 4  # between 5 micro-batches of <= 7 rows
    assert grads.keys() == whole.keys()
    for name in whole:
        np.testing.assert_allclose(grads[name], whole[name], rtol=1e-4, atol=1e-6, err_msg=name)
    expected_loss, _ = softmax_cross_entropy(network.forward(x), y)
    assert loss == pytest.approx(float(expected_loss), rel=1e-5)
    assert correct == int(np.sum(network.forward(x).argmax(axis=1) == y))


def test_regularise_clips_then_decays_the_weights_gradients_only(make_trainer):
    network, trainer = make_trainer(small_config(weight_decay=0.1), test_size=100)
    rng = np.random.default_rng(3)
    grads = {name: rng.standard_normal(value.shape).astype(value.dtype) for name, value, _ in network.named_params()}
    given = {name: g.copy() for name, g in grads.items()}
    params = trainer.regularise(grads, 0.5)
    assert [name for name, _, _ in params] == [name for name, _, _ in network.named_params()]
    for name, W, g in params:
        expected = given[name] * 0.5 + (0.1 * W if name.endswith(".W") else 0)
        np.testing.assert_allclose(g, expected, rtol=1e-6, err_msg=name)
    assert trainer.clip_scale(20.0) == 5.0 / 20.0 and trainer.clip_scale(1.0) == 1.0


# --- divergence --------------------------------------------------------------------------------

def test_huge_learning_rate_diverges_cleanly_keeping_the_last_good_weights(make_trainer):
    config = small_config(optimizer="sgd", clip_norm=0, epochs=3)
    config["learning_rate"] = 1e6  # beyond the schema's limit of 10 on purpose; Trainer must still cope
    network, trainer = make_trainer(config, test_size=100)
    start, seen = weights(network), []
    with np.errstate(over="ignore", invalid="ignore"):
        for event in trainer.events():
            seen.append(event)

    assert seen[-1]["type"] == "diverged"
    assert [e["type"] for e in seen[:-1]] == ["progress"] * (len(seen) - 1) and len(seen) > 1
    message = seen[-1]["message"]
    assert "learning rate" in message
    assert f"({trainer.learning_rate():.3g})" in message
    assert trainer.finished and trainer.diverged == message
    assert list(trainer.events()) == []
    assert all(np.isfinite(value).all() for value in network.state().values())
    # The last good step's weights read every digit the same way: the start is put back.
    assert "put back to their untrained start" in message and seen[-1]["restored_epoch"] == 0
    assert_same_weights(weights(network), start)


def test_overflowing_test_loss_stops_training_with_an_explanation(make_trainer):
    network, trainer = make_trainer(small_config(epochs=3))
    start = weights(network)
    for _, value, _ in network.named_params():
        value *= 1e30  # finite weights whose outputs overflow
    with np.errstate(all="ignore"):
        event = drain(trainer.end_epoch())
    assert not math.isfinite(event["test_loss"])
    assert trainer.finished and "learning rate" in trainer.diverged
    assert list(trainer.events()) == []
    assert_same_weights(weights(network), start)  # weights that predict are put back
