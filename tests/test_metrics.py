"""Metrics agree with hand-worked examples and with scikit-learn, the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.metrics import (
    accuracy,
    classes_from_outputs,
    confusion_matrix,
    mae,
    precision_recall_f1,
    r2,
    rmse,
)

# --- Hand-worked examples -----------------------------------------------------------------------------------

Y_TRUE = np.array([0, 0, 1, 1, 1, 2])
Y_PRED = np.array([0, 1, 1, 1, 0, 1])


def test_accuracy_by_hand():
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(3 / 6)
    assert accuracy([1, 1], [1, 1]) == 1.0
    assert np.isnan(accuracy([], []))


def test_confusion_matrix_by_hand():
    cm = confusion_matrix(Y_TRUE, Y_PRED, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [1, 2, 0], [0, 1, 0]])
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(confusion_matrix([], [], 2), np.zeros((2, 2)))


def test_precision_recall_f1_by_hand():
    got = precision_recall_f1(Y_TRUE, Y_PRED, 3)
    # class 0: tp 1, predicted 2, true 2; class 1: tp 2, predicted 4, true 3; class 2: never predicted.
    np.testing.assert_allclose(got["precision"], [1 / 2, 2 / 4, 0.0])
    np.testing.assert_allclose(got["recall"], [1 / 2, 2 / 3, 0.0])
    np.testing.assert_allclose(got["f1"], [1 / 2, 4 / 7, 0.0])
    np.testing.assert_array_equal(got["support"], [2, 3, 1])
    assert got["macro"]["precision"] == pytest.approx(1 / 3)
    assert got["macro"]["recall"] == pytest.approx((1 / 2 + 2 / 3) / 3)
    assert got["macro"]["f1"] == pytest.approx((1 / 2 + 4 / 7) / 3)


def test_a_class_absent_everywhere_scores_zero():
    got = precision_recall_f1([0, 1], [0, 1], 3)
    np.testing.assert_array_equal(got["f1"], [1.0, 1.0, 0.0])
    assert got["macro"]["f1"] == pytest.approx(2 / 3)


def test_regression_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    yhat = np.array([1.0, 3.0, 2.0, 4.0])
    assert mae(y, yhat) == pytest.approx(0.5)
    assert rmse(y, yhat) == pytest.approx(np.sqrt(0.5))
    assert r2(y, yhat) == pytest.approx(1 - 2 / 5)
    assert r2(y, y) == 1.0


def test_multi_output_regression_averages_outputs():
    y = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 1.0]])
    yhat = np.array([[0.0, 1.0], [2.0, 1.0], [1.0, 1.0]])
    assert rmse(y, yhat) == pytest.approx((np.sqrt(3.0) + 0.0) / 2)
    # second output is constant and predicted exactly: scores 1.0; first: 1 - 9/8.
    assert r2(y, yhat) == pytest.approx((1 - 9 / 8 + 1.0) / 2)
    assert r2([[1.0], [1.0]], [[1.0], [2.0]]) == 0.0


def test_classes_from_outputs():
    np.testing.assert_array_equal(classes_from_outputs([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4]]), [1, 0])
    np.testing.assert_array_equal(classes_from_outputs([[-0.3], [0.2], [0.0]]), [0, 1, 0])
    np.testing.assert_array_equal(classes_from_outputs([0.4, 0.6], threshold=0.5), [0, 1])
    assert classes_from_outputs([[0.3]]).dtype == np.int64


def test_shape_and_range_errors():
    with pytest.raises(ValueError, match="y_true has 2 labels and y_pred 3"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="outside 0 .. 1"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(ValueError, match="whole class indices"):
        accuracy([0.5], [1])
    with pytest.raises(ValueError, match="same"):
        mae(np.zeros((3, 2)), np.zeros((3, 1)))


# --- scikit-learn as the oracle -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sk():
    return pytest.importorskip("sklearn.metrics")


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_scikit_learn(sk, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    y_true = rng.integers(0, k, 60)
    y_pred = np.where(rng.random(60) < 0.6, y_true, rng.integers(0, k, 60))
    y_pred[y_pred == k - 1] = 0  # one class never predicted: zero division in its precision
    labels = list(range(k))
    assert accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(y_true, y_pred))
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred, k), sk.confusion_matrix(y_true, y_pred, labels=labels)
    )
    got = precision_recall_f1(y_true, y_pred, k)
    p, r, f, s = sk.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    np.testing.assert_allclose(got["precision"], p)
    np.testing.assert_allclose(got["recall"], r)
    np.testing.assert_allclose(got["f1"], f)
    np.testing.assert_array_equal(got["support"], s)
    mp, mr, mf, _ = sk.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average="macro", zero_division=0
    )
    assert got["macro"] == pytest.approx({"precision": mp, "recall": mr, "f1": mf})


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("seed", range(3))
def test_regression_metrics_match_scikit_learn(sk, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(40, k))
    yhat = y + rng.normal(scale=0.5, size=(40, k))
    assert mae(y, yhat) == pytest.approx(sk.mean_absolute_error(y, yhat))
    assert rmse(y, yhat) == pytest.approx(sk.root_mean_squared_error(y, yhat))
    assert r2(y, yhat) == pytest.approx(sk.r2_score(y, yhat))


def test_r2_with_a_constant_output_matches_scikit_learn(sk):
    y = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    for yhat in (y, y + 0.1):
        assert r2(y, yhat) == pytest.approx(sk.r2_score(y, yhat))


# --- Properties ---------------------------------------------------------------------------------------------

labels_pairs = st.integers(2, 6).flatmap(
    lambda k: st.integers(0, 50).flatmap(
        lambda n: st.tuples(
            st.just(k),
            hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)),
            hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)),
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(labels_pairs)
def test_confusion_matrix_counts_every_pair_once(case):
    k, y_true, y_pred = case
    cm = confusion_matrix(y_true, y_pred, k)
    assert cm.sum() == len(y_true)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(y_true, minlength=k))
    if len(y_true):
        assert np.trace(cm) / len(y_true) == pytest.approx(accuracy(y_true, y_pred))
    got = precision_recall_f1(y_true, y_pred, k)
    for key in ("precision", "recall", "f1"):
        assert np.all((got[key] >= 0) & (got[key] <= 1))


finite = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 3)), elements=finite))
def test_perfect_prediction_scores_perfectly(y):
    assert r2(y, y) == 1.0
    assert mae(y, y) == 0.0 and rmse(y, y) == 0.0
    assert accuracy(classes_from_outputs(y), classes_from_outputs(y)) == 1.0
