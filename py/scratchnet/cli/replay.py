"""Replaying an exported experiment natively: what an export's replay.py runs (see
files/experiment.py, which writes the export)."""

import argparse
import json
import os

from scratchnet.cli import ProgressBar, find_mnist
from scratchnet.data.mnist import DataFileError
from scratchnet.files.experiment import site_dataset
from scratchnet.training.settings import validate_config
from scratchnet.training.setup import choose_products, prepare_run


def replay_main(argv, folder, site, recorded):
    """replay.py's work: returns the exit status (0, or 1 if the run diverges as it did in the page)."""
    parser = argparse.ArgumentParser(prog="replay.py", description="Replay a ScratchNet experiment natively.")
    parser.add_argument("--data", help="the site's data bundle (.npz) or a folder with the MNIST IDX files")
    args = parser.parse_args(argv)
    try:
        dataset = site_dataset(find_mnist(args.data), site)
        with open(os.path.join(folder, "settings.json")) as f:
            config = validate_config(json.load(f), len(dataset))
    except (DataFileError, ValueError, OSError) as error:
        print(f"error: {error}")
        return 2
    if recorded["epochs"] and recorded["epochs"] < config["epochs"]:
        print(f"The page had trained {recorded['epochs']} of the {config['epochs']} epochs; replaying those.")
        config = {**config, "epochs": recorded["epochs"]}
    run = prepare_run(config, dataset)
    choose_products(run)
    print(f"replaying {run.network} on {len(run.indices)} training examples with {json.dumps(config)}")
    bar = ProgressBar()
    for event in run.trainer.events():
        bar(event)
    if run.trainer.diverged:
        return 1
    accuracy = run.trainer.last_eval["accuracy"]
    if recorded["test_accuracy"] is not None:
        print(f"in the page: {recorded['test_accuracy']:.4f}; replayed here:")
    print(f"test accuracy: {accuracy:.4f}")
    return 0
