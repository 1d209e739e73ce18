"""Checking a learner's code: the references pass every check, and each usual mistake fails
with a hint in plain words; errors name the learner's own line."""

import pytest

from scratchnet.teaching import exercises
from scratchnet.teaching.checker import LearnerCodeError, check, check_source, compile_code


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
    assert result["error"]["line"] == stub.splitlines().index(next(line for line in stub.splitlines() if "raise" in line)) + 1


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


# --- sys.exit(), KeyboardInterrupt and other BaseExceptions are the learner's mistakes too -----

EXITS = [
    ("    import sys\n    sys.exit()\n", "SystemExit", 5),
    ("    import sys\n    sys.exit(3)\n", "SystemExit: 3", 5),
    ("    raise KeyboardInterrupt\n", "KeyboardInterrupt", 4),
    ("    raise SystemExit('bye')\n", "SystemExit: bye", 4),
    ("    class Stop(BaseException):\n        pass\n    raise Stop('here')\n", "Stop: here", 6),
    ("    raise GeneratorExit\n", "GeneratorExit", 4),
]


@pytest.mark.parametrize("body,message,line", EXITS, ids=[e[1] for e in EXITS])
def test_base_exceptions_in_the_learners_function_are_reported_with_its_line(body, message, line):
    source = f"import numpy as np\n\ndef relu_forward(z):\n{body}"
    result = check_source("relu_forward", source)
    assert not result["passed"]
    assert result["error"]["message"] == message and result["error"]["line"] == line


@pytest.mark.parametrize("statement,message", [("import sys\nsys.exit()", "SystemExit"),
                                               ("raise KeyboardInterrupt('stop')", "KeyboardInterrupt: stop")])
def test_base_exceptions_at_the_top_level_of_the_learners_code_are_reported_with_its_line(statement, message):
    result = check_source("relu_forward", f"import numpy as np\n{statement}\ndef relu_forward(z):\n    return z\n")
    assert result["error"]["message"] == message
    assert result["error"]["line"] == 1 + len(statement.splitlines())


def test_a_wrapped_learner_function_turns_sys_exit_into_a_learner_code_error():
    from scratchnet.teaching.learner_code import wrap

    fn = wrap(compile_code("import sys\n\ndef sgd_step(W, dW, learning_rate):\n    sys.exit('done')\n", "sgd_step"))
    with pytest.raises(LearnerCodeError) as caught:
        fn(None, None, 0.1)
    assert (caught.value.message, caught.value.line) == ("SystemExit: done", 4)


def test_a_run_whose_learner_code_calls_sys_exit_stops_with_a_code_error(dataset, trained_network):
    from scratchnet.app.session import Session
    from scratchnet.data.datasets import Dataset

    small = Dataset("small", dataset.x_train[:600], dataset.y_train[:600], dataset.x_test[:100],
                    dataset.y_test[:100], 10)
    session = Session(small, trained_network)
    session.new_run({**session.config, "hidden_sizes": [16], "train_size": 600, "epochs": 1})
    session.use_code({"relu_forward": "import sys\n\ndef relu_forward(z):\n    raise KeyboardInterrupt\n"})
    events, done, _ = session.train(5000)
    assert not done and events[-1] == {"type": "code-error", "message": "KeyboardInterrupt", "line": 4}
    session.use_code({})
    while not done:
        events, done, _ = session.train(5000)
    assert events[-1]["type"] == "finished"
