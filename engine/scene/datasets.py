"""Where a scene's data comes from: a Playground set, iris, a CSV file, an image set, or points in the file.

Each spec is a small frozen value with ``to_json`` / ``from_json`` and ``make(base_dir)``, which
returns an ``engine.data.Dataset``. Specs hold settings, not data, except ``InlineData`` (points a
user clicked or erased), whose arrays are stored with ``engine.scene.codec``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import numpy as np

from engine.data import (
    Dataset,
    load_csv,
    load_digits,
    load_fashion_mnist,
    load_idx,
    load_image_folder,
    load_iris,
    load_mnist5k,
    make_features,
    playground,
)
from engine.data.playground import PLAYGROUND_KINDS
from engine.errors import DataError
from engine.scene.codec import decode_array, encode_array
from engine.scene.errors import SceneError, child


def _dataset_error(exc: Exception, path: str = "$.dataset") -> SceneError:
    reason = exc.reason if isinstance(exc, DataError) else str(exc)
    return SceneError(f"the data set cannot be made: {reason}", path)


def _file_error(exc: DataError, path: str) -> SceneError:
    """Like ``_dataset_error`` but keeping the file the error names, for specs that read several files."""
    return SceneError(f"the data set cannot be made: {exc}", path)


@dataclass(frozen=True)
class PlaygroundData:
    """One of the Playground's 2-D sets (``engine.data.playground``), remade from its seed on load."""

    source: ClassVar[str] = "playground"
    kind: str = "circle"
    n_points: int = 500
    noise: float = 0.0
    train_ratio: float = 0.5
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    n_classes: int = 2

    @property
    def task(self) -> str:
        return PLAYGROUND_KINDS.get(self.kind, "classification")

    def make(self, base_dir: Path | None = None) -> Dataset:
        try:
            return playground(
                self.kind,
                self.n_points,
                self.noise,
                self.train_ratio,
                self.seed,
                self.features,
                self.n_classes,
            )
        except DataError as exc:
            raise _dataset_error(exc) from None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "kind": self.kind, "n_points": self.n_points}
        out.update(
            noise=self.noise, train_ratio=self.train_ratio, seed=self.seed, features=list(self.features)
        )
        if self.task == "classification":
            out["n_classes"] = self.n_classes
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str = "$.dataset") -> PlaygroundData:
        return cls(
            d["kind"],
            d.get("n_points", 500),
            float(d.get("noise", 0.0)),
            float(d.get("train_ratio", 0.5)),
            d.get("seed", 0),
            tuple(d.get("features", ("x1", "x2"))),
            d.get("n_classes", 2),
        )


@dataclass(frozen=True)
class IrisData:
    """Fisher's iris flowers, shipped with nnsim (``engine.data.load_iris``)."""

    source: ClassVar[str] = "iris"
    test_ratio: float = 0.3
    seed: int = 0
    standardize: bool = True

    task: ClassVar[str] = "classification"

    def make(self, base_dir: Path | None = None) -> Dataset:
        try:
            return load_iris(self.test_ratio, self.seed, self.standardize)
        except DataError as exc:
            raise _dataset_error(exc) from None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "test_ratio": self.test_ratio,
            "seed": self.seed,
            "standardize": self.standardize,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str = "$.dataset") -> IrisData:
        return cls(float(d.get("test_ratio", 0.3)), d.get("seed", 0), d.get("standardize", True))


@dataclass(frozen=True)
class CsvData:
    """A CSV table beside the scene: ``path`` is relative to the scene file's folder, with '/'."""

    source: ClassVar[str] = "csv"
    path: str = "data.csv"
    target: int | str = -1
    task: str = "auto"
    test_ratio: float = 0.2
    seed: int = 0
    standardize: bool = True

    def make(self, base_dir: Path | None = None) -> Dataset:
        where = _scene_path(base_dir, self.path)
        try:
            return load_csv(where, self.target, self.task, self.test_ratio, self.seed, self.standardize)
        except DataError as exc:
            raise _dataset_error(exc, "$.dataset.path") from None
        except OSError as exc:
            raise SceneError(
                f"the CSV file cannot be read ({exc.strerror or exc})", "$.dataset.path"
            ) from None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "path": self.path, "target": self.target}
        out.update(task=self.task, test_ratio=self.test_ratio, seed=self.seed, standardize=self.standardize)
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str = "$.dataset") -> CsvData:
        return cls(
            d["path"],
            d.get("target", -1),
            d.get("task", "auto"),
            float(d.get("test_ratio", 0.2)),
            d.get("seed", 0),
            d.get("standardize", True),
        )


@dataclass(frozen=True, eq=False)
class InlineData:
    """Data stored in the scene itself, e.g. points a student added or erased by hand.

    For a 2-D set, ``x_train``/``x_test`` are the raw points (n, 2) and ``features`` names the inputs
    computed from them; otherwise they are the raw inputs (n, d), z-scored on load when
    ``standardize`` is set. Targets are int64 class indices (n,) or float64 values (n, k).
    """

    source: ClassVar[str] = "inline"
    name: str = "points"
    task: str = "classification"
    x_train: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    t_train: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    x_test: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    t_test: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    n_classes: int = 2
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    features: tuple[str, ...] | None = None
    standardize: bool = False

    @classmethod
    def from_dataset(cls, data: Dataset) -> InlineData:
        """Capture a Dataset as it is: a 2-D set keeps its points and features, others their raw inputs."""
        two_d = data.is_2d
        classify = data.task == "classification"
        return cls(
            name=data.name or "points",
            task=data.task,
            x_train=np.array(data.raw_positions("train"), np.float64),
            t_train=np.array(data.t_train, np.int64 if classify else np.float64),
            x_test=np.array(data.raw_positions("test"), np.float64),
            t_test=np.array(data.t_test, np.int64 if classify else np.float64),
            n_classes=data.n_classes if classify else 2,
            class_names=tuple(data.class_names) if classify else (),
            feature_names=() if two_d else tuple(data.feature_names),
            features=tuple(data.features) if two_d else None,
            standardize=bool(not two_d and data.x_mean is not None),
        )

    def make(self, base_dir: Path | None = None) -> Dataset:
        classify = self.task == "classification"
        try:
            common: dict[str, Any] = dict(
                name=self.name,
                task=self.task,
                n_classes=self.n_classes if classify else 0,
                class_names=self.class_names,
                source=f"points kept in the scene: {len(self.x_train)} to train, {len(self.x_test)} to test",
            )
            if self.features is not None:
                return Dataset(
                    x_train=make_features(self.x_train, self.features),
                    x_test=make_features(self.x_test, self.features),
                    t_train=self.t_train,
                    t_test=self.t_test,
                    feature_names=self.features,
                    points_train=self.x_train,
                    points_test=self.x_test,
                    features=self.features,
                    **common,
                )
            data = Dataset(
                x_train=self.x_train,
                x_test=self.x_test,
                t_train=self.t_train,
                t_test=self.t_test,
                feature_names=self.feature_names,
                **common,
            )
            return data.standardized() if self.standardize else data
        except DataError as exc:
            raise _dataset_error(exc) from None

    def to_json(self) -> dict[str, Any]:
        classify = self.task == "classification"
        out: dict[str, Any] = {"source": self.source, "name": self.name, "task": self.task}
        if classify:
            out["n_classes"] = self.n_classes
            if self.class_names:
                out["class_names"] = list(self.class_names)
        if self.feature_names:
            out["feature_names"] = list(self.feature_names)
        if self.features is not None:
            out["features"] = list(self.features)
        else:
            out["standardize"] = self.standardize
        rows = "points" if self.features is not None else "x"
        for split, x, t in (("train", self.x_train, self.t_train), ("test", self.x_test, self.t_test)):
            out[split] = {
                rows: encode_array(np.asarray(x, np.float64)),
                "targets": encode_array(_targets(t, classify)),
            }
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str = "$.dataset") -> InlineData:
        classify = d["task"] == "classification"
        two_d = "features" in d
        rows = "points" if two_d else "x"
        arrays: dict[str, np.ndarray] = {}
        for split in ("train", "test"):
            spath = child(path, split)
            x = decode_array(d[split][rows], child(spath, rows), ("float64", "float32"))
            t_dtypes = ("int64",) if classify else ("float64", "float32")
            t = decode_array(d[split]["targets"], child(spath, "targets"), t_dtypes)
            if x.ndim != 2 or (two_d and x.shape[1] != 2) or x.shape[1] == 0:
                want = "(n, 2)" if two_d else "(n, d)"
                raise SceneError(
                    f"must have shape {want}, not {list(x.shape)}", child(child(spath, rows), "shape")
                )
            if (classify and t.ndim != 1) or (not classify and t.ndim != 2) or len(t) != len(x):
                want = f"({len(x)},)" if classify else f"({len(x)}, k)"
                raise SceneError(
                    f"must have shape {want}, not {list(t.shape)}", child(child(spath, "targets"), "shape")
                )
            arrays[f"x_{split}"], arrays[f"t_{split}"] = x.astype(np.float64), t
        return cls(
            name=d["name"],
            task=d["task"],
            n_classes=d.get("n_classes", 2),
            class_names=tuple(d.get("class_names", ())),
            feature_names=tuple(d.get("feature_names", ())),
            features=tuple(d["features"]) if two_d else None,
            standardize=d.get("standardize", False),
            **arrays,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InlineData) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]


def _targets(t: np.ndarray, classify: bool) -> np.ndarray:
    arr = np.asarray(t)
    if classify:
        return arr.astype(np.int64)
    arr = arr.astype(np.float64)
    return arr.reshape(-1, 1) if arr.ndim == 1 else arr


IMAGE_SETS: dict[str, str] = {
    "digits": "8×8 handwritten digits (1,797)",
    "mnist5k": "MNIST digits, 5,000 of 28×28",
    "fashion_mnist": "Fashion-MNIST clothing, 28×28",
}
"""The image sets shipped with nnsim, by the name a scene uses."""

_MADE: weakref.WeakKeyDictionary[Dataset, Any] = weakref.WeakKeyDictionary()


def spec_of(data: Dataset) -> Any:
    """The spec that made ``data`` when it can be saved as settings alone (a shipped image set), else None.

    A window saving a scene stores this instead of the pixels; a Dataset edited afterwards is a new
    value and is not found here.
    """
    return _MADE.get(data)


def _scene_path(base_dir: Path | None, relative: str) -> Path:
    return Path(base_dir or ".") / PurePosixPath(relative)


@dataclass(frozen=True)
class ImageSetData:
    """An image set shipped with nnsim (``IMAGE_SETS``), split or shuffled by ``seed``.

    ``test_ratio`` is the share of each class held out (digits, mnist5k); Fashion-MNIST has its own test
    images. ``full`` (Fashion-MNIST only): True for all 70,000 images from the installed package, False
    for the shipped subset, None for the full set when it is installed.
    """

    source: ClassVar[str] = "images"
    name: str = "mnist5k"
    test_ratio: float = 0.2
    seed: int = 0
    full: bool | None = None

    task: ClassVar[str] = "classification"

    def make(self, base_dir: Path | None = None) -> Dataset:
        try:
            if self.name == "digits":
                data = load_digits(self.test_ratio, self.seed)
            elif self.name == "mnist5k":
                data = load_mnist5k(self.test_ratio, self.seed)
            elif self.name == "fashion_mnist":
                data = load_fashion_mnist(self.full, self.seed)
            else:
                raise SceneError(f"unknown image set {self.name!r}", "$.dataset.name")
        except DataError as exc:
            raise _dataset_error(exc) from None
        _MADE[data] = self
        return data

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "name": self.name}
        if self.name == "fashion_mnist":
            if self.full is not None:
                out["full"] = self.full
        else:
            out["test_ratio"] = self.test_ratio
        out["seed"] = self.seed
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str = "$.dataset") -> ImageSetData:
        return cls(d["name"], float(d.get("test_ratio", 0.2)), d.get("seed", 0), d.get("full"))


@dataclass(frozen=True)
class IdxData:
    """MNIST-style IDX files beside the scene (paths relative to its folder, with '/'); test pair optional."""

    source: ClassVar[str] = "idx"
    train_images: str = "train-images-idx3-ubyte.gz"
    train_labels: str = "train-labels-idx1-ubyte.gz"
    test_images: str | None = None
    test_labels: str | None = None
    test_ratio: float = 0.2
    seed: int = 0

    task: ClassVar[str] = "classification"

    def make(self, base_dir: Path | None = None) -> Dataset:
        def where(p: str | None) -> Path | None:
            return None if p is None else _scene_path(base_dir, p)

        try:
            return load_idx(
                where(self.train_images),
                where(self.train_labels),
                where(self.test_images),
                where(self.test_labels),
                self.test_ratio,
                self.seed,
            )
        except DataError as exc:
            raise _file_error(exc, self._path_of(exc)) from None

    def _path_of(self, exc: DataError) -> str:
        """The JSON path of the file a DataError names, so the window can point at the right field."""
        for key in ("train_images", "train_labels", "test_images", "test_labels"):
            value = getattr(self, key)
            if value is not None and exc.source and Path(exc.source).name == PurePosixPath(value).name:
                return f"$.dataset.{key}"
        return "$.dataset"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "train_images": self.train_images,
            "train_labels": self.train_labels,
        }
        if self.test_images is not None:
            out.update(test_images=self.test_images, test_labels=self.test_labels)
        else:
            out["test_ratio"] = self.test_ratio
        out["seed"] = self.seed
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str = "$.dataset") -> IdxData:
        return cls(
            d["train_images"],
            d["train_labels"],
            d.get("test_images"),
            d.get("test_labels"),
            float(d.get("test_ratio", 0.2)),
            d.get("seed", 0),
        )


@dataclass(frozen=True)
class ImageFolderData:
    """A folder beside the scene holding one sub-folder of PNG/JPEG pictures per class."""

    source: ClassVar[str] = "image_folder"
    path: str = "images"
    size: tuple[int, int] = (28, 28)
    grayscale: bool = True
    test_ratio: float = 0.2
    seed: int = 0

    task: ClassVar[str] = "classification"

    def make(self, base_dir: Path | None = None) -> Dataset:
        where = _scene_path(base_dir, self.path)
        if not where.is_dir():
            state = "is not a folder" if where.exists() else "does not exist"
            raise SceneError(f"the image folder {str(where)!r} {state}", "$.dataset.path")
        try:
            return load_image_folder(where, self.size, self.grayscale, self.test_ratio, self.seed)
        except DataError as exc:
            raise _file_error(exc, "$.dataset.path") from None
        except OSError as exc:
            raise SceneError(
                f"the image folder cannot be read ({exc.strerror or exc})", "$.dataset.path"
            ) from None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "path": self.path, "size": list(self.size)}
        out.update(grayscale=self.grayscale, test_ratio=self.test_ratio, seed=self.seed)
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str = "$.dataset") -> ImageFolderData:
        return cls(
            d["path"],
            tuple(d.get("size", (28, 28))),
            d.get("grayscale", True),
            float(d.get("test_ratio", 0.2)),
            d.get("seed", 0),
        )


DatasetSpec = PlaygroundData | IrisData | CsvData | InlineData | ImageSetData | IdxData | ImageFolderData
SPECS: dict[str, type] = {
    cls.source: cls
    for cls in (PlaygroundData, IrisData, CsvData, InlineData, ImageSetData, IdxData, ImageFolderData)
}


def dataset_from_json(d: dict[str, Any], path: str = "$.dataset") -> DatasetSpec:
    """Build a spec from a validated ``dataset`` object."""
    return SPECS[d["source"]].from_json(d, path)
