"""A folder of pictures as a data set: one sub-folder per class, PNG or JPEG files inside.

``flowers/rose/1.png, flowers/rose/2.jpg, flowers/tulip/a.png`` makes two classes, "rose" and "tulip"
(sorted by name). Each picture is resized to one size and, by default, turned grey, so a teacher can
bring a class's own drawings. Hidden files and folders (names starting with ".") and files of other
kinds are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.data.dataset import Dataset
from engine.data.idx import MAX_CLASSES, images_dataset
from engine.errors import DataError

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg")
MAX_SIDE = 256
MAX_IMAGES = 100_000


def _check_size(size: object) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in size)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise DataError(f"size must be (height, width), not {size!r}") from None
    if not (1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE):
        raise DataError(f"size must be between 1 and {MAX_SIDE} pixels each way, not {height} × {width}")
    return height, width


def class_folders(root: Path) -> list[Path]:
    """The visible sub-folders of ``root``, sorted by name; each is one class."""
    if not root.exists():
        raise DataError("there is no such folder", source=str(root))
    if not root.is_dir():
        raise DataError(
            "this is a file; choose the folder that holds one sub-folder per class", source=str(root)
        )
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError(
            "it has no class folders: put each class's pictures in a sub-folder named after the class",
            source=str(root),
        )
    if len(folders) < 2:
        raise DataError(
            f"there is only one class folder, {folders[0].name!r}; classification needs at least two",
            source=str(root),
        )
    if len(folders) > MAX_CLASSES:
        raise DataError(
            f"there are {len(folders)} class folders; at most {MAX_CLASSES} can be used", source=str(root)
        )
    return folders


def image_files(folder: Path) -> list[Path]:
    """The PNG and JPEG files directly in ``folder``, sorted by name, hidden ones left out."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )


def read_picture(path: Path, size: tuple[int, int], grayscale: bool) -> np.ndarray:
    """One picture as uint8 (H, W) grey or (3, H, W) colour; transparent parts count as white."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"cannot be read as a PNG or JPEG picture ({exc})", source=str(path)) from None
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    picture = flat.convert("L" if grayscale else "RGB").resize((size[1], size[0]), Image.Resampling.LANCZOS)
    arr = np.asarray(picture, dtype=np.uint8)
    return arr if grayscale else arr.transpose(2, 0, 1)


def load_image_folder(
    path: str | os.PathLike[str],
    size: tuple[int, int] = (28, 28),
    grayscale: bool = True,
    test_ratio: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """Load a folder with one sub-folder of PNG/JPEG pictures per class.

    Parameters
    ----------
    path : path
        The folder; its sub-folders' names become the class names, in sorted order.
    size : (height, width)
        Every picture is resized to this (1 to 256 pixels each way); the aspect ratio is not kept.
    grayscale : bool
        One grey channel (the default) or three colour channels (red, green, blue).
    test_ratio : float in [0, 1)
        Share of each class held out for testing.
    seed : int
        Seed of the split.

    Returns
    -------
    Dataset
        Pixels as float64 in [0, 1] (white is 1), ``image_shape`` (1 or 3, height, width).
    """
    root = Path(path)
    height, width = _check_size(size)
    folders = class_folders(root)
    pictures: list[np.ndarray] = []
    labels: list[int] = []
    for label, folder in enumerate(folders):
        files = image_files(folder)
        if not files:
            raise DataError(
                f"the class folder {folder.name!r} has no PNG or JPEG pictures ({', '.join(IMAGE_SUFFIXES)})",
                source=str(folder),
            )
        if len(pictures) + len(files) > MAX_IMAGES:
            raise DataError(f"the folder holds more than {MAX_IMAGES:,} pictures", source=str(root))
        for file in files:
            pictures.append(read_picture(file, (height, width), grayscale))
            labels.append(label)
    images = np.stack(pictures)
    channels = 1 if grayscale else 3
    colour = "grey" if grayscale else "colour"
    source = (
        f"pictures in {root.name}: {len(images):,} in {len(folders)} classes, "
        f"resized to {height} × {width} {colour}"
    )
    return images_dataset(
        root.name or "images",
        (images, np.asarray(labels, dtype=np.int64)),
        None,
        test_ratio,
        seed,
        tuple(f.name for f in folders),
        source,
        channels,
    )
