"""Kept for experiments exported before the package had folders: their replay.py imports
`scratchnet.experiment.replay_main`. Exports are written by files/experiment.py."""

from scratchnet.cli.replay import replay_main

__all__ = ["replay_main"]
