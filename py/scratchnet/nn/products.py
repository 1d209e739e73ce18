"""How a dense layer computes its three products: the one place where speed may
change how the maths is written, chosen per layer of a network by measurement.

A dense layer needs, in the maths,

    forward          z  = x W + b       (N, D) x (D, M) -> (N, M)
    weight gradient  dW = x^T dz        (D, N) x (N, M) -> (D, M),  db = sum_n dz
    input gradient   dx = dz W^T        (N, M) x (M, D) -> (N, D)

and every formulation here computes exactly that, with the same interface:

    z, cache     = products.forward(x, W, b)
    dx, dW, db   = products.backward(dz, cache, W, need_dx)

- `Plain` calls two functions written as the equations: `dense_forward` and
  `dense_backward` from layers.py (or a learner's own versions of them).
- `Einsum` writes the same products with `np.einsum`, naming the transposes in
  its subscripts. Inside Pyodide (NumPy compiled to WebAssembly, no BLAS) this
  runs NumPy's own tight loop, about twice as fast as `@`; natively `@` hands
  the work to BLAS and wins by far.
- `SkipConstantColumns` wraps either one and skips work rather than doing it
  faster. In a batch of digits many input pixels hold the same value in every
  image (the blank border). For such a constant column j of x, with value c_j,

      (x W)[n]    = sum over varying j of x[n, j] W[j]  +  sum over constant j of c_j W[j]
      (x^T dz)[j] = c_j * sum_n dz[n]

  so only the varying columns need a full product (about 40% of MNIST's first
  layer is skipped at batch 32). The split is made on each forward pass and kept
  in that layer's own cache, so it can never be stale.

`choose(network, x)` times each formulation on each dense layer's real input (a
forward pass of a real batch) and gives every layer the fastest. All of them
agree up to float rounding; the gradient checks pass under each (tests/unit/test_products.py).
This module knows no network beyond its `layers`, `dense_layers()` and
`forward(x, keep=True)` (every layer's input, from the network's one walk).
"""

import time

import numpy as np

# Skipping constant columns pays only when there are enough of them.
MAX_VARYING_SHARE = 0.8


class Plain:
    """The products as two plain functions: forward(x, W, b) -> z and
    backward(dz, x, W) -> (dx, dW, db). The cache is x itself.

    With `skips_dx`, when dx is not needed (the first layer) backward is given W with
    no rows: dW and db do not depend on W, and dx = dz W^T becomes an empty product, so
    a third of the layer's work is not done. The reference functions allow it; whether
    other functions do is asked once, by `handles_empty_W`, before they are used."""

    def __init__(self, forward, backward, name="plain", skips_dx=False):
        self.forward_fn, self.backward_fn, self.name = forward, backward, name
        self.skips_dx = skips_dx

    def forward(self, x, W, b):
        return self.forward_fn(x, W, b), x

    def backward(self, dz, x, W, need_dx=True):
        skip = self.skips_dx and not need_dx
        dx, dW, db = self.backward_fn(dz, x, W[:0] if skip else W)
        return (dx if need_dx else None), dW, db


def handles_empty_W(backward):
    """Does backward(dz, x, W) still give dW and db of the right shapes when W has no rows
    (so that Plain may skip dx)? Asked on tiny arrays; any error means no, and then the
    function is always given W whole."""
    rng = np.random.default_rng(0)
    N, D, M = 2, 3, 4  # all different, so that no misplaced transpose fits by chance
    x, W, dz = rng.standard_normal((N, D)), rng.standard_normal((D, M)), rng.standard_normal((N, M))
    try:
        _, dW, db = backward(dz, x, W[:0])
    except Exception:  # noqa: BLE001 - whatever it raised, the answer is no
        return False
    return np.shape(dW) == W.shape and np.shape(db) == W.shape[1:]


class Einsum:
    """z = einsum('nd,dm->nm', x, W) + b; dW = einsum('nd,nm->dm', x, dz);
    dx = einsum('nm,dm->nd', dz, W), computed only when it is needed."""

    name = "einsum"

    def forward(self, x, W, b):
        z = np.einsum("nd,dm->nm", x, W)
        z += b
        return z, x

    def backward(self, dz, x, W, need_dx=True):
        dW = np.einsum("nd,nm->dm", x, dz)
        dx = np.einsum("nm,dm->nd", dz, W) if need_dx else None
        return dx, dW, dz.sum(axis=0)


class SkipConstantColumns:
    """`inner`'s products over x's varying columns only; the constant columns'
    share is added exactly (see the module docstring)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = f"{inner.name}-skip"

    @staticmethod
    def split(x):
        """(varying column indices, constants c (D,) with zeros at the varying
        columns), or None when too few columns are constant for skipping to pay."""
        if len(x) < 2:
            return None
        is_varying = (x != x[0]).any(axis=0)
        varying = np.flatnonzero(is_varying)
        if len(varying) > MAX_VARYING_SHARE * x.shape[1]:
            return None
        return varying, np.where(is_varying, 0, x[0])

    def forward(self, x, W, b):
        split = self.split(x)
        if split is None:
            z, inner_cache = self.inner.forward(x, W, b)
            return z, (None, inner_cache)
        varying, constants = split
        z, inner_cache = self.inner.forward(x[:, varying], W[varying], b)
        z += constants @ W  # sum over constant j of c_j W[j]
        return z, (split, inner_cache)

    def backward(self, dz, cache, W, need_dx=True):
        split, inner_cache = cache
        if split is None:
            return self.inner.backward(dz, inner_cache, W, need_dx)
        varying, constants = split
        dx_varying, dW_varying, db = self.inner.backward(dz, inner_cache, W[varying], need_dx)
        dW = np.multiply.outer(constants, db).astype(dW_varying.dtype)  # c_j * sum_n dz[n]
        dW[varying] = dW_varying
        dx = None
        if need_dx:
            dx = dz @ W.T  # every column's input gradient; the varying ones are already known
            dx[:, varying] = dx_varying
        return dx, dW, db


EINSUM = Einsum()


def formulations(base, allow_einsum=True):
    """{name: products} to choose from, built on `base` (a Plain of the layer's own
    functions). With allow_einsum=False only formulations that call base's functions."""
    options = {base.name: base, f"{base.name}-skip": SkipConstantColumns(base)}
    if allow_einsum:
        options.update({"einsum": EINSUM, "einsum-skip": SkipConstantColumns(EINSUM)})
    return options


def _time(products, x, W, b, dz, need_dx, repeats):
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        _, cache = products.forward(x, W, b)
        products.backward(dz, cache, W, need_dx)
        best = min(best, time.perf_counter() - started)
    return best


def choose(network, x, base, allow_einsum=True, repeats=3):
    """Gives each dense layer of `network` the fastest formulation on its real input
    (from a forward pass of the real batch x). Returns {layer name: {formulation: seconds}}."""
    options = formulations(base, allow_einsum)
    timings = {}
    rng = np.random.default_rng(0)
    dense = network.dense_layers()
    for layer, a in zip(network.layers, network.forward(x, keep=True)):
        if layer in dense:
            W, b = layer.params["W"], layer.params["b"]
            dz = rng.standard_normal((len(a), W.shape[1])).astype(W.dtype)
            need_dx = layer is not network.layers[0]
            timings[layer.name] = {name: _time(p, a, W, b, dz, need_dx, repeats) for name, p in options.items()}
            layer.products = options[min(timings[layer.name], key=timings[layer.name].get)]
    return timings


def use(network, name, base, allow_einsum=True):
    """Gives every dense layer the formulation `name` (one of formulations())."""
    options = formulations(base, allow_einsum)
    if name not in options:
        raise ValueError(f"unknown products {name!r}; choose one of {', '.join(options)}")
    for layer in network.dense_layers():
        layer.products = options[name]


def describe(network):
    """{layer name: formulation name} in use."""
    return {layer.name: layer.products.name for layer in network.dense_layers()}
