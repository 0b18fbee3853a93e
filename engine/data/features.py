"""Input features of 2-D points, the seven TensorFlow Playground offers, so its set-ups carry over."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from engine.errors import DataError

FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
"""Canonical feature names, in the order the Playground lists them."""

ALIASES: dict[str, str] = {
    "x1²": "x1^2",
    "x2²": "x2^2",
    "x1x2": "x1*x2",
    "x1·x2": "x1*x2",
    "sin x1": "sin(x1)",
    "sin x2": "sin(x2)",
}
"""Other spellings people type or read off the Playground, mapped to the canonical name."""

_TRANSFORMS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


def canonical_name(name: str) -> str:
    """Return the canonical spelling of one feature name.

    Raises
    ------
    DataError
        When the name is not a known feature; the message lists the valid names.
    """
    key = str(name).strip()
    key = ALIASES.get(key, key)
    if key not in _TRANSFORMS:
        valid = ", ".join(repr(f) for f in FEATURES)
        raise DataError(f"unknown input feature {name!r}; the features are {valid}")
    return key


def canonical_names(names: Iterable[str]) -> tuple[str, ...]:
    """Return canonical names for a feature selection, refusing an empty selection or repeats.

    A bare string counts as one name, so ``"x1"`` is not read as the letters ``x`` and ``1``.
    """
    if isinstance(names, str):
        names = (names,)
    result = tuple(canonical_name(n) for n in names)
    if not result:
        raise DataError("choose at least one input feature")
    repeated = sorted({n for n in result if result.count(n) > 1})
    if repeated:
        raise DataError(f"input feature {repeated[0]!r} is chosen twice")
    return result


def make_features(points: np.ndarray, names: Iterable[str]) -> np.ndarray:
    """Compute the chosen features of 2-D points.

    Parameters
    ----------
    points : (n, 2) float64
        Raw coordinates ``(x1, x2)``.
    names : iterable of str
        Feature names (canonical or alias), one output column each, in this order.

    Returns
    -------
    (n, len(names)) float64
    """
    cols = canonical_names(names)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise DataError(f"features are made from 2-D points of shape (n, 2), not {pts.shape}")
    x1, x2 = pts[:, 0], pts[:, 1]
    out = np.empty((pts.shape[0], len(cols)), dtype=np.float64)
    for j, name in enumerate(cols):
        out[:, j] = _TRANSFORMS[name](x1, x2)
    return out
