"""The objective and its first and second derivatives, derived by hand.

Conventions
-----------
    X : (n, d)    y : (n,)    w : (d,)    b : float    X1 = [X, 1] : (n, d + 1)
    z = X @ w + b                                  logits, (n,)
    p = sigmoid(z)                                 probabilities, (n,)
    L(w, b) = mean_i [ softplus(z_i) - y_i z_i ] + (l2 / 2) ||w||^2

Derivation (one line a step; the README's derivation has the words):
    dl_i/dz_i   = sigmoid(z_i) - y_i = p_i - y_i                      (softplus' = sigmoid)
    dL/dw       = X.T @ (p - y) / n + l2 * w                          (chain rule, dz_i/dw = X_i)
    dL/db       = mean(p - y)                                         (dz_i/db = 1; no penalty)
    d2l_i/dz_i2 = p_i (1 - p_i)                                       (sigmoid' = p (1 - p))
    H           = X1.T @ diag(p (1 - p)) @ X1 / n + l2 * diag(1, ..., 1, 0)

Every per-sample quantity below is computed in a form in which nothing cancels, so that it is exact
to a few ulps of float64 given z; the identity that makes each form exact is stated beside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from manual.checks import Array, as_problem, check_logits, check_loss
from manual.sigmoid import _sigmoid, _sigmoid_prime, _softplus


def _logits(w: Array, b: float, X: Array) -> Array:
    """z = X @ w + b, (n,); refuses logits that overflow float64."""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        z = X @ w + b
    return check_logits(z)


def _per_sample_loss(z: Array, y: Array) -> Array:
    """l_i = softplus(z_i) - y_i z_i, (n,), every element >= 0 and exact to a few ulps."""
    # softplus(z) - y z = (1 - y) softplus(z) + y softplus(-z)   [softplus(z) - z = softplus(-z)]
    # Both terms are >= 0, so nothing cancels: at y = 1, z = 40 the textbook form computes
    # (40 + 4.2e-18) - 40 = 0, this one softplus(-40) = 4.2e-18 to the last digit.
    return (1.0 - y) * _softplus(z) + y * _softplus(-z)


def _residual(z: Array, y: Array) -> Array:
    """dl_i/dz_i = p_i - y_i, (n,); exact to a few ulps for 0/1 labels."""
    # p - y = (1 - y) sigmoid(z) - y sigmoid(-z), since 1 - sigmoid(z) = sigmoid(-z).
    # For y in {0, 1} one term is 0 and the other is one accurate sigmoid: at y = 1, z = 40 the
    # textbook p - y rounds to 1 - 1 = 0, this one gives -sigmoid(-40) = -4.2e-18.
    # (For soft labels the two terms can cancel; the error is then a few ulps of max(p, y).)
    return (1.0 - y) * _sigmoid(z) - y * _sigmoid(-z)


def _mean(v: Array) -> float:
    # sum(v / n) rather than sum(v) / n: the sum of n values near the largest float overflows.
    return float(np.sum(v / v.shape[0]))


def _penalty(w: Array, l2: float) -> float:
    """(l2 / 2) ||w||^2, refused if it overflows float64."""
    if l2 == 0.0:
        return 0.0
    # ||w||^2 = m^2 ||w / m||^2 with m = max|w|: the scaled sum cannot overflow
    m = float(np.max(np.abs(w)))
    if m == 0.0:
        return 0.0
    v = w / m
    return check_loss(0.5 * l2 * m * m * float(np.dot(v, v)), w, l2)


def _loss_at(z: Array, w: Array, y: Array, l2: float) -> float:
    """L given the logits z."""
    return _mean(_per_sample_loss(z, y)) + _penalty(w, l2)


def _gradient_at(z: Array, w: Array, X: Array, y: Array, l2: float) -> tuple[Array, float]:
    """(dL/dw, dL/db) given the logits z."""
    n = X.shape[0]
    # dL/dz_i = (p_i - y_i) / n
    r = _residual(z, y) / n
    # dL/dw = X.T @ dL/dz + l2 * w ;  dL/db = sum_i dL/dz_i
    return X.T @ r + l2 * w, float(np.sum(r))


def _hessian_at(z: Array, X: Array, l2: float) -> Array:
    """H given the logits z."""
    n, d = X.shape
    # d2L/dz_i2 = p_i (1 - p_i) / n >= 0
    s = _sigmoid_prime(z) / n
    # hess = (X, 1)' @ diag(s) @ (X, 1) = B.T @ B with B = sqrt(s) * (X, 1): a Gram matrix, so
    # positive semi-definite by construction.
    B = np.sqrt(s)[:, None] * np.column_stack([X, np.ones(n)])
    H = B.T @ B
    # make it symmetric to the last bit, whatever order the matrix product summed in
    H = 0.5 * (H + H.T)
    # the penalty (l2 / 2) ||w||^2 adds l2 to the w-block's diagonal, nothing for b
    H[np.arange(d), np.arange(d)] += l2
    return H


def loss(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    """L(w, b) = mean_i [ log(1 + exp(z_i)) - y_i z_i ] + (l2 / 2) ||w||^2, z = X @ w + b.

    Mean binary cross-entropy from the logits, plus an L2 penalty on w (never on b). y may hold
    soft labels in [0, 1]. Returns a float, within a few ulps of the exact value given z, for every
    finite z (no overflow at |z| = 1e300; tiny losses such as 1e-20 keep all their digits).
    """
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    return _loss_at(_logits(w, b, X), w, y, l2)


def gradient(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """(dL/dw, dL/db) = (X.T @ (p - y) / n + l2 * w,  mean(p - y)),  p = sigmoid(X @ w + b).

    Returns `(grad_w, grad_b)`: a float64 array of shape (d,) and a float.
    """
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    return _gradient_at(_logits(w, b, X), w, X, y, l2)


def hessian(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> Array:
    """H = X1.T @ diag(p (1 - p)) @ X1 / n + l2 * diag(1, ..., 1, 0),  X1 = [X, 1].

    Returns a float64 array of shape (d + 1, d + 1), parameters ordered (w_1, ..., w_d, b),
    exactly symmetric and positive semi-definite. It does not depend on y.
    """
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    return _hessian_at(_logits(w, b, X), X, l2)
