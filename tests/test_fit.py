"""Training: both twins follow the same trajectory; GD descends; Newton reaches the optimum that GD
and the JAX twin reach; separation and non-convergence are reported. Oracles: test_oracles.py."""

import importlib
import inspect
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import manual
import reference
from manual.binary import BinaryLoss
from manual.linear import LinearObjective
from manual.solvers import SOLVERS
from tests.callers import assert_attributed_to, warned
from tests.strategies import TWIN_SHAPES, Problem, hard_label_problems, problems
from tests.tolerances import (
    EPS,
    ORACLE_LOSS_RTOL,
    TWIN_RTOL,
    assert_within,
    twin_gradient_scale,
    twin_loss_scale,
)

# data sets whose optimum is interesting but whose steps are not degenerate: features within two
# orders of magnitude, logits up to 40
train_problems = problems(
    [s for s in TWIN_SHAPES if s[0] >= 16],
    label_kinds=["random", "well_classified"],
    logit_scales=[0.1, 1.0, 5.0, 40.0],
)

# Trajectory tolerance. GD with lr <= 2/L on a convex L-smooth loss is non-expansive:
# ||T(a) - T(b)|| <= ||a - b||, so a difference of e per step between the twins' gradients (their
# rounding, TWIN_RTOL times the gradient scale) grows at most linearly: after K steps the iterates
# differ by <= K lr e. The losses then differ by their own rounding plus ||g|| times that.
TRAJECTORY_STEPS = 1000


def _with(P: Problem, w: np.ndarray, b: float) -> Problem:
    return Problem(w=w, b=b, X=P.X, y=P.y, l2=P.l2)


@settings(max_examples=20)  # each example is 1000 steps of both twins
@given(train_problems)
def test_gd_trajectories_of_the_twins_agree(P: Problem) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        m = manual.fit(P.X, P.y, solver="gd", max_iter=TRAJECTORY_STEPS, tol=0.0, l2=P.l2)
        r = reference.fit(P.X, P.y, solver="gd", max_iter=TRAJECTORY_STEPS, tol=0.0, l2=P.l2)
    assert m.n_iter == r.n_iter == TRAJECTORY_STEPS
    assert m.losses.shape == m.grad_norms.shape == (TRAJECTORY_STEPS + 1,)
    assert m.lr is not None and m.lr == r.lr
    zero = _with(P, np.zeros_like(P.w), 0.0)
    end = _with(P, m.w, m.b)
    per_step = TWIN_RTOL * np.maximum(twin_gradient_scale(zero), twin_gradient_scale(end))
    drift = TRAJECTORY_STEPS * m.lr * per_step  # bound on |theta_manual - theta_reference|
    assert_within("final (w, b)", np.append(m.w, m.b), np.append(r.w, r.b), drift)
    gmax = float(np.max(m.grad_norms)) * (P.X2.shape[1] + 1)
    loss_bound = TWIN_RTOL * max(twin_loss_scale(zero), twin_loss_scale(end)) + gmax * drift.max()
    assert_within("losses", m.losses, r.losses, loss_bound)
    # and, in the words of the contract, to 1e-10 relative where the numbers are not tiny
    assert np.all(np.abs(m.losses - r.losses) <= 1e-10 * np.abs(r.losses) + loss_bound)


@given(hard_label_problems())
def test_gd_with_lr_below_one_over_L_never_increases_the_loss(P: Problem) -> None:
    """Descent lemma: L(theta - g / L) <= L(theta) - ||g||^2 / (2 L); rounding allowed on top."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        res = manual.fit(P.X, P.y, solver="gd", max_iter=50, tol=0.0, l2=P.l2)
    rounding = (P.X2.shape[1] + 8) * EPS * twin_loss_scale(P)
    assert np.all(np.diff(res.losses) <= rounding + (P.X2.shape[1] + 8) * EPS * res.losses[:-1])
    assert res.losses[-1] <= res.losses[0]


def _nonseparable(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d)
    y = (rng.random(n) < manual.sigmoid(X @ w + 0.5)).astype(float)
    return X, y


@settings(max_examples=30)
@given(
    st.sampled_from([(40, 1), (128, 3), (300, 5)]),
    st.integers(0, 2**32 - 1),
    st.sampled_from([1e-3, 0.1]),
)
def test_newton_reaches_the_gd_optimum_and_the_twins_newton(
    shape: tuple[int, int], seed: int, l2: float
) -> None:
    X, y = _nonseparable(shape[0], shape[1], seed)
    newton = manual.fit(X, y, solver="newton", tol=1e-10, l2=l2)
    twin = reference.fit(X, y, solver="newton", tol=1e-10, l2=l2)
    gd = manual.fit(X, y, solver="gd", tol=1e-9, max_iter=200_000, l2=l2)
    assert newton.converged and twin.converged and gd.converged
    assert newton.n_iter <= 30
    # strong convexity: ||theta - theta*|| <= ||g|| sqrt(d + 1) / lambda_min(H), the gradient
    # being <= tol entrywise; factor 2 for the Hessian's change between the two points
    H = manual.hessian(newton.w, newton.b, X, y, l2)
    lam_min = float(np.linalg.eigvalsh(H)[0])
    radius = 2 * np.sqrt(shape[1] + 1) * (1e-9 + 1e-10) / lam_min
    theta = np.append(newton.w, newton.b)
    assert_within("GD optimum", np.append(gd.w, gd.b), theta, radius)
    assert_within("the twin's Newton optimum", np.append(twin.w, twin.b), theta, radius)


def test_tol_zero_runs_exactly_max_iter_and_records_every_iterate() -> None:
    X, y = _nonseparable(50, 2, 0)
    for solver in ("gd", "newton"):
        res = manual.fit(X, y, solver=solver, tol=0.0, max_iter=7)
        assert res.n_iter == 7 and len(res.losses) == len(res.grad_norms) == 8
        # the solvers sum block by block (manual.blocked): the order of the sums differs from
        # the public functions', by a few ulps of these sums of non-negative terms
        assert abs(res.losses[0] - manual.loss(np.zeros(2), 0.0, X, y)) <= 8 * EPS * res.losses[0]
        assert abs(res.losses[-1] - manual.loss(res.w, res.b, X, y)) <= 8 * EPS * res.losses[-1]
        P = Problem(w=res.w, b=res.b, X=X, y=y, l2=0.0)
        g = np.append(*manual.gradient(res.w, res.b, X, y))
        assert abs(res.grad_norms[-1] - np.abs(g).max()) <= TWIN_RTOL * twin_gradient_scale(P).max()


def test_gd_update_rule_is_the_contracts() -> None:
    X, y = _nonseparable(30, 2, 1)
    w0, b0, lr = np.array([0.3, -0.1]), 0.2, 0.05
    res = manual.fit(X, y, solver="gd", lr=lr, max_iter=1, tol=0.0, w0=w0, b0=b0)
    gw, gb = manual.gradient(w0, b0, X, y)
    P = Problem(w=w0, b=b0, X=X, y=y, l2=0.0)
    step_error = lr * TWIN_RTOL * twin_gradient_scale(P)  # the blocked sums' order, see above
    assert_within(
        "one GD step", np.append(res.w, res.b), np.append(w0 - lr * gw, b0 - lr * gb), step_error
    )
    assert np.array_equal(w0, [0.3, -0.1])  # the start is not changed in place


def test_newton_stops_cleanly_on_singular_hessians() -> None:
    """l2 = 0 with a constant and a duplicated column: H is singular, Newton still converges."""
    X, y = _nonseparable(200, 3, 2)
    X = np.column_stack([X, X[:, 0], np.full(200, 3.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", manual.LogregWarning)
        res = manual.fit(X, y, solver="newton", tol=1e-10)
    assert res.converged and res.n_iter <= 30
    ref = manual.fit(X[:, :3], y, solver="newton", tol=1e-10)
    assert abs(res.losses[-1] - ref.losses[-1]) <= 8 * EPS * ref.losses[-1]


@pytest.mark.parametrize("solver", ["gd", "newton"])
@pytest.mark.parametrize("gap", [1.0, 1e-6, 0.0])
def test_separable_data_are_detected_with_and_without_a_gap(solver: str, gap: float) -> None:
    """Two classes on either side of x = 0, `gap` apart (0: they touch at one point apart by 1e-3
    of the spread); one class only is separable too."""
    rng = np.random.default_rng(3)
    x = np.concatenate([-rng.uniform(0, 1, 40) - gap / 2, rng.uniform(0, 1, 40) + gap / 2])
    X = np.column_stack([x, rng.standard_normal(80)])
    y = (x > 0).astype(float)
    with pytest.warns(manual.SeparationWarning, match="linearly separable"):
        res = manual.fit(X, y, solver=solver, max_iter=2000)
    assert res.separable and np.all(np.isfinite(res.w)) and np.isfinite(res.b)
    with pytest.warns(manual.SeparationWarning):
        reference.fit(X, y, solver=solver, max_iter=2000)
    with pytest.warns(manual.SeparationWarning):
        manual.fit(X, np.ones(80), solver=solver)
    with warnings.catch_warnings():  # a penalty makes the optimum finite: no warning
        warnings.simplefilter("error", manual.LogregWarning)
        assert not manual.fit(X, y, solver=solver, l2=0.1, max_iter=5000).separable


def test_overlapping_classes_are_not_called_separable() -> None:
    X, y = _nonseparable(300, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", manual.LogregWarning)
        assert not manual.fit(X, y, solver="newton", tol=1e-10).separable


def test_non_convergence_warns_with_the_gradient_norm_and_advice() -> None:
    X, y = _nonseparable(100, 2, 5)
    X[:, 1] *= 100.0  # badly scaled
    with pytest.warns(manual.ConvergenceWarning, match=r"gradient norm .* > tol .*scale"):
        res = manual.fit(X, y, solver="gd", max_iter=20)
    assert not res.converged
    with pytest.warns(manual.ConvergenceWarning, match="the loss rose .* too large"):
        manual.fit(X, y, solver="gd", lr=1.0, max_iter=20)


def test_each_warning_of_a_finished_run_states_its_fact_only_where_it_holds() -> None:
    """`conclude`, the ConvergenceWarnings every model's fit owes after its run: columns that tol
    cannot see (spread <= tol) and columns too far from 0 for their spread are named by index, the
    remedy solver='newton' is offered only to a solver whose steps depend on the coordinates, and
    a run that ended short of tol gets the advice read against the gradient's rounding it is
    given. Nothing where the data have no finite optimum (that warning is given already), nothing
    at tol = 0; gd's step is returned, None for the others."""
    from manual.diagnostics import conclude
    from manual.options import FitOptions
    from manual.solvers import Trajectory

    done = Trajectory(np.zeros(3), np.array([0.7, 0.6]), np.array([1e-3, 1e-9]), True, False)
    stuck = Trajectory(np.zeros(3), np.array([0.7, 0.6]), np.array([1e-2, 1e-3]), False, True)

    def said(solver: str, run: Trajectory, tol: float = 1e-8, **found: Any) -> list[str]:
        options = FitOptions.checked(solver=solver, lr=0.5, max_iter=1, tol=tol, l2=0.0)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            lr = conclude(options, options.make_solver(lambda: 1.0), run, **found)
        assert lr == (0.5 if solver == "gd" else None)
        assert all(issubclass(r.category, manual.ConvergenceWarning) for r in record)
        return [str(r.message) for r in record]

    for solver in ("gd", "newton"):
        assert said(solver, done, no_optimum=False) == []
        assert said(solver, stuck, no_optimum=True, blind=[1], uncentred=[0], rounding=1e-12) == []
        assert said(solver, stuck, tol=0.0, no_optimum=False) == []
        (blind,) = said(solver, done, no_optimum=False, blind=[1, 2])
        assert "column(s) [1, 2] of X" in blind
        assert ("solver='newton'" in blind) == (solver == "gd")
        (uncentred,) = said(solver, done, no_optimum=False, uncentred=[0, 2])
        assert "column(s) [0, 2] of X" in uncentred
        (short,) = said(solver, stuck, no_optimum=False, rounding=1e-12)
        assert short.startswith(f"{solver} stopped after 1 steps") and "NOT the optimum" in short
        (reached,) = said(solver, stuck, no_optimum=False, rounding=1e-2)
        assert "optimum is reached" in reached


def test_the_advice_reports_the_run_and_reads_its_last_gradient_against_its_rounding() -> None:
    """The ConvergenceWarning's text opens with the solver, the steps taken (len(losses) - 1),
    the final gradient norm and tol. The optimum is called reached exactly where the final norm
    is within its rounding (<=, whatever the earlier norms were), stalled or not; above it, the
    text says how many times its rounding the gradient is; a rise is judged against the rounding
    of the loss it rose from."""
    from manual.diagnostics import advice

    losses, norms = np.array([1.0, 0.9, 0.8, 0.7]), np.array([2.0, 0.5, 0.25, 1e-3])
    head = "newton stopped after 3 steps with gradient norm 1.000e-03 > tol = 1.000e-08: "
    for stalled in (False, True):
        at = advice("newton", None, losses, norms, 1e-8, stalled, lr_given=False, rounding=1e-3)
        assert at.startswith(head)
        assert "optimum is reached" in at and "(its rounding at these weights: 1.0e-03)" in at
    far = advice("newton", None, losses, norms, 1e-8, True, lr_given=False, rounding=1e-6)
    assert far.startswith(head) and "reached" not in far
    assert "1.0e+03 times its own rounding (1.0e-06)" in far
    unknown = advice("newton", None, losses, norms, 1e-8, True, lr_given=False)
    assert "optimum is reached" in unknown and "rounding at these weights" not in unknown
    assert "None" not in unknown  # an unknown rounding is left out, not printed
    # 100 ulps up from 1e-3: a rise there, though far below the rounding of the first loss, 1.0
    rose = np.array([1.0, 1e-3, 1e-3 * (1 + 100 * EPS)])
    assert "too large" in advice("gd", 2.0, rose, norms[:3], 1e-8, False, lr_given=True)


def _logistic_feature() -> tuple[np.ndarray, np.ndarray]:
    """u uniform in (-1, 1) and labels from P(y = 1) = sigmoid(2 u): 200 samples, seed 0."""
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, 200)
    return u, (rng.random(200) < manual.sigmoid(2 * u)).astype(float)


def _offset_data() -> tuple[np.ndarray, np.ndarray, manual.FitResult]:
    """x = 3e4 + u (an offset 1.5e4 times its spread, u in (-1, 1)) and its optimum, from Newton
    (which centres the column itself): the gradient there (~2e-8) lies well within its rounding
    (~5e-7: the logits' rounding, 3e4 EPS a sample, times x)."""
    u, y = _logistic_feature()
    X = (3e4 + u)[:, None]
    optimum = manual.fit(X, y, solver="newton", tol=1e-10)
    assert optimum.converged
    return X, y, optimum


def test_a_run_stopped_at_the_optimum_short_of_tol_is_told_the_optimum_is_reached() -> None:
    """A run that max_iter ends short of tol, at a point whose gradient is within its own rounding
    (the optimum, as far as float64 can tell), is told so, whatever the solver: not to raise
    max_iter, since no step could lower the gradient further."""
    X, y, optimum = _offset_data()
    for solver in ("gd", "newton"):
        res, record = warned(
            manual.fit, X, y, solver=solver, w0=optimum.w, b0=optimum.b, max_iter=0, tol=1e-12
        )
        assert not res.converged and not res.separable
        (said,) = [str(r.message) for r in record]
        assert said.startswith(f"{solver} stopped after 0 steps") and "optimum is reached" in said


def test_a_column_far_from_0_for_its_spread_is_named_where_gd_reaches_tol_not_newton() -> None:
    """gd's steps depend on the coordinates: where it reaches tol on a column whose |mean| passes
    1e4 times its spread, tol does not certify the optimum, and the warning names the column.
    The solvers that centre the columns themselves reach tol there with nothing to say."""
    X, y, optimum = _offset_data()
    start = {"w0": optimum.w, "b0": optimum.b, "tol": 1e-4}
    res, record = warned(manual.fit, X, y, solver="gd", **start)
    assert res.converged
    (said,) = [str(r.message) for r in record]
    assert issubclass(record[0].category, manual.ConvergenceWarning)
    assert "column(s) [0] of X" in said and "far from 0" in said
    for solver in ("newton", "lbfgs", "newton-cg"):
        res, record = warned(manual.fit, X, y, solver=solver, **start)
        assert res.converged and record == []


def test_a_run_that_ends_short_of_tol_gets_the_advice_and_no_claim_to_have_reached_it() -> None:
    """The warnings about columns that tol cannot see (spread <= tol) or cannot certify (far from
    0 for their spread) belong to a run that reached tol: one that max_iter ends short of it gets
    the advice alone, at l2 = 0 and l2 > 0."""
    rng = np.random.default_rng(1)
    u, v, t = rng.uniform(-1, 1, (3, 100))
    y = (rng.random(100) < manual.sigmoid(2 * u)).astype(float)
    X = np.column_stack([u, 3e4 + v, 1.0 + 1e-10 * t])  # far from 0; a spread of 2e-10 < tol
    for l2 in (0.0, 1e-3):
        res, record = warned(manual.fit, X, y, solver="gd", max_iter=3, l2=l2)
        assert not res.converged
        (said,) = [str(r.message) for r in record]
        assert said.startswith("gd stopped after 3 steps") and "column" not in said


def test_tol_zero_claims_nothing_even_at_a_gradient_of_exactly_0() -> None:
    """tol = 0 asks for max_iter steps, not for a verdict: no ConvergenceWarning, even where the
    gradient is exactly 0 on a column far from 0 for its spread (a zero gradient is the optimum
    whatever the conditioning). x = 3e4 +- 1 with both labels at each value: at theta = 0,
    dL/dw = mean((1/2 - y) x) sums to exactly 0."""
    X = np.array([[3e4 + 1], [3e4 - 1], [3e4 + 1], [3e4 - 1]])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    for solver in SOLVERS:
        res, record = warned(manual.fit, X, y, solver=solver, max_iter=2, tol=0.0)
        assert res.n_iter == 2 and np.all(res.grad_norms == 0.0) and record == []


def test_data_without_an_optimum_get_the_separation_warning_alone() -> None:
    """Where the data are separable, the SeparationWarning says all there is: a run that max_iter
    ended short of tol there gets no ConvergenceWarning (raising max_iter would not help)."""
    rng = np.random.default_rng(5)
    x = np.concatenate([-rng.uniform(0.5, 1, 20), rng.uniform(0.5, 1, 20)])
    X, y = x[:, None], (x > 0).astype(float)
    for solver in ("gd", "newton"):
        res, record = warned(manual.fit, X, y, solver=solver, max_iter=3)
        assert res.separable and not res.converged
        assert [r.category for r in record] == [manual.SeparationWarning]


def test_newton_from_a_start_its_scaled_coordinates_cannot_hold_runs_on_x_itself() -> None:
    """x = 737 u (u in (-1, 1)) is scaled by c = 1024 for Newton, so that the start w0 = 2^1014
    (every logit finite, |x w0| <= 1.3e308) is c w0 = 2^1024 = inf in those coordinates: the run
    then starts from w0 on X itself, and reaches the optimum that a start from 0 reaches."""
    u, y = _logistic_feature()
    X = (737.0 * u)[:, None]
    near = manual.fit(X, y, solver="newton")
    far = manual.fit(X, y, solver="newton", w0=np.array([2.0**1014]))
    assert near.converged and far.converged and far.n_iter > near.n_iter
    assert abs(far.losses[-1] - near.losses[-1]) <= ORACLE_LOSS_RTOL * near.losses[-1]


def test_newton_refuses_weights_past_float64_in_the_users_units() -> None:
    """A column of 1e-307 u: Newton runs on it scaled by c ~ 2^-1020 (exact), where the weight's
    optimum, ~40 for labels this close to sign(u), is fine; in the user's units it is 40 / c
    ~ 4e308, past float64. fit refuses with a ValueError that says what overflows, rather than
    returning an infinite weight."""
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, 200)
    y = (u + 0.05 * rng.standard_normal(200) > 0).astype(float)
    with pytest.raises(ValueError, match="overflows float64"):
        manual.fit((1e-307 * u)[:, None], y, solver="newton")


def test_examine_reports_what_it_was_asked_whatever_its_verdict() -> None:
    """`examine`'s Examination, at the end of a run: no_optimum on complete separation (a final
    theta with every margin beyond rounding, or a loss below log(2) / n at any iterate, whatever
    theta), on quasi-complete separation, and not on overlapping classes at l2 = 0 or l2 > 0;
    with, whatever that verdict, the gradient's rounding at theta where the run ended short of
    tol (`survey`'s: None where not asked), the blind columns (spread <= blind_below) and those
    far from 0 for their spread where asked."""
    from manual.diagnostics import examine, survey

    log2 = math.log(2.0)

    def examined(
        X: np.ndarray, y: np.ndarray, theta: np.ndarray, l2: float = 0.0, **asked: Any
    ) -> tuple[Any, list[str]]:
        objective = LinearObjective(BinaryLoss, X, y, l2)
        losses = asked.pop("losses", np.array([log2]))
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always", manual.LogregWarning)
            found = examine(objective, theta, losses, 2, 2, **asked)
        assert all(issubclass(r.category, manual.SeparationWarning) for r in record)
        if asked.get("unfinished"):
            want = survey(objective, theta, margins=False, rounding=True).rounding
            assert want is not None and found.rounding == want
        else:
            assert found.rounding is None
        return found, [str(r.message) for r in record]

    # complete: x_0 separates; x_1 spreads over 2e-10 about 1 (blind at 1e-8), x_2 = 3e4 + O(1)
    s, t = np.array([-2.0, -1.0, 1.0, 2.0]), np.array([1.0, -1.0, 0.0, 1.0])
    X = np.column_stack([s, 1.0 + 1e-10 * t, 3e4 + t])
    y, theta = (s > 0).astype(float), np.array([10.0, 0.0, 0.0, 0.0])
    asked = {"blind_below": 1e-8, "offsets": True}
    for unfinished in (True, False):
        found, said = examined(X, y, theta, unfinished=unfinished, **asked)
        assert found.no_optimum and found.blind == [1] and found.uncentred == [2]
        assert len(said) == 1 and "linearly separable" in said[0]
    found, said = examined(X, y, theta, unfinished=False)  # nothing else asked: still one pass
    assert found.no_optimum and found.blind == [] and found.uncentred == []
    bound = log2 / 4
    found, said = examined(X, y, np.zeros(4), unfinished=False, losses=np.array([log2, bound / 2]))
    assert found.no_optimum and len(said) == 1
    # quasi-complete: three samples on x_0 = 0 with both labels, the rest separated by x_0,
    # theta = (30, 1, 0, 0) (a stray x_1 part); x_2 = 3e4 + O(1)
    Xq = np.array(
        [[-2.0, 1.0], [-1.0, -1.0], [0.0, 1.0], [0.0, -1.0], [0.0, 0.5], [1.0, 1.0], [2.0, -1.0]]
    )
    yq = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    Xq = np.column_stack([Xq, 3e4 + np.array([0.0, 1.0, -1.0, 0.5, 0.0, 2.0, -2.0])])
    found, said = examined(Xq, yq, np.array([30.0, 1.0, 0.0, 0.0]), unfinished=True, **asked)
    assert found.no_optimum and found.blind == [] and found.uncentred == [2]
    assert len(said) == 1 and "quasi-completely separated" in said[0]
    # overlapping: both labels at each x
    Xo, yo = np.array([[1.0], [1.0], [-1.0], [-1.0]]), np.array([0.0, 1.0, 0.0, 1.0])
    for l2 in (0.0, 0.1):
        found, said = examined(Xo, yo, np.zeros(2), l2, unfinished=True)
        assert not found.no_optimum and said == []


@pytest.mark.parametrize(
    ("kwargs", "kind", "words"),
    [
        ({"solver": "sgd"}, ValueError, f"solver must be one of {tuple(SOLVERS)}, got 'sgd'"),
        ({"lr": 0.0}, ValueError, "lr must lie in (0.0, inf); got 0.0"),
        ({"lr": -1.0}, ValueError, "lr must lie in (0.0, inf); got -1.0"),
        ({"lr": np.nan}, ValueError, "lr must be finite"),
        ({"max_iter": 1e7}, TypeError, "max_iter must be an int, got float"),
        ({"max_iter": -1}, ValueError, "max_iter must be an int >= 0; got -1"),
        ({"tol": -1e-3}, ValueError, "tol must lie in [0.0, inf)"),
        ({"l2": -1.0}, ValueError, "l2 must lie in [0.0, inf)"),
        ({"w0": np.zeros(3)}, ValueError, "w0 must have shape (d,) = (2,)"),
        ({"b0": "0"}, TypeError, "b0 must be a real number"),
    ],
)
def test_fit_refuses_bad_arguments(kwargs: dict, kind: type, words: str) -> None:
    X, y = _nonseparable(20, 2, 6)
    for twin in (manual, reference):
        with pytest.raises(kind) as info:
            twin.fit(X, y, **kwargs)
        assert words in str(info.value)


def test_fit_asks_for_hard_labels() -> None:
    X, _ = _nonseparable(20, 2, 6)
    with pytest.raises(ValueError, match=r"y must hold labels 0 or 1; .* y\[0\] = 0.5"):
        manual.fit(X, np.full(20, 0.5))


def test_the_callback_sees_every_iterate_as_recorded() -> None:
    """callback(k, w, b, loss, grad_w, grad_b) at k = 0 (the start), 1, ..., n_iter: the values
    that FitResult records, the start included."""
    X, y = _nonseparable(30, 2, 12)
    for solver in ("gd", "newton"):
        seen: list[tuple] = []

        def record(k: int, w: np.ndarray, b: float, f: float, gw: np.ndarray, gb: float) -> None:
            seen.append((k, w.copy(), b, f, gw.copy(), gb))  # noqa: B023 (used within the loop)

        res = manual.fit(X, y, solver=solver, max_iter=5, tol=0.0, b0=0.25, callback=record)
        assert [s[0] for s in seen] == list(range(res.n_iter + 1)) == list(range(6))
        assert np.array_equal(seen[0][1], np.zeros(2)) and seen[0][2] == 0.25
        assert [s[3] for s in seen] == res.losses.tolist()
        norms = [max(np.max(np.abs(s[4])), abs(s[5])) for s in seen]
        assert norms == res.grad_norms.tolist()
        assert np.array_equal(seen[-1][1], res.w) and seen[-1][2] == res.b


def test_one_class_has_no_optimum_whatever_the_penalty() -> None:
    """With every label the same, moving b alone lowers every l_i towards 0, and the penalty never
    touches b: no finite optimum for any l2 (DERIVATION.md). Every solver of both twins warns."""
    X, y = np.array([[0.0], [1.0], [2.0]]), np.ones(3)
    for twin in (manual, reference):
        for solver in SOLVERS:
            for l2 in (0.0, 1e-3, 1.0):
                for labels in (y, 1 - y):
                    with pytest.warns(manual.SeparationWarning, match="one class only"):
                        res = twin.fit(X, labels, solver=solver, l2=l2)
                    assert res.separable


def _count_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """[passes over X so far]: LinearObjective.blocks counted (80 samples are one block, read by
    one thread: one call a pass)."""
    from manual.linear import LinearObjective

    passes = [0]
    blocks = LinearObjective.blocks

    def counted(self: LinearObjective, *rows: int) -> object:
        passes[0] += 1
        return blocks(self, *rows)

    monkeypatch.setattr(LinearObjective, "blocks", counted)
    return passes


def test_fit_spends_at_most_one_pass_over_x_beyond_its_iterations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GD with max_iter = k evaluates the loss and gradient k + 1 times (one pass over X each), and
    what follows the run (the separation certificate) at most one pass more on these sets (no
    sample pushed to its side after so few steps), whether or not the run converged: no hidden
    probe."""
    passes = _count_passes(monkeypatch)
    rng = np.random.default_rng(4)
    x = np.concatenate([-rng.uniform(0, 1, 40) - 1e-6, rng.uniform(0, 1, 40) + 1e-6])
    separable = (np.column_stack([x, rng.standard_normal(80)]), (x > 0).astype(float))
    for X, y in (_nonseparable(80, 2, 7), separable):
        for k in (1, 2, 5):
            passes[0] = 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", manual.LogregWarning)
                manual.fit(X, y, solver="gd", max_iter=k, lr=0.1)
            assert passes[0] <= k + 2, (k, passes[0])


def test_fit_spends_at_most_three_passes_over_x_on_a_quasi_complete_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The most that follows a run: GD stopped short of tol, started far along the separating
    direction so that samples are pushed to their side, at l2 = 0 on quasi-separated data: one
    pass for the margins and the gradient's rounding, one for the certificate's Gram matrices,
    one to check its direction; k + 1 for the run's own loss and gradient. The certificate is
    found."""
    passes = _count_passes(monkeypatch)
    rng = np.random.default_rng(4)
    x = np.concatenate([-rng.uniform(0.1, 1, 30), rng.uniform(0.1, 1, 30), np.zeros(20)])
    y = np.concatenate([np.zeros(30), np.ones(30), np.arange(20) % 2])
    X = np.column_stack([x, rng.standard_normal(80)])
    for k in (1, 2, 5):
        passes[0] = 0
        with pytest.warns(manual.SeparationWarning, match="quasi-completely separated"):
            res = manual.fit(X, y, solver="gd", max_iter=k, lr=0.1, w0=np.array([100.0, 0.0]))
        assert res.separable and not res.converged
        assert passes[0] <= k + 4, (k, passes[0])


def test_a_loss_below_log2_over_n_certifies_separation() -> None:
    """Every l_i < log 2 puts every point on its side, so a loss below log(2) / n (less a 1e-12
    margin for its rounding) certifies separability by itself, even where the final (w, b) = 0
    puts no point strictly on its side."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import separates
    from manual.linear import LinearObjective

    X, y = _nonseparable(20, 2, 8)
    objective, theta = LinearObjective(BinaryLoss, X, y, 0.0), np.zeros(3)
    bound = math.log(2.0) / 20
    assert separates(objective, theta, np.array([1.0, 0.5 * bound]))
    assert not separates(objective, theta, np.array([1.0, 1.5 * bound]))


def test_a_loss_of_log2_over_n_with_a_sample_on_the_boundary_certifies_nothing() -> None:
    """The bound is strict: two samples pushed far to their side (l_i = 0 in float64) and one
    on the boundary (z_i = 0, l_i = log 2) give a loss of exactly log(2) / n, and that point is
    not strictly on its side (quasi-complete separation, not complete)."""
    from manual.diagnostics import separates

    X, y = np.array([[-1.0], [1.0], [0.0]]), np.array([0.0, 1.0, 1.0])
    objective, theta = LinearObjective(BinaryLoss, X, y, 0.0), np.array([1e3, 0.0])
    at = manual.loss(theta[:-1], theta[-1], X, y)
    assert at == math.log(2.0) / 3  # the two pushed samples' losses underflow to 0
    assert not separates(objective, theta, np.array([at]))


def test_a_final_iterate_with_every_margin_beyond_rounding_certifies_separation() -> None:
    """(2 y_i - 1) z_i beyond the rounding of z_i for every i: each point is strictly on its side,
    however thin the margin; a margin of 0, or within the rounding of z_i, is not."""
    from manual.binary import BinaryLoss
    from manual.diagnostics import separates
    from manual.linear import LinearObjective

    X, y = np.array([[-1.0], [1.0]]), np.array([0.0, 1.0])
    objective, high = LinearObjective(BinaryLoss, X, y, 0.0), np.array([1.0])

    def certified(w: float, b: float) -> bool:
        return separates(objective, np.array([w, b]), high)

    assert certified(1.0, 0.0) and certified(2.0, 0.5)
    assert not certified(-1.0, 0.0) and not certified(1.0, 1.5) and not certified(0.0, 0.0)
    assert not certified(1.0, -1.0)  # z_2 = 0
    assert not certified(1.0, -1.0 + EPS)  # z_2 = 2.2e-16: within the rounding of 1 + b
    assert certified(1.0, -1.0 + 1e-12)


def test_newton_direction_is_the_minimum_norm_solution() -> None:
    """The minimum norm in the scale of H's diagonal: d = s^-1 Hs^+ (g / s), s = sqrt(diag H).
    For a positive definite H it solves H d = g; for a singular H and g in H's range (a linear
    model's gradient always is) it still solves H d = g, and s * d has no component in Hs's null
    space s * null(H) (the least ||s * d||). The cutoff is relative to Hs, whose diagonal is 1:
    scaling H by c scales d by 1 / c, and scaling coordinate j by c_j (H -> C H C, g -> C g)
    scales d_j by 1 / c_j, at any condition number."""
    from manual.solvers.newton import newton_direction

    rng = np.random.default_rng(9)
    A = rng.standard_normal((4, 4))
    H, g = A @ A.T + 4 * np.eye(4), rng.standard_normal(4)
    assert_within("H d = g", H @ newton_direction(H, g), g, 64 * EPS * np.abs(g).max())
    B = rng.standard_normal((5, 3))
    S = B @ B.T  # rank 3 of 5
    lam, V = np.linalg.eigh(S)
    null = V[:, lam < 1e-10 * lam.max()]
    g5 = S @ rng.standard_normal(5)  # in S's range
    d = newton_direction(S, g5)
    assert np.abs(null.T @ (np.diagonal(S) * d)).max() <= 1e-12 * np.abs(np.diagonal(S) * d).max()
    assert_within("H d = g", S @ d, g5, 1e-12 * np.abs(g5).max())
    for c in (1e-200, 1e-8, 1e8, 1e200):
        assert_within("scaled", newton_direction(c * S, g5) * c, d, 1e-12 * np.abs(d).max())
    units = np.array([1e-10, 1.0, 1e10, 1e100, 1e-100])  # a feature's units, one per coordinate
    CSC = S * units[:, None] * units[None, :]
    assert_within("units", newton_direction(CSC, units * g5) * units, d, 1e-12 * np.abs(d).max())
    assert np.array_equal(newton_direction(np.zeros((2, 2)), np.ones(2)), np.zeros(2))


def test_newton_direction_is_finite_where_the_curvature_is_subnormal() -> None:
    """Where a curvature is subnormal and its gradient is not (far from the optimum, a sample's
    p (1 - p) underflows while its residual p - y does not), H d = g has no finite solution: H_22 =
    1e-320 and g_2 = 1e-10 ask for d_2 = 1e310. That eigenvalue is below the rounding of H's
    largest (2 EPS * 1), so the direction treats it as zero, d = H^+ g = (1, 0), finite, without
    an overflow warning (RuntimeWarnings are errors in this suite); it still solves H d = g in
    the direction that H resolves, and stays a descent direction (g.d > 0)."""
    from manual.solvers.newton import newton_direction

    H, g = np.diag([1.0, 1e-320]), np.array([1.0, 1e-10])
    d = newton_direction(H, g)
    assert np.array_equal(d, np.array([1.0, 0.0]))
    assert float(g @ d) > 0.0
    # the same in any coordinates that mix the two: the resolved direction is kept, at 1
    c = np.sqrt(0.5)
    Q = np.array([[c, -c], [c, c]])
    dq = newton_direction(Q @ H @ Q.T, Q @ g)
    assert np.all(np.isfinite(dq))
    assert_within("H^+ g", dq, Q @ np.array([1.0, 0.0]), 8 * EPS)


def test_newton_direction_is_finite_where_even_the_scaled_gradient_overflows() -> None:
    """The solve is made in the coordinates of unit curvature, g / s with s = sqrt(diag H); where
    the curvature is subnormal and the gradient large (a residual times a feature of 1e150),
    g_2 / s_2 = 1e150 / 1e-160 passes the largest float. The direction is then solved in H's own
    coordinates: still H^+ g with the subnormal eigenvalue treated as zero, d = (1, 0), finite,
    a descent direction, and without an overflow warning (RuntimeWarnings are errors here)."""
    from manual.solvers.newton import newton_direction

    H, g = np.diag([1.0, 1e-320]), np.array([1.0, 1e150])
    with np.errstate(over="ignore"):
        assert not np.isfinite(g[1] / np.sqrt(H[1, 1]))  # the case this test is about
    d = newton_direction(H, g)
    assert np.array_equal(d, np.array([1.0, 0.0]))
    assert float(g @ d) > 0.0


class _Quadratic:
    """A made-up objective for the solvers alone: L = |theta|^2 / 2 + offset, whose Hessian is
    reported as h I (h = 1: exact; other h: the step is 1 / h times Newton's)."""

    def __init__(self, h: float, offset: float = 0.0) -> None:
        self.h, self.offset = h, offset

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return float(theta @ theta) / 2 + self.offset, theta.copy()

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return self.h * np.eye(len(theta))

    def hvp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        return self.h * u


@given(st.floats(0.3, 5.0), st.floats(1e-3, 1e3), st.floats(0.0, 1e6))
def test_every_newton_step_passes_armijos_test(h: float, scale: float, offset: float) -> None:
    """Whatever the curvature reported (h I, so that the full step overshoots or falls short), the
    step taken lowers L by at least C t g.d less the loss's rounding slack: Armijo's test."""
    from manual.solvers import Iterate, Newton
    from manual.solvers.line_search import ARMIJO_C, loss_slack

    objective = _Quadratic(h, offset)
    theta = scale * np.array([1.0, -2.0, 3.0])
    f, g = objective.loss_and_gradient(theta)
    stepped = Newton().step(objective, Iterate(theta, f, g))
    assert stepped is not None
    s = theta - stepped.theta  # t d
    assert stepped.loss <= f - ARMIJO_C * float(g @ s) + loss_slack(f)
    assert stepped.loss < f


def test_a_stalled_solver_stops_and_says_so_but_tol_zero_takes_max_iter_steps() -> None:
    """An objective whose loss every step raises (its gradient says otherwise): the line search
    gives up; with tol > 0 the run stops there and the warning says the optimum is reached as far
    as float64 can tell; with tol = 0 it takes the max_iter steps the contract asks for, all of
    length 0, and searches no more once stalled."""
    from manual.solvers import Newton, minimize

    class Flat(_Quadratic):
        hessians = 0

        def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
            return 1.0 + 1e-15 * bool(np.any(theta != 0)), np.ones(len(theta))

        def hessian(self, theta: np.ndarray) -> np.ndarray:
            self.hessians += 1
            return np.eye(len(theta))

    stopped = minimize(Flat(1.0), np.zeros(3), Newton(), max_iter=9, tol=1e-3)
    assert stopped.n_iter == 0 and stopped.stalled is True and not stopped.converged
    # a run whose steps lower the loss is not stalled (`Trajectory.stalled` is a bool either way)
    plain = minimize(_Quadratic(1.0), np.ones(3), Newton(), max_iter=9, tol=1e-3)
    assert plain.converged and plain.stalled is False
    objective = Flat(1.0)
    full = minimize(objective, np.zeros(3), Newton(), max_iter=9, tol=0.0)
    assert full.n_iter == 9 and np.array_equal(full.losses, np.ones(10))
    assert np.array_equal(full.theta, np.zeros(3)) and objective.hessians == 1


def test_gd_with_the_default_step_is_not_told_its_step_is_too_large() -> None:
    """The default lr = 1 / L never raises the loss beyond its rounding; a rise of a few ulps must
    not be read as "lr too large". A given lr that does raise it is."""
    X, y = _nonseparable(100, 2, 5)
    X[:, 1] *= 100.0
    with pytest.warns(manual.ConvergenceWarning) as record:
        manual.fit(X, y, solver="gd", max_iter=20)
    assert "too large" not in str(record[0].message)


# 720 and -720: every sample's curvature p (1 - p) ~ e^-720 is subnormal (e^-708 to e^-745) while
# the residual p - y of the misclassified one is 1, so H^+ g is longer than the largest float
@pytest.mark.parametrize("w0", [300.0, 700.0, 705.0, 720.0, -720.0])
def test_newton_recovers_from_a_start_where_the_curvature_underflows(
    w0: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At logits of hundreds p (1 - p) ~ exp(-|z|) underflows: H^+ g is 1e130 long or more (past
    the largest float where the curvature is subnormal), and the t whose Armijo margin exceeds the
    loss are skipped without a pass; the loss is near its linear asymptote there (g.theta ~ L), and
    the straight step towards theta = 0 takes over: the run reaches the optimum that a start from 0
    reaches, without an overflow warning, in fewer than 10 passes over X a step (not the 400 to 1000
    halvings of t, one pass each, that H^+ g alone would take)."""
    from manual.linear import LinearObjective

    passes = [0]
    loss_and_gradient = LinearObjective.loss_and_gradient

    def counted(self: LinearObjective, theta: np.ndarray) -> tuple[float, np.ndarray]:
        passes[0] += 1
        return loss_and_gradient(self, theta)

    monkeypatch.setattr(LinearObjective, "loss_and_gradient", counted)
    X, y = np.array([[-1.0], [1.0], [2.0]]), np.array([0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning, no ConvergenceWarning
        far = manual.fit(X, y, solver="newton", tol=1e-10, w0=np.array([w0]))
    assert far.converged and far.n_iter <= 30 and passes[0] <= 10 * far.n_iter
    near = manual.fit(X, y, solver="newton", tol=1e-10)
    assert np.all(np.diff(far.losses) <= 0)
    assert abs(far.losses[-1] - near.losses[-1]) <= 8 * EPS * near.losses[-1]
    X2, y2 = _nonseparable(200, 2, 10)
    far2 = manual.fit(X2, y2, solver="newton", tol=1e-10, w0=np.array([w0, -w0]))
    near2 = manual.fit(X2, y2, solver="newton", tol=1e-10)
    assert far2.converged and abs(far2.losses[-1] - near2.losses[-1]) <= 8 * EPS * near2.losses[-1]


def test_every_warning_names_the_callers_line_and_says_it_all() -> None:
    """Raised deep inside (fit -> run, the JAX twin's fit -> run, check_gradient), each warning
    is attributed to the line that called the project: this file."""
    from manual.mistakes import flat

    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([0.0, 0.0, 1.0])  # separable
    for fit in (manual.fit, reference.fit):
        with pytest.warns(manual.SeparationWarning) as record:
            fit(X, y, solver="newton")
        assert len(record) == 1
        assert_attributed_to(record, __file__)
        assert str(record[0].message) == (
            "the data are linearly separable: some (w, b) puts every sample on its own side, so "
            "the loss goes to 0 as ||w|| grows and the maximum-likelihood weights do not exist. "
            "The weights returned are finite only because the run stopped (at tol or max_iter); "
            "add a penalty l2 > 0 for a unique finite optimum."
        )
        with pytest.warns(manual.ConvergenceWarning) as record:
            fit(X, np.array([0.0, 1.0, 0.0]), solver="gd", max_iter=1)
        assert len(record) == 1
        assert_attributed_to(record, __file__)
    f, g = flat(X, np.array([0.0, 1.0, 0.0]))
    with pytest.warns(manual.GradientCheckWarning) as record:
        manual.check_gradient(f, g, np.zeros(2, dtype=np.float32))
    assert len(record) == 1
    assert_attributed_to(record, __file__)


def test_tol_zero_takes_max_iter_steps_even_at_a_zero_gradient_and_tol_is_reached_at_equality() -> (
    None
):
    """x = 1 for both samples, one of each label: at w = b = 0 the gradient is exactly 0 (the
    optimum). tol = 0 still takes max_iter steps (the contract), and a tol equal to the
    starting gradient norm stops at once, converged. The default max_iter is 1000."""
    X, y = np.ones((2, 1)), np.array([1.0, 0.0])
    for solver in ("gd", "newton"):
        res = manual.fit(X, y, solver=solver, tol=0.0, max_iter=5)
        assert res.n_iter == 5 and np.all(res.grad_norms == 0.0)
        assert res.solver == solver  # and lr: gd's default 1 / L, none for Newton
        assert res.lr == (1 / manual.lipschitz(X, 0.0) if solver == "gd" else None)
    X2, y2 = np.array([[1.0], [2.0], [-1.0]]), np.array([1.0, 0.0, 0.0])
    norm0 = manual.fit(X2, y2, max_iter=0, tol=0.0).grad_norms[0]
    assert norm0 > 0
    at_tol = manual.fit(X2, y2, tol=norm0)
    assert at_tol.n_iter == 0 and at_tol.converged
    assert manual.fit(X2, y2, solver="gd", tol=0.0).n_iter == 1000


@settings(max_examples=20)
@given(hard_label_problems([(40, 3), (300, 2)]), st.sampled_from(["gd", "newton"]))
def test_fit_runs_the_code_that_the_exact_tests_check(P: Problem, solver: str) -> None:
    """One implementation: the loss and gradient that fit records at each iterate are those of the
    public `loss` and `gradient` at that iterate (which tests/test_exact.py checks against 60-digit
    arithmetic): bit for bit for gd, which runs in the user's coordinates; for Newton, which runs
    on centred features and maps back, to the rounding of the logits in the two coordinates
    (the twins' tolerance: the same terms, summed in another order)."""
    seen: list[tuple[np.ndarray, float, float, np.ndarray, float]] = []

    def record(k: int, w: np.ndarray, b: float, f: float, gw: np.ndarray, gb: float) -> None:
        seen.append((w.copy(), b, f, gw.copy(), gb))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        manual.fit(P.X, P.y, solver=solver, l2=P.l2, max_iter=5, tol=0.0, callback=record)
    for w, b, f, gw, gb in seen:
        want_f = manual.loss(w, b, P.X, P.y, P.l2)
        want_w, want_b = manual.gradient(w, b, P.X, P.y, P.l2)
        if solver == "gd":
            assert f == want_f
            assert np.array_equal(gw, want_w) and gb == want_b
        else:
            Q = _with(P, w, b)
            assert_within("loss", f, want_f, TWIN_RTOL * twin_loss_scale(Q))
            assert_within(
                "gradient",
                np.append(gw, gb),
                np.append(want_w, want_b),
                TWIN_RTOL * twin_gradient_scale(Q),
            )


# the module manual.fit, whose name the package's `fit` function shadows
FIT_MODULE = importlib.import_module("manual.fit")


def _runs(fit: Any, calls: list[dict[str, Any]]) -> list[object]:
    """What each call of fit gives: its result's fields and the callback's records, or the error."""
    out: list[object] = []
    for kwargs in calls:
        seen: list[tuple[object, ...]] = []
        kwargs = dict(kwargs)
        if kwargs.pop("callback", False):
            kwargs["callback"] = lambda *args, seen=seen: seen.append(tuple(map(np.copy, args)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", manual.LogregWarning)
            try:
                result = fit(*kwargs.pop("data"), **kwargs)
            except (ValueError, TypeError) as error:
                out.append(repr(error))
                continue
        fields = [
            v if v is None or isinstance(v, str) else np.asarray(v) for v in vars(result).values()
        ]
        out.append((fields, seen))
    return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b)
        return all(_same(u, v) for u, v in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True)
    return a == b


@pytest.mark.parametrize(
    "module, make_objective",
    [
        (FIT_MODULE, lambda X, y, l2: LinearObjective(BinaryLoss, X, y, l2)),
        (manual.multinomial, manual.multinomial._objective),
    ],
    ids=["binary", "multinomial"],
)
def test_make_fit_builds_the_fit_that_the_package_exports(module: Any, make_objective: Any) -> None:
    """`fit` is built by `make_fit` (once, at import, for each twin): a fit built again from the
    same objective has the public fit's signature, and gives the same result for every keyword,
    each set away from its default (the keywords reach the run, not just the signature)."""
    fresh = module.make_fit(make_objective)
    assert inspect.signature(fresh) == inspect.signature(module.fit)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    binary = module is FIT_MODULE
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(float) if binary else rng.integers(0, 3, 40)
    start = (
        {"w0": np.full(3, 0.1), "b0": 0.2}
        if binary
        else {"W0": np.full((3, 3), 0.1), "b0": np.arange(3.0)}
    )
    calls: list[dict[str, Any]] = [
        {"data": (X, y)},
        {"data": (X, y), "tol": 0.0},
        {"data": (X, y), "solver": "newton", "l2": 0.1, "tol": 1e-3, "callback": True},
        {"data": (X, y), "lr": 0.05, "max_iter": 7, **start},
        {"data": (X, y), "solver": "nope"},
        {"data": (X, y), "lr": -1.0},
    ]
    if binary:
        calls += [
            {"data": (X, y), "solver": "lbfgs", "memory": 1, "max_iter": 6},
            {"data": (X, y), "solver": "newton-cg", "cg_tol": 0.5, "cg_max_iter": 1, "max_iter": 4},
            {"data": (X, y), "memory": 0},
            {"data": (X, y), "cg_tol": 2.0},
            {"data": (X, y), "cg_max_iter": 0},
        ]
    assert _same(_runs(fresh, calls), _runs(module.fit, calls))


def test_the_checked_options_keep_each_value_given_down_to_the_smallest_counts() -> None:
    """FitOptions.checked returns every option as given (checked, not replaced by a default):
    cg_tol anywhere in (0, 1), and the smallest counts the contract allows (memory = 1 pair,
    cg_max_iter = 1 product), with which the solvers run."""
    from manual.options import FitOptions

    options = FitOptions.checked(
        solver="newton-cg", lr=None, max_iter=3, tol=1e-6, l2=0.5, memory=1, cg_tol=0.3,
        cg_max_iter=1,
    )  # fmt: skip
    assert (options.memory, options.cg_tol, options.cg_max_iter) == (1, 0.3, 1)
    assert (options.solver, options.lr, options.max_iter, options.tol, options.l2) == (
        "newton-cg", None, 3, 1e-6, 0.5,
    )  # fmt: skip
    X, y = _nonseparable(30, 2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.ConvergenceWarning)
        for kwargs in ({"solver": "lbfgs", "memory": 1}, {"solver": "newton-cg", "cg_max_iter": 1}):
            res = manual.fit(X, y, max_iter=3, **kwargs)
            assert res.n_iter == 3 and res.losses[-1] < res.losses[0]
