"""A user's CSV table loads whole or not at all, and every refusal names the line, column and value."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import csv_reader, load_csv
from engine.errors import DataError

GOOD = """x1,x2,label
0.5,1.0,b
1.5,2.0,a
2.5,3.0,b
3.5,4.0,a
4.5,5.0,c
5.5,6.0,c
"""


def write(tmp_path, text: str, name: str = "data.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(data) -> np.ndarray:
    """All inputs (unscaled) next to their targets, sorted, so splits can be compared with the file."""
    x = np.concatenate([data.raw_positions("train"), data.raw_positions("test")])
    t = np.concatenate([data.t_train, data.t_test]).reshape(len(x), -1)
    table = np.column_stack([x, t])
    return table[np.lexsort(table.T[::-1])]


# --- Good files ---------------------------------------------------------------------------------------------


def test_good_file_with_string_classes(tmp_path):
    data = load_csv(write(tmp_path, GOOD), test_ratio=0.0, standardize=False)
    assert data.task == "classification" and data.n_classes == 3
    assert data.class_names == ("a", "b", "c")
    assert data.feature_names == ("x1", "x2") and data.target_names == ("label",)
    assert data.name == "data" and "data.csv" in data.source
    assert (data.n_train, data.n_test) == (6, 0)
    expected = np.array([[0.5, 1, 1], [1.5, 2, 0], [2.5, 3, 1], [3.5, 4, 0], [4.5, 5, 2], [5.5, 6, 2]])
    np.testing.assert_array_equal(rows(data), expected)


def test_split_is_stratified_seeded_and_standardized(tmp_path):
    text = "a,b,y\n" + "".join(f"{i},{i % 7},{'yes' if i % 3 else 'no'}\n" for i in range(90))
    path = write(tmp_path, text)
    data = load_csv(path, test_ratio=0.2, seed=3)
    assert (data.n_train, data.n_test) == (72, 18)
    assert np.bincount(data.t_test).tolist() == [6, 12]
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1.0)
    again = load_csv(path, test_ratio=0.2, seed=3)
    np.testing.assert_array_equal(data.x_train, again.x_train)
    np.testing.assert_array_equal(data.t_test, again.t_test)
    assert not np.array_equal(data.t_train, load_csv(path, test_ratio=0.2, seed=4).t_train)


def test_target_by_name_or_index(tmp_path):
    path = write(tmp_path, "y,a,b\n1.5,1,2\n2.5,3,4\n0.1,5,6\n")
    by_name = load_csv(path, target="y", test_ratio=0.0, standardize=False)
    by_index = load_csv(path, target=0, test_ratio=0.0, standardize=False)
    assert by_name.feature_names == ("a", "b") == by_index.feature_names
    assert by_name.task == "regression" and by_name.t_train.shape == (3, 1)
    np.testing.assert_array_equal(rows(by_name), rows(by_index))


def test_unknown_target_column_lists_the_columns(tmp_path):
    with pytest.raises(DataError, match="no column named 'z'; the columns are 'x1', 'x2', 'label'"):
        load_csv(write(tmp_path, GOOD), target="z")
    with pytest.raises(DataError, match="out of range"):
        load_csv(write(tmp_path, GOOD), target=3)


@pytest.mark.parametrize(
    ("targets", "task", "expected_task", "classes"),
    [
        (["0", "1", "1", "0"], "auto", "classification", ("0", "1")),
        (["3", "10", "3", "10"], "auto", "classification", ("3", "10")),
        (["0", "1", "1", "0"], "regression", "regression", ()),
        (["0.5", "1.25", "1", "0"], "auto", "regression", ()),
        (["1.0", "2.0", "2", "1"], "classification", "classification", ("1", "2")),
        (["x", "y", "y", "x"], "auto", "classification", ("x", "y")),
    ],
)
def test_task_is_decided_from_the_target(tmp_path, targets, task, expected_task, classes):
    text = "a,t\n" + "".join(f"{i},{t}\n" for i, t in enumerate(targets))
    data = load_csv(write(tmp_path, text), task=task, test_ratio=0.0)
    assert data.task == expected_task and data.class_names == classes


def test_many_whole_numbers_are_regression_unless_asked(tmp_path):
    text = "a,t\n" + "".join(f"{i},{i}\n" for i in range(30))
    assert load_csv(write(tmp_path, text)).task == "regression"
    assert load_csv(write(tmp_path, text), task="classification").n_classes == 30


def test_bom_blank_lines_quotes_and_crlf(tmp_path):
    lines = [
        "",
        '"x 1",x2,kind',
        "",
        '"1.5",2,"iris, setosa"',
        "  ",
        "3,4,plain",
        ",,",
        '5,6,"iris, setosa"',
        "",
    ]
    text = "\r\n".join(lines) + "\r\n"
    data = load_csv(write(tmp_path, "\ufeff" + text), test_ratio=0.0, standardize=False)
    assert data.feature_names == ("x 1", "x2")
    assert data.class_names == ("iris, setosa", "plain")
    assert data.n_train == 3


def test_semicolons_and_tabs(tmp_path):
    for sep in (";", "\t"):
        text = GOOD.replace(",", sep)
        data = load_csv(write(tmp_path, text), test_ratio=0.0)
        assert data.n_train == 6 and data.feature_names == ("x1", "x2")


# --- Refusals -----------------------------------------------------------------------------------------------


def test_junk_cell_names_file_row_column_and_value(tmp_path):
    lines = ["x1,x2,y"] + [f"{i},{i + 1},{i % 2}" for i in range(14)]
    lines.insert(5, "")  # a blank line still counts in the file's numbering
    lines += ["1,abc,0", "2,3,1"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        load_csv(path)
    assert str(err.value) == "data.csv: row 17: column 'x2' has 'abc', which is not a number"
    assert err.value.row == 17 and err.value.source == "data.csv"


def test_row_numbers_count_lines_inside_quoted_fields(tmp_path):
    text = 'a,b,y\n1,2,"two\nlines"\n3,4,z\n5,?,z\n'
    with pytest.raises(DataError, match=r"^data.csv: row 5: column 'b' has '\?'"):
        load_csv(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "the file is empty"),
        ("\n\n  \n", "the file is empty"),
        ("x1,x2,y\n", "header but no data rows"),
        ("x1,x2,y\n\n\n", "header but no data rows"),
        ("1,2,3\n4,5,6\n", "row 1: the first row holds numbers"),
        ("x1,x2,y\n1,2,a\n1,2\n", "row 3: has 2 fields, but the header names 3 columns"),
        ("x1,x2,y\n1,2,a,4\n", "row 2: has 4 fields, but the header names 3 columns"),
        ("x1,x2,y\n1,,a\n", "row 2: column 'x2' is empty, but it must be a number"),
        ("x1,x2,y\n1,nan,a\n", "row 2: column 'x2' has 'nan', which is not a finite number"),
        ("x1,x2,y\n1,2,a\n1,-inf,b\n", "row 3: column 'x2' has '-inf', which is not a finite number"),
        ("x1,x2,y\n1,2,a\n3,4,\n", "row 3: the target column 'y' is empty"),
        ("x1,x2,y\n1,2,a\n3,4,a\n", "only one class, 'a'"),
        ("x1,x1,y\n1,2,a\n", "two columns are named 'x1'"),
        ("x1,,y\n1,2,a\n", "column 2 has no name"),
        ("y\n1\n2\n", "at least two columns"),
        ("x,y\n1,0\n2,inf\n", "row 3: column 'y' has 'inf', which is not a finite number"),
        ('x,y\n1,"a\n', "row 2: cannot split"),
    ],
)
def test_malformed_files(tmp_path, text, words):
    with pytest.raises(DataError, match=words):
        load_csv(write(tmp_path, text))


def test_regression_needs_a_numeric_target(tmp_path):
    with pytest.raises(
        DataError, match=r"row 2: column 'label' has 'b', which is not a number \(regression\)"
    ):
        load_csv(write(tmp_path, GOOD), task="regression")


def test_classes_must_be_whole_numbers(tmp_path):
    with pytest.raises(DataError, match="row 3: column 't' has '1.5'; class labels must be whole numbers"):
        load_csv(write(tmp_path, "a,t\n1,0\n2,1.5\n"), task="classification")


def test_encoding_errors(tmp_path):
    path = write(tmp_path, "x1,x2,name\n1,2,Zoë\n3,4,Zoë\n", encoding="latin-1")
    with pytest.raises(DataError, match=r"data.csv: row 2: byte 0xeb is not UTF-8 text"):
        load_csv(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="nothing.csv: cannot read the file"):
        load_csv(tmp_path / "nothing.csv")


def test_size_limits(tmp_path, monkeypatch):
    wide = ",".join(f"c{i}" for i in range(5001)) + "\n" + ",".join("1" for _ in range(5001)) + "\n"
    with pytest.raises(DataError, match="5,001 columns; at most 5,000"):
        load_csv(write(tmp_path, wide))
    monkeypatch.setattr(csv_reader, "MAX_BYTES", 10)
    with pytest.raises(DataError, match="files up to 200 MB"):
        load_csv(write(tmp_path, GOOD))


def test_bad_arguments(tmp_path):
    path = write(tmp_path, GOOD)
    with pytest.raises(DataError, match="task must be one of"):
        load_csv(path, task="ranking")
    with pytest.raises(DataError, match="test_ratio"):
        load_csv(path, test_ratio=1.0)


def test_too_many_classes(tmp_path):
    text = "a,t\n" + "".join(f"{i},name{i}\n" for i in range(101))
    with pytest.raises(DataError, match="101 classes; at most 100"):
        load_csv(write(tmp_path, text))


def test_huge_finite_values_are_kept(tmp_path):
    data = load_csv(write(tmp_path, "a,b,y\n1e308,1e308,p\n1,2,q\n"), test_ratio=0.0, standardize=False)
    assert data.raw_positions().max() == 1e308
