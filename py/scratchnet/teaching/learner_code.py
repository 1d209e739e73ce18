"""Training with the learner's own functions, and showing what the network runs.

`use(network, trainer, functions)` makes the network's layers, the loss and the
optimiser call the learner's versions of the exercises (exercises.py) from the
next step on; `use({})` puts the references back. Each learner function is
wrapped so that an error in it says which line of the learner's code failed.
The learner's functions go through the same seams as the references: the
optimiser writes what a learner's update returns into the weights, and the
activation layer calls a learner's backward(da, z) without its kept output.
A dense layer then computes its products with the learner's two functions only
(optionally skipping constant input columns, which any correct version allows:
see products.py); NumPy's einsum formulation is not used for learner code.

`code_view` returns the source of everything the current network runs, read
from the package itself (or the learner's code where it is in use), with the
shapes of the running network.
"""

import functools
import inspect

from scratchnet.nn import products
from scratchnet.nn.activations import Activation
from scratchnet.nn.layers import PLAIN, Dense
from scratchnet.nn.optimizers import SGD, Momentum
from scratchnet.teaching.checker import run_learner
from scratchnet.teaching.exercises import REFERENCES


def wrap(fn):
    """fn, with an error in it turned into checker.LearnerCodeError naming its line."""
    def learners(*args):
        return run_learner(lambda: fn(*args))
    learners.source = getattr(fn, "source", None)
    return learners


def _fn(functions, name):
    return functions[name] if name in functions else REFERENCES[name]


def given_z(backward):
    """An exercise's backward(da, z), called as the activation layer calls backward:
    with the kept output a too, which the learner's version does not take."""
    @functools.wraps(backward)
    def called_with_output(da, z, a):
        return backward(da, z)
    return called_with_output


def use(network, trainer, functions, batch=None):
    """Makes `network` (and `trainer`, if any) run `functions` ({exercise name: function});
    the references for the others. `batch`: real inputs to time the products on."""
    for layer in network.layers:
        if isinstance(layer, Activation):
            forward, backward = f"{layer.kind}_forward", f"{layer.kind}_backward"
            layer.forward_fn = _fn(functions, forward)
            layer.backward_fn = given_z(functions[backward]) if backward in functions else REFERENCES[backward]
    dense = {"dense_forward", "dense_backward"} & set(functions)
    if dense:
        dense_backward = _fn(functions, "dense_backward")
        base = products.Plain(_fn(functions, "dense_forward"), dense_backward, name="yours",
                              skips_dx=products.handles_empty_W(dense_backward))
    else:
        base = PLAIN
    if batch is not None:
        products.choose(network, batch, base, allow_einsum=not dense)
    elif dense or any(layer.products.name.startswith("yours") for layer in network.dense_layers()):
        products.use(network, base.name, base, allow_einsum=not dense)
    if trainer is not None:
        trainer.loss_fn = _fn(functions, "softmax_cross_entropy")
        if isinstance(trainer.optimizer, SGD):
            trainer.optimizer.step_fn = _fn(functions, "sgd_step")
        elif isinstance(trainer.optimizer, Momentum):
            trainer.optimizer.step_fn = _fn(functions, "momentum_step")


def _section(title, obj, sources, name=None):
    if name and name in sources:
        return {"title": title, "source": sources[name], "yours": True}
    return {"title": title, "source": inspect.getsource(obj), "yours": False}


def code_view(network, trainer, sources):
    """[{"title", "source", "yours"}]: the code the current network runs, in the order a
    training step runs it, and "shapes": one line per layer with parameters."""
    from scratchnet.nn import activations, layers, losses, optimizers

    sections = [_section("Dense layer", Dense, {}),
                _section("dense_forward", layers.dense_forward, sources, "dense_forward"),
                _section("dense_backward", layers.dense_backward, sources, "dense_backward")]
    chosen = {layer.products.name for layer in network.dense_layers()}
    if any(name.startswith("einsum") for name in chosen):
        sections.append(_section("The same products with einsum (chosen here for speed)", products.Einsum, {}))
    if any(name.endswith("-skip") for name in chosen):
        sections.append(_section("Skipping constant input columns (chosen here for speed)",
                                 products.SkipConstantColumns, {}))
    for kind in dict.fromkeys(layer.kind for layer in network.layers if isinstance(layer, Activation)):
        for part in ("forward", "backward"):
            name = f"{kind}_{part}"
            sections.append(_section(name, getattr(activations, name), sources, name))
    sections.append(_section("softmax_cross_entropy", losses.softmax_cross_entropy, sources, "softmax_cross_entropy"))
    if trainer is not None:
        optimizer = trainer.optimizer
        sections.append(_section(type(optimizer).__name__, type(optimizer), {}))
        rule = {"SGD": "sgd_step", "Momentum": "momentum_step"}.get(type(optimizer).__name__)
        if rule:
            sections.append(_section(rule, getattr(optimizers, rule), sources, rule))
    batch = trainer.batch_size if trainer else network.config.get("batch_size", 1)
    return {"sections": sections, "shapes": shapes(network, batch)}


def shapes(network, batch):
    """'dense1: x (32, 784) · W (784, 128) · b (128,) · z (32, 128)' for each layer with parameters."""
    lines, shape = [], network.input_shape
    for layer in network.layers:
        out = layer.output_shape(shape)
        if layer.params:
            params = " · ".join(f"{k} {tuple(v.shape)}" for k, v in layer.params.items())
            lines.append(f"{layer.name}: x {(batch, *shape)} · {params} · z {(batch, *out)}")
        shape = out
    return lines
