"""Damped Newton: theta <- theta - t H^+ g, t from a backtracking line search.

H d = g, solved for d = H^+ g (H is positive semi-definite, and can be singular), minimizes the
quadratic model L + g.delta + delta.H.delta / 2 at delta = -d; the line search (line_search.py)
then takes the first t = 1, 1/2, ... that lowers the loss by Armijo's margin.

Newton's step does not depend on the units of the parameters (it is affine invariant): in exact
arithmetic, rescaling a feature by c rescales its weight's step by 1 / c and nothing else. In
floating point the solve would depend on them, through H's condition number; it is made in the
coordinates where H has a unit diagonal (Jacobi equilibration, below), where a feature's units no
longer matter. (A feature's offset is the other half of the story: `fit` runs this solver on
centred features, since the intercept is unpenalized and centring is an exact reparametrization.)

Far from the optimum (a start at 1e150) the loss is near its linear asymptote and the step goes
straight towards theta = 0; near it, a step whose promised decrease is below the loss's rounding
and that does not halve the gradient means the gradient is at its own rounding level: the solver
stops there (`step` returns None), and `fit` says whether that level is the optimum's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual.checks import Array
from manual.solvers.driver import Iterate, Objective, grad_norm
from manual.solvers.line_search import backtrack, loss_slack

# a Cauchy step is taken where its model decrease is this many times Newton's (see Newton.step)
CAUCHY_FACTOR = 2.0


def jacobi_scale(H: Array) -> Array:
    """s = sqrt(diag(H)), with 1 where H_jj = 0: H / (s s') has a unit diagonal.

    In the coordinates u = s * theta the Hessian is Hs = H / (s s') and the gradient gs = g / s;
    a feature measured in other units (x_j -> c x_j) scales H_jj by c^2, s_j by c, and leaves Hs
    and gs as they were. Where H_jj = 0, H's row and column j are 0 (H is positive
    semi-definite), and that coordinate is left as it is."""
    h = np.diagonal(H)
    return np.sqrt(np.where(h > 0, h, 1.0))


def _pinv_solve(H: Array, g: Array) -> Array:
    """H^+ g for a positive semi-definite H; eigenvalues below size * EPS * lambda_max are 0."""
    try:
        # the common case, H positive definite: Cholesky succeeds, with pivots L_jj^2 that lie in
        # [lambda_min, lambda_max], so max L_jj / min L_jj <= sqrt(cond(H)): where even this lower
        # bound passes 1e7, H is too close to singular for a plain solve
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


def _equilibrated(H: Array, g: Array) -> tuple[Array, Array, Array]:
    """(Hs, gs, s): H and g in the coordinates u = s * theta where Hs has a unit diagonal; s = 1
    where the scaled gradient would not be finite (curvature so small, subnormal, that g / s
    overflows)."""
    s = jacobi_scale(H)
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        gs = g / s
    if not np.all(np.isfinite(gs)):
        s = np.ones_like(s)
        gs = g
    return H / s[:, None] / s[None, :], gs, s


def newton_direction(H: Array, g: Array) -> Array:
    """d = s^-1 Hs^+ (g / s), Hs = H / (s s'), s = sqrt(diag(H)): Newton's direction, a solution
    of H d = g, solved where H has a unit diagonal.

    H is positive semi-definite but can be singular (l2 = 0 with a constant or duplicated column,
    the redundant class of the softmax, or points so far from the boundary that the curvature
    underflows): eigenvalues of Hs below rounding level, size * EPS * lambda_max(Hs), are treated
    as zero. Where g lies in H's range (the gradient of a linear model always does) d solves
    H d = g exactly, and is the solution of least norm ||s * d||. Since the cutoff is relative
    to Hs, whose diagonal is 1 whatever the units, a direction that matters is dropped only where
    Hs itself is singular to rounding: not because one feature is measured in larger units than
    another (H's condition number 1e20 at features scaled by 1e10).
    """
    Hs, gs, s = _equilibrated(H, g)
    with np.errstate(over="ignore"):  # checked just below
        d = _pinv_solve(Hs, gs) / s
    if np.all(np.isfinite(d)):
        return d
    return _pinv_solve(H, g)


def towards_zero(at: Iterate, step: Array, *, unbounded: bool) -> Array:
    """The straight step theta L / g.theta where the loss is near its linear asymptote and `step`
    does not count; `step` itself elsewhere.

    Far from the optimum the loss is near its linear asymptote, positively homogeneous,
    L(c theta) ~ c L(theta) (Euler: g.theta ~ L). Where g.theta >= L / 2 and no curvature bounds
    `step` (`unbounded`: it was cut where its linear model reaches 0), or it is longer than the
    largest float (H^+ g where the curvature is subnormal, e^-708 to e^-745, and the gradient is
    not), or it promises less than half of L (g.step < L / 2: the kinks of the samples' losses lie
    within a fraction of the distance), the straight way towards theta = 0, as far as the linear
    model stays >= 0, lowers L in proportion.
    """
    g_theta = float(at.grad @ at.theta)
    if g_theta >= 0.5 * at.loss:
        with np.errstate(over="ignore", invalid="ignore"):  # a step that is not finite counts out
            promise = float(at.grad @ step)
        if unbounded or not np.all(np.isfinite(step)) or promise < 0.5 * at.loss:
            return at.theta * (at.loss / g_theta)
    return step


@dataclass(frozen=True)
class Newton:
    # its step does not depend on the parameters' coordinates (in exact arithmetic): `fit` may
    # run it on centred features and map the iterates back
    affine_invariant = True

    @classmethod
    def from_options(cls, options: Any, default_lr: Callable[[], float]) -> Newton:
        return cls()

    def step(self, objective: Objective, at: Iterate) -> Iterate | None:
        """theta - t H^+ g, or a Cauchy step along the scaled g where H^+ misses the direction
        that counts.

        Far from the optimum the curvature underflows towards 0 for most samples. H^+ g is then
        astronomically long (1e130 at logits near 300, past the largest float where the curvature
        is subnormal), and the search halves t for as long as it takes; and where H's curvature
        is all in a few samples, H^+ g lies in their span and can miss the direction that lowers
        the loss. In the equilibrated coordinates (Hs, gs), the
        quadratic model's decrease along the Cauchy step |gs|^2 / (gs.Hs.gs) gs (the model's
        minimum along gs) is (gs.gs)^2 / (2 gs.Hs.gs); Newton's is gs.Hs^+gs / 2. In exact
        arithmetic the first is at most the second (Cauchy-Schwarz in the Hs inner product); it
        exceeds it only because Hs^+ dropped eigenvalues below the rounding of Hs's, and then by
        far: beyond CAUCHY_FACTOR times, the Cauchy step replaces Newton's. Both are computed on
        gs / max|gs|, so that no product overflows at features of 1e100. The Cauchy length stops
        where the linear model L - t gs.gs reaches 0 (L >= 0: no longer step passes Armijo's
        test); and where the loss proves linear along the whole step, the line search lengthens
        it (line_search.py).
        """
        g = at.grad
        H = objective.hessian(at.theta)
        Hs, gs, s = _equilibrated(H, g)
        k = float(np.max(np.abs(gs), initial=0.0))
        if k == 0.0:
            return None
        us = _pinv_solve(Hs, gs)
        gh = gs / k  # |gh| <= 1: gh.gh, gh.Hs.gh and gh.Hs^+gh cannot overflow
        g_g, g_H_g = float(gh @ gh), float(gh @ Hs @ gh)
        newton = float(gh @ us) / k  # gs.Hs^+gs / k^2
        # the model's minimum along gs, and never beyond where the linear model reaches L = 0:
        # the loss is >= 0, so no longer step can pass Armijo's test (far from the optimum, where
        # the curvature has underflowed, the model's minimum is 1e125 away, or nowhere)
        with np.errstate(over="ignore", invalid="ignore"):  # checked below
            to_zero = at.loss / k / k / g_g
            length = min(to_zero, g_g / g_H_g) if g_H_g > 0 else to_zero
            cauchy = g_g * length > CAUCHY_FACTOR * newton
            step = (length * gs) / s if cauchy else us / s  # from u = s * theta, mapped back
        step = towards_zero(at, step, unbounded=cauchy and length == to_zero)
        if not np.all(np.isfinite(step)):
            step = newton_direction(H, g)
        following = backtrack(objective, at, step, expand=True)
        if (
            following is not None
            and float(g @ step) <= loss_slack(at.loss)
            and grad_norm(following.grad / s) > 0.5 * grad_norm(gs)
        ):
            # the step promises less than the loss's rounding, so the loss cannot judge it; nor
            # does it halve the (scaled) gradient, as a Newton step near the optimum does: the
            # gradient is at its own rounding level, and further steps are noise
            return None
        return following
