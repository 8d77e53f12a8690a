"""Training: full-batch gradient descent and Newton's method, with the same stopping rule.

    gd:      w <- w - lr * dL/dw,   b <- b - lr * dL/db
    newton:  (w, b) <- (w, b) - t H^-1 g,  t = 1, 1/2, 1/4, ... until the loss decreases
    stop:    when ||g||inf = max(|dL/dw|, |dL/db|) <= tol (tol = 0: exactly max_iter steps)

The driver here is shared with `reference.fit`, which hands it the JAX twin's derivatives, so that
the two twins follow identical update rules and differ only in how the derivatives are computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from manual.checks import (
    Array,
    as_count,
    as_features,
    as_labels,
    as_scalar,
    as_weights,
)
from manual.blocked import Objective
from manual.categories import ConvergenceWarning, SeparationWarning, warn

SOLVERS = ("gd", "newton")
# Armijo's sufficient decrease for the Newton line search: L(theta - t d) <= L - C t g.d + slack.
ARMIJO_C = 1e-4
# the slack: a few ulps of the loss, below which two losses cannot be told apart; without it the
# line search stalls at the optimum, where every step changes the loss by less than its rounding
LOSS_SLACK_ULPS = 4
# halvings of t after which t = 2^-1075 has underflowed to 0: a bound the loop never reaches on
# finite data, since it stops once t g.d is below the slack (see _line_search)
MAX_HALVINGS = 1100
# Newton steps without progress after which a run that has not reached tol is at rounding level
FLOOR_STEPS = 3
# a Cauchy step is taken where its model decrease is this many times Newton's (see _newton_step)
CAUCHY_FACTOR = 2.0
_TINY = float(np.finfo(np.float64).eps) ** 8  # 2^-416: a Cauchy length of at most 2^416


# callback(k, w, b, loss, grad_w, grad_b) at every iterate k = 0, 1, ..., n_iter: for printing or
# recording in scripts (the library itself never prints). It must not change w.
Callback = Callable[[int, Array, float, float, Array, float], None]


class Model(Protocol):
    """What the driver needs: the objective and its derivatives at (w, b) on one data set."""

    def loss_and_gradient(self, w: Array, b: float) -> tuple[float, Array, float]: ...
    def hessian(self, w: Array, b: float) -> Array: ...

    X: Array
    y: Array


@dataclass(frozen=True)
class FitResult:
    """What `fit` returns.

    w, b        the final parameters, (d,) and float
    losses      the loss at every iterate, the start included: (n_iter + 1,)
    grad_norms  max(|dL/dw|, |dL/db|) at every iterate: (n_iter + 1,)
    n_iter      steps taken
    converged   whether the gradient norm reached tol
    separable   whether the run proved the data linearly separable (l2 = 0 only)
    solver, lr  the solver, and the step size used by "gd" (None for "newton")
    """

    w: Array
    b: float
    losses: Array
    grad_norms: Array
    n_iter: int
    converged: bool
    separable: bool
    solver: str
    lr: float | None


def lipschitz(X: Any, l2: Any = 0.0) -> float:
    """L_smooth = lambda_max(X1.T @ X1) / (4 n) + l2, X1 = [X, 1]: a bound on the largest eigenvalue
    of the Hessian anywhere (p (1 - p) <= 1/4), so that gradient descent with lr <= 1 / L_smooth
    never increases the loss."""
    return _lipschitz(as_features(X), as_scalar("l2", l2, low=0.0))


def _lipschitz(X: Array, l2: float) -> float:
    """`lipschitz` on checked arguments."""
    n = X.shape[0]
    # X1.T @ X1 = [[X.T X, X.T 1], [1.T X, n]], without copying X into X1
    d = X.shape[1]
    G = np.empty((d + 1, d + 1))
    G[:d, :d] = X.T @ X
    G[:d, d] = G[d, :d] = X.sum(axis=0)
    G[d, d] = n
    return float(np.linalg.eigvalsh(G / (4 * n))[-1]) + l2


def _newton_direction(H: Array, g: Array) -> Array:
    """d = H^+ g, the minimum-norm solution of H d = g.

    H is positive semi-definite but can be singular (l2 = 0 with a constant or duplicated column,
    or points so far from the boundary that p (1 - p) underflows): eigenvalues below rounding
    level, (d + 1) EPS lambda_max, are treated as zero, and the step stays in the span of the rest.
    """
    try:
        # the common case, H positive definite: Cholesky succeeds, with pivots L_jj^2 that lie in
        # [lambda_min, lambda_max], so max L_jj / min L_jj <= cond(L) = sqrt(cond(H)): where even
        # this lower bound passes 1e7, H is too close to singular for a plain solve
        pivots = np.diagonal(np.linalg.cholesky(H))
        if pivots.min() > 1e-7 * pivots.max():
            step: Array = np.linalg.solve(H, g).astype(np.float64, copy=False)
            if np.all(np.isfinite(step)):
                return step
    except np.linalg.LinAlgError:
        pass
    lam, V = np.linalg.eigh(H)
    cutoff = H.shape[0] * np.finfo(np.float64).eps * max(float(lam[-1]), 0.0)
    keep = lam > cutoff
    if not keep.any():
        return np.zeros_like(g)
    Vk = V[:, keep]
    return Vk @ ((Vk.T @ g) / lam[keep])


# (loss, grad_w, grad_b) at a point: what a Newton step hands on, so that the accepted trial point's
# gradient is not computed twice
Evaluation = tuple[float, Array, float]


def _newton_step(
    model: Model, w: Array, b: float, f: float, gw: Array, gb: float
) -> tuple[Array, float, Evaluation] | None:
    """(w, b) - t H^+ g with t = 1, 1/2, 1/4, ... the first to pass Armijo's test, with the loss and
    gradient there; None where no step lowers the loss beyond its rounding.

    Far from the optimum, p (1 - p) underflows towards 0 for most samples. H^+ g is then
    astronomically long (1e130 at logits near 300), and the search halves t for as long as it takes
    to bring it back; and where H's curvature is all in a few samples, H^+ g lies in their span
    and can miss the direction that lowers the loss: the Cauchy step along g then replaces it.
    """
    g = np.append(gw, gb)
    slack = _loss_slack(f)
    H = model.hessian(w, b)
    step = _newton_direction(H, g)
    # the decrease of the quadratic model along the Cauchy step |g|^2 / (g.H.g) g, the model's
    # minimum along g: in exact arithmetic it is at most g.H^+ g, Newton's (Cauchy-Schwarz in
    # the H inner product); far above it, H^+ has discarded a direction of g (curvature below
    # the rounding of H's eigenvalues) that still lowers the loss
    g_g, g_H_g = float(g @ g), float(g @ H @ g)
    length = g_g / g_H_g if g_H_g > g_g * _TINY else 1 / _TINY
    if g_g * length > CAUCHY_FACTOR * float(g @ step):
        step = length * g
    return _line_search(model, w, b, f, g, step, slack)


def _line_search(
    model: Model, w: Array, b: float, f: float, g: Array, step: Array, slack: float
) -> tuple[Array, float, Evaluation] | None:
    """The first of (w, b) - t step, t = 1, 1/2, 1/4, ..., to pass Armijo's test.

    The loss is convex, so along the step L(theta - t step) >= L - t g.step: once t g.step is below
    the loss's rounding (the slack), no shorter step can lower the loss measurably, and the search
    gives up. And the loss is >= 0: a t whose Armijo margin C t g.step exceeds L (plus the slack)
    cannot pass, and is skipped without a pass over X (far from the optimum, hundreds of them).
    """
    decrease = float(g @ step)  # >= 0 for a descent direction: H^+ is PSD
    t = 1.0
    for _ in range(MAX_HALVINGS):
        if ARMIJO_C * t * decrease > f + slack:
            # the loss is >= 0, so it cannot fall by more than f: no such t passes, untried
            t *= 0.5
            continue
        w_t, b_t = w - t * step[:-1], b - t * float(step[-1])
        try:
            # the trial's gradient costs little more than its loss (the same pass over X), and
            # is the next iterate's gradient when the step is taken, as it nearly always is
            at_t = model.loss_and_gradient(w_t, b_t)
        except ValueError:  # the trial step sends the logits past float64: too long
            at_t = None
        if at_t is not None and at_t[0] <= f - ARMIJO_C * t * decrease + slack:
            return w_t, b_t, at_t
        t *= 0.5
        if t * decrease <= slack:
            return None
    return None


def _loss_slack(f: float) -> float:
    """LOSS_SLACK_ULPS ulps of the loss f: changes of the loss below this are its rounding."""
    return LOSS_SLACK_ULPS * float(np.finfo(np.float64).eps) * abs(f)


def _grad_norm(gw: Array, gb: float) -> float:
    return max(float(np.max(np.abs(gw), initial=0.0)), abs(gb))


def run(
    model: Model,
    n: int,
    *,
    solver: str,
    lr: float,
    max_iter: int,
    tol: float,
    l2: float,
    w0: Array,
    b0: float,
    callback: Callback | None = None,
) -> FitResult:
    """The solver loop on checked arguments; records the loss and gradient norm at each iterate."""
    w, b = w0.copy(), float(b0)
    f, gw, gb = model.loss_and_gradient(w, b)
    losses, grad_norms = [f], [_grad_norm(gw, gb)]
    if callback is not None:
        callback(0, w, b, f, gw, gb)
    stalled = False
    for k in range(1, max_iter + 1):
        if tol > 0 and grad_norms[-1] <= tol:
            break
        if solver == "gd":
            w, b = w - lr * gw, b - lr * gb
            f, gw, gb = model.loss_and_gradient(w, b)
        else:
            stepped = None if stalled else _newton_step(model, w, b, f, gw, gb)
            if stepped is None:
                # no step lowers the loss beyond its rounding: nothing left to do, but tol = 0
                # asks for max_iter steps, which are then steps of length 0
                stalled = True
                if tol > 0:
                    break
            else:
                w, b, (f, gw, gb) = stepped
        losses.append(f)
        grad_norms.append(_grad_norm(gw, gb))
        if callback is not None:
            callback(k, w, b, f, gw, gb)

    losses_a, norms_a = np.array(losses), np.array(grad_norms)
    converged = bool(norms_a[-1] <= tol)
    separable = l2 == 0.0 and (
        _separates(model, w, b, losses_a, n)
        or (not converged and _newton_probe_separates(model, w, b, (f, gw, gb), n))
    )
    if separable:
        warn(
            "the data are linearly separable: some (w, b) puts every sample on its own side, so "
            "the loss goes to 0 as ||w|| grows and the maximum-likelihood weights do not exist. "
            "The weights returned are finite only because the run stopped (at tol or max_iter); "
            "add a penalty l2 > 0 for a unique finite optimum.",
            SeparationWarning,
        )
    elif not converged and tol > 0:
        warn(_advice(solver, lr, losses_a, norms_a, tol, stalled), ConvergenceWarning)
    return FitResult(
        w=w,
        b=b,
        losses=losses_a,
        grad_norms=norms_a,
        n_iter=len(losses) - 1,
        converged=converged,
        separable=separable,
        solver=solver,
        lr=lr if solver == "gd" else None,
    )


def _separates(model: Model, w: Array, b: float, losses: Array, n: int) -> bool:
    """A certificate that (w, b) or an earlier iterate puts every sample strictly on its side.

    - a loss below log(2) / n makes every l_i < log 2, i.e. every point on its own side;
    - or the final (w, b) does: (2 y_i - 1) z_i beyond the rounding of z_i, (d + 1) EPS (|X_i| @
      |w| + |b|). Any margin counts, however thin: a gap between the classes is not needed.
    """
    if losses.min() < math.log(2.0) / n * (1 - 1e-12):
        return True
    X, y = model.X, model.y
    z = X @ w + b
    rounding = (X.shape[1] + 1) * np.finfo(np.float64).eps * (np.abs(X) @ np.abs(w) + abs(b))
    return bool(np.all((2 * y - 1) * z > rounding))


def _newton_probe_separates(model: Model, w: Array, b: float, at: Evaluation, n: int) -> bool:
    """After a run that did not converge, up to 50 damped Newton steps from where it stopped (`at`:
    the loss and gradient there): on separable data they drive the loss towards 0 (and past
    log(2) / n) within a few steps."""
    losses = [at[0]]
    for _ in range(50):
        stepped = _newton_step(model, w, b, *at)
        if stepped is None:
            return False  # the optimum, to float64 precision: a finite one
        w, b, at = stepped
        losses.append(at[0])
        if _separates(model, w, b, np.array(losses), n):
            return True
    return False


def _at_rounding_floor(losses: Array, norms: Array) -> bool:
    """Near the optimum a Newton step squares the error: FLOOR_STEPS steps that neither lower the
    best gradient norm nor move the loss beyond its rounding have reached float64's floor."""
    if len(norms) <= FLOOR_STEPS:
        return False
    slack = _loss_slack(float(losses[-1]))
    return bool(
        norms[-FLOOR_STEPS:].min() >= norms[:-FLOOR_STEPS].min()
        and np.ptp(losses[-FLOOR_STEPS - 1 :]) <= slack
    )


def _advice(solver: str, lr: float, losses: Array, norms: Array, tol: float, stalled: bool) -> str:
    head = (
        f"{solver} stopped after {len(losses) - 1} steps with gradient norm {norms[-1]:.3e} "
        f"> tol = {tol:.3e}: "
    )
    if stalled:
        return head + (
            "no Newton step lowers the loss beyond its rounding; the optimum is reached to "
            "float64 precision, so tol is below what this data set allows"
        )
    if solver == "newton" and _at_rounding_floor(losses, norms):
        return head + (
            f"the last {FLOOR_STEPS} Newton steps lowered neither the gradient norm nor the loss "
            "beyond its rounding; the optimum is reached to float64 precision, so tol is below "
            "what this data set allows"
        )
    if solver == "newton":
        return head + "raise max_iter, or scale the features to comparable ranges"
    if np.any(np.diff(losses) > 0):
        return head + (
            f"the loss rose on some steps, so lr = {lr:.3g} is too large: try lr <= 1 / L "
            "(fit's default, see manual.lipschitz), or scale the features"
        )
    return head + (
        f"the loss still falls slowly: raise max_iter, try a larger lr than {lr:.3g} (up to "
        "2 / L), scale the features to comparable ranges, or use solver='newton'"
    )


def check_fit_arguments(
    X: Any,
    y: Any,
    *,
    solver: Any,
    lr: Any,
    max_iter: Any,
    tol: Any,
    l2: Any,
    w0: Any,
    b0: Any,
) -> tuple[Array, Array, str, float | None, int, float, float, Array, float]:
    """Check fit's arguments once: returns (X, y, solver, lr, max_iter, tol, l2, w0, b0)."""
    X = as_features(X)
    n, d = X.shape
    y = as_labels(y, n, soft=False)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    lr_ = None if lr is None else as_scalar("lr", lr, low=0.0, low_open=True)
    return (
        X,
        y,
        solver,
        lr_,
        as_count("max_iter", max_iter),
        as_scalar("tol", tol, low=0.0),
        as_scalar("l2", l2, low=0.0),
        np.zeros(d) if w0 is None else as_weights(w0, d).copy(),
        as_scalar("b0", b0),
    )


def fit_model(
    make_model: Callable[[Array, Array, float], Model],
    X: Any,
    y: Any,
    *,
    solver: Any,
    lr: Any,
    max_iter: Any,
    tol: Any,
    l2: Any,
    w0: Any,
    b0: Any,
    callback: Callback | None,
) -> FitResult:
    """Check fit's arguments once, build the model of the objective on (X, y, l2), and run."""
    X, y, solver, lr_, max_iter, tol, l2, w0, b0 = check_fit_arguments(
        X, y, solver=solver, lr=lr, max_iter=max_iter, tol=tol, l2=l2, w0=w0, b0=b0
    )
    step = (1.0 / _lipschitz(X, l2)) if lr_ is None and solver == "gd" else (lr_ or 0.0)
    return run(
        make_model(X, y, l2),
        X.shape[0],
        solver=solver,
        lr=step,
        max_iter=max_iter,
        tol=tol,
        l2=l2,
        w0=w0,
        b0=b0,
        callback=callback,
    )


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
    """Minimize L(w, b) = mean BCE + (l2 / 2) ||w||^2 by gradient descent or Newton's method.

    X (n, d) or (n,), y (n,) of 0/1. solver "gd": w <- w - lr * grad (lr=None: 1 / L with L from
    `lipschitz`, which never increases the loss); "newton": damped Newton steps. Stops when
    max(|dL/dw|, |dL/db|) <= tol, or after max_iter steps (tol = 0: exactly max_iter steps).
    Starts from w0 (default zeros) and b0; calls callback(k, w, b, loss, grad_w, grad_b) at every
    iterate if given. Warns `ConvergenceWarning` when max_iter ends the run
    first and `SeparationWarning` when the data are linearly separable (l2 = 0).
    """
    return fit_model(
        Objective,
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
