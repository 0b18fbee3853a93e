"""Evaluation metrics in plain numpy, matching scikit-learn's definitions so numbers agree with textbooks.

Empty inputs give NaN (the score is undefined); a division by zero inside precision, recall or F1 gives 0.0,
as scikit-learn's ``zero_division=0`` does.
"""

from __future__ import annotations

import numpy as np


def _labels(y: object, what: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{what} must be class indices of shape (n,), not {arr.shape}")
    if arr.dtype.kind not in "iub":
        if arr.dtype.kind != "f" or np.any(arr != np.round(arr)):
            raise ValueError(f"{what} must hold whole class indices")
    return arr.astype(np.int64)


def _pair(y_true: object, y_pred: object) -> tuple[np.ndarray, np.ndarray]:
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.shape[0]} labels and y_pred {p.shape[0]}")
    return t, p


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of predictions equal to the truth.

    Parameters
    ----------
    y_true, y_pred : (n,) int class indices
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p)) if t.size else float("nan")


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Count each (true, predicted) pair.

    Returns
    -------
    (n_classes, n_classes) int64
        Row = true class, column = predicted class.
    """
    t, p = _pair(y_true, y_pred)
    for what, arr in (("y_true", t), ("y_pred", p)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(f"{what} has a class outside 0 .. {n_classes - 1}")
    counts = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0.0 where ``den`` is 0."""
    out = np.zeros(num.shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def precision_recall_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict[str, object]:
    """Per-class precision, recall and F1, and their unweighted (macro) means over all classes.

    Returns
    -------
    dict
        ``"precision"``, ``"recall"``, ``"f1"`` : (n_classes,) float64; ``"support"`` : (n_classes,) int64
        true counts; ``"macro"`` : dict of float ``"precision"``, ``"recall"``, ``"f1"``.
    """
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0)
    support = cm.sum(axis=1)
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    f1 = _ratio(2.0 * tp, predicted + support)
    macro = {"precision": float(precision.mean()), "recall": float(recall.mean()), "f1": float(f1.mean())}
    return {"precision": precision, "recall": recall, "f1": f1, "support": support, "macro": macro}


def _regression_pair(y: object, yhat: object) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(y, dtype=np.float64)
    b = np.asarray(yhat, dtype=np.float64)
    a = a.reshape(-1, 1) if a.ndim == 1 else a
    b = b.reshape(-1, 1) if b.ndim == 1 else b
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"targets {np.shape(y)} and predictions {np.shape(yhat)} must have the same (n, k) shape"
        )
    return a, b


def mae(y: np.ndarray, yhat: np.ndarray) -> float:
    """Mean absolute error, averaged over outputs. ``y, yhat : (n,) or (n, k) float64``."""
    a, b = _regression_pair(y, yhat)
    return float(np.mean(np.abs(a - b))) if a.size else float("nan")


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    """Root mean squared error of each output, then averaged over outputs (as scikit-learn)."""
    a, b = _regression_pair(y, yhat)
    return float(np.mean(np.sqrt(np.mean((a - b) ** 2, axis=0)))) if a.size else float("nan")


def r2(y: np.ndarray, yhat: np.ndarray) -> float:
    """Coefficient of determination of each output, averaged over outputs.

    An output whose truth is constant scores 1.0 when predicted exactly and 0.0 otherwise, as scikit-learn.
    """
    a, b = _regression_pair(y, yhat)
    if not a.size:
        return float("nan")
    ss_res = np.sum((a - b) ** 2, axis=0)
    ss_tot = np.sum((a - a.mean(axis=0)) ** 2, axis=0)
    score = np.where(ss_res == 0, 1.0, 0.0)
    np.subtract(1.0, ss_res / np.where(ss_tot == 0, 1.0, ss_tot), out=score, where=ss_tot != 0)
    return float(np.mean(score))


def classes_from_outputs(outputs: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """Turn network outputs into class indices.

    Parameters
    ----------
    outputs : (n,) or (n, k) float
        Several columns: the index of the largest. One column: 1 where the output is above ``threshold``.
    threshold : float, optional
        0.0 by default, for the tanh (-1/+1) convention; pass 0.5 for a sigmoid output.

    Returns
    -------
    (n,) int64
    """
    out = np.asarray(outputs, dtype=np.float64)
    if out.ndim == 1:
        out = out.reshape(-1, 1)
    if out.ndim != 2 or out.shape[1] == 0:
        raise ValueError(f"outputs must have shape (n,) or (n, k), not {np.shape(outputs)}")
    if out.shape[1] > 1:
        return np.argmax(out, axis=1).astype(np.int64)
    cut = 0.0 if threshold is None else float(threshold)
    return (out[:, 0] > cut).astype(np.int64)
