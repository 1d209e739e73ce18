"""Checking a learner's version of an exercise: numerical gradient checks in float64
and comparisons with the reference, with a hint in plain words for the usual mistakes.

For a backward function, every gradient is compared with centred differences of the
reference forward pass under the loss L = sum(out * R), R random (all entries on
small seeded shapes; sampled entries on a real MNIST mini-batch). Forward functions,
the loss and the update rules are compared with the reference on random inputs (and
the loss on large logits too). Each output gets its largest relative error,
|a - b| / max(|a| + |b|, 1e-12), and passes below TOLERANCE.
"""

import traceback

import numpy as np

from scratchnet.nn.gradcheck import centred_difference, numerical_gradient, relative_error
from scratchnet.teaching.exercises import REFERENCES
from scratchnet.teaching.exercises import signature as exercises_signature

TOLERANCE = 1e-6
FILENAME = "<your code>"


class LearnerCodeError(Exception):
    """The learner's code could not run: `message` says why, `line` where (or None)."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message, self.line = message, line


def compile_code(source, name):
    """The function `name` defined by `source` (run with numpy as np), or LearnerCodeError."""
    try:
        code = compile(source, FILENAME, "exec")
    except SyntaxError as error:
        raise LearnerCodeError(f"SyntaxError: {error.msg}", error.lineno) from None
    namespace = {"np": np, "__name__": "learner"}
    run_learner(lambda: exec(code, namespace))
    if not callable(namespace.get(name)):
        raise LearnerCodeError(f"The code defines no function called {name}.")
    return namespace[name]


def run_learner(fn):
    """fn() with an exception from the learner's code turned into LearnerCodeError naming its line.

    BaseException too: sys.exit() (SystemExit), KeyboardInterrupt or a class of the learner's
    own deriving from BaseException is one more mistake in the learner's code, to be reported
    with its line like any other, not an internal error of the page."""
    try:
        with np.errstate(all="ignore"):
            return fn()
    except LearnerCodeError:
        raise
    except BaseException as error:  # whatever the learner's code raised, sys.exit() included
        lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        raise LearnerCodeError(text, lines[-1] if lines else None) from None


def _hint(output, got, want, mistakes, large):
    """A plain-words reason why `got` differs from `want`, or ''. `mistakes` lists
    (what that mistake gives, what to say) for the usual mistakes of this output."""
    if not isinstance(got, (np.ndarray, float, int, np.floating)) or np.asarray(got).dtype == object:
        return f"{output} should be an array of numbers, not {type(got).__name__}."
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        text = f"{output} has shape {got.shape}; it should be {want.shape}."
        if got.ndim == 2 and got.shape == want.shape[::-1]:
            text += " It is transposed: swap which operand of the product is transposed."
        elif got.ndim == want.ndim + 1 and got.shape[1:] == want.shape:
            text += " It still has the batch axis: sum it over the batch (axis=0)."
        return text
    if not np.all(np.isfinite(got)):
        if large:
            return (f"{output} holds NaN or infinity on large inputs: exp overflows. Subtract each row's "
                    "maximum before exp (softmax is unchanged by it).")
        return f"{output} holds NaN or infinity."
    close = lambda a, b: np.allclose(a, b, rtol=1e-4, atol=1e-9) and not np.allclose(b, 0)  # noqa: E731
    for wrong, words in mistakes:
        if close(got, wrong) and not close(got, want):
            return words
    if close(got, -want):
        return f"{output} has the wrong sign."
    return ""


def _compare(output, got, want, mistakes=(), large=False, at=None):
    """{"output", "max_rel_error", "passed", "hint"} for one output (at sampled entries `at`)."""
    want = np.asarray(want, dtype=np.float64)
    hint = _hint(output, got, want if at is None else want, mistakes, large)
    if hint and (" shape " in hint or "NaN" in hint or "array of numbers" in hint):
        return {"output": output, "max_rel_error": float("inf"), "passed": False, "hint": hint}
    got = np.asarray(got, dtype=np.float64)
    error = relative_error(got[at], want[at]) if at is not None else relative_error(got, want)
    passed = error <= TOLERANCE
    if not passed and not hint:
        hint = f"{output} differs from the expected values (largest relative error {error:.2g})."
    return {"output": output, "max_rel_error": error, "passed": passed, "hint": "" if passed else hint}


def _outputs(value, names):
    if len(names) == 1:
        return {names[0]: value}
    if not isinstance(value, tuple) or len(value) != len(names):
        raise LearnerCodeError(f"The function should return {len(names)} values: {', '.join(names)}.")
    return dict(zip(names, value))


def _gradients(loss, variables, sample, rng):
    """Centred differences of loss() for each variable: every entry, or `sample` random ones
    (then the array holds NaN elsewhere, and the entries are returned too)."""
    grads = {}
    for name, value in variables.items():
        if not sample:
            grads[name] = (numerical_gradient(loss, value), None)
            continue
        at = tuple(rng.integers(0, n, sample) for n in value.shape)
        grad = np.full(value.shape, np.nan)
        for index in zip(*at):
            grad[index] = centred_difference(loss, value, index)
        grads[name] = (grad, at)
    return grads


def _cases(name, rng, mnist_batch):
    """[(label, args, {output: (expected, sampled entries or None, mistakes)}, large)] for one exercise."""
    forward = REFERENCES.get(name.replace("_backward", "_forward"))
    if name in ("dense_forward", "dense_backward"):
        x_real = np.asarray(mnist_batch if mnist_batch is not None else rng.random((8, 784)), np.float64)[:8]
        x_real = x_real.reshape(len(x_real), -1)
        shapes = [("small shapes", [rng.standard_normal(s) for s in ((4, 5), (5, 3), (3,))], 0),
                  ("an MNIST mini-batch", [x_real, rng.standard_normal((784, 6)) * 0.05, rng.standard_normal(6)], 12)]
        cases = []
        for label, (x, W, b), sample in shapes:
            if name == "dense_forward":
                cases.append((label, (x, W, b), {"z": (x @ W + b, None, [])}, False))
                continue
            R = rng.standard_normal((len(x), W.shape[1]))
            grads = _gradients(lambda: float(np.sum(forward(x, W, b) * R)), {"dx": x, "dW": W, "db": b}, sample, rng)
            mistakes = {"db": [(grads["db"][0] / len(x), "db is the mean over the batch; it should be the sum.")],
                        "dx": [], "dW": []}
            cases.append((label, (R, x, W), {k: (*grads[k], mistakes[k]) for k in ("dx", "dW", "db")}, False))
        return cases
    if name.endswith("_forward"):
        z = rng.standard_normal((6, 7)) * 3
        return [(label, (v,), {"a": (REFERENCES[name](v), None, [])}, label == "large inputs")
                for label, v in (("random inputs", z), ("large inputs", z * 100))]
    if name.endswith("_backward"):
        z = rng.standard_normal((5, 6)) * 2
        z = np.where(np.abs(z) < 0.1, 0.5, z)  # clear of ReLU's kink, where differences mean nothing
        da = rng.standard_normal(z.shape)
        dz = numerical_gradient(lambda: float(np.sum(forward(z) * da)), z)
        mistakes = [(da * (z < 0), "The ReLU mask is on the wrong side: the gradient passes where z > 0 "
                                   "(dz = da * (z > 0)), not where z < 0.")] if name == "relu_backward" else []
        return [("random inputs", (da, z), {"dz": (dz, None, mistakes)}, False)]
    if name == "softmax_cross_entropy":
        y = rng.integers(0, 10, 6)
        cases = []
        for label, logits in (("random logits", rng.standard_normal((6, 10))),
                              ("large logits", rng.standard_normal((6, 10)) * 1000)):
            loss, dlogits = REFERENCES[name](logits, y)
            if label == "random logits":  # the gradient checked by differences, not taken on trust
                dlogits = numerical_gradient(lambda: REFERENCES[name](logits, y)[0], logits)
            not_mean = [(dlogits * len(y), "dlogits is not divided by the batch size N: the loss is a mean "
                                           "over the batch, and so is its gradient.")]
            cases.append((label, (logits, y), {"loss": (np.float64(loss), None, []),
                                               "dlogits": (dlogits, None, not_mean)}, label == "large logits"))
        return cases
    W, dW, v = (rng.standard_normal((4, 3)) for _ in range(3))
    if name == "sgd_step":
        return [("random inputs", (W, dW, 0.1), {"W": (REFERENCES[name](W, dW, 0.1), None, [])}, False)]
    new_W, new_v = REFERENCES[name](W.copy(), dW, v.copy(), 0.1, 0.9)  # the reference updates in place
    return [("random inputs", (W, dW, v, 0.1, 0.9), {"W": (new_W, None, []), "v": (new_v, None, [])}, False)]


def _shape_hint(name, args, expected, error):
    """For a product whose shapes do not fit: the shapes going in and those wanted out."""
    if not any(words in error.message for words in ("matmul", "not aligned", "could not be broadcast")):
        return ""
    given = ", ".join(f"{a} {np.shape(v)}" for a, v in zip(exercises_signature(name), args) if np.ndim(v))
    wanted = ", ".join(f"{k} {np.shape(w)}" for k, (w, _, _) in expected.items())
    return (f"The shapes do not fit: the inputs are {given}, and the outputs must be {wanted}. A product "
            "(a, b) @ (b, c) needs the inner sizes to agree: transpose the operand (e.g. x.T) whose size "
            "is in the wrong place.")


def check(name, fn, mnist_batch=None, seed=0):
    """Checks the learner's function `fn` for exercise `name`. Returns {"passed",
    "max_rel_error", "results": [{"output", "max_rel_error", "passed", "hint"}]} (one result
    per output and case), with "error" {"message", "line", "hint"} if the code failed to run."""
    rng = np.random.default_rng(seed)
    results = []
    for label, args, expected, large in _cases(name, rng, mnist_batch):
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            got = _outputs(run_learner(lambda: fn(*copies)), list(expected))
        except LearnerCodeError as error:
            hint = _shape_hint(name, args, expected, error)
            return {"passed": False, "max_rel_error": float("inf"), "results": results,
                    "error": {"message": error.message, "line": error.line, "hint": hint, "case": label}}
        for output, (want, at, mistakes) in expected.items():
            result = _compare(output, got[output], want, mistakes, large, at)
            results.append({**result, "output": f"{output} ({label})"})
    worst = max(r["max_rel_error"] for r in results)
    return {"passed": all(r["passed"] for r in results), "max_rel_error": worst, "results": results}


def check_source(name, source, mnist_batch=None):
    """check() of the function `name` that `source` defines; a source that does not compile
    or run gives {"passed": false, "error": {"message", "line"}}."""
    try:
        fn = compile_code(source, name)
    except LearnerCodeError as error:
        return {"passed": False, "max_rel_error": float("inf"), "results": [],
                "error": {"message": error.message, "line": error.line, "hint": "", "case": ""}}
    return check(name, fn, mnist_batch)
