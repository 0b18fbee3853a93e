"""Turn a user's CSV table into a Dataset: decide the task from the target column, split and scale."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.data.csv_reader import Table, read_table
from engine.data.dataset import Dataset
from engine.data.split import random_split, stratified_split
from engine.errors import DataError

TASK_CHOICES: tuple[str, ...] = ("auto", "classification", "regression")
MAX_CLASSES = 100
AUTO_MAX_CLASSES = 10
"""With ``task="auto"``, a whole-number target with at most this many distinct values is read as classes."""


def _numbers(table: Table) -> tuple[np.ndarray | None, int]:
    """Return the target as float64, or None and the index of the first cell that is not a number."""
    out = np.empty(len(table.target))
    for i, text in enumerate(table.target):
        try:
            out[i] = float(text)
        except ValueError:
            return None, i
    return out, -1


def _classes(labels: list[str] | np.ndarray, table: Table, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Index class labels by their sorted order: names alphabetically, whole numbers by value."""
    if isinstance(labels, np.ndarray):
        uniq, index = np.unique(labels, return_inverse=True)
        names = tuple(str(int(v)) for v in uniq)
    else:
        names = tuple(sorted(set(labels)))
        lookup = {c: i for i, c in enumerate(names)}
        index = np.array([lookup[c] for c in labels], dtype=np.int64)
    column = table.target_name
    if len(names) < 2:
        raise DataError(
            f"target column {column!r} has only one class, {names[0]!r}; it needs two", source=name
        )
    if len(names) > MAX_CLASSES:
        message = f"target column {column!r} has {len(names)} classes; at most {MAX_CLASSES} can be used"
        raise DataError(message + " (is it the right column, or should the task be regression?)", source=name)
    return index.astype(np.int64), names


def _encode_target(table: Table, task: str, name: str) -> tuple[str, np.ndarray, tuple[str, ...]]:
    """Decide the task and return ``(task, targets, class_names)`` as the Dataset stores them."""
    column = table.target_name
    for i, text in enumerate(table.target):
        if not text:
            raise DataError(f"the target column {column!r} is empty", int(table.lines[i]), name)
    numbers, bad = _numbers(table)
    if numbers is None:
        if task == "regression":
            message = f"column {column!r} has {table.target[bad]!r}, which is not a number (regression)"
            raise DataError(message, int(table.lines[bad]), name)
        index, names = _classes(table.target, table, name)
        return "classification", index, names
    finite = np.isfinite(numbers)
    if not np.all(finite):
        i = int(np.argmin(finite))
        raise DataError(
            f"column {column!r} has {table.target[i]!r}, which is not a finite number",
            int(table.lines[i]),
            name,
        )
    whole = numbers == np.round(numbers)
    if task == "classification":
        if not np.all(whole):
            i = int(np.argmin(whole))
            message = (
                f"column {column!r} has {table.target[i]!r}; class labels must be whole numbers or names"
            )
            raise DataError(message, int(table.lines[i]), name)
        index, names = _classes(numbers, table, name)
        return "classification", index, names
    if task == "auto" and np.all(whole) and 2 <= len(np.unique(numbers)) <= AUTO_MAX_CLASSES:
        index, names = _classes(numbers, table, name)
        return "classification", index, names
    return "regression", numbers.reshape(-1, 1), ()


def load_csv(
    path: str | os.PathLike[str],
    target: int | str = -1,
    task: str = "auto",
    test_ratio: float = 0.2,
    seed: int = 0,
    standardize: bool = True,
) -> Dataset:
    """Load a table with a header row as a Dataset; nothing is returned unless the whole file is good.

    Parameters
    ----------
    path : str or path-like
        A UTF-8 CSV file (comma, semicolon or tab separated) of at most 200 MB and 5,000 columns.
    target : int or str
        The target column, by name or by index (negative counts from the end). Every other column is an
        input and must hold finite numbers.
    task : str
        ``"classification"``, ``"regression"`` or ``"auto"``: a target with any non-number is classes (sorted
        by name), whole numbers with 2 to 10 distinct values are classes, anything else is regression.
    test_ratio : float in [0, 1)
        Share of rows held out for testing, per class for classification (stratified).
    seed : int
        Seed of the split's ``np.random.default_rng``.
    standardize : bool
        Z-score the inputs with the training split's statistics.

    Returns
    -------
    Dataset
        Inputs (n, d) float64; targets (n,) int64 class indices or (n, 1) float64 values.
    """
    name = Path(path).name
    if task not in TASK_CHOICES:
        raise DataError(f"task must be one of {', '.join(TASK_CHOICES)}, not {task!r}", source=name)
    if not 0.0 <= float(test_ratio) < 1.0:
        raise DataError(f"test_ratio must be at least 0 and below 1, not {test_ratio}", source=name)
    table = read_table(path, target)
    task, t, class_names = _encode_target(table, task, name)
    rng = np.random.default_rng(seed)
    n = len(t)
    if task == "classification":
        train, test = stratified_split(t, float(test_ratio), rng)
    else:
        train, test = random_split(n, float(test_ratio), rng)
    x = table.inputs
    dataset = Dataset(
        name=Path(path).stem,
        task=task,
        x_train=x[train],
        x_test=x[test],
        t_train=t[train],
        t_test=t[test],
        n_classes=len(class_names),
        feature_names=table.input_names,
        class_names=class_names,
        target_names=(table.target_name,),
        source=f"{name}: {n} rows, {x.shape[1]} inputs, target {table.target_name!r}",
    )
    return dataset.standardized() if standardize else dataset
