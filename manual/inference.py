"""Standard errors of the fitted parameters, as statistics packages report them."""

from __future__ import annotations

from typing import Any

import numpy as np

from manual.binary import BinaryLoss
from manual.checks import Array, as_problem
from manual.linear import LinearObjective


def standard_errors(w: Any, b: Any, X: Any, y: Any) -> Array:
    """se = sqrt(diag(I^-1)), I = n * H0, H0 the Hessian of the unpenalized mean loss.

    The Fisher information of the log-likelihood sum_i [y_i z_i - log(1 + exp(z_i))] is
    X1.T @ diag(p (1 - p)) @ X1 = n * H0, and its inverse at the maximum-likelihood (w, b) is the
    asymptotic covariance of the estimate. Returns (d + 1,), ordered (w_1, ..., w_d, b).
    Raises ValueError where I is singular (collinear columns, or separable data with p (1 - p)
    underflowing): those parameters are not identified.
    """
    w, b, X, y, _ = as_problem(w, b, X, y, 0.0, soft=False)
    n = X.shape[0]
    info = n * LinearObjective(BinaryLoss, X, y, 0.0).hessian(np.append(w, b))
    lam = np.linalg.eigvalsh(info)
    if lam[0] <= info.shape[0] * np.finfo(np.float64).eps * lam[-1]:
        raise ValueError(
            "X, w and b give a singular Fisher information (smallest/largest eigenvalue "
            f"{lam[0]:.3e} / {lam[-1]:.3e}): collinear or constant columns, or p (1 - p) ~ 0 at "
            "every sample; the standard errors are not defined"
        )
    return np.sqrt(np.diag(np.linalg.inv(info)))
