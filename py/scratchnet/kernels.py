"""The one place where speed is allowed to change how a matrix product is written.

Every layer writes its maths with `matmul(a, b)`, meaning plain a @ b. How that
product is computed is chosen here, by measurement, because the fastest NumPy
formulation depends on the platform:

- natively, NumPy calls a BLAS library and `a @ b` wins by far;
- inside Pyodide (NumPy compiled to WebAssembly, no BLAS) `np.einsum` without
  `optimize` runs its own tight loop and is about twice as fast as `@`.

`choose()` times both formulations on the shapes a training step uses and keeps
the faster one; until it is called, `@` is used. The result is the same number
either way up to float rounding. This module knows nothing about networks.
"""

import time

import numpy as np


def _matmul_operator(a, b, out=None):
    return np.matmul(a, b, out=out)


def _matmul_einsum(a, b, out=None):
    return np.einsum("ij,jk->ik", a, b, out=out)


FORMULATIONS = {"matmul": _matmul_operator, "einsum": _matmul_einsum}

_active = {"name": "matmul", "fn": _matmul_operator}


def matmul(a, b, out=None):
    """a @ b for 2-D arrays, computed with the formulation `choose()` picked.

    a: (N, D), b: (D, M), out: optional (N, M) array to write into. Returns (N, M).
    """
    return _active["fn"](a, b, out=out)


def active():
    """Name of the formulation in use ('matmul' or 'einsum')."""
    return _active["name"]


def use(name):
    """Force a formulation by name (for tests and benchmarks)."""
    if name not in FORMULATIONS:
        raise ValueError(f"unknown kernel {name!r}; choose one of {sorted(FORMULATIONS)}")
    _active["name"] = name
    _active["fn"] = FORMULATIONS[name]


def _time_once(fn, operands, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for a, b in operands:
            fn(a, b)
        best = min(best, time.perf_counter() - start)
    return best


def choose(batch_size=32, sizes=(784, 128, 10), repeats=5, dtype=np.float32):
    """Time each formulation on one training step's products and keep the fastest.

    The products timed are those of a dense network with layer widths `sizes`
    at `batch_size`: forward x @ W, weight gradient x.T @ dz and input gradient
    dz @ W.T. Returns {name: seconds per step} with the winner in use.
    """
    rng = np.random.default_rng(0)
    operands = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        x = rng.standard_normal((batch_size, fan_in)).astype(dtype)
        W = rng.standard_normal((fan_in, fan_out)).astype(dtype)
        dz = rng.standard_normal((batch_size, fan_out)).astype(dtype)
        operands += [(x, W), (x.T, dz), (dz, W.T)]
    timings = {name: _time_once(fn, operands, repeats) for name, fn in FORMULATIONS.items()}
    use(min(timings, key=timings.get))
    return timings
