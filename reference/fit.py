"""Training with the JAX twin's derivatives, through the same driver and update rules as
`manual.fit`: only the loss, gradient and Hessian differ (jax.value_and_grad, jax.hessian)."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from manual.checks import Array
from manual.fit import Callback, FitResult, fit_model
from reference.objective import _hess_jit, _loss

# the Hessian is reference.objective's own compiled function (one compilation per shape); only
# the fused value-and-gradient is new here
_value_and_grad_jit = jax.jit(jax.value_and_grad(_loss, argnums=(0, 1)))


class _Objective:
    """The JAX loss and its autodiff derivatives on one data set, as functions of (w, b)."""

    def __init__(self, X: Array, y: Array, l2: float) -> None:
        self.X, self.y, self.l2 = X, y, l2

    def loss_and_gradient(self, w: Array, b: float) -> tuple[float, Array, float]:
        f, (gw, gb) = _value_and_grad_jit(w, np.float64(b), self.X, self.y, self.l2)
        return float(f), np.asarray(gw, dtype=np.float64), float(gb)

    def hessian(self, w: Array, b: float) -> Array:
        theta = np.append(w, b)
        return np.asarray(_hess_jit(theta, self.X, self.y, self.l2), dtype=np.float64)


def fit(
    X: Any,
    y: Any,
    *,
    solver: str = "gd",
    lr: float | None = None,
    max_iter: int = 1000,
    tol: float = 1e-8,
    l2: float = 0.0,
    w0: Any = None,
    b0: float = 0.0,
    callback: Callback | None = None,
) -> FitResult:
    """`manual.fit` with the derivatives from autodiff; same arguments, same FitResult."""
    return fit_model(
        _Objective,
        X,
        y,
        solver=solver,
        lr=lr,
        max_iter=max_iter,
        tol=tol,
        l2=l2,
        w0=w0,
        b0=b0,
        callback=callback,
    )
