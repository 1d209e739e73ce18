"""ScratchNet: a neural network for MNIST written in plain NumPy.

Everything a learner needs to read is here, one idea per module:
activations, layers, losses, init, optim, schedules (the maths); model (the
network); trainer (mini-batch training as a stream of events); metrics;
preprocess (drawings to MNIST form); data (IDX files and bundles); modelfile
(save/load); config (settings, schema, recipes); kernels (the one fast path).
The CLI (`python -m scratchnet`) and the browser bridge sit on top.
"""

from .config import RECIPES, ConfigError, recipe, validate_config
from .model import Network
from .modelfile import ModelFileError, load_model, save_model
from .preprocess import EmptyDrawingError, preprocess_drawing
from .trainer import Trainer

__version__ = "0.1.0"

__all__ = [
    "RECIPES", "ConfigError", "EmptyDrawingError", "ModelFileError", "Network", "Trainer",
    "load_model", "preprocess_drawing", "recipe", "save_model", "validate_config",
]
