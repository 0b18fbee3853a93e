"""A folder of class sub-folders of pictures: resized, grey or colour, and refused clearly when broken."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import load_image_folder
from engine.errors import DataError

Image = pytest.importorskip("PIL.Image")


def picture(path, colour, size=(10, 6), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)
    return path


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "shapes"
    for k in range(4):
        picture(root / "dark" / f"d{k}.png", (0, 0, 0))
        picture(root / "light" / f"l{k}.JPG", (255, 255, 255), size=(40, 30))
    picture(root / "light" / "clear.png", (0, 0, 0, 0), mode="RGBA")  # fully transparent: white
    (root / "light" / ".DS_Store").write_bytes(b"\x00\x01junk")
    (root / "light" / "notes.txt").write_text("not a picture")
    (root / ".thumbnails").mkdir()
    picture(root / "dark" / ".hidden.png", (255, 255, 255))
    return root


def test_classes_sizes_and_values(folder):
    data = load_image_folder(folder, size=(8, 5), test_ratio=0.25, seed=0)
    assert data.class_names == ("dark", "light") and data.image_shape == (1, 8, 5)
    assert data.n_train + data.n_test == 9  # hidden files, hidden folders and the text file skipped
    np.testing.assert_array_equal(np.bincount(data.t_test), [1, 1])
    for x, t in (data.split("train"), data.split("test")):
        np.testing.assert_allclose(x.mean(axis=1), np.where(t == 0, 0.0, 1.0), atol=0.02)
    assert data.name == "shapes" and "9 in 2 classes" in data.source


def test_colour_keeps_three_channels_in_rgb_order(tmp_path):
    root = tmp_path / "colours"
    picture(root / "red" / "a.png", (255, 0, 0))
    picture(root / "red" / "b.png", (250, 0, 0))
    picture(root / "blue" / "a.png", (0, 0, 255))
    picture(root / "blue" / "b.jpeg", (0, 0, 255))
    data = load_image_folder(root, size=(4, 4), grayscale=False, test_ratio=0.0)
    assert data.image_shape == (3, 4, 4) and data.class_names == ("blue", "red")
    images = data.x_train.reshape(-1, 3, 4, 4)
    means = images.mean(axis=(2, 3))
    red = data.t_train == 1
    assert np.all(means[red, 0] > 0.95) and np.all(means[red, 2] < 0.05)
    assert np.all(means[~red, 2] > 0.95) and np.all(means[~red, 0] < 0.05)


def test_broken_png_is_named(folder):
    bad = folder / "dark" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(DataError, match="cannot be read as a PNG or JPEG") as info:
        load_image_folder(folder)
    assert info.value.source == str(bad)


def test_empty_class_folder_is_named(folder):
    (folder / "empty").mkdir()
    (folder / "empty" / "readme.txt").write_text("nothing here")
    with pytest.raises(DataError, match="class folder 'empty' has no PNG or JPEG") as info:
        load_image_folder(folder)
    assert info.value.source == str(folder / "empty")


def test_folder_without_class_folders(tmp_path):
    picture(tmp_path / "flat" / "a.png", (0, 0, 0))
    with pytest.raises(DataError, match="no class folders"):
        load_image_folder(tmp_path / "flat")
    picture(tmp_path / "one" / "only" / "a.png", (0, 0, 0))
    with pytest.raises(DataError, match="only one class folder, 'only'"):
        load_image_folder(tmp_path / "one")
    with pytest.raises(DataError, match="no such folder"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(DataError, match="this is a file"):
        load_image_folder(tmp_path / "flat" / "a.png")


@pytest.mark.parametrize("size", [(0, 28), (28, 1000), (28,), "big"])
def test_bad_size(folder, size):
    with pytest.raises(DataError, match="size"):
        load_image_folder(folder, size=size)
