"""The numerical claims of DERIVATION.md and of the README's teaching sections, each a property
with its tolerance and the reason for it. DERIVATION.md links every test here from the step it
backs."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import manual
import reference
from manual.datasets import breast_cancer, toy_one_feature
from manual.mistakes import GALLERY, flat
from tests.gradcheck_data import data, far_data
from tests.strategies import Problem, directions, problems
from tests.tolerances import EPS, U

# --- step 2: the sigmoid's derivatives -----------------------------------------------------------

# sigma' = s q, sigma'' = s q (q - s), sigma''' = s q (1 - 6 s q), with s = sigma(z), q = sigma(-z).
SIGMA_BOUNDS = {1: 1 / 4, 2: 1 / (6 * math.sqrt(3)), 3: 1 / 8}
# A grid of spacing 1e-4 misses a smooth maximum by at most (spacing / 2)^2 / 2 times the
# curvature there (|f''| / f <= 6 at these maxima): below 1e-7 of the bound.
GRID_RTOL = 1e-7
# Each formula is at most six correctly rounded operations on s and q, themselves within a few
# ulps: 16 EPS relative.
FORMULA_RTOL = 16 * EPS
# mpmath.diff at 60 digits leaves ~1e-60 of the scale (1) where a derivative is 0 (sigma''(0))
MPMATH_ATOL = 1e-50


def _sigma_derivatives(z: np.ndarray) -> dict[int, np.ndarray]:
    s, q = manual.sigmoid(z), manual.sigmoid(-z)
    sq = s * q
    return {1: sq, 2: sq * (q - s), 3: sq * (1 - 6 * sq)}


def test_sigmoid_derivative_formulas_against_60_digit_differentiation() -> None:
    """The three formulas are the derivatives of 1 / (1 + e^-z) (mpmath.diff, 60 digits)."""
    mpmath.mp.dps = 60
    z = np.array([-30.0, -5.0, -1.3, 0.0, 0.7, 2.0, 12.0])
    got = _sigma_derivatives(z)
    sq = manual.sigmoid(z) * manual.sigmoid(-z)
    # relative to the size of the terms, not of the result: q - s and 1 - 6 s q can cancel
    scale = {1: sq, 2: sq, 3: sq * (1 + 6 * sq)}
    for k in (1, 2, 3):
        for zi, gi, si in zip(z, got[k], scale[k], strict=True):
            want = float(mpmath.diff(lambda t: 1 / (1 + mpmath.exp(-t)), mpmath.mpf(zi), k))
            assert abs(gi - want) <= FORMULA_RTOL * si + MPMATH_ATOL, (k, zi)


def test_sigmoid_derivative_bounds_hold_and_are_attained() -> None:
    """sigma' <= 1/4, |sigma''| <= 1/(6 sqrt 3) ~ 0.0962, |sigma'''| <= 1/8 on a grid of step 1e-4
    over [-40, 40] (outside it all three are below 4e-18), each bound reached to GRID_RTOL."""
    z = np.arange(-400_000, 400_001) * 1e-4
    for k, bound in SIGMA_BOUNDS.items():
        top = float(np.max(np.abs(_sigma_derivatives(z)[k])))
        assert top <= bound * (1 + FORMULA_RTOL), (k, top, bound)
        assert top >= bound * (1 - GRID_RTOL), (k, top, bound)


# --- step 3 and 12: the textbook loss and p - y in float64 ---------------------------------------

# the grid step of the threshold searches below: a threshold is located to within it
THRESHOLD_STEP = 1e-4


def _first_zero(z: np.ndarray, values: np.ndarray) -> float:
    zero = values == 0
    first = int(np.argmax(zero))
    assert zero[first:].all(), "not zero everywhere beyond the first zero"
    return float(z[first])


def test_the_textbook_loss_is_exactly_zero_from_48_ln_2() -> None:
    """softplus(z) - z at y = 1: softplus(z) = z + e^-z rounds to z once e^-z is below half an
    ulp of z, 2^-48 for z in [32, 64): z >= 48 ln 2 ~ 33.27. The JAX twin's loss is that form."""
    z = np.arange(300_000, 400_001) * THRESHOLD_STEP  # [30, 40]
    first = _first_zero(z, reference.softplus(z) - z)
    assert abs(first - 48 * math.log(2)) <= THRESHOLD_STEP
    assert abs(first - 33.3) < 0.05


def test_p_minus_y_first_rounds_to_zero_at_53_ln_2() -> None:
    """sigmoid(z) - 1: 1 + e^-z rounds to 1 once e^-z <= 2^-53 (half an ulp of 1 above it):
    z >= 53 ln 2 ~ 36.74, for the textbook 1 / (1 + e^-z) and for the JAX twin alike."""
    z = np.arange(300_000, 400_001) * THRESHOLD_STEP
    with np.errstate(over="ignore"):
        textbook = 1.0 / (1.0 + np.exp(-z)) - 1.0
    for values in (textbook, reference.sigmoid(z) - 1.0):
        first = _first_zero(z, values)
        assert abs(first - 53 * math.log(2)) <= THRESHOLD_STEP
        assert abs(first - 36.7) < 0.05


def test_the_exact_forms_keep_the_tail_where_the_textbook_loses_it() -> None:
    """At y = 1, z = 40: the exact loss and residual are e^-40 ~ 4.2e-18 to a few ulps, where the
    textbook forms give 0 (the walkthrough's first comparison)."""
    X, y = np.array([[40.0]]), np.array([1.0])
    tail = math.exp(-40.0) / (1 + math.exp(-40.0))  # sigma(-40), to one rounding
    assert abs(manual.loss([1.0], 0.0, X, y) - math.log1p(math.exp(-40.0))) <= 8 * EPS * tail
    assert abs(manual.gradient([1.0], 0.0, X, y)[1] + tail) <= 8 * EPS * tail
    assert reference.loss([1.0], 0.0, X, y) == 0.0
    assert reference.gradient([1.0], 0.0, X, y)[1] == 0.0


# --- step 5: the intercept matches the base rate -------------------------------------------------


@pytest.mark.parametrize(("dataset", "l2"), [("toy", 0.0), ("breast-cancer", 1e-3)])
def test_mean_p_equals_mean_y_at_the_optimum(dataset: str, l2: float) -> None:
    """dL/db = mean(p - y) = 0 at the optimum, whatever l2 (the intercept is not penalized): the
    mean predicted probability is the base rate. At a point where max|g| <= tol, |mean(p) - mean(y)|
    = |dL/db| <= tol, up to the rounding of two means of n numbers in [0, 1] (n EPS)."""
    d = toy_one_feature() if dataset == "toy" else breast_cancer()
    tol = 1e-10
    res = manual.fit(d.X, d.y, solver="newton", l2=l2, tol=tol)
    assert res.converged
    gap = abs(float(np.mean(manual.predict_proba(d.X, res.w, res.b)) - np.mean(d.y)))
    assert gap <= tol + len(d.y) * EPS


# --- step 7: the Hessian as a Gram matrix --------------------------------------------------------


@given(problems().flatmap(lambda P: st.tuples(st.just(P), directions(P.X2.shape[1]))))
def test_the_hessians_quadratic_form_is_a_sum_of_squares(Pv: tuple[Problem, np.ndarray]) -> None:
    """v.H.v = ||B v||^2 + l2 ||v_w||^2, B = diag(sqrt(p (1 - p) / n)) X1: both sides are sums of
    products summed over the n samples and d + 1 coordinates, each within (n + d + 3) u of the
    sum of the magnitudes of its terms (a factor 4 for H's own rounding), or, where the terms are
    subnormal, of as many spacings 2^-1074 (there a rounding errs by up to half of one,
    whatever the magnitudes)."""
    P, v = Pv
    H = manual.hessian(P.w, P.b, P.X, P.y, P.l2)
    X1 = np.column_stack([P.X2, np.ones(P.X2.shape[0])])
    s = manual.sigmoid(P.z) * manual.sigmoid(-P.z) / X1.shape[0]
    Bv = np.sqrt(s) * (X1 @ v)
    lhs = float(v @ H @ v)
    rhs = float(Bv @ Bv) + P.l2 * float(v[:-1] @ v[:-1])
    magnitude = float(np.abs(v) @ np.abs(H) @ np.abs(v)) + float(s @ (np.abs(X1) @ np.abs(v)) ** 2)
    count = 4 * (X1.shape[0] + X1.shape[1] + 3)
    assert abs(lhs - rhs) <= count * (U * magnitude + 2.0**-1074)


# --- step 8: gradient descent --------------------------------------------------------------------


@given(problems(), st.floats(0.01, 0.99))
def test_the_descent_lemma_holds_for_every_lr_below_2_over_L(P: Problem, fraction: float) -> None:
    """L(theta - lr g) <= L(theta) - lr (1 - lr L_smooth / 2) ||g||^2 for lr = fraction * 2 /
    L_smooth: every lr < 2 / L_smooth lowers the loss, by at least a positive multiple of ||g||^2.
    Slack: the rounding of two losses, each within (d + 8) EPS of its scale (as in
    test_the_loss_is_convex_along_every_segment)."""
    Ls = manual.lipschitz(P.X, P.l2)
    lr = fraction * 2 / Ls
    gw, gb = manual.gradient(P.w, P.b, P.X, P.y, P.l2)
    g2 = float(gw @ gw + gb * gb)
    w1, b1 = P.w - lr * gw, P.b - lr * gb
    if not np.all(np.isfinite(w1)) or not math.isfinite(b1):
        return
    try:
        after = manual.loss(w1, b1, P.X, P.y, P.l2)
    except ValueError:  # the step sent the logits past float64
        return
    before = manual.loss(P.w, P.b, P.X, P.y, P.l2)
    scale = (
        abs(before)
        + abs(after)
        + float(np.mean(np.abs(P.X2) @ (np.abs(P.w) + np.abs(w1))))
        + abs(P.b)
        + abs(b1)
    )
    slack = (P.X2.shape[1] + 8) * EPS * 4 * scale
    assert after <= before - lr * (1 - lr * Ls / 2) * g2 + slack


def test_gradient_descents_loss_gap_falls_by_a_constant_factor() -> None:
    """Near the optimum GD with lr = 1/L_smooth multiplies L - L* by (1 - mu / L_smooth)^2 a step,
    mu = lambda_min(H(theta*)): a straight line on a log axis (the walkthrough's figure). Measured
    over steps 200 to 300 of the toy set, where L - L* is 1e-7 to 1e-9, far above the loss's
    rounding (1e-17); the ratio settles to within 1e-3 of the prediction (the faster modes have
    died out by a factor 1e-20)."""
    d = toy_one_feature()
    Ls = manual.lipschitz(d.X)
    best = manual.fit(d.X, d.y, solver="newton", tol=1e-14)
    mu = float(np.linalg.eigvalsh(manual.hessian(best.w, best.b, d.X, d.y))[0])
    gd = manual.fit(d.X, d.y, solver="gd", lr=1 / Ls, tol=0.0, max_iter=300)
    gap = gd.losses - best.losses[-1]
    ratio = (gap[300] / gap[200]) ** (1 / 100)
    assert abs(ratio - (1 - mu / Ls) ** 2) <= 1e-3


# --- step 9: Newton's quadratic convergence ------------------------------------------------------


@pytest.mark.parametrize(("dataset", "l2"), [("toy", 0.0), ("breast-cancer", 1e-3)])
def test_newtons_error_is_bounded_by_a_constant_times_its_square(dataset: str, l2: float) -> None:
    """H is Lipschitz with constant M = max|sigma''| mean_i ||x1_i||^3, so a full Newton step
    satisfies ||theta_+ - theta*|| <= M / (2 lambda_min(H(theta))) ||theta - theta*||^2.
    Checked at every full step from theta = 0 while the error is above 1e-6, where the right-hand
    side dwarfs theta*'s own rounding (cond(H*) EPS ||theta*|| < 1e-10 here). Once the error is
    well below 2 lambda_min / M, each step doubles its number of correct digits."""
    d = toy_one_feature() if dataset == "toy" else breast_cancer()
    X1 = np.column_stack([d.X, np.ones(len(d.y))])
    M = SIGMA_BOUNDS[2] * float(np.mean(np.linalg.norm(X1, axis=1) ** 3))
    best = manual.fit(d.X, d.y, solver="newton", l2=l2, tol=1e-14)
    star = np.append(best.w, best.b)
    theta = np.zeros(X1.shape[1])
    errors: list[float] = []
    for _ in range(30):
        w, b = theta[:-1], float(theta[-1])
        H = manual.hessian(w, b, d.X, d.y, l2)
        g = np.append(*manual.gradient(w, b, d.X, d.y, l2))
        nxt = theta - np.linalg.solve(H, g)
        err, err_next = np.linalg.norm(theta - star), np.linalg.norm(nxt - star)
        if err < 1e-6:
            break
        assert err_next <= M / (2 * np.linalg.eigvalsh(H)[0]) * err**2
        errors.append(float(err))
        theta = nxt
    assert err < 1e-6  # reached with full steps only
    assert len(errors) <= 12


# --- step 11: when a finite optimum exists -------------------------------------------------------


def test_one_class_has_no_finite_optimum_even_with_a_penalty() -> None:
    """y all 1, l2 > 0: the penalty holds w, not b; along b -> +inf, L(0, b) = softplus(-b) falls
    to 0 and never reaches it. H is positive definite all the same (strictly convex, no minimum).
    A fit stops where max|g| <= tol, and |dL/db| = sigma(-b) there (w = 0): b >= log(1/tol - 1),
    a number set by the tolerance, not by the data."""
    x, y = np.array([0.0, 1.0, 2.0]), np.ones(3)
    losses = [manual.loss([0.0], b, x, y, 1e-3) for b in (1.0, 10.0, 30.0, 700.0)]
    assert all(a > b > 0 for a, b in itertools.pairwise(losses))
    assert np.linalg.eigvalsh(manual.hessian([0.0], 5.0, x, y, 1e-3))[0] > 0
    for tol in (1e-8, 1e-12):
        with pytest.warns(manual.SeparationWarning, match="one class only"):
            res = manual.fit(x, y, solver="newton", l2=1e-3, tol=tol)
        assert abs(res.w[0]) < 1e-12
        assert res.b >= math.log(1 / tol - 1) - 1e-9


def test_quasi_complete_separation_has_no_optimum_unless_penalized() -> None:
    """x = (-1, 0, 0, 1), y = (0, 0, 1, 1): the hyperplane x = 0 has every point on its side or on
    it. Along w -> inf the loss falls strictly towards 2 log(2) / 4 (the two points at x = 0 stay at
    p = 1/2) and never reaches it; its value stays above the log(2) / n of a certificate. The
    stopping weight grows with log(1/tol). With l2 > 0 the optimum is finite: both classes are
    present, and it does not move with tol (to 1e-6)."""
    x, y = np.array([-1.0, 0.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0, 1.0])
    losses = [manual.loss([t], 0.0, x, y) for t in (1.0, 10.0, 30.0)]
    assert all(a > b > math.log(2) / 2 for a, b in itertools.pairwise(losses))
    assert manual.loss([800.0], 0.0, x, y) == math.log(2) / 2
    with pytest.warns(manual.SeparationWarning, match="quasi-completely separated"):
        loose, tight = (manual.fit(x, y, solver="newton", tol=t).w[0] for t in (1e-8, 1e-12))
    assert abs((tight - loose) - math.log(1e4)) < 1.0
    loose, tight = (manual.fit(x, y, solver="newton", l2=1e-3, tol=t).w[0] for t in (1e-8, 1e-12))
    assert abs(tight - loose) < 1e-6 and tight < 10


# --- the README: how to read a gradient check ----------------------------------------------------


def _rel_errors() -> dict[str, dict[str, tuple[bool, float]]]:
    """{point: {gradient: (passed, rel_error)}} at the power table's random and far points and
    its exact optimum (l2 = 0)."""
    X, y = data()
    Xf, yf, theta_far = far_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        best = manual.fit(X, y, solver="newton", tol=1e-12)
    places = {
        "random": (X, y, 0.05, np.array([0.5, -1.0, 2.0, 0.3])),
        "far": (Xf, yf, 0.0, theta_far),
        "optimum": (X, y, 0.0, np.append(best.w, best.b)),
    }
    out: dict[str, dict[str, tuple[bool, float]]] = {}
    for place, (X_, y_, l2, theta) in places.items():
        out[place] = {}
        for name, gradient in [("correct", manual.gradient)] + [
            (m.name, m.gradient) for m in GALLERY
        ]:
            f, g = flat(X_, y_, l2, gradient)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", manual.LogregWarning)
                report = manual.check_gradient(f, g, theta)
            out[place][name] = (report.passed, report.rel_error)
    return out


def test_the_relative_error_alone_does_not_tell_right_from_wrong() -> None:
    """The README's reading: a right gradient can read as high as a wrong one (the far point's
    1.7e-8 against float32's 5.5e-8 and the 1.7e-8 of a penalty mistake that l2 = 0 hides), while
    the verdict `passed` tells them apart wherever they differ; every wrong formula at the random
    point reads 1e-3 or more, as does the flushed sigmoid at the far point."""
    out = _rel_errors()
    right_far = out["far"]["correct"][1]
    assert 1e-9 < right_far < 1e-7
    assert out["random"]["correct"][1] < 1e-12
    assert out["random"]["float32_gradient"][1] < 10 * right_far
    for place, rows in out.items():
        assert rows["correct"][0], place
    formulas = [k for k in out["random"] if k not in ("correct", "float32_gradient")]
    for name in formulas:
        passed, rel = out["random"][name]
        if name != "flushed_sigmoid":  # equal to the right gradient at moderate logits
            assert not passed and rel >= 1e-3, name
    assert not out["random"]["float32_gradient"][0]
    assert not out["far"]["flushed_sigmoid"][0] and out["far"]["flushed_sigmoid"][1] >= 1e-3
    # at the exact optimum the right gradient is ~0: its relative error is of order 1, and passes
    assert out["optimum"]["correct"][0] and out["optimum"]["correct"][1] > 0.1
    # and a mistake that only scales the ~0 gradient passes there too (the README's limits)
    assert out["optimum"]["sum_instead_of_mean"][0]


def _differences(
    f: Callable[[np.ndarray], float], t: np.ndarray, v: np.ndarray, h: float
) -> tuple[float, float, float]:
    """forward, central and Richardson estimates of the derivative of f along v."""
    central = (f(t + h * v) - f(t - h * v)) / (2 * h)
    central2 = (f(t + 2 * h * v) - f(t - 2 * h * v)) / (4 * h)
    return (f(t + h * v) - f(t)) / h, central, (4 * central - central2) / 3


def test_the_best_steps_are_where_truncation_meets_rounding() -> None:
    """The README's step-size reading, on the power table's data in float64: the best step of
    forward, central and Richardson differences lies within a factor 10 of eps^(1/2), eps^(1/3),
    eps^(1/5) (where truncation h^p meets rounding eps / h; the factor is the ratio of the
    derivatives that set the constants), and their best errors are ~5e-9, ~4e-12, ~1e-14 (within
    a factor 10: the grid of steps and the rounding's luck)."""
    X, y = data()
    f, g = flat(X, y)
    theta = np.array([0.4, -0.3, 1.2, 0.1])
    v = np.array([1.0, 2.0, -1.0, 0.5]) / 2.5
    exact = float(g(theta) @ v)
    hs = np.logspace(-1, -13, 97)
    errs = np.abs(np.array([_differences(f, theta, v, h) for h in hs]) - exact)
    for k, (p, typical) in enumerate(((1, 5e-9), (2, 4e-12), (4, 1e-14))):
        best = int(np.argmin(errs[:, k]))
        assert EPS ** (1 / (p + 1)) / 10 <= hs[best] <= EPS ** (1 / (p + 1)) * 10, (p, hs[best])
        assert typical / 10 <= errs[best, k] <= typical * 10, (p, errs[best, k])
