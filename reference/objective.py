"""The objective in jax.numpy, written once; its gradient and Hessian come from autodiff alone.

    z = X @ w + b
    L(w, b) = mean_i [ log(1 + exp(z_i)) - y_i z_i ] + (l2 / 2) ||w||^2

`logaddexp(0, z)` is log(1 + exp(z)) without overflow. The formula is the textbook one on purpose:
autodiff differentiates exactly what is written, so where `softplus(z) - y z` cancels (y = 1 and a
large z) the loss, its gradient and its Hessian lose the same digits (see the README's accuracy
table); `manual` is the side that avoids the cancellation.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from manual.checks import (
    Array,
    as_problem,
    as_scalar,
    as_weights,
    check_finite,
    check_logits,
    check_loss,
)


def _loss(w: jax.Array, b: jax.Array, X: jax.Array, y: jax.Array, l2: jax.Array) -> jax.Array:
    z = X @ w + b
    # (l2 / 2) ||w||^2 written as ||sqrt(l2) w||^2 / 2, so that l2 = 0 gives 0, not 0 * inf, at
    # weights near 1e200; l2 may be one value a feature, (d,) (`fit` on scaled columns)
    return jnp.mean(jnp.logaddexp(0.0, z) - y * z) + 0.5 * jnp.sum((jnp.sqrt(l2) * w) ** 2)


def _loss_theta(theta: jax.Array, X: jax.Array, y: jax.Array, l2: jax.Array) -> jax.Array:
    # theta = (w_1, ..., w_d, b): the parameter order of the Hessian
    return _loss(theta[:-1], theta[-1], X, y, l2)


_loss_jit = jax.jit(_loss)
_grad_jit = jax.jit(jax.grad(_loss, argnums=(0, 1)))
_hess_jit = jax.jit(jax.hessian(_loss_theta))
# forward over reverse: the directional derivative (jvp) of the gradient (grad) along u is H u,
# at the cost of about two gradients, without forming H
_hvp_jit = jax.jit(
    lambda theta, u, X, y, l2: jax.jvp(
        lambda t: jax.grad(_loss_theta)(t, X, y, l2), (theta,), (u,)
    )[1]
)
_value_and_grad_theta_jit = jax.jit(jax.value_and_grad(_loss_theta))
_logits_jit = jax.jit(lambda w, b, X: X @ w + b)


def _checked(w: Any, b: Any, X: Any, y: Any, l2: Any) -> tuple[Array, float, Array, Array, float]:
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    # the same refusal as `manual` for logits that overflow float64
    check_logits(np.asarray(_logits_jit(w, b, X)))
    return w, b, X, y, l2


def loss(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    """L(w, b) in jax.numpy; a float."""
    w, b, X, y, l2 = _checked(w, b, X, y, l2)
    return check_loss(float(_loss_jit(w, b, X, y, l2)), w, l2)


def gradient(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """(dL/dw, dL/db) by jax.grad of `loss`: an array of shape (d,) and a float."""
    w, b, X, y, l2 = _checked(w, b, X, y, l2)
    grad_w, grad_b = _grad_jit(w, jnp.float64(b), X, y, l2)
    # the same refusal as `manual` where a derivative overflows float64
    g = check_finite("gradient", np.append(np.asarray(grad_w, dtype=np.float64), grad_b))
    return g[:-1], float(g[-1])


def hvp(w: Any, b: Any, X: Any, y: Any, v: Any, c: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """H (v, c) by jax.jvp of jax.grad of `loss` (forward over reverse), never forming H:
    an array of shape (d,) and a float."""
    w, b, X, y, l2 = _checked(w, b, X, y, l2)
    d = X.shape[1]
    v_ = as_weights(v, d, name="v")
    c_ = as_scalar("c", c)
    Hu = np.asarray(_hvp_jit(np.append(w, b), np.append(v_, c_), X, y, l2), dtype=np.float64)
    check_finite("Hessian-vector product", Hu)
    return Hu[:-1], float(Hu[-1])


def hessian(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> Array:
    """d2L/dtheta2 by jax.hessian of `loss`, theta = (w_1, ..., w_d, b): shape (d + 1, d + 1)."""
    w, b, X, y, l2 = _checked(w, b, X, y, l2)
    theta = np.append(w, b)
    return check_finite("Hessian", np.asarray(_hess_jit(theta, X, y, l2), dtype=np.float64))
