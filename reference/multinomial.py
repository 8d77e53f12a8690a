"""The JAX twin of `manual.multinomial`: the softmax loss written once in jax.numpy, every
derivative by autodiff.

    Z = X @ W + b                                     (n, K)
    L(W, b) = mean_i sum_k Y_ik (logsumexp(Z_i) - Z_ik) + (l2 / 2) ||W||_F^2

`jax.nn.logsumexp` subtracts the max before exponentiating, so nothing overflows; but the
difference logsumexp(z) - z_y is the textbook one, and cancels to 0 where class y wins by more
than ~37: autodiff differentiates exactly what is written, so the twin's loss, gradient and
Hessian lose those digits, and `manual` is the side that keeps them.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import NDArray

from manual.checks import Array, as_features, as_real_array, check_logits, check_loss
from manual.multinomial import MultinomialFitResult, make_fit
from manual.multinomial_checks import as_class_weights, as_direction, as_multinomial_problem


def _loss(W: jax.Array, b: jax.Array, X: jax.Array, Y: jax.Array, l2: jax.Array) -> jax.Array:
    Z = X @ W + b
    lse = jax.nn.logsumexp(Z, axis=1, keepdims=True)
    # (l2 / 2) ||W||^2 as ||sqrt(l2) W||^2 / 2: l2 = 0 gives 0, not 0 * inf, at huge weights;
    # l2 may be one value a feature, (d, 1) (`fit` on scaled columns)
    return jnp.mean(jnp.sum(Y * (lse - Z), axis=1)) + 0.5 * jnp.sum((jnp.sqrt(l2) * W) ** 2)


def _loss_theta(theta: jax.Array, X: jax.Array, Y: jax.Array, l2: jax.Array) -> jax.Array:
    # theta = np.vstack([W, b]).ravel(): the contract's parameter order
    coef = theta.reshape(X.shape[1] + 1, Y.shape[1])
    return _loss(coef[:-1], coef[-1], X, Y, l2)


_loss_jit = jax.jit(_loss)
_grad_jit = jax.jit(jax.grad(_loss, argnums=(0, 1)))
_hess_jit = jax.jit(jax.hessian(_loss_theta))
# forward over reverse: the directional derivative (jvp) of the gradient along u is H u
_hvp_jit = jax.jit(
    lambda theta, u, X, Y, l2: jax.jvp(
        lambda t: jax.grad(_loss_theta)(t, X, Y, l2), (theta,), (u,)
    )[1]
)
_value_and_grad_theta_jit = jax.jit(jax.value_and_grad(_loss_theta))
_logits_jit = jax.jit(lambda X, W, b: X @ W + b)
_softmax_jit = jax.jit(lambda Z: jax.nn.softmax(Z, axis=-1))
_log_softmax_jit = jax.jit(lambda Z: jax.nn.log_softmax(Z, axis=-1))


def _checked(W: Any, b: Any, X: Any, y: Any, l2: Any) -> tuple[Array, Array, Array, Array, float]:
    W, b, X, Y, l2 = as_multinomial_problem(W, b, X, y, l2)
    check_logits(np.asarray(_logits_jit(X, W, b)))  # the same refusal as `manual`
    return W, b, X, Y, l2


def softmax(Z: Any) -> Array:
    """jax.nn.softmax along the last axis; shaped like Z."""
    Z = as_real_array("Z", Z)
    if Z.ndim == 0:
        raise ValueError("Z must have at least one axis (the classes); got a scalar")
    return np.asarray(_softmax_jit(Z), dtype=np.float64)


def log_softmax(Z: Any) -> Array:
    """jax.nn.log_softmax along the last axis; shaped like Z."""
    Z = as_real_array("Z", Z)
    if Z.ndim == 0:
        raise ValueError("Z must have at least one axis (the classes); got a scalar")
    return np.asarray(_log_softmax_jit(Z), dtype=np.float64)


def loss(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    """L(W, b) in jax.numpy; a float."""
    W, b, X, Y, l2 = _checked(W, b, X, y, l2)
    return check_loss(float(_loss_jit(W, b, X, Y, l2)), W, l2)


def gradient(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """(dL/dW, dL/db) by jax.grad of `loss`: arrays (d, K) and (K,)."""
    W, b, X, Y, l2 = _checked(W, b, X, y, l2)
    gW, gb = _grad_jit(W, b, X, Y, l2)
    return np.asarray(gW, dtype=np.float64), np.asarray(gb, dtype=np.float64)


def hessian(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> Array:
    """d2L/dtheta2 by jax.hessian of `loss`, theta = np.vstack([W, b]).ravel():
    ((d + 1) K, (d + 1) K)."""
    W, b, X, Y, l2 = _checked(W, b, X, y, l2)
    return np.asarray(_hess_jit(np.vstack([W, b]).ravel(), X, Y, l2), dtype=np.float64)


def hvp(W: Any, b: Any, X: Any, y: Any, V: Any, c: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """H (V, c) by jax.jvp of jax.grad of `loss`, never forming H: arrays (d, K) and (K,)."""
    W, b, X, Y, l2 = _checked(W, b, X, y, l2)
    V_, c_ = as_direction(V, c, W)
    theta, u = np.vstack([W, b]).ravel(), np.vstack([V_, c_]).ravel()
    Hu = np.asarray(_hvp_jit(theta, u, X, Y, l2), dtype=np.float64).reshape(-1, W.shape[1])
    return Hu[:-1], Hu[-1]


def predict_proba(X: Any, W: Any, b: Any) -> Array:
    """jax.nn.softmax(X @ W + b): (n, K)."""
    X = as_features(X)
    W, b = as_class_weights(W, b, X.shape[1])
    Z = check_logits(np.asarray(_logits_jit(X, W, b)))
    return np.asarray(_softmax_jit(Z), dtype=np.float64)


def predict(X: Any, W: Any, b: Any) -> NDArray[np.int64]:
    """argmax_k of predict_proba (the lowest index on a tie): ints, shape (n,)."""
    return np.argmax(predict_proba(X, W, b), axis=1).astype(np.int64)


class AutodiffObjective:
    """The JAX loss and its autodiff derivatives on one data set, as functions of flat theta.
    l2: a float, or one a feature, (d, 1) (`manual.linear.Centring` on scaled columns)."""

    def __init__(self, X: Array, Y: Array, l2: float | Array) -> None:
        self.X, self.Y, self.l2 = X, Y, l2

    def loss_and_gradient(self, theta: Array) -> tuple[float, Array]:
        f, g = _value_and_grad_theta_jit(theta, self.X, self.Y, self.l2)
        f, g = float(f), np.asarray(g, dtype=np.float64)
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            raise ValueError("X, W and b give logits or a loss that overflow float64")
        return f, g

    def hessian(self, theta: Array) -> Array:
        return np.asarray(_hess_jit(theta, self.X, self.Y, self.l2), dtype=np.float64)

    def hvp(self, theta: Array, u: Array) -> Array:
        return np.asarray(_hvp_jit(theta, u, self.X, self.Y, self.l2), dtype=np.float64)


fit = make_fit(AutodiffObjective)
fit.__doc__ = (
    "`manual.multinomial.fit` with the derivatives from autodiff; same arguments, same result."
)

__all__ = [
    "MultinomialFitResult",
    "fit",
    "gradient",
    "hessian",
    "hvp",
    "log_softmax",
    "loss",
    "predict",
    "predict_proba",
    "softmax",
]
