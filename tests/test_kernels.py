"""The products behind every dense layer: each formulation computes the same maths,
and choose() keeps the fastest of each. Every test puts the module-wide choice
back afterwards (restore_kernel)."""

import numpy as np
import pytest

from scratchnet import kernels

pytestmark = pytest.mark.usefixtures("restore_kernel")


@pytest.fixture
def operands():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 5)).astype(np.float32)
    W = rng.standard_normal((5, 3)).astype(np.float32)
    dz = rng.standard_normal((7, 3)).astype(np.float32)
    return x, W, dz


ALL = ["matmul", "einsum", "matmul-skip", "einsum-skip"]


@pytest.mark.parametrize("name", ALL)
def test_each_formulation_computes_the_three_products(name, operands):
    x, W, dz = operands
    kernels.use(name)
    assert set(kernels.active().values()) == {name}
    as64 = lambda a: a.astype(np.float64)  # noqa: E731
    np.testing.assert_allclose(kernels.linear(x, W), as64(x) @ W, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kernels.weight_grad(x, dz), as64(x).T @ dz, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kernels.input_grad(dz, W), as64(dz) @ W.T, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ALL)
def test_products_write_into_out(name, operands):
    x, W, dz = operands
    kernels.use(name)
    out = np.empty((5, 3), dtype=np.float32)
    assert kernels.weight_grad(x, dz, out=out) is out
    np.testing.assert_allclose(out, x.astype(np.float64).T @ dz, rtol=1e-5, atol=1e-5)


def test_one_product_can_be_forced_alone():
    kernels.use("matmul")
    kernels.use("einsum", "weight_grad")
    assert kernels.active() == {"forward": "matmul", "weight_grad": "einsum", "input_grad": "matmul"}


def test_choose_keeps_the_fastest_formulation_of_each_product():
    timings = kernels.choose(batch_size=8, sizes=(20, 10, 5), repeats=2)
    assert set(timings) == {"forward", "weight_grad", "input_grad"}
    for operation, candidates in timings.items():
        assert set(candidates) == ({"matmul", "einsum"} if operation == "input_grad" else set(ALL))
        assert all(seconds > 0 for seconds in candidates.values())
        assert kernels.active()[operation] == min(candidates, key=candidates.get)


def test_unknown_kernel_or_product_is_refused():
    before = kernels.active()
    with pytest.raises(ValueError, match="einsum"):
        kernels.use("cuda")
    with pytest.raises(ValueError, match="weight_grad"):
        kernels.use("einsum", "softmax")
    assert kernels.active() == before


@pytest.fixture
def batch_with_constant_columns():
    """Digit-like inputs: half the columns hold the same value in every row."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((16, 40))
    x[:, ::2] = -0.4242
    x[:, 5] = 0.0
    return x, rng.standard_normal((40, 6)), rng.standard_normal((16, 6))


@pytest.mark.parametrize("name", ["matmul-skip", "einsum-skip"])
def test_skipping_constant_columns_gives_the_same_products(name, batch_with_constant_columns):
    x, W, dz = batch_with_constant_columns
    kernels.use(name)
    np.testing.assert_allclose(kernels.linear(x, W), x @ W, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kernels.weight_grad(x, dz), x.T @ dz, rtol=1e-12, atol=1e-12)
    # a new batch with the same shape but other constant columns is not confused with the last
    y = x.copy()
    y[:, 1::2] = 0.25
    np.testing.assert_allclose(kernels.linear(y, W), y @ W, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kernels.weight_grad(y, dz), y.T @ dz, rtol=1e-12, atol=1e-12)


def test_skipping_falls_back_when_few_columns_are_constant(operands):
    x, W, dz = operands  # random: no constant column
    kernels.use("einsum-skip")
    np.testing.assert_allclose(kernels.linear(x, W), x.astype(np.float64) @ W, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kernels.weight_grad(x, dz), x.astype(np.float64).T @ dz,
                               rtol=1e-5, atol=1e-5)
