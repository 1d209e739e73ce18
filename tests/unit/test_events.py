"""The events of a training run: one list of types, made in events.py, the same on the page."""

import os
import re

from scratchnet.training import events
from scratchnet.training.settings import recipe


def test_the_page_knows_the_same_event_types():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "web", "js", "training", "events.js")
    listed = re.search(r"export const EVENT = Object\.freeze\(\{(.*?)\}\);", open(path).read(), re.S).group(1)
    types = re.findall(r'^\s+\w+: "([a-z-]+)"', listed, re.M)
    # "work" never leaves the worker; "started" is the page's own.
    assert types == [t for t in events.TYPES if t != "work"] + ["started"]


def test_a_run_reports_only_the_listed_types(make_trainer):
    config = {**recipe("default", 200), "train_size": 200, "epochs": 2, "hidden_sizes": [16]}
    _, trainer = make_trainer(config, test_size=200)
    seen = [event["type"] for event in trainer.events()]
    assert set(seen) <= set(events.TYPES)
    assert seen.count("epoch") == 2 and seen[-1] == "finished" and "progress" in seen
