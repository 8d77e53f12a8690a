"""Truncated Newton (Newton-CG): theta <- theta - t d, d from conjugate gradients on H d = g.

Conjugate gradients solve H d = g using only products H p (`Objective.hvp`, one pass over X each,
never forming H), and stop early: at the forcing term ||r|| <= eta ||g||, r = g - H d, with
eta = min(cg_tol, sqrt(||g||inf)) (Nocedal and Wright, Algorithm 7.1; Eisenstat and Walker's
forcing sequence in its simplest form). Far from the optimum a rough d is enough; as ||g|| -> 0
eta -> 0 and the steps become Newton's, with superlinear convergence. Every CG iterate d_j
minimizes the quadratic model L + g.delta + delta.H.delta / 2 (at delta = -d) over a growing
Krylov space, so the model's decrease only grows with j; the first one is the Cauchy step.

H is positive semi-definite here, but its product can show zero or negative curvature p.Hp <= 0
(to its rounding) along a CG direction p, where the curvature has underflowed or rounding has the
last word: CG stops there with the d found so far (or, on the first direction, with g scaled so
that its linear model would bring the loss to 0). The step is then taken by the same Armijo
backtracking as Newton's (line_search.backtrack); where no halving changes the loss beyond its
rounding, by the Wolfe search along d (line_search.wolfe), which steers by the slope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual.checks import Array
from manual.solvers.driver import Iterate, Objective
from manual.solvers.line_search import backtrack, wolfe
from manual.solvers.newton import towards_zero

DEFAULT_CG_TOL = 0.5
EPS = float(np.finfo(np.float64).eps)


def truncated_cg(
    hvp: Callable[[Array], Array], g: Array, eta: float, max_iter: int
) -> tuple[Array, int]:
    """d with ||g - H d|| <= eta ||g|| by conjugate gradients from d = 0 (or fewer than max_iter
    products, or a direction of curvature <= 0 to rounding): (d, products of H spent).

        r = g, p = r;  repeat:  a = r.r / p.Hp,  d += a p,  r -= a Hp,  p = r + (r.r / rr_old) p
    """
    d = np.zeros_like(g)
    r = g.copy()
    p = r.copy()
    rr = float(r @ r)
    target = eta * np.sqrt(rr)
    for j in range(max_iter):
        Hp = hvp(p)
        pHp = float(p @ Hp)
        # p.Hp is rounded to about size EPS |p| |Hp| (Cauchy-Schwarz bounds it by |p| |Hp|): below
        # that, the curvature along p cannot be told from 0 or less
        if pHp <= len(g) * EPS * float(np.linalg.norm(p) * np.linalg.norm(Hp)):
            return d, j + 1  # the product just made counts too
        a = rr / pHp
        # a curvature so small (subnormal, far from the optimum) that the step along p, or the
        # next direction, is longer than the largest float: as where it is <= 0, CG stops with the
        # d found so far
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            d_next, r_next = d + a * p, r - a * Hp
        if not (np.all(np.isfinite(d_next)) and np.all(np.isfinite(r_next))):
            return d, j + 1
        d, r = d_next, r_next
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            rr_new = float(r @ r)
            if np.sqrt(rr_new) <= target:
                return d, j + 1
            p = r + (rr_new / rr) * p
        if not np.all(np.isfinite(p)):
            return d, j + 1
        rr = rr_new
    return d, max_iter


@dataclass(frozen=True)
class NewtonCG:
    # `fit` runs it on centred features scaled by a power of 2 and maps the iterates back: an
    # exact reparametrization (the intercept is not penalized) under which its steps see columns
    # of comparable size, as on standardized data
    affine_invariant = True

    """Truncated Newton: cg_tol caps the forcing term eta in (0, 1); cg_max_iter caps the Hessian
    products a step (None: twice the number of parameters, CG's exact-arithmetic bound with room
    for the orthogonality that rounding loses)."""

    cg_tol: float = DEFAULT_CG_TOL
    cg_max_iter: int | None = None

    @classmethod
    def from_options(cls, options: Any, default_lr: Callable[[], float]) -> NewtonCG:
        return cls(options.cg_tol, options.cg_max_iter)

    def step(self, objective: Objective, at: Iterate) -> Iterate | None:
        g = at.grad
        eta = min(self.cg_tol, float(np.sqrt(np.max(np.abs(g), initial=0.0))))
        max_iter = self.cg_max_iter if self.cg_max_iter is not None else 2 * len(g)
        d, _ = truncated_cg(lambda p: objective.hvp(at.theta, p), g, eta, max_iter)
        unbounded = not np.any(d)
        if unbounded:
            # no positive curvature along g itself: the linear model L - t g.g along g reaches 0 at
            # t = L / g.g; the search halves from there (the loss is >= 0: no longer step helps)
            gg = float(g @ g)
            if gg == 0.0:
                return backtrack(objective, at, d)
            d = g * (max(at.loss, EPS) / gg)
        # far from the optimum, where the curvature sits in a few samples, CG's direction lies in
        # their span, as Newton's does: the same straight step towards theta = 0 (newton.py)
        d = towards_zero(at, d, unbounded=unbounded)
        # where the loss's changes along d sink below its rounding before the gradient does, no
        # halving passes Armijo's test measurably: the slope-steered Wolfe search still finds the
        # point along d where the slope has flattened
        return backtrack(objective, at, d) or wolfe(objective, at, d)
