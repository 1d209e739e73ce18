"""The package as others install it: `pip install ./` gives an importable `scratchnet`
and a `scratchnet` command, with NumPy its only runtime dependency."""

import os
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_numpy_is_the_only_runtime_dependency():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert [d.split(">")[0].split("=")[0] for d in project["dependencies"]] == ["numpy"]
    assert project["scripts"] == {"scratchnet": "scratchnet.cli:main"}


def test_the_installed_command_runs():
    command = os.path.join(os.path.dirname(sys.executable), "scratchnet")
    result = subprocess.run([command, "recipes"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("seed: {")
