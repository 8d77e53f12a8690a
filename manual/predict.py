"""Predictions from fitted parameters: p = sigmoid(X @ w + b) and the label p >= threshold."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from manual.binary import logits
from manual.checks import Array, as_features, as_scalar, as_weights
from manual.sigmoid import _sigmoid


def predict_proba(X: Any, w: Any, b: Any) -> Array:
    """p = sigmoid(X @ w + b): the probability of label 1 for each sample, shape (n,)."""
    X = as_features(X)
    w = as_weights(w, X.shape[1])
    b = as_scalar("b", b)
    return _sigmoid(logits(w, b, X))


def predict(X: Any, w: Any, b: Any, threshold: Any = 0.5) -> NDArray[np.int64]:
    """Labels 1 where predict_proba(X, w, b) >= threshold, else 0: an int array of shape (n,)."""
    threshold = as_scalar("threshold", threshold, low=0.0, high=1.0)
    return (predict_proba(X, w, b) >= threshold).astype(np.int64)
