"""The Dataset value: train and test arrays plus the names a window shows beside them.

A Dataset never changes; editing one (new features, clicked or erased points, scaling) returns a new one, so
a view holding the old value is never surprised and an undo step only has to keep the old value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from engine.data import checks
from engine.data.features import canonical_names, make_features
from engine.errors import DataError

ENCODINGS: tuple[str, ...] = ("pm1", "01", "onehot", "index", "values")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test data for one task, with read-only float64 inputs.

    Attributes
    ----------
    name : str
        Short name shown in the window ("spiral", "iris", a file's stem).
    task : str
        ``"classification"`` or ``"regression"``.
    x_train, x_test : (n, d), (m, d) float64
        Model inputs, after feature transforms and any scaling.
    t_train, t_test : (n,) int64 class indices, or (n, k) float64 regression targets
    n_classes : int
        Number of classes; 0 for regression.
    feature_names : tuple of str
        One per input column; ``x1 .. xd`` when left empty.
    class_names : tuple of str
        One per class; ``"0" .. "K-1"`` when left empty; empty for regression.
    target_names : tuple of str
        Regression: one per target column (``"y"`` or ``y1 .. yk`` when left empty). Classification: empty, or
        the name of the label column.
    points_train, points_test : (n, 2), (m, 2) float64 or None
        Raw 2-D points of the Playground sets, from which ``features`` computes the inputs.
    features : tuple of str or None
        Feature transform names of a 2-D set (see ``engine.data.features``); None otherwise.
    source : str
        One line saying where the data came from.
    x_mean, x_scale : (d,) float64 or None
        Set by ``standardized``: inputs are ``(raw - x_mean) / x_scale``, so new points can be scaled alike.
    image_shape : (channels, height, width) or None
        For image sets: each row of ``x`` is one image flattened in channel, row, column order, so
        ``d == channels * height * width``. Image layers read this; dense layers see the flat row.
    """

    name: str
    task: str
    x_train: np.ndarray
    x_test: np.ndarray
    t_train: np.ndarray
    t_test: np.ndarray
    n_classes: int = 0
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    points_train: np.ndarray | None = None
    points_test: np.ndarray | None = None
    features: tuple[str, ...] | None = None
    source: str = ""
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None
    image_shape: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        name = str(self.name)
        fix = object.__setattr__  # frozen: store the checked, converted fields once, here
        if self.task not in checks.TASKS:
            raise DataError(f"task must be 'classification' or 'regression', not {self.task!r}", source=name)
        x_train = checks.inputs(self.x_train, "x_train", name)
        x_test = checks.inputs(self.x_test, "x_test", name)
        d = x_train.shape[1]
        if d == 0 or x_test.shape[1] != d:
            raise DataError(f"x_train has {d} columns and x_test {x_test.shape[1]}", source=name)
        if self.task == "classification":
            if int(self.n_classes) < 2:
                raise DataError(f"classification needs at least 2 classes, not {self.n_classes}", source=name)
            t_train = checks.labels(self.t_train, int(self.n_classes), "t_train", name)
            t_test = checks.labels(self.t_test, int(self.n_classes), "t_test", name)
            class_names = tuple(self.class_names) or tuple(str(c) for c in range(int(self.n_classes)))
            checks.check_names(class_names, int(self.n_classes), "class_names", name)
            target_names = tuple(self.target_names)
            if len(target_names) > 1:
                raise DataError("a classification set has at most one target name", source=name)
        else:
            if int(self.n_classes) != 0 or self.class_names:
                raise DataError("a regression set has no classes (n_classes=0, class_names=())", source=name)
            t_train = checks.values(self.t_train, "t_train", name)
            t_test = checks.values(self.t_test, "t_test", name)
            k = t_train.shape[1]
            if t_test.shape[1] != k:
                raise DataError(f"t_train has {k} target columns and t_test {t_test.shape[1]}", source=name)
            class_names = ()
            default = ("y",) if k == 1 else tuple(f"y{j + 1}" for j in range(k))
            target_names = tuple(self.target_names) or default
            checks.check_names(target_names, k, "target_names", name)
        for split, x, t in (("train", x_train, t_train), ("test", x_test, t_test)):
            if len(t) != len(x):
                raise DataError(f"x_{split} has {len(x)} rows but t_{split} has {len(t)}", source=name)
        feature_names = tuple(self.feature_names) or tuple(f"x{j + 1}" for j in range(d))
        checks.check_names(feature_names, d, "feature_names", name)
        fix(self, "name", name)
        fix(self, "n_classes", int(self.n_classes))
        for field, value in (
            ("x_train", x_train),
            ("x_test", x_test),
            ("t_train", t_train),
            ("t_test", t_test),
        ):
            fix(self, field, value)
        fix(self, "feature_names", feature_names)
        fix(self, "class_names", class_names)
        fix(self, "target_names", target_names)
        self._check_points()
        self._check_scaling()
        self._check_image_shape()

    def _check_image_shape(self) -> None:
        if self.image_shape is None:
            return
        shape = tuple(self.image_shape)
        if len(shape) != 3 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in shape):
            raise DataError(
                f"image_shape must be (channels, height, width) of positive whole numbers, not {shape!r}",
                source=self.name,
            )
        shape = tuple(int(v) for v in shape)
        if shape[0] * shape[1] * shape[2] != self.n_inputs:
            raise DataError(
                f"image_shape {shape} holds {shape[0] * shape[1] * shape[2]} values but each row has "
                f"{self.n_inputs}",
                source=self.name,
            )
        object.__setattr__(self, "image_shape", shape)

    @property
    def is_image(self) -> bool:
        """True for image sets, whose rows are flattened (channels, height, width) images."""
        return self.image_shape is not None

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape one sample has for the network's Input layer: the image shape, or (features,)."""
        return self.image_shape if self.image_shape is not None else (self.n_inputs,)

    def _check_points(self) -> None:
        name = self.name
        if (self.points_train is None) != (self.points_test is None):
            raise DataError("points_train and points_test must both be given or both be None", source=name)
        if self.points_train is None:
            if self.features is not None:
                raise DataError("features are only used with 2-D points", source=name)
            return
        if self.features is None:
            raise DataError("a set with 2-D points must name its features", source=name)
        features = canonical_names(self.features)
        checks.check_names(features, self.n_inputs, "features", name)
        object.__setattr__(self, "features", features)
        object.__setattr__(
            self, "points_train", checks.points(self.points_train, self.n_train, "points_train", name)
        )
        object.__setattr__(
            self, "points_test", checks.points(self.points_test, self.n_test, "points_test", name)
        )

    def _check_scaling(self) -> None:
        name = self.name
        if (self.x_mean is None) != (self.x_scale is None):
            raise DataError("x_mean and x_scale must both be given or both be None", source=name)
        if self.x_mean is None:
            return
        shape = (self.n_inputs,)
        mean = checks.frozen_array(self.x_mean, np.float64, "x_mean", name)
        scale = checks.frozen_array(self.x_scale, np.float64, "x_scale", name)
        if mean.shape != shape or scale.shape != shape:
            raise DataError(f"x_mean and x_scale must have shape {shape}", source=name)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise DataError("x_mean must be finite and x_scale finite and positive", source=name)
        object.__setattr__(self, "x_mean", mean)
        object.__setattr__(self, "x_scale", scale)

    @property
    def n_inputs(self) -> int:
        """Number of input columns ``d``."""
        return int(self.x_train.shape[1])

    @property
    def n_train(self) -> int:
        """Number of training rows."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test rows."""
        return int(self.x_test.shape[0])

    @property
    def is_2d(self) -> bool:
        """True for the 2-D Playground-style sets, which keep their raw points."""
        return self.points_train is not None

    def split(self, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """Return ``(x, t)`` of one split, read-only."""
        checks.check_split(split)
        return (self.x_train, self.t_train) if split == "train" else (self.x_test, self.t_test)

    def targets(self, encoding: str, split: str = "train") -> np.ndarray:
        """Return a split's targets in the form a loss needs, as a new writable array.

        Parameters
        ----------
        encoding : str
            ``"pm1"`` (two classes, (n, 1) float64, class 1 -> +1, class 0 -> -1, for a tanh output),
            ``"01"`` (two classes, (n, 1) float64), ``"onehot"`` ((n, n_classes) float64),
            ``"index"`` ((n,) int64) or ``"values"`` (regression, (n, k) float64).
        split : str
            ``"train"`` or ``"test"``.
        """
        t = self.split(split)[1]
        if encoding not in ENCODINGS:
            raise DataError(f"unknown target encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
        if encoding == "values":
            if self.task != "regression":
                raise DataError("'values' targets are for regression; use 'index', 'onehot', 'pm1' or '01'")
            return t.astype(np.float64, copy=True)
        if self.task != "classification":
            raise DataError(f"{encoding!r} targets are for classification; use 'values' for regression")
        if encoding == "index":
            return t.astype(np.int64, copy=True)
        if encoding == "onehot":
            return np.eye(self.n_classes, dtype=np.float64)[t]
        if self.n_classes != 2:
            raise DataError(f"{encoding!r} targets need exactly 2 classes; this set has {self.n_classes}")
        col = t.astype(np.float64).reshape(-1, 1)
        return 2.0 * col - 1.0 if encoding == "pm1" else col

    def with_features(self, names: Iterable[str]) -> Dataset:
        """Return this 2-D set with inputs recomputed from its points; rescaled afresh if it was scaled."""
        if not self.is_2d:
            raise DataError("only the 2-D point sets can change their input features", source=self.name)
        names = canonical_names(names)
        plain = dataclasses.replace(
            self,
            x_train=make_features(self.points_train, names),
            x_test=make_features(self.points_test, names),
            feature_names=names,
            features=names,
            x_mean=None,
            x_scale=None,
        )
        return plain.standardized() if self.x_mean is not None else plain

    def with_points(self, points: np.ndarray, labels_or_targets: object, split: str = "train") -> Dataset:
        """Return a copy with points appended to one split, as when a user clicks on the data view.

        Parameters
        ----------
        points : (p, 2) float64 for a 2-D set (raw coordinates), else (p, d) raw inputs; one row may be 1-D
        labels_or_targets : (p,) int class indices, or (p,) / (p, k) float64 regression targets
        split : str
            ``"train"`` or ``"test"``.
        """
        checks.check_split(split)
        width = 2 if self.is_2d else self.n_inputs
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim == 1:
            pts = pts.reshape(1, -1)
        if pts.ndim != 2 or pts.shape[1] != width:
            raise DataError(
                f"new points must have shape (p, {width}), not {np.shape(points)}", source=self.name
            )
        checks.require_finite(pts, "new points", self.name)
        x_new = make_features(pts, self.features) if self.is_2d else pts
        if self.x_mean is not None:
            x_new = (x_new - self.x_mean) / self.x_scale
        if self.task == "classification":
            t_new = checks.labels(np.ravel(labels_or_targets), self.n_classes, "new labels", self.name)
        else:
            k = self.t_train.shape[1]
            t_raw = np.asarray(labels_or_targets, dtype=np.float64)
            if t_raw.ndim < 2 and t_raw.size == len(pts) * k:
                t_raw = t_raw.reshape(len(pts), k)
            t_new = checks.values(t_raw, "new targets", self.name)
            if t_new.shape[1] != k:
                raise DataError(
                    f"new targets have {t_new.shape[1]} columns; this set has {k}", source=self.name
                )
        if len(t_new) != len(pts):
            raise DataError(f"{len(pts)} new points but {len(t_new)} labels or targets", source=self.name)
        x, t = self.split(split)
        changes: dict[str, object] = {
            f"x_{split}": np.concatenate([x, x_new]),
            f"t_{split}": np.concatenate([t, t_new]),
        }
        if self.is_2d:
            changes[f"points_{split}"] = np.concatenate([getattr(self, f"points_{split}"), pts])
        return dataclasses.replace(self, **changes)

    def without_points_near(self, point: object, radius: float, split: str | None = None) -> Dataset:
        """Return a copy without the rows within ``radius`` of ``point`` (an eraser brush).

        Distances are measured between raw points for a 2-D set, else between unscaled inputs.
        ``split=None`` erases from both splits.
        """
        width = 2 if self.is_2d else self.n_inputs
        centre = np.asarray(point, dtype=np.float64).reshape(-1)
        if centre.shape != (width,):
            raise DataError(f"the eraser centre must have {width} coordinates", source=self.name)
        if not np.isfinite(radius) or radius < 0:
            raise DataError(f"the eraser radius must be a finite number >= 0, not {radius}", source=self.name)
        changes: dict[str, object] = {}
        for s in checks.SPLITS if split is None else (checks.check_split(split),):
            where = self.raw_positions(s)
            keep = np.sum((where - centre) ** 2, axis=1) > float(radius) ** 2
            x, t = self.split(s)
            changes[f"x_{s}"], changes[f"t_{s}"] = x[keep], t[keep]
            if self.is_2d:
                changes[f"points_{s}"] = getattr(self, f"points_{s}")[keep]
        return dataclasses.replace(self, **changes)

    def raw_positions(self, split: str = "train") -> np.ndarray:
        """Return a split's rows in the units they were made in: 2-D points, else unscaled inputs."""
        if self.is_2d:
            return self.points_train if checks.check_split(split) == "train" else self.points_test
        x = self.split(split)[0]
        return x if self.x_mean is None else x * self.x_scale + self.x_mean

    def standardized(self) -> Dataset:
        """Return a copy with each input column z-scored by the training split's mean and deviation.

        A constant column is only shifted (scale 1), so it becomes zeros instead of NaN. Scaling twice
        composes with the first scaling, which ``x_mean``/``x_scale`` keep relative to the raw inputs.
        """
        if self.n_train == 0:
            return self
        mean = self.x_train.mean(axis=0)
        std = self.x_train.std(axis=0)
        scale = np.where(np.ptp(self.x_train, axis=0) > 0, std, 1.0)
        old_mean = np.zeros(self.n_inputs) if self.x_mean is None else self.x_mean
        old_scale = np.ones(self.n_inputs) if self.x_scale is None else self.x_scale
        return dataclasses.replace(
            self,
            x_train=(self.x_train - mean) / scale,
            x_test=(self.x_test - mean) / scale,
            x_mean=old_mean + old_scale * mean,
            x_scale=old_scale * scale,
        )
