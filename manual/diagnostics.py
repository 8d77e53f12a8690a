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

Certificates of separation used here cost one pass over X after a run (`examine`): a loss below
log(2) / n at any iterate (then every l_i < log 2: every sample strictly on its own side), the
final iterate's margins all beyond the rounding of the logits, or a candidate for the
quasi-complete certificate (`survey`). A candidate costs one more pass, that checks its margins
(`certify`); and a run that ended short of tol gathers it in a pass of its own, only where it has
pushed some sample to its side: at most three passes in all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

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
Mask = NDArray[np.bool_]  # (n,): which samples


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
    """What a run's end says, in one pass over X (at l2 = 0, one more to check a candidate for the
    quasi-complete certificate where that pass found one, and one more before it to look for one
    after a run that ended short of tol with some sample pushed to its side: at most three):
    warns (SeparationWarning) where L has no finite optimum; and where the run ended short of
    tol (`unfinished`), the rounding level of the gradient at theta (`survey`), that says
    whether the gradient that is left is the optimum's, zero to within its rounding.

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
        found = dataclasses.replace(
            found, direction=quasi.direction, boundary=quasi.boundary, within=quasi.within
        )
    gap: float | None = None
    if found.direction is not None and found.boundary is not None and not (low or found.separated):
        # a candidate direction: one more pass checks its margins (`certify`), spent only where
        # G has a null space, some sample was pushed to its side and no complete separation is
        # certified already
        gap = certify(objective, found.direction, found.boundary, found.within)
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
    if unpenalized and found.direction is not None and gap is not None:
        v = found.direction
        warn(
            "the data are quasi-completely separated: the direction (v_w, v_b) = "
            f"{np.array2string(v, precision=3, threshold=6)} puts some samples strictly on "
            "their own side and the rest on the boundary x @ v_w + v_b = 0 (to within "
            f"{gap:.1e}), so the loss falls along it for ever and the maximum-likelihood "
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
    direction  a candidate for the certificate of quasi-complete separation: v = (v_w, v_b)
               meant to have (2 y_i - 1)(x_i @ v_w + v_b) > 0 at the samples the run pushed to
               their side and = 0 at the others (DERIVATION.md, "When no finite optimum exists");
               a certificate only once `certify` has checked it
    boundary   (n,) bool: the samples meant to lie on v's boundary (B, not pushed to their side)
    within     the tolerance at which B was called on that boundary: max_{i in B} |x1_i @ v| <=
               sqrt(v' G v) <= sqrt(lambda_N) ||D v|| with lambda_N <= the null space's
               threshold, G = D G1 D with G1 of unit diagonal
    spread     max_i |X_ij - X_1j| of each column j: its spread about its first entry
    offset     |mean_i X_ij| of each column j
    pushed     (one logit a sample) whether some sample is pushed to its side (|p_i - y_i| <=
               PUSHED): the certificate of quasi-complete separation needs one
    """

    separated: bool | None
    rounding: float | None
    direction: Array | None = None
    boundary: Mask | None = None
    within: float = 0.0
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
    quasi     (one logit a sample) a candidate for the certificate of quasi-complete separation,
              from the split of the samples into P, pushed to their side (|p_i - y_i| <= PUSHED),
              and B, the rest. Gathered in the pass: G = sum_{i in B} x1_i x1_i' and
              M = sum_{i in P} a_i a_i' with a_i = x1_i / m_i(theta). After it: N, the null space
              of G (decided where G has a unit diagonal, so that a column's units do not count),
              and the v in N nearest theta in M's metric,
                  v = argmin_{v in N} (theta - v)' M (theta - v)
                    = argmin_{v in N} sum_{i in P} (1 - m_i(v) / m_i(theta))^2:
              the direction of N whose margins on P best keep theta's. Every i in B has
              x1_i @ v = 0 to within the rounding of G's null space: on v's boundary. Where N is
              the one direction u that separates P (m_i(u) > 0 there), v = a u with
              a = u' M theta / u' M u = sum_{i in P} [m_i(u) / m_i(theta)] / u' M u > 0: v separates
              P whatever the part of theta outside N, and however large it is. The candidate is a
              certificate only once `certify` has checked it (its own pass over X).
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
    M = np.zeros((d + 1, d + 1))
    boundary: list[Mask] = []
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
                    a = X1[P] / m[P][:, None]  # a_i = x1_i / m_i(theta)
                    M += a.T @ a
            boundary.append(~P)
    offset = None if top is None else np.abs(total)
    pushed_any = pushed_any and len(objective.shape) == 1
    rounded = None
    if bound is not None:
        bound[:-1] += eps * objective.l2 * np.abs(W)
        rounded = float(np.max(bound))
    B = np.concatenate(boundary) if boundary else None
    if (
        G is None
        or shift is None
        or B is None
        or B.all()  # no sample pushed to its side: nothing for v to separate
        or not (np.all(np.isfinite(G)) and np.all(np.isfinite(M)))
    ):
        return Survey(separated, rounded, spread=top, offset=offset, pushed=pushed_any)
    # theta in the shifted coordinates: (w, b + shift @ w); v is mapped back the same way
    with np.errstate(over="ignore", invalid="ignore"):
        theta = np.append(theta[:-1], theta[-1] + shift @ theta[:-1])
    if not np.all(np.isfinite(theta)):
        return Survey(separated, rounded, spread=top, offset=offset, pushed=pushed_any)
    D = np.sqrt(np.where(np.diagonal(G) > 0, np.diagonal(G), 1.0))
    lam, V = np.linalg.eigh(G / D[:, None] / D[None, :])  # unit diagonal (or 0)
    null = 4 * (d + 1) * eps * max(float(lam[-1]), 1.0)
    N = V[:, lam <= null]  # its null space, to rounding
    U = N / D[:, None]  # a basis of it in the shifted coordinates
    # v = U a nearest theta in M's metric: (U' M U) a = U' M theta, solved with a unit diagonal.
    # A column of U that M does not see (zero on every pushed sample: a column of zeros) gets
    # a = 0; M sees it through the rounding of N's basis alone, K_jj ~ (EPS ||K||)^2, so K_jj
    # up to null^2 of the largest counts as unseen (scaled to a unit diagonal, that rounding
    # would pass for a direction of its own, and a of 1e16 along it)
    K, h = U.T @ M @ U, U.T @ (M @ theta)
    seen = np.diagonal(K) > null**2 * float(np.max(np.diagonal(K), initial=0.0))
    a = np.zeros(U.shape[1])
    if seen.any():
        k = np.sqrt(np.diagonal(K)[seen])
        Ks = K[np.ix_(seen, seen)] / k[:, None] / k[None, :]
        a[seen] = np.linalg.lstsq(Ks, h[seen] / k, rcond=None)[0] / k
    v = U @ a
    if U.shape[1] == 0 or not np.all(np.isfinite(v)) or not np.any(v != 0):
        return Survey(separated, rounded, spread=top, offset=offset, pushed=pushed_any)
    # B's distance from v's boundary that G's null space allows: (sum_B (x1_i @ v)^2)^(1/2) =
    # ||G1^(1/2) D v|| <= sqrt(null) ||D v||
    within = math.sqrt(null) * float(np.linalg.norm(D * v))
    v[-1] -= shift @ v[:-1]  # a candidate: `certify` checks its margins as they come out
    return Survey(separated, rounded, v, B, within, top, offset, pushed_any)


def certify(
    objective: LinearObjective, v: Array, boundary: Mask, within: float = 0.0
) -> float | None:
    """Check v = (v_w, v_b) as a certificate of (quasi-)complete separation, in one pass over X:
    the margins m_i(v) = (2 y_i - 1)(x_i @ v_w + v_b), computed as they are, each known to
    rho_i = (d + 2) EPS (|x_i| @ |v_w| + |v_b|) (a sum of d + 1 products rounds by at most
    (d + 1) EPS / 2 of it, doubled for the rounding of rho_i itself). With

        gap = max( max_{i in boundary} |m_i(v)| + rho_i,  max_{i not in it} rho_i - m_i(v),  0 ),

    a bound on how far any sample's exact margin lies on its wrong side (and the samples of
    `boundary` from v's boundary), v is a certificate where gap is within what `boundary` was
    allowed (`within`, or what its own samples need): a sample the run pushed that lies on the
    boundary too counts as on it to that tolerance, no further; and some sample has
    m_i(v) - 3 rho_i > gap (exactly beyond gap + 2 rho_i: strictly on its side, so that any
    evaluation rounding by rho_i sees it beyond gap + rho_i). Returns gap, or None where v is
    not a certificate. One logit a sample."""
    eps = float(np.finfo(np.float64).eps)
    d = objective.d
    v_w, v_b = v[:-1], float(v[-1])
    on_boundary, wrong, high = 0.0, 0.0, -math.inf
    first = 0
    for Xb, yb in objective.blocks():
        on = boundary[first : first + len(Xb)]
        first += len(Xb)
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite margin: no certificate
            m = objective.per_sample.margin(Xb @ v_w + v_b, yb)
            rho = (d + 2) * eps * (np.abs(Xb) @ np.abs(v_w) + abs(v_b))
        if not (np.all(np.isfinite(m)) and np.all(np.isfinite(rho))):
            return None
        if on.any():
            on_boundary = max(on_boundary, float(np.max(np.abs(m[on]) + rho[on])))
        if not on.all():
            wrong = max(wrong, float(np.max(rho[~on] - m[~on])))
            high = max(high, float(np.max(m[~on] - 3 * rho[~on])))
    gap = max(on_boundary, wrong)
    return gap if gap <= max(within, on_boundary) and high > gap else None


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
    one pass looks for two certificates at the last iterate (`survey`): every margin beyond its
    rounding (complete separation), or a direction of the null space of the samples not pushed
    to their side (quasi-complete: DERIVATION.md, "When no finite optimum exists"), checked by
    one more pass on the user's X, in the user's coordinates (`certify`). Each certificate found
    is checked, not presumed: "complete" and "quasi-complete" are sure up to the rounding of the
    margins (and `gap`). "none found" is not a proof that a finite optimum exists: a direction
    whose separated samples still have margins below ~7 after max_iter steps is missed. `fit`
    runs the same check after its own iterations, where the run was long enough.
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
    if found.direction is not None and found.boundary is not None:
        # checked where it is given: on the user's X, in the user's coordinates (the map from
        # the centred ones rounds the intercept, v_b - mu @ v_w, by up to d EPS |mu| @ |v_w|)
        v_w, v_b = user(found.direction)
        raw = LinearObjective(BinaryLoss, X_, y_, 0.0)
        gap = certify(raw, np.append(v_w, v_b), found.boundary, found.within)
        if gap is not None:
            return Separation("quasi-complete", (v_w, v_b), gap)
    return Separation("none found", None)
