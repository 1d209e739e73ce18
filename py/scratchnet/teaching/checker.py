"""Checking a learner's version of an exercise: numerical gradient checks in float64
and comparisons with the reference, with a hint in plain words for the usual mistakes.

For a backward function, every gradient is compared with centred differences of the
reference forward pass under the loss L = sum(out * R), R random (all entries on
small seeded shapes; sampled entries on a real MNIST mini-batch). Forward functions,
the loss and the update rules are compared with the reference on random inputs (and
the loss on large logits too: a large offset in each row, which overflows exp unless each
row's maximum is subtracted, with logits close enough that every p stays a normal float, so
the textbook answer (subtract the maximum, take p, then -log p[y]) passes). Each output gets
its largest relative error, |a - b| / max(|a| + |b|, 1e-12), and passes below TOLERANCE.
The hints' words are in check_hints.py.
"""

import traceback

import numpy as np

from scratchnet.nn.gradcheck import centred_difference, numerical_gradient, relative_error
from scratchnet.nn.losses import log_softmax
from scratchnet.teaching import check_hints
from scratchnet.teaching.exercises import REFERENCES
from scratchnet.teaching.exercises import signature as exercises_signature

TOLERANCE = 1e-6
FILENAME = "<your code>"


class LearnerCodeError(Exception):
    """The learner's code could not run: `message` says why, `line` where (or None), and
    `position` (line, column, end line, end column) which expression, when known."""

    def __init__(self, message, line=None, position=None):
        super().__init__(message)
        self.message, self.line, self.position = message, line, position


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
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == FILENAME]
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if not frames:
            raise LearnerCodeError(text) from None
        f = frames[-1]
        raise LearnerCodeError(text, f.lineno, (f.lineno, f.colno, f.end_lineno, f.end_colno)) from None


def _compare(output, got, want, mistakes=(), at=None, not_finite=lambda output: "", product=None, shapes=None):
    """{"output", "max_rel_error", "passed", "hint"} for one output (at sampled entries `at`)."""
    want = np.asarray(want, dtype=np.float64)
    hint = check_hints.value_hint(output, got, want, mistakes, not_finite, product, shapes)
    got_array = np.asarray(got, dtype=np.float64) if not hint or "array of numbers" not in hint else None
    if got_array is None or got_array.shape != want.shape or not np.all(np.isfinite(got_array)):
        return {"output": output, "max_rel_error": float("inf"), "passed": False, "hint": hint}
    error = relative_error(got_array[at], want[at]) if at is not None else relative_error(got_array, want)
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
        z = rng.standard_normal((6, 10))
        large = rng.uniform(750, 1000, (6, 1)) + rng.standard_normal((6, 10)) * 3  # see the module's docstring
        cases = []
        for label, logits in (("random logits", z), ("large logits", large)):
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


def _softmax_not_finite(fn, logits, y, output):
    """Why the learner's softmax_cross_entropy gives a NaN or infinite `output` on `logits`:
    exp overflows if it is finite on the same logits less each row's maximum (the learner did
    not subtract it); log(0), for the loss, if it is not, and some p underflows to 0 here.
    The cases keep every p normal, so this one is for logits far apart (the note below)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    try:
        again = _outputs(run_learner(lambda: fn(shifted.copy(), y.copy())), ["loss", "dlogits"])[output]
        finite = bool(np.all(np.isfinite(np.asarray(again, dtype=np.float64))))
    except (LearnerCodeError, TypeError, ValueError):
        finite = False
    if finite and logits.max() > np.log(np.finfo(np.float64).max):
        return check_hints.OVERFLOW.format(output=output)
    underflows = log_softmax(logits).min() < np.log(np.finfo(np.float64).tiny)
    return check_hints.LOG_OF_ZERO if output == "loss" and not finite and underflows else ""


def _log_of_zero_note(fn, y, results):
    """A note on the passed loss on large logits when the learner's loss is not finite on
    logits far apart (the label's 800 below the others', so p[y] underflows to 0): not a
    failure, as the textbook answer (log of p) does this, but log-sum-exp does not."""
    passed = next((r for r in results if r["output"] == "loss (large logits)" and r["passed"]), None)
    if passed is None:
        return
    far = far_apart(y)
    try:
        loss = _outputs(run_learner(lambda: fn(far, y.copy())), ["loss", "dlogits"])["loss"]
        finite = bool(np.all(np.isfinite(np.asarray(loss, dtype=np.float64))))
    except (LearnerCodeError, TypeError, ValueError):
        return
    if not finite and _softmax_not_finite(fn, far, y, "loss") == check_hints.LOG_OF_ZERO:
        passed["hint"] = check_hints.LOG_OF_ZERO_NOTE


def far_apart(y, classes=10, gap=800.0):
    """Logits (N, classes) of 0, but the label's at -gap: past ~745, p[y] is 0 in float64."""
    logits = np.zeros((len(y), classes))
    logits[np.arange(len(y)), y] = -gap
    return logits


def check(name, fn, mnist_batch=None, seed=0, source=None):
    """Checks the learner's function `fn` for exercise `name` (defined by `source`, if given:
    then a shape error's hint reads the learner's failing expression). Returns {"passed",
    "max_rel_error", "results": [{"output", "max_rel_error", "passed", "hint"}]} (one result
    per output and case), with "error" {"message", "line", "hint", "case"} if the code failed
    to run. A passed result's hint is a note (a loss not finite on logits far apart)."""
    rng = np.random.default_rng(seed)
    results, signature = [], exercises_signature(name)
    for label, args, expected, large in _cases(name, rng, mnist_batch):
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            got = _outputs(run_learner(lambda: fn(*copies)), list(expected))
        except LearnerCodeError as error:
            wanted = {k: np.shape(w) for k, (w, _, _) in expected.items()}
            hint = check_hints.shape_error_hint(name, args, wanted, signature, error, source)
            return {"passed": False, "max_rel_error": float("inf"), "results": results,
                    "error": {"message": error.message, "line": error.line, "hint": hint, "case": label}}
        shapes = {a: np.shape(v) for a, v in zip(signature, args)}
        if name == "softmax_cross_entropy":
            not_finite = lambda output: _softmax_not_finite(fn, *args, output)
        else:
            not_finite = lambda output: check_hints.OVERFLOW.format(output=output) if large else ""
        for output, (want, at, mistakes) in expected.items():
            product = check_hints.PRODUCTS.get(name, {}).get(output)
            result = _compare(output, got[output], want, mistakes, at, not_finite, product, shapes)
            results.append({**result, "output": f"{output} ({label})"})
    if name == "softmax_cross_entropy":
        _log_of_zero_note(fn, args[1], results)
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
    return check(name, fn, mnist_batch, source=source)
