"""The shipped image sets: right sizes and classes, pixels in [0, 1], labels that belong to their pictures."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import (
    FASHION_NAMES,
    fashion_mnist_installed,
    load_digits,
    load_fashion_mnist,
    load_mnist5k,
)
from engine.data.images import FASHION_DIR
from engine.errors import DataError

SETS = {
    "digits": lambda **kw: load_digits(**kw),
    "mnist5k": lambda **kw: load_mnist5k(**kw),
}


def nearest_centroid_accuracy(data) -> float:
    """Test accuracy of 'which class's mean picture is closest': high only if labels match the pictures."""
    centroids = np.stack([data.x_train[data.t_train == c].mean(axis=0) for c in range(data.n_classes)])
    distance = ((data.x_test[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return float(np.mean(distance.argmin(axis=1) == data.t_test))


def test_digits_match_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets")
    ours = load_digits(test_ratio=0.0)
    theirs = datasets.load_digits()
    assert ours.n_train == 1797 and ours.n_test == 0
    assert ours.image_shape == (1, 8, 8) and ours.class_names == tuple("0123456789")
    mine = np.column_stack([ours.x_train * 16, ours.t_train])
    reference = np.column_stack([theirs.data, theirs.target])
    key = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_allclose(key(mine), key(reference), atol=1e-9)


@pytest.mark.parametrize("name", SETS)
def test_split_is_stratified_seeded_and_shuffled(name):
    data = SETS[name](test_ratio=0.2, seed=3)
    total = np.bincount(np.concatenate([data.t_train, data.t_test]), minlength=10)
    test = np.bincount(data.t_test, minlength=10)
    np.testing.assert_array_equal(test, np.floor(total * 0.2 + 0.5))
    assert data.n_train + data.n_test == (1797 if name == "digits" else 5000)
    again = SETS[name](test_ratio=0.2, seed=3)
    np.testing.assert_array_equal(again.x_train, data.x_train)
    np.testing.assert_array_equal(again.t_test, data.t_test)
    other = SETS[name](test_ratio=0.2, seed=4)
    assert not np.array_equal(other.t_train, data.t_train)
    # shuffled: the first 100 training labels are not one digit (mnist_5k is stored sorted by label)
    assert len(np.unique(data.t_train[:100])) >= 8


@pytest.mark.parametrize("name", SETS)
def test_pixels_in_unit_range_and_labels_fit_the_pictures(name):
    data = SETS[name]()
    for x in (data.x_train, data.x_test):
        assert x.dtype == np.float64 and x.min() == 0.0 and x.max() == 1.0
    assert data.is_image and data.n_inputs == int(np.prod(data.image_shape))
    assert data.task == "classification" and data.n_classes == 10
    assert nearest_centroid_accuracy(data) > 0.75


def test_mnist5k_has_500_of_each_digit():
    data = load_mnist5k(test_ratio=0.1)
    counts = np.bincount(np.concatenate([data.t_train, data.t_test]))
    np.testing.assert_array_equal(counts, np.full(10, 500))
    assert data.input_shape == (1, 28, 28)


def test_bad_test_ratio_is_refused():
    with pytest.raises(DataError, match="test_ratio"):
        load_mnist5k(test_ratio=1.0)


def test_fashion_subset_is_balanced_and_named():
    data = load_fashion_mnist(full=False, seed=1)
    assert data.class_names == FASHION_NAMES and data.class_names[9] == "Ankle boot"
    np.testing.assert_array_equal(np.bincount(data.t_train), np.full(10, 600))
    np.testing.assert_array_equal(np.bincount(data.t_test), np.full(10, 100))
    assert "subset" in data.source and data.image_shape == (1, 28, 28)
    assert nearest_centroid_accuracy(data) > 0.6
    assert not np.array_equal(load_fashion_mnist(full=False, seed=2).t_train, data.t_train)


def test_fashion_without_the_package(tmp_path):
    data = load_fashion_mnist(full=None, folder=tmp_path)
    assert data.n_train == 6000 and "subset" in data.source
    with pytest.raises(DataError, match="dataset-fashion-mnist") as info:
        load_fashion_mnist(full=True, folder=tmp_path)
    assert "train-images-idx3-ubyte.gz" in str(info.value)


@pytest.mark.skipif(not fashion_mnist_installed(), reason="dataset-fashion-mnist is not installed")
def test_fashion_full_set_holds_the_shipped_subset():
    full = load_fashion_mnist()
    assert (full.n_train, full.n_test) == (60_000, 10_000) and "all 60,000" in full.source
    subset = load_fashion_mnist(full=False)
    for split in ("test", "train"):
        big_x, big_t = full.split(split)
        pixels = np.rint(big_x * 255).astype(np.uint8)
        lookup = {row.tobytes(): label for row, label in zip(pixels, big_t, strict=True)}
        small_x, small_t = subset.split(split)
        rows = np.rint(small_x[:300] * 255).astype(np.uint8)
        assert [lookup.get(row.tobytes()) for row in rows] == small_t[:300].tolist()
    assert str(FASHION_DIR) in full.source
