"""Training with the JAX twin's derivatives, through the same driver and update rules as
`manual.fit`: only the loss, gradient, Hessian and Hessian-vector product differ (jax autodiff)."""

from __future__ import annotations

import numpy as np

from manual.checks import Array, check_finite
from manual.fit import make_fit
from reference.objective import _hess_jit, _hvp_jit, _value_and_grad_theta_jit


class AutodiffObjective:
    """The JAX loss and its autodiff derivatives on one data set, as functions of theta = (w, b).
    l2: a float, or one a feature, (d,) (`manual.linear.Centring` on scaled columns)."""

    def __init__(self, X: Array, y: Array, l2: float | Array) -> None:
        self.X, self.y, self.l2 = X, y, l2

    def loss_and_gradient(self, theta: Array) -> tuple[float, Array]:
        f, g = _value_and_grad_theta_jit(theta, self.X, self.y, self.l2)
        f, g = float(f), np.asarray(g, dtype=np.float64)
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            # the same refusal as `manual` where the logits or the penalty overflow float64
            raise ValueError("X, w and b give logits or a loss that overflow float64")
        return f, g

    def hessian(self, theta: Array) -> Array:
        H = np.asarray(_hess_jit(theta, self.X, self.y, self.l2), dtype=np.float64)
        return check_finite("Hessian", H)

    def hvp(self, theta: Array, u: Array) -> Array:
        Hu = np.asarray(_hvp_jit(theta, u, self.X, self.y, self.l2), dtype=np.float64)
        return check_finite("Hessian-vector product", Hu)


fit = make_fit(AutodiffObjective)
fit.__doc__ = "`manual.fit` with the derivatives from autodiff; same arguments, same FitResult."
