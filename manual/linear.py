"""A per-sample loss in the logits, composed with X, the intercept and the penalty: written once.

Conventions
-----------
    X : (n, d)    y : (n,) or (n, K)    coef = [W; b] : (d + 1,) or (d + 1, K), the intercept last
    theta = coef.ravel()                      the flat parameter vector the solvers see
    Z = X @ W + b                             logits, (n,) or (n, K)
    L(theta) = mean_i l(Z_i, y_i) + (l2 / 2) ||W||^2       (the intercept is never penalized)

The chain rule through the linear map (one line a step; every model shares them):
    dL/dW = X.T @ (dl/dZ) / n + l2 W          dL/db = sum_i (dl/dZ_i) / n
    H     = sum_i (x1_i x1_i^T) kron (d2l/dZ_i2) / n + l2 on the W block,   x1_i = (x_i, 1)
    H u   = X1.T @ [(d2l/dZ2) (X1 @ U)] / n + l2 U_W                         (U = u as coef)

l2 is a float, or one value a feature ((d,), or (d, 1) for K logits: `Centring` on scaled columns),
with (l2 / 2) ||W||^2 read as sum_j (l2_j / 2) ||W_j||^2 and l2 W entry by entry.

`loss` is a class of per-sample functions of Z (`manual.binary.BinaryLoss`, the multinomial one):
    parameter_shape(d)             the shape of coef
    value_and_derivative(Z, y)     (l_i (m,), dl/dZ_i (m,) or (m, K))
    curvature(Z, y)                d2l/dZ_i2: (m,) for one logit a sample, (m, K, K) for K
    curvature_times(Z, y, dZ)      (d2l/dZ_i2) dZ_i, shaped like Z
    margin(Z, y)                   (m,): > 0 where sample i is strictly on its own side
    curvature_bound                a bound on the eigenvalues of d2l/dZ_i2 (for gd's default step)

X is read one block of rows at a time, so that no temporary of size n x d (or n x K x K) is made
and each block is used while it sits in cache.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import numpy as np

from manual.checks import Array, check_finite, check_logits

# Rows per block: as many as make BLOCK_BYTES of X (8192 rows at d = 32), at least MIN_BLOCK_ROWS.
# A block stays in cache between X_b @ W and X_b.T @ r, so that X is read from memory once a pass;
# and the fewer the blocks, the fewer the NumPy calls per sample (scripts/bench.py measured 2 MiB
# as 10-15% faster than 1 MiB at (1e6, 32) and blocks of 16 MiB as several times slower).
BLOCK_BYTES = 2 * 2**20
MIN_BLOCK_ROWS = 1024


# Threads that may share the blocks of a pass (LinearObjective(workers=k)): NumPy's loops and BLAS
# release the GIL, and a block is below the size at which OpenBLAS splits one product over its own
# threads, so each thread's products run in that thread. One a core, at most 2: scripts/bench.py
# measured 2 threads at 0.86x (d = 32) and 0.54x (d = 128) the time of 1 on an otherwise idle
# 2-core machine, but at 1.0x to 1.5x while other work loaded it (the threads then wait on each
# other); LinearObjective(workers=1) keeps one.
WORKERS = min(2, os.cpu_count() or 1)
_POOL: list[ThreadPoolExecutor] = []
T = TypeVar("T")


def _pool() -> ThreadPoolExecutor:
    """The threads of every pass, started at the first pass that has blocks to share."""
    if not _POOL:
        threads = os.cpu_count() or 1
        _POOL.append(ThreadPoolExecutor(threads, thread_name_prefix="manual-blocks"))
    return _POOL[0]


def block_rows_for(d: int) -> int:
    """The rows of a block of X of d columns: BLOCK_BYTES of float64, at least MIN_BLOCK_ROWS."""
    return max(MIN_BLOCK_ROWS, BLOCK_BYTES // (8 * d))


class PerSampleLoss(Protocol):
    """The per-sample functions of the logits that a model supplies (see the module docstring)."""

    @staticmethod
    def parameter_shape(d: int) -> tuple[int, ...]: ...
    @staticmethod
    def value_and_derivative(z: Array, y: Array) -> tuple[Array, Array]: ...
    @staticmethod
    def curvature(z: Array, y: Array) -> Array: ...
    @staticmethod
    def curvature_times(z: Array, y: Array, dz: Array) -> Array: ...
    @staticmethod
    def margin(z: Array, y: Array) -> Array: ...


class LinearObjective:
    """L(theta), its gradient, Hessian and Hessian-vector product on one checked data set.

    What the solvers of `manual.solvers` call; the public functions of each model call it too.
    """

    def __init__(
        self,
        loss: Any,
        X: Array,
        y: Array,
        l2: float | Array,
        *,
        block_rows: int | None = None,
        workers: int | None = None,
    ) -> None:
        self.per_sample: PerSampleLoss = loss
        self.X, self.y, self.l2 = X, y, l2
        n, d = X.shape
        self.n, self.d = n, d
        self.shape = loss.parameter_shape(d)
        self.size = math.prod(self.shape)
        self.rows = max(1, min(block_rows_for(d) if block_rows is None else block_rows, n))
        self.workers = WORKERS if workers is None else max(1, workers)

    # --- the pieces every pass shares --------------------------------------------------------
    def coefficients(self, theta: Array) -> tuple[Array, Array]:
        """(W, b) of the flat theta: (d,) and a 0-d array, or (d, K) and (K,)."""
        coef = theta.reshape(self.shape)
        return coef[:-1], coef[-1]

    def blocks(self, start: int = 0, stop: int | None = None) -> Any:
        """(X_b, y_b) for consecutive blocks of rows, of rows start to stop (all by default)."""
        stop = self.n if stop is None else stop
        for first in range(start, stop, self.rows):
            last = min(first + self.rows, stop)
            yield self.X[first:last], self.y[first:last]

    def _shared(self, share: Callable[[int, int], T]) -> list[T]:
        """[share(start, stop) for each thread's rows], in the order of the rows: the blocks split
        into `workers` runs of consecutive blocks, one a thread. The results are combined by the
        caller in this order, so that a pass gives the same bits whatever the threads' timing."""
        blocks = -(-self.n // self.rows)
        workers = min(self.workers, blocks)
        if workers <= 1:
            return [share(0, self.n)]
        per = -(-blocks // workers) * self.rows
        cuts = [(start, min(start + per, self.n)) for start in range(0, self.n, per)]
        return list(_pool().map(lambda cut: share(*cut), cuts))

    @staticmethod
    def logits(Xb: Array, W: Array, b: Array) -> Array:
        """Z = X_b @ W + b; refuses logits that overflow float64."""
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
            z = Xb @ W + b
        return check_logits(z)

    def penalty(self, W: Array) -> float:
        """(l2 / 2) ||W||^2, refused if it overflows float64; with l2 a vector, one entry a
        feature ((d,), or (d, 1) for K classes: `Centring`'s l2 / c_j^2),
        sum_j (l2_j / 2) ||W_j||^2.

        ||W||^2 = m^2 ||W / m||^2 with m = max|W|, and the product formed as ((m l2) m) / 2: the
        scaled sum cannot overflow, and l2 meets the large m before the small 1/2 can underflow
        it (l2 = 5e-324 at |w| = 1e200 gives 2.5e76, not 0)."""
        if not np.any(self.l2):
            return 0.0
        m = float(np.max(np.abs(W), initial=0.0))
        if m == 0.0:
            return 0.0
        v = W / m
        value = float(((m * self.l2) * v).ravel() @ v.ravel()) * m * 0.5
        if not math.isfinite(value):
            shown = repr(self.l2) if np.ndim(self.l2) == 0 else f"up to {float(np.max(self.l2))!r}"
            raise ValueError(
                "w and l2 give a penalty (l2 / 2) ||w||^2 that overflows float64 "
                f"(max |w| = {m:.3e}, l2 = {shown}); rescale X so that the weights stay "
                "below ~1e150"
            )
        return value

    # --- the objective and its derivatives ------------------------------------------------------
    def loss(self, theta: Array) -> float:
        """L(theta): mean per-sample loss plus the penalty."""
        return self.loss_and_gradient(theta)[0]

    def loss_and_gradient(self, theta: Array) -> tuple[float, Array]:
        """(L, dL/dtheta) from one pass over X; refuses a loss that overflows float64."""
        data, grad = self._pass(theta)
        return data + self.penalty(self.coefficients(theta)[0]), grad

    def gradient(self, theta: Array) -> Array:
        """dL/dtheta alone (where the penalty's value may overflow while its gradient l2 W does
        not)."""
        return self._pass(theta)[1]

    def _pass(self, theta: Array) -> tuple[float, Array]:
        """(mean_i l_i, dL/dtheta) from one pass over X, its blocks shared by the threads."""
        W, b = self.coefficients(theta)
        n = self.n

        def share(start: int, stop: int) -> tuple[float, Array]:
            total = 0.0
            grad = np.zeros(self.shape)
            gW, gb = grad[:-1], grad[-1:]
            for Xb, yb in self.blocks(start, stop):
                with np.errstate(over="ignore", invalid="ignore"):  # refused or redone below
                    z = Xb @ W
                    z += b
                    l, r = self.per_sample.value_and_derivative(z, yb)
                    block = float(np.sum(l))
                if math.isfinite(block):
                    total += block / n  # the mean, block by block
                else:
                    # logits past float64 (inf or NaN) make some l_i inf or NaN: refused here,
                    # at no cost to the finite blocks; finite logits whose sum passes the largest
                    # float (terms near 1e308) give the sum of l_i / n instead: each term is
                    # finite, so their mean is
                    check_logits(z)
                    total += float(np.sum(l / n))
                # dL/dZ_i = (dl/dZ_i) / n, divided before the products: X.T @ (p - y) at features
                # near 1e306 overflows where the mean does not
                r /= n
                with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite below
                    gW += Xb.T @ r  # dL/dW = X.T @ dL/dZ
                    gb += r.sum(axis=0)  # dL/db = sum_i dL/dZ_i
            return total, grad

        shares = self._shared(share)
        total = math.fsum(part for part, _ in shares)
        grad = shares[0][1]
        with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite below
            for _, part_grad in shares[1:]:
                grad += part_grad
            if np.any(self.l2):
                grad[:-1] += self.l2 * W  # d/dW (l2 / 2) ||W||^2 = l2 W (entry by entry)
        return total, check_finite("gradient", grad.ravel())

    def hessian(self, theta: Array) -> Array:
        """d2L/dtheta2, (size, size) in theta's order: exactly symmetric, positive semi-definite."""
        W, b = self.coefficients(theta)
        n, d = self.n, self.d
        H = np.zeros((self.size, self.size))
        for Xb, yb in self.blocks():
            h = self.per_sample.curvature(self.logits(Xb, W, b), yb) / n
            X1 = np.column_stack([Xb, np.ones(len(Xb))])
            if h.ndim == 1:
                # one logit a sample: H = (X1)' diag(h) (X1) = B' B, B = sqrt(h) X1, a Gram
                # matrix, positive semi-definite by construction
                B = np.sqrt(h)[:, None] * X1
                with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite below
                    H += B.T @ B
            else:
                # K logits a sample: H[(j, k), (j', k')] = sum_i X1_ij X1_ij' h_i[k, k'], as one
                # matrix product X1.T @ T, T_i = X1_i kron h_i, over rows few enough that T
                # (rows x (d + 1) K^2) stays near 16 MB
                K = h.shape[1]
                rows = max(1, (1 << 21) // ((d + 1) * K * K))
                for s in range(0, len(X1), rows):
                    A, hs = X1[s : s + rows], h[s : s + rows]
                    T = (A[:, :, None, None] * hs[:, None, :, :]).reshape(len(A), -1)
                    with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite
                        G = (A.T @ T).reshape(d + 1, d + 1, K, K)
                        H += G.transpose(0, 2, 1, 3).reshape((d + 1) * K, (d + 1) * K)
        with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite below
            H = 0.5 * (H + H.T)  # symmetric to the last bit, whatever order the products summed in
        w_block = np.arange(self.size - self._intercepts())
        # (l2 / 2) ||W||^2 adds l2 on the W block's diagonal (l2_j on feature j's entries)
        H[w_block, w_block] += np.broadcast_to(self.l2, W.shape).ravel()
        return check_finite("Hessian", H)

    def hvp(self, theta: Array, u: Array) -> Array:
        """H u, (size,), from one pass over X without forming H."""
        W, b = self.coefficients(theta)
        U_W, u_b = self.coefficients(u)
        n = self.n
        out = np.zeros(self.shape)
        oW = out[:-1]

        def share(start: int, stop: int) -> Array:
            part = np.zeros(self.shape)
            pW, pb = part[:-1], part[-1:]
            for Xb, yb in self.blocks(start, stop):
                z = self.logits(Xb, W, b)
                with np.errstate(over="ignore", invalid="ignore"):  # refused below, not warned
                    dz = Xb @ U_W + u_b  # the logits' change along u
                with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite below
                    a = self.per_sample.curvature_times(z, yb, dz) / n
                    pW += Xb.T @ a
                    pb += a.sum(axis=0)
            return part

        with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite below
            for part in self._shared(share):
                out += part
        if np.any(self.l2):
            with np.errstate(over="ignore", invalid="ignore"):  # refused by check_finite below
                oW += self.l2 * U_W
        return check_finite("Hessian-vector product", out.ravel())

    def _intercepts(self) -> int:
        return 1 if len(self.shape) == 1 else self.shape[1]


# Column scales (powers of 2) within this factor of each other and of the intercept's are left
# unscaled by `Centring` (a condition number of at most SCALE_SPAN^2 = 256 to gain; the copy of X
# that scaling needs costs two passes)
SCALE_SPAN = 16.0


class Centring:
    """The same model on centred features: z = X W + b = ((X - mu) / c)(c W) + (b + mu W).

    The intercept is unpenalized, so coef_c = [c W; b + mu W] on (X - mu) / c is an exact
    reparametrization: same logits, same loss, and the same penalty with l2_c = l2 / c^2. Its
    point is the rounding. A feature with a large offset (years near 2000, timestamps near 1.7e9)
    makes its column nearly parallel to the intercept's, and the Hessian in (w, b) as
    ill-conditioned as (offset / spread)^2 (1e16 at 1e4 + u): its smallest direction is lost
    before any solve sees it. On X - mu the two are orthogonal to first order, and the weights
    come back exactly by b = b_c - mu W. With `scale`, each column j is also divided by its own
    power of 2, c_j (W_c = diag(c) W; dividing by a power of 2 is exact): near its spread
    max_i |X_ij - mu_j| at l2 = 0, near max(spread_j, sqrt(l2)) at l2 > 0, so that a column in
    micro-units beside one in millions (or incomes beside the intercept) does not leave its
    weight's direction at 1e-10 to 1e-24 of the Hessian's largest eigenvalue, below what the
    solvers can resolve, and no entry of the Hessian overflows at features of 1e155. The penalty
    then becomes diagonal, (l2 / 2) ||W||^2 = sum_j (l2 / c_j^2 / 2) ||W_c,j||^2: `l2` here is
    one value a feature, l2 / c_j^2, where l2 > 0 (c_j = 1 where that would leave the normal
    floats), the user's l2 otherwise.

    The chain rule of the map A: coef -> coef_c gives the user's gradient from the centred one:
        dL/dW = c dL_c/dW + mu (dL_c/db)'         dL/db = dL_c/db
    """

    def __init__(
        self, X: Array, shape: tuple[int, ...], *, scale: bool = False, l2: float = 0.0
    ) -> None:
        # each column's spread about mu, max_i |X_ij - mu_j|, from its largest and smallest
        # entries (no n x d temporary)
        with np.errstate(over="ignore", invalid="ignore"):  # a sum past the largest float
            mu = np.mean(X, axis=0)
            spread = np.maximum(X.max(axis=0) - mu, mu - X.min(axis=0))
        if not np.all(np.isfinite(spread)):  # so is it where the mean is +-inf or NaN
            # the mean's sum, or some x - mean, passes the largest float: the mid-range instead,
            # halved before the sum, about which |x - mu| <= (max - min) / 2 never overflows
            mu = X.max(axis=0) / 2 + X.min(axis=0) / 2
            spread = X.max(axis=0) / 2 - X.min(axis=0) / 2
        self.mu: Array = mu
        self.shape = shape
        c: float | Array = 1.0
        if scale:
            # each column's own power of 2: near its spread at l2 = 0; at l2 > 0 near
            # max(spread_j, sqrt(l2)). The W block's diagonal of the Hessian is
            # mean_i h_i (x_ij - mu_j)^2 + l2 <= spread_j^2 / 4 + l2 in the user's units, and that
            # divided by c_j^2 in the centred ones: at most ~1 either way, and at least l2 / c_j^2
            # ~ 1 where the penalty dominates (micro-units at l2 = 0.01), so that no column's
            # direction is left 1e8 above or below the intercept's (incomes at l2 = 0.01 gave a
            # condition number of 1e10, and the twins' rounding amplified by it)
            size = spread if l2 == 0.0 else np.maximum(spread, math.sqrt(l2))
            with np.errstate(over="ignore"):  # 2^1024 = inf at spreads near 2^1024: 2^1023 then
                c = np.where(size > 0, 2.0 ** np.round(np.log2(np.where(size > 0, size, 1.0))), 1.0)
            c = np.minimum(c, 2.0**1023)
            if l2 > 0:
                # the penalty becomes diagonal, sum_j (l2 / c_j^2 / 2) W_c,j^2, still exact (c_j a
                # power of 2) where l2 / c_j^2 stays a normal float: c_j = 1 elsewhere
                with np.errstate(over="ignore", divide="ignore"):
                    l2_c = l2 / c / c
                normal = (l2_c >= np.finfo(np.float64).tiny) & (l2_c < np.finfo(np.float64).max)
                c = np.where(normal, c, 1.0)
            if max(float(np.max(c)), 1.0) / min(float(np.min(c)), 1.0) <= SCALE_SPAN:
                # the columns' scales and the intercept's within a factor SCALE_SPAN of each
                # other: scaling would gain a condition number of at most SCALE_SPAN^2, not worth
                # a copy of X (standard-normal columns, whose spread is 4 to 8, keep c = 1)
                c = 1.0
        # per column (l2 / c_j^2, c_j's shape) or the user's l2 where the columns are not scaled
        self.l2: float | Array = l2
        if l2 > 0 and not isinstance(c, float):
            self.l2 = np.reshape(l2 / c / c, (-1,) + (1,) * (len(shape) - 1))
        # c as a column of coef[:-1]: (d,) for one logit a sample, (d, 1) for K
        self.c = np.reshape(c, (-1,) + (1,) * (len(shape) - 1)) if not isinstance(c, float) else c
        if np.all(np.equal(c, 1.0)) and np.all(np.abs(mu) <= spread):
            # no column's offset exceeds its spread: centring would gain a condition number of at
            # most (1 + offset / spread)^2 <= 4, not worth a copy of X; the map is the identity
            self.mu = np.zeros_like(mu)
            self.X = X
            return
        Xc = X - mu  # x - mu: within one rounding of the exact difference
        if np.any(np.not_equal(c, 1.0)):
            Xc /= c  # a power of 2: exact, in place
        self.X = Xc

    def inward(self, theta: Array) -> Array | None:
        """coef_c = [c W; b + mu W], flat; None where it overflows."""
        coef = theta.reshape(self.shape).copy()
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            coef[-1] = coef[-1] + self.mu @ coef[:-1]
            coef[:-1] = coef[:-1] * self.c
        return coef.ravel() if np.all(np.isfinite(coef)) else None

    def outward(self, theta_c: Array, grad_c: Array) -> tuple[Array, Array]:
        """(theta, dL/dtheta) in the user's coordinates, from the centred ones."""
        coef = theta_c.reshape(self.shape).copy()
        grad = grad_c.reshape(self.shape).copy()
        with np.errstate(over="ignore", invalid="ignore"):  # checked by the caller
            coef[:-1] = coef[:-1] / self.c
            coef[-1] = coef[-1] - self.mu @ coef[:-1]
            grad[:-1] = grad[:-1] * self.c + np.multiply.outer(self.mu, grad[-1])
        return coef.ravel(), grad.ravel()


def lipschitz_of(X: Array, l2: float, curvature_bound: float) -> float:
    """curvature_bound * lambda_max(X1' X1) / n + l2, X1 = [X, 1], without overflow on the way.

    X1' X1 = [[X' X, X' 1], [1' X, n]] is formed from X scaled by 1 / m, m = max(max|X|, 1), so that
    its entries cannot overflow for any finite X; lambda_max scales back by m^2. Where n m^2 stays
    below 1e300 no entry can overflow unscaled, and m = 1 spares the scaled copy of X (a pass)."""
    n, d = X.shape
    m = max(float(X.max()), -float(X.min()), 1.0)
    if n * m * m <= 1e300:
        m = 1.0
    Xs = X if m == 1.0 else X / m
    G = np.empty((d + 1, d + 1))
    G[:d, :d] = Xs.T @ Xs
    G[:d, d] = G[d, :d] = Xs.sum(axis=0) / m  # the column of ones, scaled by 1 / m too
    G[d, d] = n / (m * m)
    lam = float(np.linalg.eigvalsh(G / n)[-1])
    value = curvature_bound * lam * m * m + l2
    if not math.isfinite(value):
        raise ValueError(
            f"X's scale (max |X| = {m:.3e}) makes the Hessian's bound overflow float64; "
            "rescale X (for example to sd 1), or give lr"
        )
    return value
