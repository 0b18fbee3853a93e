"""What the data panel's fields say and how they become a Dataset; no widgets, so it is easy to test."""

from __future__ import annotations

import csv
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from engine import DataError
from engine.data import (
    PLAYGROUND_KINDS,
    Dataset,
    load_csv,
    load_idx,
    load_image_folder,
    load_iris,
    playground,
)
from engine.scene import ImageSetData, spec_of

SOURCES = {
    "circle": "Circle",
    "xor": "Exclusive or",
    "gauss": "Gaussian",
    "spiral": "Spiral",
    "plane": "Plane (regression)",
    "multi_gauss": "Multi Gaussian (regression)",
    "iris": "Iris flowers",
    "digits": "Digits 8×8 (images)",
    "mnist5k": "MNIST digits 5k (images)",
    "fashion_mnist": "Fashion-MNIST (images)",
    "csv": "CSV file…",
    "idx": "IDX image files…",
    "image_folder": "Image folder…",
}
IMAGE_SETS = ("digits", "mnist5k", "fashion_mnist")
"""Image sets shipped with nnsim (``engine.scene.ImageSetData`` names)."""
IMAGE_SOURCES = (*IMAGE_SETS, "idx", "image_folder")


@dataclass(frozen=True)
class DataChoice:
    """What the panel's fields say: enough to make the data set again."""

    source: str = "spiral"
    n_classes: int = 2
    noise: int = 0  # percent, 0..50
    train_percent: int = 50
    n_points: int = 500
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    csv_path: str = ""
    csv_header: tuple[str, ...] = ()
    csv_target: str = ""
    idx_files: tuple[str, ...] = ()  # train images, train labels[, test images, test labels]
    folder_path: str = ""
    image_side: int = 28  # pictures of a folder are resized to side × side
    fashion_full: bool = False


def uses_train_share(choice: DataChoice) -> bool:
    """False for sets that bring their own test split (Fashion-MNIST, IDX files with a test pair)."""
    return choice.source != "fashion_mnist" and not (choice.source == "idx" and len(choice.idx_files) == 4)


def build_dataset(choice: DataChoice) -> Dataset:
    """Make the data set ``choice`` describes (raises DataError)."""
    ratio = choice.train_percent / 100
    if choice.source in PLAYGROUND_KINDS:
        classes = choice.n_classes if PLAYGROUND_KINDS[choice.source] == "classification" else 2
        return playground(
            choice.source, choice.n_points, choice.noise / 100, ratio, choice.seed, choice.features, classes
        )
    if choice.source == "iris":
        return load_iris(test_ratio=1 - ratio, seed=choice.seed)
    if choice.source in IMAGE_SETS:
        full = choice.fashion_full if choice.source == "fashion_mnist" else None
        spec = ImageSetData(choice.source, round(1 - ratio, 6), choice.seed, full)
        return spec.make()  # made through the spec, so a saved scene names the set instead of its pixels
    if choice.source == "idx":
        if len(choice.idx_files) not in (2, 4):
            raise DataError("choose the IDX files first: images and labels, and maybe a test pair")
        return load_idx(*choice.idx_files, test_ratio=1 - ratio, seed=choice.seed)
    if choice.source == "image_folder":
        if not choice.folder_path:
            raise DataError("choose a folder first: one sub-folder of PNG or JPEG pictures per class")
        side = choice.image_side
        return load_image_folder(choice.folder_path, (side, side), test_ratio=1 - ratio, seed=choice.seed)
    if not choice.csv_path:
        raise DataError("choose a CSV file first")
    return load_csv(choice.csv_path, choice.csv_target or -1, test_ratio=1 - ratio, seed=choice.seed)


def sort_idx_files(paths: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Order two or four IDX files by their names: (train images, train labels[, test images, test labels]).

    A name with "label" holds labels; one with "t10k" or "test" belongs to the test pair, as in
    ``train-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``.
    """
    if len(paths) not in (2, 4):
        raise DataError(f"choose 2 IDX files (images, labels) or 4 (with a test pair), not {len(paths)}")
    slots: dict[tuple[bool, bool], str] = {}
    for path in paths:
        name = Path(path).name.lower()
        key = ("t10k" in name or "test" in name, "label" in name)
        if key in slots:
            raise DataError(
                f"cannot tell {Path(slots[key]).name} and {Path(path).name} apart: name them like "
                "train-images…, train-labels…, t10k-images…, t10k-labels…"
            )
        slots[key] = path
    order = [(False, False), (False, True)] + ([(True, False), (True, True)] if len(paths) == 4 else [])
    if any(key not in slots for key in order):
        raise DataError(
            "name the files like train-images…, train-labels… "
            "(and t10k-images…, t10k-labels… for a test pair)"
        )
    return tuple(slots[key] for key in order)


def csv_header(path: str) -> tuple[str, ...]:
    """The column names on the first non-blank line of a CSV file ((): let the loader explain the problem)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for line in f:
                if line.strip():
                    delimiter = max(",;\t", key=line.count)
                    return tuple(c.strip() for c in next(csv.reader([line], delimiter=delimiter)))
    except (OSError, UnicodeError, csv.Error):
        pass
    return ()


def infer_choice(ds: Dataset, base: DataChoice) -> DataChoice:
    """Fields for a data set the panel did not make (the first scene, clicked points, a loaded scene).

    A 2-D set of the kind ``base`` already shows (points clicked in or erased) keeps ``base``'s noise, size
    and seed; a fresh one is read back from its ``source`` line.
    """
    if ds.is_2d and ds.name in PLAYGROUND_KINDS:
        changes: dict[str, object] = {"features": tuple(ds.features), "n_classes": max(2, ds.n_classes)}
        if base.source == ds.name:
            return dataclasses.replace(base, **changes)
        changes.update(source=ds.name, train_percent=_percent(ds))
        found = re.search(r"(\d+) points, noise ([0-9.e+-]+), seed (\d+)", ds.source)
        if found:
            changes.update(
                n_points=int(found[1]), noise=int(round(100 * float(found[2]))), seed=int(found[3])
            )
        return dataclasses.replace(base, **changes)
    if ds.name == "iris":
        return dataclasses.replace(base, source="iris", train_percent=_percent(ds))
    spec = spec_of(ds)
    if isinstance(spec, ImageSetData):
        return dataclasses.replace(
            base,
            source=spec.name,
            seed=spec.seed,
            train_percent=_percent(ds),
            fashion_full=bool(spec.full) if spec.full is not None else ds.n_train > 6000,
        )
    if ds.is_image:
        source = "idx" if ds.source.startswith("IDX files") else "image_folder"
        if base.source == source:
            return base
        return dataclasses.replace(
            base, source=source, idx_files=(), folder_path="", train_percent=_percent(ds)
        )
    if base.source == "csv":
        return base
    return dataclasses.replace(
        base, source="csv", csv_path="", csv_header=(), csv_target="", train_percent=_percent(ds)
    )


def _percent(ds: Dataset) -> int:
    return int(round(100 * ds.n_train / max(1, ds.n_train + ds.n_test)))
