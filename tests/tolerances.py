"""Every tolerance of the suite, named, with the rounding argument behind it.

u = 2**-53 is the unit roundoff of float64 (EPS = 2u is NumPy's machine epsilon). A correctly
rounded operation errs by at most u relative; NumPy's exp and log1p by a few ulps.

The scales below are built from the data alone, with p = (1 + tanh(z / 2)) / 2, a formula neither
twin uses, so that a wrong function under test cannot widen its own tolerance.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tests.strategies import Problem

EPS = float(np.finfo(np.float64).eps)  # 2.2e-16
U = EPS / 2  # unit roundoff, 1.1e-16

# --- manual against 60-digit arithmetic ---------------------------------------------------------
# Per-sample forms (sigmoid, softplus, l_i, p_i - y_i, p_i (1 - p_i)) given z: each is at most five
# correctly rounded operations (<= 5u) plus one exp and one log1p (<= 2 ulps each in NumPy), so
# <= 9u; 8 EPS = 16u leaves a factor ~2 for the platform's libm.
ELEMENTWISE_RTOL = 8 * EPS

# The project's bar for loss, gradient and Hessian against exact arithmetic (relative). What no
# float64 code can beat is added to it explicitly: the rounding of z = X @ w + b (at most
# (d + 1) u (|X| @ |w| + |b|), carried to the result by the derivative) and of the sums over samples
# (at most n u times the sum of magnitudes, where the samples' contributions cancel).
EXACT_RTOL = 1e-12

# --- manual against reference (JAX) -------------------------------------------------------------
# reference evaluates the textbook softplus(z) - y z and autodiff's p - y and p (1 - p): their
# rounding is u times the size of the terms, not of the result, and XLA's exp is measured here to
# err by up to 31 ulps (at z < 0). Summed over the d + 1 terms of z and log2(n) levels of the
# pairwise sums, the rounding of both twins is <= (31 + 13 + 9) u = 53u ~ 6e-15 of the scales
# below; 1e-12 leaves a margin of ~170 for other libm builds.
TWIN_RTOL = 1e-12
# autodiff's p (1 - p) near p = 1 is accurate to an absolute ~32 ulps of 1, not relative to the
# (tiny) result: measured 31.3 ulps at z = 33.25; 256 EPS leaves a factor of 8.
AUTODIFF_CURVATURE_ATOL = 256 * EPS
# XLA on the CPU flushes subnormal results (below 2.2e-308) to zero; NumPy keeps them.
SUBNORMAL_ATOL = float(np.finfo(np.float64).tiny)

# --- a certificate of separation (manual.diagnostics.certify) ------------------------------------
# A margin x_i @ v_w + v_b of d + 1 products rounds by at most (d + 1) u of its scale
# |x_i| @ |v_w| + |v_b|; the gap of a direction whose boundary samples lie on it is that rounding
# and a bound on it, ~2 (d + 2) EPS = 8 EPS of the scale at the d <= 2 of the tests; 64 ulps
# leaves a factor of 8, and still tells a gap of rounding from one of a margin (1 and more).
CERTIFY_ROUNDING_ULPS = 64
# The gradient's rounding bound (manual.diagnostics.survey) is (log2(rows) + blocks + 2) EPS of
# the sums' scale plus (d + 2) EPS of the logits', ~12 EPS = 2.7e-15 of the scale at n = 200 in 4
# blocks; a bound above 1e-12 of the scale (~370 times that) would call a gradient of 1e-12 zero.
GRADIENT_ROUNDING_CEILING = 1e-12


def p_of(z: np.ndarray) -> np.ndarray:
    """sigmoid(z) = (1 + tanh(z / 2)) / 2: an independent formula, for scales only."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softplus_of(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)) via logaddexp, for scales only."""
    return np.logaddexp(0.0, z)


def x1(P: Problem) -> np.ndarray:
    """X1 = [X, 1], (n, d + 1)."""
    return np.column_stack([P.X2, np.ones(P.X2.shape[0])])


def z_scale(P: Problem) -> np.ndarray:
    """|X| @ |w| + |b|, (n,): the rounding of z_i = X_i @ w + b is below (d + 1) u times it."""
    return np.abs(P.X2) @ np.abs(P.w) + abs(P.b)


def twin_loss_scale(P: Problem) -> float:
    """mean_i (softplus(z_i) + |y_i z_i| + z_scale_i) + (l2 / 2) ||w||^2."""
    z = P.z
    terms = softplus_of(z) + np.abs(P.y * z) + z_scale(P)
    penalty = 0.5 * P.l2 * float(np.dot(P.w, P.w)) if P.l2 else 0.0
    return float(np.mean(terms) + penalty)


def twin_gradient_scale(P: Problem) -> np.ndarray:
    """mean_i |X1_ij| (p_i + y_i + z_scale_i) + l2 |w_j|, (d + 1,)."""
    p = p_of(P.z)
    scale = np.abs(x1(P)).T @ (p + P.y + z_scale(P)) / len(P.y)
    scale[:-1] += P.l2 * np.abs(P.w)
    return scale


def twin_hessian_bound(P: Problem) -> np.ndarray:
    """TWIN_RTOL * scale + AUTODIFF_CURVATURE_ATOL * mean_i |X1_ij X1_ik|, (d + 1, d + 1)."""
    z = P.z
    p = p_of(z)
    s = p * (1.0 - p)
    A = np.abs(x1(P))
    n, d1 = A.shape
    rel = A.T @ (A * (s * (1.0 + z_scale(P)))[:, None]) / n
    rel[np.arange(d1 - 1), np.arange(d1 - 1)] += P.l2
    return TWIN_RTOL * rel + AUTODIFF_CURVATURE_ATOL * (A.T @ A) / n


def assert_within(name: str, got: ArrayLike, want: ArrayLike, bound: ArrayLike) -> None:
    """|got - want| <= bound elementwise, with a message that shows the worst entry."""
    g = np.asarray(got, dtype=np.float64)
    t = np.asarray(want, dtype=np.float64)
    assert g.shape == t.shape, f"{name}: shape {g.shape} != {t.shape}"
    err = np.abs(g - t)
    allowed = np.broadcast_to(np.asarray(bound, dtype=np.float64) + SUBNORMAL_ATOL, err.shape)
    if not (err <= allowed).all():
        i = np.unravel_index(np.argmax(err - allowed), err.shape) if err.ndim else ()
        raise AssertionError(
            f"{name}: |got - want| = {err[i]:.3e} > bound {allowed[i]:.3e} at {i} "
            f"(got {g[i]!r}, want {t[i]!r})"
        )


# --- Hessian-vector products within one twin ------------------------------------------------------
def s_of(z: np.ndarray) -> np.ndarray:
    """p (1 - p) = 1 / (4 cosh(z / 2)^2): an independent formula, accurate where 1 - p rounds to 0
    (cosh overflows to inf, and s to 0, past |z| = 1420, where the true s is below 1e-308)."""
    with np.errstate(over="ignore"):
        return 0.25 / np.cosh(0.5 * z) ** 2


def same_hvp_bound(P: Problem, *directions: np.ndarray, autodiff: bool = False) -> np.ndarray:
    """Two ways of summing H u within one twin (H @ u against one pass, or one pass against the
    sum of two) differ by the rounding of z-changes (d + 1) u, of the products (a few u) and of the
    sums over n samples and d + 1 coordinates (n + d + 1) u, each relative to the sum of the
    magnitudes: (n + d + 8) EPS * (|X1|' diag(s) |X1| / n + l2 I_w) @ sum |u|. Curvatures below the
    smallest normal (s / n, sqrt(s / n) subnormal in the Hessian's B = sqrt(s / n) X1) keep only an
    absolute 2^-1074: SUBNORMAL_ATOL * (|X1|' |X1|) @ sum |u| covers their n terms. With
    `autodiff`, the two sides' p (1 - p) come from two autodiff evaluations, each within
    AUTODIFF_CURVATURE_ATOL of it: 2 AUTODIFF_CURVATURE_ATOL * (|X1|' |X1| / n) @ sum |u| more."""
    A = np.abs(x1(P))
    n, d1 = A.shape
    M = A.T @ (A * s_of(P.z)[:, None]) / n
    M[np.arange(d1 - 1), np.arange(d1 - 1)] += P.l2
    size = sum(np.abs(u) for u in directions)
    atol = SUBNORMAL_ATOL + (2 * AUTODIFF_CURVATURE_ATOL / n if autodiff else 0.0)
    return (n + d1 + 8) * EPS * (M @ size) + atol * ((A.T @ A) @ size)


# --- the optimum against statsmodels' -----------------------------------------------------------
# Both sides stop at a gradient of ~1e-10 or below, at a well-conditioned optimum (in centred and
# standardized coordinates); the parameters then agree to ~cond * 1e-10, far inside 1e-6.
ORACLE_RTOL = 1e-6
# The loss is flat at the optimum: a parameter error delta changes it by delta' H delta / 2, ~1e-12
# of it at the 1e-6 above; its own rounding is that of the logits, (d + 1) u |b| ~ 1e-12 at
# |b| ~ 2e4. 1e-10 relative leaves a margin of 100.
ORACLE_LOSS_RTOL = 1e-10
