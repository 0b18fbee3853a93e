"""MNIST-style IDX files: good pairs load, and every damaged file is refused with its name and the fault."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from engine.data import load_idx, read_idx
from engine.errors import DataError


def idx_bytes(arr: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + np.ascontiguousarray(arr, dtype=np.uint8).tobytes()


def write(path, data: bytes, compress: bool | None = None):
    compress = path.suffix == ".gz" if compress is None else compress
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def make_set(rng, n: int, classes: int = 3, side: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Pictures whose brightest column is the label, so a label can be read back from its picture."""
    labels = np.arange(n) % classes
    images = rng.integers(0, 100, size=(n, side, side)).astype(np.uint8)
    images[np.arange(n), :, labels] = 255
    return images, labels.astype(np.uint8)


@pytest.fixture
def pair(tmp_path):
    images, labels = make_set(np.random.default_rng(0), 30)
    return (
        write(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(images)),
        write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels)),
        images,
        labels,
    )


def test_read_idx_round_trip_plain_and_gzip(tmp_path):
    arr = np.random.default_rng(1).integers(0, 256, size=(4, 3, 5)).astype(np.uint8)
    for name in ("a.idx", "a.idx.gz"):
        np.testing.assert_array_equal(read_idx(write(tmp_path / name, idx_bytes(arr))), arr)
    # gzip is recognised by its content, not the name
    np.testing.assert_array_equal(read_idx(write(tmp_path / "b.idx", idx_bytes(arr), compress=True)), arr)


def test_pair_loads_with_a_stratified_split(pair):
    images_path, labels_path, images, labels = pair
    data = load_idx(images_path, labels_path, test_ratio=0.2, seed=5)
    assert data.image_shape == (1, 6, 6) and data.n_classes == 3
    assert (data.n_train, data.n_test) == (24, 6)
    np.testing.assert_array_equal(np.bincount(data.t_test), [2, 2, 2])
    for x, t in (data.split("train"), data.split("test")):
        pictures = x.reshape(-1, 6, 6)
        assert x.min() >= 0 and x.max() == 1.0
        np.testing.assert_array_equal(pictures[:, 0, :].argmax(axis=1), t)  # each label kept its picture
    assert "30 images of 6 × 6 pixels" in data.source


def test_pair_with_test_files(tmp_path, pair):
    images_path, labels_path, images, labels = pair
    test_images, test_labels = make_set(np.random.default_rng(2), 9)
    ti = write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(test_images))
    tl = write(tmp_path / "t10k-labels-idx1-ubyte.gz", idx_bytes(test_labels))
    data = load_idx(images_path, labels_path, ti, tl, seed=1)
    assert (data.n_train, data.n_test) == (30, 9)
    np.testing.assert_allclose(data.x_test.reshape(-1, 6, 6), test_images / 255.0)
    np.testing.assert_array_equal(data.t_test, test_labels)
    with pytest.raises(DataError, match="both test files"):
        load_idx(images_path, labels_path, ti)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "0 bytes"),
        (b"PK\x03\x04rest", "not an IDX file"),
        (bytes([0, 0, 0x0D, 3]) + struct.pack(">3I", 1, 2, 2) + bytes(16), "floats"),
        (bytes([0, 0, 0x08, 3]) + struct.pack(">2I", 2, 2), "header is cut short"),
        (bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 10, 6, 6) + bytes(300), "cut short"),
        (bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 1, 2, 2) + bytes(9), "longer than its header says"),
        (bytes([0, 0, 0x08, 1]) + struct.pack(">I", 4) + bytes(4), "expected images"),
    ],
)
def test_damaged_image_file_is_named(tmp_path, pair, data, words):
    _, labels_path, _, _ = pair
    bad = write(tmp_path / "broken-images.idx", data)
    with pytest.raises(DataError, match=words) as info:
        load_idx(bad, labels_path)
    assert info.value.source == "broken-images.idx"


def test_labels_and_images_swapped(pair):
    images_path, labels_path, _, _ = pair
    with pytest.raises(DataError, match="expected images") as info:
        load_idx(labels_path, images_path)
    assert info.value.source == labels_path.name


def test_count_mismatch_names_both_files(tmp_path, pair):
    images_path, _, _, labels = pair
    short = write(tmp_path / "short-labels.idx", idx_bytes(labels[:29]))
    with pytest.raises(DataError, match="30 images but short-labels.idx holds 29 labels"):
        load_idx(images_path, short)


def test_damaged_gzip_and_missing_files(tmp_path, pair):
    images_path, labels_path, _, _ = pair
    cut = tmp_path / "cut.gz"
    cut.write_bytes(images_path.read_bytes()[:-30])
    with pytest.raises(DataError, match="gzip data is damaged or cut short") as info:
        load_idx(cut, labels_path)
    assert info.value.source == "cut.gz"
    with pytest.raises(DataError, match="no such file") as info:
        load_idx(tmp_path / "nothing.gz", labels_path)
    assert "nothing.gz" in str(info.value)
    with pytest.raises(DataError, match="folder"):
        load_idx(tmp_path, labels_path)


def test_test_pictures_of_another_size(tmp_path, pair):
    images_path, labels_path, _, _ = pair
    images, labels = make_set(np.random.default_rng(3), 6, side=7)
    ti = write(tmp_path / "ti.idx", idx_bytes(images))
    tl = write(tmp_path / "tl.idx", idx_bytes(labels))
    with pytest.raises(DataError, match="7 × 7 pixels but the training images 6 × 6"):
        load_idx(images_path, labels_path, ti, tl)


def test_one_class_only(tmp_path, pair):
    images_path, _, _, _ = pair
    zeros = write(tmp_path / "zeros.idx", idx_bytes(np.zeros(30, np.uint8)))
    with pytest.raises(DataError, match="at least 2 classes"):
        load_idx(images_path, zeros)
