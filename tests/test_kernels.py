"""The matmul kernel: both formulations agree, and choose() keeps one of them.
Every test here puts the module-wide choice back afterwards (restore_kernel)."""

import numpy as np
import pytest

from scratchnet import kernels

pytestmark = pytest.mark.usefixtures("restore_kernel")


@pytest.mark.parametrize("name", ["matmul", "einsum"])
def test_each_formulation_computes_the_matrix_product(name):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((7, 5)).astype(np.float32), rng.standard_normal((5, 3)).astype(np.float32)
    kernels.use(name)
    assert kernels.active() == name
    np.testing.assert_allclose(kernels.matmul(a, b), a.astype(np.float64) @ b, rtol=1e-5, atol=1e-5)


def test_formulations_agree_on_transposed_operands_and_out():
    rng = np.random.default_rng(1)
    x, dz = rng.standard_normal((32, 50)).astype(np.float32), rng.standard_normal((32, 10)).astype(np.float32)
    results = {}
    for name in ("matmul", "einsum"):
        kernels.use(name)
        out = np.empty((50, 10), dtype=np.float32)
        returned = kernels.matmul(x.T, dz, out=out)
        assert returned is out
        results[name] = out
    np.testing.assert_allclose(results["matmul"], results["einsum"], rtol=1e-5, atol=1e-5)


def test_choose_picks_one_of_the_formulations_and_reports_timings():
    timings = kernels.choose(batch_size=8, sizes=(20, 10, 5), repeats=2)
    assert set(timings) == {"matmul", "einsum"}
    assert all(seconds > 0 for seconds in timings.values())
    assert kernels.active() == min(timings, key=timings.get)


def test_unknown_kernel_is_refused():
    before = kernels.active()
    with pytest.raises(ValueError, match="einsum"):
        kernels.use("cuda")
    assert kernels.active() == before
