"""Data sets for training: the Playground's 2-D sets, Fisher's iris, and a user's own CSV tables."""

from engine.data.csv_loader import load_csv
from engine.data.dataset import ENCODINGS, Dataset
from engine.data.features import FEATURES, canonical_names, make_features
from engine.data.iris import load_iris
from engine.data.playground import PLAYGROUND_KINDS, playground

__all__ = [
    "ENCODINGS",
    "FEATURES",
    "PLAYGROUND_KINDS",
    "Dataset",
    "canonical_names",
    "load_csv",
    "load_iris",
    "make_features",
    "playground",
]
