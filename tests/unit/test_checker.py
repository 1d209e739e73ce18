"""Checking a learner's code: the references pass every check, and each usual mistake fails
with a hint in plain words; errors name the learner's own line."""

import numpy as np
import pytest

from scratchnet.teaching import checker, exercises
from scratchnet.teaching.checker import LearnerCodeError, check, check_source, compile_code


def source(name, body):
    """A learner's source for exercise `name`: the function with the given body (4-space indented)."""
    return f"import numpy as np\n\ndef {name}({', '.join(exercises.signature(name))}):\n" + body


def learner(name, body):
    """A learner's version of exercise `name` with the given body (4-space indented)."""
    return compile_code(source(name, body), name)


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


# --- shape hints: the output, the shape it must have, the product that gives it, what to change ---

BACKWARD = "    dx = dz @ W.T\n    dW = x.T @ dz\n    db = dz.sum(axis=0)\n    return dx, dW, db\n"
MUST_DX = "dx must be (4, 5) = dz (4, 3) @ W.T (3, 5)"
MUST_DW = "dW must be (5, 3) = x.T (5, 4) @ dz (4, 3)"
MUST_Z = "z must be (4, 3) = x (4, 5) @ W (5, 3) + b (3,)"
SHAPE_ERRORS = [
    ("dense_backward", BACKWARD.replace("dz @ W.T", "dz @ W"), 4,
     f"The shapes do not fit: dz @ W is (4, 3) @ (5, 3). {MUST_DX}: transpose W."),
    ("dense_backward", BACKWARD.replace("x.T @ dz", "x @ dz"), 5,
     f"The shapes do not fit: x @ dz is (4, 5) @ (4, 3). {MUST_DW}: transpose x."),
    ("dense_backward", BACKWARD.replace("x.T @ dz", "x.T @ dz.T"), 5,
     f"The shapes do not fit: x.T @ dz.T is (5, 4) @ (3, 4). {MUST_DW}: do not transpose dz."),
    ("dense_backward", BACKWARD.replace("x.T @ dz", "x @ dz.T"), 5,
     f"The shapes do not fit: x @ dz.T is (4, 5) @ (3, 4). {MUST_DW}: transpose x, not dz."),
    ("dense_backward", BACKWARD.replace("dz @ W.T", "W @ dz"), 4,
     f"The shapes do not fit: W @ dz is (5, 3) @ (4, 3). {MUST_DX}: write dz @ W.T, not W @ dz."),
    ("dense_backward", BACKWARD.replace("dz @ W.T", "dz * W"), 4,
     f"The shapes do not fit: dz * W is (4, 3) * (5, 3). {MUST_DX}: a matrix product, dz @ W.T, not * (element by element)."),
    # the output from its place in the returned tuple; np.dot and np.transpose read as @ and .T
    ("dense_backward", "    return dz @ W.T, np.dot(x, dz), dz.sum(axis=0)\n", 4,
     f"The shapes do not fit: x @ dz is (4, 5) @ (4, 3). {MUST_DW}: transpose x."),
    ("dense_backward", "    return np.matmul(dz, np.transpose(W)), x.T @ dz.T, dz.sum(axis=0)\n", 4,
     f"The shapes do not fit: x.T @ dz.T is (5, 4) @ (3, 4). {MUST_DW}: do not transpose dz."),
    # an intermediate result: the output made of the same arguments
    ("dense_backward", "    g = dz.dot(W)\n    return g, x.T @ dz, dz.sum(axis=0)\n", 4,
     f"The shapes do not fit: dz @ W is (4, 3) @ (5, 3). {MUST_DX}: transpose W."),
    ("dense_forward", "    return x @ W.T + b\n", 4,
     f"The shapes do not fit: x @ W.T is (4, 5) @ (3, 5). {MUST_Z}: do not transpose W."),
    ("dense_forward", "    z = W @ x + b\n    return z\n", 4,
     f"The shapes do not fit: W @ x is (5, 3) @ (4, 5). {MUST_Z}: write x @ W, not W @ x."),
    ("dense_forward", "    return x.T @ W + b\n", 4,
     f"The shapes do not fit: x.T @ W is (5, 4) @ (5, 3). {MUST_Z}: do not transpose x."),
    # nothing said of operands whose names no longer mean the arguments
    ("dense_backward", "    W = W.T\n    dx = dz @ W.T\n    return dx, x.T @ dz, dz.sum(axis=0)\n", 5,
     f"The shapes do not fit. {MUST_DX}."),
    ("dense_forward", "    return np.dot(x, W) + b.reshape(-1, 1)\n", 4, f"The shapes do not fit. {MUST_Z}."),
]


@pytest.mark.parametrize("name,body,line,hint", SHAPE_ERRORS, ids=[f"{e[0]}-{n}" for n, e in enumerate(SHAPE_ERRORS)])
def test_a_product_whose_shapes_do_not_fit_names_the_output_its_shape_and_what_to_change(name, body, line, hint):
    result = check_source(name, source(name, body))
    assert not result["passed"] and result["error"]["line"] == line and result["error"]["case"] == "small shapes"
    assert result["error"]["hint"] == hint


def test_renamed_arguments_get_the_output_and_its_product_in_the_exercises_names():
    result = check_source("dense_backward", "def dense_backward(g, a, w):\n    return g @ w, a.T @ g, g.sum(axis=0)\n")
    assert result["error"]["hint"] == f"The shapes do not fit. {MUST_DX}."


def test_without_the_source_every_output_is_named_with_its_product():
    result = check("dense_backward", learner("dense_backward", "    return dz @ W, x.T @ dz, dz.sum(axis=0)\n"))
    assert result["error"]["hint"] == (f"The shapes do not fit. {MUST_DX}; {MUST_DW}; "
                                       "db must be (3,) = dz (4, 3) summed over the batch (axis=0).")


WRONG_SHAPES = [
    ("dense_backward", BACKWARD.replace("x.T @ dz", "dz.T @ x"), {
        "dW (small shapes)": "dW has shape (3, 5), not (5, 3) = x.T (5, 4) @ dz (4, 3). "
                             "It is transposed: dz.T @ x = (x.T @ dz).T; write x.T @ dz.",
        "dW (an MNIST mini-batch)": "dW has shape (6, 784), not (784, 6) = x.T (784, 8) @ dz (8, 6). "
                                    "It is transposed: dz.T @ x = (x.T @ dz).T; write x.T @ dz."}),
    ("dense_backward", BACKWARD.replace("dz @ W.T", "(dz @ W.T).T"), {
        "dx (small shapes)": "dx has shape (5, 4), not (4, 5) = dz (4, 3) @ W.T (3, 5). "
                             "It is transposed: W @ dz.T = (dz @ W.T).T; write dz @ W.T."}),
    ("dense_backward", BACKWARD.replace("axis=0", "axis=1"), {
        "db (small shapes)": "db has shape (4,), not (3,) = dz (4, 3) summed over the batch (axis=0).",
        "db (an MNIST mini-batch)": "db has shape (8,), not (6,) = dz (8, 6) summed over the batch (axis=0)."}),
    ("dense_forward", "    return W.T @ x.T + b[:, None]\n", {
        "z (small shapes)": "z has shape (3, 4), not (4, 3) = x (4, 5) @ W (5, 3) + b (3,). "
                            "It is transposed: W.T @ x.T = (x @ W).T; write x @ W."}),
]


@pytest.mark.parametrize("name,body,hints", WRONG_SHAPES, ids=[list(w[2])[0] for w in WRONG_SHAPES])
def test_an_output_of_the_wrong_shape_is_told_its_shape_and_product(name, body, hints, mnist):
    result = check_source(name, source(name, body), mnist["x_train"][:8] / 255)
    assert "error" not in result and not result["passed"]
    by_output = {r["output"]: r["hint"] for r in result["results"]}
    assert {output: by_output[output] for output in hints} == hints


@pytest.mark.parametrize("name,body", [
    ("dense_forward", "    z = x @ W + b\n    return z\n"),
    ("dense_forward", "    return np.dot(x, W) + b\n"),
    ("dense_backward", BACKWARD),
    ("dense_backward", "    return np.dot(dz, W.transpose()), (dz.T @ x).T, np.sum(dz, axis=0)\n"),
])
def test_a_right_dense_answer_gets_no_hint(name, body, mnist):
    result = check_source(name, source(name, body), mnist["x_train"][:8] / 255)
    assert result["passed"] and "error" not in result
    assert [r["hint"] for r in result["results"]] == [""] * len(result["results"])


# --- softmax: exp overflow (no shift) told apart from log(0) (log of an underflowed p) ---------

SHIFT = "    N = len(y)\n    shifted = logits - logits.max(axis=1, keepdims=True)\n"
P = "    p = np.exp(shifted)\n    p /= p.sum(axis=1, keepdims=True)\n"
GRADIENT = "    dlogits = p.copy()\n    dlogits[np.arange(N), y] -= 1\n    return loss, dlogits / N\n"
TEXTBOOK = SHIFT + P + "    loss = -np.log(p[np.arange(N), y]).mean()\n" + GRADIENT
ONE_HOT = SHIFT + P + "    loss = -np.sum(np.eye(logits.shape[1])[y] * np.log(p)) / N\n" + GRADIENT
LOG_SUM_EXP = (SHIFT + "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
               "    loss = -log_p[np.arange(N), y].mean()\n    p = np.exp(log_p)\n" + GRADIENT)
NO_SHIFT = TEXTBOOK.replace("logits - logits.max(axis=1, keepdims=True)", "logits")


@pytest.mark.parametrize("body", [TEXTBOOK, ONE_HOT], ids=["-log p[y]", "-sum(onehot * log p)"])
def test_the_textbook_softmax_passes_with_a_note_on_log_sum_exp(body):
    result = check_source("softmax_cross_entropy", source("softmax_cross_entropy", body))
    assert result["passed"] and result["max_rel_error"] < 1e-7, result
    hints = {r["output"]: r["hint"] for r in result["results"]}
    assert hints.pop("loss (large logits)") == checker.check_hints.LOG_OF_ZERO_NOTE
    assert set(hints.values()) == {""}
    assert "log-sum-exp: log p = z - max - log(sum exp(z - max))" in checker.check_hints.LOG_OF_ZERO_NOTE


def test_softmax_by_log_sum_exp_passes_without_a_note():
    result = check_source("softmax_cross_entropy", source("softmax_cross_entropy", LOG_SUM_EXP))
    assert result["passed"] and all(r["hint"] == "" for r in result["results"]), result


def test_softmax_without_the_shift_fails_on_large_logits_with_the_overflow_hint():
    result = check_source("softmax_cross_entropy", source("softmax_cross_entropy", NO_SHIFT))
    assert not result["passed"]
    failing = {r["output"]: r["hint"] for r in result["results"] if not r["passed"]}
    assert failing == {f"{k} (large logits)": f"{k} holds NaN or infinity on large inputs: exp overflows. Subtract "
                       "each row's maximum before exp (softmax is unchanged by it)." for k in ("loss", "dlogits")}


def test_a_loss_not_finite_after_the_shift_is_log_of_zero_where_p_underflows_and_nothing_named_elsewhere():
    y = np.array([3, 0, 9, 5])
    textbook = compile_code(source("softmax_cross_entropy", TEXTBOOK), "softmax_cross_entropy")
    no_shift = compile_code(source("softmax_cross_entropy", NO_SHIFT), "softmax_cross_entropy")
    far = checker.far_apart(y)  # the label's logit 800 below the others': p[y] is 0 in float64
    assert checker._softmax_not_finite(textbook, far, y, "loss") == checker.check_hints.LOG_OF_ZERO
    assert "log-sum-exp" in checker.check_hints.LOG_OF_ZERO and "exp overflows" not in checker.check_hints.LOG_OF_ZERO
    assert checker._softmax_not_finite(textbook, far + 1000, y, "loss") == checker.check_hints.LOG_OF_ZERO
    assert "exp overflows" in checker._softmax_not_finite(no_shift, np.ones((4, 10)) * 1000 + far / 100, y, "loss")
    # a NaN of another making (log of a negative number), where no p underflows: neither cause named
    log_of_negative = TEXTBOOK.replace("np.log(p[np.arange(N), y])", "np.log(p[np.arange(N), y] - 1)")
    result = check_source("softmax_cross_entropy", source("softmax_cross_entropy", log_of_negative))
    assert {r["hint"] for r in result["results"] if not r["passed"]} == {"loss holds NaN or infinity."}


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
