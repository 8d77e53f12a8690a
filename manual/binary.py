"""The binary model: its per-sample loss in the logit, derived by hand, and the public functions.

Conventions
-----------
    X : (n, d)    y : (n,)    w : (d,)    b : float    X1 = [X, 1] : (n, d + 1)
    z = X @ w + b                                  logits, (n,)
    p = sigmoid(z)                                 probabilities, (n,)
    l(z, y) = softplus(z) - y z                    per-sample loss
    L(w, b) = mean_i l(z_i, y_i) + (l2 / 2) ||w||^2

Derivation (one line a step; DERIVATION.md has the words):
    dl/dz     = sigmoid(z) - y = p - y                      (softplus' = sigmoid)
    d2l/dz2   = p (1 - p)                                   (sigmoid' = p (1 - p))
    dL/dw     = X.T @ (p - y) / n + l2 * w                  (chain rule, dz_i/dw = X_i)
    dL/db     = mean(p - y)                                 (dz_i/db = 1; no penalty)
    H         = X1.T @ diag(p (1 - p)) @ X1 / n + l2 * diag(1, ..., 1, 0)
    H (v, c)  = X1.T @ (p (1 - p) * (X @ v + c)) / n + l2 * (v, 0)

The chain rule through X, the intercept and the penalty is `manual.linear`'s, written once for
every model; this module holds what is particular to the binary model, the per-sample functions of
z in `BinaryLoss`, and every public function calls them through `manual.linear.LinearObjective`:
the code that `fit` runs is the code that the tests check against 60-digit arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from manual.checks import Array, as_problem, as_scalar, as_weights, check_logits
from manual.linear import LinearObjective
from manual.sigmoid import _sigmoid_prime, tail


class BinaryLoss:
    """l(z, y) = softplus(z) - y z and its derivatives in z, per sample, exact to a few ulps.

    Every form below is built on e = exp(-|z|) (`manual.sigmoid.tail`), computed once a call:
    with softplus(+-z) = max(+-z, 0) + log1p(e) and sigmoid(+-|z|) = 1 / (1 + e), e / (1 + e),
    each quantity is a sum or product of non-negative terms, or (p - y), for 0/1 labels, an
    accurate quotient or 1 minus one at most 1/2: nothing cancels.
    """

    @staticmethod
    def parameter_shape(d: int) -> tuple[int, ...]:
        """The coefficients [w; b] as one array: (d + 1,), the intercept last."""
        return (d + 1,)

    @staticmethod
    def value_and_derivative(z: Array, y: Array) -> tuple[Array, Array]:
        """(l_i, dl_i/dz_i) = (softplus(z_i) - y_i z_i,  p_i - y_i), each (m,)."""
        e = tail(z)
        # the side of 0 each logit lies on, read off its sign bit (z = -0.0 counts as negative:
        # at z = +-0 both sides' forms below give the same numbers)
        left = np.signbit(z)
        # A = 1 - y on the right of 0, -y on the left:
        # l = softplus(z) - y z = A z + log1p(e)      [softplus(z) = max(z, 0) + log1p(e)]
        #   = (1 - y) |z| + log1p(e) on the right, y |z| + log1p(e) on the left: two terms
        #   >= 0 for y in [0, 1], nothing cancels. At y = 1, z = 40 the textbook
        #   (40 + 4.2e-18) - 40 = 0; this gives 4.2e-18 exactly.
        A = np.where(left, -y, 1.0 - y)
        l = A * z
        l += np.log1p(e)
        # p - y = A - sign(z) e / (1 + e)             [p = 1 - e / (1 + e) on the right, e / (1 + e)
        #                                              on the left]
        # For y in {0, 1}, A is 0 or +-1: either r = -+e / (1 + e), one accurate quotient (at
        # y = 1, z = 40 the textbook 1 - 1 = 0, this -sigmoid(-40) = -4.2e-18), or
        # +-(1 - e / (1 + e)), e / (1 + e) <= 1/2 subtracted from 1, within 2 ulps. (Soft labels
        # can cancel for real: the error is then a few ulps of max(p, y).)
        r = np.copysign(e, z)
        r /= 1.0 + e
        np.subtract(A, r, out=r)
        return l, r

    @staticmethod
    def curvature(z: Array, y: Array) -> Array:
        """d2l_i/dz_i2 = p_i (1 - p_i) = sigmoid(z_i) sigmoid(-z_i), (m,); free of y."""
        return _sigmoid_prime(z)

    @staticmethod
    def margin(z: Array, y: Array) -> Array:
        """(2 y_i - 1) z_i, (m,): > 0 where sample i lies strictly on its side of the boundary."""
        return np.where(y > 0.5, z, -z)

    # every eigenvalue of the per-sample Hessian p (1 - p) is at most 1/4 (at z = 0)
    curvature_bound = 0.25

    @staticmethod
    def curvature_times(z: Array, y: Array, dz: Array) -> Array:
        """(d2l_i/dz_i2) dz_i, (m,): the per-sample Hessian applied to a change of the logits."""
        return BinaryLoss.curvature(z, y) * dz


def _objective(X: Array, y: Array, l2: float) -> LinearObjective:
    return LinearObjective(BinaryLoss, X, y, l2)


def _theta(w: Array, b: float) -> Array:
    return np.append(w, b)


def loss(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    """L(w, b) = mean_i [ log(1 + exp(z_i)) - y_i z_i ] + (l2 / 2) ||w||^2, z = X @ w + b.

    Mean binary cross-entropy from the logits, plus an L2 penalty on w (never on b). y may hold
    soft labels in [0, 1]. Returns a float, within a few ulps of the exact value given z, for every
    finite z (no overflow at |z| = 1e300; tiny losses such as 1e-20 keep all their digits).
    """
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    return _objective(X, y, l2).loss(_theta(w, b))


def gradient(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """(dL/dw, dL/db) = (X.T @ (p - y) / n + l2 * w,  mean(p - y)),  p = sigmoid(X @ w + b).

    Returns `(grad_w, grad_b)`: a float64 array of shape (d,) and a float. Each term
    x_ij (p_i - y_i) / n is exact to a few ulps where |z_i| <= 708. Beyond, p_i - y_i (~exp(-|z_i|)
    where the sample is on its side) is below the smallest normal float, 2.2e-308, and keeps
    fewer bits: the term is then exact to an absolute 4.9e-324 |x_ij| / n, its subnormal spacing
    carried by x_ij (at x = 1e150 and z = -744, a term of 1e-173 known to 30%). No other term of
    a gradient that large is that small, unless every sample is that far on its side.
    """
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    g = _objective(X, y, l2).gradient(_theta(w, b))
    return g[:-1], float(g[-1])


def hessian(w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> Array:
    """H = X1.T @ diag(p (1 - p)) @ X1 / n + l2 * diag(1, ..., 1, 0),  X1 = [X, 1].

    Returns a float64 array of shape (d + 1, d + 1), parameters ordered (w_1, ..., w_d, b),
    exactly symmetric and positive semi-definite. It does not depend on y.
    """
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    return _objective(X, y, l2).hessian(_theta(w, b))


def hvp(w: Any, b: Any, X: Any, y: Any, v: Any, c: Any, l2: Any = 0.0) -> tuple[Array, float]:
    """H (v, c) = (X.T @ u / n + l2 * v,  sum(u) / n),  u = p (1 - p) * (X @ v + c), without H.

    One pass over X: the logits' change along the direction, X @ v + c, scaled by the curvature
    p (1 - p) of each sample, and carried back by X.T. Returns `(Hv, Hc)`: an array (d,) and a
    float, equal to `hessian(w, b, X, y, l2) @ (v, c)` up to the order of the sums.
    """
    w, b, X, y, l2 = as_problem(w, b, X, y, l2)
    # the same checks, in the same order, as the JAX twin's: v like w, c like b
    v_ = as_weights(v, X.shape[1], name="v")
    c_ = as_scalar("c", c)
    Hv = _objective(X, y, l2).hvp(_theta(w, b), np.append(v_, c_))
    return Hv[:-1], float(Hv[-1])


def logits(w: Array, b: float, X: Array) -> Array:
    """z = X @ w + b, (n,), on checked arguments; refuses logits that overflow float64."""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        z = X @ w + b
    return check_logits(z)
