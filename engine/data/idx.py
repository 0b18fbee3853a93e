"""MNIST-style IDX files (``train-images-idx3-ubyte.gz`` and friends), read without trusting the header.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one
big-endian 32-bit size per dimension, then the values. Only unsigned bytes (type code 0x08) are read:
that is what MNIST, Fashion-MNIST, EMNIST and KMNIST use. Files may be gzip-compressed or plain.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from engine.data.dataset import Dataset
from engine.data.split import stratified_split
from engine.errors import DataError

UBYTE = 0x08
TYPE_NAMES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}
MAX_BYTES = 1 << 30
"""Largest decompressed file read (1 GiB: 60,000 28×28 images are 47 MB)."""
MAX_CLASSES = 100


def _read_bytes(path: Path) -> bytes:
    name = path.name
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(0)
            if head == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=f) as z:
                    data = z.read(MAX_BYTES + 1)
            else:
                data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DataError("there is no such file", source=str(path)) from None
    except IsADirectoryError:
        raise DataError("this is a folder, not an IDX file", source=str(path)) from None
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise DataError(f"the gzip data is damaged or cut short ({exc})", source=name) from None
    except OSError as exc:
        raise DataError(f"the file cannot be read ({exc.strerror or exc})", source=name) from None
    if len(data) > MAX_BYTES:
        raise DataError(f"the file holds more than {MAX_BYTES >> 20} MB of data", source=name)
    return data


def read_idx(path: str | os.PathLike[str], ndim: int | None = None) -> np.ndarray:
    """Read one IDX file of unsigned bytes into a read-only uint8 array of the shape its header gives.

    Parameters
    ----------
    path : str or path-like
        A ``.gz`` or plain IDX file.
    ndim : int, optional
        The number of dimensions the caller expects (3 for images, 1 for labels); checked when given.

    Raises
    ------
    DataError
        Naming the file and what is wrong: not IDX, another value type, wrong dimensions, or a size the
        header promises that the data does not have.
    """
    path = Path(path)
    name = path.name
    data = _read_bytes(path)
    if len(data) < 4:
        raise DataError(
            f"the file has {len(data)} bytes; an IDX file starts with a 4-byte header", source=name
        )
    if data[0] != 0 or data[1] != 0:
        raise DataError(
            f"this is not an IDX file: it starts with 0x{data[:4].hex()}, not 0x0000 followed by a type "
            "and the number of dimensions",
            source=name,
        )
    code, dims = data[2], data[3]
    if code != UBYTE:
        kind = TYPE_NAMES.get(code, f"an unknown type 0x{code:02x}")
        raise DataError(
            f"the values are {kind}s; only unsigned-byte IDX files (type 0x08) are read", source=name
        )
    if dims == 0:
        raise DataError("the header says the data has 0 dimensions", source=name)
    if ndim is not None and dims != ndim:
        want = {1: "labels (1 dimension)", 3: "images (3 dimensions: count, rows, columns)"}.get(
            ndim, f"{ndim}"
        )
        raise DataError(f"the header says {dims} dimension{'s' * (dims != 1)}; expected {want}", source=name)
    start = 4 + 4 * dims
    if len(data) < start:
        raise DataError(
            f"the header is cut short: {dims} sizes need {start} bytes, the file has {len(data)}", source=name
        )
    shape = tuple(int(v) for v in np.frombuffer(data, ">u4", dims, 4))
    expected = int(np.prod(shape, dtype=np.int64))
    found = len(data) - start
    if found != expected:
        sizes = " × ".join(str(s) for s in shape)
        state = "cut short" if found < expected else "longer than its header says"
        raise DataError(
            f"the header promises {sizes} = {expected:,} values but the file holds {found:,}: it is {state}",
            source=name,
        )
    arr = np.frombuffer(data, np.uint8, expected, start).reshape(shape)
    return arr


def _pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, 3)
    labels = read_idx(labels_path, 1)
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{images_path.name} holds {images.shape[0]:,} images but {labels_path.name} holds "
            f"{labels.shape[0]:,} labels",
            source=labels_path.name,
        )
    if images.shape[0] == 0:
        raise DataError("the file holds no images", source=images_path.name)
    if min(images.shape[1:]) == 0:
        raise DataError(
            f"the images are {images.shape[1]} × {images.shape[2]} pixels", source=images_path.name
        )
    return images, labels


def images_dataset(
    name: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None,
    test_ratio: float,
    seed: int,
    class_names: tuple[str, ...] = (),
    source: str = "",
    channels: int = 1,
) -> Dataset:
    """A classification Dataset of uint8 images: pixels scaled to [0, 1], flattened in (C, H, W) order.

    Parameters
    ----------
    train, test : (images, labels)
        images (n, H, W) for one channel, (n, C, H, W) otherwise; labels (n,) whole numbers from 0.
        Without ``test``, ``test_ratio`` of each class is held out (stratified, seeded); with it, the
        training images are only shuffled by ``seed``.
    """
    if not 0.0 <= float(test_ratio) < 1.0:
        raise DataError(f"test_ratio must be at least 0 and below 1, not {test_ratio}", source=name)
    rng = np.random.default_rng(seed)
    images, labels = train
    labels = np.asarray(labels, dtype=np.int64)
    if test is None:
        train_rows, test_rows = stratified_split(labels, float(test_ratio), rng)
        x_test_img, t_test = images[test_rows], labels[test_rows]
        x_img, t_train = images[train_rows], labels[train_rows]
    else:
        order = rng.permutation(len(labels))
        x_img, t_train = images[order], labels[order]
        x_test_img, t_test = test[0], np.asarray(test[1], dtype=np.int64)
        if x_test_img.shape[1:] != images.shape[1:]:
            raise DataError(
                f"the test images are {_size(x_test_img)} but the training images {_size(images)}",
                source=name,
            )
    n_classes = int(max(labels.max(initial=0), t_test.max(initial=0))) + 1
    if n_classes > MAX_CLASSES:
        raise DataError(f"a label is {n_classes - 1}; at most {MAX_CLASSES} classes can be used", source=name)
    if n_classes < 2:
        raise DataError("every label is 0; classification needs at least 2 classes", source=name)
    shape = (channels, *images.shape[-2:])
    d = shape[0] * shape[1] * shape[2]
    scale = np.float64(1.0 / 255.0)
    return Dataset(
        name=name,
        task="classification",
        x_train=x_img.reshape(len(x_img), d) * scale,
        x_test=x_test_img.reshape(len(x_test_img), d) * scale,
        t_train=t_train,
        t_test=t_test,
        n_classes=n_classes,
        feature_names=tuple(_pixel_names(shape)),
        class_names=class_names or tuple(str(c) for c in range(n_classes)),
        source=source,
        image_shape=shape,
    )


def _size(images: np.ndarray) -> str:
    return f"{images.shape[-2]} × {images.shape[-1]} pixels"


def _pixel_names(shape: tuple[int, int, int]) -> list[str]:
    c, h, w = shape
    if c == 1:
        return [f"px{r}_{col}" for r in range(h) for col in range(w)]
    return [f"c{k}_px{r}_{col}" for k in range(c) for r in range(h) for col in range(w)]


def load_idx(
    train_images: str | os.PathLike[str],
    train_labels: str | os.PathLike[str],
    test_images: str | os.PathLike[str] | None = None,
    test_labels: str | os.PathLike[str] | None = None,
    test_ratio: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Load MNIST-style IDX files a user has: images (n, rows, cols) and labels (n,), unsigned bytes.

    Parameters
    ----------
    train_images, train_labels : path
        The training pair (``.gz`` or plain).
    test_images, test_labels : path, optional
        The test pair; both or neither. Without them ``test_ratio`` of each class is held out.
    test_ratio : float in [0, 1)
        Used only without a test pair.
    seed : int
        Seed of the split (or of the training order, with a test pair).

    Returns
    -------
    Dataset
        Pixels as float64 in [0, 1], ``image_shape`` (1, rows, cols), class names "0" .. "K-1".
    """
    if (test_images is None) != (test_labels is None):
        raise DataError("give both test files (images and labels) or neither")
    train = _pair(Path(train_images), Path(train_labels))
    test = None if test_images is None else _pair(Path(test_images), Path(test_labels))
    stem = Path(train_images).name.split(".")[0].replace("-images-idx3-ubyte", "")
    n_test = f"{len(test[1]):,} test" if test else f"{test_ratio:.0%} held out"
    source = f"IDX files {Path(train_images).name}: {len(train[1]):,} images of {_size(train[0])}, {n_test}"
    return images_dataset(stem or "idx", train, test, test_ratio, seed, source=source)
