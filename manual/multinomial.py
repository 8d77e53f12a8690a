"""Softmax (multinomial) regression: its per-sample loss in the K logits, derived by hand, and the
public functions.

Conventions
-----------
    X : (n, d)   W : (d, K)   b : (K,)   Y : (n, K), one-hot rows of y (or soft labels)
    theta = np.vstack([W, b]).ravel()              feature j's K weights together, intercepts last
    Z = X @ W + b                                  logits, (n, K)
    P = softmax(Z), p_k = exp(z_k) / sum_j exp(z_j)       row by row
    l(z, y) = logsumexp(z) - z_y = -log p_y        per-sample loss (soft: sum_k Y_k (-log p_k))
    L(W, b) = mean_i l(Z_i, y_i) + (l2 / 2) ||W||_F^2   (intercepts never penalized)

Derivation (one line a step; DERIVATION.md, "Softmax regression (K classes)", has the words):
    dp_k/dz_j = p_k (delta_kj - p_j)               the softmax Jacobian diag(p) - p p^T
    dl/dz     = p - Y                              (d logsumexp/dz = p; d z_y/dz = e_y)
    d2l/dz2   = diag(p) - p p^T                    (the Jacobian of p; free of y)
    dL/dW     = X.T @ (P - Y) / n + l2 W           dL/db = mean_i (P_i - Y_i)
    H         = sum_i (x1_i x1_i^T) kron (diag(p_i) - p_i p_i^T) / n + l2 on the W block
    H (V, c)  = X1.T @ A / n + (l2 V, 0),  A_i = (diag(p_i) - p_i p_i^T) (V.T x_i + c)

Exact forms (nothing cancels; m = argmax_k z_k, e_k = exp(z_k - z_m) <= 1, s = sum_{k != m} e_k):
    -log p_k     = (z_m - z_k) + log1p(s)          two terms >= 0; at k = m, log1p of the others
    p_k          = e_k / (1 + s)
    1 - p_k      = sum_{j != k} p_j                a sum of positive terms, never 1 - p_k
    p_k - Y_k    = p_k sum_{j != k} Y_j - Y_k sum_{j != k} p_j   (one term is 0 for one-hot Y)
    H_kk         = p_k sum_{j != k} p_j,   H_kj = -p_k p_j
The textbook logsumexp(z) - z_y is (z_y + 4e-18) - z_y = 0 once the margin passes ~37: 100% wrong.

The null space: sum_k p_k = 1, so (diag(p) - p p^T) 1 = 0. Adding the same number to every
class's intercept (or, at l2 = 0, to every class's weight of one feature) changes no p: H is
singular by construction. From the zero start every solver keeps the symmetric gauge
W.sum(axis=1) = 0, b.sum() = 0: the data gradient (P - Y) sums to zero over the classes, and
Newton takes the minimum-norm step H^+ g, which has no component along the null space.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from manual.categories import SeparationWarning, warn
from manual.checks import Array, as_features, as_real_array, as_scalar
from manual.diagnostics import conclude, warn_if_no_optimum
from manual.fit import solve
from manual.linear import LinearObjective, lipschitz_of
from manual.multinomial_checks import (
    as_class_labels,
    as_class_weights,
    as_direction,
    as_integer_labels,
    as_multinomial_problem,
    one_hot,
)
from manual.options import FitOptions
from manual.solvers import Iterate, Objective


def _others(A: Array) -> Array:
    """sum_{j != k} A_j for each k along the last axis: a sum of the other entries (never the
    total minus A_k, which cancels where A_k carries nearly all of it)."""
    K = A.shape[-1]
    return A @ (np.ones((K, K)) - np.eye(K))


def _shifted(Z: Array) -> tuple[Array, Array, Array]:
    """(gap, e, s): gap_k = z_m - z_k >= 0, e_k = exp(z_k - z_m) in [0, 1], s = sum_{k != m} e_k,
    m = argmax_k z_k, along the last axis.

    z_k - z_m is rounded; its rounding error r (recovered exactly by Knuth's TwoSum) is carried
    into e_k = exp(z_k - z_m) exp(r) = exp(fl(z_k - z_m)) (1 + r): without it, e_k at a gap of 700
    errs by 700 u relative (exp's condition number is its argument)."""
    m = np.argmax(Z, axis=-1)[..., None]
    zm = np.take_along_axis(Z, m, axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):  # gaps past 1.8e308: e = 0 there
        t = Z - zm  # fl(z_k - z_m) <= 0
        # TwoSum(z_k, -z_m): t + r = z_k - z_m exactly
        bv = t - Z
        r = (Z - (t - bv)) + (-zm - bv)
        # |r| <= u |t|: below 1e-13 wherever exp(t) has not underflowed (t > -746); beyond, r can
        # be as large as the gap's ulp, and exp(t) = 0 needs no correction
        e = np.where(t > -750.0, np.exp(t) * (1.0 + np.where(t > -750.0, r, 0.0)), 0.0)
    np.put_along_axis(e, m, 1.0, axis=-1)
    s = np.sum(np.where(np.arange(Z.shape[-1]) == m, 0.0, e), axis=-1)
    return -t, e, s


def _softmax(Z: Array) -> Array:
    # p_k = e_k / (1 + s): e_k <= 1 and 1 + s in [1, K], no overflow, nothing cancels
    _, e, s = _shifted(Z)
    return e / (1.0 + s)[..., None]


def _log_softmax(Z: Array) -> Array:
    # log p_k = -[(z_m - z_k) + log1p(s)]: two terms >= 0; the naive log(softmax) is -inf where
    # p_k underflows, and z_k - logsumexp(z) cancels to 0 where p_k is near 1
    gap, _, s = _shifted(Z)
    # no overflow: gap is inf where z_m - z_k overflowed, and gap + log1p(s) <= gap + log(K)
    return -(gap + np.log1p(s)[..., None]) + 0.0  # + 0.0: log p = 0, not -0


class MultinomialLoss:
    """l(z, Y) = sum_k Y_k (-log p_k), p = softmax(z), and its derivatives in z, per sample,
    exact to a few ulps (see the module docstring for the forms). One instance a K."""

    # every eigenvalue of diag(p) - p p^T is at most 1/2 (Gershgorin: row k sums in absolute
    # value to 2 p_k (1 - p_k) <= 1/2)
    curvature_bound = 0.5

    def __init__(self, K: int) -> None:
        self.K = K

    def parameter_shape(self, d: int) -> tuple[int, ...]:
        """The coefficients [W; b] as one array: (d + 1, K), the intercepts last."""
        return (d + 1, self.K)

    @staticmethod
    def value_and_derivative(Z: Array, Y: Array) -> tuple[Array, Array]:
        """(l_i, dl_i/dz_i) = (sum_k Y_ik (-log p_ik),  p_i sum(Y_i) - Y_i): (m,) and (m, K)."""
        gap, e, s = _shifted(Z)
        p = e / (1.0 + s)[:, None]
        # -log p_k = (z_m - z_k) + log1p(s): at the largest logit, log1p of the others' share
        # (4.2e-18 at a margin of 40, where logsumexp(z) - z_y gives 0)
        with np.errstate(over="ignore", invalid="ignore"):  # Y_k = 0 where the gap overflows
            nll = gap + np.log1p(s)[:, None]
            l = np.sum(np.where(Y > 0.0, Y * nll, 0.0), axis=1)
        # p_k - Y_k = p_k sum_{j != k} Y_j - Y_k sum_{j != k} p_j: for one-hot Y one term is 0
        # and the other a product of accurate factors (at k = y: -sum_{j != y} p_j, never 1 - p_y)
        r = p * _others(Y) - Y * _others(p)
        return l, r

    @staticmethod
    def curvature(Z: Array, Y: Array) -> Array:
        """d2l_i/dz_i2 = sum(Y_i) (diag(p_i) - p_i p_i^T), (m, K, K); sum(Y_i) = 1 for labels."""
        p = _softmax(Z)
        h = -p[:, :, None] * p[:, None, :]  # -p_k p_j off the diagonal
        K = Z.shape[1]
        # on the diagonal p_k (1 - p_k) = p_k sum_{j != k} p_j: where p_k ~ 1, 1 - p_k rounds to 0
        h[:, np.arange(K), np.arange(K)] = p * _others(p)
        return h * Y.sum(axis=1)[:, None, None]

    @staticmethod
    def curvature_times(Z: Array, Y: Array, dZ: Array) -> Array:
        """(d2l_i/dz_i2) dz_i, (m, K): the per-sample Hessian applied to a change of the logits."""
        return np.einsum("ikl,il->ik", MultinomialLoss.curvature(Z, Y), dZ)

    @staticmethod
    def margin(Z: Array, Y: Array) -> Array:
        """z_y - max_{k != y} z_k, (m,), y = argmax_k Y_k: > 0 where sample i lies strictly on its
        own side of every pairwise boundary."""
        y = np.argmax(Y, axis=1)[:, None]
        zy = np.take_along_axis(Z, y, axis=1)[:, 0]
        rest = np.where(np.arange(Z.shape[1]) == y, -np.inf, Z).max(axis=1)
        with np.errstate(over="ignore"):
            return zy - rest


def _objective(X: Array, Y: Array, l2: float | Array) -> LinearObjective:
    return LinearObjective(MultinomialLoss(Y.shape[1]), X, Y, l2)


def _theta(W: Array, b: Array) -> Array:
    return np.vstack([W, b]).ravel()


def softmax(Z: Any) -> Array:
    """p_k = exp(z_k) / sum_j exp(z_j) along the last axis; shaped like Z.

    Within a few ulps of the exact value for every finite Z, no overflow warning."""
    Z = as_real_array("Z", Z)
    if Z.ndim == 0:
        raise ValueError("Z must have at least one axis (the classes); got a scalar")
    return _softmax(Z)


def log_softmax(Z: Any) -> Array:
    """log p_k = z_k - logsumexp(z) along the last axis; shaped like Z, within a few ulps of the
    exact value for every finite Z (including log p_k near 0 and below -1e300)."""
    Z = as_real_array("Z", Z)
    if Z.ndim == 0:
        raise ValueError("Z must have at least one axis (the classes); got a scalar")
    return _log_softmax(Z)


def loss(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> float:
    """L(W, b) = mean_i [ logsumexp(Z_i) - Z_{i, y_i} ] + (l2 / 2) ||W||_F^2, Z = X @ W + b.

    y: (n,) class labels in 0..K-1 (K from W), or soft labels (n, K) whose rows sum to 1 (then
    l_i = sum_k Y_ik (-log p_ik)). Returns a float within a few ulps of the exact value given Z.
    """
    W, b, X, Y, l2 = as_multinomial_problem(W, b, X, y, l2)
    return _objective(X, Y, l2).loss(_theta(W, b))


def gradient(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """(dL/dW, dL/db) = (X.T @ (P - Y) / n + l2 W,  mean_i (P_i - Y_i)): arrays (d, K), (K,)."""
    W, b, X, Y, l2 = as_multinomial_problem(W, b, X, y, l2)
    g = _objective(X, Y, l2).gradient(_theta(W, b)).reshape(-1, Y.shape[1])
    return g[:-1], g[-1]


def hessian(W: Any, b: Any, X: Any, y: Any, l2: Any = 0.0) -> Array:
    """H = sum_i (x1_i x1_i^T) kron (diag(p_i) - p_i p_i^T) / n + l2 on the W block, x1 = (x, 1).

    ((d + 1) K, (d + 1) K) in theta = np.vstack([W, b]).ravel() order: feature j's K class
    weights together, the K intercepts last. Symmetric, positive semi-definite, singular (the
    common shift of the intercepts is in its null space)."""
    W, b, X, Y, l2 = as_multinomial_problem(W, b, X, y, l2)
    return _objective(X, Y, l2).hessian(_theta(W, b))


def hvp(W: Any, b: Any, X: Any, y: Any, V: Any, c: Any, l2: Any = 0.0) -> tuple[Array, Array]:
    """H (V, c) = (X.T @ A / n + l2 V,  sum_i A_i / n),  A_i = (diag(p_i) - p_i p_i^T) dz_i,
    dz = X @ V + c, without forming H: one pass over X. Returns arrays (d, K) and (K,)."""
    W, b, X, Y, l2 = as_multinomial_problem(W, b, X, y, l2)
    V_, c_ = as_direction(V, c, W)
    Hu = _objective(X, Y, l2).hvp(_theta(W, b), _theta(V_, c_)).reshape(-1, Y.shape[1])
    return Hu[:-1], Hu[-1]


def logits(X: Array, W: Array, b: Array) -> Array:
    """Z = X @ W + b, (n, K), on checked arguments; refuses logits that overflow float64."""
    return LinearObjective.logits(X, W, b)


def predict_proba(X: Any, W: Any, b: Any) -> Array:
    """P = softmax(X @ W + b): the probability of each class for each sample, (n, K)."""
    X = as_features(X)
    W, b = as_class_weights(W, b, X.shape[1])
    return _softmax(logits(X, W, b))


def predict(X: Any, W: Any, b: Any) -> NDArray[np.int64]:
    """The most probable class of each sample (the lowest index on a tie): ints, shape (n,)."""
    X = as_features(X)
    W, b = as_class_weights(W, b, X.shape[1])
    return np.argmax(logits(X, W, b), axis=1).astype(np.int64)


def lipschitz(X: Any, l2: Any = 0.0) -> float:
    """L_smooth = lambda_max(X1.T @ X1) / (2 n) + l2: a bound on the Hessian's largest eigenvalue
    anywhere (diag(p) - p p^T <= 1/2), so that gradient descent with lr <= 1 / L never rises."""
    return lipschitz_of(
        as_features(X), as_scalar("l2", l2, low=0.0), MultinomialLoss.curvature_bound
    )


# --- reparametrization and inference -----------------------------------------------------------
def to_reference_class(W: Any, b: Any, base: Any = 0) -> tuple[Array, Array]:
    """The same model with class `base` fixed at zero: W_r = W[:, k] - W[:, base], b_r likewise,
    for every k != base. Returns (W_r (d, K-1), b_r (K-1,)), statsmodels' MNLogit parameters for
    base = 0: softmax(Z) is unchanged by subtracting one column of Z from every column."""
    W_ = as_real_array("W", W)
    if W_.ndim != 2:
        raise ValueError(f"W must have shape (d, K); got shape {W_.shape}")
    W_, b_ = as_class_weights(W_, b, W_.shape[0])
    K = W_.shape[1]
    k0 = _base(base, K)
    keep = np.arange(K) != k0
    return (W_ - W_[:, k0 : k0 + 1])[:, keep], (b_ - b_[k0])[keep]


def _base(base: Any, K: int) -> int:
    if isinstance(base, bool | np.bool_) or not isinstance(base, int | np.integer):
        raise TypeError(f"base must be an int class label, got {type(base).__name__} {base!r}")
    if not 0 <= base < K:
        raise ValueError(f"base must be a class label in 0..{K - 1}; got {base}")
    return int(base)


def standard_errors(W: Any, b: Any, X: Any, y: Any, base: Any = 0) -> tuple[Array, Array]:
    """se = sqrt(diag(I_r^-1)) for the parameters of `to_reference_class(W, b, base)`.

    I = n H0 (H0 the Hessian of the unpenalized mean loss) is the Fisher information of the
    log-likelihood in the full parameters; with class `base` fixed at zero the free parameters
    are the other K - 1 classes', so I_r is I restricted to their rows and columns (H0 depends on
    P alone, the same in both parametrizations). Returns (se_W (d, K-1), se_b (K-1,)); a column
    scaled by c scales its errors by 1 / c. Raises ValueError where I_r is singular (collinear
    columns, or separable data), decided on its correlation form (unit diagonal)."""
    W, b, X, Y, _ = as_multinomial_problem(W, b, X, y, 0.0)
    n, d = X.shape
    K = W.shape[1]
    k0 = _base(base, K)
    free = (np.arange((d + 1) * K) % K) != k0
    info = n * _objective(X, Y, 0.0).hessian(_theta(W, b))[np.ix_(free, free)]
    D = np.sqrt(np.diagonal(info))
    # singularity decided on the correlation form S = I / (D D^T), unit diagonal, where a column's
    # units no longer count (I's own eigenvalues span 1e16 at a column of scale 1e8); D_j = 0, a
    # parameter with no information, leaves S = 0
    S = info / np.outer(D, D) if np.all(D > 0) else np.zeros_like(info)
    lam = np.linalg.eigvalsh(S)
    if lam[0] <= S.shape[0] * np.finfo(np.float64).eps * lam[-1]:
        raise ValueError(
            "X, W and b give a singular Fisher information (smallest/largest eigenvalue of its "
            f"correlation form {lam[0]:.3e} / {lam[-1]:.3e}): collinear or constant columns, or "
            "separable data; the standard errors are not defined"
        )
    se = (np.sqrt(np.diag(np.linalg.inv(S))) / D).reshape(d + 1, K - 1)  # I^-1 = S^-1 / (D D^T)
    return se[:-1], se[-1]


def separated_class(objective: LinearObjective, theta: Array) -> tuple[int, int] | None:
    """(k, j) where h = z_k - z_j at theta is > 0 on every sample of class k and < 0 on every
    other sample, beyond the rounding of the logits, 2 (d + 1) EPS (|X_i| @ |W| + |b|); None if no
    pair does. One pass over X, a block of rows at a time.

    Such an h certifies that no finite optimum exists at l2 = 0 (class k is separable from all the
    others): adding t (W_k - W_j, b_k - b_j) to class k's parameters alone raises z_k on class k's
    samples and lowers it on every other, so every l_i falls as t grows."""
    W, b = objective.coefficients(theta)
    K = W.shape[1]
    eps = float(np.finfo(np.float64).eps)
    holds = ~np.eye(K, dtype=bool)  # holds[k, j]: z_k - z_j separates class k so far
    for Xb, Yb in objective.blocks():
        Z = objective.logits(Xb, W, b)
        size = (np.abs(Xb) @ np.abs(W) + np.abs(b)).max(axis=1)
        rounding = 2 * (objective.d + 1) * eps * size
        sign = np.where(np.argmax(Yb, axis=1)[:, None] == np.arange(K), 1.0, -1.0)
        with np.errstate(over="ignore"):
            h = Z[:, :, None] - Z[:, None, :]  # h[i, k, j] = z_ik - z_ij
        holds &= np.all(sign[:, :, None] * h > rounding[:, None, None], axis=0)
        if not holds.any():
            return None
    k, j = (int(v) for v in np.argwhere(holds)[0])
    return k, j


# --- training -----------------------------------------------------------------------------------
# callback(k, W, b, loss, grad_W, grad_b) at every iterate k = 0, 1, ..., n_iter (scripts print
# with it; the library never prints). It must not change W or b.
MultinomialCallback = Callable[[int, Array, Array, float, Array, Array], None]


@dataclass(frozen=True)
class MultinomialFitResult:
    """What `fit` returns.

    W, b        the final parameters, (d, K) and (K,)
    losses      the loss at every iterate, the start included: (n_iter + 1,)
    grad_norms  max |entry| of the whole gradient at every iterate: (n_iter + 1,)
    n_iter      steps taken
    converged   whether the gradient norm reached tol
    separable   whether the data were found to have no finite optimum (separable at l2 = 0, or a
                class absent from y)
    solver, lr  the solver, and the step size used by "gd" (None for the others)
    """

    W: Array
    b: Array
    losses: Array
    grad_norms: Array
    n_iter: int
    converged: bool
    separable: bool
    solver: str
    lr: float | None

    @property
    def n_classes(self) -> int:
        return int(self.W.shape[1])


class GaugedObjective:
    """The objective as the solvers see it: L unchanged; its gradient and hvp with the rounding
    of their data parts kept out of the class shifts; the Hessian H + mu Pi, Pi = I_(d+1) kron
    (1 1^T / K) the projector onto the class shifts.

    Why the projection: the data part of the gradient, X1.T @ (P - Y) / n, sums to zero over the
    classes in exact arithmetic (each row of P - Y does), and so does that of H u (each
    diag(p) - p p^T annihilates 1). Their rounding does not: at features of 1e6 it leaves a
    component along the shifts of ~1e-10 that L-BFGS's memory amplifies step after step, and the
    gauge W.sum(axis=1) = 0, b.sum() = 0 drifts to 1e8. The solvers see
        g = (I - Pi) g_data + l2 Pi (W, 0)        (H u likewise, with (U_W, 0))
    the exact gradient's form: the penalty's own shift component l2 Pi (W, 0) kept, so that a start
    outside the gauge still moves towards it at l2 > 0. From a start in the gauge every step
    stays in it.

    Why the Hessian: H is singular along the shifts (exactly along (0, 1_K); along every
    e_j kron 1_K at l2 = 0, where H (e_j kron 1) = l2 (e_j kron 1) otherwise), and H commutes with
    Pi (each shift is an eigenvector of H). mu is added along the singular ones only: at l2 > 0,
    H's own l2 along a feature's shift lets Newton remove a start's shift in one step. Every
    gradient lies in the gauge subspace G = {sum over classes = 0} that Pi annihilates, so for g
    in G, (H + mu Pi)^-1 g = H^+ g: the minimum-norm Newton step, now from a positive
    definite matrix. Left to decide which eigenvalues of H are rounding-size zeros, the solver can
    keep a null direction whose eigenvalue rounded to 1e-9 (at offset columns such as years) and
    step a long way along it. mu is H's largest diagonal entry, so that Pi's directions neither
    dominate nor vanish in H + mu Pi.
    """

    def __init__(self, inner: Objective, d: int, K: int, l2: float | Array = 0.0) -> None:
        self.inner = inner
        self.K, self.l2 = K, l2
        # the shifts along which H is singular: the intercepts' always, feature j's where its
        # penalty l2_j is 0 (elsewhere H has the curvature l2_j along it, the true one: mu added
        # there would shrink Newton's step along it to l2_j / (l2_j + mu) of the shift)
        penalties = np.broadcast_to(np.ravel(l2), (d,))
        singular = np.append(penalties == 0.0, True).astype(np.float64)
        self.shifts = np.kron(np.diag(singular), np.full((K, K), 1.0 / K))

    def _gauged(self, v: Array, u: Array) -> Array:
        """(I - Pi) v + l2 Pi (U_W, 0), v and u flat: v's rows (a feature's K classes) less their
        mean, plus the penalty's shift component at u."""
        rows = v.reshape(-1, self.K)
        out = rows - rows.mean(axis=1, keepdims=True)
        if np.any(self.l2):  # l2: a float, or (d, 1), one a feature (`Centring`)
            U = u.reshape(-1, self.K)
            out[:-1] += self.l2 * U[:-1].mean(axis=1, keepdims=True)
        return out.ravel()

    def loss_and_gradient(self, theta: Array) -> tuple[float, Array]:
        f, g = self.inner.loss_and_gradient(theta)
        return f, self._gauged(g, theta)

    def hessian(self, theta: Array) -> Array:
        H = self.inner.hessian(theta)
        mu = max(float(np.max(np.diagonal(H))), float(np.finfo(np.float64).tiny))
        return H + mu * self.shifts

    def hvp(self, theta: Array, u: Array) -> Array:
        return self._gauged(self.inner.hvp(theta, u), u)


def _fit(
    make_objective: Callable[[Array, Array, float | Array], Objective],
    X: Any,
    y: Any,
    keywords: dict[str, Any],
    W0: Any,
    b0: Any,
    callback: MultinomialCallback | None,
) -> MultinomialFitResult:
    """The body of every `fit` that `make_fit` builds: a function of the module, not a closure,
    so that it is looked up when called (keywords: FitOptions.checked's, unchecked)."""
    X = as_features(X)
    n, d = X.shape
    labels = as_integer_labels(y, n)
    K = int(labels.max()) + 1
    if K < 2:
        raise ValueError(
            "y must hold at least two classes (fit takes K = max(y) + 1); got K = 1, every label 0"
        )
    Y = one_hot(labels, K)
    options = FitOptions.checked(**keywords)
    W_start = np.zeros((d, K)) if W0 is None else None
    b_start = np.zeros(K) if b0 is None else None
    if W0 is not None or b0 is not None:
        W_given, b_given = as_class_weights(
            np.zeros((d, K)) if W0 is None else W0,
            np.zeros(K) if b0 is None else b0,
            d,
            names=("W0", "b0"),
        )
        if W_given.shape != (d, K):
            raise ValueError(
                f"W0 must have shape (d, K) = ({d}, {K}) (K = max(y) + 1); got shape "
                f"{W_given.shape}"
            )
        W_start, b_start = W_given, b_given
    assert W_start is not None and b_start is not None
    theta0 = _theta(W_start, b_start)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    solver_ = options.make_solver(
        lambda: 1.0 / lipschitz_of(X, options.l2, MultinomialLoss.curvature_bound)
    )

    # From a start in the symmetric gauge every exact iterate stays in it (the gradients and
    # Hessian products the solvers see have no component along the class shifts); what the
    # computed iterates gather there is the rounding of the steps (L-BFGS's two-loop sums
    # cancel where the columns' scales differ by 1e10), and it is removed: a common shift of
    # every class's logits changes no p, and at l2 > 0 removing it only lowers the penalty.
    gauged = bool(np.all(np.vstack([W_start, b_start]).sum(axis=1) == 0.0))

    def in_gauge(theta: Array) -> Array:
        coef = theta.reshape(d + 1, K)
        return (coef - coef.mean(axis=1, keepdims=True)).ravel() if gauged else theta

    def report(k: int, at: Iterate) -> None:
        if callback is not None:
            coef, grad = in_gauge(at.theta).reshape(d + 1, K), at.grad.reshape(d + 1, K)
            callback(k, coef[:-1], coef[-1], at.loss, grad[:-1], grad[-1])

    # the affine-invariant solvers run on centred features (`manual.fit.solve`): the map
    # coef_c = [c W; b + mu W] keeps the gauge (mu W sums to zero over classes where W does)
    run, _ = solve(
        make_objective,
        X,
        Y,
        options,
        theta0,
        solver_,
        report if callback is not None else None,
        shape=(d + 1, K),
        wrap=lambda objective, l2: GaugedObjective(objective, d, K, l2),
    )
    run = dataclasses.replace(run, theta=in_gauge(run.theta))
    present = int(np.count_nonzero(Y.sum(axis=0)))
    checker = _objective(X, Y, options.l2)
    no_optimum = warn_if_no_optimum(checker, run.theta, run.losses, K, present)
    if not no_optimum and options.l2 == 0.0:
        pair = separated_class(checker, run.theta)
        if pair is not None:
            no_optimum = True
            warn(
                f"class {pair[0]} is separable from all the others (the final z_{pair[0]} - "
                f"z_{pair[1]} is > 0 on each of its samples and < 0 on every other), so the "
                "loss keeps falling as its weights grow and the maximum-likelihood weights do "
                "not exist; the weights returned are finite only because the run stopped. "
                "Add a penalty l2 > 0 for a unique finite optimum.",
                SeparationWarning,
            )
    lr_used = conclude(options, solver_, run, no_optimum=no_optimum)
    coef = run.theta.reshape(d + 1, K)
    return MultinomialFitResult(
        W=coef[:-1],
        b=coef[-1],
        losses=run.losses,
        grad_norms=run.grad_norms,
        n_iter=run.n_iter,
        converged=run.converged,
        separable=no_optimum,
        solver=options.solver,
        lr=lr_used,
    )


def make_fit(
    make_objective: Callable[[Array, Array, float | Array], Objective],
) -> Callable[..., MultinomialFitResult]:
    """`fit` for the multinomial model on the objective make_objective(X, Y, l2) builds (Y the
    one-hot (n, K) labels): the hand-derived one here, the JAX twin's autodiff one in
    `reference.multinomial`."""

    def fit(
        X: Any,
        y: Any,
        *,
        solver: str = "gd",
        lr: float | None = None,
        max_iter: int = 1000,
        tol: float = 1e-8,
        l2: float = 0.0,
        W0: Any = None,
        b0: Any = None,
        callback: MultinomialCallback | None = None,
    ) -> MultinomialFitResult:
        """Minimize L(W, b) = mean cross-entropy + (l2 / 2) ||W||_F^2 with any solver of
        `manual.solvers.SOLVERS`.

        X (n, d) or (n,), y (n,) of integer class labels; K = max(y) + 1 >= 2. Starts from W0
        (default zeros (d, K)) and b0 (default zeros (K,)): from zeros every solver keeps
        W.sum(axis=1) = 0 and b.sum() = 0. gd's lr=None is 1 / L (`lipschitz`). Stops when the
        largest gradient entry is <= tol, or after max_iter steps. Warns `ConvergenceWarning` when
        max_iter ends the run first, and `SeparationWarning` where no finite optimum exists (a
        class in 0..K-1 absent from y at any l2; at l2 = 0, separable classes, or one class
        separable from all the others, as certified by the final iterate: at most two passes
        over X after the run).
        """
        return _fit(
            make_objective,
            X,
            y,
            dict(solver=solver, lr=lr, max_iter=max_iter, tol=tol, l2=l2),
            W0,
            b0,
            callback,
        )

    return fit


fit = make_fit(_objective)


__all__ = [
    "MultinomialFitResult",
    "MultinomialLoss",
    "as_class_labels",
    "fit",
    "gradient",
    "hessian",
    "hvp",
    "lipschitz",
    "log_softmax",
    "loss",
    "make_fit",
    "predict",
    "predict_proba",
    "softmax",
    "standard_errors",
    "to_reference_class",
]
