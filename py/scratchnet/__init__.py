"""ScratchNet: neural networks written in plain NumPy, to read, train and take apart.

Folders by role, each importing only those above it in this list (tests/unit/test_package_layout.py
checks it; docs/architecture.md says more):

  nn/        the maths, NumPy only: layers (Dense, Dropout), activations, losses, conv
             (Conv2D, MaxPool2D, Flatten), initializers, optimizers, schedules, products (how a
             dense layer computes its products: the one place speed may choose), gradcheck,
             registry. Start here.
  model/     architecture (layer specs -> layers), network (Network), cost (what one example
             costs, and the limit on it)
  data/      datasets (Dataset), mnist (IDX files and the browser's bundle), points2d (the
             playground's point sets), drawing (a drawing to MNIST form),
             augment (random variants of training images)
  training/  settings (schema, recipes), setup (prepare_run: one run setup for the CLI, the
             browser and the tests), trainer (the loop), resume_state (what resuming it
             exactly needs), events (what a run reports), metrics, curves, activation_stats
  files/     model_file and model_entries (read by safe_npz, a limit-checked npz reader),
             experiment (export), images and png (the CLI's image files)
  teaching/  exercises, checker (with check_hints, its words) and learner_code (the learner's
             own functions), coach, trace, equations, spot_check, inspector, network_views,
             playground
  app/       session, current (the page's one session), bridge (the browser worker's way in),
             wire, inspect_calls, playground_calls, throughput: only this folder knows a
             browser exists
  cli/       python -m scratchnet (train, evaluate, predict, build-data, recipes) and replay
  plain_words.py  plain-words pieces of messages; experiment.py keeps old exports' replay.py working
"""

from scratchnet.data.datasets import Dataset, load_dataset
from scratchnet.data.drawing import EmptyDrawingError, preprocess_drawing
from scratchnet.files.model_file import ModelFileError, load_model, save_model
from scratchnet.model.network import Network
from scratchnet.training.settings import RECIPES, ConfigError, recipe, validate_config
from scratchnet.training.setup import prepare_run
from scratchnet.training.trainer import Trainer

__version__ = "0.2.0"

__all__ = [
    "RECIPES", "ConfigError", "Dataset", "EmptyDrawingError", "ModelFileError", "Network", "Trainer",
    "load_dataset", "load_model", "prepare_run", "preprocess_drawing", "recipe", "save_model",
    "validate_config",
]
