"""Line searches along a descent direction: Armijo backtracking, and a strong Wolfe search.

`backtrack` (Newton, Newton-CG):

    accept the first t = 1, 1/2, 1/4, ... with  L(theta - t s) <= L(theta) - C t g.s + slack

Armijo's test asks the loss to fall by at least a fraction C of what its slope g.s promises. The
slack is a few ulps of the loss, below which two losses cannot be told apart: without it the
search stalls at the optimum, where every step changes the loss by less than its rounding. A
step whose whole promised fall g.s is below that rounding is judged by the gradient instead: taken
where it shrinks the gradient and, by convexity, cannot raise the loss beyond the slack.

`wolfe` (L-BFGS): a t that also flattens the slope, |phi'(t)| <= WOLFE_C2 |phi'(0)|, which makes
the curvature pair (s, y) of the step usable (s.y > 0).

Where asked (`expand`), a full step t = 1 whose decrease is nearly all that the slope promises,
L(theta) - L(theta - s) >= LINEAR * g.s, shows the loss linear along the whole step (for a convex
L, the decrease is at most g.s): the step was too short, and t = 2, 4, ... are tried for as long as
each lowers the loss further. Far from the optimum, where the curvature has underflowed and the
loss is linear over distances of 1e150, this replaces hundreds of steps by one.
"""

from __future__ import annotations

import math

import numpy as np

from manual.checks import Array
from manual.solvers.driver import Iterate, Objective

ARMIJO_C = 1e-4
LOSS_SLACK_ULPS = 4
# t = 2^-1075 has underflowed to 0: a bound the loop never reaches on finite data, since it
# stops once t g.s is below the slack
MAX_HALVINGS = 1100
EPS = float(np.finfo(np.float64).eps)

# a decrease of at least this fraction of t g.s counts as linear (a quadratic with its minimum at
# t gives 1/2)
LINEAR = 0.9
# t = 2^1100 carries any finite step past the largest float: the loop always ends before
MAX_DOUBLINGS = 1100


def loss_slack(f: float) -> float:
    """LOSS_SLACK_ULPS ulps of the loss f: changes of the loss below this are its rounding."""
    return LOSS_SLACK_ULPS * float(np.finfo(np.float64).eps) * abs(f)


def _trial(objective: Objective, theta: Array) -> tuple[float, Array] | None:
    """(L, g) at theta, or None where theta sends the logits or the loss past float64."""
    if not np.all(np.isfinite(theta)):
        return None
    try:
        return objective.loss_and_gradient(theta)
    except ValueError:  # the trial sends the logits past float64: too long
        return None


def _below_rounding(objective: Objective, at: Iterate, step: Array, slack: float) -> Iterate | None:
    """The full step where all it promises, g.step, is below the loss's rounding: there the
    computed losses cannot judge it (they differ by their rounding, up to ~10 ulps at a few
    hundred samples, either way), its gradient can. The step is taken where it shrinks the
    gradient's largest entry and, by convexity, cannot raise the loss beyond the slack:
    L(theta) >= L(theta - step) + g_new.step gives L(theta - step) - L(theta) <= -g_new.step.
    Near the optimum Newton's step shrinks the gradient quadratically, so the run goes on to tol
    where the loss alone would stop it (None: nothing left to gain)."""
    trial = _trial(objective, at.theta - step)
    if trial is None:
        return None
    loss, grad = trial
    rise = -float(grad @ step)  # a bound on the exact loss's rise along the step
    if rise <= slack and float(np.max(np.abs(grad))) < float(np.max(np.abs(at.grad))):
        return Iterate(at.theta - step, loss, grad)
    return None


def backtrack(
    objective: Objective, at: Iterate, step: Array, *, expand: bool = False
) -> Iterate | None:
    """The first of theta - t step, t = 1, 1/2, 1/4, ..., to pass Armijo's test, with its loss and
    gradient; None where no t lowers the loss beyond its rounding. With `expand`, a full step on
    which the loss is linear is lengthened (t = 2, 4, ...) while the loss keeps falling.

    The loss is convex, so along the step L(theta - t step) >= L - t g.step: once t g.step is below
    the slack, no shorter step can lower the loss measurably, and the search gives up. Where the
    whole step's g.step is below the slack from the start, the gradient judges it instead
    (`_below_rounding`). And the
    loss is >= 0: a t whose Armijo margin C t g.step exceeds L plus the slack cannot pass, and is
    skipped without a pass over X (far from the optimum, hundreds of them).
    """
    f = at.loss
    slack = loss_slack(f)
    decrease = float(at.grad @ step)  # > 0 for a descent direction
    if decrease <= slack:
        return _below_rounding(objective, at, step, slack)
    t = 1.0
    for _ in range(MAX_HALVINGS):
        if ARMIJO_C * t * decrease > f + slack:
            t *= 0.5  # the loss cannot fall by more than f: no such t passes, untried
            continue
        theta = at.theta - t * step
        # the trial's gradient comes from the same pass over X as its loss, and is the next
        # iterate's gradient when the step is taken, as it nearly always is
        trial = _trial(objective, theta)
        if trial is not None and trial[0] <= f - ARMIJO_C * t * decrease + slack:
            best = Iterate(theta, trial[0], trial[1])
            if expand and t == 1.0 and f - trial[0] >= LINEAR * decrease:
                return _lengthen(objective, at, step, best)
            return best
        t *= 0.5
        if t * decrease <= slack:
            return None
    return None


# Wolfe's curvature test: the slope along the step must flatten to at most WOLFE_C2 of its start
# (0.9, the usual choice for quasi-Newton methods: loose, so that t = 1 is nearly always taken)
WOLFE_C2 = 0.9
# the most trial points one search spends (each a pass over X); far more than the few it needs
MAX_TRIALS = 60


def wolfe(objective: Objective, at: Iterate, step: Array) -> Iterate | None:
    """A point theta - t step satisfying the strong Wolfe conditions, with its loss and gradient;
    None where none is found (the slope along the step is then within rounding of flat).

    With phi(t) = L(theta - t step), phi'(t) = -g(theta - t step).step < 0 at t = 0:
        sufficient decrease   phi(t) <= phi(0) + C t phi'(0) + slack        (Armijo's, C = ARMIJO_C)
        curvature             |phi'(t)| <= WOLFE_C2 |phi'(0)|
    The loss is convex, so phi' grows with t: a t where phi' is still below -WOLFE_C2 |phi'(0)| is
    too short, one where it is above WOLFE_C2 |phi'(0)| (or where the trial overflows, or fails
    the decrease test) too long. The search doubles t from 1 until it has a too-long end, then
    narrows [short, long] by the secant of phi' (exact where phi is quadratic, as it nearly is close
    to the optimum), kept within the middle 80%. It steers by the slope, not the loss: near the
    optimum the changes of the loss sink below its rounding long before its slope does, and the
    decrease test, with the slack of `backtrack`, only has to hold.
    """
    f0 = at.loss
    slack = loss_slack(f0)
    dphi0 = -float(at.grad @ step)  # < 0 for a descent direction
    if not dphi0 < 0:
        return None
    band = WOLFE_C2 * -dphi0
    short = (0.0, dphi0)  # (t, phi'(t)): too short
    long: tuple[float, float] | None = None
    t = 1.0
    for _ in range(MAX_TRIALS):
        theta = at.theta - t * step
        try:
            f, g = objective.loss_and_gradient(theta)
            dphi = -float(g @ step)
        except ValueError:  # the trial sends the logits past float64: too long
            f, dphi = math.inf, math.inf
        if not f <= f0 + ARMIJO_C * t * dphi0 + slack or dphi > band:
            long = (t, dphi)
        elif dphi < -band:
            short = (t, dphi)
        else:
            return Iterate(theta, f, g)
        if long is None:
            t *= 2.0
            continue
        (ts, ds), (tl, dl) = short, long
        if tl - ts <= 4 * EPS * tl:
            return None  # t can no longer be told apart from the ends
        t = 0.5 * (ts + tl)
        if math.isfinite(dl) and dl > ds:
            secant = ts - ds * (tl - ts) / (dl - ds)  # the zero of the line through phi'
            margin = 0.1 * (tl - ts)
            t = min(max(secant, ts + margin), tl - margin)
    return None


def _lengthen(objective: Objective, at: Iterate, step: Array, best: Iterate) -> Iterate:
    """theta - t step for t = 2, 4, ...: the last t whose loss is below the one before."""
    t = 1.0
    for _ in range(MAX_DOUBLINGS):
        t *= 2.0
        with np.errstate(over="ignore", invalid="ignore"):  # refused by _trial
            theta = at.theta - t * step
        trial = _trial(objective, theta)
        if trial is None or not trial[0] < best.loss - loss_slack(best.loss):
            break
        best = Iterate(theta, trial[0], trial[1])
    return best
