"""What a finished run says about the data: whether a finite optimum exists, and advice.

When does L have a finite minimizer? L is convex, and along a direction v (of theta)

    L(theta + t v) is bounded below by 0; it keeps falling as t -> inf exactly where every sample's
    loss is non-increasing along v and the penalty does not grow: v_W = 0 when l2 > 0.

- One class only (every y_i the same, or, with K classes, a class that no sample has): moving the
  intercepts alone (v_W = 0) lowers every l_i towards 0, so no finite optimum exists for any l2,
  since the penalty never touches the intercept.
- Both classes (every class) present and l2 > 0: v_W = 0 and a shift of the intercepts raises some
  l_i unboundedly, and any v_W != 0 raises the penalty quadratically: L is coercive, so a finite
  minimizer exists, unique because v' H v = ||B v||^2 + l2 ||v_W||^2 > 0 for every v != 0 in the
  directions that change the model.
- l2 = 0: a finite optimum exists exactly when the data are not separable (complete or
  quasi-complete separation: some v puts every sample on its own side of the boundary or on it).

Certificates of separation used here cost at most one pass over X: a loss below log(2) / n at any
iterate (then every l_i < log 2: every sample strictly on its own side), or the final iterate's
margins all beyond the rounding of the logits.
"""

from __future__ import annotations

import math

import numpy as np

from manual.categories import SeparationWarning, warn
from manual.checks import Array
from manual.linear import LinearObjective
from manual.solvers.line_search import loss_slack


def warn_if_no_optimum(
    objective: LinearObjective, theta: Array, losses: Array, n_classes: int, present: int
) -> bool:
    """Warn (SeparationWarning) where L has no finite optimum; True if so.

    present: how many of the n_classes classes occur in y."""
    return examine(objective, theta, losses, n_classes, present, stalled=False)[0]


def examine(
    objective: LinearObjective,
    theta: Array,
    losses: Array,
    n_classes: int,
    present: int,
    *,
    stalled: bool,
) -> tuple[bool, float | None]:
    """(no_optimum, rounding) after a run, in at most one pass over X: warns (SeparationWarning)
    where L has no finite optimum; and where the solver `stalled`, the rounding level of the
    gradient at theta (`survey`), that says whether the stall is the optimum.

    present: how many of the n_classes classes occur in y."""
    if present < n_classes:
        missing = "one class only" if present == 1 else f"{present} of {n_classes} classes"
        warn(
            f"y holds {missing}: the loss falls towards 0 as the intercepts move the absent "
            "class(es) away, so no finite optimum exists for any l2 (the penalty never touches "
            "the intercept); the weights returned are finite only because the run stopped",
            SeparationWarning,
        )
        return True, None
    margins = objective.l2 == 0.0 and not _low_loss(objective, losses)
    separated, rounding = (
        survey(objective, theta, margins=margins, rounding=stalled)
        if margins or stalled
        else (None, None)
    )
    if objective.l2 == 0.0 and (separated or _low_loss(objective, losses)):
        warn(
            "the data are linearly separable: some (w, b) puts every sample on its own side, so "
            "the loss goes to 0 as ||w|| grows and the maximum-likelihood weights do not exist. "
            "The weights returned are finite only because the run stopped (at tol or max_iter); "
            "add a penalty l2 > 0 for a unique finite optimum.",
            SeparationWarning,
        )
        return True, rounding
    return False, rounding


def separates(objective: LinearObjective, theta: Array, losses: Array) -> bool:
    """A certificate that theta or an earlier iterate puts every sample strictly on its side.

    - a loss below log(2) / n makes every l_i < log 2, i.e. every sample on its own side;
    - or the final theta does: every margin beyond the rounding of the logits,
      2 (d + 1) EPS (|X_i| @ |W| + |b|). Any margin counts, however thin.
    One pass over X, a block of rows at a time (no n x d temporary).
    """
    if _low_loss(objective, losses):
        return True
    return bool(survey(objective, theta, margins=True, rounding=False)[0])


def _low_loss(objective: LinearObjective, losses: Array) -> bool:
    return float(np.min(losses)) < math.log(2.0) / objective.n * (1 - 1e-12)


def survey(
    objective: LinearObjective, theta: Array, *, margins: bool, rounding: bool
) -> tuple[bool | None, float | None]:
    """One pass over X at theta for what a finished run needs to know:

    margins   whether every sample is strictly on its side, beyond the rounding of its logit
              (None if not asked; the pass ends at the first block with a sample that is not,
              when nothing else is asked)
    rounding  a bound on the rounding of the computed gradient, max_j of
                  [ sum_i |X1_ij| (gamma |r_i| + |d2l/dz2_i| dz_i) ] / n + EPS l2 |W_j|
              with r_i = dl/dz_i, dz_i = (d + 2) EPS (|X_i| @ |W| + |b|) the rounding of the
              logit, gamma = (log2(rows) + blocks + 2) EPS that of the sums over samples: a
              gradient norm within it is zero as far as float64 can tell at these weights
              (None if not asked)
    """
    W, b = objective.coefficients(theta)
    eps = float(np.finfo(np.float64).eps)
    n, rows = objective.n, objective.rows
    gamma = (math.log2(rows) + math.ceil(n / rows) + 2) * eps
    separated = True if margins else None
    bound = np.zeros(objective.shape) if rounding else None
    for Xb, yb in objective.blocks():
        z = objective.logits(Xb, W, b)
        A = np.abs(Xb)
        size = A @ np.abs(W) + np.abs(b)  # |X_i| @ |W| + |b|: the scale of z_i's rounding
        if separated:
            scale = size.reshape(len(Xb), -1).max(axis=1)
            ok = objective.per_sample.margin(z, yb) > 2 * (objective.d + 1) * eps * scale
            separated = bool(np.all(ok))
            if not separated and bound is None:
                break
        if bound is not None:
            _, r = objective.per_sample.value_and_derivative(z, yb)
            dz = (objective.d + 2) * eps * size
            with np.errstate(over="ignore"):  # an infinite bound says: no digit is known
                dr = (
                    gamma * np.abs(r) + np.abs(objective.per_sample.curvature_times(z, yb, dz))
                ) / n
                bound[:-1] += A.T @ dr
                bound[-1] += dr.sum(axis=0)
    if bound is None:
        return separated, None
    bound[:-1] += eps * objective.l2 * np.abs(W)
    return separated, float(np.max(bound))


def advice(
    solver: str,
    lr: float | None,
    losses: Array,
    norms: Array,
    tol: float,
    stalled: bool,
    lr_given: bool,
    rounding: float | None = None,
) -> str:
    """The ConvergenceWarning's text: what happened, and what to try.

    rounding: where the solver stalled, the rounding level of the gradient at the final weights
    (`survey`): the optimum is called reached only where the gradient norm is within it."""
    head = (
        f"{solver} stopped after {len(losses) - 1} steps with gradient norm {norms[-1]:.3e} "
        f"> tol = {tol:.3e}: "
    )
    if stalled and (rounding is None or norms[-1] <= rounding):
        known = "" if rounding is None else f" (its rounding at these weights: {rounding:.1e})"
        return head + (
            f"no step lowers the loss beyond its rounding, and the gradient is zero to within "
            f"its own rounding{known}; the optimum is reached as far as float64 can tell, so tol "
            "is below what this data set allows"
        )
    if stalled:
        return head + (
            "no step lowers the loss beyond its rounding, yet the gradient norm is "
            f"{norms[-1] / rounding:.1e} times its own rounding ({rounding:.1e}): this is NOT the "
            "optimum. The features' offsets or scales defeat float64 here: centre and scale the "
            "columns of X (for example to mean 0 and sd 1) and fit again"
        )
    if solver == "gd":
        rises = np.diff(losses) > np.array([loss_slack(float(f)) for f in losses[:-1]])
        if np.any(rises) and lr_given:
            return head + (
                f"the loss rose on some steps, so lr = {lr:.3g} is too large: leave lr unset for "
                "1 / L (manual.lipschitz), or scale the features"
            )
        return head + (
            f"the loss still falls slowly at lr = {lr:.3g}: raise max_iter, scale the features to "
            "comparable ranges, or use solver='newton' (which also finds out within a few steps "
            "whether the classes are separable)"
        )
    return head + "raise max_iter, or scale the features to comparable ranges"
