"""A gallery of wrong derivations of the softmax gradient, each a classic slip, for teaching what a
gradient check catches. Each function has the signature of `manual.multinomial.gradient` and
returns (grad_W (d, K), grad_b (K,)); its docstring's first line says what went wrong.

The correct gradient, for comparison:   dL/dW = X.T @ (P - Y) / n + l2 W,   dL/db = mean(P - Y)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual.checks import Array
from manual.multinomial import gradient as correct_gradient
from manual.multinomial import logits
from manual.multinomial import loss as correct_loss
from manual.multinomial_checks import as_multinomial_problem

Gradient = Callable[..., tuple[Array, Array]]


def no_max_subtraction(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """Wrote p = exp(z) / sum(exp(z)) without subtracting max(z): exp overflows past z = 709, and
    inf / inf gives NaN (a silent NaN: the overflow warning was switched off)."""
    W, b, X, Y, l2 = as_multinomial_problem(W, b, X, y, l2)
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(logits(X, W, b))
        P = E / E.sum(axis=1, keepdims=True)
    R = (P - Y) / len(Y)
    return X.T @ R + l2 * W, R.sum(axis=0)


def jacobian_diagonal_only(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """Chained dl/dp_y = -1 / p_y with the softmax Jacobian's diagonal p_k (1 - p_k) alone,
    forgetting -p_y p_k off it: dl/dz = -(1 - p_y) e_y, the +p_k of the other classes lost."""
    W, b, X, Y, l2 = as_multinomial_problem(W, b, X, y, l2)
    Z = logits(X, W, b)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    R = -Y * (1.0 - P) / len(Y)
    return X.T @ R + l2 * W, R.sum(axis=0)


def flattened_class_major(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """Flattened the gradient class by class ([W; b].T.ravel(): class k's d + 1 entries
    together) and read it back in the contract's order (feature j's K entries together): right
    numbers, wrong places."""
    gW, gb = correct_gradient(W, b, X, y, l2)
    K = gb.shape[0]
    wrong = np.vstack([gW, gb]).T.ravel().reshape(-1, K)
    return wrong[:-1], wrong[-1]


def redundant_class_dropped(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """Dropped the redundant class from the gradient (its column set to 0, as if it were fixed as
    the reference class) while the loss still moves it: half the parametrization of each."""
    gW, gb = correct_gradient(W, b, X, y, l2)
    gW, gb = gW.copy(), gb.copy()
    gW[:, -1], gb[-1] = 0.0, 0.0
    return gW, gb


def redundant_class_unpenalized(
    W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0
) -> tuple[Array, Array]:
    """Penalized K - 1 classes in the gradient (l2 W of the last, redundant class forgotten)
    while the loss penalizes all K: wrong wherever l2 > 0 and the last class's weights are not 0."""
    gW, gb = correct_gradient(W, b, X, y, l2)
    W_ = np.asarray(W, dtype=np.float64)
    gW = gW.copy()
    gW[:, -1] -= float(l2) * W_[:, -1]
    return gW, gb


@dataclass(frozen=True)
class Mistake:
    name: str
    gradient: Gradient
    what_went_wrong: str


GALLERY: list[Mistake] = [
    Mistake(fn.__name__, fn, " ".join((fn.__doc__ or "").split()))
    for fn in (
        no_max_subtraction,
        jacobian_diagonal_only,
        flattened_class_major,
        redundant_class_dropped,
        redundant_class_unpenalized,
    )
]


def flat(
    X: Any, y: Any, K: int, l2: float = 0.0, gradient: Gradient = correct_gradient
) -> tuple[Callable[[Array], float], Callable[[Array], Array]]:
    """(f, grad_f) on theta = np.vstack([W, b]).ravel() for `check_gradient`: f(theta) = L(W, b)."""
    d = np.asarray(X).reshape(len(y), -1).shape[1]
    _, _, X, Y, l2 = as_multinomial_problem(np.zeros((d, K)), np.zeros(K), X, y, l2)

    def f(theta: Array) -> float:
        coef = theta.reshape(d + 1, K)
        return correct_loss(coef[:-1], coef[-1], X, Y, l2)

    def grad_f(theta: Array) -> Array:
        coef = theta.reshape(d + 1, K)
        gW, gb = gradient(coef[:-1], coef[-1], X, Y, l2)
        return np.vstack([gW, gb]).ravel()

    return f, grad_f
