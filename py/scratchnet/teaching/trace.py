"""One step, opened up: every quantity of the forward and the backward pass for one
example, each with its name, equation, shape and values, and one SGD update on that
example alone.

The trace runs the network's own layers (layer.forward, layer.backward: whatever
functions they call, a learner's own included) on a float64 twin of the network:
shallow copies of its layers holding float64 copies of the parameters. So the model
itself, its caches, its optimiser and its run's random streams are never touched:
the twin runs in inference mode and its dropout layers hold no generator at all.
It walks the layers as the network does (model/walk.py), keeping every value.

Names follow the maths, layers with parameters numbered from 1:

    x                          the normalised input, one row
    z_k = a_{k-1} W_k + b_k    the k-th dense layer (the last one's output: logits)
    a_k = f(z_k)               the activation after it
    p = softmax(logits),  L = -log p_y
    dlogits = p - onehot(y),  dW_k = a_{k-1}^T dz_k,  db_k = dz_k,
    da_{k-1} = dz_k W_k^T,    dz_k = da_k * f'(z_k)

Any other layer (dropout, a convolution, pooling) keeps its own name (dropout1, pool1)
and its gradient is "d" + that name. The equations and notes, per layer kind, come
from equations.py.
Not here: weight decay, clipping and momentum (an "update" is plain SGD), batches.
"""

import copy

import numpy as np

from scratchnet.model.layer_kinds import kind_of
from scratchnet.model.walk import backward, forward
from scratchnet.nn.losses import softmax, softmax_cross_entropy
from scratchnet.nn.optimizers import sgd_step
from scratchnet.teaching import equations as eq


def float64_twin(network):
    """The network's layers as shallow copies with float64 copies of their parameters:
    the same code on numbers that cannot drift, and nothing shared that a pass could change."""
    layers = []
    for layer in network.layers:
        twin = copy.copy(layer)
        if layer.params:
            twin.params = {key: value.astype(np.float64) for key, value in layer.params.items()}
            twin.grads = {key: np.zeros_like(value) for key, value in twin.params.items()}
        if hasattr(twin, "rng"):
            twin.rng = None  # a dropout layer: drawing a mask here would be a bug, and fails loudly
        twin.cache = None
        layers.append(twin)
    return layers


def network_input(network, examples):
    """Raw examples (N, *sample_shape) normalised exactly as the model does, then float64."""
    return network.normalize(np.asarray(examples)).astype(np.float64)


def names(layers):
    """The name of each layer's output, and each layer's number among layers with parameters."""
    out, numbers, k = [], [], 0
    for i, layer in enumerate(layers):
        if layer.params:
            k += 1
        numbers.append(k)
        if i == len(layers) - 1:
            name = "logits"
        elif layer.params:
            name = f"z{k}"
        elif kind_of(layer) == "activation" and out and out[-1] == f"z{k}":
            name = f"a{k}"
        else:
            name = layer.name
        while name in out or name in ("x", "p", "L"):
            name += "'"
        out.append(name)
    return out, numbers


def quantity(name, values, direction, equation, note="", layer=None, param=None):
    """One shown quantity: its values (float32 for the page) and their range and norm."""
    values = np.asarray(values, dtype=np.float64)
    return {"name": name, "pass": direction, "equation": equation, "note": note,
            "shape": list(values.shape), "values": values.astype(np.float32), "layer": layer, "param": param,
            "min": float(values.min()), "max": float(values.max()), "norm": float(np.linalg.norm(values))}


def trace(network, example, label, loss_fn=softmax_cross_entropy):
    """Every quantity of one forward and backward pass of `network` on one raw example
    (e.g. a 28x28 image) with true class `label`:

        {"label", "predicted", "prob" (p_y), "loss", "probabilities" (C,),
         "forward": [quantity...], "backward": [quantity...], "image_shape"}

    Each quantity: {"name", "pass", "equation" (LaTeX), "note", "shape", "values", "min",
    "max", "norm", "layer", "param"}; a parameter's gradient has the parameter's shape.
    """
    label = _check_label(network, label)
    layers = float64_twin(network)
    values = forward(layers, network_input(network, np.asarray(example)[None]), keep=True)
    outputs, numbers = names(layers)
    inputs = ["x", *outputs[:-1]]
    logits, y = values[-1], np.array([label])
    p = softmax(logits)
    loss, dlogits = loss_fn(logits, y)
    shown = [quantity("x", values[0], "forward", eq.input_equation(network.mean, network.std),
                      "The example as one row of numbers, normalised as in training.")]
    for layer, name, inp, k, v in zip(layers, outputs, inputs, numbers, values[1:]):
        shown.append(quantity(name, v, "forward", eq.forward_equation(layer, name, inp, k),
                              eq.forward_note(layer, v), layer.name))
    shown.append(quantity("p", p, "forward", eq.softmax_equation(),
                          f"Probabilities that add up to 1; the true class y = {label} has {p[0, label]:.4f}."))
    shown.append(quantity("L", np.array(loss), "forward", eq.loss_equation(label),
                          "The loss of this example: 0 only if the network gives the true class probability 1."))

    grads = backward(layers, dlogits, keep=True)
    back = [quantity("dlogits", dlogits, "backward", eq.dlogits_equation(label),
                     "Negative only at the true class: the update raises its score and lowers every other "
                     "score, each in proportion to its probability.")]
    for i in reversed(range(len(layers))):
        layer, out, inp, k = layers[i], outputs[i], inputs[i], numbers[i]
        for key, g in layer.grads.items():
            back.append(quantity(f"d{key}{k}", g, "backward", eq.param_gradient_equation(layer, key, out, inp, k),
                                 f"The same shape as {key}{k}: how the loss changes with each of its entries.",
                                 layer.name, f"{layer.name}.{key}"))
        if grads[i] is not None:
            back.append(quantity("d" + inp, grads[i], "backward", eq.input_gradient_equation(layer, out, inp, k),
                                 eq.backward_note(layer, grads[i]), layer.name))
    return {"label": label, "predicted": int(p[0].argmax()), "prob": float(p[0, label]), "loss": float(loss),
            "probabilities": p[0], "forward": shown, "backward": back,
            "image_shape": list(network.sample_shape[-2:]) if len(network.sample_shape) >= 2 else None}


def apply_update(network, example, label, learning_rate, loss_fn=softmax_cross_entropy, step_fn=sgd_step):
    """One SGD step on this example alone, W <- W - learning_rate * dW for every parameter,
    made on a float64 twin (the model is unchanged). Returns p for every class before and
    after: {"label", "learning_rate", "before" (C,), "after" (C,), "loss_before", "loss_after"}."""
    label = _check_label(network, label)
    layers = float64_twin(network)
    x, y = network_input(network, np.asarray(example)[None]), np.array([label])
    logits = forward(layers, x)
    loss_before, dlogits = loss_fn(logits, y)
    before = softmax(logits)[0]
    backward(layers, dlogits)
    for layer in layers:
        for key in layer.params:
            layer.params[key] = step_fn(layer.params[key], layer.grads[key], learning_rate)
    logits = forward(layers, x)
    return {"label": label, "learning_rate": float(learning_rate), "before": before, "after": softmax(logits)[0],
            "loss_before": float(loss_before), "loss_after": float(loss_fn(logits, y)[0])}


def _check_label(network, label):
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < network.num_classes:
        raise ValueError(f"the label must be a class from 0 to {network.num_classes - 1}, not {label!r}")
    return int(label)
