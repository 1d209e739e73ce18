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

`choose()` times every formulation of every product on the shapes a training
step uses and keeps the fastest of each; until it is called, `@` is used. The
results agree up to float rounding. This module knows nothing about networks.
"""

import time

import numpy as np

FORMULATIONS = {
    "forward": {
        "matmul": lambda x, W, out=None: np.matmul(x, W, out=out),
        "einsum": lambda x, W, out=None: np.einsum("nd,dm->nm", x, W, out=out),
    },
    "weight_grad": {
        "matmul": lambda x, dz, out=None: np.matmul(x.T, dz, out=out),
        "einsum": lambda x, dz, out=None: np.einsum("nd,nm->dm", x, dz, out=out),
    },
    "input_grad": {
        "matmul": lambda dz, W, out=None: np.matmul(dz, W.T, out=out),
        "einsum": lambda dz, W, out=None: np.einsum("nm,dm->nd", dz, W, out=out),
    },
}

_active = {op: "matmul" for op in FORMULATIONS}
_fns = {op: FORMULATIONS[op]["matmul"] for op in FORMULATIONS}


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
    """{product: formulation} now in use, e.g. {"forward": "einsum", ...}."""
    return dict(_active)


def use(name, operation=None):
    """Forces formulation `name` ('matmul' or 'einsum') for one product, or for all."""
    operations = [operation] if operation else list(FORMULATIONS)
    for op in operations:
        if op not in FORMULATIONS:
            raise ValueError(f"unknown product {op!r}; choose one of {', '.join(FORMULATIONS)}")
        if name not in FORMULATIONS[op]:
            raise ValueError(f"unknown kernel {name!r}; choose one of {', '.join(FORMULATIONS[op])}")
    for op in operations:
        _active[op] = name
        _fns[op] = FORMULATIONS[op][name]


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


def choose(batch_size=32, sizes=(784, 128, 10), repeats=5, dtype=np.float32):
    """Times each formulation of each product, at `batch_size` for a dense network with
    layer widths `sizes`, and keeps the fastest of each.

    Returns {product: {formulation: seconds}}.
    """
    rng = np.random.default_rng(0)
    shapes = list(zip(sizes[:-1], sizes[1:]))
    x = {D: rng.standard_normal((batch_size, D)).astype(dtype) for D, _ in shapes}
    W = {(D, M): rng.standard_normal((D, M)).astype(dtype) for D, M in shapes}
    dz = {M: rng.standard_normal((batch_size, M)).astype(dtype) for _, M in shapes}
    operands = {
        "forward": [(x[D], W[D, M]) for D, M in shapes],
        "weight_grad": [(x[D], dz[M]) for D, M in shapes],
        "input_grad": [(dz[M], W[D, M]) for D, M in shapes],
    }
    timings = {}
    for op, candidates in FORMULATIONS.items():
        timings[op] = _best_times(candidates, operands[op], repeats)
        use(min(timings[op], key=timings[op].get), op)
    return timings
