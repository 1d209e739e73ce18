"""Training settings: the schema every setting must satisfy, the named recipes,
and strict validation.

A config is a plain dict (it round-trips through JSON, the URL and saved model
files). The schema is data, so the browser builds its controls from it and
refuses exactly what `validate_config` refuses.

Recipes replay the seed article's journey:
  seed     784-10-10, full-batch gradient descent, lr 0.1, 120 steps, pixels in [0, 1] (~85%)
  default  784-128-10, Xavier, mini-batches of 32, momentum, exponential decay, L2, standardised inputs
  wide     784-256-128-10 with dropout, He initialisation and Adam
  cnn      two convolutions (16 5x5, 32 3x3), each pooled, dropout, then dense: past 99%
"""

from scratchnet.data import augment
from scratchnet.model.architecture import normalize_layers
from scratchnet.nn.activations import ACTIVATIONS
from scratchnet.nn.initializers import INITIALIZERS
from scratchnet.nn.optimizers import OPTIMIZERS
from scratchnet.nn.registry import lookup

MAX_TRAIN_SIZE = 60000

SCHEMA = [
    {"name": "hidden_sizes", "label": "Hidden layers", "type": "int_list", "min": 1, "max": 1024,
     "max_items": 4, "help": "Units in each hidden layer, comma-separated, e.g. 128 or 256,128."},
    {"name": "layers", "label": "Layers", "type": "layers",
     "help": "Optional: the layers written out, e.g. conv:8:5,relu,maxpool:2,dense:64,relu "
             "(the output layer is added). Empty: hidden layers as above."},
    {"name": "activation", "label": "Activation", "type": "choice", "choices": list(ACTIVATIONS),
     "help": "Non-linearity after each hidden layer."},
    {"name": "initializer", "label": "Initialiser", "type": "choice", "choices": list(INITIALIZERS),
     "help": "Xavier suits tanh and sigmoid; He suits ReLU."},
    {"name": "optimizer", "label": "Optimiser", "type": "choice", "choices": list(OPTIMIZERS),
     "help": "How gradients become weight updates."},
    {"name": "learning_rate", "label": "Learning rate", "type": "float", "min": 1e-6, "max": 10.0,
     "help": "Step size. Too high and the loss explodes: watch the gradient norms."},
    {"name": "momentum", "label": "Momentum", "type": "float", "min": 0.0, "max": 0.999,
     "help": "Used by the momentum optimiser (fraction of the last update kept).",
     "used_when": {"optimizer": ["momentum"]}},  # the page greys it out for the others
    {"name": "lr_decay", "label": "Decay per epoch", "type": "float", "min": 0.01, "max": 1.0,
     "help": "Learning rate multiplied by this every epoch (1 = constant)."},
    {"name": "batch_size", "label": "Batch size", "type": "int", "min": 1, "max": MAX_TRAIN_SIZE,
     "help": "Examples per gradient step; as large as the training set means full-batch descent."},
    {"name": "epochs", "label": "Epochs", "type": "int", "min": 1, "max": 500,
     "help": "Passes over the training set."},
    {"name": "eval_every", "label": "Evaluate every", "type": "int", "min": 1, "max": 100,
     "help": "Epochs between evaluations on the test set (and after the last one)."},
    {"name": "weight_decay", "label": "L2 weight decay", "type": "float", "min": 0.0, "max": 1.0,
     "help": "Adds weight_decay * W to each weight gradient (not biases)."},
    {"name": "dropout", "label": "Dropout", "type": "float", "min": 0.0, "max": 0.9,
     "help": "Fraction of hidden units switched off at random while training."},
    {"name": "augment", "label": "Augmentation", "type": "augment", "testid": "augment",
     "limits": {name: kind["max"] for name, kind in augment.AUGMENTATIONS.items()},
     "help": "Random variants of each training batch: none, or e.g. shift:2,rotate:10 (from shift, rotate, "
             "scale, shear and thickness, each with its largest change)."},
    {"name": "clip_norm", "label": "Gradient clipping", "type": "float", "min": 0.0, "max": 1000.0,
     "help": "Largest allowed global gradient norm (0 = no clipping)."},
    {"name": "input_scaling", "label": "Input scaling", "type": "choice",
     "choices": ["standardize", "unit"],
     "help": "standardize: zero mean, unit variance (from the training set); unit: pixels / 255."},
    {"name": "train_size", "label": "Training examples", "type": "int", "min": 100,
     "max": MAX_TRAIN_SIZE, "help": "How many training images to use (balanced across digits)."},
    {"name": "workers", "label": "Workers", "type": "workers", "testid": "workers", "min": 1, "max": 8,
     "help": "Python workers that share each batch: auto (the cores the browser reports, less one for "
             "the page, at most 4, and 1 where sharing would not pay), or 1 to 8. Same seed, same run: "
             "more workers change only the rounding. Used by the page; the command line trains in one process."},
    {"name": "seed", "label": "Seed", "type": "int", "min": 0, "max": 2**31 - 1,
     "help": "Same seed, same settings: the same run, bit for bit."},
]

FIELDS = {field["name"]: field for field in SCHEMA}

RECIPES = {
    "seed": {
        "hidden_sizes": [10], "layers": "", "activation": "relu", "initializer": "xavier", "optimizer": "sgd",
        "learning_rate": 0.1, "momentum": 0.9, "lr_decay": 1.0, "batch_size": MAX_TRAIN_SIZE,
        "epochs": 120, "eval_every": 10, "weight_decay": 0.0, "dropout": 0.0, "augment": "none", "clip_norm": 0.0,
        "input_scaling": "unit", "train_size": MAX_TRAIN_SIZE, "workers": "auto", "seed": 0,
    },
    "default": {
        "hidden_sizes": [128], "layers": "", "activation": "relu", "initializer": "xavier", "optimizer": "momentum",
        "learning_rate": 0.02, "momentum": 0.9, "lr_decay": 0.7, "batch_size": 32,
        "epochs": 15, "eval_every": 1, "weight_decay": 1e-4, "dropout": 0.0, "augment": "none", "clip_norm": 5.0,
        "input_scaling": "standardize", "train_size": MAX_TRAIN_SIZE, "workers": "auto", "seed": 0,
    },
    "wide": {
        "hidden_sizes": [256, 128], "layers": "", "activation": "relu", "initializer": "he", "optimizer": "adam",
        "learning_rate": 0.001, "momentum": 0.9, "lr_decay": 0.85, "batch_size": 64,
        "epochs": 20, "eval_every": 1, "weight_decay": 1e-5, "dropout": 0.2, "augment": "none", "clip_norm": 5.0,
        "input_scaling": "standardize", "train_size": MAX_TRAIN_SIZE, "workers": "auto", "seed": 0,
    },
    "cnn": {
        "hidden_sizes": [128], "layers": "conv:16:5,maxpool:2,relu,conv:32:3,maxpool:2,relu,flatten,dropout:0.25",
        "activation": "relu", "initializer": "he", "optimizer": "adam", "learning_rate": 0.0015,
        "momentum": 0.9, "lr_decay": 0.7, "batch_size": 16, "epochs": 10, "eval_every": 1,
        "weight_decay": 0.0, "dropout": 0.0, "augment": "none", "clip_norm": 0.0, "input_scaling": "standardize",
        "train_size": MAX_TRAIN_SIZE, "workers": "auto", "seed": 0,
    },
}

for _field in SCHEMA:
    _field["default"] = RECIPES["default"][_field["name"]]


class ConfigError(ValueError):
    """Invalid settings. `errors` maps each bad setting's name to a plain-words reason."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors.items()))


def _parse_number(value, kind):
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    try:
        value = float(value) if kind == "float" else value
    except OverflowError:
        raise ValueError("is far too large") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("must be a finite number")
    if abs(value) > 1e15:
        raise ValueError("is far too large")
    if kind == "int":
        if value != int(value):
            raise ValueError(f"must be a whole number, not {value}")
        return int(value)
    return float(value)


def _check_range(value, field):
    if not field["min"] <= value <= field["max"]:
        raise ValueError(f"must be between {field['min']:g} and {field['max']:g}, not {value:g}")
    return value


def validate_field(name, value):
    """Returns the normalised value of setting `name`, or raises ValueError saying why not."""
    return check_field(FIELDS[name], value)


def check_field(field, value):
    """The normalised value for a schema `field` (this SCHEMA's or another's, such as the
    playground's), or ValueError saying why not. Types: choice, multi (some of `choices`,
    as a list or text with commas, kept in the choices' order), layers, augment (data/augment.py's
    text, made canonical), workers (auto or int), int_list, int, float."""
    kind = field["type"]
    if kind == "choice":
        if value not in field["choices"]:
            raise ValueError(f"must be one of {', '.join(field['choices'])}, not {value!r}")
        return value
    if kind == "multi":
        items = [item.strip() for item in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items or not all(isinstance(i, str) for i in items):
            raise ValueError(f"must name at least one of {', '.join(field['choices'])}")
        unknown = [item for item in items if item not in field["choices"]]
        if unknown:
            raise ValueError(f"must be chosen from {', '.join(field['choices'])}, not {unknown[0]!r}")
        return [choice for choice in field["choices"] if choice in items]
    if kind == "layers":
        if not isinstance(value, str):
            raise ValueError("must be text such as conv:8:5,relu,maxpool:2 (or empty)")
        return normalize_layers(value)
    if kind == "augment":
        return augment.text(augment.parse(value.strip() if isinstance(value, str) else value))
    if kind == "workers":  # auto, or a whole number in range (not 2.0, not true)
        if value == "auto":
            return value
        if isinstance(value, str) and not value.strip().lstrip("+").isdigit():
            raise ValueError(f"must be auto or a whole number from {field['min']} to {field['max']}, not {value!r}")
        return _check_range(_parse_number(value, "int"), field)
    if kind == "int_list":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items:
            raise ValueError("must list at least one layer size, e.g. 128 or 256,128")
        if len(items) > field["max_items"]:
            raise ValueError(f"at most {field['max_items']} hidden layers")
        return [_check_range(_parse_number(item, "int"), field) for item in items]
    return _check_range(_parse_number(value, kind), field)


def validate_config(raw, max_train_size=MAX_TRAIN_SIZE, defaults=None):
    """A complete, normalised config from a partial one (missing settings take their
    values from `defaults`, by default the `default` recipe). Raises ConfigError
    naming every bad setting."""
    if not isinstance(raw, dict):
        raise ConfigError({"config": "settings must be a mapping of names to values"})
    defaults = defaults or RECIPES["default"]
    errors = {name: "is not a setting" for name in raw if name not in FIELDS}
    config = {}
    for name in FIELDS:
        try:
            config[name] = validate_field(name, raw.get(name, defaults[name]))
        except ValueError as error:
            errors[name] = str(error)
    if "train_size" in config and config["train_size"] > max_train_size:
        errors["train_size"] = f"only {max_train_size} training images are available here"
    if errors:
        raise ConfigError(errors)
    return config


def recipe(name, max_train_size=MAX_TRAIN_SIZE, **overrides):
    """The validated config of recipe `name` for a dataset of `max_train_size` training
    examples (see recipes_for), with any settings overridden."""
    lookup(RECIPES, name, "recipe")
    return validate_config({**recipes_for(max_train_size)[name], **overrides}, max_train_size)


def recipes_for(max_train_size):
    """The recipes as they apply to a dataset of `max_train_size` training examples: a
    recipe that asks for more examples (or a bigger batch) gets all there are."""
    return {name: {**config, "train_size": min(config["train_size"], max_train_size),
                   "batch_size": min(config["batch_size"], max_train_size)}
            for name, config in RECIPES.items()}
