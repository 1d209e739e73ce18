"""Two-dimensional point sets for the playground: circle, xor, gauss and spiral,
two classes each, with noise, a train/test split, a seed, points a learner
places by hand, and optional input features.

Points (x1, x2) lie in the square [-6, 6] x [-6, 6] (DOMAIN). Each set draws
half its points from each class, then jitters every point by Gaussian noise of
standard deviation `noise` (in the same units); a jittered point keeps its
class, so noise blurs the boundary a network must find:

    circle  class 0 within radius 2.5 of the centre, class 1 in the ring 3.5-5.5
    xor     uniform in the square, class = [x1 * x2 < 0]  (points within 0.3
            of an axis are left out, so the quadrants are told apart)
    gauss   two round clouds of standard deviation 1, at (2, 2) and (-2, -2)
    spiral  two arms, r = 5 t, angle = 3.5 pi t + pi * class, for t uniform in [0, 1]

The network sees features of each point rather than the point itself:

    x1, x2 (the coordinates / 6, so in [-1, 1]), x1², x2², x1·x2 (of those),
    sin x1, sin x2 (of the coordinates themselves)

`make_dataset` returns a datasets.Dataset of float32 features with labels, so
the same network, trainer and settings as MNIST's train on it. Nothing here
knows a network. Placed points join the training set only: the test set stays
what the seed drew, so test accuracy stays comparable while a learner adds points.
"""

import numpy as np

from scratchnet.data.datasets import Dataset
from scratchnet.nn.registry import lookup

DOMAIN = 6.0  # points lie in [-DOMAIN, DOMAIN]^2
MAX_POINTS = 2000  # drawn points in a dataset (training and test together)
MAX_PLACED = 500  # points a learner may place


def _circle(rng, n, label):
    if label == 0:
        radius = 2.5 * np.sqrt(rng.uniform(0, 1, n))  # sqrt: uniform over the disc's area
    else:
        radius = rng.uniform(3.5, 5.5, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


def _xor(rng, n, label):
    # A class is two opposite quadrants: (+, +) and (-, -) for 0, (+, -) and (-, +) for 1.
    magnitude = rng.uniform(0.3, 5.5, (n, 2))
    first = rng.choice([-1.0, 1.0], n)
    second = first if label == 0 else -first
    return magnitude * np.stack([first, second], axis=1)


def _gauss(rng, n, label):
    centre = 2.0 if label == 0 else -2.0
    return rng.normal(centre, 1.0, (n, 2))


def _spiral(rng, n, label):
    t = rng.uniform(0, 1, n)
    radius, angle = 5 * t, 3.5 * np.pi * t + np.pi * label
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)


SHAPES = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral}

FEATURES = {
    "x1": lambda x1, x2: x1 / DOMAIN,
    "x2": lambda x1, x2: x2 / DOMAIN,
    "x1x1": lambda x1, x2: (x1 / DOMAIN) ** 2,
    "x2x2": lambda x1, x2: (x2 / DOMAIN) ** 2,
    "x1x2": lambda x1, x2: x1 * x2 / DOMAIN ** 2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}


def points(name, count, noise, rng):
    """`count` points of set `name`, half of each class (class 0 first when odd):
    (xy (count, 2) float64, labels (count,) int64), in shuffled order."""
    shape = lookup(SHAPES, name, "point set")
    sizes = (count - count // 2, count // 2)
    xy = np.concatenate([shape(rng, size, label) for label, size in enumerate(sizes)])
    order = rng.permutation(count)  # drawn before the jitter: noise moves the same points
    xy, labels = xy[order], np.repeat(np.arange(2), sizes)[order]
    return (xy + rng.normal(0, noise, xy.shape) if noise > 0 else xy), labels


def features(xy, names):
    """The network's inputs for points xy (N, 2): one float32 column per feature name."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    columns = [lookup(FEATURES, name, "feature")(xy[:, 0], xy[:, 1]) for name in names]
    return np.stack(columns, axis=1).astype(np.float32)


def split(labels, test_fraction, rng):
    """(train indices, test indices), each class split in the same proportion."""
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cut = int(round(len(members) * (1 - test_fraction)))
        train.append(members[:cut])
        test.append(members[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class PointSet:
    """A drawn set with its split and the learner's placed points, in plain coordinates:
    xy_train (N, 2), y_train (N,), xy_test, y_test, and placed (P, 3) rows (x1, x2, class)."""

    def __init__(self, name, count=400, noise=0.0, test_fraction=0.5, seed=0, placed=()):
        if not 4 <= count <= MAX_POINTS:
            raise ValueError(f"a point set has from 4 to {MAX_POINTS} points, not {count}")
        if not 0 <= noise <= 3:
            raise ValueError(f"noise must be from 0 to 3, not {noise}")
        if not 0.1 <= test_fraction <= 0.9:
            raise ValueError(f"the test share must be from 0.1 to 0.9, not {test_fraction}")
        self.name, self.count, self.noise, self.test_fraction, self.seed = name, count, noise, test_fraction, seed
        rng = np.random.default_rng([int(seed), 7])  # its own stream: the run's seed streams stay apart
        xy, labels = points(name, count, noise, rng)
        train, test = split(labels, test_fraction, rng)
        self.xy_drawn, self.y_drawn = xy[train], labels[train]
        self.xy_test, self.y_test = xy[test], labels[test]
        self.placed = np.zeros((0, 3))
        for x1, x2, label in placed:
            self.place(x1, x2, label)

    def place(self, x1, x2, label):
        """Adds a training point of class `label` (0 or 1) at (x1, x2), inside the domain."""
        if label not in (0, 1):
            raise ValueError(f"a placed point's class must be 0 or 1, not {label!r}")
        if not (abs(x1) <= DOMAIN and abs(x2) <= DOMAIN):
            raise ValueError(f"a placed point must lie within ±{DOMAIN:g} on both axes")
        if len(self.placed) >= MAX_PLACED:
            raise ValueError(f"at most {MAX_PLACED} points can be placed")
        self.placed = np.concatenate([self.placed, [[float(x1), float(x2), int(label)]]])

    def clear_placed(self):
        self.placed = np.zeros((0, 3))

    @property
    def xy_train(self):
        return np.concatenate([self.xy_drawn, self.placed[:, :2]])

    @property
    def y_train(self):
        return np.concatenate([self.y_drawn, self.placed[:, 2].astype(np.int64)])

    def dataset(self, feature_names=("x1", "x2")):
        """A datasets.Dataset of the features of these points (training: drawn and placed)."""
        return Dataset(f"{self.name} (2-D)", features(self.xy_train, feature_names), self.y_train,
                       features(self.xy_test, feature_names), self.y_test, 2)

    def __repr__(self):
        return (f"PointSet({self.name}, {len(self.y_drawn)} training + {len(self.placed)} placed, "
                f"{len(self.y_test)} test, noise {self.noise:g}, seed {self.seed})")


def make_dataset(name, count=400, noise=0.0, test_fraction=0.5, seed=0, placed=(), feature_names=("x1", "x2")):
    """The datasets.Dataset of a point set: see PointSet."""
    return PointSet(name, count, noise, test_fraction, seed, placed).dataset(feature_names)


def grid(resolution):
    """Points of a resolution x resolution grid over the domain, row by row from the top
    (x2 = +DOMAIN) down, each at the centre of its cell: (resolution², 2)."""
    centres = (np.arange(resolution) + 0.5) / resolution * 2 * DOMAIN - DOMAIN
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)
