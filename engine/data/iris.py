"""Fisher's iris flowers, shipped with the package so a first lesson needs no download."""

from __future__ import annotations

import dataclasses
from importlib import resources

from engine.data.csv_loader import load_csv
from engine.data.dataset import Dataset

IRIS_FILE = "assets/iris.csv"
"""Path of the table inside the ``engine.data`` package: 150 rows, four measurements in cm, the species."""


def load_iris(test_ratio: float = 0.3, seed: int = 0, standardize: bool = True) -> Dataset:
    """Load the 150 iris flowers: 4 inputs in cm, 3 classes (setosa, versicolor, virginica), 50 each.

    The split is stratified, so with the default ratio each species gives 15 test and 35 training rows.

    Returns
    -------
    Dataset
        Inputs (n, 4) float64 named sepal_length, sepal_width, petal_length, petal_width; targets (n,) int64.
    """
    with resources.as_file(resources.files("engine.data").joinpath(IRIS_FILE)) as path:
        data = load_csv(path, "species", "classification", test_ratio, seed, standardize)
    return dataclasses.replace(
        data,
        name="iris",
        source="Fisher's iris data (1936), 150 flowers of 3 species, as distributed with scikit-learn",
    )
