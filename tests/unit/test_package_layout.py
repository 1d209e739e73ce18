"""The package's folders and the direction of their imports (docs/architecture.md): the maths
(nn) imports nothing else of ScratchNet, and each folder imports only the folders beneath it, so a
reader can start at nn/ and go up. The package needs NumPy and the standard library alone."""

import ast
import os
import sys

import pytest

PACKAGE = os.path.join(os.path.dirname(__file__), "..", "..", "py", "scratchnet")
# Each folder (or top-level module) and what it may import of ScratchNet, itself included.
BENEATH = {
    "nn": {"nn"},
    "model": {"nn", "model", "plain_words"},
    "data": {"nn", "data", "plain_words"},
    "training": {"nn", "model", "data", "training"},
    "files": {"nn", "model", "data", "training", "files", "plain_words"},
    "teaching": {"nn", "model", "data", "training", "files", "teaching"},
    "app": {"nn", "model", "data", "training", "files", "teaching", "app", "plain_words"},
    "cli": {"nn", "model", "data", "training", "files", "teaching", "app", "cli", "plain_words"},
    "plain_words": set(),
    "experiment": {"cli"},
    "__init__": {"model", "data", "training", "files"},
    "__main__": {"cli"},
}


def modules():
    for folder, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, PACKAGE)[:-3].split(os.sep)
                yield parts, path


def imports(path, parts):
    """(ScratchNet parts imported, other top-level packages imported) by the module at `path`."""
    ours, others = set(), set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = parts[:-node.level] if len(parts) > 1 or node.level > 1 else []
                names = [".".join(["scratchnet", *base, node.module or ""]).rstrip(".")]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            top, *rest = name.split(".")
            if top == "scratchnet":
                ours.add(rest[0] if rest else "__init__")
            else:
                others.add(top)
    return ours, others


LAYOUT = list(modules())


@pytest.mark.parametrize("parts,path", LAYOUT, ids=["/".join(p) for p, _ in LAYOUT])
def test_imports_point_down(parts, path):
    ours, others = imports(path, parts)
    assert parts[0] in BENEATH, f"{'/'.join(parts)} is in no known folder: add it to BENEATH and docs/architecture.md"
    assert ours <= BENEATH[parts[0]], f"{'/'.join(parts)} imports {sorted(ours - BENEATH[parts[0]])}, above it"
    allowed = set(sys.stdlib_module_names) | {"numpy", "PIL", "js", "pyodide"}
    assert others <= allowed, f"{'/'.join(parts)} needs {sorted(others - allowed)}: the package is NumPy only"


def test_the_top_level_holds_folders_and_a_few_modules():
    top = sorted(name for name in os.listdir(PACKAGE) if name.endswith(".py"))
    assert top == ["__init__.py", "__main__.py", "experiment.py", "plain_words.py"]
