"""The data sets on which gradient checks are tried, shared by tests/test_gradcheck.py and
scripts/gradcheck.py."""

from __future__ import annotations

import numpy as np

import manual


def data(seed: int = 1, n: int = 120, d: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping classes, columns of scales 1, 3 and 0.3."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * [1.0, 3.0, 0.3][:d]
    y = (rng.random(n) < manual.sigmoid(X @ rng.standard_normal(d) + 0.2)).astype(float)
    return X, y


def far_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, theta): every point classified right by a logit margin > 40 at theta = (60, -50,
    40, 0); the tail of the sigmoid is all there is, and the loss is ~1e-18."""
    rng = np.random.default_rng(seed)
    w = np.array([60.0, -50.0, 40.0])
    X = rng.uniform(-1, 1, (400, 3))
    X = X[np.abs(X @ w) > 40][:60]
    return X, (X @ w > 0).astype(float), np.append(w, 0.0)
