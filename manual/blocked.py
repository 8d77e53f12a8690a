"""The objective for the solvers: the same derivatives, computed one block of rows at a time.

Each block of X is read from memory once per call and used twice while it sits in cache: for
z = X_b @ w + b, and for X_b.T @ (p - y). The loss, p - y and the gradient come from that one
pass, with buffers allocated once per fit and no temporary of size n x d. The forms are the exact
ones of `manual.objective`, regrouped by the side of 0 on which z_i falls. With a_i = |z_i|,
e_i = exp(-a_i) and c_i the label weight of the other side (1 - y_i if z_i >= 0, else y_i):

    l_i   = (1 - y_i) softplus(z_i) + y_i softplus(-z_i)
          = log1p(e_i) + c_i a_i                   (softplus(+-z) = max(+-z, 0) + log1p(e))
    p - y = (1 - y) sigmoid(z) - y sigmoid(-z)
          = sign(z_i) (c_i - (1 - c_i) e_i) / (1 + e_i)  (sigmoid(+-|z|) = 1 / (1 + e), e / (1 + e))
    s     = sigmoid(z) sigmoid(-z) = e / (1 + e)^2
    H     = [Xb, 1]' diag(s) [Xb, 1] / n  summed over blocks, + l2 on the w-block

"The side" is the sign bit of z, so that z = -0.0 takes the negative branch consistently (both
branches agree at z = 0). Both terms of l_i are >= 0 and nothing else cancels, so the accuracy of
`manual.objective` holds; (1 - c_i) is the other label weight itself, not 1 - c_i computed.
"""

from __future__ import annotations

import math

import numpy as np

from manual.checks import Array, check_logits
from manual.objective import _penalty

# Rows per block: 4096 x d float64 fits in the 1 MiB L2 cache up to d = 32 and in L3 beyond;
# measured by scripts/bench.py (2048 to 16384 rows are within 10% of each other here).
BLOCK_ROWS = 4096


class Objective:
    """L, its gradient and Hessian on one checked data set (X, y, l2), as functions of (w, b).

    The solvers call this, so that the arguments are checked once per fit, not once per step.
    """

    def __init__(self, X: Array, y: Array, l2: float, rows: int = BLOCK_ROWS) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y, self.l2 = y, l2
        self.one_minus_y = 1.0 - y
        n, d = self.X.shape
        self.rows = max(1, min(rows, n))
        m = self.rows
        self._z, self._e, self._a, self._t = (np.empty(m) for _ in range(4))
        self._negative = np.empty(m, dtype=bool)
        self._ones = np.ones(m)  # sums as BLAS dot products: a third of np.sum's call overhead
        self._B = np.empty((m, d + 1))  # [Xb, 1] scaled by sqrt(s), for the Hessian
        # s = p (1 - p) of every sample at the point `_s_at` of the last loss_and_gradient, kept
        # once `hessian` has been asked for (by Newton's method, which asks for the Hessian at
        # the point whose gradient it has just computed): the Hessian then skips z and exp
        self._s: Array | None = None
        self._s_at: tuple[Array, float] | None = None

    def loss_and_gradient(self, w: Array, b: float) -> tuple[float, Array, float]:
        """L and (dL/dw, dL/db) at (w, b), from one pass over the blocks of X."""
        X, y, oy, rows = self.X, self.y, self.one_minus_y, self.rows
        n, d = X.shape
        total, grad_w, grad_b = 0.0, np.zeros(d), 0.0
        keep_s = self._s is not None
        self._s_at = None
        # overflow and 0 * inf only where z is not finite, which is refused below
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n, rows):
                Xb = X[start : start + rows]
                m = Xb.shape[0]
                z, e, a, t = self._z[:m], self._e[:m], self._a[:m], self._t[:m]
                neg, ones = self._negative[:m], self._ones[:m]
                np.matmul(Xb, w, out=z)
                z += b
                np.signbit(z, out=neg)
                c = np.where(neg, y[start : start + rows], oy[start : start + rows])
                np.abs(z, out=a)
                np.negative(a, out=e)
                np.exp(e, out=e)
                np.log1p(e, out=t)
                block = float(ones @ t) + float(c @ a)  # every term >= 0
                if math.isfinite(block):
                    total += block / n
                else:
                    check_logits(z)  # z = +-inf or nan: refused
                    total += float(np.sum(t / n)) + float(c @ (a / n))  # only the sum overflowed
                r = np.where(neg, oy[start : start + rows], y[start : start + rows])
                r *= e
                np.subtract(c, r, out=r)
                np.add(e, 1.0, out=t)
                if keep_s:
                    _curvature(e, t, self._s[start : start + rows])  # type: ignore[index]
                np.copysign(t, z, out=t)
                r /= t  # p - y
                grad_w += Xb.T @ r  # the block is still in cache
                grad_b += float(ones @ r)
        if keep_s:
            self._s_at = (w.copy(), b)
        return total + _penalty(w, self.l2), grad_w / n + self.l2 * w, grad_b / n

    def hessian(self, w: Array, b: float) -> Array:
        X, rows = self.X, self.rows
        n, d = X.shape
        at = self._s_at
        known = at is not None and at[1] == b and np.array_equal(at[0], w)
        if self._s is None:
            self._s = np.empty(n)  # from now on, kept by loss_and_gradient
        self._s_at = None  # until the buffer is whole again (an overflow can stop the loop)
        H = np.zeros((d + 1, d + 1))
        with np.errstate(over="ignore", invalid="ignore"):  # as in loss_and_gradient
            for start in range(0, n, rows):
                Xb = X[start : start + rows]
                m = Xb.shape[0]
                s, B = self._s[start : start + rows], self._B[:m]
                if not known:
                    z, e, t = self._z[:m], self._e[:m], self._t[:m]
                    np.matmul(Xb, w, out=z)
                    z += b
                    check_logits(z)
                    np.abs(z, out=e)
                    np.negative(e, out=e)
                    np.exp(e, out=e)
                    np.add(e, 1.0, out=t)
                    _curvature(e, t, s)
                np.sqrt(s, out=B[:, d])
                np.multiply(Xb, B[:, d : d + 1], out=B[:, :d])
                H += B.T @ B  # [Xb, 1]' diag(s) [Xb, 1], one symmetric rank-m update
        self._s_at = (w.copy(), b)  # what the buffer holds now
        H /= n
        H[:d, :d] = 0.5 * (H[:d, :d] + H[:d, :d].T)  # symmetric to the last bit
        H[d, :d] = H[:d, d]
        H[np.arange(d), np.arange(d)] += self.l2
        return H


def _curvature(e: Array, one_plus_e: Array, out: Array) -> None:
    """s = sigmoid(z) sigmoid(-z) = e / (1 + e)^2, a product of accurate factors, into out."""
    np.square(one_plus_e, out=out)
    np.divide(e, out, out=out)
