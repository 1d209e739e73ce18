"""ScratchNet: neural networks written in plain NumPy, to read, train and take apart.

One idea per module, dependencies pointing one way:

  the maths     layers (dense_forward/backward, Dense, Dropout), activations,
                losses, conv, init, optim, schedules; products (how a dense
                layer's products are computed: the one place speed may choose)
  the network   architecture (layer specs -> layers), model (Network)
  training      trainer (events), metrics, run (prepare_run: one run setup
                for the CLI, the browser and the tests), datasets, data
  around it     preprocess (drawings to MNIST form), images, modelfile,
                config (settings, schema, recipes), registry, gradcheck
  on top        cli (python -m scratchnet), session and probes (usable
                natively), bridge (the browser's entry point), benchmark
"""

from .config import RECIPES, ConfigError, recipe, validate_config
from .datasets import Dataset, load_dataset
from .model import Network
from .modelfile import ModelFileError, load_model, save_model
from .preprocess import EmptyDrawingError, preprocess_drawing
from .run import prepare_run
from .trainer import Trainer

__version__ = "0.2.0"

__all__ = [
    "RECIPES", "ConfigError", "Dataset", "EmptyDrawingError", "ModelFileError", "Network", "Trainer",
    "load_dataset", "load_model", "prepare_run", "preprocess_drawing", "recipe", "save_model",
    "validate_config",
]
