"""check_gradient: no false alarm on the correct gradient anywhere (at the optimum too), every
mistake of the gallery flagged; the JAX twin flags them too; finite differences have the slopes
that theory says."""

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import manual
import reference
from manual.gradcheck import SAFETY, finite_difference
from manual.mistakes import GALLERY, Mistake, flat
from tests.callers import assert_attributed_to
from tests.gradcheck_data import data, far_data
from tests.strategies import Problem, problems
from tests.tolerances import EPS, TWIN_RTOL, twin_gradient_scale

MISTAKE_IDS = [m.name for m in GALLERY]
# mistakes that show only in the far tail of the sigmoid, on points classified right by > 37
TAIL_ONLY = {"flushed_sigmoid"}
SCHEMES = ("forward", "central", "richardson")  # finite_difference's


def _theta(P: Problem) -> np.ndarray:
    return np.append(P.w, P.b)


@given(problems())
def test_correct_gradient_passes_everywhere(P: Problem) -> None:
    """... with no wrong coordinate and no mistake found, whatever candidate term is named."""
    f, g = flat(P.X, P.y, P.l2)
    report = manual.check_gradient(f, g, _theta(P), candidates={"w": np.append(P.w, 0.0)})
    assert report.passed, report.summary()
    assert report.wrong_coordinates.size == 0 and report.diagnosis == "no mistake found"


@settings(max_examples=20)  # each example is a fit to tol 1e-10
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.05]), st.sampled_from(["gd", "newton"]))
def test_correct_gradient_passes_at_the_optimum(seed: int, l2: float, solver: str) -> None:
    X, y = data(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        res = manual.fit(X, y, solver=solver, l2=l2, tol=1e-10, max_iter=20_000)
    f, g = flat(X, y, l2)
    report = manual.check_gradient(f, g, np.append(res.w, res.b))
    assert report.passed, report.summary()
    # where the classic relative error is useless: both sides are ~0
    assert report.rel_error > 1e-7 or res.grad_norms[-1] > 1e-9


@pytest.mark.parametrize("mistake", GALLERY, ids=MISTAKE_IDS)
@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_mistake_is_flagged_at_random_points(mistake: Mistake, seed: int) -> None:
    if mistake.name in TAIL_ONLY:
        X, y, theta = far_data(seed)
        theta = theta * np.random.default_rng(seed).uniform(0.8, 1.2, 4)
        l2 = 0.0
    else:
        X, y = data(seed)
        theta = np.random.default_rng(seed + 1).standard_normal(4)
        l2 = 0.05  # the penalty's mistakes need a penalty
    f, g = flat(X, y, l2, mistake.gradient)
    report = manual.check_gradient(f, g, theta)
    assert not report.passed, f"{mistake.name} not flagged: {report.summary()}"


@pytest.mark.parametrize("mistake", GALLERY, ids=MISTAKE_IDS)
def test_every_mistake_is_flagged_near_the_optimum(mistake: Mistake) -> None:
    """At the optimum of the right loss, found by GD to tol = 1e-8 (l2 > 0, for the penalty's
    mistakes). At an exact optimum with l2 = 0 (gradient ~1e-16) a mistake that only scales, flips
    or permutes the gradient is invisible to any check: see the README."""
    if mistake.name in TAIL_ONLY:
        X, y, theta = far_data(0)
        l2 = 0.0
    else:
        X, y = data(1)
        l2 = 0.05
        res = manual.fit(X, y, solver="gd", l2=l2, tol=1e-8, max_iter=100_000)
        theta = np.append(res.w, res.b)
    f, g = flat(X, y, l2, mistake.gradient)
    assert not manual.check_gradient(f, g, theta).passed


@pytest.mark.parametrize("mistake", GALLERY, ids=MISTAKE_IDS)
def test_the_jax_twin_flags_every_mistake(mistake: Mistake) -> None:
    if mistake.name in TAIL_ONLY:
        # Autodiff's p - y loses the tail where y = 1 (it rounds 1 - 1 to 0), so the twin can
        # judge a tail mistake only where it is itself accurate: label 0 and z < -40, where its
        # sigmoid(z) keeps ~31 ulps. There, relatively, the flushed tail (0) is all wrong.
        X, y, theta = far_data(0)
        X, y = X[y == 0], y[y == 0]
        wrong = np.append(*mistake.gradient(theta[:-1], 0.0, X, y, 0.0))
        right = np.append(*reference.gradient(theta[:-1], 0.0, X, y, 0.0))
        assert np.max(np.abs(wrong - right)) > 1e-6 * np.max(np.abs(right))
        return
    X, y = data(2)
    theta, l2 = np.array([0.5, -1.0, 2.0, 0.3]), 0.05
    P = Problem(w=theta[:-1], b=float(theta[-1]), X=X, y=y, l2=l2)
    wrong = np.append(*mistake.gradient(P.w, P.b, X, y, l2))
    right = np.append(*reference.gradient(P.w, P.b, X, y, l2))
    assert np.any(np.abs(wrong - right) > TWIN_RTOL * twin_gradient_scale(P))


def test_float32_theta_and_output_warn_and_theta_is_never_changed() -> None:
    X, y = data(3)
    f, g = flat(X, y)
    theta = np.array([0.1, 0.2, 0.3, 0.4])
    before = theta.copy()
    manual.check_gradient(f, g, theta)
    assert np.array_equal(theta, before)
    with pytest.warns(manual.GradientCheckWarning, match="theta is float32"):
        manual.check_gradient(f, g, theta.astype(np.float32))
    with pytest.warns(manual.GradientCheckWarning, match="f returned float32"):
        manual.check_gradient(lambda t: np.float32(f(t)), g, theta)

    def mutating_f(t: np.ndarray) -> float:
        value = f(t)
        t[:] = 0.0
        return value

    manual.check_gradient(mutating_f, g, theta)
    assert np.array_equal(theta, before)


def test_directions_mode_uses_a_fixed_number_of_calls() -> None:
    X, y = data(4, d=3)
    f, g = flat(X, y)
    calls = []

    def counted(t: np.ndarray) -> float:
        calls.append(1)
        return f(t)

    report = manual.check_gradient(counted, g, np.zeros(4), mode="directions", n_directions=2)
    # f(theta), the 7-point noise probe, 16 calls a direction: none spent on a bisection
    assert report.passed and report.analytic.shape == (2,) and len(calls) == 1 + 7 + 2 * 16
    assert report.evaluations == len(calls) and report.bisection_evaluations == 0
    f_bad, g_bad = flat(X, y, 0.0, GALLERY[0].gradient)
    assert not manual.check_gradient(f_bad, g_bad, np.zeros(4), mode="directions").passed


def test_report_fields_and_bad_arguments() -> None:
    X, y = data(5)
    f, g = flat(X, y)
    r = manual.check_gradient(f, g, np.zeros(4), order=2)
    assert r.order == 2 and r.numeric.shape == r.fd_error.shape == r.step.shape == (4,)
    assert r.passed and r.ratio <= SAFETY and isinstance(r.rel_error, float)
    # passed: no wrong coordinate, still an int array (the contract's type)
    assert r.wrong_coordinates.shape == (0,) and r.wrong_coordinates.dtype.kind == "i"
    with pytest.raises(ValueError, match="theta must be finite"):
        manual.check_gradient(f, g, np.array([np.nan, 0, 0, 0]))
    with pytest.raises(ValueError, match=r"grad_f\(theta\) must have shape \(4,\)"):
        manual.check_gradient(f, lambda t: np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="order must be 2 or 4"):
        manual.check_gradient(f, g, np.zeros(4), order=3)
    with pytest.raises(TypeError, match="callables"):
        manual.check_gradient(f, None, np.zeros(4))  # type: ignore[arg-type]


@pytest.mark.parametrize(("scheme", "slope"), [("forward", 1), ("central", 2), ("richardson", 4)])
def test_truncation_slopes_match_theory(scheme: str, slope: int) -> None:
    """In the truncation regime (rounding far below), the error of a scheme of order p falls by
    10^p per decade of h: log10 slope p within 0.1."""
    X, y = data(6)
    f, g = flat(X, y)
    theta = np.array([0.4, -0.3, 1.2, 0.1])
    v = np.array([1.0, 2.0, -1.0, 0.5]) / np.sqrt(6.25)
    exact = float(g(theta) @ v)
    hs = {"forward": [1e-2, 1e-3], "central": [1e-1, 1e-2], "richardson": [2e-1, 4e-2]}[scheme]
    e1, e2 = (abs(finite_difference(f, theta, v, h, scheme) - exact) for h in hs)
    measured = np.log(e1 / e2) / np.log(hs[0] / hs[1])
    assert abs(measured - slope) < 0.1, measured


def test_each_mistake_is_exactly_the_slip_its_docstring_names() -> None:
    """Each wrong gradient against the correct one corrected by hand for the slip it names: the
    gallery teaches with these, so each must be that mistake and no other. The correct parts are
    recomputed in another order of operations, hence a few ulps (SLIP_RTOL: ~ 8 roundings of
    the sums and products, relative to the terms' scale)."""
    from manual import mistakes

    X, y = data(seed=4, n=50, d=3)
    w, b, l2, n = np.array([0.4, -0.3, 1.2]), 0.7, 0.3, 50
    SLIP_RTOL = 8 * np.finfo(np.float64).eps
    p = manual.sigmoid(X @ w + b)
    r = p - y
    gw, gb = manual.gradient(w, b, X, y, l2)

    def close(got: tuple[np.ndarray, float], want_w: np.ndarray, want_b: float) -> None:
        scale = np.abs(X).T @ np.abs(r) / n + np.abs(r).sum() + l2 * np.abs(w) + 1.0
        assert np.all(np.abs(got[0] - want_w) <= SLIP_RTOL * n * scale[: len(w)])
        assert abs(got[1] - want_b) <= SLIP_RTOL * n * (np.abs(r).sum() + 1.0)
        assert isinstance(got[1], float) and got[0].dtype == np.float64

    close(mistakes.sum_instead_of_mean(w, b, X, y, l2), X.T @ r + l2 * w, float(r.sum()))
    assert mistakes.bias_sign_flipped(w, b, X, y, l2) == (pytest.approx(gw, abs=0), -gb)
    s = p * (1 - p)
    close(mistakes.extra_sigmoid_prime(w, b, X, y, l2), X.T @ (r * s) / n + l2 * w, (r * s).mean())
    close(mistakes.penalty_twice(w, b, X, y, l2), gw + l2 * w, gb)
    close(mistakes.forgot_penalty(w, b, X, y, l2), gw - l2 * w, gb)
    close(mistakes.residual_flipped(w, b, X, y, l2), -X.T @ r / n + l2 * w, -r.mean())
    close(mistakes.penalized_intercept(w, b, X, y, l2), gw, gb + l2 * b)
    close(mistakes.swapped_features(w, b, X, y, l2), X[:, ::-1].T @ r / n + l2 * w, gb)
    # float32: the right gradient to ~7 digits, and not to 12; every step in float32
    g32 = np.append(*mistakes.float32_gradient(w, b, X, y, l2))
    error = np.abs(g32 - np.append(gw, gb)).max() / np.abs(np.append(gw, gb)).max()
    assert 1e-12 < error < 1e-5
    X32, y32, one = X.astype(np.float32), y.astype(np.float32), np.float32(1)
    r32 = (one / (one + np.exp(-(X32 @ w.astype(np.float32) + np.float32(b)))) - y32) / np.float32(
        n
    )
    assert r32.dtype == np.float32
    want = X32.T @ r32 + np.float32(l2) * w.astype(np.float32)
    assert np.array_equal(g32, np.append(want, np.sum(r32, dtype=np.float32)))
    with np.errstate(all="raise", under="ignore"):  # logits past float32's exp: p = 0, silently
        far = mistakes.float32_gradient(np.ones(1), 0.0, np.array([[-100.0], [100.0]]), [0.0, 1.0])
    assert np.array_equal(far[0], [0.0]) and far[1] == 0.0
    # the flushed sigmoid: right where p is not tiny; 0 instead of p for label-0 points below -37
    close(mistakes.flushed_sigmoid(w, b, X, y, l2), gw, gb)
    # for label 1 the residual stays exact, at every logit (sigmoid(-z) = 4e-18 at z = 40, and
    # 0 beyond 745), and soft labels take p - y
    for z1 in (40.0, 800.0, -800.0):
        at = (np.ones(1), 0.0, np.array([[z1]]), np.ones(1))
        assert mistakes.flushed_sigmoid(*at) == manual.gradient(*at)
    soft = (w, b, X, np.full(n, 0.25), l2)
    close(mistakes.flushed_sigmoid(*soft), *manual.gradient(*soft))
    tail_X, tail_y = np.array([[-40.0], [-50.0]]), np.zeros(2)
    flushed = mistakes.flushed_sigmoid(np.ones(1), 0.0, tail_X, tail_y)
    assert np.array_equal(flushed[0], [0.0]) and flushed[1] == 0.0
    right = manual.gradient(np.ones(1), 0.0, tail_X, tail_y)  # p = 4e-18 and 2e-22 there
    assert right[1] == pytest.approx(manual.sigmoid(np.array([-40.0, -50.0])).mean(), rel=1e-15)


@pytest.mark.parametrize("mistake", GALLERY, ids=MISTAKE_IDS)
def test_each_mistake_takes_l2_zero_by_default_and_extreme_logits_silently(
    mistake: Mistake,
) -> None:
    from manual import mistakes

    gradient = getattr(mistakes, mistake.name)  # called as written, l2 left out
    X, y = data(seed=6, n=30, d=2)
    w = np.array([0.5, -1.0])
    assert np.array_equal(
        np.append(*gradient(w, 0.3, X, y)), np.append(*gradient(w, 0.3, X, y, 0.0))
    )
    # w in float32 (0.5 and -1 exactly) is the same w: the arithmetic stays in float64 (l2 w
    # rounded to float32 would be off by ~1e-8)
    assert np.array_equal(
        np.append(*gradient(w.astype(np.float32), 0.3, X, y, 0.3)),
        np.append(*gradient(w, 0.3, X, y, 0.3)),
    )
    with np.errstate(all="raise", under="ignore"):
        huge = gradient(np.ones(1), 0.0, np.array([[-800.0], [800.0], [1.0]]), [0.0, 1.0, 1.0])
    assert np.all(np.isfinite(np.append(*huge)))


def test_flat_is_the_loss_and_the_gradient_on_theta() -> None:
    """flat(X, y, l2, gradient) gives f(theta) = L(w, b) and grad_f(theta) = (grad_w, grad_b) for
    theta = (w, b), whatever the gradient passed; X as a list and a 1-D column works too."""
    from manual import mistakes

    X, y = data(seed=5, n=40, d=2)
    theta, l2 = np.array([0.5, -1.5, 0.25]), 0.2
    f, grad_f = flat(X, y, l2)
    assert f(theta) == manual.loss(theta[:2], 0.25, X, y, l2)
    assert np.array_equal(grad_f(theta), np.append(*manual.gradient(theta[:2], 0.25, X, y, l2)))
    f0, _ = flat(X, y)
    assert f0(theta) == manual.loss(theta[:2], 0.25, X, y)
    _, wrong = flat(X.tolist(), y, l2, mistakes.bias_sign_flipped)
    flipped = mistakes.bias_sign_flipped(theta[:2], 0.25, X, y, l2)
    assert np.array_equal(wrong(theta), np.append(flipped[0], flipped[1]))
    f1, g1 = flat(X[:, 0], y)  # one feature given as a 1-D column
    assert f1(theta[1:]) == manual.loss(theta[1:2], 0.25, X[:, :1], y)
    assert g1(theta[1:]).shape == (2,)


def test_finite_differences_of_a_cubic_are_the_textbook_formulas() -> None:
    """f(x) = x^3 at x = 1, h = 1/2 (every value exact in binary): forward (f(1.5) - f(1)) / h =
    3 + 3h + h^2 = 4.75, central 3 + h^2 = 3.25, Richardson (4 D(h) - D(2h)) / 3 = 3 exactly (it
    cancels the h^2 term, and a cubic has no h^4 term); along v = 2 each derivative doubles, with
    the step h v. theta keeps its dtype: a float32 theta is differenced in float32."""

    def cube(t: np.ndarray) -> float:
        return float(t[0] ** 3)

    one = np.array([1.0])
    got = {s: finite_difference(cube, one, np.array([1.0]), 0.5, s) for s in SCHEMES}
    assert got == {"forward": 4.75, "central": 3.25, "richardson": 3.0}
    # along v = (2): steps of 2h, derivative 2 f'(1) plus the truncation at step 1
    along = {s: finite_difference(cube, one, np.array([2.0]), 0.5, s) for s in SCHEMES}
    assert along == {"forward": 2 * (3 + 3 + 1), "central": 2 * (3 + 1), "richardson": 6.0}
    assert np.array_equal(one, [1.0])
    assert finite_difference(cube, [1.0], [1.0], 0.5) == 3.25  # central by default; lists too
    # in float32 the step 1e-4 is near float32's rounding: the central difference errs by ~1e-4
    x32 = np.array([1.0], dtype=np.float32)
    h32 = finite_difference(lambda t: t[0] ** 3, x32, np.array([1.0]), 1e-4, "central")
    h64 = finite_difference(cube, one, np.array([1.0]), 1e-4, "central")
    assert abs(h64 - 3) < 1e-7 < abs(h32 - 3)
    with pytest.raises(ValueError, match="scheme must be 'forward', 'central' or 'richardson', "):
        finite_difference(cube, one, np.array([1.0]), 0.5, "backward")
    # an integer theta is differenced in float64 (its step is not truncated to an integer)
    assert finite_difference(cube, [1], [1], 0.5, "forward") == 4.75
    for h in (0.0, np.inf, np.nan):  # no step, or no number: refused by name, not a silent NaN
        with pytest.raises(ValueError, match=r"^h must be a finite, nonzero step"):
            finite_difference(cube, one, np.array([1.0]), h)
    # the step is taken in theta's dtype: one that is 0 or inf there (float16: 1e-8 and 1e5) is
    # refused as well, not a division by zero or a NaN
    x16 = np.array([1.0], dtype=np.float16)
    for h in (1e-8, -1e-8, 1e5):
        with pytest.raises(ValueError, match=r"^h must be a finite, nonzero step .*float16"):
            finite_difference(cube, x16, np.array([1.0]), h, "forward")


def _smooth() -> tuple[
    Callable[[np.ndarray], float], Callable[[np.ndarray], np.ndarray], np.ndarray
]:
    """f = sum exp(a theta) + prod sin(theta): every derivative nonzero, f ~ 5.6 at theta."""
    a = np.array([1.0, -2.0, 0.5, 3.0])

    def f(t: np.ndarray) -> float:
        return float(np.sum(np.exp(a * t)) + np.prod(np.sin(t)))

    def g(t: np.ndarray) -> np.ndarray:
        s, c = np.sin(t), np.cos(t)
        return a * np.exp(a * t) + np.array([c[i] * np.prod(np.delete(s, i)) for i in range(4)])

    return f, g, np.array([0.3, -0.2, 0.7, 0.1])


@pytest.mark.parametrize("mode", ["coordinates", "directions"])
@pytest.mark.parametrize(("order", "accuracy"), [(2, 1e-10), (4, 1e-12)])
def test_the_finite_differences_are_as_accurate_as_the_theory_says(
    order: int, accuracy: float, mode: str
) -> None:
    """At the default steps (eps^(1/3) and eps^(1/5), not shrunk on a smooth f of size ~5), the
    numeric derivative errs by ~1e-11 |f| (order 2) and ~1e-13 |f| (order 4): within `accuracy`
    |f| here, and within its own error estimate, which is itself no more than 10x `accuracy`."""
    from manual.gradcheck import STEP_FACTOR

    f, g, theta = _smooth()
    report = manual.check_gradient(f, g, theta, order=order, mode=mode)
    size = abs(f(theta))
    error = np.abs(report.numeric - report.analytic)
    assert report.passed and np.all(error <= accuracy * size) and np.all(error <= report.fd_error)
    assert np.all(report.fd_error <= 10 * accuracy * size)
    assert np.array_equal(report.step, np.full(4, STEP_FACTOR[order]))
    assert report.rel_error == error.max() / max(
        np.abs(report.analytic).max(), np.abs(report.numeric).max()
    )
    assert report.ratio == pytest.approx((error / report.fd_error).max(), rel=1e-15)


def _noisy(f: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], float]:
    """f plus a noise of 1e-9, fixed per point (seeded by theta's bits): the same f each call."""

    def noisy(t: np.ndarray) -> float:
        jitter = np.random.default_rng(list(t.view(np.uint64))).standard_normal()
        return f(t) + 1e-9 * jitter

    return noisy


def test_the_noise_of_f_is_measured_and_widens_the_error_estimate() -> None:
    """f plus a noise of 1e-9 (fixed per point): the measured noise (_noise) is of that order,
    the error estimates grow to match it, and the correct gradient still passes; a mistake by
    1e-5 is still caught."""
    from manual.gradcheck import _noise

    f, g, theta = _smooth()
    noisy = _noisy(f)
    assert 1e-11 < _noise(noisy, theta, 0, [False]) < 1e-8
    assert _noise(f, theta, 0, [False]) < 1e-14 * abs(f(theta))
    # far from 0 the probe widens with |theta| (relative spacing): its 7 points stay distinct
    # floats at theta ~ 3e3 (ulp 5e-13), and the same noise is seen (on an f of order 1)
    far = _noisy(lambda t: float(np.sum(np.sin(t))))
    assert 1e-11 < _noise(far, np.full(4, 3e3), 0, [False]) < 1e-8
    quiet = manual.check_gradient(f, g, theta)
    loud = manual.check_gradient(noisy, g, theta)
    assert loud.passed and np.all(loud.fd_error > 10 * quiet.fd_error)
    off = manual.check_gradient(noisy, lambda t: g(t) * (1 + 1e-5), theta)
    assert not off.passed


def test_f_of_another_dtype_warns_once_at_the_callers_line_and_a_nan_is_refused() -> None:
    f, g, theta = _smooth()
    with pytest.warns(manual.GradientCheckWarning) as record:
        manual.check_gradient(lambda t: np.float32(f(t)), g, theta)
    assert len(record) == 1
    assert_attributed_to(record, __file__)
    assert str(record[0].message) == (
        "f returned float32, not float64: its rounding (~1e-07) swamps the finite differences; "
        "compute f in float64"
    )

    def hole(t: np.ndarray) -> float:
        return f(t) if t[0] < theta[0] + 1e-3 else float("nan")

    with pytest.raises(ValueError, match=r"^f must return a finite value; got nan near theta$"):
        manual.check_gradient(hole, g, theta)


def test_check_gradient_takes_a_list_and_names_what_is_wrong() -> None:
    f, g, theta = _smooth()
    with warnings.catch_warnings():  # a list has no dtype: no warning
        warnings.simplefilter("error", manual.GradientCheckWarning)
        assert manual.check_gradient(f, g, theta.tolist()).passed
    with pytest.raises(
        TypeError,
        match=r"^f and grad_f must be callables mapping a flat vector to a float / vector$",
    ):
        manual.check_gradient(f, None, theta)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"^mode must be 'coordinates' or 'directions', got 'rows'$"
    ):
        manual.check_gradient(f, g, theta, mode="rows")


def test_check_gradient_of_one_parameter_and_of_none() -> None:
    report = manual.check_gradient(lambda t: float(np.exp(t[0])), np.exp, np.array([0.5]))
    assert report.passed and report.numeric.shape == (1,)
    assert report.numeric[0] == pytest.approx(np.exp(0.5), rel=1e-12)
    with pytest.raises(
        ValueError, match=r"^theta must hold at least one parameter; got an empty array$"
    ):
        manual.check_gradient(lambda t: 0.0, lambda t: t, np.zeros(0))


# f(t) = t D(|t|) has the central difference (f(t) - f(-t)) / 2t = D(t) exactly where t and D(t)
# are binary fractions of a few bits: a made-up f whose differences are prescribed.


def _odd(D: Callable[[float], float]) -> Callable[[np.ndarray], float]:
    def f(x: np.ndarray) -> float:
        t = float(x[0])
        return t * D(abs(t))

    return f


def _two_curvatures(t: float) -> float:
    """D(t) = t^2 up to t = 1/8 and 1/64 + (t^2 - 1/64) / 2 beyond: in the regime at every step
    (ratios 4 within each piece) but the curvature halves above 1/8."""
    return t * t if t <= 0.125 else 0.015625 + (t * t - 0.015625) / 2


def test_check_gradient_reports_the_shrunk_step_and_its_derivative() -> None:
    """f(theta) = theta_0 D(|theta_0|) + 3 theta_1 with _two_curvatures' D, at theta = 0 with
    step 1/8: coordinate 0 shrinks to 1/64 (derivative 2^-12 as above), coordinate 1 keeps 1/8."""
    D = _two_curvatures

    def f(t: np.ndarray) -> float:
        return _odd(D)(t) + 3 * t[1]

    report = manual.check_gradient(
        f, lambda t: np.array([0.0, 3.0]), np.zeros(2), order=2, step=0.125
    )
    np.testing.assert_array_equal(report.step, [0.015625, 0.125])
    np.testing.assert_array_equal(report.numeric, [2.0**-12, 3.0])
    # plus f's rounding over h: 4 eps max|f| / h = 4 eps 2^-9 * 64 = 1.1e-16, 5e-13 of 2^-12
    assert report.fd_error[0] == pytest.approx(2.0**-12, rel=1e-12)


def test_where_no_step_reaches_taylors_regime_the_last_one_keeps_its_error_estimate() -> None:
    """f = t0 |t0|^(1/2) + t1 at 0: along t0 the central difference is D(h) = sqrt(h), whose
    differences shrink as sqrt(h), never as h^2, so no step is in the regime and the step shrinks
    to its last try. The derivative there, R(h) = (4 - sqrt 2) sqrt(h) / 3, comes with the same
    estimate as at any step, |R(2h) - R(h)| / 15 = (sqrt 2 - 1) R(h) / 15 (rounding, ~1e-13 of
    it, aside): a positive error and a finite ratio."""
    report = manual.check_gradient(
        lambda t: float(t[0] * np.sqrt(abs(t[0])) + t[1]),
        lambda t: np.array([1.5 * np.sqrt(abs(t[0])), 1.0]),
        np.zeros(2),
    )
    h = report.step[0]
    assert h < 1e-12 and report.numeric[0] == pytest.approx((4 - np.sqrt(2)) / 3 * np.sqrt(h))
    assert report.fd_error[0] == pytest.approx((np.sqrt(2) - 1) / 15 * report.numeric[0], rel=1e-6)
    assert np.isfinite(report.ratio)


def test_the_summary_says_the_verdict_the_numbers_the_coordinates_and_the_diagnosis() -> None:
    """What summary() shows is the report itself: the verdict, rel_error and ratio to the digits
    it prints, the wrong coordinates and the diagnosis when failed, the count of calls."""
    f, g, theta = _smooth()
    for grad_f in (g, lambda t: g(t) * np.array([1.0, 1.0, -1.0, 1.0])):
        report = manual.check_gradient(f, grad_f, theta)
        text = report.summary()
        assert ("passed" in text) is report.passed and ("FAILED" in text) is not report.passed
        assert f"{report.rel_error:.2e}" in text and f"{report.ratio:.2g}x" in text
        assert report.diagnosis in text and f"{report.evaluations} calls of f" in text
        if not report.passed:
            assert "wrong coordinates: [2]" in text


def test_check_gradient_refuses_bad_numbers_by_name_and_takes_the_edges() -> None:
    f, g, theta = _smooth()
    for kwargs, message in [
        ({"step": 0.0}, r"^step must lie in \(0.0, inf\); got 0.0$"),
        ({"step": -1e-3}, r"^step must lie in \(0.0, inf\); got -0.001$"),
        ({"f_accuracy": -1e-16}, r"^f_accuracy must lie in \[0.0, inf\); got -1e-16$"),
        ({"safety": 0.0}, r"^safety must lie in \(0.0, inf\); got 0.0$"),
    ]:
        with pytest.raises(ValueError, match=message):
            manual.check_gradient(f, g, theta, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^grad_f\(theta\) must be finite, got 4 NaN"):
        manual.check_gradient(f, lambda t: np.full(4, np.nan), theta)
    # f exact (f_accuracy = 0) is allowed, and a safety below 1 is the caller's to choose
    assert manual.check_gradient(f, g, theta, f_accuracy=0.0).passed
    assert manual.check_gradient(f, g, theta, safety=0.5).safety == 0.5
    # the step's range is closed at both ends; a mean over one sample is a mean too
    for step in manual.gradcheck.STEP_RANGE:
        assert manual.check_gradient(f, g, theta, step=step).step.shape == (4,)
    assert manual.check_gradient(f, g, theta, n_samples=1).passed
    with pytest.warns(manual.GradientCheckWarning) as record:
        manual.check_gradient(f, g, theta.astype(np.float32))
    assert str(record[0].message) == (
        "theta is float32, not float64: checked at its float64 value; a gradient check in lower "
        "precision cannot tell float rounding from a wrong derivative"
    )


def test_the_steps_are_relative_to_theta_beyond_1_and_directions_are_unit_vectors() -> None:
    """h_i = step max(|theta_i|, 1) per coordinate, step max(max|theta|, 1) along directions (a
    linear f: no step shrinks). Along direction v the analytic value of f = e_j . theta is v_j:
    over j = 1..3 the squares add up to |v|^2 = 1 (to rounding: 3 squares of numbers <= 1)."""
    theta = np.array([4.0, -0.5, 16.0])
    report = manual.check_gradient(lambda t: float(t[0]), lambda t: np.eye(3)[0], theta, step=1e-3)
    np.testing.assert_array_equal(report.step, [4e-3, 1e-3, 16e-3])
    parts = []
    for e in np.eye(3):

        def f(t: np.ndarray, e: np.ndarray = e) -> float:
            return float(e @ t)

        def grad_f(t: np.ndarray, e: np.ndarray = e) -> np.ndarray:
            return e

        report = manual.check_gradient(f, grad_f, theta, mode="directions", step=1e-3)
        np.testing.assert_array_equal(report.step, np.full(4, 16e-3))
        parts.append(report.analytic)
    np.testing.assert_allclose(np.sum(np.square(parts), axis=0), 1.0, rtol=4 * EPS)


def test_check_gradient_is_the_same_twice_and_its_noise_probe_follows_the_seed() -> None:
    """With f's noise measured (f noisy at 1e-9, well above its rounding), fd_error depends on
    where the 7 noise points fall: the same seed gives bitwise the same report, another seed
    another estimate."""
    f, g, theta = _smooth()
    noisy = _noisy(f)
    first, again = (manual.check_gradient(noisy, g, theta) for _ in range(2))
    np.testing.assert_array_equal(first.fd_error, again.fd_error)
    assert first.ratio == again.ratio
    other = manual.check_gradient(noisy, g, theta, seed=1)
    assert not np.array_equal(other.fd_error, first.fd_error)


def test_passed_is_ratio_at_most_safety_and_the_report_says_its_mode() -> None:
    """A slip of 1e-9 gives some ratio r; with safety = r exactly the check passes (<=), with the
    next float below it fails. A constant f and a zero gradient: rel_error 0 (0 / 0 is read as
    agreement), ratio 0."""
    f, g, theta = _smooth()
    slipped = manual.check_gradient(f, lambda t: g(t) * (1 + 1e-9), theta, mode="directions")
    assert slipped.mode == "directions" and slipped.ratio > 0
    at_edge = manual.check_gradient(
        f, lambda t: g(t) * (1 + 1e-9), theta, mode="directions", safety=slipped.ratio
    )
    assert at_edge.ratio == slipped.ratio and at_edge.passed
    below = np.nextafter(slipped.ratio, 0.0)
    assert not manual.check_gradient(
        f, lambda t: g(t) * (1 + 1e-9), theta, mode="directions", safety=below
    ).passed
    flat_report = manual.check_gradient(lambda t: 3.0, lambda t: np.zeros(2), np.ones(2))
    assert flat_report.mode == "coordinates"
    assert (flat_report.rel_error, flat_report.ratio, flat_report.passed) == (0.0, 0.0, True)


# --- where and what: the wrong coordinates and the diagnosis -----------------------------------

# Planted mistakes on f = sum exp(a theta) + prod sin(theta) + (1/2) ||theta||^2 over 6
# coordinates (every derivative nonzero and of order 1): (change to the right gradient, the
# wrong coordinates exactly, a phrase the diagnosis must hold).
A6 = np.array([1.0, -2.0, 0.5, 3.0, -1.5, 0.25])
THETA6 = np.array([0.3, -0.2, 0.7, 0.1, 0.45, -0.6])


def _f6(t: np.ndarray) -> float:
    return float(np.sum(np.exp(A6 * t)) + np.prod(np.sin(t)) + 0.5 * t @ t)


def _g6(t: np.ndarray) -> np.ndarray:
    s, c = np.sin(t), np.cos(t)
    cross = np.array([c[i] * np.prod(np.delete(s, i)) for i in range(t.size)])
    return A6 * np.exp(A6 * t) + cross + t


FLIP = np.array([1.0, -1.0, 1.0, 1.0, -1.0, 1.0])
SWAP = np.array([0, 1, 4, 3, 2, 5])
PLANTED: dict[str, tuple[Callable[[np.ndarray], np.ndarray], list[int], str]] = {
    "factor 2": (lambda g: 2 * g, [0, 1, 2, 3, 4, 5], "a constant factor 2"),
    "factor -1": (lambda g: -g, [0, 1, 2, 3, 4, 5], "a flipped sign of the whole gradient"),
    "factor n": (lambda g: 50 * g, [0, 1, 2, 3, 4, 5], "a constant factor n = 50 (a sum instead"),
    "factor 1/n": (lambda g: g / 50, [0, 1, 2, 3, 4, 5], "a constant factor 1/n = 1/50"),
    "sign on 1, 4": (lambda g: g * FLIP, [1, 4], "a flipped sign on coordinate(s) [1, 4]"),
    "swap 2, 4": (lambda g: g[SWAP], [2, 4], "swapped coordinates 2 <-> 4"),
    # swaps that no block read in the other order explains: one at the first coordinate, one at
    # the last, one of neighbours (a (2, 2) block transposed is a swap), one spanning a (2, 3)
    "swap 0, 3": (lambda g: g[[3, 1, 2, 0, 4, 5]], [0, 3], "swapped coordinates 0 <-> 3"),
    "swap 2, 5": (lambda g: g[[0, 1, 5, 3, 4, 2]], [2, 5], "swapped coordinates 2 <-> 5"),
    "swap 1, 2": (lambda g: g[[0, 2, 1, 3, 4, 5]], [1, 2], "swapped coordinates 1 <-> 2"),
    "swap 1, 4": (lambda g: g[[0, 4, 2, 3, 1, 5]], [1, 4], "swapped coordinates 1 <-> 4"),
    "flattened": (
        lambda g: g.reshape(2, 3).ravel("F"),
        [1, 2, 3, 4],
        "(2, 3) matrix flattened in the other order",
    ),
    "flattened (3, 2)": (
        lambda g: g.reshape(3, 2).ravel("F"),
        [1, 2, 3, 4],
        "theta[0:6] is a (3, 2) matrix flattened",
    ),
    "confined": (lambda g: g + 1e-3 * np.eye(6)[3], [3], "confined to coordinate(s) [3]"),
    "float32": (lambda g: g.astype(np.float32).astype(np.float64), [0, 1, 2, 3, 4, 5], "float32"),
    "candidate": (lambda g: g + 0.5 * THETA6, [0, 1, 2, 3, 4, 5], "one 'theta / 2' too many"),
    "candidate missing": (lambda g: g - 0.5 * THETA6, [0, 1, 2, 3, 4, 5], "'theta / 2' missing"),
}


@pytest.mark.parametrize("mode", ["coordinates", "directions"])
@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_planted_mistakes_give_exactly_the_wrong_coordinates_and_their_pattern(
    kind: str, mode: str
) -> None:
    """Each planted change of a right gradient: the wrong coordinates are exactly those it
    changed (in "directions" mode found by bisection, whose calls the report counts), and the
    diagnosis names its pattern. theta is left as it was."""
    change, wrong, phrase = PLANTED[kind]
    theta = THETA6.copy()
    report = manual.check_gradient(
        _f6,
        lambda t: change(_g6(t)),
        theta,
        mode=mode,
        candidates={"theta / 2": 0.5 * THETA6},
        n_samples=50,
    )
    assert not report.passed
    assert report.wrong_coordinates.tolist() == wrong, report.summary()
    assert phrase in report.diagnosis, report.diagnosis
    assert np.array_equal(theta, THETA6)
    if mode == "directions":
        assert 0 < report.bisection_evaluations < report.evaluations


def _named_factor(diagnosis: str) -> float:
    """The factor a diagnosis names: "constant factor 3", "-1/3", "n = 50", "1/n = 1/50"."""
    m = re.search(r"\bconstant factor (?:n = |1/n = )?(-?)(1/)?(\d+(?:\.\d+)?)\b", diagnosis)
    assert m, diagnosis
    value = 1.0 / float(m[3]) if m[2] else float(m[3])
    return -value if m[1] else value


# (factor on the whole gradient, n_samples given, whether the diagnosis reads it as a sum over
# the samples instead of a mean, as divided by n once too often, or neither): an integer
# factor beyond 2 can be a sum over that many samples, 1/m a division by n = m too many; n = 2
# is read as the sample count when the caller says n = 2; 2.5, 1.5 and 0.3 are neither
FACTORS = [
    (3.0, None, "sum"),
    (-4.0, None, "sum"),
    (-2.0, None, ""),
    (2.0, 2, "sum"),
    (0.5, 2, "divided"),
    (1 / 3, None, "divided"),
    (-1 / 3, None, "divided"),
    (0.5, None, ""),
    (-0.5, None, ""),
    (2.5, None, ""),
    (1.5, None, ""),
    (0.3, None, ""),
]


@pytest.mark.parametrize(("c", "n_samples", "reading"), FACTORS)
def test_a_constant_factor_is_named_with_its_value_and_sign(
    c: float, n_samples: int | None, reading: str
) -> None:
    """c g for the right gradient g: the diagnosis names a constant factor whose value is c, its
    sign included, and reads it as a sum instead of a mean, or as a division by n once too
    often, only when c is an integer beyond 2 (or n) or the inverse of one."""
    report = manual.check_gradient(_f6, lambda t: c * _g6(t), THETA6, n_samples=n_samples)
    assert report.wrong_coordinates.tolist() == [0, 1, 2, 3, 4, 5], report.summary()
    assert _named_factor(report.diagnosis) == pytest.approx(c, rel=1e-12), report.diagnosis
    assert ("sum instead of a mean" in report.diagnosis) == (reading == "sum"), report.diagnosis
    assert ("divided by n once too often" in report.diagnosis) == (reading == "divided")
    if n_samples is not None:  # the factor named as n itself, or as 1/n
        named = f"n = {n_samples}" if reading == "sum" else f"1/n = 1/{n_samples}"
        assert named in report.diagnosis, report.diagnosis


def test_a_3_by_3_block_read_in_the_other_order_is_named() -> None:
    """theta = (M[0, 0], M[0, 1], ..., M[2, 2]) and grad_f returns the derivative of M' (a
    square block flattened column-major): three pairs swap, and the diagnosis names the block
    and its shape rather than the swaps."""
    a = np.linspace(-1.0, 1.5, 9)
    theta = np.linspace(0.2, -0.4, 9)

    def f(t: np.ndarray) -> float:
        return float(np.sum(np.exp(a * t)) + 0.5 * t @ t)

    def g(t: np.ndarray) -> np.ndarray:
        return (a * np.exp(a * t) + t).reshape(3, 3).ravel("F")

    report = manual.check_gradient(f, g, theta)
    assert report.wrong_coordinates.tolist() == [1, 2, 3, 5, 6, 7], report.summary()
    assert "theta[0:9] is a (3, 3) matrix flattened in the other order" in report.diagnosis


# what the diagnosis says of each gallery mistake, at data(2) with l2 = 0.05 (0 where a factor
# shows only without the penalty); the candidates a caller would name for this objective
GALLERY_DIAGNOSIS = {
    "sum_instead_of_mean": (
        0.05,
        [0, 1, 2, 3],
        "a constant factor n = 120 (a sum instead of a mean) on all but the term 'l2 * w'",
    ),
    "bias_sign_flipped": (0.05, [3], "a flipped sign on coordinate(s) [3]"),
    "residual_flipped": (0.0, [0, 1, 2, 3], "a flipped sign of the whole gradient"),
    "extra_sigmoid_prime": (0.05, [0, 1, 2, 3], "no simple pattern"),
    "penalty_twice": (0.05, [0, 1, 2], "one 'l2 * w' too many"),
    "forgot_penalty": (0.05, [0, 1, 2], "the term 'l2 * w' missing"),
    "penalized_intercept": (0.05, [3], "one 'l2 * b' too many"),
    "swapped_features": (0.05, [0, 2], "swapped coordinates 0 <-> 2"),
    "float32_gradient": (0.05, [0, 1, 2, 3], "float32 rounding"),
    "flushed_sigmoid": (0.0, [0, 1, 2, 3], "no simple pattern"),
}


@pytest.mark.parametrize("mode", ["coordinates", "directions"])
@pytest.mark.parametrize("mistake", GALLERY, ids=MISTAKE_IDS)
def test_every_gallery_mistake_is_diagnosed(mistake: Mistake, mode: str) -> None:
    l2, wrong, phrase = GALLERY_DIAGNOSIS[mistake.name]
    if mistake.name in TAIL_ONLY:
        X, y, theta = far_data(0)
    else:
        X, y = data(2)
        theta = np.array([0.5, -1.0, 2.0, 0.3])
    terms = {"l2 * w": l2 * np.append(theta[:-1], 0.0), "l2 * b": l2 * np.eye(4)[3] * theta[3]}
    f, g = flat(X, y, l2, mistake.gradient)
    report = manual.check_gradient(f, g, theta, mode=mode, candidates=terms, n_samples=len(y))
    assert report.wrong_coordinates.tolist() == wrong, report.summary()
    assert phrase in report.diagnosis, report.diagnosis


def test_f_of_the_wrong_kind_and_bad_arguments_are_refused_by_name() -> None:
    """f returning an array, a list, None or a complex number (Python's or NumPy's) is a
    TypeError naming f; seed, order and step out of their ranges and Python ints beyond float64
    are errors naming the argument, never a raw NumPy error, a NaN or a ComplexWarning."""
    f, g, theta = _smooth()
    wrong_kinds: list[tuple[object, str]] = [
        (np.ones(2), "shape"),
        ([1.0], "list"),
        (None, "None"),
        (1j, "complex"),
        (np.complex128(1.0), "complex"),
        ("1.0", "str"),
        (True, "bool"),
        (np.True_, "bool"),
        (np.array(1.0, dtype=object), "object"),
    ]
    for value, kind in wrong_kinds:  # the message names the kind of value given

        def returns(t: np.ndarray, value: object = value) -> object:
            return value

        with pytest.raises(TypeError, match=rf"^f must return .*\b{kind}"):
            manual.check_gradient(returns, g, theta)
    with pytest.raises(ValueError, match=r"^f must return a finite value"):
        manual.check_gradient(lambda t: 10**400, g, theta)
    # a 0-d float64 array is a float; an int64 is a number whose rounding (1) swamps the steps
    assert manual.check_gradient(lambda t: np.asarray(f(t)), g, theta).passed
    with pytest.warns(manual.GradientCheckWarning, match=r"^f returned int64, .*\(~1e\+00\)"):
        manual.check_gradient(lambda t: np.int64(round(1e6 * f(t))), g, theta)
    for kwargs, error, message in [
        ({"seed": -1}, ValueError, r"^seed must be an int >= 0; got -1$"),
        ({"order": [4]}, TypeError, r"^order must be the int 2 or 4, got list \[4\]$"),
        ({"order": 4.0}, TypeError, r"^order must be the int 2 or 4"),
        ({"step": 5e-324}, ValueError, r"^step must lie in \[1.42e-14, 1\]"),
        ({"step": 2.0}, ValueError, r"^step must lie in"),
        ({"step": 10**400}, ValueError, r"^step must hold numbers within float64's range"),
        ({"safety": 10**400}, ValueError, r"^safety must hold numbers within float64's range"),
        ({"candidates": [1.0]}, TypeError, r"^candidates must be a dict .*, got list$"),
        ({"candidates": {"c": np.ones(3)}}, ValueError, r"^candidates\['c'\] must have 4"),
        (
            {"candidates": {"c": [np.nan, 0, 0, 0]}},
            ValueError,
            r"^candidates\['c'\] must be finite",
        ),
        ({"n_samples": 0}, ValueError, r"^n_samples must be an int >= 1"),
    ]:
        with pytest.raises(error, match=message):
            manual.check_gradient(f, g, theta, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^theta must hold numbers within float64's range"):
        manual.check_gradient(f, g, [10**400, 0, 0, 0])


def test_no_false_alarm_when_f_is_rounded_or_has_a_kink_nearby_and_a_slip_is_still_caught() -> None:
    """f rounded to 1e-10 (its noise is invisible to a probe 1e-11 wide, and is 1e-10 / h at the
    steps: measured there before a derivative is called wrong), and f with a kink 1e-4 from theta
    (inside the default step: the step shrinks below it): a right gradient passes both; a slip of
    1e-3 on one coordinate is still found, at that coordinate."""
    X, y = data(1)
    f, g = flat(X, y)
    theta = np.array([0.5, -1.0, 2.0, 0.3])

    def rounded(t: np.ndarray) -> float:
        return round(f(t), 10)

    def kinked(t: np.ndarray) -> float:
        return f(t) + abs(t[0] - theta[0] - 1e-4)

    def kinked_gradient(t: np.ndarray) -> np.ndarray:
        return g(t) + np.sign(t[0] - theta[0] - 1e-4) * np.eye(4)[0]

    for fn, gn in ((rounded, g), (kinked, kinked_gradient)):
        for mode in ("coordinates", "directions"):
            report = manual.check_gradient(fn, gn, theta, mode=mode)
            assert report.passed, report.summary()

            def slip(t: np.ndarray, gn: Callable = gn) -> np.ndarray:
                return gn(t) + 1e-3 * np.eye(4)[2]

            slipped = manual.check_gradient(fn, slip, theta)
            assert slipped.wrong_coordinates.tolist() == [2], slipped.summary()


# --- check_hessian ------------------------------------------------------------------------------


def _hessian_case(l2: float) -> tuple[Callable, Callable, np.ndarray, int]:
    X, y = data(2)
    theta = np.array([0.5, -1.0, 2.0, 0.3])

    def g(t: np.ndarray) -> np.ndarray:
        return np.append(*manual.gradient(t[:-1], t[-1], X, y, l2))

    def H(t: np.ndarray) -> np.ndarray:
        return manual.hessian(t[:-1], t[-1], X, y, l2)

    return g, H, theta, len(y)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_check_hessian_passes_the_right_hessian_and_never_changes_theta(l2: float) -> None:
    g, H, theta, n = _hessian_case(l2)
    before = theta.copy()
    report = manual.check_hessian(g, H, theta, n_samples=n)
    assert report.passed and report.wrong_entries.shape == (0, 2), report.summary()
    assert report.diagnosis == "no mistake found" and report.asymmetry == 0.0
    assert report.numeric.shape == report.fd_error.shape == (4, 4)
    assert np.array_equal(theta, before)


EYE_B = np.diag([0.0, 0.0, 0.0, 1.0])
UPPER = np.triu(np.ones((4, 4)), 1)
CROSS_01 = np.isin(np.arange(16).reshape(4, 4), [1, 4])  # entries (0, 1) and (1, 0)
HESSIAN_MISTAKES: dict[str, tuple[float, Callable[[np.ndarray], np.ndarray], str]] = {
    "asymmetric": (0.0, lambda H: H + 0.01 * UPPER, "asymmetric Hessian"),
    "diagonal only": (0.0, lambda H: np.diag(np.diag(H)), "only the diagonal"),
    "cross terms": (0.0, lambda H: np.where(CROSS_01, 0.0, H), "missing cross terms"),
    "missing 1/n": (0.0, lambda H: 120 * H, "a constant factor n = 120 (a missing 1/n)"),
    "intercept block": (0.05, lambda H: H + 0.05 * EYE_B, "parameter 3 (the intercept's block"),
}


@pytest.mark.parametrize("kind", sorted(HESSIAN_MISTAKES))
def test_check_hessian_names_the_pattern_of_each_planted_mistake(kind: str) -> None:
    l2, change, phrase = HESSIAN_MISTAKES[kind]
    g, H, theta, n = _hessian_case(l2)
    report = manual.check_hessian(g, lambda t: change(H(t)), theta, n_samples=n)
    assert not report.passed
    assert phrase in report.diagnosis, report.summary()
    wrong = np.abs(change(H(theta)) - H(theta)) > 0
    assert sorted(map(tuple, report.wrong_entries.tolist())) == sorted(
        map(tuple, np.argwhere(wrong).tolist())
    )


def test_check_hessian_finds_a_named_term_and_refuses_bad_arguments() -> None:
    g, H, theta, _ = _hessian_case(0.05)
    penalty = 0.05 * np.diag([1.0, 1.0, 1.0, 0.0])
    report = manual.check_hessian(g, lambda t: H(t) - penalty, theta, candidates={"l2 I": penalty})
    assert "the term 'l2 I' missing" in report.diagnosis, report.summary()
    assert "wrong entries: [(0, 0), (1, 1), (2, 2)]" in report.summary()
    # a term given flat, its 16 entries row by row, is read as the (4, 4) matrix it flattens
    flat_term = {"l2 I": penalty.ravel()}
    again = manual.check_hessian(g, lambda t: H(t) - penalty, theta, candidates=flat_term)
    assert again.diagnosis == report.diagnosis, again.summary()
    with pytest.raises(ValueError, match=r"^hess_f\(theta\) must have shape \(4, 4\); got \(4,\)"):
        manual.check_hessian(g, lambda t: np.zeros(4), theta)
    with pytest.raises(ValueError, match=r"^grad_f\(theta\) must have shape \(4,\) like theta"):
        manual.check_hessian(lambda t: np.zeros(3), H, theta)
    with pytest.raises(TypeError, match=r"^grad_f and hess_f must be callables"):
        manual.check_hessian(g, None, theta)  # type: ignore[arg-type]


# A quadratic f = theta' Q theta / 2 checked at theta = 0: its gradient Q theta is linear, so the
# differences carry no truncation; where Q_ij = 0, component i is exactly 0 along e_j and that
# entry's estimated error is exactly 0 (no rounding either): a check must read "0 against 0
# within 0" as agreement. Its entries are below 1, so rel_error's denominator is below 1 too.
Q = 0.2 * np.array(
    [[2.0, 1.0, 0.0, 0.5], [1.0, 3.0, 0.5, 0.0], [0.0, 0.5, 1.0, 0.25], [0.5, 0.0, 0.25, 4.0]]
)
ZERO4 = np.zeros(4)


def _unit(i: int, j: int, k: int = 4) -> np.ndarray:
    out = np.zeros((k, k))
    out[i, j] = 1.0
    return out


def _quadratic_report(
    change: Callable[[np.ndarray], np.ndarray], **kwargs: Any
) -> manual.gradcheck.HessianCheckReport:
    return manual.check_hessian(lambda t: Q @ t, lambda t: change(Q.copy()), ZERO4, **kwargs)


def _summary_lines(report: manual.gradcheck.HessianCheckReport) -> list[str]:
    """The summary, line by line: the verdict first (the word "passed" or "FAILED"), the count of
    calls last (its first word), the diagnosis on a line of its own."""
    lines = report.summary().splitlines()
    verdict = "passed" if report.passed else "FAILED"
    assert re.match(rf"Hessian check {verdict}\b", lines[0]), lines
    assert lines[0].endswith(f"(threshold {report.safety:g}x)"), lines
    assert lines[-1].split()[0] == str(report.evaluations), lines
    assert f"diagnosis: {report.diagnosis}" in lines, lines
    return lines


def test_check_hessian_of_a_quadratic_passes_and_computes_each_gradient_once() -> None:
    """Q passes with "no mistake found" (its zero entries have zero error and agree); grad_f is
    called once per distinct point and no agreeing entry is differenced again: 1 call at theta,
    6 more for the noise probe, and per column 14 (steps +-h, +-2h, +-4h, +-8h and the same over
    8, +-h shared)."""
    report = _quadratic_report(lambda H: H)
    assert report.passed and report.diagnosis == "no mistake found", report.summary()
    assert np.any(report.fd_error == 0.0)  # the case this is about
    np.testing.assert_allclose(report.numeric, Q, rtol=0, atol=1e-15)
    assert report.evaluations == 1 + 6 + 14 * 4
    assert report.rel_error < 4 * EPS and report.wrong_entries.shape == (0, 2)
    assert len(_summary_lines(report)) == 3
    # a zero Hessian of a zero gradient: rel_error is 0 (nothing to compare), not 0 / 0
    zero = manual.check_hessian(lambda t: np.zeros(2), lambda t: np.zeros((2, 2)), np.zeros(2))
    assert zero.passed and zero.rel_error == 0.0, zero.summary()


# (change to the Hessian of Q, what the diagnosis must say, which triangle must be named right)
TRIANGLES: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "lower only": (lambda H: H + 0.1 * _unit(1, 0), "upper"),
    "upper only": (lambda H: H + 0.1 * _unit(0, 1), "lower"),
    "both, unequally": (lambda H: H + 0.1 * _unit(0, 2) + 0.3 * _unit(2, 0), "neither"),
    "lower with the diagonal": (lambda H: H + 0.01 * np.tril(np.ones((4, 4))), "upper"),
    "upper with the diagonal": (lambda H: H + 0.01 * np.triu(np.ones((4, 4))), "lower"),
}


@pytest.mark.parametrize("kind", sorted(TRIANGLES))
def test_an_asymmetric_hessian_names_its_pairs_and_the_triangle_that_agrees(kind: str) -> None:
    """H[i, j] != H[j, i]: the diagnosis names the pairs (i < j) and which off-diagonal triangle
    agrees with the differences (a mistake on the diagonal does not count against either)."""
    change, right = TRIANGLES[kind]
    report = _quadratic_report(change)
    assert not report.passed
    found = re.search(r"\bthe (\w+) triangle agrees\b", report.diagnosis)
    assert found and found.group(1) == right, report.summary()
    A = change(Q.copy())
    for i, j in np.argwhere(np.triu(np.abs(A - A.T) > 0)):
        assert f"({i}, {j})" in report.diagnosis, report.summary()
    expected = np.argwhere(np.abs(A - Q) > 0).tolist()
    assert sorted(report.wrong_entries.tolist()) == sorted(expected)
    _summary_lines(report)


def test_a_jacobian_that_is_not_symmetric_is_not_blamed_on_one_triangle() -> None:
    """grad_f whose Jacobian J is not symmetric (no f has it as gradient) and hess_f = J with
    one wrong diagonal entry: both off-diagonal triangles agree with the differences, so the
    diagnosis must not say that only one of them does."""
    J = Q + 0.1 * _unit(0, 1)
    report = manual.check_hessian(lambda t: J @ t, lambda t: J + 0.1 * _unit(2, 2), ZERO4)
    assert "asymmetric" in report.diagnosis, report.summary()
    assert not re.search(r"\bthe (upper|lower) triangle agrees", report.diagnosis)


WHOLE = {
    "flipped": (-1.0, "a flipped sign of the whole Hessian"),
    "times n": (7.0, "n = 7"),
    "times 2": (2.0, "a constant factor 2 "),
    "halved": (0.5, "a constant factor 1/2 "),
}


@pytest.mark.parametrize("kind", sorted(WHOLE))
def test_a_factor_on_the_whole_hessian_is_named_in_entries(kind: str) -> None:
    """-H and n H (n = 7 samples: a sum instead of a mean): the factor is named for the whole
    Hessian, every entry, in the words of a Hessian (entries, not a gradient's coordinates)."""
    factor, words = WHOLE[kind]
    report = _quadratic_report(lambda H: factor * H, n_samples=7)
    assert words in report.diagnosis, report.summary()
    assert re.search(r"\bentries\b", report.diagnosis) and "coordinates" not in report.diagnosis
    assert "gradient" not in report.diagnosis and "on the wrong" not in report.diagnosis
    assert "all 16 entries agree" in report.diagnosis, report.summary()


P = 0.2 * np.diag([1.0, 1.0, 1.0, 0.0])  # a penalty l2 I on w, none on the intercept
TERMS = {
    "missing": (-1.0, "the term 'l2 I' missing"),
    "added": (1.0, "one 'l2 I' too many"),
    "twice too often": (2.0, "'l2 I' counted +2 times too often"),
}


@pytest.mark.parametrize("kind", sorted(TERMS))
def test_a_named_term_missing_or_extra_in_the_hessian_is_named(kind: str) -> None:
    """H + alpha P for the caller's candidate P: the diagnosis names the term and how often it
    was counted; every entry agrees once alpha P is taken away (its zero-error zeros too)."""
    alpha, words = TERMS[kind]
    report = _quadratic_report(lambda H: H + alpha * P, candidates={"l2 I": P})
    assert report.diagnosis.startswith(words), report.summary()
    assert f"= {alpha:.6g} x 'l2 I'" in report.diagnosis


# (change, the pattern the diagnosis opens with, the facts it states): patterns on the diagonal,
# on one parameter's row and column, on the cross terms, or none
PLACES: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str, list[str]]] = {
    "one diagonal entry": (
        lambda H: H + 0.1 * _unit(0, 0),
        "the row and column of parameter 0 ",
        [r"\[\(0, 0\)\]", r"\boff by \+0\.1\b", r"\bthe rest agrees\b"],
    ),
    "the intercept's row and column": (
        lambda H: H + 0.05 * (_unit(3, 0) + _unit(0, 3) + _unit(3, 3)),
        "the row and column of parameter 3 ",
        [
            r"\bthe intercept's block\b",
            r"\[\(0, 3\), \(3, 0\), \(3, 3\)\]",
            r"\bthe rest agrees\b",
        ],
    ),
    "two diagonal entries swapped": (
        lambda H: H + (H[1, 1] - H[0, 0]) * (_unit(0, 0) - _unit(1, 1)),
        "no simple pattern",
        [r"\b2 of 16 entries\b", r"\[\(0, 0\), \(1, 1\)\]"],
    ),
    "three diagonal entries": (
        lambda H: H + np.diag([0.01, -0.02, 0.05, 0.0]),
        "no simple pattern",
        [r"\b3 of 16 entries\b", r"\[\(0, 0\), \(1, 1\), \(2, 2\)\]"],
    ),
    "diagonal only": (lambda H: np.diag(np.diag(H)), "only the diagonal", [r"\bsure\b"]),
    "cross terms doubled": (
        lambda H: H + (H - np.diag(np.diag(H))),
        "wrong cross terms",
        [r"\[\(0, 1\), \(0, 3\), \(1, 0\), \(1, 2\), \(2, 1\), \(2, 3\), \(3, 0\), \(3, 2\)\]"],
    ),
}


@pytest.mark.parametrize("kind", sorted(PLACES))
def test_where_the_hessian_is_wrong_is_named(kind: str) -> None:
    """A mistake on some entries: the diagonal alone, one parameter's row and column (the
    intercept's for the last one), the cross terms, or no pattern, with the entries, the amount
    off or the count off. A candidate term that does not explain it is not blamed."""
    change, opening, facts = PLACES[kind]
    report = _quadratic_report(change, candidates={"l2 I": P})
    assert report.diagnosis.startswith(opening), report.summary()
    for fact in facts:
        assert re.search(fact, report.diagnosis), (fact, report.summary())
    if "parameter 0 " in opening:
        assert "intercept" not in report.diagnosis, report.summary()
    expected = np.argwhere(np.abs(change(Q.copy()) - Q) > 0).tolist()
    # an amount off is stated only where one entry is wrong: several entries have several
    assert ("off by" in report.diagnosis) == (len(expected) == 1), report.summary()
    assert sorted(report.wrong_entries.tolist()) == sorted(expected)
    lines = _summary_lines(report)
    assert lines[1] == "wrong entries: [" + ", ".join(f"({i}, {j})" for i, j in expected) + "]"


def test_a_wrong_row_of_grad_f_is_named_by_its_parameter() -> None:
    """grad_f's component 0 wrong along theta_1 and theta_2 (its Jacobian is then not symmetric),
    hess_f wrong at (0, 0): entries (0, 0), (0, 1) and (0, 2) disagree, all in the row of
    parameter 0, though not in its column."""
    J = Q + 0.1 * (_unit(0, 1) + _unit(0, 2))
    report = manual.check_hessian(lambda t: J @ t, lambda t: Q + 0.1 * _unit(0, 0), ZERO4)
    assert report.diagnosis.startswith(
        "the row and column of parameter 0 are wrong at [(0, 0), (0, 1), (0, 2)]"
    ), report.summary()


def test_check_hessian_rel_error_steps_and_order() -> None:
    """rel_error is max |A - N| / max(|A|, |N|) (here below 1); the steps are `step` times
    max(|theta_j|, 1) (no shrinking on a quadratic); order 2 is the central difference D(h),
    3 + h^2 for the derivative of t^3 at 1, order 4 is exact there."""
    report = _quadratic_report(lambda H: H + 0.1 * _unit(0, 0))
    assert report.rel_error == pytest.approx(0.1 / np.max(np.abs(Q)), rel=1e-12)
    theta = np.array([0.5, 3.0, -1.5, 1.0])
    stepped = manual.check_hessian(lambda t: Q @ t, lambda t: Q, theta, step=2.0**-6)
    np.testing.assert_array_equal(stepped.step, 2.0**-6 * np.maximum(np.abs(theta), 1.0))
    cube = (lambda t: t**3, lambda t: np.diag(3 * t**2), np.ones(1))
    two = manual.check_hessian(*cube, order=2, step=2.0**-4)
    assert two.order == 2 and two.step[0] == 2.0**-4
    assert two.numeric[0, 0] == pytest.approx(3 + 2.0**-8, rel=1e-12)
    four = manual.check_hessian(*cube, order=4, step=2.0**-4)
    assert four.numeric[0, 0] == pytest.approx(3.0, rel=1e-12)


def test_a_columns_step_is_the_largest_of_its_entries() -> None:
    """f = t0^2 / 2 + t0 t1 + (1 - cos(1e4 t1)) / 1e8: entry (1, 1) bends on a scale of 1e-4,
    so its step shrinks below the default; entry (0, 1) is linear and keeps it: column 1's step
    is the larger one."""

    def g(t: np.ndarray) -> np.ndarray:
        return np.array([t[0] + t[1], t[0] + np.sin(1e4 * t[1]) / 1e4])

    def H(t: np.ndarray) -> np.ndarray:
        return np.array([[1.0, 1.0], [1.0, np.cos(1e4 * t[1])]])

    report = manual.check_hessian(g, H, np.zeros(2))
    assert report.passed, report.summary()
    # the default step, relative to max(|theta_j|, 1) = 1, in both columns
    np.testing.assert_array_equal(report.step, manual.gradcheck.STEP_FACTOR[4])


def test_check_hessian_names_the_function_whose_value_is_not_finite() -> None:
    g, H, theta, _ = _hessian_case(0.0)
    with pytest.raises(ValueError, match=r"^grad_f\(theta\) must be finite, got 1 NaN"):
        manual.check_hessian(lambda t: g(t) * np.array([1.0, np.nan, 1.0, 1.0]), H, theta)
    with pytest.raises(ValueError, match=r"^hess_f\(theta\) must be finite, got 0 NaN and 1 inf"):
        manual.check_hessian(g, lambda t: H(t) + np.diag([0.0, np.inf, 0.0, 0.0]), theta)


def _noisy_gradient(g: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """g plus a noise of 1e-9, fixed per point (seeded by theta's bits): the same g each call."""

    def noisy(t: np.ndarray) -> np.ndarray:
        jitter = np.random.default_rng(list(t.view(np.uint64))).standard_normal(t.size)
        return g(t) + 1e-9 * jitter

    return noisy


def test_check_hessian_is_the_same_twice_and_its_noise_probe_follows_the_seed() -> None:
    """grad_f noisy at 1e-9: fd_error depends on where the noise probe falls; the same seed (0
    when none is given, as the signature says) gives bitwise the same report, another seed
    another estimate."""
    g, H, theta, _ = _hessian_case(0.0)
    noisy = _noisy_gradient(g)
    first, again = (manual.check_hessian(noisy, H, theta) for _ in range(2))
    np.testing.assert_array_equal(first.fd_error, again.fd_error)
    zero = manual.check_hessian(noisy, H, theta, seed=0)
    np.testing.assert_array_equal(first.fd_error, zero.fd_error)
    other = manual.check_hessian(noisy, H, theta, seed=1)
    assert not np.array_equal(other.fd_error, first.fd_error)


def test_check_hessian_has_no_false_alarm_when_grad_f_is_rounded() -> None:
    """grad_f rounded to 1e-10 (noise invisible to the probe 1e-11 wide, 1e-10 / h at the
    steps): an entry that disagrees is differenced again with the noise measured at its own
    steps before it counts, and the right Hessian passes; a slip of 1e-3 on one entry is still
    found."""
    g, H, theta, _ = _hessian_case(0.0)

    def rounded(t: np.ndarray) -> np.ndarray:
        return np.round(g(t), 10)

    report = manual.check_hessian(rounded, H, theta)
    assert report.passed, report.summary()
    slipped = manual.check_hessian(rounded, lambda t: H(t) + 1e-3 * _unit(2, 2), theta)
    assert slipped.wrong_entries.tolist() == [[2, 2]], slipped.summary()


def test_the_gradient_summary_says_where_the_wrong_coordinates_were_found() -> None:
    """One item a line: the verdict (the word "passed" or "FAILED") first, then when failed the
    wrong coordinates alone on their line, with, in "directions" mode, the calls spent on the
    bisection that found them; the count of calls in all last."""
    f, g, theta = _smooth()

    def flipped(t: np.ndarray) -> np.ndarray:
        return g(t) * np.array([1.0, 1.0, -1.0, 1.0])

    for mode in ("coordinates", "directions"):
        for grad_f in (g, flipped):
            report = manual.check_gradient(f, grad_f, theta, mode=mode)
            lines = report.summary().splitlines()
            verdict = "passed" if report.passed else "FAILED"
            assert re.match(rf"gradient check {verdict}\b", lines[0]), lines
            assert lines[-1].split()[0] == str(report.evaluations), lines
            if report.passed:
                assert not any("wrong coordinates" in line for line in lines), lines
            elif mode == "coordinates":
                assert "wrong coordinates: [2]" in lines and "bisection" not in report.summary()
            else:
                found = [line for line in lines if line.startswith("wrong coordinates: [2] (")]
                assert found and f" {report.bisection_evaluations} calls of f)" in found[0], lines


def test_the_hessian_report_fields_say_what_was_compared() -> None:
    """analytic is hess_f(theta); wrong_entries (integer pairs) and wrong_coordinates (the
    integer indices in them); asymmetry is max |H - H^T| over the largest entry (here below 1),
    0 for a zero Hessian; passed is ratio <= safety: with safety = ratio exactly it passes."""
    change = TRIANGLES["both, unequally"][0]
    report = _quadratic_report(change)
    np.testing.assert_array_equal(report.analytic, change(Q.copy()))
    assert report.wrong_entries.dtype.kind == "i" and report.wrong_coordinates.dtype.kind == "i"
    assert report.wrong_coordinates.tolist() == [0, 2]
    assert report.asymmetry == pytest.approx(0.2 / np.max(np.abs(change(Q.copy()))), rel=1e-12)
    zero = manual.check_hessian(lambda t: np.zeros(2), lambda t: np.zeros((2, 2)), np.zeros(2))
    assert zero.asymmetry == 0.0
    g, H, theta, _ = _hessian_case(0.0)
    first = manual.check_hessian(g, H, theta)
    assert first.passed and first.ratio > 0
    at_edge = manual.check_hessian(g, H, theta, safety=first.ratio)
    assert at_edge.ratio == first.ratio and at_edge.passed


def test_a_named_term_is_found_beside_a_noisy_gradient_component() -> None:
    """grad_f's component 0 noisy at 1e-9 (its entries err by ~1e-6, the others by ~1e-15) and
    the term P missing from hess_f: the fit of the term weighs each entry by 1 / its error^2, so
    row 0's noise does not move the fitted count off -1."""
    noisy = _noisy_gradient(lambda t: Q @ t)

    def g(t: np.ndarray) -> np.ndarray:
        return np.append(noisy(t)[0], (Q @ t)[1:])

    report = manual.check_hessian(g, lambda t: Q - P, ZERO4, candidates={"l2 I": P})
    assert report.diagnosis.startswith("the term 'l2 I' missing"), report.summary()
    assert np.max(report.fd_error[0]) > 1e6 * np.max(report.fd_error[1:])  # the case it is about


def test_far_data_is_classified_right_by_a_margin_past_40_at_its_theta() -> None:
    """far_data's contract: at its theta = (w, 0) every point's logit has the sign of its label and
    a size past 40, so that the loss is all sigmoid tail (below e^-40 ~ 4e-18 a sample); both
    labels occur; a seed gives the same data each time, and another seed other data."""
    for seed in (0, 1, 2):
        X, y, theta = far_data(seed)
        assert X.shape == (len(y), 3) and theta.shape == (4,) and theta[3] == 0.0
        assert set(np.unique(y)) == {0.0, 1.0}
        margins = (2 * y - 1) * (X @ theta[:3] + theta[3])
        assert np.all(margins > 40)
        assert 0.0 < manual.loss(theta[:3], theta[3], X, y) < np.exp(-40)
        again = far_data(seed)
        assert all(np.array_equal(a, b) for a, b in zip((X, y, theta), again, strict=True))
    assert not np.array_equal(far_data(0)[0], far_data(1)[0])
    assert np.array_equal(far_data()[0], far_data(0)[0])  # the default seed is 0, as documented


def test_a_named_term_is_found_where_the_differences_are_exact() -> None:
    """A cross term T of size 3 on Q's zero entries (0, 2) and (2, 0): there grad_f is exactly 0
    along e_j, the differences' error is exactly 0 and the fit weighs the entries by 1 / tiny
    (1 / tiny times 3^2 is beyond float64: a plain weighted sum overflows). The term is named with
    its count all the same; and in check_gradient, a term in the gradient of f = 0."""
    T = 3.0 * (_unit(0, 2) + _unit(2, 0))
    terms = {"nothing": np.zeros((4, 4)), "T": T}  # a zero term explains nothing: passed over
    for alpha, words in [(1.0, "one 'T' too many"), (-1.0, "the term 'T' missing")]:

        def plus_term(H: np.ndarray, a: float = alpha) -> np.ndarray:
            return H + a * T

        report = _quadratic_report(plus_term, candidates=terms)
        assert report.diagnosis.startswith(words), report.summary()
        assert report.fd_error[0, 2] == report.fd_error[2, 0] == 0.0  # the case it is about
    halved = _quadratic_report(lambda H: H + 0.5 * T, candidates={"T": T})
    assert halved.diagnosis.startswith("'T' counted +0.5 times too often"), halved.summary()
    t = np.array([3.0, 0.0, 0.0])
    flat_zero = manual.check_gradient(
        lambda th: 0.0, lambda th: t, np.array([0.3, -0.2, 0.1]), candidates={"t": t}
    )
    assert np.all(flat_zero.fd_error == 0.0)
    assert flat_zero.wrong_coordinates.tolist() == [0]  # 0 against 0 within 0 agrees
    assert flat_zero.diagnosis.startswith("one 't' too many"), flat_zero.summary()


def test_a_named_terms_count_is_fitted_with_each_entry_weighed_by_its_precision() -> None:
    """grad_f's components 0 and 1 noisy at 1e-9 (their entries err by ~1e-5, the others by
    ~1e-15 or 0) and hess_f = Q + 0.3 T + D: T on the noisy 2 x 2 block and on entry (2, 2), D
    five times each noisy entry's own error (so those entries agree once 0.3 T is taken away).
    Weighed by 1 / error^2 (the inverse variance), the fit takes its 0.3 from entry (2, 2); by
    1 / error, the four noisy entries would pull it off by ~20 times (2, 2)'s error."""
    noisy = _noisy_gradient(lambda t: Q @ t)

    def g(t: np.ndarray) -> np.ndarray:
        return np.append(noisy(t)[:2], (Q @ t)[2:])

    T = np.zeros((4, 4))
    T[:2, :2] = T[2, 2] = 1.0
    base = manual.check_hessian(g, lambda t: Q + 0.3 * T, ZERO4, candidates={"T": T})
    assert base.fd_error[2, 2] < 1e-9 * np.min(base.fd_error[:2, :2])  # the case it is about
    D = np.zeros((4, 4))
    D[:2, :2] = 5 * base.fd_error[:2, :2]
    report = manual.check_hessian(g, lambda t: Q + 0.3 * T + D, ZERO4, candidates={"T": T})
    np.testing.assert_array_equal(report.fd_error, base.fd_error)
    assert report.diagnosis.startswith("'T' counted +0.3 times too often"), report.summary()


def test_a_long_list_of_wrong_coordinates_is_cut_and_says_how_many_in_all() -> None:
    """f = |theta|^2 / 2 on 20 coordinates, grad_f off by 1/2 on the first m: the summary lists
    the m wrong coordinates, all of them when there are few (12: no "...", no count), and when
    there are many (20) a first few then "..." and how many in all."""
    theta = np.linspace(-1.0, 1.0, 20)
    for m in (12, 20):
        off = 0.5 * (np.arange(20) < m)

        def grad_f(t: np.ndarray, off: np.ndarray = off) -> np.ndarray:
            return t + off

        report = manual.check_gradient(lambda t: 0.5 * float(t @ t), grad_f, theta)
        assert report.wrong_coordinates.tolist() == list(range(m)), report.summary()
        line = next(s for s in report.summary().splitlines() if s.startswith("wrong coordinates"))
        listed = re.fullmatch(r"wrong coordinates: \[([\d, ]+)(, \.\.\. \((\d+) in all\))?\]", line)
        assert listed, line
        shown = [int(i) for i in listed.group(1).split(", ")]
        assert shown == list(range(len(shown))), line
        if m == 12:
            assert len(shown) == 12 and listed.group(2) is None, line
        else:
            assert len(shown) < 20 and listed.group(3) == "20", line


def test_a_report_states_rel_error_its_verdicts_words_and_int_coordinates() -> None:
    """rel_error is max|analytic - numeric| / max(max|analytic|, max|numeric|), here with the
    largest below 1 and above 1; a passed report says "no mistake found" (or nothing), a failed
    one gives its wrong coordinates as ints."""
    f, g, theta = _smooth()
    flip = np.array([1.0, 1.0, -1.0, 1.0])
    for scale in (0.1, 10.0):
        for sign in (np.ones(4), flip):

            def scaled_f(t: np.ndarray, s: float = scale) -> float:
                return s * f(t)

            def scaled_g(t: np.ndarray, s: float = scale, m: np.ndarray = sign) -> np.ndarray:
                return s * g(t) * m

            report = manual.check_gradient(scaled_f, scaled_g, theta)
            a, n = report.analytic, report.numeric
            top = max(np.max(np.abs(a)), np.max(np.abs(n)))
            assert report.rel_error == pytest.approx(np.max(np.abs(a - n)) / top, rel=1e-12)
            assert report.wrong_coordinates.dtype.kind == "i"
            if report.passed:
                assert report.diagnosis in ("", "no mistake found"), report.diagnosis
            else:
                assert report.wrong_coordinates.tolist() == [2], report.summary()
            assert report.passed is (sign is not flip)


def test_directions_are_seeded_their_steps_relative_to_1_and_n_directions_checked() -> None:
    """ "directions" mode: the same seed gives the same directions and the same bisection; within
    |theta| <= 1 the step along each is `step` itself; n_directions is an int >= 1, named when
    not."""
    f, g, theta = _smooth()  # |theta| <= 1

    def flipped(t: np.ndarray) -> np.ndarray:
        return g(t) * np.array([1.0, 1.0, -1.0, 1.0])

    first, again = (
        manual.check_gradient(f, flipped, theta, mode="directions", step=1e-3) for _ in range(2)
    )
    np.testing.assert_array_equal(first.analytic, again.analytic)
    np.testing.assert_array_equal(first.numeric, again.numeric)
    assert first.wrong_coordinates.tolist() == again.wrong_coordinates.tolist() == [2]
    assert first.evaluations == again.evaluations
    np.testing.assert_array_equal(first.step, 1e-3)
    one = manual.check_gradient(f, g, theta, mode="directions", n_directions=1)
    assert one.passed and one.analytic.shape == (1,)
    with pytest.raises(ValueError, match=r"^n_directions must be an int >= 1; got 0$"):
        manual.check_gradient(f, g, theta, mode="directions", n_directions=0)


def test_a_zero_f_with_a_zero_gradient_is_differenced_once_per_coordinate() -> None:
    """f = 0 and grad_f = 0: every difference is exactly 0 with an error of exactly 0, which
    agrees; no coordinate is differenced again: f(theta), the 7-point noise probe and 16 calls
    a coordinate."""
    report = manual.check_gradient(lambda t: 0.0, lambda t: np.zeros(2), np.ones(2))
    assert report.passed and report.evaluations == 1 + 7 + 2 * 16


@pytest.mark.parametrize(("order", "amplification"), [(2, 1.0), (4, 1.5)])
def test_the_error_of_an_exact_difference_is_its_rounding_estimate(
    order: int, amplification: float
) -> None:
    """f = theta_0 at 0.5, step 2^-6: every value is exact in binary, so the differences carry
    no truncation and fd_error is the rounding estimate alone, f_accuracy max|f| / h with max|f|
    = 0.5 + 8 h over the steps h..8h. D(h) divides a difference by 2h: eps |f| / h; Richardson's
    R(h) = (4 D(h) - D(2h)) / 3 adds the rounding of both, (4 eps|f|/h + eps|f|/2h) / 3 = 3/2 of
    it. (f_accuracy 1e-10 is far above the ~1e-27 the noise probe sees on a linear f.)"""
    h = 2.0**-6
    report = manual.check_gradient(
        lambda t: float(t[0]),
        lambda t: np.ones(1),
        np.array([0.5]),
        order=order,
        step=h,
        f_accuracy=1e-10,
    )
    assert report.numeric[0] == 1.0 and report.step[0] == h
    expected = amplification * 1e-10 * (0.5 + 8 * h) / h
    assert report.fd_error[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("count", [1.5, 4.5])
def test_a_term_counted_a_half_integer_times_on_one_coordinate_is_named(count: float) -> None:
    """grad_f = g + count t with the caller's candidate t nonzero on coordinate 3 alone: one
    coordinate of evidence fits any count, so only a simple one (an integer or a half-integer)
    is taken; the fitted count, off count by the difference's own error, is read as count."""
    t = 0.7 * np.eye(6)[3]
    report = manual.check_gradient(
        _f6, lambda th: _g6(th) + count * t, THETA6.copy(), candidates={"t": t}
    )
    assert report.wrong_coordinates.tolist() == [3], report.summary()
    assert report.diagnosis.startswith(f"'t' counted +{count:g} times too often"), report.diagnosis


@pytest.mark.parametrize("edge", [0.1875, 0.375, 0.75])
def test_a_difference_that_jumps_between_two_steps_is_not_in_taylors_regime(edge: float) -> None:
    """f = t D(|t|) with D = 1/2 up to `edge` and 1/4 beyond (its central difference is D(h)
    exactly), order 2, step 1/8: the edge lies between two of the steps h, 2h, 4h, 8h, so one of
    D(2h) - D(h), D(4h) - D(2h), D(8h) - D(4h) is 1/4 and the others 0: not c h^2 growing by 4,
    and not rounding either. The step shrinks to 1/64, below the edge, where f'(0) = 1/2."""

    def D(t: float) -> float:
        return 0.5 if t <= edge else 0.25

    report = manual.check_gradient(
        _odd(D), lambda t: np.array([0.5]), np.zeros(1), order=2, step=0.125
    )
    assert report.step[0] == 2.0**-6 and report.numeric[0] == 0.5, report.summary()


def test_the_diagnosis_names_only_the_callers_terms() -> None:
    """Every planted mistake, checked with one candidate term: a name in quotes in the diagnosis
    is one the caller gave (a mistake on the whole gradient, with no term, names none)."""
    for kind, (change, _, _) in PLANTED.items():

        def grad_f(t: np.ndarray, change: Callable = change) -> np.ndarray:
            return change(_g6(t))

        report = manual.check_gradient(_f6, grad_f, THETA6, candidates={"theta / 2": 0.5 * THETA6})
        quoted = set(re.findall(r"'([^']*)'", report.diagnosis))
        assert quoted <= {"theta / 2"}, (kind, report.diagnosis)
        assert bool(quoted) == kind.startswith("candidate"), (kind, report.diagnosis)


# f = G . theta[:4] at theta = 0 with steps 2^-10: every value of f on the steps is exact in
# binary and f is odd (its noise probe is exactly 0), so with f_accuracy = 0 every difference is
# exact with an error of exactly 0; theta[4:] does not enter f (derivative exactly 0). G's
# entries carry bits beyond float32's 24.
G4 = np.array([1 + 2.0**-30, 3 + 2.0**-28, -(5 + 2.0**-27), 7 + 3 * 2.0**-29])
EXACT_STEP = 2.0**-10  # with f_accuracy=0.0


def _linear(t: np.ndarray) -> float:
    return float(G4 @ t[:4])


def test_exact_differences_call_wrong_only_the_coordinates_that_differ() -> None:
    """Where the differences are exact (error 0), a derivative equal to its difference agrees:
    one coordinate off is named alone, and a float32 gradient is read as float32 rounding over
    the 4 coordinates that f depends on, not as an error confined to some of 12 (the 8 zero
    derivatives carry no evidence of anything)."""
    right = np.append(G4, np.zeros(8))
    one_off = right + 0.5 * np.eye(12)[2]
    report = manual.check_gradient(
        _linear, lambda t: one_off, np.zeros(12), step=EXACT_STEP, f_accuracy=0.0
    )
    assert np.all(report.fd_error == 0.0) and np.array_equal(report.numeric, right)
    assert report.wrong_coordinates.tolist() == [2]
    assert "confined to coordinate(s) [2] " in report.diagnosis, report.diagnosis
    in_float32 = right.astype(np.float32).astype(np.float64)
    report = manual.check_gradient(
        _linear, lambda t: in_float32, np.zeros(12), step=EXACT_STEP, f_accuracy=0.0
    )
    assert report.wrong_coordinates.tolist() == [0, 1, 2, 3]
    assert "float32 rounding" in report.diagnosis and "4 of 12" in report.diagnosis


def test_exact_differences_in_directions_mode_bisect_to_the_coordinate_that_differs() -> None:
    """f = 0 with grad_f = 0 except 1/2 on coordinate 2 of 12: every difference is exactly 0 with
    an error of exactly 0, so along a direction the gradient fails only by its component on
    coordinate 2, and a set of coordinates without it agrees exactly: the bisection names
    coordinate 2 alone, as coordinates mode does. The failed report still has its fields: passed
    is the bool False, order the one asked for, and the k analytic, numeric and error values."""
    g = 0.5 * np.eye(12)[2]
    report = manual.check_gradient(lambda t: 0.0, lambda t: g, np.zeros(12), mode="directions")
    assert report.wrong_coordinates.tolist() == [2], report.summary()
    assert report.passed is False and report.order == 4 and report.mode == "directions"
    assert report.analytic.shape == report.numeric.shape == report.fd_error.shape == (4,)
    assert np.any(report.analytic != 0.0)
    assert np.all(report.numeric == 0.0) and np.all(report.fd_error == 0.0)
    assert "confined to coordinate(s) [2]" in report.diagnosis, report.diagnosis


def _bowl(t: np.ndarray) -> float:
    return 1.0 + 0.5 * float(t @ t)


def test_a_bisection_that_hinges_on_its_random_directions_is_the_same_for_the_same_seed() -> None:
    """grad_f off by 0.03 on each of 16 coordinates of f = 1 + |theta|^2 / 2, with an error
    estimate of 2.0e-3 per difference (f_accuracy 1e-6): along a random direction over a set of
    coordinates the error is 0.03 (sum of v_i) / |v|, against a threshold of 0.02, so whether
    each half of the bisection disagrees depends on the direction drawn. The directions are
    seeded: the same seed gives the same coordinates found, in the same calls, run after run."""

    def grad_f(t: np.ndarray) -> np.ndarray:
        return t + 0.03

    reports = [
        manual.check_gradient(_bowl, grad_f, np.zeros(16), mode="directions", f_accuracy=1e-6)
        for _ in range(5)
    ]
    assert not reports[0].passed and reports[0].wrong_coordinates.size > 0
    for again in reports[1:]:
        assert again.wrong_coordinates.tolist() == reports[0].wrong_coordinates.tolist()
        assert again.bisection_evaluations == reports[0].bisection_evaluations
        assert again.diagnosis == reports[0].diagnosis


def test_an_error_seen_only_along_mixed_directions_is_placed_on_the_pair() -> None:
    """grad_f off by 0.018 on both coordinates of f = 1 + |theta|^2 / 2, each difference's error
    estimate 2.0e-3 (f_accuracy 1e-6: f taken as known to 1e-6 only): each coordinate alone is
    within 10 times its error (coordinates mode passes), but along directions that mix the two
    the errors add up, to 0.018 |v_0 + v_1| (up to 0.025), and directions mode fails. Its
    bisection then finds neither half wrong: the error is placed on the pair, whole."""

    def grad_f(t: np.ndarray) -> np.ndarray:
        return t + 0.018

    each = manual.check_gradient(_bowl, grad_f, np.zeros(2), f_accuracy=1e-6)
    assert each.passed and each.ratio < SAFETY
    mixed = manual.check_gradient(_bowl, grad_f, np.zeros(2), mode="directions", f_accuracy=1e-6)
    assert not mixed.passed
    assert mixed.wrong_coordinates.tolist() == [0, 1], mixed.summary()


def test_directions_mode_names_what_coordinates_mode_names_at_a_large_theta() -> None:
    """f(t) = c^2 f6(t / c), c = 1e4: the same function in units 1e4 times larger, at theta of
    up to 7e3, with grad_f off by 10 (1e-3 of c) on coordinate 3. The steps scale with theta
    (step max(|theta|, 1) along a direction, step max(|theta_i|, 1) along coordinate i), so the
    bisection of directions mode finds coordinate 3 alone, and its one-by-one differences give
    the same diagnosis, with the same numbers, as coordinates mode."""
    c = 1e4

    def f(t: np.ndarray) -> float:
        return c * c * _f6(t / c)

    def grad_f(t: np.ndarray) -> np.ndarray:
        return c * _g6(t / c) + 1e-3 * c * np.eye(6)[3]

    reports = [
        manual.check_gradient(f, grad_f, c * THETA6, mode=mode)
        for mode in ("coordinates", "directions")
    ]
    for report in reports:
        assert report.wrong_coordinates.tolist() == [3], report.summary()
    assert "confined to coordinate(s) [3] (3: off by +10," in reports[0].diagnosis
    assert reports[1].diagnosis == reports[0].diagnosis


def test_one_coordinate_of_evidence_makes_a_pattern_likely_two_make_it_sure() -> None:
    """A constant factor fitted on one derivative explains it whatever it is: the diagnosis is
    only "likely"; on two it is "sure". Exact differences of f = 0.75 t_0 + 1.25 t_1 at 0 (and of
    f = 0.75 t_0): with the caller's term (0, 1.25), right, only coordinate 0 is told apart from
    0 once the term is taken away, so the factor on the rest has one coordinate of evidence."""
    G = np.array([0.75, 1.25])
    cases = [
        (lambda t: float(G @ t), 2 * G, None, "sure"),
        (lambda t: float(G[0] * t[0]), 2 * G[:1], None, "likely"),
        (lambda t: float(G @ t), np.array([1.5, 1.25]), {"t": [0.0, 1.25]}, "likely"),
    ]
    for f, wrong, terms, certainty in cases:

        def grad_f(t: np.ndarray, wrong: np.ndarray = wrong) -> np.ndarray:
            return wrong

        report = manual.check_gradient(
            f,
            grad_f,
            np.zeros(wrong.size),
            candidates=terms,
            step=EXACT_STEP,
            f_accuracy=0.0,
        )
        words = report.diagnosis.lower()
        assert "constant factor 2" in words, report.diagnosis
        assert ("sure" in words) == (certainty == "sure"), report.diagnosis
        assert ("likely" in words) == (certainty == "likely"), report.diagnosis


@pytest.mark.parametrize(
    ("mode", "phrase"),
    [
        ("coordinates", "an error confined to coordinate(s) [1, 3]"),
        ("directions", "a constant factor 2 (a 1/2 dropped"),
    ],
)
def test_a_factor_on_two_coordinates_is_named_on_those_two(mode: str, phrase: str) -> None:
    """grad_f doubled on coordinates 1 and 3 of 6 alone. "coordinates": the 4 others agree, so no
    factor explains the whole gradient: an error confined to 1 and 3, each 2x its numeric value.
    "directions": the bisection finds 1 and 3 and only they are differenced one by one; a factor
    2 undoes both, and the diagnosis says it holds on those coordinates, not on the gradient."""
    two = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 1.0])
    report = manual.check_gradient(_f6, lambda t: two * _g6(t), THETA6, mode=mode)
    assert report.wrong_coordinates.tolist() == [1, 3], report.summary()
    assert phrase in report.diagnosis, report.diagnosis
    if mode == "coordinates":
        assert report.diagnosis.count(", 2x the numeric value") == 2, report.diagnosis
    else:
        assert "on the wrong coordinates [1, 3]" in report.diagnosis, report.diagnosis


def test_a_doubled_data_term_is_named_at_the_optimum_where_the_gradient_is_zero() -> None:
    """f = (1/2) t'At - b't + (l2/2) ||t||^2 at its minimum, where the numeric gradient is 0 and
    a doubled data term leaves grad_f = 2 (At - b) + l2 t = -l2 t: the factor 2 on all but the
    caller's term l2 t is found all the same (nothing is told apart from 0 without the term)."""
    A = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.5]])
    b, l2 = np.array([1.0, -0.5, 0.3]), 0.4
    theta = np.linalg.solve(A + l2 * np.eye(3), b)

    def f(t: np.ndarray) -> float:
        return float(0.5 * t @ A @ t - b @ t + 0.5 * l2 * t @ t)

    report = manual.check_gradient(
        f, lambda t: 2 * (A @ t - b) + l2 * t, theta, candidates={"l2 * theta": l2 * theta}
    )
    assert np.all(np.abs(report.numeric) <= SAFETY * report.fd_error)  # the case it is about
    assert report.diagnosis.startswith("a constant factor 2 "), report.diagnosis
    assert "on all but the term 'l2 * theta', which is right" in report.diagnosis


def test_a_factor_a_hair_off_a_simple_number_is_named_by_its_fitted_value() -> None:
    """c = 2 (1 + 5e-7): read as 2 at first (within 1e-6), but 2 leaves every coordinate off by
    5e-7 of its derivative, beyond the differences' ~1e-11: the factor fitted is named instead."""
    c = 2.0 * (1 + 5e-7)
    report = manual.check_gradient(_f6, lambda t: c * _g6(t), THETA6)
    assert report.diagnosis.startswith("a constant factor 2 (sure"), report.diagnosis
    assert "1/2 dropped" not in report.diagnosis  # the words for exactly 2 are not used


def test_a_permutation_of_the_data_term_beside_a_term_in_place_is_named() -> None:
    """grad_f = P d + t for f6's data part d = g - theta and its term t = theta (the derivative of
    ||theta||^2 / 2) with P swapping coordinates 2 and 5. With the term, the analytic and the
    numeric values at 2 and 5 sort alike (no swap shows); without it they sort oppositely, and
    undoing that swap of the rest makes every coordinate agree."""

    def g(t: np.ndarray) -> np.ndarray:
        d = _g6(t) - t
        return d[[0, 1, 5, 3, 4, 2]] + t

    report = manual.check_gradient(_f6, g, THETA6, candidates={"theta": THETA6})
    assert report.wrong_coordinates.tolist() == [2, 5], report.summary()
    assert report.diagnosis.startswith(
        "swapped coordinates 2 <-> 5 (all but the term 'theta', which is in place)"
    ), report.diagnosis


def test_a_factor_is_fitted_with_each_derivative_weighed_by_its_precision() -> None:
    """f = exp(t_0) + 0.01 t_1 at 0, order 2 with step 1e-2: D(h) on coordinate 0 errs by its
    truncation h^2 / 6 ~ 1.7e-5 (the estimate says as much), on coordinate 1 (f linear there) by
    its stated rounding alone, ~1e-8. grad_f doubled: weighed by 1 / error^2 the fitted factor
    is 2 to ~1e-7 and snaps to 2, which undoes both; weighed by 1 / error, coordinate 0 would
    pull it off by ~1e-4 (100^2 x 1.7e-5 / 1667), and by error^2 further still."""

    def f(t: np.ndarray) -> float:
        return float(np.exp(t[0]) + 0.01 * t[1])

    report = manual.check_gradient(
        f, lambda t: 2 * np.array([np.exp(t[0]), 0.01]), np.zeros(2), order=2, step=1e-2,
        f_accuracy=1e-10,
    )  # fmt: skip
    assert report.fd_error[0] > 1e3 * report.fd_error[1]  # the case it is about
    assert report.diagnosis.startswith("a constant factor 2 (a 1/2 dropped"), report.diagnosis


def test_a_gradient_off_where_the_difference_is_exact_has_an_infinite_ratio_without_a_warning() -> (
    None
):
    """A linear f at 0 with a step of 2^-10: the differences are exact (error 0), so a gradient
    off by 10 there is infinitely many errors off: ratio inf, failed, and no RuntimeWarning from
    the division (the suite turns warnings into errors). The same for a Hessian of a quadratic,
    whose gradient is linear."""
    a = np.array([1.0, 2.0, 3.0])
    report = manual.check_gradient(
        lambda t: float(a @ t),
        lambda t: a + np.array([0.0, 10.0, 0.0]),
        np.zeros(3),
        step=2.0**-10,
        f_accuracy=0.0,
    )
    assert report.ratio == np.inf and not report.passed
    Q = np.array([[2.0, 0.0], [0.0, 4.0]])  # and a Hessian off by 10 on a quadratic's
    hessian = manual.check_hessian(
        lambda t: Q @ t,
        lambda t: Q + np.array([[0.0, 0.0], [0.0, 10.0]]),
        np.zeros(2),
        f_accuracy=0.0,
    )
    assert hessian.ratio == np.inf and not hessian.passed


def _exact_diagnosis(G: list[float], analytic: list[float], terms: Any = None) -> str:
    """The diagnosis of grad_f = analytic for f = G @ t at 0, whose differences are exact (error
    0): every disagreement, however small, is told apart and only its pattern is left to read."""
    g = np.array(G, dtype=np.float64)
    report = manual.check_gradient(
        lambda t: float(g @ t),
        lambda t: np.array(analytic, dtype=np.float64),
        np.zeros(g.size),
        candidates=terms,
        step=EXACT_STEP,
        f_accuracy=0.0,
    )
    return report.diagnosis


F32_WORDS = "an error at the level of float32 rounding"
R4 = [1e-6, -2e-6, 3e-6, 1.5e-6]  # relative errors at float32's level, no factor


@pytest.mark.parametrize(
    ("G", "analytic", "terms", "phrase"),
    [
        # a 3-cycle is no swap and no reshape: the moved coordinates are named
        ([1, 2, 3, 4, 5, 6], [2, 3, 1, 4, 5, 6], None, "permuted coordinates [0, 1, 2]"),
        # the data term d = (1, 2) swapped while the penalty t = (10, -20) stays in place
        (
            [11, -18, 3, 4],
            [12, -19, 3, 4],
            {"t": [10, -20, 0, 0]},
            "swapped coordinates 0 <-> 1 (all but the term 't', which is in place)",
        ),
        # equal values keep their order: the pairing named is the one in index order
        ([1, 1, 2, 2, 5], [2, 2, 1, 1, 5], None, "swapped coordinates 0 <-> 2, 1 <-> 3"),
        ([2, 2, 1, 1, 5], [1, 1, 2, 2, 5], None, "swapped coordinates 0 <-> 2, 1 <-> 3"),
        # a term added 3/8 times too often on two coordinates: two carry the evidence
        ([1, 2, 3, 4], [1.375, 2.75, 3, 4], {"t": [1, 2, 0, 0]}, "'t' counted +0.375 times"),
        # float32-level errors on every coordinate, at scales 1/2 and 1000: relative to the scale
        (
            [0.5, -0.25, 0.375, 0.125],
            [x * (1 + r) for x, r in zip([0.5, -0.25, 0.375, 0.125], R4, strict=True)],
            None,
            F32_WORDS,
        ),
        (
            [1000, -2000, 1500, 500],
            [x * (1 + r) for x, r in zip([1000, -2000, 1500, 500], R4, strict=True)],
            None,
            F32_WORDS,
        ),
        # one of 3 informative coordinates at float32's level is spread enough (half of 3 is 1)
        ([1, 2, 3], [1 + 1e-6, 2, 3], None, F32_WORDS),
        # two of 6 are not: under half the informative coordinates, the error is confined
        (
            [1, 2, 3, 4, 5, 6],
            [1 + 1e-6, 2, 3 + 3e-6, 4, 5, 6],
            None,
            "confined to coordinate(s) [0, 2]",
        ),
        # 4 of 12 wrong (a third) is confined, with each offset and ratio, 0 read as 0x
        (
            [1, 2, 3, -2, 5, 6, 7, 8, 9, 10, 11, 12],
            [1.5, 2.25, 3.75, 0, 5, 6, 7, 8, 9, 10, 11, 12],
            None,
            "[0, 1, 2, 3] (0: off by +0.5, 1.5x the numeric value; 1: off by +0.25, 1.125x the "
            "numeric value; 2: off by +0.75, 1.25x the numeric value; 3: off by +2, 0x the "
            "numeric value)",
        ),
        # 3 of 6 wrong (more than 2 and than a third), or both of 2: no simple pattern
        ([1, 2, 3, 4, 5, 6], [1.5, 2.25, 3.75, 4, 5, 6], None, "no simple pattern: 3 of 6"),
        ([1, 2], [1.5, 2.25], None, "no simple pattern: 2 of 2"),
    ],
)
def test_the_diagnosis_names_the_planted_mistake(
    G: list[float], analytic: list[float], terms: Any, phrase: str
) -> None:
    """What the diagnosis says on a mistake planted in an exact gradient: the pattern, the term
    it is beside, the coordinates, the factor and the offsets."""
    diagnosis = _exact_diagnosis(G, analytic, terms)
    assert phrase in diagnosis, diagnosis


@pytest.mark.parametrize("d", [1, 2, 3, 4, 6])
def test_data_has_the_columns_asked_for_and_both_classes(d: int) -> None:
    """`data(seed, n, d)`: n samples of d columns (beyond the third, of scale 1), labels 0 and
    1 both present, the same for the same seed."""
    X, y = data(1, 200, d)
    assert X.shape == (200, d) and y.shape == (200,) and set(np.unique(y)) == {0.0, 1.0}
    assert np.array_equal(X, data(1, 200, d)[0])


@pytest.mark.parametrize(
    ("order", "c2", "c4", "c6", "h", "taylor"),
    [
        (2, 1.0, 0.0, 1.0, 2.0**-5, True),  # D's differences grow by 4: order 2 asks nothing of R's
        (4, 1.0, 0.0, 1.0, 2.0**-5, False),  # R's grow by 64, not Richardson's 16
        (4, 0.0, 1.0, 0.0, 2.0**-5, False),  # R's grow by 16, but D's by 16 too, not Taylor's 4
        (4, 1.0, 1.0, 0.0, 2.0**-5, True),  # D's grow by 4, R's by 16
        (2, 1 / 3, 0.0, 0.0, 0.5, True),  # D(4h) - D(2h) = 3 c2 rounds to exactly 1
    ],
)
def test_differences_behave_as_taylor_says_only_where_the_order_needs_both(
    order: int, c2: float, c4: float, c6: float, h: float, taylor: bool
) -> None:
    """f(x) = c2 x^3 + c4 x^5 + c6 x^7 along v at 0 has D(t) = c2 t^2 + c4 t^4 + c6 t^6 exactly
    (t a power of 2): level's verdict on the steps h, 2h, 4h, 8h needs D's differences to grow by
    ~4 per doubling, and for order 4 also Richardson's R's to grow by ~16."""
    from manual.gradcheck import _Differencer

    def f(x: np.ndarray) -> float:
        t = float(x[0])
        return c2 * t**3 + c4 * t**5 + c6 * t**7

    diff = _Differencer(f, np.zeros(1), 0.0, order, 4 * EPS, 0.0, [False])
    assert diff.level(np.ones(1), h, at_step=False)[2] is taylor
