"""Argument checks of the multinomial (softmax) model, in the style of `manual.checks`.

Each check returns its argument as a float64 array ready to use, or raises `TypeError` (a wrong
kind of object) or `ValueError` (a wrong shape or value) whose message names the argument, what
was expected and what was given.

Conventions
-----------
X : (n, d) features.   W : (d, K) weights, K >= 2.   b : (K,) intercepts.
y : (n,) integer class labels in 0..K-1, or soft labels (n, K), rows of probabilities summing to 1.
Inside the model every y is a matrix Y (n, K): one-hot rows for integer labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from manual.checks import Array, as_features, as_real_array, as_scalar

# A soft-label row must sum to 1 within this: rows written with 10 significant digits pass, and
# the loss sum_k Y_k (-log p_k) then differs from the contract's logsumexp(z) - Y.z by at most
# 1e-9 logsumexp(z) (the model uses the cross-entropy, whose derivatives are exact for any row).
SOFT_ROW_TOL = 1e-9


def as_class_weights(
    W: Any, b: Any, d: int, *, names: tuple[str, str] = ("W", "b")
) -> tuple[Array, Array]:
    """(W (d, K), b (K,)) as float64 arrays, K >= 2 taken from W."""
    wname, bname = names
    W_ = as_real_array(wname, W)
    if W_.ndim == 1 and d == 1:
        W_ = W_.reshape(1, -1)
    if W_.ndim != 2 or W_.shape[0] != d:
        raise ValueError(
            f"{wname} must have shape (d, K) = ({d}, K) to match X of {d} feature(s), one column "
            f"per class; got shape {W_.shape}"
        )
    K = W_.shape[1]
    if K < 2:
        raise ValueError(f"{wname} must have K >= 2 columns (one per class); got K = {K}")
    b_ = as_real_array(bname, b)
    if b_.shape != (K,):
        raise ValueError(
            f"{bname} must have shape (K,) = ({K},), one intercept per class of {wname}; "
            f"got shape {b_.shape}"
        )
    return W_, b_


def as_direction(V: Any, c: Any, W: Array) -> tuple[Array, Array]:
    """(V (d, K), c (K,)): a direction in (W, b)-space, shaped like W and b."""
    V_ = as_real_array("V", V)
    if V_.shape != W.shape:
        raise ValueError(f"V must have shape (d, K) = {W.shape} like W; got shape {V_.shape}")
    c_ = as_real_array("c", c)
    if c_.shape != (W.shape[1],):
        raise ValueError(f"c must have shape (K,) = ({W.shape[1]},) like b; got shape {c_.shape}")
    return V_, c_


def as_integer_labels(y: Any, n: int) -> Array:
    """y as a (n,) float64 array of whole numbers >= 0 (ints, bools, or floats such as 2.0)."""
    arr = as_real_array("y", y)
    if arr.shape != (n,):
        raise ValueError(
            f"y must have shape (n,) = ({n},) of integer class labels to match X; got shape "
            f"{arr.shape}"
        )
    bad = (arr != np.round(arr)) | (arr < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"y must hold integer class labels 0, 1, 2, ...; got {int(bad.sum())} value(s) "
            f"that are not, first y[{i}] = {float(arr[i])!r}"
        )
    return arr


def as_class_labels(y: Any, n: int, K: int, *, soft: bool = True) -> Array:
    """Y (n, K): one-hot rows of integer labels in 0..K-1, or soft labels (n, K) if `soft`."""
    arr = as_real_array("y", y)
    if arr.ndim == 2 and soft:
        if arr.shape != (n, K):
            raise ValueError(
                f"y must have shape (n,) of class labels or (n, K) = ({n}, {K}) of soft labels; "
                f"got shape {arr.shape}"
            )
        outside = (arr < 0.0) | (arr > 1.0)
        if outside.any():
            i, k = (int(v) for v in np.argwhere(outside)[0])
            raise ValueError(
                f"y must hold soft labels in [0, 1]; got {int(outside.sum())} value(s) outside, "
                f"first y[{i}, {k}] = {float(arr[i, k])!r}"
            )
        sums = arr.sum(axis=1)
        off = np.abs(sums - 1.0) > SOFT_ROW_TOL
        if off.any():
            i = int(np.argmax(off))
            raise ValueError(
                f"y's soft-label rows must sum to 1 (within {SOFT_ROW_TOL:g}); got "
                f"{int(off.sum())} row(s) that do not, first row {i} summing to {float(sums[i])!r}"
            )
        return arr
    labels = as_integer_labels(arr, n)
    outside = labels > K - 1
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(
            f"y must hold class labels in 0..{K - 1} (K = {K} from W); got "
            f"{int(outside.sum())} value(s) outside, first y[{i}] = {float(labels[i])!r}"
        )
    return one_hot(labels, K)


def one_hot(labels: Array, K: int) -> Array:
    """Y (n, K) with Y[i, labels[i]] = 1 and zeros elsewhere."""
    Y = np.zeros((len(labels), K))
    Y[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
    return Y


def as_multinomial_problem(
    W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0
) -> tuple[Array, Array, Array, Array, float]:
    """Check the arguments of loss/gradient/hessian/hvp: returns (W, b, X, Y, l2), Y (n, K)."""
    X = as_features(X)
    n, d = X.shape
    W_, b_ = as_class_weights(W, b, d)
    return W_, b_, X, as_class_labels(y, n, W_.shape[1]), as_scalar("l2", l2, low=0.0)
