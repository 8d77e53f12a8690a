"""The objective and its derivatives in 60-digit arithmetic (mpmath): the exact values that the
float64 code is judged against. Inputs are float64 numbers, converted to mpmath exactly.

60 digits hold any float64 sum exactly enough, but not 1 - sigmoid(1000) = 5e-435 next to 1; so the
per-sample terms use the identities of exact arithmetic 1 - sigmoid(z) = sigmoid(-z) and
softplus(z) - z = softplus(-z), which hold for real numbers whatever the float code does."""

from __future__ import annotations

import mpmath
import numpy as np

DIGITS = 60


def _mp(x: float) -> mpmath.mpf:
    return mpmath.mpf(float(x))  # exact: every float64 is a 53-bit binary number


def sigmoid(z: float) -> mpmath.mpf:
    with mpmath.workdps(DIGITS):
        return 1 / (1 + mpmath.exp(-_mp(z)))


def softplus(z: float) -> mpmath.mpf:
    with mpmath.workdps(DIGITS):
        return mpmath.log1p(mpmath.exp(_mp(z)))


def logits(w: np.ndarray, b: float, X: np.ndarray) -> list[mpmath.mpf]:
    """z_i = sum_j X_ij w_j + b, exactly."""
    with mpmath.workdps(DIGITS):
        return [
            mpmath.fsum(_mp(x) * _mp(wj) for x, wj in zip(row, w, strict=True)) + _mp(b)
            for row in X
        ]


def objective(
    w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, l2: float
) -> tuple[mpmath.mpf, list[mpmath.mpf], list[list[mpmath.mpf]]]:
    """(L, grad, H) exactly, grad and H in the order (w_1, ..., w_d, b)."""
    X = np.asarray(X, dtype=np.float64).reshape(len(y), -1)
    n, d = X.shape
    with mpmath.workdps(DIGITS):
        z = logits(w, b, X)
        X1 = [[_mp(v) for v in row] + [mpmath.mpf(1)] for row in X]
        yy = [_mp(v) for v in y]
        sp = [mpmath.log1p(mpmath.exp(zi)) for zi in z]  # softplus(z)
        sm = [mpmath.log1p(mpmath.exp(-zi)) for zi in z]  # softplus(-z) = softplus(z) - z
        L = mpmath.fsum((1 - yi) * a + yi * c for a, c, yi in zip(sp, sm, yy, strict=True))
        L = L / n + _mp(l2) / 2 * mpmath.fsum(_mp(v) ** 2 for v in w)
        p = [1 / (1 + mpmath.exp(-zi)) for zi in z]
        q = [1 / (1 + mpmath.exp(zi)) for zi in z]  # 1 - p = sigmoid(-z)
        r = [(1 - yi) * pi - yi * qi for pi, qi, yi in zip(p, q, yy, strict=True)]
        s = [pi * qi for pi, qi in zip(p, q, strict=True)]
        g = [mpmath.fsum(X1[i][j] * r[i] for i in range(n)) / n for j in range(d + 1)]
        H = [
            [mpmath.fsum(X1[i][j] * X1[i][k] * s[i] for i in range(n)) / n for k in range(d + 1)]
            for j in range(d + 1)
        ]
        for j in range(d):
            g[j] += _mp(l2) * _mp(w[j])
            H[j][j] += _mp(l2)
        return L, g, H
