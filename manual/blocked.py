"""The objective for the solvers: the same derivatives, computed one block of rows at a time.

Each block of X is read from memory once per call and used twice while it sits in cache: for
z = X_b @ w + b, and for X_b.T @ (p - y). The loss, p - y and the gradient come from that one
pass, with buffers allocated once per fit and no temporary of size n x d. The forms are the exact
ones of `manual.objective`, regrouped:

    l_i   = (1 - y_i) softplus(z_i) + y_i softplus(-z_i)
          = log1p(e_i) + (1 - y_i) max(z_i, 0) + y_i (max(z_i, 0) - z_i),   e_i = exp(-|z_i|)
          (softplus(+-z) = max(+-z, 0) + log1p(e); max(-z, 0) = max(z, 0) - z exactly)
    p - y = [(1 - y) where(z >= 0, 1, e) - y where(z >= 0, e, 1)] / (1 + e)
    s     = sigmoid(z) sigmoid(-z) = e / (1 + e)^2
    H     = [[Xb' diag(s) Xb, Xb' s], [s' Xb, sum s]] / n  summed over blocks, + l2 on the w-block

All terms of l_i are >= 0 and nothing else cancels, so the accuracy of `manual.objective` holds.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from manual._checks import Array, check_logits
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
        n = X.shape[0]
        self.rows = max(1, min(rows, n))
        m = self.rows
        self._z, self._e, self._u, self._v = (np.empty(m) for _ in range(4))
        self._mask = np.empty(m, dtype=bool)

    def _blocks(
        self, w: Array, b: float
    ) -> Iterator[tuple[Array, Array, Array, Array, Array, Array]]:
        """For each block: (Xb, yb, 1 - yb, z, e = exp(-|z|), z >= 0), in the buffers."""
        X, rows = self.X, self.rows
        for start in range(0, X.shape[0], rows):
            Xb = X[start : start + rows]
            m = Xb.shape[0]
            z, e, mask = self._z[:m], self._e[:m], self._mask[:m]
            with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused below
                np.matmul(Xb, w, out=z)
                z += b
            check_logits(z)
            np.abs(z, out=e)
            np.negative(e, out=e)
            np.exp(e, out=e)
            np.greater_equal(z, 0.0, out=mask)
            yield (
                Xb,
                self.y[start : start + rows],
                self.one_minus_y[start : start + rows],
                z,
                e,
                mask,
            )

    def loss(self, w: Array, b: float) -> float:
        n = self.X.shape[0]
        total = 0.0
        for _, yb, ob, z, e, _mask in self._blocks(w, b):
            total += self._block_loss(yb, ob, z, e) / n
        return total + _penalty(w, self.l2)

    def _block_loss(self, yb: Array, ob: Array, z: Array, e: Array) -> float:
        m = z.shape[0]
        pos, tail = self._u[:m], self._v[:m]
        np.log1p(e, out=tail)
        np.maximum(z, 0.0, out=pos)
        # sum log1p(e) + (1 - y) . max(z, 0) + y . (max(z, 0) - z)
        return float(np.sum(tail) + ob @ pos + yb @ pos - yb @ z)

    def loss_and_gradient(self, w: Array, b: float) -> tuple[float, Array, float]:
        n, d = self.X.shape
        total, grad_w, grad_b = 0.0, np.zeros(d), 0.0
        for Xb, yb, ob, z, e, mask in self._blocks(w, b):
            total += self._block_loss(yb, ob, z, e) / n
            m = z.shape[0]
            r, t = self._u[:m], self._v[:m]
            # r = [(1 - y) where(z >= 0, 1, e) - y where(z >= 0, e, 1)] / (1 + e)
            np.copyto(r, e)
            r[mask] = 1.0
            r *= ob
            np.copyto(t, 1.0)
            np.copyto(t, e, where=mask)
            t *= yb
            r -= t
            np.add(e, 1.0, out=t)
            r /= t
            grad_w += Xb.T @ r  # the block is still in cache
            grad_b += float(np.sum(r))
        return total + _penalty(w, self.l2), grad_w / n + self.l2 * w, grad_b / n

    def hessian(self, w: Array, b: float) -> Array:
        n, d = self.X.shape
        H = np.zeros((d + 1, d + 1))
        for Xb, _, _, _, e, _ in self._blocks(w, b):
            m = e.shape[0]
            s = self._u[:m]
            # s = sigmoid(z) sigmoid(-z) = e / (1 + e)^2, a product of accurate factors
            np.add(e, 1.0, out=s)
            np.square(s, out=s)
            np.divide(e, s, out=s)
            B = Xb * np.sqrt(s)[:, None]  # a block-sized temporary
            H[:d, :d] += B.T @ B
            H[:d, d] += Xb.T @ s
            H[d, d] += float(np.sum(s))
        H[d, :d] = H[:d, d]
        H /= n
        H[:d, :d] = 0.5 * (H[:d, :d] + H[:d, :d].T)  # symmetric to the last bit
        H[np.arange(d), np.arange(d)] += self.l2
        return H
