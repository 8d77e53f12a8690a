"""Training the binary model: `fit`, built once for any objective (the JAX twin builds its own).

    gd:         w <- w - lr * dL/dw,   b <- b - lr * dL/db
    newton:     (w, b) <- (w, b) - t H^+ g,  t = 1, 1/2, 1/4, ... until Armijo's test passes
    lbfgs:      (w, b) <- (w, b) - t H_k g,  H_k from the last `memory` steps, t: strong Wolfe
    newton-cg:  (w, b) <- (w, b) - t d,  H d = g by conjugate gradients through hvp, t: Armijo
    stop:    when ||g||inf = max(|dL/dw|, |dL/db|) <= tol (tol = 0: exactly max_iter steps)

The solvers are `manual.solvers`; the checks of the options, `manual.options`; what a finished run
says about the data (no finite optimum, advice), `manual.diagnostics`. After its iterations `fit`
spends one more pass over X (the certificates of separation at l2 = 0, the gradient's rounding
where the run ended short of tol, the columns' spreads where it reached tol); at l2 = 0 a second
only where a run that ended short of tol has pushed some sample to its side (the Gram matrix of
the quasi-complete certificate), and one more only where that certificate has a candidate
direction to check: at most three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual.binary import BinaryLoss
from manual.checks import Array, as_features, as_labels, as_scalar, as_weights
from manual.diagnostics import conclude, examine
from manual.linear import Centring, LinearObjective, lipschitz_of
from manual.options import FitOptions
from manual.solvers import Iterate, Objective, Solver, Trajectory, minimize
from manual.solvers.lbfgs import DEFAULT_MEMORY
from manual.solvers.newton_cg import DEFAULT_CG_TOL

# callback(k, w, b, loss, grad_w, grad_b) at every iterate k = 0, 1, ..., n_iter: for printing or
# recording in scripts (the library itself never prints). It must not change w.
Callback = Callable[[int, Array, float, float, Array, float], None]


@dataclass(frozen=True)
class FitResult:
    """What `fit` returns.

    w, b        the final parameters, (d,) and float
    losses      the loss at every iterate, the start included: (n_iter + 1,)
    grad_norms  max(|dL/dw|, |dL/db|) at every iterate: (n_iter + 1,)
    n_iter      steps taken
    converged   whether the gradient norm reached tol
    separable   whether the data were found to have no finite optimum (completely or
                quasi-completely separable at l2 = 0, or one class), with a certificate
    solver, lr  the solver, and the step size used by "gd" (None for the others)
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
    return lipschitz_of(as_features(X), as_scalar("l2", l2, low=0.0), BinaryLoss.curvature_bound)


def make_fit(
    make_objective: Callable[[Array, Array, float | Array], Objective],
) -> Callable[..., FitResult]:
    """`fit` for the binary model on the objective that make_objective(X, y, l2) builds: the
    hand-derived one here, the JAX twin's autodiff one in `reference`."""

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
        memory: int = DEFAULT_MEMORY,
        cg_tol: float = DEFAULT_CG_TOL,
        cg_max_iter: int | None = None,
    ) -> FitResult:
        """Minimize L(w, b) = mean BCE + (l2 / 2) ||w||^2 by gradient descent, Newton's method,
        L-BFGS or truncated Newton.

        X (n, d) or (n,), y (n,) of 0/1. solver "gd": w <- w - lr * grad (lr=None: 1 / L with L
        from `lipschitz`, which never increases the loss); "newton": damped Newton steps;
        "lbfgs": limited-memory BFGS keeping the last `memory` steps, with a Wolfe line search;
        "newton-cg": Newton steps solved by conjugate gradients through Hessian-vector products
        to a relative residual min(cg_tol, sqrt(||g||inf)), at most cg_max_iter products a step
        (None: twice the number of parameters), then damped like Newton's. Stops
        when max(|dL/dw|, |dL/db|) <= tol, or after max_iter steps (tol = 0: exactly max_iter
        steps). Starts from w0 (default zeros) and b0; calls callback(k, w, b, loss, grad_w,
        grad_b) at every iterate if given. Warns `ConvergenceWarning` when max_iter ends the run
        first, and `SeparationWarning` where no finite optimum exists (complete or quasi-complete
        separation at l2 = 0, or one class only at any l2; DERIVATION.md, "When no finite
        optimum exists").
        """
        return _fit(
            make_objective,
            X,
            y,
            dict(
                solver=solver,
                lr=lr,
                max_iter=max_iter,
                tol=tol,
                l2=l2,
                memory=memory,
                cg_tol=cg_tol,
                cg_max_iter=cg_max_iter,
            ),
            w0,
            b0,
            callback,
        )

    return fit


def _fit(
    make_objective: Callable[[Array, Array, float | Array], Objective],
    X: Any,
    y: Any,
    keywords: dict[str, Any],
    w0: Any,
    b0: Any,
    callback: Callback | None,
) -> FitResult:
    """The body of every `fit` that `make_fit` builds: a function of the module, not a closure,
    so that it is looked up when called (keywords: FitOptions.checked's, unchecked)."""
    X = as_features(X)
    n, d = X.shape
    y = as_labels(y, n, soft=False)
    options = FitOptions.checked(**keywords)
    theta0 = np.append(
        np.zeros(d) if w0 is None else as_weights(w0, d, name="w0"), as_scalar("b0", b0)
    )
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    solver_ = options.make_solver(
        lambda: 1.0 / lipschitz_of(X, options.l2, BinaryLoss.curvature_bound)
    )

    def report(k: int, at: Iterate) -> None:
        if callback is not None:
            callback(
                k, at.theta[:-1], float(at.theta[-1]), at.loss, at.grad[:-1], float(at.grad[-1])
            )

    run, scaled = solve(
        make_objective, X, y, options, theta0, solver_, report if callback is not None else None
    )
    checker = LinearObjective(BinaryLoss, X, y, options.l2)
    present = int(np.any(y == 0)) + int(np.any(y == 1))
    unfinished = not run.converged and options.tol > 0
    # tol is a bound on the gradient in the user's coordinates: a column whose spread is
    # below tol has a gradient below tol whatever its weight (`manual.diagnostics.Examination`)
    # for every solver; gd's steps also depend on the columns' offsets
    converged = run.converged and options.tol > 0
    found = examine(
        checker,
        run.theta,
        run.losses,
        2,
        present,
        unfinished=unfinished,
        blind_below=options.tol if converged and options.l2 == 0 else 0.0,
        offsets=converged and not getattr(solver_, "affine_invariant", False),
    )
    no_optimum, rounding = found.no_optimum, found.rounding
    # where the solver ran on column-scaled features, its own gradient bounds each
    # weight in the units where the column spreads over ~1: below tol there, it is certified
    blind = [j for j in found.blind if scaled is None or abs(scaled[j]) > options.tol]
    lr_used = conclude(
        options,
        solver_,
        run,
        no_optimum=no_optimum,
        rounding=rounding,
        blind=blind,
        uncentred=found.uncentred,
    )
    return FitResult(
        w=run.theta[:-1],
        b=float(run.theta[-1]),
        losses=run.losses,
        grad_norms=run.grad_norms,
        n_iter=run.n_iter,
        converged=run.converged,
        separable=no_optimum,
        solver=options.solver,
        lr=lr_used,
    )


def solve(
    make_objective: Callable[[Array, Array, float | Array], Objective],
    X: Array,
    y: Array,
    options: FitOptions,
    theta0: Array,
    solver: Solver,
    report: Callable[[int, Iterate], None] | None,
    *,
    shape: tuple[int, ...] | None = None,
    wrap: Callable[[Objective, float | Array], Objective] | None = None,
) -> tuple[Trajectory, Array | None]:
    """The solver's run, on centred features scaled by a power of 2 where its steps do not
    depend on the coordinates (Newton, L-BFGS, Newton-CG: `manual.linear.Centring`), on X itself
    otherwise (gd's update rule is the contract's, in the user's coordinates). Either way the
    trajectory is in the user's coefficients.

    shape: the coefficients' shape, (d + 1,) (default) or (d + 1, K); wrap(objective, l2) gives
    the objective the solver sees from the model's in the solver's coordinates, at their l2
    (the multinomial model's `GaugedObjective`).

    Returns the trajectory and, where the solver ran on centred, column-scaled features, its
    final gradient there (None otherwise): dL/dW_c = dL/dW / c where each column has max |x| ~ 1,
    the gradient that tol would bound had the user standardized the columns."""
    shape = (X.shape[1] + 1,) if shape is None else shape
    seen = wrap if wrap is not None else (lambda objective, _: objective)
    invariant = getattr(solver, "affine_invariant", False)
    centring = Centring(X, shape, scale=True, l2=options.l2) if invariant else None
    start = None if centring is None else centring.inward(theta0)
    if centring is None or start is None:
        run = minimize(
            seen(make_objective(X, y, options.l2), options.l2),
            theta0,
            solver,
            max_iter=options.max_iter,
            tol=options.tol,
            callback=report,
        )
        return run, None
    to_user = centring.outward
    last: list[Array] = []

    def outward(at: Iterate) -> Iterate:
        last[:] = [at.grad]
        theta, grad = to_user(at.theta, at.grad)
        if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(grad))):
            raise ValueError(
                "the intercept b = b_c - mean(X) @ w overflows float64 at these weights; "
                "centre X (subtract each column's mean) before fitting"
            )
        return Iterate(theta, at.loss, grad)

    run = minimize(
        seen(make_objective(centring.X, y, centring.l2), centring.l2),
        start,
        solver,
        max_iter=options.max_iter,
        tol=options.tol,
        callback=report,
        outward=outward,
    )
    return run, last[0]


fit = make_fit(lambda X, y, l2: LinearObjective(BinaryLoss, X, y, l2))
