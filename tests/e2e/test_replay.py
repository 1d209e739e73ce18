"""Same seed, same settings, same data: the command line replays a run trained in the page,
epoch by epoch (up to the float rounding of the products each platform chooses)."""

import glob
import os
import re
import subprocess
import sys

from e2e_helpers import ROOT, attr, open_app, wait_state

SETTINGS = {"hidden_sizes": "32", "train_size": "1000", "epochs": "2", "seed": "4", "dropout": "0.1"}


def test_the_cli_on_the_sites_data_replays_a_browser_run(browser, base_url, dist_dir):
    page = open_app(browser, base_url + "#" + "&".join(f"{k}={v}" for k, v in SETTINGS.items()))
    try:
        page.click("[data-testid=train]")
        in_browser = []
        for epoch in (1, 2):
            page.wait_for_selector(f"#model-info[data-epochs='{epoch}']", timeout=60_000)
            page.wait_for_function(f"() => document.querySelector('#model-info').textContent.includes('trained {epoch} epoch')")
            in_browser.append(float(attr(page, "test-accuracy")))
        wait_state(page, "ready", 60_000)
    finally:
        page.context.close()

    bundle = glob.glob(os.path.join(dist_dir, "data", "mnist.*.npz"))[0]
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in SETTINGS.items()]
    done = subprocess.run([sys.executable, "-m", "scratchnet", "train", "--data", bundle, *flags],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    native = [float(a) for a in re.findall(r"test acc (0\.\d+)", done.stderr)]
    assert len(native) == 2
    assert all(abs(a - b) <= 0.002 for a, b in zip(native, in_browser)), (native, in_browser)
