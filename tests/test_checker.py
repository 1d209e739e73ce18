"""Checking a learner's code: the references pass every check, and each usual mistake fails
with a hint in plain words; errors name the learner's own line."""

import pytest

from scratchnet import exercises
from scratchnet.checker import LearnerCodeError, check, check_source, compile_code


def learner(name, body):
    """A learner's version of exercise `name` with the given body (4-space indented)."""
    args = ", ".join(exercises.signature(name))
    return compile_code(f"import numpy as np\n\ndef {name}({args}):\n" + body, name)


@pytest.mark.parametrize("name", exercises.NAMES)
def test_the_reference_passes_its_own_check(name, mnist):
    result = check(name, exercises.REFERENCES[name], mnist["x_train"][:8] / 255)
    assert result["passed"], result
    assert result["max_rel_error"] < 1e-7
    assert all(r["hint"] == "" for r in result["results"])


@pytest.mark.parametrize("name", exercises.NAMES)
def test_every_stub_says_what_to_write_and_is_not_done(name):
    stub = exercises.stub(name)
    assert f"def {name}(" in stub and '"""' in stub
    result = check_source(name, stub)
    assert not result["passed"] and "not written yet" in result["error"]["message"]
    assert result["error"]["line"] == stub.splitlines().index(next(l for l in stub.splitlines() if "raise" in l)) + 1


def test_a_missing_transpose_is_named_with_the_shapes():
    result = check("dense_backward", learner("dense_backward", "    return dz @ W.T, x @ dz, dz.sum(axis=0)\n"))
    assert not result["passed"] and "ValueError" in result["error"]["message"] and result["error"]["line"] == 4
    hint = result["error"]["hint"]
    assert "dz (4, 3), x (4, 5), W (5, 3)" in hint and "dW (5, 3)" in hint and "x.T" in hint


MISTAKES = [
    ("dense_backward", "    return dz @ W.T, (x.T @ dz).T, dz.sum(axis=0)\n", "dW", "transposed"),
    ("dense_backward", "    return dz @ W.T, x.T @ dz, dz\n", "db", "batch axis"),
    ("dense_backward", "    return dz @ W.T, x.T @ dz, dz.mean(axis=0)\n", "db", "mean over the batch"),
    ("dense_backward", "    return -(dz @ W.T), x.T @ dz, dz.sum(axis=0)\n", "dx", "wrong sign"),
    ("relu_backward", "    return da * (z < 0)\n", "dz", "wrong side"),
    ("softmax_cross_entropy",
     "    p = np.exp(logits - logits.max(axis=1, keepdims=True))\n    p /= p.sum(axis=1, keepdims=True)\n"
     "    N = len(y)\n    loss = -np.log(p[np.arange(N), y]).mean()\n    d = p.copy()\n    d[np.arange(N), y] -= 1\n"
     "    return loss, d\n", "dlogits", "divided by the batch size"),
    ("softmax_cross_entropy",
     "    p = np.exp(logits)\n    p /= p.sum(axis=1, keepdims=True)\n    N = len(y)\n"
     "    loss = -np.log(p[np.arange(N), y]).mean()\n    d = p.copy()\n    d[np.arange(N), y] -= 1\n"
     "    return loss, d / N\n", "loss (large logits)", "Subtract each row's maximum"),
    ("sigmoid_forward", "    return np.full(z.shape, np.nan)\n", "a", "NaN"),
]


@pytest.mark.parametrize("name,body,output,words", MISTAKES, ids=[f"{m[0]}-{m[3]}" for m in MISTAKES])
def test_usual_mistakes_fail_with_a_hint(name, body, output, words):
    result = check(name, learner(name, body))
    assert not result["passed"]
    failing = [r for r in result["results"] if not r["passed"]]
    assert any(r["output"].startswith(output) and words in r["hint"] for r in failing), failing


def test_a_syntax_error_and_an_exception_name_the_learners_line():
    with pytest.raises(LearnerCodeError, match="SyntaxError") as caught:
        compile_code("import numpy as np\n\ndef relu_forward(z):\n    return np.maximum(z, 0\n", "relu_forward")
    assert caught.value.line in (4, 5)
    result = check("relu_forward", learner("relu_forward", "    a = z * 2\n    return a.no_such_thing\n"))
    assert "AttributeError" in result["error"]["message"] and result["error"]["line"] == 5


def test_code_without_the_function_is_refused():
    with pytest.raises(LearnerCodeError, match="no function called sgd_step"):
        compile_code("def sgd(W, dW, learning_rate):\n    return W\n", "sgd_step")
