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

Certificates of separation used here cost one pass over X (two where a run that ended short of
tol has pushed some sample to its side: `examine`): a loss below log(2) / n at any iterate (then
every l_i < log 2: every sample strictly on its own side), the final iterate's margins all beyond
the rounding of the logits, or the quasi-complete certificate of `survey`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from manual.binary import BinaryLoss
from manual.categories import ConvergenceWarning, SeparationWarning, warn
from manual.checks import Array, as_count, as_features, as_labels
from manual.linear import Centring, LinearObjective
from manual.solvers import Newton, Trajectory, minimize
from manual.solvers.line_search import loss_slack

# A column whose offset |mean_j| passes UNCENTRED times its spread makes the Hessian in (w, b) as
# ill-conditioned as ~(offset / spread)^2 = 1e8 or more: its smallest eigenvalue is then 1e-8 of
# its largest, so a gradient norm at tol = 1e-8 still allows weights as far from the optimum as
# ||g|| / lambda_min ~ 1 (in the units of the largest curvature). tol alone certifies nothing there
# for a solver whose steps depend on the coordinates (gd).
UNCENTRED = 1e4


@dataclass(frozen=True)
class Examination:
    """What `examine` found after a run.

    no_optimum  whether L has no finite optimum (and a SeparationWarning was given)
    rounding    the rounding level of the gradient at the final theta (None: not asked)
    blind       the columns j whose spread s_j = max_i |x_ij - c_j| about a centre c_j is in
                (0, blind_below]: dL/dw_j = mean_i r_i (x_ij - c_j) + c_j dL/db, |r_i| <= 1, so
                the part of dL/dw_j that w_j can move is at most s_j, below tol whatever w_j
    uncentred   the columns j with |mean_j| > UNCENTRED s_j (asked with offsets=True)
    """

    no_optimum: bool
    rounding: float | None
    blind: list[int] = field(default_factory=list)
    uncentred: list[int] = field(default_factory=list)


def warn_if_no_optimum(
    objective: LinearObjective, theta: Array, losses: Array, n_classes: int, present: int
) -> bool:
    """Warn (SeparationWarning) where L has no finite optimum; True if so.

    present: how many of the n_classes classes occur in y."""
    return examine(objective, theta, losses, n_classes, present, unfinished=False).no_optimum


def examine(
    objective: LinearObjective,
    theta: Array,
    losses: Array,
    n_classes: int,
    present: int,
    *,
    unfinished: bool,
    blind_below: float = 0.0,
    offsets: bool = False,
) -> Examination:
    """What a run's end says, in one pass over X (two where the quasi-complete certificate needs
    its own, after a run that ended short of tol): warns (SeparationWarning) where L has
    no finite optimum; and where the run ended short of tol (`unfinished`), the rounding level of
    the gradient at theta (`survey`), that says whether the gradient that is left is the
    optimum's, zero to within its rounding.

    present: how many of the n_classes classes occur in y. blind_below > 0 (at l2 = 0) asks for
    the columns whose spread about a centre is in (0, blind_below]; offsets, for the columns whose
    offset dwarfs their spread (`Examination`)."""
    if present < n_classes:
        missing = "one class only" if present == 1 else f"{present} of {n_classes} classes"
        warn(
            f"y holds {missing}: the loss falls towards 0 as the intercepts move the absent "
            "class(es) away, so no finite optimum exists for any l2 (the penalty never touches "
            "the intercept); the weights returned are finite only because the run stopped",
            SeparationWarning,
        )
        return Examination(True, None)
    unpenalized = objective.l2 == 0.0
    low = unpenalized and _low_loss(objective, losses)
    found = (
        survey(
            objective,
            theta,
            margins=unpenalized and not low,
            rounding=unfinished,
            # the certificate is sure to be found only where the run reached tol (DERIVATION.md,
            # "When no finite optimum exists"); its Gram matrix costs a pass of X' X
            quasi=unpenalized and not unfinished,
            columns=blind_below > 0 or offsets,
        )
        if unpenalized or unfinished or blind_below > 0 or offsets
        else Survey(None, None)
    )
    if unpenalized and unfinished and found.pushed and not (low or found.separated):
        # a run that stopped short of tol, with samples pushed to their side: a second pass for
        # the certificate of quasi-complete separation (its Gram matrix is a pass of X' X, spent
        # only where the run has pushed some sample past a margin of log(1 / PUSHED - 1) = 6.9)
        quasi = survey(objective, theta, margins=False, rounding=False, quasi=True)
        found = dataclasses.replace(found, direction=quasi.direction, gap=quasi.gap)
    blind: list[int] = []
    uncentred: list[int] = []
    if found.spread is not None and found.offset is not None:
        spread, offset = found.spread, found.offset
        if objective.l2 == 0.0:
            # a spread of exactly 0 is a constant column: the loss is flat along its weight
            # (the intercept absorbs it), so every value of that weight is optimal
            blind = [int(j) for j in np.flatnonzero((spread > 0) & (spread <= blind_below))]
        if offsets:
            with np.errstate(over="ignore", invalid="ignore"):
                far = offset > UNCENTRED * spread
            uncentred = [int(j) for j in np.flatnonzero(far & (spread > 0)) if j not in blind]
    if low or (unpenalized and found.separated):
        warn(
            "the data are linearly separable: some (w, b) puts every sample on its own side, so "
            "the loss goes to 0 as ||w|| grows and the maximum-likelihood weights do not exist. "
            "The weights returned are finite only because the run stopped (at tol or max_iter); "
            "add a penalty l2 > 0 for a unique finite optimum.",
            SeparationWarning,
        )
        return Examination(True, found.rounding, blind, uncentred)
    if unpenalized and found.direction is not None:
        v = found.direction
        warn(
            "the data are quasi-completely separated: the direction (v_w, v_b) = "
            f"{np.array2string(v, precision=3, threshold=6)} puts some samples strictly on "
            "their own side and the rest on the boundary x @ v_w + v_b = 0 (to within "
            f"{found.gap:.1e}), so the loss falls along it for ever and the maximum-likelihood "
            "weights do not exist. The weights returned are finite only because the run stopped; "
            "add a penalty l2 > 0 for a unique finite optimum.",
            SeparationWarning,
        )
        return Examination(True, found.rounding, blind, uncentred)
    return Examination(False, found.rounding, blind, uncentred)


def separates(objective: LinearObjective, theta: Array, losses: Array) -> bool:
    """A certificate that theta or an earlier iterate puts every sample strictly on its side.

    - a loss below log(2) / n makes every l_i < log 2, i.e. every sample on its own side;
    - or the final theta does: every margin beyond the rounding of the logits,
      2 (d + 1) EPS (|X_i| @ |W| + |b|). Any margin counts, however thin.
    One pass over X, a block of rows at a time (no n x d temporary).
    """
    if _low_loss(objective, losses):
        return True
    return bool(survey(objective, theta, margins=True, rounding=False).separated)


def _low_loss(objective: LinearObjective, losses: Array) -> bool:
    return float(np.min(losses)) < math.log(2.0) / objective.n * (1 - 1e-12)


# a sample whose |dl/dz| = |p - y| is at most this counts as pushed to its side (margin >= 6.9)
# by the run, for the certificate of quasi-complete separation; any value keeps the certificate
# valid (its conditions are checked), this one decides only what it can find
PUSHED = 1e-3
# the margin at which |p - y| = sigmoid(-m) reaches PUSHED, for 0/1 labels: log(1 / PUSHED - 1)
PUSH_MARGIN = math.log(1 / PUSHED - 1)


@dataclass(frozen=True)
class Survey:
    """What one pass over X at theta found (None: not asked).

    separated  every sample strictly on its side, beyond the rounding of its logit
    rounding   a bound on the rounding of the computed gradient (`survey`)
    direction  a certificate of quasi-complete separation: v = (v_w, v_b) with
               (2 y_i - 1)(x_i @ v_w + v_b) > 0 at the samples the run pushed to their side and
               = 0 at the others to within `gap` (DERIVATION.md, "When no finite optimum exists")
    gap        max_i |x1_i @ v| over those others: the rounding-level distance to the boundary
    spread     max_i |X_ij - X_1j| of each column j: its spread about its first entry
    offset     |mean_i X_ij| of each column j
    pushed     (one logit a sample) whether some sample is pushed to its side (|p_i - y_i| <=
               PUSHED): the certificate of quasi-complete separation needs one
    """

    separated: bool | None
    rounding: float | None
    direction: Array | None = None
    gap: float = 0.0
    spread: Array | None = None
    offset: Array | None = None
    pushed: bool = False


def survey(
    objective: LinearObjective,
    theta: Array,
    *,
    margins: bool,
    rounding: bool,
    quasi: bool = False,
    columns: bool = False,
) -> Survey:
    """One pass over X at theta for what a finished run needs to know:

    margins   whether every sample is strictly on its side, beyond the rounding of its logit
              (the pass ends at the first block with a sample that is not, when nothing else is
              asked)
    rounding  a bound on the rounding of the computed gradient, max_j of
                  [ sum_i |X1_ij| (gamma |r_i| + |d2l/dz2_i| dz_i) ] / n + EPS l2 |W_j|
              with r_i = dl/dz_i, dz_i = (d + 2) EPS (|X_i| @ |W| + |b|) the rounding of the
              logit, gamma = (log2(rows) + blocks + 2) EPS that of the sums over samples: a
              gradient norm within it is zero as far as float64 can tell at these weights
    quasi     (one logit a sample) a certificate of quasi-complete separation, from the split of
              the samples into P, pushed to their side (|p_i - y_i| <= PUSHED), and B, the rest.
              Gathered in the pass: G = sum_{i in B} x1_i x1_i' and c_j = max_{i in P}
              |x1_ij| / m_i(theta). After it: v = theta's projection on G's null space (in the
              coordinates where G has a unit diagonal, so that a column's units do not count)
              and r = theta - v. Every i in B has |x1_i @ v| <= sqrt(v' G v) (~0: on the
              boundary), and every i in P has
                  m_i(v) = m_i(theta) - (2 y_i - 1) x1_i @ r >= m_i(theta) (1 - sum_j c_j |r_j|),
              > 0 where sum_j c_j |r_j| < 1: v separates P, and B lies on its boundary.
    columns   each column's spread about its first entry, max_i |X_ij - X_1j| (what bounds the
              part of dL/dw_j that w_j can move: `Examination`), and its offset |mean_i X_ij|
    """
    W, b = objective.coefficients(theta)
    eps = float(np.finfo(np.float64).eps)
    n, rows, d = objective.n, objective.rows, objective.d
    gamma = (math.log2(rows) + math.ceil(n / rows) + 2) * eps
    separated = True if margins else None
    bound = np.zeros(objective.shape) if rounding else None
    quasi = quasi and len(objective.shape) == 1
    G = np.zeros((d + 1, d + 1)) if quasi else None
    c, pushed = np.zeros(d + 1), 0
    shift: Array | None = None
    top = np.zeros(d) if columns else None
    centre: Array | None = None
    total = np.zeros(d)
    pushed_any = False
    for Xb, yb in objective.blocks():
        z = objective.logits(Xb, W, b)
        A = np.abs(Xb)
        size = A @ np.abs(W) + np.abs(b)  # |X_i| @ |W| + |b|: the scale of z_i's rounding
        m = objective.per_sample.margin(z, yb)
        pushed_any = pushed_any or bool(np.any(m >= PUSH_MARGIN))
        if separated:
            scale = size.reshape(len(Xb), -1).max(axis=1)
            separated = bool(np.all(m > 2 * (d + 1) * eps * scale))
            if not separated and bound is None and G is None and top is None:
                break
        if top is not None:
            if centre is None:
                centre = Xb[0].copy()
            with np.errstate(over="ignore", invalid="ignore"):  # an infinite spread: not blind
                # max_i |X_ij - centre_j| from the block's largest and smallest entries
                top = np.maximum(top, np.maximum(Xb.max(axis=0) - centre, centre - Xb.min(axis=0)))
                block_sum = Xb.sum(axis=0) / n
                if not np.all(np.isfinite(block_sum)):
                    block_sum = (Xb / n).sum(axis=0)  # the mean, divided first: no overflow
                total += block_sum
        if bound is None and G is None:
            continue
        _, r = objective.per_sample.value_and_derivative(z, yb)
        if bound is not None:
            dz = (d + 2) * eps * size
            with np.errstate(over="ignore"):  # an infinite bound says: no digit is known
                dr = (
                    gamma * np.abs(r) + np.abs(objective.per_sample.curvature_times(z, yb, dz))
                ) / n
                bound[:-1] += A.T @ dr
                bound[-1] += dr.sum(axis=0)
        if G is not None:
            if shift is None:
                # the columns shifted by the first block's mean: an exact reparametrization
                # (the intercept absorbs it) that keeps an offset column (years, timestamps)
                # from making G as ill-conditioned as (offset / spread)^2
                with np.errstate(over="ignore", invalid="ignore"):
                    shift = Xb.mean(axis=0)
                if not np.all(np.isfinite(shift)):
                    shift = np.zeros(d)
            X1 = np.column_stack([Xb - shift, np.ones(len(Xb))])
            P = np.abs(r) <= PUSHED
            with np.errstate(over="ignore", invalid="ignore"):  # a G that overflows: no verdict
                G += X1[~P].T @ X1[~P]
                if P.any():  # m_i > 0 there: |p_i - y_i| <= PUSHED < 1/2
                    c = np.maximum(c, np.max(np.abs(X1[P]) / m[P][:, None], axis=0))
            pushed += int(P.sum())
    offset = None if top is None else np.abs(total)
    pushed_any = pushed_any and len(objective.shape) == 1
    rounded = None
    if bound is not None:
        bound[:-1] += eps * objective.l2 * np.abs(W)
        rounded = float(np.max(bound))
    if G is None or shift is None or pushed == 0 or not np.all(np.isfinite(G)):
        return Survey(separated, rounded, spread=top, offset=offset, pushed=pushed_any)
    # theta in the shifted coordinates: (w, b + shift @ w); v is mapped back the same way
    with np.errstate(over="ignore", invalid="ignore"):
        theta = np.append(theta[:-1], theta[-1] + shift @ theta[:-1])
    if not np.all(np.isfinite(theta)):
        return Survey(separated, rounded, spread=top, offset=offset, pushed=pushed_any)
    D = np.sqrt(np.where(np.diagonal(G) > 0, np.diagonal(G), 1.0))
    lam, V = np.linalg.eigh(G / D[:, None] / D[None, :])  # unit diagonal (or 0)
    N = V[:, lam <= 4 * (d + 1) * eps * max(float(lam[-1]), 1.0)]  # its null space, to rounding
    v = (N @ (N.T @ (D * theta))) / D
    # the margins m_i(theta) are known to (d + 2) EPS |x1_i| @ |theta|: c.|r| < 1 less that
    slack = 2 * (d + 2) * eps * float(c @ np.abs(theta))
    if np.any(v != 0) and float(c @ np.abs(theta - v)) < 1.0 - slack:
        # |x1_i @ v| <= sqrt(v' G v) on B, plus the rounding of v_b - shift @ v_w below
        moved = float(np.abs(shift) @ np.abs(v[:-1]))
        gap = math.sqrt(max(float(v @ G @ v), 0.0)) + (d + 2) * eps * (moved + abs(v[-1]))
        v[-1] -= shift @ v[:-1]
        return Survey(separated, rounded, v, gap, top, offset, pushed_any)
    return Survey(separated, rounded, spread=top, offset=offset, pushed=pushed_any)


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

    rounding: the rounding level of the gradient at the final weights (`survey`): the optimum is
    called reached only where the gradient norm is within it."""
    head = (
        f"{solver} stopped after {len(losses) - 1} steps with gradient norm {norms[-1]:.3e} "
        f"> tol = {tol:.3e}: "
    )
    if (stalled and rounding is None) or (rounding is not None and norms[-1] <= rounding):
        known = "" if rounding is None else f" (its rounding at these weights: {rounding:.1e})"
        return head + (
            f"the gradient is zero to within its own rounding{known}; the optimum is reached as "
            "far as float64 can tell, so tol is below what this data set allows"
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


def conclude(
    options: Any,
    solver: Any,
    run: Trajectory,
    *,
    no_optimum: bool,
    rounding: float | None = None,
    blind: Sequence[int] = (),
    uncentred: Sequence[int] = (),
) -> float | None:
    """The ConvergenceWarnings a finished run owes its user, for every model: a tol that cannot
    see some columns' weights (`blind`: spread <= tol), columns too far from 0 for tol to certify
    the optimum (`uncentred`), or a run that ended short of tol (with `advice`). None of them
    where the data have no finite optimum (that warning is given already). Returns gd's step
    (None for the other solvers), for the fit's result."""
    lr = getattr(solver, "lr", None)
    if no_optimum:
        return lr
    if blind:
        warn(
            f"{options.solver} reached tol = {options.tol:.3e}, but column(s) {list(blind)} "
            "of X spread over no more than tol (max_i |x_ij - x_1j| <= tol): the part of "
            "dL/dw_j that w_j can move is at most that spread, below tol whatever w_j, so tol "
            "cannot tell whether those weights are optimal (the classes may even be "
            "separable along such a column). Scale the columns (for example to sd 1) and fit "
            "again, or give a tol below that spread"
            + (
                ""
                if getattr(solver, "affine_invariant", False)
                else "; or use solver='newton', which scales each column itself at l2 = 0"
            ),
            ConvergenceWarning,
        )
    if uncentred:
        warn(
            f"{options.solver} reached tol = {options.tol:.3e}, but column(s) "
            f"{list(uncentred)} of X sit far from 0 for their spread (|mean| > "
            f"{UNCENTRED:.0e} x spread): the Hessian is then as ill-conditioned as "
            "(offset / spread)^2, and a gradient below tol does not certify the optimum. "
            "Centre the columns (subtract each column's mean), or use solver='newton', "
            "which centres them itself",
            ConvergenceWarning,
        )
    if not run.converged and options.tol > 0:
        warn(
            advice(
                options.solver,
                lr,
                run.losses,
                run.grad_norms,
                options.tol,
                run.stalled,
                lr_given=options.lr is not None,
                rounding=rounding,
            ),
            ConvergenceWarning,
        )
    return lr


@dataclass(frozen=True)
class Separation:
    """What `separation` found.

    kind       "one class", "complete", "quasi-complete", or "none found"
    direction  (v_w (d,), v_b): along it every sample's loss is non-increasing and some fall
               (None for "none found")
    gap        for "quasi-complete", max |x_i @ v_w + v_b| over the samples on the boundary:
               the rounding-level distance from it (0 for the others)
    """

    kind: str
    direction: tuple[Array, float] | None
    gap: float = 0.0


def separation(X: Any, y: Any, *, max_iter: int = 100) -> Separation:
    """Whether (X, y) has no finite maximum-likelihood estimate at l2 = 0, with a certificate.

    Runs Newton on the centred features (max_iter steps from 0, tol = 0: on data without a finite
    optimum the iterates run off along the recession direction, which is what is wanted), then
    one pass checks two certificates at the last iterate (`survey`): every margin beyond its
    rounding (complete separation), or the projection of the iterate on the null space of the
    samples not pushed to their side (quasi-complete: DERIVATION.md, "When no finite optimum
    exists"). Each certificate found is checked, not presumed: "complete" and "quasi-complete"
    are sure up to the rounding of the margins (and `gap`). "none found" is not a proof that a
    finite optimum exists: a direction whose separated samples still have margins below ~7 after
    max_iter steps is missed. `fit` runs the same check after its own iterations, in the one pass
    over X it spends there, where the run was long enough.
    """
    X_ = as_features(X)
    n, d = X_.shape
    y_ = as_labels(y, n, soft=False)
    count = as_count("max_iter", max_iter)
    if np.all(y_ == y_[0]):
        # the intercept alone: b -> +inf for y = 1, -inf for y = 0
        return Separation("one class", (np.zeros(d), 1.0 if y_[0] == 1 else -1.0))
    centring = Centring(X_, (d + 1,))
    objective = LinearObjective(BinaryLoss, centring.X, y_, 0.0)
    run = minimize(objective, np.zeros(d + 1), Newton(), max_iter=count, tol=0.0)
    found = survey(objective, run.theta, margins=True, rounding=False, quasi=True)

    def user(v: Array) -> tuple[Array, float]:
        theta, _ = centring.outward(v, np.zeros_like(v))  # the same linear map as the weights'
        return theta[:-1], float(theta[-1])

    if found.separated or _low_loss(objective, run.losses):
        return Separation("complete", user(run.theta))
    if found.direction is not None:
        v = found.direction
        # the map to the user's intercept, v_b - mu @ v_w, rounds by EPS (|mu| @ |v_w| + |v_b|)
        moved = float(np.abs(centring.mu) @ np.abs(v[:-1])) + abs(float(v[-1]))
        eps = float(np.finfo(np.float64).eps)
        return Separation("quasi-complete", user(v), found.gap + 2 * eps * moved)
    return Separation("none found", None)
