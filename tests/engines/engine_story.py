"""The smoke story every engine follows (tests/engines/), and the numbers it must find there,
computed natively with the same py/ package on the site's own files.

One visit, one page: the page opens with a seeded run's settings, an exercise with the learner's
code in the link, and a test digit in the inspector. The learner reads the inspector, draws two
digits, checks the code, trains one epoch, then comes back for a second visit. Firefox's script
(firefox.test.mjs) reads this story as JSON (`python engine_story.py DIST`); WebKit's
(test_webkit.py) imports it.

The seeded epoch's test accuracy is compared with the command line's on the site's data bundle,
as tests/e2e/test_export.py compares Chromium's, within the same 0.002: the page times the
formulations of the dense products and keeps the fastest, and they agree only up to float rounding
(no driver here can reach into the worker to pin one, as the Chromium tests do).
"""

import base64
import glob
import json
import os
import re
import subprocess
import sys

SEEDED = {"hidden_sizes": "32", "train_size": "1000", "epochs": "1", "seed": "4"}
INSPECT = 123
ACCURACY_TOLERANCE = 0.002
RIGHT = '''import numpy as np

def dense_backward(dz, x, W):
    dx = dz @ W.T
    dW = x.T @ dz
    db = dz.sum(axis=0)
    return dx, dW, db
'''
# Strokes in [0, 1] of the pad, as tests/e2e/test_pretrained.py draws them.
DIGITS = {"1": [[(0.52, 0.15), (0.48, 0.85)]], "7": [[(0.28, 0.2), (0.72, 0.2), (0.45, 0.85)]]}


def fragment():
    """The link the story opens: the seeded run, the exercise with the code, the inspected digit."""
    code = base64.urlsafe_b64encode(json.dumps({"dense_backward": RIGHT}).encode()).decode().rstrip("=")
    settings = "&".join(f"{k}={v}" for k, v in SEEDED.items())
    return f"#{settings}&exercise=dense_backward&code={code}&inspect={INSPECT}"


def site_file(dist, key):
    with open(os.path.join(dist, "manifest.json")) as f:
        return os.path.join(dist, json.load(f)[key])


def seeded_accuracy(dist):
    """The seeded run's test accuracy after one epoch, trained natively on the site's data bundle."""
    bundle = glob.glob(os.path.join(dist, "data", "mnist.*.npz"))[0]
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in SEEDED.items()]
    done = subprocess.run([sys.executable, "-m", "scratchnet", "train", "--data", bundle, *flags],
                          capture_output=True, text=True, timeout=300, check=True,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    return float(re.search(r"test accuracy: (0\.\d+)", done.stdout).group(1))


def inspected_digit(dist):
    """(label, the pretrained model's probability of it) for the inspected test digit."""
    from scratchnet import load_dataset, load_model

    model = load_model(site_file(dist, "model"))
    data = load_dataset(site_file(dist, "data"))
    label = int(data.y_test[INSPECT])
    return label, float(model.predict_proba(data.x_test[INSPECT:INSPECT + 1])[0, label])


def story(dist):
    label, probability = inspected_digit(dist)
    return {"fragment": fragment(), "digits": DIGITS, "inspect": {"index": INSPECT, "label": label, "p": probability},
            "accuracy": seeded_accuracy(dist), "accuracy_tolerance": ACCURACY_TOLERANCE}


if __name__ == "__main__":
    print(json.dumps(story(os.path.abspath(sys.argv[1]))))
