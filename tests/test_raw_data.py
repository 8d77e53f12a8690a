"""Raw features as real tables hold them (years, timestamps, incomes, micro-units, features scaled
by 1e10 or 1e100), far starts and extreme values: the optimum against statsmodels', no wrong
answer called an optimum, no RuntimeWarning (the suite makes them errors), no raw exception.

The oracle: statsmodels' Logit on the standardized columns (X - m) / sd, mapped back exactly by
the maximum-likelihood estimate's equivariance, w = beta / sd and b = c - m @ w. (Fitted on the raw
columns, statsmodels itself is off at such scales.)"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import example, given, settings

import manual
import reference
from manual import multinomial as mm
from manual.linear import LinearObjective
from tests.strategies import RawData, quasi_separated, quasi_separated_data, raw_data
from tests.tolerances import (
    CERTIFY_ROUNDING_ULPS,
    EPS,
    GRADIENT_ROUNDING_CEILING,
    ORACLE_LOSS_RTOL,
    ORACLE_RTOL,
)


def _oracle(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, float]:
    """(w, b, standard errors (d + 1,), mean loss) of the maximum-likelihood fit, via statsmodels
    on standardized columns."""
    # each column first divided by a power of 2 near its max |x| (exact), so that the mean and
    # the sd neither overflow (1e300) nor underflow (1e-300); w and b map back the same way
    p2 = 2.0 ** np.round(np.log2(np.abs(X).max(axis=0)))
    Xs = X / p2
    m, sd = Xs.mean(axis=0), Xs.std(axis=0)
    Z = (Xs - m) / sd
    m, sd = m * p2, sd * p2
    res = sm.Logit(y, sm.add_constant(Z, prepend=False, has_constant="add")).fit(
        method="newton", tol=1e-14, maxiter=200, disp=0
    )
    beta, c = res.params[:-1], res.params[-1]
    w = beta / sd
    b = c - m @ w
    # covariance of (w, b) = A cov(beta, c) A', A the linear map (beta, c) -> (w, b):
    # var(w_j) = var(beta_j) / sd_j^2 (as a square root: sd_j^2 alone may overflow), and
    # var(b) = a' cov a with a = (-m / sd, 1)
    cov = np.asarray(res.cov_params())
    a = np.append(-m / sd, 1.0)
    se = np.append(np.sqrt(np.diagonal(cov)[:-1]) / sd, np.sqrt(a @ cov @ a))
    return w, float(b), se, float(-res.llf / len(y))


def _rel(got: np.ndarray, want: np.ndarray) -> float:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return float(np.max(np.abs(got - want) / np.abs(want)))


def _assert_optimum(twin, X: np.ndarray, y: np.ndarray, **kwargs) -> None:
    """twin.fit with Newton reaches statsmodels' optimum (loss to ORACLE_LOSS_RTOL, coefficients
    to ORACLE_RTOL); a ConvergenceWarning may only say that tol is below float64's reach."""
    w, b, _, loss = _oracle(X, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", manual.LogregWarning)
        res = twin.fit(X, y, solver="newton", **kwargs)
    for warning in record:
        assert issubclass(warning.category, manual.ConvergenceWarning), warning.message
        assert "optimum is reached as far as float64 can tell" in str(warning.message)
    assert abs(res.losses[-1] - loss) <= ORACLE_LOSS_RTOL * loss, (res.losses[-1], loss)
    assert _rel(np.append(res.w, res.b), np.append(w, b)) <= ORACLE_RTOL, (res.w, res.b, w, b)


def _issue_data(n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(2 * u - 0.5)))).astype(float)
    return u, y


@pytest.mark.parametrize("twin", [manual, reference])
@pytest.mark.parametrize(
    "column",
    [
        lambda u: 1e4 + u,  # an offset 1e4 times the spread: cond(H) ~ 1e16 in (w, b)
        lambda u: 1.7e9 + 1e6 * u,  # timestamps
        lambda u: u * 1e10,  # a scale of 1e10
        lambda u: 2000.0 + 30.0 * u,  # years
    ],
    ids=["1e4+u", "timestamps", "u*1e10", "years"],
)
def test_newton_reaches_the_optimum_on_offset_and_scaled_columns(twin, column) -> None:
    u, y = _issue_data()
    _assert_optimum(twin, column(u)[:, None], y)


@pytest.mark.parametrize("twin", [manual, reference])
def test_newton_reaches_the_optimum_with_two_features_scaled_1e100(twin) -> None:
    u, y = _issue_data()
    v = np.random.default_rng(1).standard_normal(len(u))
    _assert_optimum(twin, np.column_stack([u, v]) * 1e100, y)


@pytest.mark.parametrize("twin", [manual, reference])
@pytest.mark.parametrize("w0", [1e150, -1e150, 1e300 / 12])
def test_newton_from_a_far_start_reaches_the_optimum(twin, w0: float) -> None:
    """From w0 = 1e150 (every logit ~1e150, the curvature 0 at every sample) Newton reaches the
    optimum that a start from 0 reaches, in a few dozen steps (the loss is near its linear
    asymptote there: the step towards theta = 0 lowers it in proportion)."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((200, 5))
    y = (rng.random(200) < manual.sigmoid(X @ np.array([1.0, -0.5, 0.0, 0.3, 2.0]))).astype(float)
    _assert_optimum(twin, X, y, w0=np.full(5, w0))
    assert manual.fit(X, y, solver="newton", w0=np.full(5, w0)).n_iter <= 50


@settings(max_examples=12)
@given(raw_data())
def test_newton_reaches_the_optimum_on_raw_columns(data: RawData) -> None:
    """Years, timestamps, incomes and micro-units side by side, as they come."""
    _assert_optimum(manual, data.X, data.y)


@settings(max_examples=4)
@given(raw_data())
def test_the_twins_newton_reaches_the_optimum_on_raw_columns(data: RawData) -> None:
    _assert_optimum(reference, data.X, data.y)


def test_a_stall_above_the_gradients_rounding_is_not_called_the_optimum() -> None:
    """Where the solver stalls with a gradient far above its own rounding, the warning says that
    this is not the optimum; at the rounding level it says the optimum is reached."""
    from manual.diagnostics import advice

    losses, norms = np.array([1.0, 0.9]), np.array([1.0, 0.5])
    far = advice("newton", None, losses, norms, 1e-8, True, lr_given=False, rounding=1e-9)
    near = advice("newton", None, losses, norms, 1e-8, True, lr_given=False, rounding=1.0)
    assert "NOT the optimum" in far and "reached" not in far
    assert "optimum is reached as far as float64 can tell" in near


def test_the_gradients_rounding_bounds_the_difference_of_two_exact_ways() -> None:
    """The rounding level that `survey` reports bounds what float64 can tell: the gradient at the
    same (w, b) computed on centred columns and mapped back (a different rounding of the same
    number) differs from the raw one by less than it."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import survey
    from manual.linear import Centring, LinearObjective

    u, y = _issue_data()
    X = (1.7e9 + 1e6 * u)[:, None]
    w, b, _, _ = _oracle(X, y)
    theta = np.append(w, b)
    raw = LinearObjective(BinaryLoss, X, y, 0.0)
    rounding = survey(raw, theta, margins=False, rounding=True).rounding
    centring = Centring(X, (2,))
    inner = centring.inward(theta)
    assert inner is not None
    centred = LinearObjective(BinaryLoss, centring.X, y, 0.0).gradient(inner)
    mapped = centring.outward(inner, centred)[1]
    assert rounding is not None
    assert np.max(np.abs(raw.gradient(theta) - mapped)) <= rounding


def test_the_gradients_rounding_is_at_the_rounding_scale_not_above() -> None:
    """The other side of the bound: at (w, b) = (1, -1, 0.5) on 200 rows of two standard-normal
    columns, where the gradient is of order 1, `survey`'s rounding stays within
    GRADIENT_ROUNDING_CEILING of the gradient's scale max_j mean_i |x1_ij| (|r_i| + h_i s_i)
    (r = p - y, h = p (1 - p), s_i = |x_i| @ |w| + |b|, x1_i = (x_i, 1)), in one block or four:
    a gradient of 1e-12 of it is not called zero. Read in four blocks, the same sums round more
    (four partial sums to add), never less."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import survey
    from manual.linear import LinearObjective

    rng = np.random.default_rng(11)
    X = rng.standard_normal((200, 2))
    y = (rng.random(200) < 0.5).astype(float)
    theta = np.array([1.0, -1.0, 0.5])
    p = manual.sigmoid(X @ theta[:-1] + theta[-1])
    s = np.abs(X) @ np.abs(theta[:-1]) + abs(theta[-1])
    X1 = np.column_stack([X, np.ones(200)])
    scale = float(np.max(np.abs(X1).T @ (np.abs(p - y) + p * (1 - p) * s) / 200))
    levels: list[float] = []
    for rows in (50, None):
        objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
        rounding = survey(objective, theta, margins=False, rounding=True).rounding
        assert rounding is not None and 0.0 < rounding <= GRADIENT_ROUNDING_CEILING * scale
        levels.append(rounding)
    assert levels[0] >= levels[1]  # four blocks, one block


# --- standard errors --------------------------------------------------------------------------
# Rescaling a column by c scales the Fisher information's row and column by c, and (after its
# equilibration) nothing else: the errors scale by exactly 1 / c, up to the rounding of x * c and
# w / c (one ulp each) carried through a well-conditioned inverse: 1e-13 relative.
UNITS_RTOL = 1e-13


@settings(max_examples=10)
@given(raw_data())
def test_standard_errors_match_statsmodels_on_raw_columns(data: RawData) -> None:
    w, b, se, _ = _oracle(data.X, data.y)
    got = manual.standard_errors(w, b, data.X, data.y)
    assert got.shape == (data.X.shape[1] + 1,)
    assert _rel(got, se) <= ORACLE_RTOL, (got, se)


@pytest.mark.parametrize("c", [1e-300, 1e-170, 1e-8, 1e8, 1e155, 1e300])
def test_standard_errors_transform_with_each_columns_units(c: float) -> None:
    """se(w / c, b, X * c) = se(w, b, X) / c for the weights, and the same for b: at any c whose
    features and weights stay finite, with no singular-matrix error and no RuntimeWarning."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((100, 2))
    y = (rng.random(100) < manual.sigmoid(X @ np.array([1.0, -0.5]))).astype(float)
    w, b, se, _ = _oracle(X, y)
    units = np.array([c, 1.0])  # the first column in other units, the second as it was
    got = manual.standard_errors(w / units, b, X * units, y)
    assert _rel(got, se / np.append(units, 1.0)) <= UNITS_RTOL


def test_standard_errors_refuse_constant_and_collinear_columns() -> None:
    """A constant column (exactly, or to the rounding of its mean at 1e155) or a duplicated one:
    a ValueError that says why, never a LinAlgError."""
    x = np.random.default_rng(4).standard_normal(50)
    y = (np.arange(50) % 2).astype(float)
    with pytest.raises(ValueError, match="column 1 of X is constant"):
        manual.standard_errors([0.1, 0.0], 0.0, np.column_stack([x, np.full(50, 3.0)]), y)
    for other in (np.full(50, 1e155), x):
        with pytest.raises(ValueError, match="singular Fisher information"):
            manual.standard_errors([0.1, 0.0], 0.0, np.column_stack([x, other]), y)


def test_standard_errors_refusals_say_what_is_singular_or_overflows() -> None:
    """Each refusal names its arguments and its cause, with no warning on the way: a curvature
    p (1 - p) that underflows at every sample (separable data at |z| = 1000) is not a constant
    column; an intercept b + mean(X) @ w past float64 (columns near 1e300, offset beyond their
    spread); standard errors past float64 (features of 1e-300 at |z| ~ 50, where
    se(w) ~ 1 / (|x| sqrt(n p (1 - p))) ~ 1e310)."""
    X = np.array([1.0, -1.0, 2.0, -2.0])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    refusals = [
        ((1000.0, X, y), r"singular Fisher information: p \(1 - p\) = 0 at every sample"),
        ((1e10, np.array([1e300, 1.1e300, 1.2e300]), y[:3]), "intercept .*overflows float64"),
        ((5e301, np.array([1e-300, -1e-300, 1.2e-300, -1.2e-300]), y), "overflow float64"),
    ]
    for (w, X_, y_), cause in refusals:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=cause) as info:
                manual.standard_errors([w], 0.0, X_, y_)
        message = str(info.value)
        assert re.search(r"\bX\b", message) and re.search(r"\bw\b", message), message
        assert "column" not in message, message  # no column of these X is constant


# --- extreme values ---------------------------------------------------------------------------
def test_the_gradient_is_exact_up_to_logits_of_708_and_to_the_subnormal_spacing_beyond() -> None:
    """At x = 3.3e150, y = 0: up to |z| = 708 the term x (p - y) is exact to a few ulps (ELEMENTWISE
    rounding of p, times one product); beyond, p is subnormal and the term is exact to x times
    the subnormal spacing 2^-1074 (binary.gradient's docstring states both)."""
    import mpmath

    from scripts import exact
    from tests.tolerances import ELEMENTWISE_RTOL

    spacing = 2.0**-1074
    x = 2.0**500  # 3.3e150: z = x * (z / x) exactly
    for z in (-700.0, -708.0, -709.0, -744.0, -745.0):
        X, y, w = np.array([[x]]), np.array([0.0]), np.array([z / x])
        got = manual.gradient(w, 0.0, X, y)[0][0]
        want = float(exact.objective(w, 0.0, X, y, 0.0)[1][0])
        if z >= -708.0:
            assert abs(got - want) <= ELEMENTWISE_RTOL * abs(want), (z, got, want)
        else:
            assert abs(got - want) <= x * spacing, (z, got, want)
    assert mpmath.mp.dps > 0


def test_no_runtime_warning_at_extreme_scales() -> None:
    """lipschitz at X * 1e154 (its value ~1e307), gd's default step and Newton at X * 1e150: finite
    answers, no LinAlgError, no RuntimeWarning (the suite turns them into errors)."""
    rng = np.random.default_rng(5)
    Xn = rng.standard_normal((100, 2))
    y = (rng.random(100) < manual.sigmoid(Xn @ np.array([1.0, -1.0]))).astype(float)
    L = manual.lipschitz(Xn * 1e154)
    # lambda_max([X, 1e-154]' [X, 1e-154] / n) / 4, scaled back by (1e154)^2
    X1 = np.column_stack([Xn, np.full(100, 1e-154)])
    want = np.linalg.eigvalsh(X1.T @ X1 / 100)[-1] / 4 * 1e154 * 1e154
    assert abs(L / want - 1) <= 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.ConvergenceWarning)
        gd = manual.fit(Xn * 1e150, y, max_iter=50)
    assert np.all(np.diff(gd.losses) <= 4 * np.finfo(float).eps * gd.losses[:-1])
    _assert_optimum(manual, Xn * 1e150, y)


@pytest.mark.parametrize("twin", [manual, reference])
def test_derivatives_that_overflow_are_refused_in_both_twins(twin) -> None:
    """A Hessian at features of 1e155 (entries ~1e310) and a gradient with l2 = 1e308 at weights
    of 1e10: a ValueError that says so, never inf, NaN or a RuntimeWarning."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((20, 2))
    y = (np.arange(20) % 2).astype(float)
    with pytest.raises(ValueError, match="Hessian that overflows float64"):
        twin.hessian(np.full(2, 1e-155), 0.0, X * 1e155, y)
    with pytest.raises(ValueError, match="gradient that overflows float64"):
        twin.gradient(np.full(2, 1e10), 0.0, X, y, l2=1e308)
    with pytest.raises(ValueError, match="Hessian-vector product that overflows float64"):
        twin.hvp(np.full(2, 1e-155), 0.0, X * 1e155, y, np.ones(2), 0.0)
    # the mean gradient where the sum X.T @ (p - y) alone would overflow: finite, as manual's
    big = np.full((5000, 1), 1e306)
    half = (np.arange(5000) % 2).astype(float)
    assert np.isfinite(twin.gradient([0.0], 0.0, big, half)[0]).all()


# --- hostile arguments ---------------------------------------------------------------------------
HUGE = 10**400  # a Python int beyond float64


@pytest.mark.parametrize("twin", [manual, reference])
@pytest.mark.parametrize("arg", ["X", "y", "b", "l2", "w"])
def test_an_int_beyond_float64_is_refused_by_name(twin, arg: str) -> None:
    kwargs = {"w": [0.0], "b": 0.0, "X": [[1.0], [2.0]], "y": [0, 1], "l2": 0.0}
    kwargs[arg] = {"X": [[HUGE], [1]], "y": [HUGE, 1], "w": [HUGE]}.get(arg, HUGE)
    for function in (twin.loss, twin.gradient, twin.hessian):
        with pytest.raises(ValueError, match=f"^{arg} must hold numbers within float64's range"):
            function(**kwargs)


@pytest.mark.parametrize("twin", [manual, reference])
def test_fit_and_predict_refuse_an_int_beyond_float64_by_name(twin) -> None:
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0.0, 1.0, 0.0, 1.0])
    for arg in ("tol", "lr", "l2", "b0"):
        with pytest.raises(ValueError, match=f"^{arg} must hold numbers within float64's range"):
            twin.fit(X, y, **{arg: HUGE})
    with pytest.raises(ValueError, match=r"^threshold must hold numbers within float64's range"):
        twin.predict(X, [1.0], 0.0, threshold=HUGE)


def test_fit_refuses_a_bad_start_or_callback_before_any_pass_over_x(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wrong-shape w0 is named w0; a callback that cannot be called is refused before X is
    read (no pass over X, counted at LinearObjective.blocks)."""
    from manual.linear import LinearObjective

    passes = [0]
    blocks = LinearObjective.blocks

    def counted(self: LinearObjective) -> object:
        passes[0] += 1
        return blocks(self)

    monkeypatch.setattr(LinearObjective, "blocks", counted)
    X, y = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]), np.array([0.0, 1.0, 1.0])
    for twin in (manual, reference):
        with pytest.raises(ValueError, match=r"^w0 must have shape \(d,\) = \(2,\)"):
            twin.fit(X, y, w0=np.zeros(3))
        with pytest.raises(TypeError, match=r"^callback must be callable or None, got int$"):
            twin.fit(X, y, callback=5)
    assert passes[0] == 0


# --- data without a finite optimum -----------------------------------------------------------
def _assert_certificate(X: np.ndarray, y: np.ndarray, v_w: np.ndarray, v_b: float, gap: float):
    """Along (v_w, v_b) no sample's loss rises and some fall: every margin
    (2 y_i - 1)(x_i @ v_w + v_b) >= 0 and some > 0, each to within its rounding
    (d + 2) EPS (|x_i| @ |v_w| + |v_b|) plus the certificate's gap."""
    eps = np.finfo(float).eps
    margins = np.where(y > 0.5, 1.0, -1.0) * (X @ v_w + v_b)
    rounding = (X.shape[1] + 2) * eps * (np.abs(X) @ np.abs(v_w) + abs(v_b)) + gap
    assert np.all(margins >= -rounding), np.min(margins + rounding)
    assert np.any(margins > rounding)


def test_quasi_complete_separation_is_warned_with_a_checked_direction() -> None:
    """Six points on a line, two of them at x = 0 with both labels: no finite optimum; both twins'
    Newton warn, and `separation` gives the direction (w, b) = (1, 0) up to a factor."""
    from manual.diagnostics import separation

    X, y = np.array([[-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0]]), np.array([0, 0, 0, 1, 1, 1.0])
    for twin in (manual, reference):
        with pytest.warns(manual.SeparationWarning, match="quasi-completely separated"):
            assert twin.fit(X, y, solver="newton").separable
    found = separation(X, y)
    assert found.kind == "quasi-complete" and found.direction is not None
    v_w, v_b = found.direction
    _assert_certificate(X, y, v_w, v_b, found.gap)
    assert abs(v_b) <= 1e-12 * abs(v_w[0])


@settings(max_examples=8)
@given(quasi_separated_data())
# Data sets on which the certificate of quasi-complete separation once failed. Its projection
# (where G has a unit diagonal) came out with the wrong sign, or its test c.|r| < 1 missed it: fit
# gave no warning (the first three). sqrt(v' G v), rounded to 0, understated the gap:
# separation's direction failed its own check (the fourth and fifth, by 7.7e-14 and 9.9e-13).
@example(quasi_separated(60, ("micro", "timestamp", "income"), 8, 552522735))
@example(quasi_separated(200, ("centred", "timestamp", "timestamp"), 6, 3139861679))
@example(quasi_separated(200, ("centred", "micro"), 6, 4131371898))
@example(quasi_separated(200, ("centred", "timestamp"), 38, 551463533))
@example(quasi_separated(60, ("centred", "centred"), 11, 1820782641))
def test_quasi_complete_separation_of_raw_columns_is_found(data: RawData) -> None:
    """Boundaries at a year, a timestamp or an income, beside columns of other kinds: Newton's fit
    warns (quasi-complete or complete: a drawn set can be separable outright), and `separation`
    returns a direction that passes the certificate's test."""
    from manual.diagnostics import separation

    with pytest.warns(manual.SeparationWarning, match="separ"):
        assert manual.fit(data.X, data.y, solver="newton").separable
    found = separation(data.X, data.y)
    assert found.kind in ("quasi-complete", "complete") and found.direction is not None
    _assert_certificate(data.X, data.y, *found.direction, found.gap)


@settings(max_examples=6)
@given(raw_data())
def test_overlapping_classes_have_no_certificate(data: RawData) -> None:
    """Overlapping classes (a finite optimum exists, by statsmodels' fit): `separation` finds none,
    and fit warns of none (test_newton_reaches_the_optimum_on_raw_columns)."""
    from manual.diagnostics import separation

    assert separation(data.X, data.y).kind == "none found"


def test_separation_names_complete_separation_and_one_class() -> None:
    from manual.diagnostics import separation

    X = np.array([[-2.0, 1.0], [-1.0, 0.0], [1.0, 3.0], [2.0, -1.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    found = separation(X, y)
    assert found.kind == "complete" and found.direction is not None
    _assert_certificate(X, y, *found.direction, 0.0)
    assert separation(X, np.ones(4)).kind == "one class"
    with pytest.raises(ValueError, match=r"^y must hold labels 0 or 1"):
        separation(X, [0, 1, 2, 1])


@pytest.mark.parametrize("label", [0.0, 1.0])
@pytest.mark.parametrize("n", [1, 3])
def test_separation_gives_one_class_the_intercepts_direction(label: float, n: int) -> None:
    """y of one class (a single sample included): the intercept alone, (v_w, v_b) = (0, +-1) up
    to a factor, puts every sample on its side: b -> +inf for y = 1, -inf for y = 0."""
    from manual.diagnostics import separation

    X = np.arange(2.0 * n).reshape(n, 2) - 2.0
    y = np.full(n, label)
    found = separation(X, y)
    assert found.kind == "one class" and found.direction is not None
    v_w, v_b = found.direction
    assert v_w.shape == (2,) and np.all(v_w == 0.0)
    _assert_certificate(X, y, v_w, v_b, found.gap)


@pytest.mark.parametrize("max_iter", [1, 2])
def test_separation_certifies_complete_separation_by_the_margins_of_its_last_iterate(
    max_iter: int,
) -> None:
    """Eight separable points: one or two Newton steps put every sample on its side while the loss
    is still above log(2) / n (that certificate alone would miss it): the margins of the last
    iterate certify "complete"."""
    from manual.diagnostics import separation

    x = np.array([-4.0, -3.0, -2.0, -1.0, 1.0, 2.0, 3.0, 4.0])
    X, y = x[:, None], (x > 0).astype(float)
    found = separation(X, y, max_iter=max_iter)
    assert found.kind == "complete" and found.direction is not None
    v_w, v_b = found.direction
    _assert_certificate(X, y, v_w, v_b, 0.0)
    assert manual.loss(v_w, v_b, X, y) > math.log(2.0) / len(y)


def test_separation_refuses_a_bad_max_iter_by_name() -> None:
    from manual.diagnostics import separation

    X, y = np.array([[-1.0], [1.0]]), np.array([0.0, 1.0])
    with pytest.raises(ValueError, match=r"^max_iter must be an int >= 0"):
        separation(X, y, max_iter=-1)
    with pytest.raises(TypeError, match=r"^max_iter must be an int"):
        separation(X, y, max_iter=1.5)  # type: ignore[arg-type]


# --- what a finished run reads off X's columns (`survey`, `examine`) ----------------------------
# columns, in 4 rows: spreads about the first entry 5, 0 (constant), ~2e-10 about 1 (tiny, and far
# from 0 for it), 4 about 1e6, 2e308 (past float64: inf), 0 at 1e308 (whose sum overflows), and
# 2e306 (UNCENTRED times it overflows)
_COLUMNS = np.array(
    [
        [1.0, 3.0, 1.0 + 1e-10, 1e6 + 2.0, 1e308, 1e308, 1e306],
        [-2.0, 3.0, 1.0 - 1e-10, 1e6 - 2.0, -1e308, 1e308, -1e306],
        [3.0, 3.0, 1.0, 1e6, 0.0, 1e308, 0.0],
        [6.0, 3.0, 1.0 + 1e-10, 1e6 + 1.0, 1e308, 1e308, 0.0],
    ]
)


@pytest.mark.parametrize("rows", [1, 3, None])
def test_survey_gives_each_columns_spread_about_its_first_entry_and_its_offset(
    rows: int | None,
) -> None:
    """`survey(columns=True)`: spread_j = max_i |x_ij - x_1j| (each difference rounded once, so
    the largest of them is exact to its rounding; inf past float64) and offset_j = |mean_i x_ij|
    (exact rationals as the oracle; finite where the mean is, however large the sum), whatever the
    blocks of rows, with no RuntimeWarning (the suite makes them errors)."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import survey
    from manual.linear import LinearObjective

    y = np.array([0.0, 1.0, 0.0, 1.0])
    for X in (_COLUMNS, _COLUMNS[:, :4]):  # with and without the columns past float64
        objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
        theta = np.zeros(X.shape[1] + 1)
        found = survey(objective, theta, margins=False, rounding=False, columns=True)
        assert found.spread is not None and found.offset is not None
        with np.errstate(over="ignore"):
            assert np.array_equal(found.spread, np.max(np.abs(X - X[0]), axis=0))
        mean = [
            float(abs(sum(map(Fraction, column.tolist()), Fraction(0))) / len(X)) for column in X.T
        ]
        assert np.allclose(found.offset, mean, rtol=len(X) * EPS, atol=0.0)


@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_examine_names_the_columns_tol_cannot_see_and_those_far_from_0_for_their_spread(
    l2: float,
) -> None:
    """At the end of a run (here theta = 0 on data of both classes that no direction separates):
    `blind`, at l2 = 0, the columns whose spread is in (0, blind_below] (a constant column's
    weight is free, not blind); `uncentred`, asked with offsets, the others whose |mean| passes
    UNCENTRED (1e4) times their spread, a column of infinite spread never (nor one whose spread
    times UNCENTRED passes float64, and no RuntimeWarning there). Neither is asked for by
    default."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import examine
    from manual.linear import LinearObjective

    X, y = _COLUMNS, np.array([0.0, 1.0, 0.0, 1.0])
    objective = LinearObjective(BinaryLoss, X, y, l2)
    losses = np.array([math.log(2.0)])

    def seen(**asked: Any) -> tuple[list[int], list[int]]:
        found = examine(objective, np.zeros(8), losses, 2, 2, unfinished=False, **asked)
        assert found.no_optimum is False
        return found.blind, found.uncentred

    # the tiny column (spread ~2e-10) is blind at l2 = 0 for blind_below = 1e-8, not for 1e-11;
    # a blind column is named once, as blind
    assert seen(blind_below=1e-8, offsets=True) == (([2], [3]) if l2 == 0 else ([], [2, 3]))
    assert seen(blind_below=1e-8) == (([2], []) if l2 == 0 else ([], []))
    assert seen(blind_below=1e-11, offsets=True) == ([], [2, 3])
    tiny = float(np.max(np.abs(X[:, 2] - X[0, 2])))  # a spread of exactly blind_below: blind
    assert seen(blind_below=tiny) == (([2], []) if l2 == 0 else ([], []))
    assert seen(offsets=True) == ([], [2, 3])
    assert seen() == ([], [])


# seven samples: three on the line x_1 = 0 with both labels, the rest separated by x_1
_SEVEN = (
    np.array(
        [[-2.0, 1.0], [-1.0, -1.0], [0.0, 1.0], [0.0, -1.0], [0.0, 0.5], [1.0, 1.0], [2.0, -1.0]]
    ),
    np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]),
)


@pytest.mark.parametrize("rows", [1, 2, 3, None])
def test_surveys_quasi_complete_candidate_is_the_same_whatever_the_blocks(rows: int | None) -> None:
    """Seven samples, three on the line x_1 = 0 with both labels, the rest separated by x_1, at
    theta = (30, 1, 0) (the run's direction with a stray x_2 part): `survey` gathers the Gram
    matrix of the samples not pushed to their side over every block, so its candidate is
    (1, 0, 0) up to a factor whatever the blocks of rows, its boundary is those three samples,
    and `certify` accepts it."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import certify, survey
    from manual.linear import LinearObjective

    X, y = _SEVEN
    objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
    found = survey(objective, np.array([30.0, 1.0, 0.0]), margins=False, rounding=False, quasi=True)
    assert found.direction is not None and found.boundary is not None
    v = found.direction / np.max(np.abs(found.direction))
    assert np.allclose(v, [1.0, 0.0, 0.0], rtol=0.0, atol=1e-12)
    assert np.array_equal(found.boundary, X[:, 0] == 0.0)
    assert certify(objective, found.direction, found.boundary, found.within) is not None


@pytest.mark.parametrize("rows", [2, None])
@pytest.mark.parametrize("a", [1.0, 1e-6], ids=["x1", "x1-micro"])
@pytest.mark.parametrize("scale", [1.0, 1e-6], ids=["x2", "x2-micro"])
@pytest.mark.parametrize("offset", [0.0, 2024.0, 1.7e9], ids=["at-0", "years", "timestamps"])
def test_surveys_candidate_puts_the_boundary_on_it_whatever_the_columns_units_and_offsets(
    offset: float, scale: float, a: float, rows: int | None
) -> None:
    """The seven samples above with x_1 in micro-units or not and x_2 = offset + scale x_2 (years,
    timestamps, micro-units), at the same logits as theta = (30, 1, 0) there: the candidate
    keeps the three samples on x_1 = 0 on its boundary to within the rounding of a null vector
    of a well-conditioned Gram matrix (G is gathered about the first block's mean and decided
    at a unit diagonal, so neither the offset nor the units count), relative to the margins it
    gives the others: RELATIVE. Unshifted, G's conditioning is (offset / spread)^2 and the
    boundary samples sit 1e-2 of the way off; in raw units, 1e-10."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import certify, survey

    # eigh's null vector of a unit-diagonal G of condition O(10) to a few EPS, each margin
    # evaluated to (d + 2) EPS of its terms: 16 (d + 1) EPS with d = 2 leaves room for both
    RELATIVE = 16 * 3 * EPS
    X0, y = _SEVEN
    X = np.column_stack([a * X0[:, 0], offset + scale * X0[:, 1]])
    theta = np.array([30.0 / a, 1.0 / scale, -offset / scale])
    objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
    found = survey(objective, theta, margins=False, rounding=False, quasi=True)
    assert found.direction is not None and found.boundary is not None
    assert np.array_equal(found.boundary, X0[:, 0] == 0.0)
    v = found.direction
    m = (2 * y - 1) * (X @ v[:-1] + v[-1])
    assert np.max(np.abs(m[found.boundary])) <= RELATIVE * np.max(m)
    assert certify(objective, v, found.boundary, found.within) is not None


# ten samples: four on x_1 = x_2 = 0 with both labels, six separated by x_1 and x_2 together
_TEN = (
    np.array(
        [
            [2.0, 1.0, 3.0],
            [1.0, 3.0, -1.0],
            [3.0, 0.5, 0.0],
            [-1.0, -2.0, 2.0],
            [-3.0, -1.0, 1.0],
            [-0.5, -4.0, -2.0],
            [0.0, 0.0, 1.0],
            [0.0, 0.0, -2.0],
            [0.0, 0.0, 3.0],
            [0.0, 0.0, 0.5],
        ]
    ),
    np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
)


@pytest.mark.parametrize("zeros", [0, 1], ids=["", "and a column of zeros"])
@pytest.mark.parametrize("rows", [2, 3, None])
def test_surveys_candidate_keeps_thetas_margins_best_among_the_boundarys_directions(
    rows: int | None, zeros: int
) -> None:
    """Ten samples: four on x_1 = x_2 = 0 with both labels (not pushed at theta = (5, 3, 0.1, 0)),
    six separated by x_1 and x_2 together. The samples not pushed leave G a null space of two
    directions, (v_1, v_2, 0, 0): the candidate is the one of them whose margins on the pushed
    samples best keep theta's, argmin sum_{i in P} (1 - m_i(v) / m_i(theta))^2 (`survey`),
    here a least-squares problem in (v_1, v_2) solved by NumPy as the oracle, whatever the
    blocks of rows. A column of zeros adds a third direction that no sample sees (M's too): its
    weight in the candidate is 0."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import PUSH_MARGIN, survey

    # two least-squares solves of a well-conditioned system of 2 unknowns, one after a null
    # space found by eigh, each to a few EPS: 64 EPS holds both
    RTOL = 64 * EPS
    X, y = _TEN
    theta = np.array([5.0, 3.0, 0.1, 0.0])
    sign = 2 * y - 1
    margin = sign * (X @ theta[:-1] + theta[-1])
    pushed = margin >= PUSH_MARGIN
    assert np.array_equal(pushed, np.arange(10) < 6)
    A = sign[pushed, None] * X[pushed, :2] / margin[pushed, None]
    best = np.linalg.lstsq(A, np.ones(6), rcond=None)[0]
    X = np.column_stack([X, np.zeros((10, zeros))])
    theta = np.insert(theta, 3, np.ones(zeros))  # the zero column's weight moves no logit
    objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
    found = survey(objective, theta, margins=False, rounding=False, quasi=True)
    assert found.direction is not None and found.boundary is not None
    assert np.array_equal(found.boundary, ~pushed)
    expected = np.append(best, np.zeros(2 + zeros))
    assert np.max(np.abs(found.direction - expected)) <= RTOL * np.max(np.abs(best))


@pytest.mark.parametrize("at", [0.0, 0.1, 1 / 3, 2024.7])
def test_separation_finds_quasi_complete_separation_of_one_feature(at: float) -> None:
    """One feature, three samples of both labels at x = at and the others split by it: quasi-
    complete separation along (1, -at), found wherever `at` lies (0.1 and 1/3 are not binary
    fractions: the null space of G, one direction of two, is then decided by an eigenvalue of
    rounding size rather than an exact 0)."""
    from manual.diagnostics import separation

    X, y = _SEVEN[0][:, :1] + at, _SEVEN[1]  # the seven samples' first column alone
    found = separation(X, y)
    assert found.kind == "quasi-complete" and found.direction is not None
    v_w, v_b = found.direction
    m = (2 * y - 1) * (X @ v_w + v_b)
    on = np.array([False, False, True, True, True, False, False])
    assert np.all(np.abs(m[on]) <= found.gap) and np.all(m[~on] > found.gap)


@pytest.mark.parametrize("constant", [0.0, 3.0, 1.7e9], ids=["zeros", "threes", "a timestamp"])
def test_separation_finds_the_quasi_complete_direction_beside_a_constant_column(
    constant: float,
) -> None:
    """The ten samples above (quasi-completely separated along (v_1, v_2)) with a constant column
    added: its weight moves every logit alike, so the intercept absorbs it, and no pushed sample
    sees the direction it adds to G's null space beyond rounding. `separation` still names the
    quasi-complete separation, with a direction that puts the four samples on x_1 = x_2 = 0 on
    its boundary and the other six strictly on their side (to `gap`), and a weight on the
    constant column at the rounding level of the others (16 EPS of the largest: the map back
    from the centred coordinates, where that column is 0)."""
    from manual.diagnostics import separation

    X = np.column_stack([_TEN[0], np.full(10, constant)])
    y = _TEN[1]
    found = separation(X, y)
    assert found.kind == "quasi-complete" and found.direction is not None
    v_w, v_b = found.direction
    m = (2 * y - 1) * (X @ v_w + v_b)
    assert np.all(np.abs(m[6:]) <= found.gap) and np.all(m[:6] > found.gap)
    assert abs(v_w[-1]) <= 16 * EPS * float(np.max(np.abs(v_w)))


# samples to survey at theta, each reaching one of the ways `survey` can end its candidate's
# search: none pushed to its side, pushed samples among the rest of a full-rank G, a candidate,
# and a Gram matrix past float64 (its entries (1e200)^2, some of them inf - inf), with M or not
_SURVEYED = {
    "none pushed": (_SEVEN[0], _SEVEN[1], np.zeros(3)),
    "no null space": (
        np.random.default_rng(5).standard_normal((20, 2)),
        np.random.default_rng(6).integers(0, 2, 20).astype(float),
        np.array([8.0, -5.0, 1.0]),
    ),
    "a candidate": (*_SEVEN, np.array([30.0, 1.0, 0.0])),
    "G and M past float64": (
        np.array([[1e200, 1e200], [-1e200, 1e200], [1e200, -1e200], [1e202, 0.0], [-1e202, 0.0]]),
        np.array([1.0, 0.0, 0.0, 1.0, 0.0]),
        np.array([1e-200, 0.0, 0.0]),
    ),
    "G alone past float64": (  # the pushed samples' a_i = x1_i / m_i stay small
        np.array(
            [[1e200, 0.0], [-1e200, 0.0], [1e200, 0.0], [-1e200, 0.0], [0.0, 1.0], [0.0, -1.0]]
        ),
        np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0]),
        np.array([1e-200, 100.0, 0.0]),
    ),
}


@pytest.mark.parametrize("rows", [2, None])
@pytest.mark.parametrize("case", list(_SURVEYED))
def test_asking_survey_for_a_candidate_changes_none_of_its_other_findings(
    case: str, rows: int | None
) -> None:
    """`survey`'s findings answer what is asked, each on its own (`Survey`): asking for the
    candidate of quasi-complete separation too leaves `separated`, `rounding`, `spread`,
    `offset` and `pushed` as they are without it, however its search ends; a candidate is given
    only where G has a null space, and a Gram matrix past float64 gives none, with no
    RuntimeWarning (the suite makes them errors)."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import survey

    X, y, theta = _SURVEYED[case]
    objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
    asked = {"margins": True, "rounding": True, "columns": True}
    alone = survey(objective, theta, quasi=False, **asked)
    found = survey(objective, theta, quasi=True, **asked)
    assert found.separated is alone.separated and found.separated is False
    assert found.rounding == alone.rounding and found.rounding is not None
    assert found.pushed is alone.pushed and found.pushed is (case != "none pushed")
    assert found.spread is not None and alone.spread is not None
    assert np.array_equal(found.spread, alone.spread)
    assert found.offset is not None and alone.offset is not None
    assert np.array_equal(found.offset, alone.offset)
    assert alone.direction is None
    assert (found.direction is not None) is (case == "a candidate")


# --- the certificate's own check (`certify`) ----------------------------------------------------
# 1e8 * fl(0.1) - 1e7 = 5.55e-10 exactly, but fl(1e8 * fl(0.1)) = 1e7: a margin computed as 0
_FAR = (np.array([[1e8], [2e8], [0.0]]), np.array([1.0, 1.0, 0.0]), np.array([0.1, -1e7]))
# margins (2 y_i - 1)(x_i @ v_w + v_b) of 0, 0 (the first two: v's boundary), then 4, 3, 2
_QUASI = (
    np.array([[3.0, 0.0], [1.0, 1.0], [5.0, 1.0], [0.0, 0.0], [-1.0, 1.0]]),
    np.array([0.0, 1.0, 1.0, 0.0, 0.0]),
    np.array([1.0, 2.0, -3.0]),
)
_COMPLETE = (_QUASI[0][2:], _QUASI[1][2:], _QUASI[2])  # margins 4, 3, 2
_WRONG = (_QUASI[0][2:], np.zeros(3), np.array([1.0, 0.0, -4.0]))  # margins -1 (wrong), 4, 5
_ON_IT = (np.ones((3, 1)), np.array([0.0, 1.0, 1.0]), np.array([1.0, -1.0]))  # margins all 0
_ZERO = (_QUASI[0], _QUASI[1], np.zeros(3))
# name: (X, y, v), the samples called on v's boundary, within, whether v is a certificate
_CERTIFY_CASES: dict[str, tuple[tuple[np.ndarray, ...], list[int], float, bool]] = {
    "quasi-complete": (_QUASI, [0, 1], 0.0, True),
    "quasi-complete, its boundary not named": (_QUASI, [], 0.0, False),
    "complete": (_COMPLETE, [], 0.0, True),
    "zero direction": (_ZERO, [], 0.0, False),
    "zero direction, every sample called on it": (_ZERO, [0, 1, 2, 3, 4], 0.0, False),
    "zero direction, within 1": (_ZERO, [], 1.0, False),
    "every margin 0": (_ON_IT, [], 0.0, False),
    "every margin 0, within 1": (_ON_IT, [], 1.0, False),
    "every margin 0, every sample called on it": (_ON_IT, [0, 1, 2], 0.0, False),
    "a sample on its wrong side by 1": (_WRONG, [], 0.0, False),
    "a sample on its wrong side by 1, within 2": (_WRONG, [], 2.0, True),
    "a rounded margin on the boundary": (_FAR, [0], 0.0, True),
    "a rounded margin, within 1": (_FAR, [], 1.0, True),
}


def _exact_margins(X: np.ndarray, y: np.ndarray, v: np.ndarray) -> list[Fraction]:
    """(2 y_i - 1)(x_i @ v_w + v_b) of the floats as given, in exact rational arithmetic."""
    return [
        (1 if label > 0.5 else -1)
        * (sum(Fraction(a) * Fraction(c) for a, c in zip(x, v[:-1], strict=True)) + Fraction(v[-1]))
        for x, label in zip(X, y, strict=True)
    ]


@pytest.mark.parametrize("rows", [1, 2, None])
@pytest.mark.parametrize("case", list(_CERTIFY_CASES))
def test_certify_vouches_only_for_what_holds_in_exact_arithmetic(
    case: str, rows: int | None
) -> None:
    """`certify(objective, v, boundary, within)` returns a gap only where v is a certificate: in
    exact arithmetic every sample of `boundary` within gap of v's boundary, every other sample no
    further than gap on its wrong side, and one beyond gap on its own side; and the gap is within
    what the boundary was allowed (`within`, default 0, or the rounding of its own margins: a
    few ulps of |x_i| @ |v_w| + |v_b|, exactly 0 with no boundary and every margin beyond it).
    The same verdict whatever the blocks of rows of the pass."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import certify
    from manual.linear import LinearObjective

    (X, y, v), on, within, accepted = _CERTIFY_CASES[case]
    boundary = np.isin(np.arange(len(y)), on)
    objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
    given_within = {"within": within} if within else {}  # 0 is the default
    gap = certify(objective, v.copy(), boundary, **given_within)
    assert (gap is not None) == accepted, gap
    if gap is None:
        return
    margins = _exact_margins(X, y, v)
    assert all(abs(m) <= gap for m, b in zip(margins, boundary, strict=True) if b)
    assert all(m >= -gap for m, b in zip(margins, boundary, strict=True) if not b)
    assert any(m > gap for m, b in zip(margins, boundary, strict=True) if not b)
    # the rounding of a margin is some ulps of its scale (the sum of d + 1 products)
    scale = float(np.max(np.abs(X) @ np.abs(v[:-1]) + abs(v[-1])))
    assert gap <= max(within, CERTIFY_ROUNDING_ULPS * np.finfo(float).eps * scale)
    if not boundary.any() and within == 0.0:
        assert gap == 0.0


@pytest.mark.parametrize(
    ("X", "v"),
    [
        (np.array([[1e200, -1e200], [1.0, 1.0]]), np.array([1e200, 1e200, 0.0])),  # inf - inf
        (np.array([[1e308, 1e308], [1.0, 1.0]]), np.array([1.0, -1.0, 1.0])),  # its rounding
        (np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([np.inf, 1.0, 0.0])),  # 0 * inf
    ],
)
def test_certify_refuses_directions_whose_margins_are_not_finite(
    X: np.ndarray, v: np.ndarray
) -> None:
    """A margin or its rounding beyond float64, or a direction with an infinite entry (a column of
    1e-300 maps v_w back to the user's units as v_w / 1e-300), vouches for nothing: None, and no
    RuntimeWarning (the suite makes them errors)."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import certify
    from manual.linear import LinearObjective

    objective = LinearObjective(BinaryLoss, X, np.array([1.0, 0.0]), 0.0)
    assert certify(objective, v, np.zeros(2, dtype=bool), within=1.0) is None


@pytest.mark.parametrize("twin", [manual, reference])
@pytest.mark.parametrize("scale", [1e-300, 1e-170, 1e155, 1e300])
def test_newton_reaches_the_optimum_at_extreme_feature_scales(twin, scale: float) -> None:
    """Columns of 1e-300 to 1e300 (the Hessian's entries would pass the largest float at 1e155):
    Newton runs on the columns centred and divided by a power of 2, so that nothing overflows,
    and reaches statsmodels' optimum."""
    u, y = _issue_data(200)
    v = np.random.default_rng(7).standard_normal(200)
    _assert_optimum(twin, np.column_stack([u, v]) * scale, y)


@pytest.mark.parametrize("twin", [manual, reference])
@pytest.mark.parametrize(("offset", "scale"), [(2000.0, 30.0), (1.7e9, 1e6), (0.0, 1e100)])
def test_penalized_newton_on_raw_columns_is_the_standardized_fit_mapped_back(
    twin, offset: float, scale: float
) -> None:
    """An invariant: x = offset + scale u with l2 = l2_u scale^2 is the fit on u with l2_u, mapped
    back by w = w_u / scale, b = b_u - offset w ((l2 / 2) ||w||^2 = (l2_u / 2) ||w_u||^2). The
    well-scaled fit is the oracle for the raw one."""
    u, y = _issue_data(300)
    l2_u = 1e-2
    want = manual.fit(u, y, solver="newton", l2=l2_u, tol=1e-12)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", manual.LogregWarning)
        got = twin.fit(offset + scale * u, y, solver="newton", l2=l2_u * scale**2)
    for warning in record:  # only tol below what float64 allows at these units, if anything
        assert "optimum is reached as far as float64 can tell" in str(warning.message)
    w = want.w / scale
    b = want.b - offset * float(w[0])
    assert _rel(np.append(got.w, got.b), np.append(w, b)) <= ORACLE_RTOL
    assert abs(got.losses[-1] - want.losses[-1]) <= ORACLE_LOSS_RTOL * want.losses[-1]


@pytest.mark.parametrize("twin", [manual, reference])
def test_every_public_function_at_extreme_scales_answers_or_refuses_clearly(twin) -> None:
    """Features from 1e-300 to 1e300, with and without a timestamp's offset, through every public
    function of the twin: a finite answer, or a ValueError / TypeError that says why; never a raw
    exception, never a RuntimeWarning (the suite makes them errors)."""
    from manual.diagnostics import separation

    rng = np.random.default_rng(8)
    base = rng.standard_normal((40, 2))
    y = (rng.random(40) < manual.sigmoid(base @ np.array([1.0, -1.0]))).astype(float)
    answered = 0
    for scale in (1e-300, 1e-170, 1e-8, 1e155, 1e300):
        for offset in (0.0, 1.7e9):
            X = base * scale + offset * min(scale, 1e-9 * np.finfo(float).max / 1.7e9)
            w = np.array([1.0, -1.0]) / scale
            calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = [
                (twin.loss, (w, 0.0, X, y), {}),
                (twin.gradient, (w, 0.0, X, y), {"l2": 1.0}),
                (twin.hessian, (w, 0.0, X, y), {}),
                (twin.hvp, (w, 0.0, X, y, w, 1.0), {}),
                (twin.predict_proba, (X, w, 0.0), {}),
                (twin.fit, (X, y), {"max_iter": 20}),
                (twin.fit, (X, y), {"solver": "newton"}),
            ]
            if twin is manual:
                calls += [
                    (manual.standard_errors, (w, 0.0, X, y), {}),
                    (manual.lipschitz, (X, 1.0), {}),
                    (separation, (X, y), {"max_iter": 20}),
                ]
            for function, args, kwargs in calls:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", manual.LogregWarning)
                        out = function(*args, **kwargs)
                except ValueError as err:
                    assert "must" in str(err) or "overflow" in str(err) or "singular" in str(err)
                    continue
                answered += 1
                if hasattr(out, "kind"):  # separation's report
                    assert out.kind in ("none found", "complete", "quasi-complete")
                    continue
                values = getattr(out, "losses", out)
                if isinstance(values, tuple):  # (grad_w, grad_b), (Hv, Hc)
                    values = np.append(*values)
                assert np.all(np.isfinite(np.asarray(values, dtype=float)))
    assert answered > 0


def test_gd_says_when_tol_cannot_see_a_tiny_column() -> None:
    """Columns of ~1e-170: the part of |dL/dw_j| that w_j moves is at most the column's spread,
    below tol at every w_j, so gd "reaches" tol at weights far from the optimum (~1e170): it says
    so. Newton, whose steps do not depend on the units, reaches the optimum itself and says
    nothing."""
    rng = np.random.default_rng(9)
    X = rng.standard_normal((100, 2))
    y = (rng.random(100) < manual.sigmoid(X @ np.array([1.0, -1.0]))).astype(float)
    for twin in (manual, reference):
        with pytest.warns(
            manual.ConvergenceWarning, match=r"column\(s\) \[0, 1\] of X spread over no"
        ):
            assert twin.fit(X * 1e-170, y).converged
    _assert_optimum(manual, X * 1e-170, y)


def test_the_penalty_meets_a_subnormal_l2_before_it_can_underflow() -> None:
    """(l2 / 2) ||w||^2 at l2 = 5e-324 (2^-1074) and w = 1e200 is 2.47e76, not 0: l2 meets the
    large ||w|| first. Exact: 2^-1074 * 1e200 * 1e200 / 2 (plus log 2, far below its ulp), to a
    few roundings. (Not the JAX twin's: XLA on the CPU flushes a subnormal l2 to 0.)"""
    got = manual.loss([1e200], 0.0, [[0.0]], [0.0], l2=5e-324)
    want = (5e-324 * 1e200) * 1e200 / 2
    assert abs(got - want) <= 8 * np.finfo(float).eps * want


def test_a_rise_of_a_few_ulps_at_the_default_step_is_not_called_too_large() -> None:
    """With lr = 1 / L (not given) the loss cannot rise beyond its rounding: the advice never
    blames lr; with a given lr and a real rise, it does."""
    from manual.diagnostics import advice

    eps = np.finfo(float).eps
    ulps = np.array([0.5, 0.5 * (1 + 3 * eps), 0.5 * (1 + 6 * eps), 0.4])
    norms = np.full(4, 1e-3)
    default = advice("gd", 0.1, ulps, norms, 1e-8, False, lr_given=False)
    assert "too large" not in default
    risen = np.array([0.5, 0.7, 0.6, 0.4])
    assert "too large" in advice("gd", 10.0, risen, norms, 1e-8, False, lr_given=True)
    assert "too large" not in advice("gd", 10.0, ulps, norms, 1e-8, False, lr_given=True)


# --- Centring: the same model on centred, column-scaled features -------------------------------
# The two sides differ by the rounding of x - mu (one ulp of max(|x|, |mu|)), of the products
# with W and of the maps [c W; b + mu W] and back (a few ulps of their terms): 1e-12 of the sum of
# the magnitudes involved leaves a factor of ~1000 for n, d and K.
CENTRING_RTOL = 1e-12

_cr = np.random.default_rng(31)
_RAW = np.column_stack(
    [
        2000.0 + _cr.standard_normal(40),  # years: an offset 1000 times its spread
        1e-6 * _cr.standard_normal(40),  # micro-units
        1e6 * _cr.standard_normal(40) + 3e6,  # millions, offset
        _cr.standard_normal(40),  # already standard
    ]
)
_STANDARD = _cr.standard_normal((40, 4))
# near the largest float: column 0's mean overflows (its sum passes 1.8e308), column 1's does not
# (its running sum stays within +-1.79e308, its mean is -2.5e306) but max - mean does, column 2 is
# ordinary beside them
_HUGE = np.column_stack(
    [
        np.resize([1.7e308, 1.7e308, -1.7e308, 1.6e308], 40),
        np.append(np.resize([1.79e308, -1.79e308, -1e308, 1e308], 39), 0.0),
        _cr.standard_normal(40),
    ]
)


@pytest.mark.parametrize("K", [None, 3])
@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("l2", [0.0, 0.01, 1e-305, 1e-310, 1e4])
@pytest.mark.parametrize("columns", ["raw", "standard", "huge"])
def test_centring_is_an_exact_reparametrization(K, scale: bool, l2: float, columns: str) -> None:
    """z = X W + b = ((X - mu) / c)(c W) + (b + mu W): `Centring`'s features, its inward map
    [c W; b + mu W] and its l2 (one value a feature, l2 / c^2) give the same logits and the same
    penalty as the user's, feature by feature (at l2 = 1e-305 the millions' l2 / c^2 would be
    subnormal, rounded to a few digits: c = 1 there); outward maps the point back and the centred
    gradient to the user's (dL/dW = c dL_c/dW + mu dL_c/db'); each column's scale c_j is a power
    of 2 (division exact)."""
    from manual.binary import BinaryLoss
    from manual.linear import Centring, LinearObjective
    from manual.multinomial import MultinomialLoss

    X = {"raw": _RAW, "standard": _STANDARD, "huge": _HUGE}[columns]
    n, d = X.shape
    shape = (d + 1,) if K is None else (d + 1, K)
    rng = np.random.default_rng(4)
    spread = np.max(np.abs(X), axis=0)
    coef = rng.standard_normal(shape) / np.append(spread, 1.0).reshape(
        (-1,) + (1,) * (len(shape) - 1)
    )
    theta = coef.ravel()
    W, b = coef[:-1], coef[-1]
    y = (
        np.asarray(rng.random(n) < 0.5, dtype=float)
        if K is None
        else np.eye(K)[rng.integers(0, K, n)]
    )
    loss = BinaryLoss if K is None else MultinomialLoss(K)

    cen = Centring(X, shape, scale=scale, l2=l2)
    c = np.ravel(cen.c) * np.ones(d)
    assert np.all(c > 0) and np.array_equal(c, 2.0 ** np.round(np.log2(c))), c
    theta_c = cen.inward(theta)
    assert theta_c is not None and theta_c.shape == theta.shape
    coef_c = theta_c.reshape(shape)
    # the same logits
    z, z_c = X @ W + b, cen.X @ coef_c[:-1] + coef_c[-1]
    size = np.abs(X) @ np.abs(W) + np.abs(b) + np.abs(cen.mu) @ np.abs(W)
    assert np.all(np.abs(z - z_c) <= CENTRING_RTOL * size)
    # the same penalty, (l2 / 2) ||W||^2 = sum_j (l2_j / 2) ||W_c,j||^2
    want = np.reshape(l2 / 2 * W * W, (d, -1)).sum(axis=1)
    got = np.reshape(np.broadcast_to(cen.l2, W.shape) / 2 * coef_c[:-1] ** 2, (d, -1)).sum(axis=1)
    assert np.all(np.abs(got - want) <= CENTRING_RTOL * want), (got, want)
    # back to the user's coordinates: the point, and the gradient by the chain rule
    user = LinearObjective(loss, X, y, l2)
    centred = LinearObjective(loss, cen.X, y, cen.l2)
    back, grad = cen.outward(theta_c, centred.gradient(theta_c))
    assert np.all(np.abs(back - theta) <= CENTRING_RTOL * (np.abs(theta) + np.abs(theta_c)))
    g = user.gradient(theta).reshape(shape)
    scale_g = np.append(np.max(np.abs(X), axis=0) + np.abs(cen.mu), 1.0)
    scale_g = scale_g.reshape((-1,) + (1,) * (len(shape) - 1)) + l2 * np.abs(coef)
    assert np.all(np.abs(grad.reshape(shape) - g) <= CENTRING_RTOL * scale_g)


@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize(
    "columns",
    [
        "mean past the largest float, row by row",
        "mean meets +inf and -inf (columns stored contiguously: pairwise sums)",
        "x - mean past the largest float",
    ],
)
def test_centring_near_the_largest_float_keeps_its_features_finite(
    scale: bool, columns: str
) -> None:
    """Where a column's mean overflows (its sum passes the largest float, or its pairwise partial
    sums meet +inf and -inf), or where the mean is finite but some x - mean is not, `Centring`
    takes each column's mid-range, about which |x - mu| <= (max - min) / 2 <= max |x| cannot
    overflow: finite centred features and the same logits, with no RuntimeWarning on the way
    (the suite turns them into errors)."""
    from manual.linear import Centring

    X = {
        "mean past the largest float, row by row": _HUGE,
        "mean meets +inf and -inf (columns stored contiguously: pairwise sums)": np.asfortranarray(
            _HUGE
        ),
        "x - mean past the largest float": _HUGE[:, 1:],
    }[columns]
    d = X.shape[1]
    cen = Centring(X, (d + 1,), scale=scale)
    assert np.all(np.isfinite(cen.mu)) and np.all(np.isfinite(cen.X))
    c = np.ravel(cen.c) * np.ones(d)
    assert np.all(np.abs(cen.X) <= np.max(np.abs(X), axis=0) / c)
    W = np.full(d, 1e-309)  # logits of order 1
    theta_c = cen.inward(np.append(W, 0.5))
    assert theta_c is not None
    z, z_c = X @ W + 0.5, cen.X @ theta_c[:-1] + theta_c[-1]
    size = np.abs(X) @ np.abs(W) + 0.5 + np.abs(cen.mu) @ np.abs(W)
    assert np.all(np.abs(z - z_c) <= CENTRING_RTOL * size)


def test_centred_columns_are_orthogonal_to_the_intercept() -> None:
    """On X - mu, mu the columns' means, each column sums to zero: its direction is orthogonal to
    the intercept's (the offset's near-parallel column is gone), up to the rounding of the n
    differences x - mu (one ulp of max(|x|, |mu|) each) and of their sum (n ulps of the largest)."""
    from manual.linear import Centring

    n, d = _RAW.shape
    for scale in (False, True):
        cen = Centring(_RAW, (d + 1,), scale=scale)
        c = np.ravel(cen.c) * np.ones(d)
        assert np.all(cen.mu != 0)  # years and millions are offset: every column is centred
        bound = 2 * n * np.finfo(np.float64).eps * (np.max(np.abs(_RAW), axis=0) + np.abs(cen.mu))
        assert np.all(np.abs(cen.X.sum(axis=0)) <= bound / c), (cen.X.sum(axis=0), bound / c)


# Columns left unscaled have c_j <= SCALE_SPAN, so a spread of at most sqrt(2) SCALE_SPAN (c_j is
# the power of 2 nearest it): their Hessian diagonal at theta = 0, mean_i (x_ij - mu_j)^2 / 4, is at
# most SCALE_SPAN^2 / 2 against the intercept's 1/4; a scaled column's is at most 2 / 4 + l2 / c_j^2
# <= 2.5. At least one entry of each column lies at its spread, >= c_j / sqrt(2) or >= sqrt(l2) /
# sqrt(2): at least 1 / (8 n SCALE_SPAN^2).
def test_centred_columns_keep_the_hessians_diagonal_near_the_intercepts() -> None:
    """With `scale`, each column is divided by a power of 2 near max(spread_j, sqrt(l2)), so that
    no weight's direction is left far above or below the intercept's: at theta = 0 (h = 1/4) the
    centred Hessian's diagonal lies within [1 / (2 n SCALE_SPAN^2), 2 SCALE_SPAN^2] of the
    intercept's, for columns in micro-units, millions and years side by side at l2 from 0 to 1e4,
    for a column of +-2048 where l2 / c^2 is exactly the smallest normal float (2^-1022), and for
    one of +-40 alone (c = 32: SCALE_SPAN^2 would not bound its diagonal, 1600 times the
    intercept's)."""
    from manual.binary import BinaryLoss
    from manual.linear import SCALE_SPAN, Centring, LinearObjective

    n = _RAW.shape[0]
    y = (np.arange(n) % 2).astype(float)
    pm = np.column_stack([np.resize([2048.0, -2048.0], n), _cr.standard_normal(n)])
    pm40 = np.resize([40.0, -40.0], (n, 1))  # c = 32 beside the intercept's 1: scaled
    cases = [(_RAW, l2) for l2 in (0.0, 0.01, 1.0, 1e4)] + [(pm, 2.0**-1000), (pm40, 0.0)]
    for X, l2 in cases:
        d = X.shape[1]
        cen = Centring(X, (d + 1,), scale=True, l2=l2)
        H = LinearObjective(BinaryLoss, cen.X, y, cen.l2).hessian(np.zeros(d + 1))
        ratio = np.diagonal(H)[:-1] / H[-1, -1]
        low, high = 1 / (2 * n * SCALE_SPAN**2), 2 * SCALE_SPAN**2
        assert np.all((low <= ratio) & (ratio <= high)), (l2, ratio)


# offsets of +1e200 on eight columns and -1e200 on eight more: mu W's products are +inf and
# -inf, their partial sums too (as _PM16's below)
_OFFSET = 1e200 * np.repeat([1.0, -1.0], 8) + _cr.standard_normal((40, 16))


def test_centrings_maps_that_pass_the_largest_float_raise_no_runtime_warning() -> None:
    """mu W meets +inf and -inf at offsets of +-1e200 and weights of 1e200: inward says None (its
    point does not exist in the centred coordinates), outward gives non-finite values for its
    caller to check, and neither raises a RuntimeWarning (the suite turns them into errors)."""
    from manual.linear import Centring

    cen = Centring(_OFFSET, (17,))
    assert np.all(np.abs(cen.mu) > 1e199)  # centred
    far = np.append(np.full(16, 1e200), 0.0)
    assert cen.inward(far) is None
    theta, grad = cen.outward(far, np.append(np.zeros(16), 1e200))
    assert not np.isfinite(theta[-1]) and not np.all(np.isfinite(grad[:-1]))


M = float(np.finfo(np.float64).max)


def _objective(
    X: np.ndarray, y: np.ndarray, l2: float = 0.0, rows: int = 1, workers: int = 2
) -> Any:
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective

    return LinearObjective(BinaryLoss, X, y, l2, block_rows=rows, workers=workers)


def _hvp(w: Any, X: np.ndarray, u: Any, l2: float = 0.0) -> Any:
    """H u on blocks of one row shared by two threads: NumPy's error state is per thread, so that
    each thread's products must set their own."""
    theta, u = np.append(w, 0.0), np.asarray(u, dtype=float)
    return _objective(X, np.ones(len(X)), l2).hvp(theta, u)


# (the call, the words of its ValueError): each is a sum or product of finite numbers that
# passes the largest float (or meets inf - inf) inside a pass; refused by a ValueError, with no
# RuntimeWarning on the way (the suite turns them into errors)
_PM16 = np.array([[2.0] * 8 + [-2.0] * 8])  # z = sum_j x_j 1e308: +inf and -inf partial sums
_HVP = "Hessian-vector product that overflows"
_PM200 = np.array([[1e200, 1e200], [1e200, -1e200]])  # x_i1 x_i2: +1e400, then -1e400
EDGE_CASES = {
    "gradient: X.T @ (p - y) / n rounds past the largest float": (
        lambda: manual.gradient([100 / M], 0.0, np.full((11, 1), M), np.zeros(11)),
        "gradient that overflows",
    ),
    "hessian: logits meet inf - inf": (
        lambda: manual.hessian(np.full(16, 1e308), 0.0, _PM16, np.ones(1)),
        "overflow float64",
    ),
    "hvp: logits meet inf - inf": (
        lambda: _hvp(np.full(16, 1e308), np.vstack([_PM16, _PM16]), np.ones(17)),
        "overflow float64",
    ),
    "hvp: the direction's logits overflow": (
        lambda: _hvp(np.zeros(2), np.ones((3, 2)), [1e308, 1e308, 0.0]),
        _HVP,
    ),
    "hvp: the direction's logits meet inf - inf": (
        lambda: _hvp(np.zeros(16), np.vstack([_PM16, _PM16]), np.append(np.full(16, 1e308), 0)),
        _HVP,
    ),
    "hvp: zero curvature times an infinite change": (
        lambda: _hvp(np.array([1e3]), np.ones((2, 1)), [M, M]),
        _HVP,
    ),
    "hvp: l2 V past the largest float": (
        lambda: _hvp(np.zeros(1), np.ones((2, 1)), [10.0, 0.0], l2=1e308),
        _HVP,
    ),
    "hvp: l2 V of +inf meets a data part of -inf": (
        lambda: _hvp(np.zeros(1), np.full((2, 1), 1e200), [10.0, -1e300], l2=1e308),
        _HVP,
    ),
    "hessian, K = 3: X1' diag(h) X1 overflows": (
        lambda: mm.hessian(np.zeros((2, 3)), np.zeros(3), _RAW[:6, :2] * 1e155, [0, 1, 2] * 2),
        "Hessian that overflows",
    ),
    "hessian, K = 3: the products meet inf - inf": (
        lambda: mm.hessian(
            np.zeros((2, 3)),
            np.zeros(3),
            np.column_stack([np.full(16, 4e154), 4e154 * np.repeat([1.0, -1.0], 8)]),
            np.arange(16) % 3,
        ),
        "Hessian that overflows",
    ),
    # at p = 1/3, h_01 = -p_0 p_1 / n = -1/36: the first row's x_0 (x_1 h_01) rounds to the largest
    # float where x_1 (x_0 h_01), its transpose's product, overflows; the next three add -0.9 of
    # the largest float each: H's entry sums to -inf, its transpose to +inf, and H + H' meets
    # inf - inf
    "hessian, K = 3: an entry and its transpose overflow to opposite signs": (
        lambda: mm.hessian(
            np.zeros((2, 3)),
            np.zeros(3),
            [[2.194806789228081e154, -2.9486400886250443e155]] + [[7.631858067963464e154] * 2] * 3,
            [0, 1, 2, 0],
        ),
        "Hessian that overflows",
    ),
    "hessian: one row's block gives +inf, the next one's -inf": (
        lambda: _objective(_PM200, np.ones(2)).hessian(np.zeros(3)),
        "Hessian that overflows",
    ),
    "hessian, K = 3: one row's block gives +inf, the next one's -inf": (
        lambda: LinearObjective(
            mm.MultinomialLoss(3), _PM200, np.eye(3)[[0, 1]], 0.0, block_rows=1
        ).hessian(np.zeros(9)),
        "Hessian that overflows",
    ),
    "hvp: two threads' finite parts sum past the largest float": (
        lambda: _objective(np.full((2, 1), 1e150), np.ones(2)).hvp(np.zeros(2), np.array([8e8, 0])),
        _HVP,
    ),
    "hvp: two threads' parts are +inf and -inf": (
        lambda: _objective(np.array([[1e200], [-1e200]]), np.ones(2)).hvp(
            np.zeros(2), np.array([0.0, 1e200])
        ),
        _HVP,
    ),
}


@pytest.mark.parametrize("case", EDGE_CASES, ids=list(EDGE_CASES))
def test_passes_that_leave_float64_inside_are_refused_without_a_runtime_warning(case: str) -> None:
    call, words = EDGE_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=words):
            call()


def test_a_loss_whose_block_sums_pass_the_largest_float_keeps_its_mean() -> None:
    """Logits of 1.5e308 on the wrong side in blocks of two rows: each block's sum overflows, its
    mean does not; the loss is the mean of all four, whatever the blocks and threads."""
    X = np.array([[1.0], [1.0], [1.0], [-1.0]])
    y = np.array([0.0, 0.0, 0.0, 1.0])
    for rows, workers in ((1, 1), (2, 1), (2, 2), (3, 2), (4, 1)):
        got = _objective(X, y, rows=rows, workers=workers).loss(np.array([1.5e308, 0.0]))
        assert got == pytest.approx(1.5e308, rel=4 * np.finfo(np.float64).eps), rows


# small columns make the intercept's entry of the rounding bound the largest, large ones a
# weight's, a penalty adds EPS l2 |w_j|; in one block or three
_ROUNDING_ROWS = pytest.mark.parametrize("rows", [2, None])
_ROUNDING_CASES = pytest.mark.parametrize(
    ("scale", "l2"), [(0.1, 0.0), (10.0, 0.0), (10.0, 1e3)], ids=["b-led", "w-led", "penalized"]
)


@_ROUNDING_ROWS
@_ROUNDING_CASES
def test_surveys_rounding_is_its_documented_bound(
    rows: int | None, scale: float, l2: float
) -> None:
    """`survey(rounding=True)` reports max_j of its docstring's bound, retyped here from the
    definitions (r = p - y, h = p (1 - p), dz_i = (d + 2) EPS (|x_i| @ |w| + |b|), gamma =
    (log2(rows) + blocks + 2) EPS): small columns make the intercept's entry the largest, large
    ones a weight's, a penalty adds EPS l2 |w_j|; in one block or three. The two sides differ by
    the order of their sums only: RTOL."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import survey

    RTOL = 1e-12  # the same sums of 5 positive terms in another order: a few EPS apart
    rng = np.random.default_rng(3)
    X = scale * rng.standard_normal((5, 2))
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    theta = np.array([0.7, -1.3, 0.4])
    objective = LinearObjective(BinaryLoss, X, y, l2, block_rows=rows)
    n, d, used = 5, 2, objective.rows
    p = manual.sigmoid(X @ theta[:-1] + theta[-1])
    gamma = (math.log2(used) + math.ceil(n / used) + 2) * EPS
    dz = (d + 2) * EPS * (np.abs(X) @ np.abs(theta[:-1]) + abs(theta[-1]))
    X1 = np.column_stack([X, np.ones(n)])
    bound = np.abs(X1).T @ (gamma * np.abs(p - y) + p * (1 - p) * dz) / n
    bound[:-1] += EPS * l2 * np.abs(theta[:-1])
    found = survey(objective, theta, margins=False, rounding=True)
    assert found.rounding == pytest.approx(float(np.max(bound)), rel=RTOL, abs=0.0)
    # what is not asked is None (`Survey`)
    assert found.separated is None and found.spread is None and found.offset is None
    unasked = survey(objective, theta, margins=False, rounding=False)
    assert unasked.rounding is None and unasked.separated is None and unasked.spread is None


@_ROUNDING_ROWS
@_ROUNDING_CASES
def test_surveys_rounding_of_the_softmax_gradient_is_its_documented_bound(
    rows: int | None, scale: float, l2: float
) -> None:
    """The same bound with K = 3 logits a sample, one entry a coefficient: r_i = p_i - Y_i and
    the per-sample Hessian (diag(p_i) - p_i p_i') applied to dz_i, summed over the samples for
    each class's weights and intercept on its own (small columns make an intercept's entry the
    largest); retyped here from the definitions. RTOL as above (sums in another order)."""
    from manual.diagnostics import survey

    RTOL = 1e-12  # the same sums of 5 positive terms in another order: a few EPS apart
    rng = np.random.default_rng(4)
    n, d, K = 5, 2, 3
    X = scale * rng.standard_normal((n, d))
    Y = np.eye(K)[[0, 1, 2, 2, 1]]
    W, b = rng.standard_normal((d, K)), np.array([0.5, -2.0, 1.0])
    objective = LinearObjective(mm.MultinomialLoss(K), X, Y, l2, block_rows=rows)
    used = objective.rows
    Z = X @ W + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    gamma = (math.log2(used) + math.ceil(n / used) + 2) * EPS
    dz = (d + 2) * EPS * (np.abs(X) @ np.abs(W) + np.abs(b))
    Hdz = P * dz - P * np.sum(P * dz, axis=1, keepdims=True)  # (diag(p) - p p') dz
    X1 = np.column_stack([X, np.ones(n)])
    bound = np.abs(X1).T @ (gamma * np.abs(P - Y) + np.abs(Hdz)) / n
    bound[:-1] += EPS * l2 * np.abs(W)
    found = survey(objective, np.vstack([W, b]).ravel(), margins=False, rounding=True)
    assert found.rounding == pytest.approx(float(np.max(bound)), rel=RTOL, abs=0.0)


def test_surveys_rounding_past_float64_is_infinite_without_a_warning() -> None:
    """A logit that cancels to 0 between terms of 1e200 (h = 1/4, dz ~ 1e185) makes the bound's
    sum |x| dz pass float64: the rounding is inf (no digit of the gradient known), and no
    RuntimeWarning (the suite makes them errors)."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import survey

    X, y = np.array([[1e200], [-1e200]]), np.array([0.0, 1.0])
    objective = LinearObjective(BinaryLoss, X, y, 0.0)
    found = survey(objective, np.array([1.0, -1e200]), margins=False, rounding=True)
    assert found.rounding == math.inf


@pytest.mark.parametrize("k", [7, 10])
def test_survey_calls_separated_every_margin_past_the_logits_rounding(k: int) -> None:
    """`separated` (`separates`): every margin m_i beyond 2 (d + 1) EPS s_i, s_i = |x_i| @ |w| +
    |b| the sample's own scale. At w = 1, b = -1 + k EPS, x = 1 the margin is k EPS exactly and
    the threshold 4 EPS (2 - k EPS): k = 10 passes it, k = 7 does not; a far sample of larger
    scale (x = 1000) does not raise the first one's threshold. Read a row a block, a sample that
    is not separated after one that is is still seen; with the columns asked too, their spread
    still covers every row."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import survey

    theta = np.array([1.0, -1.0 + k * EPS])
    X, y = np.array([[1000.0], [1.0]]), np.array([1.0, 1.0])
    for rows in (1, None):
        objective = LinearObjective(BinaryLoss, X, y, 0.0, block_rows=rows)
        found = survey(objective, theta, margins=True, rounding=False, columns=True)
        assert found.separated is (k == 10)
        assert found.spread is not None and np.array_equal(found.spread, [999.0])
        assert survey(objective, theta, margins=True, rounding=False).separated is (k == 10)
        # a wrong-side sample after them: not separated, and the spread still read to its row
        X3, y3 = np.array([[1000.0], [1.0], [5000.0]]), np.array([1.0, 1.0, 0.0])
        objective3 = LinearObjective(BinaryLoss, X3, y3, 0.0, block_rows=rows)
        for columns in (False, True):
            third = survey(objective3, theta, margins=True, rounding=False, columns=columns)
            assert third.separated is False
            if columns:
                assert third.spread is not None and np.array_equal(third.spread, [4000.0])
