"""The data panel's choices without widgets: IDX files told apart by name, image sets made from fields."""

from __future__ import annotations

import pytest

from engine.errors import DataError
from engine.scene import ImageSetData, spec_of

pytest.importorskip("PySide6")  # simulator.panels imports Qt on package import


def test_idx_files_sorted_by_name():
    from simulator.panels.data_choice import sort_idx_files

    four = ["d/t10k-labels.gz", "d/train-images.gz", "d/t10k-images.gz", "d/train-labels-idx1-ubyte"]
    assert sort_idx_files(four) == (
        "d/train-images.gz",
        "d/train-labels-idx1-ubyte",
        "d/t10k-images.gz",
        "d/t10k-labels.gz",
    )
    assert sort_idx_files(["labels.idx", "images.idx"]) == ("images.idx", "labels.idx")
    with pytest.raises(DataError, match="2 IDX files"):
        sort_idx_files(["a"])
    with pytest.raises(DataError, match="cannot tell"):
        sort_idx_files(["a-labels", "b-labels"])
    with pytest.raises(DataError, match="name the files like"):
        sort_idx_files(["test-images", "test-labels"])


def test_image_choices_make_their_sets_through_the_scene_spec():
    from simulator.panels.data_choice import DataChoice, build_dataset, infer_choice, uses_train_share

    choice = DataChoice(source="digits", train_percent=75, seed=3)
    ds = build_dataset(choice)
    assert ds.name == "digits" and abs(ds.n_test - 0.25 * 1797) < 10
    assert spec_of(ds) == ImageSetData("digits", 0.25, 3)
    back = infer_choice(ds, DataChoice())
    assert (back.source, back.seed, back.train_percent) == ("digits", 3, 75)
    fashion = DataChoice(source="fashion_mnist")
    assert not uses_train_share(fashion) and build_dataset(fashion).n_train == 6000
    with pytest.raises(DataError, match="choose a folder"):
        build_dataset(DataChoice(source="image_folder"))
    with pytest.raises(DataError, match="choose the IDX files"):
        build_dataset(DataChoice(source="idx"))
