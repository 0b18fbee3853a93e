"""Checks and conversions behind ``Dataset.__post_init__``, kept apart so the dataclass reads as a value."""

from __future__ import annotations

import numpy as np

from engine.errors import DataError

TASKS: tuple[str, ...] = ("classification", "regression")
SPLITS: tuple[str, ...] = ("train", "test")


def frozen_array(value: object, dtype: type, what: str, source: str) -> np.ndarray:
    """Copy ``value`` into a read-only array, so a Dataset cannot change under a view that shows it."""
    try:
        arr = np.array(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} cannot be read as numbers ({exc})", source=source) from None
    arr.flags.writeable = False
    return arr


def inputs(value: object, what: str, source: str) -> np.ndarray:
    """Return model inputs as read-only ``(n, d)`` float64 with only finite values."""
    arr = frozen_array(value, np.float64, what, source)
    if arr.ndim != 2:
        raise DataError(f"{what} must be a table of shape (n, d), not {arr.shape}", source=source)
    require_finite(arr, what, source)
    return arr


def labels(value: object, n_classes: int, what: str, source: str) -> np.ndarray:
    """Return class indices as read-only ``(n,)`` int64, each in ``0 .. n_classes-1``."""
    raw = np.asarray(value)
    if raw.dtype.kind == "f":
        if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
            raise DataError(f"{what} holds class labels that are not whole numbers", source=source)
    elif raw.dtype.kind not in "iub":
        raise DataError(f"{what} must hold class indices (whole numbers), not {raw.dtype}", source=source)
    arr = frozen_array(raw, np.int64, what, source)
    if arr.ndim != 1:
        raise DataError(f"{what} must have shape (n,) for classification, not {arr.shape}", source=source)
    bad = (arr < 0) | (arr >= n_classes)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise DataError(
            f"{what}[{i}] is class {arr[i]}, but the classes are 0 to {n_classes - 1}", source=source
        )
    return arr


def values(value: object, what: str, source: str) -> np.ndarray:
    """Return regression targets as read-only ``(n, k)`` float64; a 1-D array becomes one column."""
    arr = frozen_array(value, np.float64, what, source)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise DataError(f"{what} must have shape (n, k) for regression, not {arr.shape}", source=source)
    require_finite(arr, what, source)
    return arr


def points(value: object, n: int, what: str, source: str) -> np.ndarray:
    """Return raw 2-D points as read-only ``(n, 2)`` float64, one per input row."""
    arr = frozen_array(value, np.float64, what, source)
    if arr.shape != (n, 2):
        raise DataError(f"{what} must have shape ({n}, 2), not {arr.shape}", source=source)
    require_finite(arr, what, source)
    return arr


def require_finite(arr: np.ndarray, what: str, source: str) -> None:
    """Refuse NaN and infinity, naming the first bad row."""
    bad = ~np.isfinite(arr)
    if np.any(bad):
        row = int(np.argwhere(bad)[0][0])
        raise DataError(f"{what} row {row} holds {arr[row]}, which is not finite", source=source)


def check_names(names: tuple[str, ...], count: int, what: str, source: str) -> None:
    """Require one name per column or class."""
    if len(names) != count:
        raise DataError(f"{what} has {len(names)} names for {count} columns or classes", source=source)


def check_split(split: str) -> str:
    """Return ``split`` if it names a split."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; use 'train' or 'test'")
    return split
