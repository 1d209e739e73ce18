"""The words of the checker's hints: why an output has the wrong shape, sign or values, why it
is not finite, and, when a product's shapes do not fit, which output must have which shape and
which product of the arguments gives it, read from the learner's own line.

    dW must be (5, 3) = x.T (5, 4) @ dz (4, 3): transpose x.

Only reading here (values, shapes, the learner's source through ast); running the learner's
code, and choosing the cases, is checker.py's.
"""

import ast

import numpy as np

# How the dense exercises make each output from their arguments: a product of two operands
# ("W.T" is W transposed) and what is added after it (or None); or, for one name alone, that
# argument summed over the batch.
PRODUCTS = {
    "dense_forward": {"z": ("x", "W", "b")},
    "dense_backward": {"dx": ("dz", "W.T", None), "dW": ("x.T", "dz", None), "db": ("dz",)},
}

OVERFLOW = ("{output} holds NaN or infinity on large inputs: exp overflows. Subtract each row's maximum "
            "before exp (softmax is unchanged by it).")
_LOG_SUM_EXP = ("take log p without p, by log-sum-exp: log p = z - max - log(sum exp(z - max)), with max each "
                "row's maximum (the reference does this).")
LOG_OF_ZERO = ("loss holds NaN or infinity even with each row's maximum subtracted: log(0). p underflows to 0 "
               "where a logit lies ~745 or more below its row's maximum, and log(0) = -inf (0 * log 0 = NaN): "
               + _LOG_SUM_EXP)
LOG_OF_ZERO_NOTE = ("Right on these logits; but where the label's logit lies ~745 or more below the others (tried "
                    "at 800) your loss is infinite or NaN: p[y] underflows to 0, and log(0) = -inf. Rare in "
                    "training; to be safe, " + _LOG_SUM_EXP)


def value_hint(output, got, want, mistakes, not_finite, product=None, shapes=None):
    """A plain-words reason why `got` differs from `want`, or ''. `mistakes` lists (what that
    mistake gives, what to say) for the usual mistakes of this output; not_finite(output) says why
    an output holding NaN or infinity does; `product` (from PRODUCTS) makes `output` from
    arguments of shapes `shapes` ({argument: shape}), when the exercise has one."""
    if not isinstance(got, (np.ndarray, float, int, np.floating)) or np.asarray(got).dtype == object:
        return f"{output} should be an array of numbers, not {type(got).__name__}."
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        return _wrong_shape(output, got.shape, want.shape, product, shapes)
    if not np.all(np.isfinite(got)):
        return not_finite(output) or f"{output} holds NaN or infinity."
    close = lambda a, b: np.allclose(a, b, rtol=1e-4, atol=1e-9) and not np.allclose(b, 0)  # noqa: E731
    for wrong, words in mistakes:
        if close(got, wrong) and not close(got, want):
            return words
    if close(got, -want):
        return f"{output} has the wrong sign."
    return ""


def _wrong_shape(output, got, want, product, shapes):
    if product is None:
        text = f"{output} has shape {got}; it should be {want}."
        if len(got) == 2 and got == want[::-1]:
            text += " It is transposed: swap which operand of the product is transposed."
    else:
        text = f"{output} has shape {got}, not {_made(product, shapes)}."
        if len(got) == 2 and got == want[::-1] and len(product) == 3:
            (a, b), flipped = product[:2], " @ ".join(_flip(o) for o in product[1::-1])
            text += f" It is transposed: {flipped} = ({a} @ {b}).T; write {a} @ {b}."
    if len(got) == len(want) + 1 and got[1:] == want:
        text += " It still has the batch axis: sum it over the batch (axis=0)."
    return text


def shape_error_hint(name, args, wanted, signature, error, source=None):
    """For a product (or sum) whose shapes do not fit: which output must have which shape, and
    from which product of the arguments; with the learner's own expression and what to change
    in it when `source` and the error's position show it. '' for other errors."""
    if not any(words in error.message for words in ("matmul", "not aligned", "could not be broadcast")):
        return ""
    shapes = {a: np.shape(v) for a, v in zip(signature, args) if np.ndim(v)}
    if name not in PRODUCTS:
        given = ", ".join(f"{a} {s}" for a, s in shapes.items())
        outputs = ", ".join(f"{k} {s}" for k, s in wanted.items())
        return (f"The shapes do not fit: the inputs are {given}, and the outputs must be {outputs}. A product "
                "(a, b) @ (b, c) needs the inner sizes to agree: transpose the operand (e.g. x.T) whose size "
                "is in the wrong place.")
    tree = _parse(source)
    node, output = _failing(tree, getattr(error, "position", None), list(wanted))
    theirs = _operation(node, _trusted(tree, name, signature))
    if output is None and theirs is not None:  # an intermediate result: the output made of the same arguments
        names = {_split(o)[0] for o in theirs[:2]}
        made_of = [k for k, p in PRODUCTS[name].items() if len(p) == 3 and {_split(o)[0] for o in p[:2]} == names]
        output = made_of[0] if len(made_of) == 1 else None
    text = "The shapes do not fit"
    if theirs is not None:
        text += f": {theirs[0]} {theirs[2]} {theirs[1]} is {_shape_of(theirs[0], shapes)} {theirs[2]} {_shape_of(theirs[1], shapes)}"
    product = PRODUCTS[name].get(output)
    if product is None:  # not known which: every output, with how it is made
        return f"{text}. " + "; ".join(_must_be(k, PRODUCTS[name][k], shapes) for k in wanted) + "."
    fix = _fix(product, theirs)
    return f"{text}. {_must_be(output, product, shapes)}" + (f": {fix}." if fix else ".")


def _must_be(output, product, shapes):
    """'dx must be (4, 5) = dz (4, 3) @ W.T (3, 5)'."""
    return f"{output} must be {_made(product, shapes)}"


def _made(product, shapes):
    """'(4, 5) = dz (4, 3) @ W.T (3, 5)': the shape of `product`, and how it is made."""
    if len(product) == 1:
        return f"{shapes[product[0]][1:]} = {product[0]} {shapes[product[0]]} summed over the batch (axis=0)"
    a, b, added = product
    text = f"({_shape_of(a, shapes)[0]}, {_shape_of(b, shapes)[1]}) = {a} {_shape_of(a, shapes)} @ {b} {_shape_of(b, shapes)}"
    return text + (f" + {added} {shapes[added]}" if added else "")


def _fix(product, theirs):
    """What to change in the learner's operation `theirs` (left, right, operator) to get `product`."""
    if theirs is None or len(product) == 1:
        return ""
    left, right, operator = theirs
    if operator == "*":
        return f"a matrix product, {product[0]} @ {product[1]}, not * (element by element)"
    if operator != "@":
        return ""
    want, got = [_split(o) for o in product[:2]], [_split(left), _split(right)]
    if [n for n, _ in want] != [n for n, _ in got]:
        return f"write {product[0]} @ {product[1]}, not {left} @ {right}"
    add = [n for (n, t), (_, wanted) in zip(got, want) if wanted and not t]
    drop = [n for (n, t), (_, wanted) in zip(got, want) if t and not wanted]
    if add and drop:
        return f"transpose {' and '.join(add)}, not {' and '.join(drop)}"
    return f"transpose {' and '.join(add)}" if add else f"do not transpose {' and '.join(drop)}" if drop else ""


def _split(operand):
    """'W.T' -> ('W', True); 'dz' -> ('dz', False)."""
    return (operand[:-2], True) if operand.endswith(".T") else (operand, False)


def _flip(operand):
    name, transposed = _split(operand)
    return name if transposed else f"{name}.T"


def _shape_of(operand, shapes):
    name, transposed = _split(operand)
    return tuple(reversed(shapes[name])) if transposed else tuple(shapes[name])


def _parse(source):
    try:
        return ast.parse(source) if source is not None else None
    except SyntaxError:
        return None


def _trusted(tree, name, signature):
    """The arguments whose names in the learner's function `name` still mean them: its
    parameters are the exercise's, in order, and it assigns nothing else to that name."""
    function = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name), None) if tree else None
    if function is None or [a.arg for a in function.args.args] != signature:
        return []
    assigned = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)}
    return [a for a in signature if a not in assigned]


def _failing(tree, position, outputs):
    """(the expression that failed, the output its statement makes or None), read from the
    learner's code `tree` at `position` (line, column, end line, end column of the error)."""
    if tree is None or position is None or None in position:
        return None, None
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    at = [n for n in ast.walk(tree) if isinstance(n, ast.expr) and
          (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset) == tuple(position)]
    if not at:
        return None, None
    node = child = at[0]
    while not isinstance(parents.get(child), ast.stmt | None):
        child = parents[child]
    statement = parents.get(child)
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
        target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
        return node, target.id if isinstance(target, ast.Name) and target.id in outputs else None
    if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Tuple):
        elements = statement.value.elts
        inside = next((i for i, e in enumerate(elements) if any(n is node for n in ast.walk(e))), None)
        return node, outputs[inside] if inside is not None and len(elements) == len(outputs) else None
    return node, outputs[0] if isinstance(statement, ast.Return) and len(outputs) == 1 else None


def _operation(node, arguments):
    """(left, right, operator) of the learner's failing operation, each operand an argument or
    an argument's transpose ("W.T"); None for anything else."""
    if isinstance(node, ast.BinOp):
        operator = {ast.MatMult: "@", ast.Mult: "*", ast.Add: "+", ast.Sub: "-"}.get(type(node.op))
        operands = [node.left, node.right]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("dot", "matmul"):
        operator = "@"
        module = isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")
        operands = node.args if module else [node.func.value, *node.args]
    else:
        return None
    names = [_operand(o, arguments) for o in operands]
    return (*names, operator) if operator and len(names) == 2 and None not in names else None


def _operand(node, arguments):
    """'x' for an argument x, 'x.T' for x.T, x.transpose() or np.transpose(x); None otherwise."""
    if isinstance(node, ast.Name) and node.id in arguments:
        return node.id
    if isinstance(node, ast.Attribute) and node.attr == "T":
        inner = _operand(node.value, arguments)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "transpose":
        numpy = isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy")
        if numpy and len(node.args) == 1:
            inner = _operand(node.args[0], arguments)
        elif not numpy and not node.args:
            inner = _operand(node.func.value, arguments)
        else:
            return None
    else:
        return None
    return None if inner is None or inner.endswith(".T") else f"{inner}.T"
