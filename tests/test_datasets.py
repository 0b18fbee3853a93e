"""The Playground sets match TFP's geometry, the Dataset value stays valid through edits, iris loads whole."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.data import FEATURES, PLAYGROUND_KINDS, Dataset, load_iris, make_features, playground
from engine.errors import DataError

CLASSIFICATION = [k for k, task in PLAYGROUND_KINDS.items() if task == "classification"]
REGRESSION = [k for k, task in PLAYGROUND_KINDS.items() if task == "regression"]


def all_points(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([data.points_train, data.points_test]), np.concatenate([data.t_train, data.t_test])


# --- Playground: determinism, shapes, splits ----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PLAYGROUND_KINDS))
def test_same_arguments_give_identical_arrays(kind):
    a = playground(kind, n_points=200, noise=0.2, seed=7)
    b = playground(kind, n_points=200, noise=0.2, seed=7)
    for field in ("x_train", "x_test", "t_train", "t_test", "points_train", "points_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


@pytest.mark.parametrize("kind", list(PLAYGROUND_KINDS))
def test_other_seed_gives_other_data(kind):
    a = playground(kind, n_points=200, noise=0.2, seed=1)
    b = playground(kind, n_points=200, noise=0.2, seed=2)
    assert not np.array_equal(a.points_train, b.points_train)


@pytest.mark.parametrize("kind", list(PLAYGROUND_KINDS))
def test_shapes_dtypes_and_split(kind):
    data = playground(kind, n_points=501, train_ratio=0.3, features=("x1", "x2", "sin(x1)"))
    assert (data.n_train, data.n_test) == (150, 351)
    assert data.x_train.shape == (150, 3) and data.x_train.dtype == np.float64
    assert data.points_test.shape == (351, 2)
    assert data.task == PLAYGROUND_KINDS[kind]
    if data.task == "classification":
        assert data.t_train.shape == (150,) and data.t_train.dtype == np.int64
        assert data.n_classes == 2 and data.class_names == ("-1", "+1")
    else:
        assert data.t_train.shape == (150, 1) and data.t_train.dtype == np.float64
        assert data.n_classes == 0 and data.class_names == ()


def test_train_share_rounds_down_like_tfp():
    assert playground("xor", n_points=100, train_ratio=0.29).n_train == 29
    assert playground("xor", n_points=7, train_ratio=0.5).n_train == 3


@pytest.mark.parametrize("kind", list(PLAYGROUND_KINDS))
def test_points_stay_in_the_view_at_zero_noise(kind):
    pts, _ = all_points(playground(kind, n_points=1000))
    assert np.all(np.abs(pts) <= 6.0)


def test_splits_are_shuffled():
    data = playground("spiral", n_points=400)
    # Unshuffled, the first half would be all one arm.
    assert 0.3 < data.t_train[:100].mean() < 0.7


# --- Playground: TFP's geometry -----------------------------------------------------------------------------


def test_spiral_radius_at_most_5_and_two_equal_arms():
    pts, labels = all_points(playground("spiral", n_points=500))
    assert np.hypot(pts[:, 0], pts[:, 1]).max() < 5.0
    assert np.bincount(labels).tolist() == [250, 250]


def test_spiral_class_1_starts_on_the_positive_y_axis():
    data = playground("spiral", n_points=500)
    pts, labels = all_points(data)
    # Arm of class 1 (TFP +1) has angle offset 0: x = r sin t, y = r cos t, so its early points lie near +y.
    near = np.hypot(pts[:, 0], pts[:, 1]) < 0.3
    ones = pts[near & (labels == 1)]
    zeros = pts[near & (labels == 0)]
    assert np.all(ones[:, 1] >= 0) and np.all(zeros[:, 1] <= 0)


def test_circle_geometry_at_zero_noise():
    pts, labels = all_points(playground("circle", n_points=1000))
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert np.all(r[labels == 1] <= 2.5)
    assert np.all((r[labels == 0] >= 3.5) & (r[labels == 0] <= 5.0))
    assert np.bincount(labels).tolist() == [500, 500]


def test_circle_noise_relabels_by_shifted_position():
    pts, labels = all_points(playground("circle", n_points=2000, noise=0.5))
    r = np.hypot(pts[:, 0], pts[:, 1])
    mismatched = (r <= 2.5) != (labels == 1)
    assert 0.05 < mismatched.mean() < 0.6


def test_xor_labels_are_the_sign_of_the_product_at_zero_noise():
    pts, labels = all_points(playground("xor", n_points=1000))
    np.testing.assert_array_equal(labels, (pts[:, 0] * pts[:, 1] >= 0).astype(np.int64))
    assert np.all(np.abs(pts) >= 0.3) and np.all(np.abs(pts) <= 5.3)


def test_xor_pm1_targets_are_tfp_labels():
    data = playground("xor", n_points=300)
    pm1 = data.targets("pm1")
    np.testing.assert_array_equal(pm1[:, 0], np.sign(data.points_train[:, 0] * data.points_train[:, 1]))


def test_gauss_centres_and_spread():
    pts, labels = all_points(playground("gauss", n_points=4000))
    np.testing.assert_allclose(pts[labels == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(pts[labels == 0].mean(axis=0), [-2, -2], atol=0.1)
    np.testing.assert_allclose(pts[labels == 1].var(axis=0), [0.5, 0.5], rtol=0.15)
    noisy, nlabels = all_points(playground("gauss", n_points=4000, noise=0.5))
    np.testing.assert_allclose(noisy[nlabels == 1].var(axis=0), [4.0, 4.0], rtol=0.15)


def test_plane_target_at_zero_noise():
    data = playground("plane", n_points=500)
    np.testing.assert_allclose(data.t_train[:, 0], data.points_train.sum(axis=1) / 10.0)
    assert data.targets("values").shape == (250, 1)


def test_plane_noise_moves_targets_off_the_plane():
    data = playground("plane", n_points=500, noise=0.3)
    assert not np.allclose(data.t_train[:, 0], data.points_train.sum(axis=1) / 10.0)


def test_multi_gauss_target_at_zero_noise():
    data = playground("multi_gauss", n_points=2000)
    pts, t = data.points_train, data.t_train[:, 0]
    assert np.all(np.abs(t) <= 1.0)
    centres = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    for i in range(50):
        best = 0.0
        for cx, cy, sign in centres:
            value = sign * max(0.0, 1.0 - np.hypot(pts[i, 0] - cx, pts[i, 1] - cy) / 2.0)
            if abs(value) > abs(best):
                best = value
        assert t[i] == pytest.approx(best)


# --- Playground: multi-class --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CLASSIFICATION)
@pytest.mark.parametrize("k", [3, 4, 5])
def test_multiclass_sets_use_every_class(kind, k):
    data = playground(kind, n_points=600, n_classes=k, seed=3)
    labels = np.concatenate([data.t_train, data.t_test])
    counts = np.bincount(labels, minlength=k)
    assert data.n_classes == k and len(data.class_names) == k
    assert len(counts) == k and counts.min() > 0.5 * 600 / k / 2
    assert data.targets("onehot").shape == (300, k)


@pytest.mark.parametrize("kind", ["spiral", "gauss", "circle"])
def test_multiclass_groups_are_equal_at_zero_noise(kind):
    _, labels = all_points(playground(kind, n_points=301, n_classes=3))
    assert np.bincount(labels).tolist() == [101, 100, 100]


def test_multiclass_gauss_centres_on_a_circle():
    pts, labels = all_points(playground("gauss", n_points=6000, n_classes=3))
    for c in range(3):
        centre = pts[labels == c].mean(axis=0)
        assert np.hypot(*centre) == pytest.approx(2 * np.sqrt(2), abs=0.1)


def test_multiclass_circle_rings_by_radius():
    pts, labels = all_points(playground("circle", n_points=900, n_classes=3))
    r = np.hypot(pts[:, 0], pts[:, 1])
    for c in range(3):
        assert np.all((r[labels == c] >= c * 5 / 3) & (r[labels == c] < (c + 1) * 5 / 3))


def test_xor_with_four_classes_gives_quadrants():
    pts, labels = all_points(playground("xor", n_points=800, n_classes=4))
    quadrant = np.select(
        [(pts[:, 0] > 0) & (pts[:, 1] > 0), pts[:, 0] < 0, pts[:, 1] < 0], [0, 1 + (pts[:, 1] < 0), 3], 0
    )
    np.testing.assert_array_equal(labels, quadrant)


def test_xor_sectors_with_three_classes():
    pts, labels = all_points(playground("xor", n_points=600, n_classes=3))
    angle = np.mod(np.arctan2(pts[:, 1], pts[:, 0]), 2 * np.pi)
    np.testing.assert_array_equal(labels, np.floor(angle / (2 * np.pi / 3)).astype(int))


# --- Playground: refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": "moons"}, "choose one of circle, xor"),
        ({"kind": "plane", "n_classes": 3}, "regression set"),
        ({"kind": "xor", "noise": 0.6}, "between 0 and 0.5"),
        ({"kind": "xor", "noise": -0.1}, "between 0 and 0.5"),
        ({"kind": "xor", "train_ratio": 1.0}, "train_ratio"),
        ({"kind": "xor", "train_ratio": 0.0}, "train_ratio"),
        ({"kind": "xor", "n_classes": 1}, "n_classes"),
        ({"kind": "xor", "n_points": 1}, "n_points"),
        ({"kind": "xor", "features": ("x1", "cos(x1)")}, "'cos(x1)'"),
    ],
)
def test_bad_playground_arguments(kwargs, words):
    with pytest.raises(DataError, match=words.replace("(", r"\(").replace(")", r"\)")):
        playground(**kwargs)


# --- Features -----------------------------------------------------------------------------------------------


def test_feature_values():
    pts = np.array([[1.0, 2.0], [-0.5, 3.0]])
    got = make_features(pts, FEATURES)
    expected = np.array(
        [[1, 2, 1, 4, 2, np.sin(1), np.sin(2)], [-0.5, 3, 0.25, 9, -1.5, np.sin(-0.5), np.sin(3)]]
    )
    np.testing.assert_allclose(got, expected)
    assert got.dtype == np.float64 and got.shape == (2, 7)


def test_feature_aliases_and_order():
    pts = np.array([[1.5, -2.0]])
    a = make_features(pts, ["x1²", "x2²", "x1x2", "sin x1", "sin x2"])
    b = make_features(pts, ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(make_features(pts, ["x2", "x1"]), [[-2.0, 1.5]])


def test_unknown_feature_names_it_and_lists_the_valid_ones():
    with pytest.raises(DataError) as err:
        make_features(np.zeros((1, 2)), ["x1", "x3"])
    assert "'x3'" in str(err.value) and "'sin(x2)'" in str(err.value)


def test_feature_selection_refusals():
    with pytest.raises(DataError, match="at least one"):
        make_features(np.zeros((1, 2)), [])
    with pytest.raises(DataError, match="twice"):
        make_features(np.zeros((1, 2)), ["x1", "x1"])
    with pytest.raises(DataError, match=r"\(n, 2\)"):
        make_features(np.zeros((3, 3)), ["x1"])


def test_playground_features_are_computed_from_points():
    data = playground("spiral", features=("x1", "x2", "x1*x2", "sin(x2)"))
    np.testing.assert_allclose(data.x_train, make_features(data.points_train, data.features))
    assert data.feature_names == ("x1", "x2", "x1*x2", "sin(x2)")


# --- Dataset value ------------------------------------------------------------------------------------------


def small(**changes) -> Dataset:
    fields = dict(
        name="toy",
        task="classification",
        x_train=np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]),
        x_test=np.array([[3.0, 1.0]]),
        t_train=np.array([0, 1, 1]),
        t_test=np.array([0]),
        n_classes=2,
    )
    fields.update(changes)
    return Dataset(**fields)


def test_dataset_defaults_names_and_is_read_only():
    data = small()
    assert data.feature_names == ("x1", "x2") and data.class_names == ("0", "1")
    assert (data.n_inputs, data.n_train, data.n_test) == (2, 3, 1)
    with pytest.raises(ValueError):
        data.x_train[0, 0] = 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"


def test_dataset_copies_its_inputs():
    x = np.zeros((3, 2))
    data = small(x_train=x)
    x[0, 0] = 9.0
    assert data.x_train[0, 0] == 0.0


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"task": "clustering"}, "task must be"),
        ({"x_test": np.zeros((1, 3))}, "columns"),
        ({"t_train": np.array([0, 1])}, "3 rows but t_train has 2"),
        ({"t_train": np.array([0, 2, 1])}, "classes are 0 to 1"),
        ({"t_train": np.array([0, -1, 1])}, "classes are 0 to 1"),
        ({"t_train": np.array([0.0, 0.5, 1.0])}, "whole numbers"),
        ({"x_train": np.array([[0.0, 1.0], [np.nan, 1.0], [2.0, 1.0]])}, "x_train row 1"),
        ({"n_classes": 1}, "at least 2 classes"),
        ({"class_names": ("a",)}, "class_names has 1 names"),
        ({"feature_names": ("a", "b", "c")}, "feature_names"),
        ({"x_train": np.zeros(3)}, "shape"),
        ({"points_train": np.zeros((3, 2))}, "both"),
    ],
)
def test_dataset_validation(changes, words):
    with pytest.raises(DataError, match=words):
        small(**changes)


def test_regression_dataset_validation():
    ok = small(task="regression", n_classes=0, t_train=np.array([0.5, 1.0, 2.0]), t_test=np.array([1.0]))
    assert ok.t_train.shape == (3, 1) and ok.target_names == ("y",)
    with pytest.raises(DataError, match="no classes"):
        small(task="regression", t_train=np.zeros(3), t_test=np.zeros(1))
    with pytest.raises(DataError, match="not finite"):
        small(task="regression", n_classes=0, t_train=np.array([0.0, np.inf, 1.0]), t_test=np.zeros(1))


def test_targets_encodings():
    data = small(t_train=np.array([0, 1, 1]))
    np.testing.assert_array_equal(data.targets("pm1"), [[-1.0], [1.0], [1.0]])
    np.testing.assert_array_equal(data.targets("01"), [[0.0], [1.0], [1.0]])
    np.testing.assert_array_equal(data.targets("onehot"), [[1, 0], [0, 1], [0, 1]])
    np.testing.assert_array_equal(data.targets("index", "test"), [0])
    assert data.targets("pm1").dtype == np.float64 and data.targets("index").dtype == np.int64
    assert data.targets("pm1").flags.writeable
    with pytest.raises(DataError, match="regression"):
        data.targets("values")
    with pytest.raises(DataError, match="unknown target encoding"):
        data.targets("labels")
    with pytest.raises(DataError, match="split"):
        data.targets("index", "validation")


def test_binary_encodings_refuse_three_classes():
    data = playground("gauss", n_classes=3)
    with pytest.raises(DataError, match="exactly 2 classes"):
        data.targets("pm1")
    assert data.targets("onehot").sum() == data.n_train


def test_with_features_recomputes_from_points():
    data = playground("circle", n_points=100)
    wider = data.with_features(["x1^2", "x2^2"])
    np.testing.assert_allclose(wider.x_train, data.points_train**2)
    assert wider.features == ("x1^2", "x2^2") and wider.feature_names == ("x1^2", "x2^2")
    np.testing.assert_array_equal(wider.t_train, data.t_train)
    assert data.n_inputs == 2  # the original is unchanged
    with pytest.raises(DataError, match="2-D"):
        small().with_features(["x1"])


def test_with_features_keeps_scaling_when_scaled():
    data = playground("circle", n_points=100).standardized().with_features(["x1", "x1*x2"])
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(data.x_train.std(axis=0), 1.0)


def test_with_points_appends_clicked_points():
    data = playground("xor", n_points=20, features=("x1", "x2", "x1*x2"))
    more = data.with_points([[1.0, 2.0], [-1.0, 2.0]], [1, 0])
    assert more.n_train == data.n_train + 2 and more.n_test == data.n_test
    np.testing.assert_array_equal(more.x_train[-2:], [[1.0, 2.0, 2.0], [-1.0, 2.0, -2.0]])
    np.testing.assert_array_equal(more.t_train[-2:], [1, 0])
    np.testing.assert_array_equal(more.points_train[-1], [-1.0, 2.0])
    one = data.with_points([0.5, 0.5], 1, split="test")
    assert one.n_test == data.n_test + 1
    with pytest.raises(DataError, match="classes are 0 to 1"):
        data.with_points([[1.0, 2.0]], [2])
    with pytest.raises(DataError, match="labels or targets"):
        data.with_points([[1.0, 2.0], [0.0, 0.0]], [1])


def test_with_points_scales_like_the_rest():
    data = playground("plane", n_points=50).standardized()
    more = data.with_points([[1.0, -2.0]], [0.3])
    expected = (np.array([1.0, -2.0]) - data.x_mean) / data.x_scale
    np.testing.assert_allclose(more.x_train[-1], expected)
    assert more.t_train[-1, 0] == 0.3


def test_without_points_near_erases_within_radius():
    data = playground("gauss", n_points=400)
    erased = data.without_points_near((2.0, 2.0), 1.0)
    for split in ("train", "test"):
        pts = erased.raw_positions(split)
        assert np.all(np.hypot(pts[:, 0] - 2, pts[:, 1] - 2) > 1.0)
    removed = np.sum(np.hypot(*(data.points_train - 2.0).T) <= 1.0)
    assert erased.n_train == data.n_train - removed > 0
    only_test = data.without_points_near((2.0, 2.0), 1.0, split="test")
    assert only_test.n_train == data.n_train and only_test.n_test == erased.n_test
    everything = data.without_points_near((0.0, 0.0), 100.0)
    assert everything.n_train == 0 and everything.n_test == 0


def test_without_points_near_uses_raw_units_for_tables():
    data = small().standardized()
    erased = data.without_points_near((1.0, 1.0), 0.5)
    np.testing.assert_array_equal(erased.t_train, [0, 1])


def test_standardized_uses_train_statistics_and_keeps_constant_columns_finite():
    data = small().standardized()
    np.testing.assert_allclose(data.x_train[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    np.testing.assert_array_equal(data.x_train[:, 1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(data.x_test[0], [2 * np.sqrt(1.5), 0.0])
    np.testing.assert_allclose(data.x_mean, [1.0, 1.0])
    twice = data.standardized()
    np.testing.assert_allclose(twice.x_train, data.x_train, atol=1e-12)
    np.testing.assert_allclose(twice.x_scale, data.x_scale)


# --- Iris ---------------------------------------------------------------------------------------------------


def test_iris_loads_150_rows_of_3_classes():
    data = load_iris()
    assert (data.n_train + data.n_test, data.n_inputs, data.n_classes) == (150, 4, 3)
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    labels = np.concatenate([data.t_train, data.t_test])
    assert np.bincount(labels).tolist() == [50, 50, 50]
    assert np.bincount(data.t_test).tolist() == [15, 15, 15]


def test_iris_values_match_fishers_table():
    data = load_iris(standardize=False)
    x = np.concatenate([data.x_train, data.x_test])
    np.testing.assert_allclose(x.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-6)
    np.testing.assert_allclose(x.min(axis=0), [4.3, 2.0, 1.0, 0.1])
    np.testing.assert_allclose(x.max(axis=0), [7.9, 4.4, 6.9, 2.5])


def test_iris_matches_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets")
    ref = datasets.load_iris()
    data = load_iris(standardize=False)
    ours = np.column_stack(
        [np.concatenate([data.x_train, data.x_test]), np.concatenate([data.t_train, data.t_test])]
    )
    theirs = np.column_stack([ref.data, ref.target])
    np.testing.assert_array_equal(ours[np.lexsort(ours.T[::-1])], theirs[np.lexsort(theirs.T[::-1])])


def test_iris_is_standardized_and_seeded():
    data = load_iris(seed=4)
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_array_equal(data.x_train, load_iris(seed=4).x_train)
    assert not np.array_equal(data.t_train, load_iris(seed=5).t_train)
    assert data.name == "iris" and "Fisher" in data.source


def test_image_sets_keep_their_shape_and_refuse_a_wrong_one():
    x = np.zeros((4, 12))
    t = np.array([0, 1, 0, 1])
    images = Dataset("tiny", "classification", x, x[:2], t, t[:2], n_classes=2, image_shape=(3, 2, 2))
    assert images.is_image and images.input_shape == (3, 2, 2)
    assert images.with_points(np.ones(12), [1]).image_shape == (3, 2, 2)
    with pytest.raises(DataError, match=r"image_shape \(3, 2, 3\) holds 18 values but each row has 12"):
        Dataset("tiny", "classification", x, x[:2], t, t[:2], n_classes=2, image_shape=(3, 2, 3))
    flat = Dataset("flat", "classification", x, x[:2], t, t[:2], n_classes=2)
    assert not flat.is_image and flat.input_shape == (12,)
