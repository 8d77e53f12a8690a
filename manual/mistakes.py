"""A gallery of wrong derivations of the gradient, each one a classic slip, for teaching what a
gradient check catches. Each function has the signature of `manual.gradient` and returns
(grad_w, grad_b); the one-line docstring says what went wrong in the derivation.

The correct gradient, for comparison:   dL/dw = X.T @ (p - y) / n + l2 * w,   dL/db = mean(p - y)

Each slip is built from the public functions and the exact per-sample forms of `manual.binary`,
so that it is the right gradient changed in the one place its docstring names. `data` and
`far_data` are the data sets on which the gallery is shown (scripts/gradcheck.py, the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual import gradient as correct_gradient
from manual import loss, sigmoid
from manual.binary import BinaryLoss, logits
from manual.checks import Array, as_problem

Gradient = Callable[[Any, Any, Any, Any, Any], tuple[Array, float]]


def _data_part(w: Array, b: float, X: Array, y: Array) -> tuple[Array, float]:
    """The data term of the gradient, (X.T @ (p - y) / n, mean(p - y)): the gradient at l2 = 0."""
    return correct_gradient(w, b, X, y, 0.0)


def _residual(w: Array, b: float, X: Array, y: Array) -> Array:
    """p - y, (n,), in the exact form of `manual.binary.BinaryLoss` (nothing cancels)."""
    return BinaryLoss.value_and_derivative(logits(w, b, X), y)[1]


def sum_instead_of_mean(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Differentiated sum_i l_i instead of mean_i l_i: every data term n times too large."""
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    n = len(y)
    gw, gb = _data_part(w, b, X, y)
    return n * gw + l2 * w, n * gb


def bias_sign_flipped(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Wrote dL/db = mean(y - p): the sign of the intercept's gradient is flipped."""
    gw, gb = correct_gradient(w, b, X, y, l2)
    return gw, -gb


def residual_flipped(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Wrote dl/dz = y - p for p - y: the sign of the whole data term is flipped (gradient
    ascent on the likelihood's side, the penalty's l2 w kept)."""
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    gw, gb = _data_part(w, b, X, y)
    return -gw + l2 * w, -gb


def extra_sigmoid_prime(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Kept the squared-error habit dL/dz = (p - y) p (1 - p); with cross-entropy, sigmoid'
    cancels."""
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    rs = _residual(w, b, X, y) * BinaryLoss.curvature(logits(w, b, X), y) / len(y)  # p (1 - p)
    return X.T @ rs + l2 * w, float(np.sum(rs))


def penalty_twice(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Differentiated (l2 / 2) ||w||^2 as 2 l2 w, forgetting the 1/2."""
    gw, gb = correct_gradient(w, b, X, y, l2)
    return gw + as_problem(w, b, X, y, l2)[4] * np.asarray(w, dtype=np.float64), gb


def forgot_penalty(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Left out the penalty's derivative l2 w: the gradient of the unpenalized loss."""
    w, b, X, y, _ = as_problem(w, b, X, y, l2)
    return _data_part(w, b, X, y)


def penalized_intercept(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Put the intercept in the penalty: dL/db gets an extra l2 * b."""
    gw, gb = correct_gradient(w, b, X, y, l2)
    return gw, gb + float(l2) * float(b)


def swapped_features(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """Paired the gradient's entries with the wrong features (X reversed, as after a transpose
    mix-up): right numbers, wrong places."""
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    gw, gb = _data_part(w, b, X, y)  # X[:, ::-1].T @ r / n is X.T @ r / n reversed
    return gw[::-1] + l2 * w, gb


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
    r = np.where(y == 1.0, -sigmoid(-z), p - y) / len(y)
    return X.T @ r + l2 * w, float(np.sum(r))


@dataclass(frozen=True)
class Mistake:
    name: str
    gradient: Gradient
    what_went_wrong: str


GALLERY: list[Mistake] = [
    Mistake(fn.__name__, fn, " ".join((fn.__doc__ or "").split("\n\n")[0].split()))
    for fn in (
        sum_instead_of_mean,
        bias_sign_flipped,
        residual_flipped,
        extra_sigmoid_prime,
        penalty_twice,
        forgot_penalty,
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
        return loss(theta[:-1], float(theta[-1]), X, y, l2)

    def grad_f(theta: Array) -> Array:
        gw, gb = gradient(theta[:-1], float(theta[-1]), X, y, l2)
        return np.append(gw, gb)

    return f, grad_f


def data(seed: int = 1, n: int = 120, d: int = 3) -> tuple[Array, Array]:
    """Overlapping classes, columns of scales 1, 3 and 0.3 (then 1 for any further column)."""
    rng = np.random.default_rng(seed)
    scales = np.array([1.0, 3.0, 0.3] + [1.0] * max(d - 3, 0))[:d]
    X = rng.standard_normal((n, d)) * scales
    y = (rng.random(n) < sigmoid(X @ rng.standard_normal(d) + 0.2)).astype(float)
    return X, y


def far_data(seed: int = 0) -> tuple[Array, Array, Array]:
    """(X, y, theta): every point classified right by a logit margin > 40 at theta = (60, -50,
    40, 0); the tail of the sigmoid is all there is, and the loss is ~1e-18."""
    rng = np.random.default_rng(seed)
    w = np.array([60.0, -50.0, 40.0])
    X = rng.uniform(-1, 1, (400, 3))
    X = X[np.abs(X @ w) > 40][:60]
    return X, (X @ w > 0).astype(float), np.append(w, 0.0)
