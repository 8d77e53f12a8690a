"""Standard errors of the fitted parameters, as statistics packages report them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from manual.binary import BinaryLoss
from manual.checks import Array, as_problem
from manual.linear import Centring, LinearObjective


def standard_errors(w: Any, b: Any, X: Any, y: Any) -> Array:
    """se = sqrt(diag(I^-1)), I = n * H0, H0 the Hessian of the unpenalized mean loss.

    The Fisher information of the log-likelihood sum_i [y_i z_i - log(1 + exp(z_i))] is
    X1.T @ diag(p (1 - p)) @ X1 = n * H0, and its inverse at the maximum-likelihood (w, b) is the
    asymptotic covariance of the estimate. Returns (d + 1,), ordered (w_1, ..., w_d, b).
    Raises ValueError where I is singular (collinear or constant columns, or separable data with
    p (1 - p) underflowing): those parameters are not identified.

    The errors transform exactly with each column's units and offset, as the estimate does: I is
    formed on the centred columns (x_j - mu_j) / c_j, c_j a power of 2 near max |x_j - mu_j| (so
    that the division is exact and no entry of I can overflow, at features of 1e155 or 1e-170),
    its rows and columns are scaled to a unit diagonal before it is inverted (and singularity is
    decided there, where a column's units no longer count), and the covariance is mapped back to
    (w, b) by the linear map between the two parametrizations: w_j = w'_j / c_j,
    b = b' - sum_j mu_j w'_j / c_j.
    """
    w, b, X, y, _ = as_problem(w, b, X, y, 0.0, soft=False)
    n, d = X.shape
    centring = Centring(X, (d + 1,))
    inner = centring.inward(np.append(w, b))
    if inner is None:
        raise ValueError("w and X give an intercept b + mean(X) @ w that overflows float64")
    Xc = centring.X
    top = np.max(np.abs(Xc), axis=0)
    # c_j = 2^k: x / c_j and w * c_j are exact (short of subnormal results)
    c = np.exp2(np.round(np.log2(np.where(top > 0, top, 1.0))))
    theta = np.append(inner[:-1] * c, inner[-1])
    info = n * LinearObjective(BinaryLoss, Xc / c, y, 0.0).hessian(theta)
    D = np.sqrt(np.diagonal(info))
    if not np.all(D > 0):
        # D_b^2 = n sum_i p_i (1 - p_i): zero only where every sample's curvature is, and then
        # every D_j is zero too (argmin would blame column 0); else a zero D_j is a constant column
        j = int(np.argmin(D))
        raise ValueError(
            "X, w and b give a singular Fisher information: "
            + ("p (1 - p) = 0 at every sample" if D[d] == 0 else f"column {j} of X is constant")
            + "; the standard errors are not defined"
        )
    S = info / D[:, None] / D[None, :]  # unit diagonal: |S_jk| <= 1
    lam = np.linalg.eigvalsh(S)
    if lam[0] <= S.shape[0] * np.finfo(np.float64).eps * lam[-1]:
        raise ValueError(
            "X, w and b give a singular Fisher information (smallest/largest eigenvalue of its "
            f"correlation form {lam[0]:.3e} / {lam[-1]:.3e}): collinear or constant columns, or "
            "p (1 - p) ~ 0 at every sample; the standard errors are not defined"
        )
    cov = np.linalg.inv(S) / D[:, None] / D[None, :]  # covariance of (w', b')
    # (w, b) = A (w', b'), A = [[diag(1 / c), 0], [-(mu / c)', 1]]: var(w_j) = var(w'_j) / c_j^2,
    # var(b) = a' cov a with a = (-mu / c, 1); the first as sqrt(var(w'_j)) / c_j, since c_j^2
    # alone can pass the largest float (or underflow) where the result does not
    a = np.append(-centring.mu / c, 1.0)
    with np.errstate(over="ignore"):  # refused just below
        se = np.append(np.sqrt(np.diagonal(cov)[:d]) / c, math.sqrt(max(float(a @ cov @ a), 0.0)))
    if not np.all(np.isfinite(se)):
        raise ValueError("X, w and b give standard errors that overflow float64")
    return se
