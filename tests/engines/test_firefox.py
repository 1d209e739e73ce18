"""Runs the Firefox smoke story (firefox.test.mjs, Puppeteer over WebDriver BiDi, in Node) as one
pytest test, so that `pytest tests` runs every engine. Its output is shown when it fails."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIREFOX = os.environ.get("SCRATCHNET_FIREFOX", "/usr/bin/firefox-esr")


def test_firefox_story():
    if not os.path.exists(FIREFOX):
        pytest.fail(f"{FIREFOX} not found: install Debian's firefox-esr (build.py does, as root)", pytrace=False)
    if shutil.which("node") is None:
        pytest.fail("node not found (Node.js >= 20 is needed)", pytrace=False)
    # The story's native numbers come from this Python, which has the py/ package.
    env = {**os.environ, "SCRATCHNET_PYTHON": sys.executable, "SCRATCHNET_FIREFOX": FIREFOX}
    done = subprocess.run(["node", "--test", "--test-reporter=spec", os.path.join(HERE, "firefox.test.mjs")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
