"""The 2-D data sets of TensorFlow Playground, made its way, plus multi-class versions of its four shapes.

Points lie in about [-6, 6]^2. Two-class sets store TFP's +1 as class 1 and its -1 as class 0, so
``Dataset.targets("pm1")`` gives back TFP's labels. Every random draw comes from one
``np.random.default_rng(seed)``, so the same arguments always give identical arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from engine.data.dataset import Dataset
from engine.data.features import canonical_names, make_features
from engine.data.split import shuffled_split
from engine.errors import DataError

PLAYGROUND_KINDS: dict[str, str] = {
    "circle": "classification",
    "xor": "classification",
    "gauss": "classification",
    "spiral": "classification",
    "plane": "regression",
    "multi_gauss": "regression",
}
"""Name of each Playground set -> its task."""

MAX_CLASSES = 12
MAX_POINTS = 1_000_000

Generator = Callable[[int, float, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def _class_order(k: int) -> tuple[int, ...]:
    """Classes in the order their groups are drawn: TFP's +1 group (class 1) first, then -1 (class 0)."""
    return (1, 0) if k == 2 else tuple(range(k))


def _counts(n: int, k: int) -> list[int]:
    """Share ``n`` points among ``k`` groups as evenly as possible, earlier groups taking the remainder."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _spiral(n: int, noise: float, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Spiral arms of 1.75 turns out to radius 5, arm ``i`` turned by ``2*pi*i/k``.

    With two classes this is TFP's spiral: class 1 at angle offset 0, class 0 at pi. With ``k`` classes there
    are ``k`` arms evenly turned, one class each. Noise adds U(-1, 1) * noise to each coordinate.
    """
    pts, labels = [], []
    for i, (c, m) in enumerate(zip(_class_order(k), _counts(n, k), strict=True)):
        j = np.arange(m)
        r = 5.0 * j / m
        t = 1.75 * 2.0 * np.pi * j / m + 2.0 * np.pi * i / k
        x = r * np.sin(t) + rng.uniform(-1.0, 1.0, m) * noise
        y = r * np.cos(t) + rng.uniform(-1.0, 1.0, m) * noise
        pts.append(np.column_stack([x, y]))
        labels.append(np.full(m, c))
    return np.concatenate(pts), np.concatenate(labels)


def _gauss(n: int, noise: float, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs with variance ``0.5 + 7 * noise``.

    With two classes this is TFP's set: class 1 around (2, 2), class 0 around (-2, -2). With ``k`` classes
    the centres sit evenly on the circle of radius 2*sqrt(2) (about 2.8) through those two, the first at 45
    degrees.
    """
    std = np.sqrt(0.5 + 7.0 * noise)
    radius = 2.0 * np.sqrt(2.0)
    pts, labels = [], []
    for i, (c, m) in enumerate(zip(_class_order(k), _counts(n, k), strict=True)):
        angle = np.pi / 4.0 + 2.0 * np.pi * i / k
        centre = radius * np.array([np.cos(angle), np.sin(angle)])
        pts.append(centre + rng.normal(0.0, std, (m, 2)))
        labels.append(np.full(m, c))
    return np.concatenate(pts), np.concatenate(labels)


def _circle(n: int, noise: float, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Concentric rings out to radius 5, labelled by the ring their noise-shifted position falls in.

    The rings split radius 0..5 into ``k`` bands of width ``w = 5/k``; ring ``i`` draws its radius from
    U(i*w + gap, (i+1)*w) with a gap of ``0.4*w`` (none for the innermost). With two classes this is TFP's
    set: class 1 inside radius 2.5, class 0 in 3.5..5, and a point whose shifted position (shift
    U(-5, 5) * noise per coordinate) is inside 2.5 is class 1. With ``k >= 3`` classes ring ``i`` (counting
    outwards from 0) is class ``i``, again judged by the shifted position.
    """
    order = _class_order(k)
    width = 5.0 / k
    pts = []
    for i, m in enumerate(_counts(n, k)):
        low = i * width + (0.4 * width if i > 0 else 0.0)
        r = rng.uniform(low, (i + 1) * width, m)
        angle = rng.uniform(0.0, 2.0 * np.pi, m)
        pts.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
    points = np.concatenate(pts)
    shifted = points + rng.uniform(-5.0, 5.0, points.shape) * noise
    ring = np.minimum(np.floor(np.hypot(shifted[:, 0], shifted[:, 1]) / width), k - 1).astype(np.int64)
    return points, np.asarray(order)[ring]


def _xor(n: int, noise: float, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points in U(-5, 5)^2 labelled by where their noise-shifted position (U(-5, 5) * noise) lies.

    With two classes this is TFP's XOR: each coordinate is pushed 0.3 away from 0, and class 1 means
    ``x * y >= 0``. With ``k`` classes the plane is cut into ``k`` equal angular sectors starting at the +x
    axis counter-clockwise, and the class is the sector index; ``k = 4`` gives one class per quadrant (class 0
    for x, y > 0, then counter-clockwise). Each point is pushed 0.3 away from both edges of its sector, the
    way TFP pads its quadrants.
    """
    points = rng.uniform(-5.0, 5.0, (n, 2))
    if k == 2:
        points += np.where(points > 0, 0.3, -0.3)
    else:
        step = 2.0 * np.pi / k
        low = np.floor(np.mod(np.arctan2(points[:, 1], points[:, 0]), 2.0 * np.pi) / step) * step
        high = low + step
        inward = np.column_stack([-np.sin(low) + np.sin(high), np.cos(low) - np.cos(high)])
        points += 0.3 * inward
    shifted = points + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    if k == 2:
        return points, (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    angle = np.mod(np.arctan2(shifted[:, 1], shifted[:, 0]), 2.0 * np.pi)
    return points, np.minimum(np.floor(angle / (2.0 * np.pi / k)), k - 1).astype(np.int64)


def _shifted_uniform(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points in U(-6, 6)^2 and the same points shifted by U(-6, 6) * noise, where TFP reads the target."""
    points = rng.uniform(-6.0, 6.0, (n, 2))
    return points, points + rng.uniform(-6.0, 6.0, (n, 2)) * noise


def _plane(n: int, noise: float, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """TFP's plane: target ``(x' + y') / 10`` of the noise-shifted point; within [-1.2, 1.2] at zero noise."""
    points, shifted = _shifted_uniform(n, noise, rng)
    return points, (shifted.sum(axis=1) / 10.0).reshape(-1, 1)


_CENTRES = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _multi_gauss(n: int, noise: float, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """TFP's six signed bumps: each centre gives ``sign * max(0, 1 - d/2)``; the largest in size wins.

    Ties keep the earlier centre, and a point far from all of them gets 0, as in TFP.
    """
    points, shifted = _shifted_uniform(n, noise, rng)
    d = np.hypot(shifted[:, None, 0] - _CENTRES[:, 0], shifted[:, None, 1] - _CENTRES[:, 1])
    bumps = _CENTRES[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    best = np.argmax(np.abs(bumps), axis=1)
    return points, bumps[np.arange(n), best].reshape(-1, 1)


_GENERATORS: dict[str, Generator] = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "plane": _plane,
    "multi_gauss": _multi_gauss,
}


def _check(kind: str, n_points: int, noise: float, train_ratio: float, n_classes: int) -> None:
    if kind not in PLAYGROUND_KINDS:
        raise DataError(f"unknown Playground set {kind!r}; choose one of {', '.join(PLAYGROUND_KINDS)}")
    if PLAYGROUND_KINDS[kind] == "regression":
        if n_classes not in (0, 2):
            raise DataError(
                f"{kind!r} is a regression set and has no classes; leave n_classes at its default"
            )
    elif not 2 <= n_classes <= MAX_CLASSES:
        raise DataError(f"n_classes must be between 2 and {MAX_CLASSES}, not {n_classes}")
    if not max(2, n_classes) <= n_points <= MAX_POINTS:
        raise DataError(f"n_points must be between {max(2, n_classes)} and {MAX_POINTS:,}, not {n_points}")
    if not 0.0 <= noise <= 0.5:
        raise DataError(f"noise must be between 0 and 0.5 (0 to 50 %), not {noise}")
    if not 0.0 < train_ratio < 1.0:
        raise DataError(f"train_ratio must be between 0 and 1 (exclusive), not {train_ratio}")


def playground(
    kind: str,
    n_points: int = 500,
    noise: float = 0.0,
    train_ratio: float = 0.5,
    seed: int = 0,
    features: Iterable[str] = ("x1", "x2"),
    n_classes: int = 2,
) -> Dataset:
    """Make one of the Playground's 2-D sets, shuffled once and split like TFP.

    Parameters
    ----------
    kind : str
        A key of ``PLAYGROUND_KINDS``: "circle", "xor", "gauss", "spiral" (classification) or "plane",
        "multi_gauss" (regression, targets (n, 1) float64).
    n_points : int
        Points in all; the first ``floor(n_points * train_ratio)`` shuffled points are the training split.
    noise : float in [0, 0.5]
        TFP's noise slider (0-50 %) as a fraction.
    seed : int
        Seed of the one ``np.random.default_rng`` every draw comes from.
    features : iterable of str
        Input features computed from the points (see ``engine.data.features.FEATURES``).
    n_classes : int
        2 for TFP's sets; 3 or more for the multi-class versions described by each generator.
    """
    n_points, n_classes = int(n_points), int(n_classes)
    noise, train_ratio = float(noise), float(train_ratio)
    _check(kind, n_points, noise, train_ratio, n_classes)
    names = canonical_names(features)
    task = PLAYGROUND_KINDS[kind]
    k = n_classes if task == "classification" else 0
    rng = np.random.default_rng(seed)
    points, targets = _GENERATORS[kind](n_points, noise, k, rng)
    train, test = shuffled_split(n_points, int(np.floor(n_points * train_ratio + 1e-9)), rng)
    if k == 2:
        class_names: tuple[str, ...] = ("-1", "+1")
    else:
        class_names = tuple(str(c) for c in range(k))
    return Dataset(
        name=kind,
        task=task,
        x_train=make_features(points[train], names),
        x_test=make_features(points[test], names),
        t_train=targets[train],
        t_test=targets[test],
        n_classes=k,
        feature_names=names,
        class_names=class_names,
        target_names=("y",) if task == "regression" else (),
        points_train=points[train],
        points_test=points[test],
        features=names,
        source=f"Playground-style '{kind}' set: {n_points} points, noise {noise:g}, seed {seed}",
    )
