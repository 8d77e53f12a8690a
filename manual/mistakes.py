"""A gallery of wrong derivations of the gradient, each one a classic slip, for teaching what a
gradient check catches. Each function has the signature of `manual.gradient` and returns
(grad_w, grad_b); the one-line docstring says what went wrong in the derivation.

The correct gradient, for comparison:   dL/dw = X.T @ (p - y) / n + l2 * w,   dL/db = mean(p - y)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual.binary import BinaryLoss, logits
from manual.binary import gradient as correct_gradient
from manual.binary import loss as correct_loss
from manual.checks import Array, as_problem
from manual.sigmoid import _sigmoid, _sigmoid_prime

Gradient = Callable[[Any, Any, Any, Any, Any], tuple[Array, float]]


def _parts(
    w: Any, b: Any, X: Any, y: Any, l2: Any
) -> tuple[Array, float, Array, Array, float, Array]:
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    return w, b, X, y, l2, BinaryLoss.value_and_derivative(logits(w, b, X), y)[1]


def sum_instead_of_mean(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Differentiated sum_i l_i instead of mean_i l_i: every data term n times too large."""
    w, b, X, y, l2, r = _parts(w, b, X, y, l2)
    return X.T @ r + l2 * w, float(np.sum(r))


def bias_sign_flipped(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Wrote dL/db = mean(y - p): the sign of the intercept's gradient is flipped."""
    gw, gb = correct_gradient(w, b, X, y, l2)
    return gw, -gb


def extra_sigmoid_prime(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Kept the squared-error habit dL/dz = (p - y) p (1 - p); with cross-entropy, sigmoid'
    cancels."""
    w, b, X, y, l2, r = _parts(w, b, X, y, l2)
    z = logits(w, b, X)
    rs = r * _sigmoid_prime(z) / len(y)
    return X.T @ rs + l2 * w, float(np.sum(rs))


def penalty_twice(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Differentiated (l2 / 2) ||w||^2 as 2 l2 w, forgetting the 1/2."""
    gw, gb = correct_gradient(w, b, X, y, l2)
    return gw + as_problem(w, b, X, y, l2)[4] * np.asarray(w, dtype=np.float64), gb


def penalized_intercept(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Put the intercept in the penalty: dL/db gets an extra l2 * b."""
    gw, gb = correct_gradient(w, b, X, y, l2)
    return gw, gb + float(l2) * float(b)


def swapped_features(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Paired the gradient's entries with the wrong features (X reversed, as after a transpose
    mix-up): right numbers, wrong places."""
    w, b, X, y, l2, r = _parts(w, b, X, y, l2)
    return X[:, ::-1].T @ (r / len(y)) + l2 * w, float(np.mean(r))


def float32_gradient(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Computed in float32: right formula, but only ~7 digits (errors ~1e-8 relative and more)."""
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    X32, w32, y32 = X.astype(np.float32), w.astype(np.float32), y.astype(np.float32)
    z = X32 @ w32 + np.float32(b)
    with np.errstate(over="ignore"):  # exp(-z) = inf past z = -88.7: p = 1 / inf = 0, its limit
        p = np.float32(1) / (np.float32(1) + np.exp(-z))
    r = (p - y32) / np.float32(len(y))
    gw = X32.T @ r + np.float32(l2) * w32
    return gw.astype(np.float64), float(np.sum(r, dtype=np.float32))


def flushed_sigmoid(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Used the "stable" sigmoid 1 - 1 / (1 + exp(z)) for z < 0, which cancels: its tail below
    z ~ -37 flushes to 0, so well-classified points of label 0 vanish from the gradient."""
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    z = logits(w, b, X)
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0 / (1.0 + e), 1.0 - 1.0 / (1.0 + e))
    # for y = 1 the right residual is -sigmoid(-z), kept exact; the slip is in p alone
    r = np.where(y == 1.0, -_sigmoid(-z), p - y) / len(y)
    return X.T @ r + l2 * w, float(np.sum(r))


@dataclass(frozen=True)
class Mistake:
    name: str
    gradient: Gradient
    what_went_wrong: str


GALLERY: list[Mistake] = [
    Mistake(fn.__name__, fn, (fn.__doc__ or "").split("\n\n")[0].replace("\n", " "))
    for fn in (
        sum_instead_of_mean,
        bias_sign_flipped,
        extra_sigmoid_prime,
        penalty_twice,
        penalized_intercept,
        swapped_features,
        float32_gradient,
        flushed_sigmoid,
    )
]


def flat(
    X: Any, y: Any, l2: float = 0.0, gradient: Gradient = correct_gradient
) -> tuple[Callable[[Array], float], Callable[[Array], Array]]:
    """(f, grad_f) on theta = (w_1, ..., w_d, b) for `check_gradient`: f(theta) = L(w, b)."""
    d = np.asarray(X).reshape(len(y), -1).shape[1]
    _, _, X, y, l2 = as_problem(np.zeros(d), 0.0, X, y, l2)

    def f(theta: Array) -> float:
        return correct_loss(theta[:-1], float(theta[-1]), X, y, l2)

    def grad_f(theta: Array) -> Array:
        gw, gb = gradient(theta[:-1], float(theta[-1]), X, y, l2)
        return np.append(gw, gb)

    return f, grad_f
