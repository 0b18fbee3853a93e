"""Image sets that need no download: 8×8 digits, 5,000 MNIST digits and Fashion-MNIST.

The pixels are shipped as uint8 ``.npz`` files in ``engine/data/assets`` (sources and licences in the
README there). Fashion-MNIST ships as a class-balanced subset; the full 60,000 + 10,000 images are read
from the Debian package ``dataset-fashion-mnist`` when it is installed.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np

from engine.data.dataset import Dataset
from engine.data.idx import images_dataset, read_idx
from engine.errors import DataError

DIGIT_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))
FASHION_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where ``apt-get install dataset-fashion-mnist`` puts the four IDX files."""
FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
DIGITS_MAX = 16
"""The 8×8 digits count ink in 4×4 blocks of a 32×32 bitmap: 0 .. 16."""


def _asset(name: str) -> dict[str, np.ndarray]:
    with resources.as_file(resources.files("engine.data").joinpath(f"assets/{name}")) as path:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}


def load_digits(test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """Load the 1,797 scanned digits of 8×8 pixels (UCI optical recognition set, as in scikit-learn).

    Small enough to train in seconds; the split is stratified, so every digit keeps its share.

    Returns
    -------
    Dataset
        64 inputs in [0, 1] (ink counts 0..16 divided by 16), ``image_shape`` (1, 8, 8), classes "0".."9".
    """
    arrays = _asset("digits8x8.npz")
    images = arrays["images"].astype(np.float64) * (255.0 / DIGITS_MAX)  # images_dataset divides by 255
    source = "8×8 handwritten digits (UCI optical recognition set, 1,797 images), shipped with nnsim"
    return images_dataset("digits", (images, arrays["labels"]), None, test_ratio, seed, DIGIT_NAMES, source)


def load_mnist5k(test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """Load 5,000 MNIST digits of 28×28 pixels, 500 of each digit, shuffled and split by class.

    Returns
    -------
    Dataset
        784 inputs in [0, 1], ``image_shape`` (1, 28, 28), classes "0".."9".
    """
    arrays = _asset("mnist5k.npz")
    source = "MNIST handwritten digits, 5,000 of the 70,000 (500 per digit), shipped with nnsim"
    return images_dataset(
        "mnist5k", (arrays["images"], arrays["labels"]), None, test_ratio, seed, DIGIT_NAMES, source
    )


def fashion_mnist_installed(folder: str | os.PathLike[str] = FASHION_DIR) -> bool:
    """True when the four Fashion-MNIST IDX files are in ``folder``."""
    return all((Path(folder) / name).is_file() for name in FASHION_FILES)


def load_fashion_mnist(
    full: bool | None = None, seed: int = 0, folder: str | os.PathLike[str] = FASHION_DIR
) -> Dataset:
    """Load Zalando's Fashion-MNIST: 28×28 greyscale photos of ten kinds of clothing.

    Parameters
    ----------
    full : bool or None
        True: the full 60,000 training and 10,000 test images from ``folder`` (an error when they are
        missing); False: the shipped subset of 6,000 + 1,000 (600 and 100 per class); None: the full set
        when it is installed, else the subset. ``Dataset.source`` says which was used.
    seed : int
        Seed of the training order; the test images are the set's own test split.
    folder : path
        Where the IDX files are (Debian's ``dataset-fashion-mnist`` package by default).

    Returns
    -------
    Dataset
        784 inputs in [0, 1], ``image_shape`` (1, 28, 28), ten class names ("T-shirt/top" .. "Ankle boot").
    """
    folder = Path(folder)
    if full is None:
        full = fashion_mnist_installed(folder)
    if full:
        if not fashion_mnist_installed(folder):
            missing = [n for n in FASHION_FILES if not (folder / n).is_file()]
            raise DataError(
                f"the full Fashion-MNIST set is not installed: {', '.join(missing)} missing in {folder} "
                "(on Debian: apt-get install dataset-fashion-mnist)",
                source="fashion_mnist",
            )
        pairs = []
        for split in ("train", "t10k"):
            images = read_idx(folder / f"{split}-images-idx3-ubyte.gz", 3)
            labels = read_idx(folder / f"{split}-labels-idx1-ubyte.gz", 1)
            pairs.append((images, labels))
        train, test = pairs
        source = f"Fashion-MNIST, all {len(train[1]):,} + {len(test[1]):,} images, from {folder}"
    else:
        arrays = _asset("fashion_mnist_subset.npz")
        train = (arrays["train_images"], arrays["train_labels"])
        test = (arrays["test_images"], arrays["test_labels"])
        source = (
            f"Fashion-MNIST, a class-balanced subset of {len(train[1]):,} + {len(test[1]):,} images "
            "shipped with nnsim"
        )
    return images_dataset("fashion_mnist", train, test, 0.0, seed, FASHION_NAMES, source)
