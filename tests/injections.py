"""Plausible derivation mistakes, injected into the public functions of `manual` the way a
careless edit would: each replaces one public function for a whole test session
(LOGREG_INJECT=name, read by tests/conftest.py). tests/test_injected_mistakes.py asserts that the
suite fails on every one of them.

Some are wrong everywhere, some only by a tiny relative amount, some only in one block of the
Hessian, some only in extreme regions (huge logits, well-classified points).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import manual
from manual import mistakes
from manual.checks import as_problem

ORIGINAL = {name: getattr(manual, name) for name in manual.__all__}


def _wrap_gradient(change: Callable[..., tuple[np.ndarray, float]]) -> Callable[..., Any]:
    return lambda w, b, X, y, l2=0.0: change(w, b, X, y, l2)


def _scaled_gradient(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[np.ndarray, float]:
    gw, gb = ORIGINAL["gradient"](w, b, X, y, l2)
    return gw * (1 + 1e-10), gb  # wrong by one part in 1e10


def _hessian_corner(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> np.ndarray:
    H = ORIGINAL["hessian"](w, b, X, y, l2).copy()
    H[:-1, -1] *= 1 + 1e-9  # only the w-b block, and only by 1e-9
    H[-1, :-1] = H[:-1, -1]
    return H


def _hessian_naive_curvature(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> np.ndarray:
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    n, d = X.shape
    p = manual.sigmoid(X @ w + b)
    s = p * (1 - p) / n  # cancels for z > 37: wrong only on well-classified points
    X1 = np.column_stack([X, np.ones(n)])
    H = X1.T @ (X1 * s[:, None])
    H = 0.5 * (H + H.T)
    H[np.arange(d), np.arange(d)] += l2
    return H


def _hessian_penalized_intercept(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> np.ndarray:
    H = ORIGINAL["hessian"](w, b, X, y, l2).copy()
    H[-1, -1] += float(l2)
    return H


def _loss_textbook(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    z = X @ w + b
    softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(softplus - y * z) + 0.5 * l2 * (w @ w))  # cancels at y = 1, z > 37


def _loss_sum(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    n = np.asarray(y).shape[0]
    penalty = 0.5 * float(l2) * float(np.dot(w, w)) if l2 else 0.0
    return n * (ORIGINAL["loss"](w, b, X, y, 0.0)) + penalty


def _loss_tiny(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    return ORIGINAL["loss"](w, b, X, y, l2) * (1 + 1e-11)


def _sigmoid_flushed(z: Any) -> np.ndarray:
    p = ORIGINAL["sigmoid"](z)
    return np.where(np.asarray(z) < -30, 0.0, p)


def _sigmoid_naive(z: Any) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))  # overflows (and warns) for z < -709


def _predict_strict(X: Any, w: Any, b: Any, threshold: Any = 0.5) -> np.ndarray:
    return (ORIGINAL["predict_proba"](X, w, b) > threshold).astype(np.int64)


def _predict_proba_flipped(X: Any, w: Any, b: Any) -> np.ndarray:
    return 1.0 - ORIGINAL["predict_proba"](X, w, b)


def _standard_errors_without_n(w: Any, b: Any, X: Any, y: Any) -> np.ndarray:
    n = np.asarray(y).shape[0]
    return ORIGINAL["standard_errors"](w, b, X, y) * np.sqrt(n)  # inverse of H, not of n H


def _fit_ignoring_l2(X: Any, y: Any, **kwargs: Any) -> Any:
    kwargs["l2"] = 0.0
    return ORIGINAL["fit"](X, y, **kwargs)


def _fit_off_by_one(X: Any, y: Any, **kwargs: Any) -> Any:
    res = ORIGINAL["fit"](X, y, **kwargs)
    from dataclasses import replace

    return replace(res, losses=np.append(res.losses[1:], res.losses[-1]))  # misaligned record


INJECTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
    **{f"gradient:{m.name}": ("gradient", _wrap_gradient(m.gradient)) for m in mistakes.GALLERY},
    "gradient:off by 1e-10": ("gradient", _scaled_gradient),
    "hessian:w-b block off by 1e-9": ("hessian", _hessian_corner),
    "hessian:naive p(1-p)": ("hessian", _hessian_naive_curvature),
    "hessian:penalized intercept": ("hessian", _hessian_penalized_intercept),
    "loss:textbook softplus(z) - y z": ("loss", _loss_textbook),
    "loss:sum instead of mean": ("loss", _loss_sum),
    "loss:off by 1e-11": ("loss", _loss_tiny),
    "sigmoid:tail flushed below -30": ("sigmoid", _sigmoid_flushed),
    "sigmoid:naive 1 / (1 + exp(-z))": ("sigmoid", _sigmoid_naive),
    "predict:p > threshold": ("predict", _predict_strict),
    "predict_proba:1 - p": ("predict_proba", _predict_proba_flipped),
    "standard_errors:inverse of H, not n H": ("standard_errors", _standard_errors_without_n),
    "fit:ignores l2": ("fit", _fit_ignoring_l2),
    "fit:losses off by one iterate": ("fit", _fit_off_by_one),
}


def apply(name: str) -> None:
    """Replace one public function of `manual` for the rest of the process."""
    attribute, wrong = INJECTIONS[name]
    setattr(manual, attribute, wrong)
