"""Data sets for training: the Playground's 2-D sets, iris, image sets, a user's own tables and pictures."""

from engine.data.csv_loader import load_csv
from engine.data.dataset import ENCODINGS, Dataset
from engine.data.features import FEATURES, canonical_names, make_features
from engine.data.idx import load_idx, read_idx
from engine.data.image_folder import load_image_folder
from engine.data.images import (
    DIGIT_NAMES,
    FASHION_NAMES,
    fashion_mnist_installed,
    load_digits,
    load_fashion_mnist,
    load_mnist5k,
)
from engine.data.iris import load_iris
from engine.data.playground import PLAYGROUND_KINDS, playground

__all__ = [
    "DIGIT_NAMES",
    "ENCODINGS",
    "FASHION_NAMES",
    "FEATURES",
    "PLAYGROUND_KINDS",
    "Dataset",
    "canonical_names",
    "fashion_mnist_installed",
    "load_csv",
    "load_digits",
    "load_fashion_mnist",
    "load_idx",
    "load_image_folder",
    "load_iris",
    "load_mnist5k",
    "make_features",
    "playground",
    "read_idx",
]
