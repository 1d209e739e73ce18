"""One run setup for the command line, the browser and the tests: same seed, same
settings, same data -> the same run, bit for bit (up to the float rounding of the
products a platform chooses).

    run = prepare_run(config, dataset)
    for event in run.trainer.events(): ...

The seed is split into named random streams, each used for one thing only, so
that drawing more numbers for one purpose never shifts another:

    subset    which training examples (a class-balanced subset of train_size)
    init      the initial weights
    shuffle   the order of examples in each epoch
    dropout   dropout masks (and nothing else: an inspector's extra forward
              pass in training mode leaves the rest of the run unchanged)
    augment   the random variants of each batch (data/augment.py), when augment is on
"""

import numpy as np

from scratchnet.data.mnist import balanced_subset, input_statistics
from scratchnet.model.network import Network
from scratchnet.nn import products
from scratchnet.nn.layers import PLAIN
from scratchnet.training.trainer import Trainer

STREAMS = ("subset", "init", "shuffle", "dropout", "augment")  # new streams go last: the others keep their numbers


def streams(seed):
    """{stream name: numpy Generator}, each derived from `seed` and its own name."""
    return {name: np.random.default_rng([int(seed), i]) for i, name in enumerate(STREAMS)}


class Run:
    """A network, its trainer, and which training examples it uses (indices into the dataset)."""

    def __init__(self, config, dataset, network, trainer, indices):
        self.config, self.dataset = config, dataset
        self.network, self.trainer, self.indices = network, trainer, indices

    def __repr__(self):
        return f"Run({self.network}, {len(self.indices)} examples of {self.dataset.name}, seed {self.config['seed']})"


def prepare_run(config, dataset, seed=None):
    """A fresh, untrained network and its trainer for a validated `config` on `dataset`
    (a datasets.Dataset), with randomness from `seed` (default: the config's)."""
    rng = streams(config["seed"] if seed is None else seed)
    if config["train_size"] > len(dataset):
        raise ValueError(f"train_size {config['train_size']} is more than the {len(dataset)} "
                         f"training examples of {dataset.name}")
    indices = balanced_subset(dataset.y_train, config["train_size"], rng["subset"], dataset.num_classes)
    x_raw = dataset.x_train[indices]
    mean, std = input_statistics(x_raw) if config["input_scaling"] == "standardize" else (0.0, 1.0)
    network = Network.build(config, rng["init"], mean, std, dataset.sample_shape, dataset.num_classes,
                            dropout_rng=rng["dropout"])
    trainer = Trainer(network, config, network.normalize(x_raw), dataset.y_train[indices],
                      dataset.test_inputs(network), dataset.y_test, rng["shuffle"], augment_rng=rng["augment"])
    return Run(config, dataset, network, trainer, indices)


def choose_products(run, repeats=3):
    """Gives each dense layer the fastest formulation of its products, timed on a real
    batch of this run's training inputs (see products.py). Returns the timings."""
    rows = min(run.trainer.batch_size, run.trainer.micro_batch, 256)
    return products.choose(run.network, run.trainer.x_train[:rows], PLAIN, repeats=repeats)
