"""What a model costs per example (model_cost.py) and the one limit a model file must stay within;
a loaded model meeting data it was not made for (modelfile.check_fits), in the bridge and the CLI;
and the CLI evaluating in pieces sized by work. The hostile files themselves, measured in a fresh
Python, are in test_hostile_files.py."""

import io
import json
import tracemalloc

import numpy as np
import pytest

from scratchnet import ModelFileError, Network, load_model, recipe
from scratchnet.app import bridge, current
from scratchnet.cli import main
from scratchnet.data.mnist import save_bundle
from scratchnet.files.model_file import check_fits, model_bytes
from scratchnet.model.cost import MAX_EXAMPLE_COST, estimate, over_limit
from scratchnet.training.trainer import evaluation_rows

CASES = [("", (28, 28)), ("dense:1024,relu,dropout:0.5,dense:1024,tanh", (28, 28)),
         ("conv:16:5,maxpool:2,relu,conv:32:3,maxpool:2,relu,flatten,dropout:0.25", (28, 28)),
         ("conv:64:3,conv:64:3,conv:64:3,relu,conv:64:3", (28, 28)), ("conv:1:1,relu,relu,maxpool:2", (1, 300, 300)),
         ("conv:8:7,maxpool:4,sigmoid,dense:20", (3, 200, 150)), ("conv:4:2,maxpool:3,flatten", (2, 31, 17))]


def network(layers, shape, classes=10):
    return Network.build(recipe("default", layers=layers), np.random.default_rng(0), 0.1, 0.3, shape, classes)


@pytest.mark.parametrize("layers,shape", CASES)
def test_the_estimate_counts_the_networks_own_work_and_weights(layers, shape):
    net = network(layers, shape, 7)
    cost = estimate(net.config, shape, 7)
    assert cost.multiply_adds == net.flops_per_example()
    assert cost.params == sum(value.size for value in net.state().values())


@pytest.mark.parametrize("layers,shape", CASES)
def test_the_memory_estimate_covers_one_examples_forward_pass_and_is_not_far_above_it(layers, shape):
    net = network(layers, shape)
    example = np.random.default_rng(0).random((1, *shape))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        net.predict_proba(example)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    estimated = estimate(net.config, shape, 10).bytes
    assert peak <= estimated <= 3 * peak


def test_the_largest_models_the_settings_make_for_mnist_are_well_within_the_limit():
    for layers in (",".join(["conv:64:3"] * 13), ",".join(["conv:64:5"] * 6), "dense:1024,relu,dense:1024,relu"):
        cost = estimate(recipe("default", layers=layers), (28, 28), 10)
        assert over_limit(cost) is None
        assert cost.multiply_adds < MAX_EXAMPLE_COST.multiply_adds / 4 and cost.bytes < MAX_EXAMPLE_COST.bytes / 4


def test_the_issues_2236_pixel_convolution_is_over_the_limit_in_plain_words():
    cost = estimate(recipe("default", layers="conv:64:7,maxpool:4,maxpool:4,maxpool:4"), (1, 2236, 2236), 10)
    assert cost.multiply_adds > 1.5e10 and cost.bytes > 2e9
    assert over_limit(cost) == ("one example needs about 15.9 billion multiply-adds and 2.4 GB of memory; "
                                "ScratchNet runs models of at most 500 million multiply-adds and 32.0 MB per example")


def test_weights_are_counted_before_the_layer_that_passes_the_limit_is_built():
    cost = estimate(recipe("default", hidden_sizes=[1024]), (2236, 2236), 10)
    assert cost.params > 5e9  # the first dense layer alone: it is never allocated
    assert over_limit(cost) == "the network would have over 5,000,000 weights; make it smaller"


def file_of(net):
    return model_bytes(net, {"epochs_trained": 1})


def test_a_model_within_the_limit_but_for_other_data_loads_and_check_fits_refuses_it():
    small = load_model(file_of(network("", (20, 20), 12)))
    with pytest.raises(ModelFileError) as caught:
        check_fits(small, (28, 28), 10)
    assert str(caught.value) == ("the model was made for examples of shape 20x20 in 12 classes, "
                                 "but this data has examples of shape 28x28 in 10 classes")
    with pytest.raises(ModelFileError, match="in 12 classes"):
        check_fits(small, (20, 20), 10)
    check_fits(small, (1, 20, 20), 12)  # one channel of 20x20 is the same example
    check_fits(load_model(file_of(network("conv:4:3", (1, 28, 28)))), (28, 28), 10)


@pytest.fixture
def page(mnist, trained_network, tmp_path, monkeypatch):
    """A bridge session as the page starts one: a small data bundle and the trained model."""
    save_bundle(tmp_path / "mnist.npz", mnist["x_train"][:200], mnist["y_train"][:200],
                mnist["x_test"][:50], mnist["y_test"][:50])
    (tmp_path / "model.npz").write_bytes(file_of(trained_network))
    monkeypatch.setattr(current, "_session", None)
    bridge.init(str(tmp_path / "mnist.npz"), str(tmp_path / "model.npz"))
    return tmp_path


@pytest.mark.parametrize("shape,classes,words", [((20, 20), 10, "shape 20x20 in 10 classes"),
                                                 ((28, 28), 12, "shape 28x28 in 12 classes"),
                                                 ((3, 28, 28), 10, "shape 3x28x28 in 10 classes")])
def test_the_page_refuses_a_model_for_other_data_and_keeps_its_own(page, shape, classes, words):
    text, _ = bridge.dispatch("import_model", "{}", file_of(network("", shape, classes)))
    reply = json.loads(text)
    assert not reply["ok"] and reply["model"]["name"] == "pretrained"
    assert reply["error"].startswith("That model file cannot be used: the model was made for examples of ")
    assert words in reply["error"] and "28x28 in 10 classes" in reply["error"]


def test_the_page_refuses_the_issues_large_model_before_building_it(page):
    net = network("conv:64:7,maxpool:4,maxpool:4,maxpool:4", (1, 2236, 2236))
    text, _ = bridge.dispatch("import_model", "{}", file_of(net))
    reply = json.loads(text)
    assert not reply["ok"] and "15.9 billion multiply-adds" in reply["error"]


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_the_cli_refuses_a_model_for_other_data_with_one_line_and_exit_code_2(command, page, capsys):
    path = page / "other.npz"
    path.write_bytes(file_of(network("", (20, 20), 10)))
    np.save(page / "digit.npy", np.zeros((28, 28)))
    data = ["--data", str(page / "mnist.npz")] if command == "evaluate" else [str(page / "digit.npy")]
    args = [command, str(path), *data]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("error: the model was made for examples of shape 20x20 in 10 classes")


def counted_pieces(monkeypatch):
    """The number of examples of every forward pass from now on, in order."""
    pieces, forward = [], Network.forward

    def counted(self, x, training=False):
        pieces.append(len(x))
        return forward(self, x, training)

    monkeypatch.setattr(Network, "forward", counted)
    return pieces


def test_the_cli_evaluates_a_conv_model_in_pieces_sized_by_its_work(page, capsys, monkeypatch):
    net = network("conv:64:3,relu,conv:64:3,relu,maxpool:2", (28, 28))
    (page / "conv.npz").write_bytes(file_of(net))
    rows = evaluation_rows(net)
    assert rows < 5  # about 1e7 multiply-adds per piece: a few images of this model
    pieces = counted_pieces(monkeypatch)
    assert main(["evaluate", str(page / "conv.npz"), "--data", str(page / "mnist.npz")]) == 0
    probe = 6  # load_model's probe: one example at a time
    assert pieces[:probe] == [1] * probe and sum(pieces[probe:]) == 50 and max(pieces[probe:]) == rows
    assert "test accuracy:" in capsys.readouterr().out


def test_predict_reads_many_images_in_pieces_sized_by_work_too(page, mnist, capsys, monkeypatch):
    net = network("conv:64:3,relu,conv:64:3,relu,maxpool:2", (28, 28))
    (page / "conv.npz").write_bytes(file_of(net))
    np.save(page / "stack.npy", mnist["x_test"][:12])
    pieces = counted_pieces(monkeypatch)
    assert main(["predict", str(page / "conv.npz"), str(page / "stack.npy")]) == 0
    assert max(pieces) == evaluation_rows(net) and len(capsys.readouterr().out.splitlines()) == 12


def test_a_loaded_model_keeps_its_predictions_with_the_probe_one_example_at_a_time(trained_network):
    loaded = load_model(io.BytesIO(file_of(trained_network)))
    images = np.random.default_rng(2).random((5, 28, 28))
    np.testing.assert_array_equal(loaded.predict_proba(images), trained_network.predict_proba(images))
