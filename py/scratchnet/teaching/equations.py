"""The equations the inspector shows beside each quantity, as LaTeX text.

One function per direction, keyed on the layer's kind, so the trace itself
stays generic over the layer protocol: a dense layer, each activation, dropout,
and the convolutional layers get their own lines; any other layer gets a
generic one that is still true (out = layer(in), d in = J^T d out).

Names are the trace's (x, z1, a1, ..., logits, p); `tex(name)` typesets one:
"a1" -> a_{1}, "dW2" -> dW_{2}, "logits" -> \\mathrm{logits}. Nothing here
computes anything.
"""

import re

ACTIVATION_FORWARD = {
    "relu": r"\max(0,\ {z})",
    "sigmoid": r"\sigma({z}) = \frac{{1}}{{1 + e^{{-{z}}}}}",
    "tanh": r"\tanh({z})",
}

# dz = da * f'(z), with f' written out for each activation.
ACTIVATION_BACKWARD = {
    "relu": r"{da} \odot \mathbf{{1}}[{z} > 0]",
    "sigmoid": r"{da} \odot \sigma({z})\,(1 - \sigma({z}))",
    "tanh": r"{da} \odot (1 - \tanh^2({z}))",
}


def tex(name):
    """A trace name typeset: letters with a trailing layer number become subscripted."""
    found = re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
    stem, number = (found.group(1), found.group(2)) if found else (name, "")
    stem = stem if len(stem) == 1 else rf"\mathrm{{{stem}}}"
    return f"{stem}_{{{number}}}" if number else stem


def dtex(name):
    r"""The gradient of quantity `name` typeset: da_{1}, d\,\mathrm{logits}."""
    inner = tex(name)
    return ("d\\," if inner.startswith("\\") else "d") + inner


def input_equation(mean, std):
    """How the pixels become the network's input x."""
    return rf"x = \frac{{\mathrm{{pixels}} - \mu}}{{\sigma}},\quad \mu = {mean:.4g},\ \sigma = {std:.4g}"


def forward_equation(layer, out, inp, k):
    """out = what `layer` (the k-th layer with parameters, if it has any) does to inp."""
    kind, o, i = type(layer).__name__, tex(out), tex(inp)
    if kind == "Dense":
        return rf"{o} = {i}\,W_{{{k}}} + b_{{{k}}}"
    if kind == "Activation" and layer.kind in ACTIVATION_FORWARD:
        return f"{o} = " + ACTIVATION_FORWARD[layer.kind].format(z=i)
    if kind == "Dropout":
        return rf"{o} = {i}\quad\text{{(at test time dropout keeps every unit)}}"
    if kind == "Conv2D":
        return rf"{o} = W_{{{k}}} \ast {i} + b_{{{k}}}"
    if kind == "MaxPool2D":
        size = getattr(layer, "size", "s")
        return rf"{o} = \max_{{\text{{each }}{size}\times{size}\text{{ window}}}} {i}"
    if kind == "Flatten":
        return rf"{o} = \mathrm{{flatten}}({i})"
    return rf"{o} = \mathrm{{{layer.name}}}({i})"


def param_gradient_equation(layer, key, out, inp, k):
    """The gradient of parameter `key` of the k-th layer with parameters, given d out."""
    kind, do, i = type(layer).__name__, dtex(out), tex(inp)
    if kind == "Dense" and key == "W":
        return rf"dW_{{{k}}} = {i}^\top {do}"
    if kind == "Dense" and key == "b":
        return rf"db_{{{k}}} = \textstyle\sum_n {do} = {do}\quad\text{{(a batch of one)}}"
    if kind == "Conv2D" and key == "W":
        return rf"dW_{{{k}}} = {i} \star {do}\quad\text{{(cross-correlation)}}"
    if kind == "Conv2D" and key == "b":
        return rf"db_{{{k}}} = \textstyle\sum_{{\text{{positions}}}} {do}"
    return rf"d{key}_{{{k}}} = \frac{{\partial L}}{{\partial {key}_{{{k}}}}}"


def input_gradient_equation(layer, out, inp, k):
    """d inp, the gradient passed back to the layer below, given d out."""
    kind, do, di, i = type(layer).__name__, dtex(out), dtex(inp), tex(inp)
    if kind == "Dense":
        return rf"{di} = {do}\,W_{{{k}}}^\top"
    if kind == "Activation" and layer.kind in ACTIVATION_BACKWARD:
        return f"{di} = " + ACTIVATION_BACKWARD[layer.kind].format(da=do, z=i)
    if kind == "Dropout":
        return rf"{di} = {do}"
    if kind == "Conv2D":
        return rf"{di} = {do} \ast \mathrm{{flip}}(W_{{{k}}})\quad\text{{(full convolution)}}"
    if kind == "MaxPool2D":
        return rf"{di} = {do}\ \text{{routed to each window's maximum}}"
    if kind == "Flatten":
        return rf"{di} = \mathrm{{reshape}}({do})"
    return rf"{di} = J^\top {do},\quad J = \frac{{\partial {tex(out)}}}{{\partial {i}}}"


def softmax_equation():
    return r"p_i = \frac{e^{\mathrm{logits}_i}}{\sum_j e^{\mathrm{logits}_j}}"


def loss_equation(label):
    return rf"L = -\log p_y = -\log p_{{{label}}}"


def dlogits_equation(label):
    return rf"d\,\mathrm{{logits}} = p - \mathrm{{onehot}}(y),\quad y = {label}"
