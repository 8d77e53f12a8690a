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
    if present < n_classes:
        missing = "one class only" if present == 1 else f"{present} of {n_classes} classes"
        warn(
            f"y holds {missing}: the loss falls towards 0 as the intercepts move the absent "
            "class(es) away, so no finite optimum exists for any l2 (the penalty never touches "
            "the intercept); the weights returned are finite only because the run stopped",
            SeparationWarning,
        )
        return True
    if objective.l2 == 0.0 and separates(objective, theta, losses):
        warn(
            "the data are linearly separable: some (w, b) puts every sample on its own side, so "
            "the loss goes to 0 as ||w|| grows and the maximum-likelihood weights do not exist. "
            "The weights returned are finite only because the run stopped (at tol or max_iter); "
            "add a penalty l2 > 0 for a unique finite optimum.",
            SeparationWarning,
        )
        return True
    return False


def separates(objective: LinearObjective, theta: Array, losses: Array) -> bool:
    """A certificate that theta or an earlier iterate puts every sample strictly on its side.

    - a loss below log(2) / n makes every l_i < log 2, i.e. every sample on its own side;
    - or the final theta does: every margin beyond the rounding of the logits,
      2 (d + 1) EPS (|X_i| @ |W| + |b|). Any margin counts, however thin.
    One pass over X, a block of rows at a time (no n x d temporary).
    """
    n = objective.n
    if float(np.min(losses)) < math.log(2.0) / n * (1 - 1e-12):
        return True
    W, b = objective.coefficients(theta)
    eps = float(np.finfo(np.float64).eps)
    for Xb, yb in objective.blocks():
        z = objective.logits(Xb, W, b)
        size = (np.abs(Xb) @ np.abs(W) + np.abs(b)).reshape(len(Xb), -1).max(axis=1)
        if not np.all(objective.per_sample.margin(z, yb) > 2 * (objective.d + 1) * eps * size):
            return False
    return True


def advice(
    solver: str,
    lr: float | None,
    losses: Array,
    norms: Array,
    tol: float,
    stalled: bool,
    lr_given: bool,
) -> str:
    """The ConvergenceWarning's text: what happened, and what to try."""
    head = (
        f"{solver} stopped after {len(losses) - 1} steps with gradient norm {norms[-1]:.3e} "
        f"> tol = {tol:.3e}: "
    )
    if stalled:
        return head + (
            "no step lowers the loss beyond its rounding; the optimum is reached as far as "
            "float64 can tell, so tol is below what this data set allows"
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
