"""The one place where speed is allowed to change how a matrix product is written.

A dense layer needs three products, written in the maths as

    forward          z  = x W        (N, D) x (D, M) -> (N, M)
    weight gradient  dW = x^T dz     (D, N) x (N, M) -> (D, M)
    input gradient   dx = dz W^T     (N, M) x (M, D) -> (N, D)

and the layers call `linear`, `weight_grad` and `input_grad` for them. How each
product is computed is chosen here, by measurement, because the fastest NumPy
formulation depends on the platform:

- natively, NumPy hands `@` to a BLAS library, which wins by far;
- inside Pyodide (NumPy compiled to WebAssembly, no BLAS) `np.einsum` without
  `optimize` runs its own tight loop and is about twice as fast as `@`, and
  naming the transposes in the subscripts beats passing transposed views.

One more formulation skips work rather than doing it faster. In a batch of
digits, many input pixels hold the same value in every image (the empty border:
0, or the same negative number once standardised). For such a constant column j
of x, with value c_j, the maths simplifies exactly:

    (x W)[n]     = sum over varying j of x[n, j] W[j]  +  sum over constant j of c_j W[j]
    (x^T dz)[j]  = c_j * sum_n dz[n]                     for a constant column j

so only the varying columns need a full product. At batch 32 about 40% of MNIST's
columns are constant, which removes that share of the first layer's work.

`choose()` times every formulation of every product on the shapes (and, when
given, the real inputs) a training step uses and keeps the fastest of each;
until it is called, `@` is used. The results agree up to float rounding. This
module knows nothing about networks.
"""

import time

import numpy as np


def _plain(forward, weight_grad, input_grad):
    return {"forward": forward, "weight_grad": weight_grad, "input_grad": input_grad}


_MATMUL = _plain(
    lambda x, W, out=None: np.matmul(x, W, out=out),
    lambda x, dz, out=None: np.matmul(x.T, dz, out=out),
    lambda dz, W, out=None: np.matmul(dz, W.T, out=out),
)
_EINSUM = _plain(
    lambda x, W, out=None: np.einsum("nd,dm->nm", x, W, out=out),
    lambda x, dz, out=None: np.einsum("nd,nm->dm", x, dz, out=out),
    lambda dz, W, out=None: np.einsum("nm,dm->nd", dz, W, out=out),
)

# Skipping constant columns pays only when there are enough of them.
MAX_VARYING_SHARE = 0.8
_recent_splits = []  # (x, split) of the last few inputs: backward sees the same arrays as forward


def _split_columns(x):
    """(varying column indices, x's varying columns, constants c with zeros at the varying
    columns) for x (N, D), or None when too few columns are constant for skipping to pay.
    Remembers the last few x, since each layer's input is seen twice (forward, then
    weight gradient)."""
    for seen, split in _recent_splits:
        if seen is x:
            return split
    split = None
    if len(x) > 1:
        is_varying = (x != x[0]).any(axis=0)
        varying = np.flatnonzero(is_varying)
        if len(varying) <= MAX_VARYING_SHARE * x.shape[1]:
            split = varying, x[:, varying], np.where(is_varying, 0, x[0])
    _recent_splits.insert(0, (x, split))
    del _recent_splits[4:]  # one per layer of a deep network is enough
    return split


def _skipping(product):
    """Forward and weight-gradient formulations that skip x's constant columns."""

    def forward(x, W, out=None):
        split = _split_columns(x)
        if split is None:
            return product["forward"](x, W, out=out)
        varying, x_varying, constants = split
        z = product["forward"](x_varying, W[varying], out=out)
        z += np.dot(constants, W)  # sum over constant j of c_j W[j]
        return z

    def weight_grad(x, dz, out=None):
        split = _split_columns(x)
        if split is None:
            return product["weight_grad"](x, dz, out=out)
        varying, x_varying, constants = split
        out = np.empty((x.shape[1], dz.shape[1]), dz.dtype) if out is None else out
        np.multiply.outer(constants, dz.sum(axis=0), out=out)  # c_j * sum_n dz[n]
        out[varying] = product["weight_grad"](x_varying, dz)
        return out

    return _plain(forward, weight_grad, product["input_grad"])


FORMULATIONS = {"matmul": _MATMUL, "einsum": _EINSUM,
                "matmul-skip": _skipping(_MATMUL), "einsum-skip": _skipping(_EINSUM)}
PRODUCTS = ("forward", "weight_grad", "input_grad")

_active = dict.fromkeys(PRODUCTS, "matmul")
_fns = dict(_MATMUL)


def linear(x, W, out=None):
    """x W: inputs (N, D) times weights (D, M) -> (N, M)."""
    return _fns["forward"](x, W, out=out)


def weight_grad(x, dz, out=None):
    """x^T dz: inputs (N, D) and output gradients (N, M) -> weight gradient (D, M)."""
    return _fns["weight_grad"](x, dz, out=out)


def input_grad(dz, W, out=None):
    """dz W^T: output gradients (N, M) and weights (D, M) -> input gradient (N, D)."""
    return _fns["input_grad"](dz, W, out=out)


def active():
    """{product: formulation} now in use, e.g. {"forward": "einsum-skip", ...}."""
    return dict(_active)


def use(name, product=None):
    """Forces formulation `name` (see FORMULATIONS) for one product, or for all."""
    if name not in FORMULATIONS:
        raise ValueError(f"unknown kernel {name!r}; choose one of {', '.join(FORMULATIONS)}")
    if product is not None and product not in PRODUCTS:
        raise ValueError(f"unknown product {product!r}; choose one of {', '.join(PRODUCTS)}")
    for op in [product] if product else PRODUCTS:
        _active[op] = name
        _fns[op] = FORMULATIONS[name][op]


def _best_times(candidates, operands, repeats):
    """{name: fastest of `repeats` timings}; the candidates take turns, so a burst of
    load from elsewhere on the machine does not fall on one of them alone."""
    best = dict.fromkeys(candidates, float("inf"))
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            for a, b in operands:
                fn(a, b)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def choose(batch_size=32, sizes=(784, 128, 10), repeats=5, dtype=np.float32, inputs=None):
    """Times each formulation of each product for a dense network with layer widths
    `sizes` at `batch_size`, and keeps the fastest of each. `inputs`, real network
    inputs (at least batch_size rows), make the timing see real constant columns;
    without them random data is used.

    Returns {product: {formulation: seconds}}.
    """
    rng = np.random.default_rng(0)
    shapes = list(zip(sizes[:-1], sizes[1:]))
    x = {D: rng.standard_normal((batch_size, D)).astype(dtype) for D, _ in shapes}
    if inputs is not None:
        x[sizes[0]] = np.asarray(inputs[:batch_size], dtype=dtype)
    W = {(D, M): rng.standard_normal((D, M)).astype(dtype) for D, M in shapes}
    dz = {M: rng.standard_normal((batch_size, M)).astype(dtype) for _, M in shapes}
    operands = {
        "forward": [(x[D], W[D, M]) for D, M in shapes],
        "weight_grad": [(x[D], dz[M]) for D, M in shapes],
        "input_grad": [(dz[M], W[D, M]) for D, M in shapes],
    }
    timings = {}
    for op in PRODUCTS:
        candidates = {name: products[op] for name, products in FORMULATIONS.items()
                      if op != "input_grad" or not name.endswith("-skip")}
        timings[op] = _best_times(candidates, operands[op], repeats)
        use(min(timings[op], key=timings[op].get), op)
    return timings
