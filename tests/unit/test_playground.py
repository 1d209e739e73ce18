"""The 2-D playground: its point sets (seeded, balanced, split by class), its input
features, a spiral learned natively by the same run setup and trainer as MNIST's,
frames that match predict_proba point by point, placed points that join training,
and its bridge calls."""

import json

import numpy as np
import pytest

from scratchnet import ConfigError
from scratchnet.app import bridge, playground_calls
from scratchnet.data import points2d
from scratchnet.teaching.network_views import hidden_activations
from scratchnet.teaching.playground import DEFAULTS, Playground, network_config, validate_settings


def test_point_sets_are_seeded_balanced_and_split_in_proportion():
    for name in points2d.SHAPES:
        a, b = points2d.PointSet(name, 400, 0.2, 0.3, seed=3), points2d.PointSet(name, 400, 0.2, 0.3, seed=3)
        np.testing.assert_array_equal(a.xy_train, b.xy_train)
        np.testing.assert_array_equal(a.xy_test, b.xy_test)
        other = points2d.PointSet(name, 400, 0.2, 0.3, seed=4)
        assert not np.array_equal(a.xy_train, other.xy_train), name
        assert np.bincount(a.y_train).tolist() == [140, 140], name  # 70% of 200 per class
        assert np.bincount(a.y_test).tolist() == [60, 60], name
        assert a.xy_train.shape == (280, 2) and a.xy_test.shape == (120, 2)
    xy, labels = points2d.points("circle", 7, 0.0, np.random.default_rng(0))
    assert np.bincount(labels).tolist() == [4, 3]


def test_each_shape_puts_its_classes_where_its_docstring_says():
    rng = np.random.default_rng(0)
    xy, y = points2d.points("circle", 1000, 0.0, rng)
    radius = np.hypot(xy[:, 0], xy[:, 1])
    assert radius[y == 0].max() <= 2.5 and 3.5 <= radius[y == 1].min() and radius[y == 1].max() <= 5.5
    xy, y = points2d.points("xor", 1000, 0.0, rng)
    assert np.array_equal(y, (xy[:, 0] * xy[:, 1] < 0).astype(int)) and np.abs(xy).min() >= 0.3
    xy, y = points2d.points("gauss", 4000, 0.0, rng)
    np.testing.assert_allclose(xy[y == 0].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(xy[y == 1].std(axis=0), [1, 1], atol=0.1)
    xy, y = points2d.points("spiral", 1000, 0.0, rng)
    # On the spiral r = 5 t, angle = 3.5 pi t + pi * class, so the angle follows from the radius.
    t = np.hypot(xy[:, 0], xy[:, 1]) / 5
    angle = np.arctan2(xy[:, 0], xy[:, 1])
    expected = 3.5 * np.pi * t + np.pi * y
    np.testing.assert_allclose(np.cos(angle - expected), 1, atol=1e-9)
    quiet, _ = points2d.points("spiral", 1000, 0.0, np.random.default_rng(1))
    noisy, _ = points2d.points("spiral", 1000, 0.5, np.random.default_rng(1))
    assert 0.4 < np.std(noisy - quiet) < 0.6  # the jitter's standard deviation is `noise`


def test_features_are_computed_as_named():
    xy = np.array([[3.0, -6.0], [0.0, 1.5]])
    got = points2d.features(xy, list(points2d.FEATURES))
    expected = [[0.5, -1.0, 0.25, 1.0, -0.5, np.sin(3.0), np.sin(-6.0)],
                [0.0, 0.25, 0.0, 0.0625, 0.0, 0.0, np.sin(1.5)]]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(points2d.features(xy, ["sin_x2", "x1"]), got[:, [6, 0]])
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        points2d.features(xy, ["x3"])


def test_settings_are_checked_and_every_bad_one_named():
    assert validate_settings({}) == DEFAULTS
    settings = validate_settings({"hidden": "4, 2", "features": "sin_x1,x1", "batch": "10"})
    assert settings["hidden"] == [4, 2] and settings["features"] == ["x1", "sin_x1"]
    with pytest.raises(ConfigError) as refused:
        validate_settings({"dataset": "moons", "hidden": "8,64", "features": "", "noise": -1, "speed": 3})
    assert set(refused.value.errors) == {"dataset", "hidden", "features", "noise", "speed"}
    assert "circle, xor, gauss, spiral" in refused.value.errors["dataset"]


def test_a_run_is_an_ordinary_config_on_a_dataset_of_features():
    config = network_config(validate_settings({"hidden": [5], "batch": "all", "activation": "relu"}), 37)
    assert (config["train_size"], config["batch_size"], config["initializer"]) == (37, 37, "he")
    pg = Playground({"features": ["x1", "x2", "x1x2"], "hidden": [6, 3]})
    assert pg.run.network.sizes == [3, 6, 3, 2]
    assert pg.run.dataset.sample_shape == (3,) and pg.run.dataset.num_classes == 2


def test_spiral_with_two_layers_of_eight_tanh_units_learns():
    pg = Playground({"dataset": "spiral", "hidden": [8, 8], "activation": "tanh"})
    assert pg.frame()["test_accuracy"] < 0.7
    for _ in range(3000):
        pg.step()
        if pg.run.trainer.step % 50 == 0 and pg.frame()["test_accuracy"] >= 0.95:
            break
    result = pg.frame()
    assert result["test_accuracy"] >= 0.95 and result["train_accuracy"] >= 0.95, result["step"]
    assert result["step"] < 3000


def test_the_frame_matches_predict_proba_at_each_cell_and_each_unit():
    pg = Playground({"dataset": "xor", "hidden": [4, 3], "features": ["x1", "x2", "sin_x1"]})
    pg.train(30)
    f = pg.frame(resolution=16, unit_stride=2)
    network, names = pg.run.network, pg.settings["features"]
    for row, col in [(0, 0), (0, 15), (15, 0), (7, 9)]:
        # Row 0 is the top (x2 = +6), column 0 the left (x1 = -6); cells are 12/16 wide.
        point = np.array([[-6 + (col + 0.5) * 0.75, 6 - (row + 0.5) * 0.75]])
        expected = network.predict_proba(points2d.features(point, names))[0, 1]
        assert f["boundary"][row, col] == pytest.approx(expected, abs=1e-6)
    point = np.array([[-6 + 4.5 * 0.75, 6 - 10.5 * 0.75]])  # the units' cell (5, 2) is the grid's (10, 4)
    acts = np.concatenate(hidden_activations(network, network.normalize(points2d.features(point, names))), axis=1)[0]
    np.testing.assert_allclose(f["units"][:, 5, 2], acts, atol=1e-6)
    assert f["layers"] == [4, 3] and f["units"].shape == (7, 8, 8)
    assert f["test_accuracy"] == float(np.mean(network.predict(pg.run.dataset.x_test) == pg.run.dataset.y_test))


def test_placed_points_join_training_and_the_run_goes_on():
    pg = Playground({"dataset": "gauss"})
    pg.train(30)
    step, weights = pg.run.trainer.step, pg.run.network.copy_state()
    spot = np.array([[3.0, 3.0]])  # deep in class 0's cloud
    pg.place([(3.0, 3.0, 1)] * 20)
    trainer = pg.run.trainer
    assert len(trainer.x_train) == 220 and trainer.y_train[-20:].tolist() == [1] * 20
    assert trainer.step == step and all(np.array_equal(v, weights[k]) for k, v in pg.run.network.state().items())
    before = pg.run.network.predict_proba(points2d.features(spot, ["x1", "x2"]))[0, 1]
    for _ in range(400):
        pg.step()
    after = pg.run.network.predict_proba(points2d.features(spot, ["x1", "x2"]))[0, 1]
    assert before < 0.5 < after  # the placed points were learned
    with pytest.raises(ValueError, match="within"):
        pg.place([(1.0, 1.0, 0), (9.0, 0.0, 1)])
    assert pg.summary()["placed"] == 20  # all or none
    pg.new({"dataset": "gauss", "hidden": [3]})
    assert pg.summary()["placed"] == 20 and pg.run.trainer.step == 0  # same data: points kept, fresh run
    pg.new({"dataset": "circle"})
    assert pg.summary()["placed"] == 0


def test_bridge_calls_give_arrays_and_refuse_bad_input(monkeypatch):
    monkeypatch.setattr(playground_calls, "_playground", None)

    def call(name, **kwargs):
        text, parts = bridge.dispatch(name, json.dumps(kwargs))
        return json.loads(text), parts

    with pytest.raises(RuntimeError, match="playground_new"):
        call("playground_train", budget_ms=10)
    reply, _ = call("playground_new", settings={"dataset": "nope"})
    assert reply == {"ok": False, "errors": {"dataset": "must be one of circle, xor, gauss, spiral, not 'nope'"}}
    reply, parts = call("playground_new", settings={"dataset": "circle"}, resolution=32)
    boundary = reply["frame"]["boundary"]
    assert boundary["shape"] == [32, 32] and len(parts[boundary["$part"]]) == 32 * 32 * 4
    assert reply["points"]["train"]["shape"] == [200, 2]
    reply, _ = call("playground_train", budget_ms=0)
    assert reply["steps"] == 1 and reply["frame"]["step"] == 1
    reply, _ = call("playground_place", points=[[0, 0, 1], [1, 1, 2]])
    assert not reply["ok"] and "0 or 1" in reply["error"] and reply["summary"]["placed"] == 0
    reply, _ = call("playground_place", points=[[0, 0, 1]])
    assert reply["ok"] and reply["summary"]["train_count"] == 201
    reply, _ = call("playground_place", points=[], clear=True)
    assert reply["summary"]["placed"] == 0
    reply, _ = call("playground_reset")
    assert reply["frame"]["step"] == 0
    with pytest.raises(ValueError, match="from 2 to 256 cells"):
        call("playground_train", budget_ms=0, resolution=100_000)
    assert call("playground_train", budget_ms=0)[0]["frame"]["step"] == 1  # the refused call took no step
