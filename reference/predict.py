"""Predictions with jax.nn.sigmoid, returned as NumPy arrays."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from numpy.typing import NDArray

from manual.checks import Array, as_features, as_scalar, as_weights, check_logits
from reference.objective import _logits_jit

_proba_jit = jax.jit(lambda X, w, b: jax.nn.sigmoid(X @ w + b))


def predict_proba(X: Any, w: Any, b: Any) -> Array:
    """p = sigmoid(X @ w + b) by jax.nn.sigmoid; shape (n,)."""
    X = as_features(X)
    w = as_weights(w, X.shape[1])
    b = as_scalar("b", b)
    check_logits(np.asarray(_logits_jit(w, b, X)))
    return np.asarray(_proba_jit(X, w, b), dtype=np.float64)


def predict(X: Any, w: Any, b: Any, threshold: Any = 0.5) -> NDArray[np.int64]:
    """Labels 1 where predict_proba(X, w, b) >= threshold, else 0; an int array of shape (n,)."""
    threshold = as_scalar("threshold", threshold, low=0.0, high=1.0)
    return (predict_proba(X, w, b) >= threshold).astype(np.int64)
