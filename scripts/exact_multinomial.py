"""The softmax model and its derivatives in 60-digit arithmetic (mpmath): the exact values that
`manual.multinomial` is judged against. Inputs are float64 numbers, converted to mpmath exactly.

60 digits cannot hold 1 - p_y = 5e-435 next to 1, nor exp(z) at z = 1e300; so the per-sample
terms are written with identities that hold for real numbers whatever the float code does:
everything is shifted by the row's largest logit z_m (softmax(z) = softmax(z - z_m)), so that
each exponential is exp(z_j - z_m) <= 1, and 1 - p_k is the sum of the other p_j."""

from __future__ import annotations

import mpmath
import numpy as np

DIGITS = 60


def _mp(x: float) -> mpmath.mpf:
    return mpmath.mpf(float(x))  # exact: every float64 is a 53-bit binary number


Vector = list[mpmath.mpf]


def per_sample(z: Vector, Y: Vector) -> tuple[Vector, Vector, mpmath.mpf, Vector, list[Vector]]:
    """(p, log p, l, dl/dz, d2l/dz2) of one sample's logits z (K,) and label row Y (K,), exactly:
    l = sum_k Y_k (-log p_k), dl/dz = p sum(Y) - Y, d2l/dz2 = sum(Y) (diag(p) - p p^T)."""
    K = len(z)
    with mpmath.workdps(DIGITS):
        zm = max(z)
        m = z.index(zm)
        e = [mpmath.exp(zk - zm) for zk in z]  # <= 1
        s = mpmath.fsum(e[j] for j in range(K) if j != m)
        log_S = mpmath.log1p(s)  # log sum_j exp(z_j - z_m), keeping a tiny s
        logp = [(zk - zm) - log_S for zk in z]
        p = [ek / (1 + s) for ek in e]
        q = [mpmath.fsum(p[j] for j in range(K) if j != k) for k in range(K)]  # 1 - p_k
        sY = mpmath.fsum(Y)
        l = mpmath.fsum(-Yk * lk for Yk, lk in zip(Y, logp, strict=True))
        r = [p[k] * (sY - Y[k]) - Y[k] * q[k] for k in range(K)]
        h = [[sY * (p[k] * q[k] if k == j else -p[k] * p[j]) for j in range(K)] for k in range(K)]
        return p, logp, l, r, h


def logits(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> list[list[mpmath.mpf]]:
    """Z_ik = sum_j X_ij W_jk + b_k, exactly."""
    with mpmath.workdps(DIGITS):
        return [
            [
                mpmath.fsum(_mp(x) * _mp(W[j, k]) for j, x in enumerate(row)) + _mp(b[k])
                for k in range(W.shape[1])
            ]
            for row in X
        ]


def objective(
    W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray, l2: float
) -> tuple[mpmath.mpf, list[mpmath.mpf], list[list[mpmath.mpf]]]:
    """(L, grad, H) exactly, in theta = np.vstack([W, b]).ravel() order; Y (n, K) label rows."""
    n, d = X.shape
    K = W.shape[1]
    size = (d + 1) * K
    with mpmath.workdps(DIGITS):
        Z = logits(W, b, X)
        X1 = [[_mp(v) for v in row] + [mpmath.mpf(1)] for row in X]
        terms = [per_sample(Z[i], [_mp(v) for v in Y[i]]) for i in range(n)]
        L = mpmath.fsum(t[2] for t in terms) / n
        L += _mp(l2) / 2 * mpmath.fsum(_mp(v) ** 2 for v in W.ravel())
        g = [
            mpmath.fsum(X1[i][a // K] * terms[i][3][a % K] for i in range(n)) / n
            for a in range(size)
        ]
        H = [
            [
                mpmath.fsum(
                    X1[i][a // K] * X1[i][c // K] * terms[i][4][a % K][c % K] for i in range(n)
                )
                / n
                for c in range(size)
            ]
            for a in range(size)
        ]
        for a in range(d * K):
            g[a] += _mp(l2) * _mp(W.ravel()[a])
            H[a][a] += _mp(l2)
        return L, g, H
