"""L-BFGS and Newton-CG: both twins run the same update rules; both reach Newton's optimum on data
of every regime; every accepted L-BFGS step passes the strong Wolfe conditions; their options are
checked; separable data are reported as for the other solvers."""

import itertools
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import manual
import reference
from manual.solvers import SOLVERS
from manual.solvers.line_search import ARMIJO_C, LINEAR, WOLFE_C2, loss_slack
from tests.strategies import FIT_REGIMES, Problem, regime_data
from tests.tolerances import EPS, TWIN_RTOL, twin_loss_scale

NEW_SOLVERS = ["lbfgs", "newton-cg"]
TWINS = [manual, reference]
TOL = 1e-10
# the contract's agreement of the twins' losses, relative, over their first iterations
TWIN_LOSS_RTOL = 1e-10
TWIN_STEPS = 30
# Regimes in which each solver's two twins are compared step by step. A run amplifies the
# twins' rounding (TWIN_RTOL of the gradient and of H u) by the condition number of the Hessian
# seen along its directions; conjugate gradients, which build d from many products H p, amplify it
# by as much as cond(H) ~ 1e8 on scaled and offset columns (measured: 1e-10 to 3e-8 of the loss),
# so Newton-CG's twins are compared on data whose Hessian is well conditioned.
TWIN_REGIMES = {"lbfgs": FIT_REGIMES, "newton-cg": ["plain", "collinear"]}


def _quiet(fit: Any, X: np.ndarray, y: np.ndarray, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        return fit(X, y, **kwargs)


@settings(max_examples=12)
@given(
    st.sampled_from([(s, k) for s in NEW_SOLVERS for k in TWIN_REGIMES[s]]),
    st.sampled_from([(40, 5), (300, 2)]),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 1e-2]),
)
# incomes (offset 5e4, spread 5e4) at l2 > 0, when the centred columns were scaled only beyond
# 2^+-256 there: a Hessian of condition 1.8e10 amplified the twins' rounding to 2.8e-10 of the loss
@example(("lbfgs", "income"), (40, 5), 12776479, 1e-2)
# a separable set at l2 = 0: the loss falls to 1e-7 at logits ~700, where the twins' losses at one
# point differ by 9e-11 of it, their rounding
@example(("lbfgs", "plain"), (40, 5), 78794392, 0.0)
def test_the_twins_losses_agree_over_the_first_iterations(
    solver_kind: tuple[str, str], shape: tuple[int, int], seed: int, l2: float
) -> None:
    """The twins' losses agree to 1e-10 relative, to within their own rounding where that is
    larger: JAX's textbook softplus(z) - y z errs by TWIN_RTOL of the terms' size (|y z| ~ 700 at
    the logits of a separable set at l2 = 0, where the loss itself falls to 1e-7), at each iterate
    of the run."""
    solver, kind = solver_kind
    X, y = regime_data(kind, *shape, seed)
    points: list[Problem] = []

    def record(k: int, w: np.ndarray, b: float, *_: Any) -> None:
        points.append(Problem(w=w.copy(), b=b, X=X, y=y, l2=l2))

    m = _quiet(
        manual.fit, X, y, solver=solver, tol=0.0, max_iter=TWIN_STEPS, l2=l2, callback=record
    )
    r = _quiet(reference.fit, X, y, solver=solver, tol=0.0, max_iter=TWIN_STEPS, l2=l2)
    assert m.n_iter == r.n_iter == TWIN_STEPS
    rounding = TWIN_RTOL * np.array([twin_loss_scale(P) for P in points])
    assert np.all(np.abs(m.losses - r.losses) <= TWIN_LOSS_RTOL * r.losses + rounding), (
        np.abs(m.losses - r.losses) / r.losses
    ).max()


def _newton_optimum(X: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Newton's optimum and the map A from standardized parameters theta_s to theta = A theta_s.

    With X = Xs diag(sd) + mean, z = Xs (w * sd) + (b + mean.w): theta_s = (w * sd, b + mean.w) is
    the same model on the standardized columns, where the Hessian is well conditioned. At l2 = 0
    Newton runs there (the same loss, exactly), and its optimum is carried back by A."""
    mean, sd = X.mean(axis=0), X.std(axis=0)
    d = X.shape[1]
    A = np.eye(d + 1)
    A[np.arange(d), np.arange(d)] = 1.0 / sd
    A[d, :d] = -mean / sd  # b = b_s - mean . (w_s / sd)
    if l2 == 0.0:
        res = manual.fit((X - mean) / sd, y, solver="newton", tol=TOL / 100)
        theta = A @ np.append(res.w, res.b)
    else:
        res = manual.fit(X, y, solver="newton", tol=TOL, l2=l2)
        theta = np.append(res.w, res.b)
    assert res.converged
    return theta, A


@settings(max_examples=20)
@given(
    st.sampled_from(NEW_SOLVERS),
    st.sampled_from(FIT_REGIMES),
    st.sampled_from([(300, 2), (300, 5)]),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 1e-2]),
    st.booleans(),
)
# Newton's last step on these collinear columns promised a fall of 1.7e-19, below the loss's
# rounding; the computed loss rose by 8 ulps and the search stopped short of tol (the gradient
# judges such a step now: manual.solvers.line_search._below_rounding)
@example("lbfgs", "collinear", (300, 5), 310, 0.0, False)
def test_each_reaches_the_gradient_tolerance_and_newtons_optimum(
    solver: str, kind: str, shape: tuple[int, int], seed: int, l2: float, far: bool
) -> None:
    """||g||inf <= 1e-10, and the optimum that Newton reaches, as far as the two gradients determine
    it: in the standardized parameters theta_s (theta = A theta_s), where the Hessian H_s = A' H A
    has its smallest eigenvalue lambda well away from 0, strong convexity gives
    ||theta_s - theta_s*|| <= ||g_s|| / lambda, g_s = A' g; a factor 2 for the Hessian's change
    between the two points. A far start puts the logits near +-30."""
    X, y = regime_data(kind, *shape, seed)
    d = X.shape[1]
    w0 = None
    if far:
        w0 = 30.0 * np.random.default_rng(seed).standard_normal(d) / (X.std(axis=0) * np.sqrt(d))
    res = _quiet(manual.fit, X, y, solver=solver, tol=TOL, l2=l2, max_iter=5000, w0=w0)
    assert res.converged and res.grad_norms[-1] <= TOL and not res.separable
    theta_n, A = _newton_optimum(X, y, l2)
    theta = np.append(res.w, res.b)
    H_s = A.T @ manual.hessian(theta_n[:-1], theta_n[-1], X, y, l2) @ A
    lam = float(np.linalg.eigvalsh(H_s)[0])

    def g_s(t: np.ndarray) -> float:
        gw, gb = manual.gradient(t[:-1], t[-1], X, y, l2)
        return float(np.linalg.norm(A.T @ np.append(gw, gb)))

    radius = 2.0 * (g_s(theta) + g_s(theta_n)) / lam
    distance = float(np.linalg.norm(np.linalg.solve(A, theta - theta_n)))
    assert distance <= radius, (distance, radius)
    # and the loss: Newton's, to the rounding of the two losses ((d + 8) EPS of their scale, as in
    # test_gd_with_lr_below_one_over_L_never_increases_the_loss) and the second-order change
    # lambda_max(H_s) radius^2 / 2 <= radius^2 (the curvature p (1 - p) <= 1/4 on standardized
    # columns)
    rounding = sum(
        (d + 8) * EPS * twin_loss_scale(Problem(w=t[:-1], b=float(t[-1]), X=X, y=y, l2=l2))
        for t in (theta, theta_n)
    )
    newton_loss = manual.loss(theta_n[:-1], theta_n[-1], X, y, l2)
    assert abs(res.losses[-1] - newton_loss) <= rounding + radius * radius * (1 + l2)


@settings(max_examples=15)
@given(
    st.sampled_from(FIT_REGIMES),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 1e-2]),
    st.sampled_from([1, 3, 10]),
)
def test_every_accepted_lbfgs_step_passes_the_strong_wolfe_conditions(
    kind: str, seed: int, l2: float, memory: int
) -> None:
    """For each step s = theta_{k+1} - theta_k (s = -t d):
    L_{k+1} <= L_k + C g_k.s + slack (Armijo's, with the loss's rounding slack), and
    |g_{k+1}.s| <= WOLFE_C2 |g_k.s| (strong curvature; scale-free in t)."""
    X, y = regime_data(kind, 300, 4, seed)
    seen: list[tuple[np.ndarray, float, np.ndarray]] = []

    def record(k: int, w: np.ndarray, b: float, loss: float, gw: np.ndarray, gb: float) -> None:
        seen.append((np.append(w, b), loss, np.append(gw, gb)))

    res = _quiet(
        manual.fit, X, y, solver="lbfgs", tol=TOL, l2=l2, max_iter=300, memory=memory,
        callback=record,
    )  # fmt: skip
    assert len(seen) == res.n_iter + 1
    for (theta0, f0, g0), (theta1, f1, g1) in itertools.pairwise(seen):
        s = theta1 - theta0
        assert f1 <= f0 + ARMIJO_C * float(g0 @ s) + loss_slack(f0)
        assert abs(float(g1 @ s)) <= WOLFE_C2 * abs(float(g0 @ s))


def test_lbfgs_with_memory_one_or_ten_reaches_the_same_optimum() -> None:
    """The memory changes the path, not the optimum (nor the loss, beyond its rounding)."""
    X, y = regime_data("plain", 300, 5, 1)
    a = manual.fit(X, y, solver="lbfgs", tol=TOL, memory=1, max_iter=5000)
    b = manual.fit(X, y, solver="lbfgs", tol=TOL, memory=10)
    assert a.converged and b.converged
    assert abs(a.losses[-1] - b.losses[-1]) <= loss_slack(b.losses[-1])


def test_newton_cg_never_forms_the_hessian() -> None:
    """Newton-CG uses H only through hvp: a Hessian that raises cannot stop it."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective
    from manual.solvers import NewtonCG, minimize

    class NoHessian(LinearObjective):
        def hessian(self, theta: np.ndarray) -> np.ndarray:
            raise AssertionError("the Hessian was formed")

    X, y = regime_data("plain", 300, 5, 2)
    run = minimize(NoHessian(BinaryLoss, X, y, 0.0), np.zeros(6), NewtonCG(), max_iter=50, tol=TOL)
    assert run.converged


@pytest.mark.parametrize("solver", NEW_SOLVERS)
@pytest.mark.parametrize("gap", [1.0, 0.0])
def test_separable_data_warn(solver: str, gap: float) -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate([-rng.uniform(0, 1, 40) - gap / 2, rng.uniform(0, 1, 40) + gap / 2])
    X = np.column_stack([x, rng.standard_normal(80)])
    y = (x > 0).astype(float)
    for twin in TWINS:
        with pytest.warns(manual.SeparationWarning):
            res = twin.fit(X, y, solver=solver, max_iter=500)
        assert res.separable and np.all(np.isfinite(res.w)) and np.isfinite(res.b)
    with warnings.catch_warnings():  # a penalty makes the optimum finite: no warning
        warnings.simplefilter("error", manual.LogregWarning)
        assert manual.fit(X, y, solver=solver, l2=0.1).converged


@pytest.mark.parametrize("twin", TWINS, ids=["manual", "reference"])
@pytest.mark.parametrize(
    ("kwargs", "kind", "name"),
    [
        ({"memory": 0}, ValueError, "memory"),
        ({"memory": -3}, ValueError, "memory"),
        ({"memory": 2.5}, TypeError, "memory"),
        ({"cg_tol": 0.0}, ValueError, "cg_tol"),
        ({"cg_tol": 1.0}, ValueError, "cg_tol"),
        ({"cg_tol": -0.5}, ValueError, "cg_tol"),
        ({"cg_tol": np.nan}, ValueError, "cg_tol"),
        ({"cg_tol": "0.1"}, TypeError, "cg_tol"),
        ({"cg_max_iter": 0}, ValueError, "cg_max_iter"),
        ({"cg_max_iter": 3.0}, TypeError, "cg_max_iter"),
    ],
)
def test_bad_solver_options_are_refused_naming_the_argument(
    twin: Any, kwargs: dict, kind: type[Exception], name: str
) -> None:
    X, y = regime_data("plain", 20, 2, 0)
    for solver in NEW_SOLVERS:
        with pytest.raises(kind) as err:
            twin.fit(X, y, solver=solver, **kwargs)
        assert str(err.value).startswith(f"{name} must"), str(err.value)


def test_train_script_offers_every_solver() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "train.py"
    spec = importlib.util.spec_from_file_location("train_for_solvers", path)
    assert spec is not None and spec.loader is not None
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    for solver in SOLVERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", manual.LogregWarning)
            assert train.main(["--solver", solver, "--no-check"]) == 0


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 8))
def test_two_loop_satisfies_the_secant_equation_of_the_newest_pair(
    seed: int, m: int, d: int
) -> None:
    """On a quadratic with Hessian A (y_i = A s_i), the L-BFGS matrix H_k maps the newest y to the
    newest s: H_k y_k = s_k, BFGS's secant equation (the last update is exactly the one that
    imposes it). A's eigenvalues lie in [1, 2], so the two loops' m (4 d + 4) operations err by at
    most ~ 8 m d EPS cond(A) relative: 64 m d EPS leaves a factor 4."""
    from manual.solvers.lbfgs import two_loop

    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = Q @ np.diag(rng.uniform(1.0, 2.0, d)) @ Q.T
    pairs = []
    for _ in range(m):
        s = rng.standard_normal(d)
        y = A @ s
        pairs.append((s, y, 1.0 / float(s @ y)))
    s, y, _ = pairs[-1]
    got = two_loop(y, pairs)
    assert np.max(np.abs(got - s)) <= 64 * m * d * EPS * np.max(np.abs(s))


# --- the line searches and the steps, on objectives whose answers are known in closed form ------


class _Line:
    """A one-parameter objective theta = (t,) given by phi(t) and phi'(t): searched from t = 0
    along step = (-1,), theta - t step is t itself and the slope along it is phi'(t). Past
    `overflow` a trial raises ValueError, as where the logits leave float64."""

    def __init__(self, phi: Any, dphi: Any, overflow: float = np.inf) -> None:
        self.phi, self.dphi, self.overflow = phi, dphi, overflow
        self.trials: list[float] = []

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        t = float(theta[0])
        self.trials.append(t)
        if t > self.overflow:
            raise ValueError("the logits overflow")
        return float(self.phi(t)), np.array([float(self.dphi(t))])

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        raise AssertionError("a line search needs no Hessian")

    def hvp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        raise AssertionError("a line search needs no Hessian")

    def search(self) -> float | None:
        from manual.solvers.driver import Iterate
        from manual.solvers.line_search import wolfe

        at = Iterate(np.zeros(1), float(self.phi(0.0)), np.array([float(self.dphi(0.0))]))
        found = wolfe(self, at, np.array([-1.0]))
        return None if found is None else float(found.theta[0])


def _quadratic(t_star: float) -> _Line:
    """phi(t) = 1 + (t - t*)^2 / 2: phi'(0) = -t*, the minimizer t*."""
    return _Line(lambda t: 1.0 + 0.5 * (t - t_star) ** 2, lambda t: t - t_star)


def test_wolfe_takes_the_unit_step_where_it_passes_and_doubles_a_short_one() -> None:
    """phi'(t) = t - t*: t is in the strong Wolfe interval |1 - t / t*| <= WOLFE_C2, i.e.
    t in [0.1 t*, 1.9 t*] (the decrease test holds there too). At t* = 0.7 the unit step is in
    it, and is taken as it is; at t* = 50, t = 1, 2, 4 are too short and 8 = the first power of two
    in [5, 95] is taken: the search doubles t from 1."""
    assert _quadratic(0.7).search() == 1.0
    assert _quadratic(50.0).search() == 8.0


def _piecewise(knots: list[tuple[float, float]], slope_after: float) -> _Line:
    """phi' = -1 up to knots[0]'s t, then linear between the knots (t, phi'), then rising at
    slope_after: phi is convex (phi' nondecreasing), phi(0) = 1, and phi is its exact integral."""
    ts = [0.0] + [k[0] for k in knots]
    ds = [-1.0] + [k[1] for k in knots]

    def dphi(t: float) -> float:
        if t >= ts[-1]:
            return ds[-1] + slope_after * (t - ts[-1])
        return float(np.interp(t, ts, ds))

    def phi(t: float) -> float:
        grid = np.append([u for u in ts if u < t], t)
        slopes = [dphi(u) for u in grid]
        return 1.0 + float(np.sum(np.diff(grid) * (np.array(slopes[:-1]) + slopes[1:]) / 2))

    return _Line(phi, dphi)


def test_wolfe_narrows_a_bracket_by_the_secant_of_the_slope_within_its_middle_80_percent() -> None:
    """Where t = 1, 2 are too short (phi' = -1) and t = 4 too long, the search narrows [2, 4] by
    the zero of the line through (2, phi'(2)) and (4, phi'(4)): exact where phi' is linear on the
    bracket (phi quadratic), kept within [2.2, 3.8]. And at t* = 0.3 the first bracket [0, 1] of
    a quadratic is narrowed to t* at once."""
    # phi' = -1 + 2 (t - 2) on [2, 4]: its zero 2.5 is the secant's, inside [2.2, 3.8]
    assert _piecewise([(2.0, -1.0)], 2.0).search() == pytest.approx(2.5, abs=1e-15)
    assert _quadratic(0.3).search() == pytest.approx(0.3, abs=1e-15)
    # phi' = -1 + 5 (t - 2) up to 2.2, then 5.5 (t - 2.2): phi'(4) = 9.9, the secant 2 + 2 / 10.9
    # = 2.18 is moved up to 2.2, where phi' = 0
    assert _piecewise([(2.0, -1.0), (2.2, 0.0)], 5.5).search() == pytest.approx(2.2, abs=1e-12)


def test_wolfe_shrinks_an_end_too_long_by_its_decrease_towards_the_short_one() -> None:
    """phi' = -1 up to 0.01, then 0.0101: the slope test holds for every t > 0.01, and at t = 1
    the loss is back to 1 - 1e-6, above the decrease test's phi(0) - ARMIJO_C t (the loss must
    fall, not only not rise). From [0, 1] the secant, 1 / 1.0101 of the long end, lies past the
    middle 80%: the trial is moved to 0.9, which passes (the decrease test holds up to
    t = 0.0101 / 0.0102 = 0.990)."""
    line = _Line(
        lambda t: 1.0 - min(t, 0.01) + 0.0101 * max(t - 0.01, 0.0),
        lambda t: -1.0 if t < 0.01 else 0.0101,
    )
    assert line.search() == pytest.approx(0.9, rel=1e-15)


def test_wolfe_halves_a_bracket_whose_long_end_overflowed() -> None:
    """phi = (t / t* - 1)^2 / 2 with t* = 1e-9, and every trial past 3e-9 overflows: an overflow
    has no slope to interpolate, so the search halves [0, 1] down to t = 2^-29 = 1.9e-9, the first
    trial that is computed, and in the Wolfe interval [0.1 t*, 1.9 t*]; the bracket is then far
    wider than t's rounding."""
    t_star = 1e-9
    line = _Line(
        lambda t: 0.5 * (t / t_star - 1.0) ** 2, lambda t: (t / t_star - 1.0) / t_star, 3e-9
    )
    assert line.search() == 2.0**-29


def test_wolfe_gives_up_once_the_bracket_is_within_the_rounding_of_t() -> None:
    """phi' jumps from -1 to 1 at 1/3: no float t passes the slope test. The search halves [0, 1]
    until the bracket is 4 ulps of t wide (2^-52 > 4 EPS / 3 > 2^-53) and returns None: 1 + 52
    trials, fewer than MAX_TRIALS."""
    from manual.solvers.line_search import MAX_TRIALS

    third = 1.0 / 3.0
    line = _Line(lambda t: 1.0 - third + abs(t - third), lambda t: -1.0 if t < third else 1.0)
    assert line.search() is None
    assert len(line.trials) == 53 < MAX_TRIALS


@pytest.mark.parametrize("dphi1", [WOLFE_C2, -WOLFE_C2, 0.0])
def test_wolfe_conditions_are_the_documented_inclusive_inequalities(dphi1: float) -> None:
    """phi'(0) = -1: a unit step whose slope is exactly +-WOLFE_C2 |phi'(0)| passes the curvature
    test, and one whose loss is exactly phi(0) + C phi'(0) + slack passes the decrease test (<=)."""
    f0 = 1.0

    def armijo(t: float) -> float:  # the decrease test's bound, as the search computes it
        return f0 + ARMIJO_C * t * -1.0 + loss_slack(f0)

    on_bound = dphi1 == 0.0
    line = _Line(
        lambda t: f0 if t == 0 else (armijo(t) if on_bound else f0 - 0.5 * t),
        lambda t: -1.0 if t == 0 else dphi1,
    )
    assert line.search() == 1.0


def test_wolfe_refuses_a_direction_along_which_the_loss_does_not_fall() -> None:
    """phi'(0) >= 0 (a zero step, or one along +g): no t > 0 lowers the loss, None."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective
    from manual.solvers.driver import Iterate
    from manual.solvers.line_search import wolfe

    X, y = regime_data("plain", 40, 3, 0)
    objective = LinearObjective(BinaryLoss, X, y, 0.0)
    theta = np.array([0.5, -0.2, 0.1, 0.3])
    at = Iterate(theta, *objective.loss_and_gradient(theta))
    assert wolfe(objective, at, np.zeros(4)) is None
    assert wolfe(objective, at, -0.3 * at.grad) is None


class _Scaled:
    """c L for a power of two c: the same problem, every loss and slope scaled exactly."""

    def __init__(self, objective: Any, c: float) -> None:
        self.objective, self.c = objective, c

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = self.objective.loss_and_gradient(theta)
        return self.c * f, self.c * g

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return self.c * self.objective.hessian(theta)

    def hvp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        return self.c * self.objective.hvp(theta, u)


@pytest.mark.parametrize("c", [2.0**-30, 2.0**30])
def test_lbfgs_iterates_do_not_depend_on_the_scale_of_the_loss(c: float) -> None:
    """L-BFGS's first direction is g scaled to a unit step in its largest coordinate, H_0 = gamma I
    scales as 1 / c, and the Wolfe conditions compare losses and slopes with each other: on c L,
    c a power of two (exact in float64), every iterate is the same to the last bit."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective
    from manual.solvers import LBFGS, minimize

    X, y = regime_data("plain", 100, 3, 4)
    objective = LinearObjective(BinaryLoss, X, y, 0.0)
    objectives: list[Any] = [objective, _Scaled(objective, c)]
    paths: list[list[np.ndarray]] = [[], []]
    for path, obj in zip(paths, objectives, strict=True):

        def record(k: int, it: Any, path: list[np.ndarray] = path) -> None:
            path.append(it.theta)

        minimize(obj, np.zeros(4), LBFGS(), max_iter=8, tol=0.0, callback=record)
    assert len(paths[0]) == 9
    assert all(np.array_equal(a, b) for a, b in zip(*paths, strict=True))


def test_lbfgs_memory_bounds_the_steps_it_remembers() -> None:
    """Memory m keeps the last m pairs: within 10 steps, memory 10 is unlimited memory (the same
    path, to the bit), and memory 1 is another path (the one-pair update of gamma I)."""
    X, y = regime_data("plain", 100, 4, 5)

    def path(memory: int) -> np.ndarray:
        return manual.fit(X, y, solver="lbfgs", tol=0.0, max_iter=10, memory=memory).losses

    assert np.array_equal(path(10), path(1000))
    assert not np.array_equal(path(1), path(1000))


@pytest.mark.parametrize("solver", NEW_SOLVERS)
def test_a_well_posed_fit_warns_of_nothing(solver: str) -> None:
    """Library code warns only through the project's own categories, and only where there is
    something to report: a fit that converges on plain data raises no warning of any kind
    (NumPy's deprecations included)."""
    X, y = regime_data("plain", 100, 3, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert manual.fit(X, y, solver=solver, tol=TOL).converged


class _Kink:
    """L(theta) = floor + |a theta_0 - corner| + 0 theta_1, a > 0: convex, >= floor, its curvature
    0 everywhere but at its minimum (as where every sample's p (1 - p) has underflowed). With the
    defaults, L = |10 - a theta_0|: at theta = 0, g = (-a, 0) and L = 10, and the linear model
    L - t g.g reaches 0 at t = 10 / a^2."""

    def __init__(self, a: float, corner: float = 10.0, floor: float = 0.0) -> None:
        self.a, self.corner, self.floor = a, corner, floor

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        u = self.a * float(theta[0]) - self.corner
        return self.floor + abs(u), np.array([self.a * float(np.sign(u)), 0.0])

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return np.zeros((2, 2))

    def hvp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        return np.zeros(2)


# logits of 300 to 2e5: the curvature tiny (e^-300), subnormal (e^-720, where CG's step along its
# first direction is longer than the largest float) or 0
@pytest.mark.parametrize("w0", [300.0, 720.0, -720.0, 1e5])
def test_newton_cg_from_a_far_start_reaches_the_optimum(w0: float) -> None:
    """Far from the optimum the curvature sits in the samples of smallest |z|, and CG's direction
    lies in their span, as Newton's does: the straight step towards theta = 0 takes over where the
    loss is near its linear asymptote, and the run reaches the optimum that a start from 0
    reaches, without a warning, in a few dozen steps (not 1000 steps along a kink of the loss)."""
    X, y = np.array([[-1.0], [1.0], [2.0]]), np.array([0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning, no ConvergenceWarning
        far = manual.fit(X, y, solver="newton-cg", tol=1e-10, w0=np.array([w0]))
    near = manual.fit(X, y, solver="newton-cg", tol=1e-10)
    assert far.converged and far.n_iter <= 30
    assert abs(far.losses[-1] - near.losses[-1]) <= 8 * EPS * near.losses[-1]


@pytest.mark.parametrize("a", [1.0, 3.0])
def test_newton_cg_without_curvature_steps_to_the_zero_of_the_linear_model(a: float) -> None:
    """With no curvature along g, CG finds no direction; the step is then along -g to where the
    linear model L - t g.g reaches 0, t = L / g.g: here the minimum itself, L = 0 to its rounding
    (g.g = 1 at a = 1, 9 at a = 3)."""
    from manual.solvers import NewtonCG
    from manual.solvers.driver import Iterate

    objective = _Kink(a)
    theta = np.zeros(2)
    nxt = NewtonCG().step(objective, Iterate(theta, *objective.loss_and_gradient(theta)))
    assert nxt is not None
    assert nxt.theta[0] == pytest.approx(10.0 / a, rel=4 * EPS) and nxt.loss <= 40 * EPS


class _MissedByNewton:
    """L(theta) = softplus(u.theta + 800) + (v.theta)^2 / 2, u = (2, -2, -4), v = (1, 2, 4). At
    theta = 0 the softplus term is 800, linear (its curvature e^-800 underflows to 0), and
    H = v v': in the coordinates of unit diagonal (s = sqrt(diag H) = (1, 2, 4)), Hs is the
    matrix of ones, and gs = u / s = (2, -1, -1) is orthogonal to its range. Hs^+ gs = 0: the
    Newton step misses the direction that lowers the loss, and gs.Hs.gs = 0: no curvature bounds
    the step along gs."""

    u, v = np.array([2.0, -2.0, -4.0]), np.array([1.0, 2.0, 4.0])

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        z, q = float(self.u @ theta) + 800.0, float(self.v @ theta)
        p = 0.5 + 0.5 * np.tanh(0.5 * z)  # the sigmoid, without overflow
        return float(np.logaddexp(0.0, z)) + 0.5 * q * q, p * self.u + q * self.v

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        p = 0.5 + 0.5 * np.tanh(0.5 * (float(self.u @ theta) + 800.0))
        return p * (1.0 - p) * np.outer(self.u, self.u) + np.outer(self.v, self.v)

    def hvp(self, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.hessian(theta) @ w


# the Cauchy step's few roundings: g / s, the length's divisions, the product and the quotient
CAUCHY_RTOL = 16 * EPS


def test_newton_takes_the_cauchy_step_where_its_own_step_misses_the_descent() -> None:
    """Where Hs^+ gs drops the direction that counts, the step is the Cauchy step along the
    scaled gradient, gs / s in theta's coordinates, as long as the linear model L - t g.step
    stays >= 0: t_0 = L / gs.gs = 800 / 6. There the loss is log 2, a fall of 800 - log 2, over 0.9
    of what the slope promised: the loss is linear along the step, and the search doubles it while
    the loss keeps falling (at twice t_0 it is 0, to its rounding; at four times no lower)."""
    from manual.solvers import Newton
    from manual.solvers.driver import Iterate

    objective = _MissedByNewton()
    theta = np.zeros(3)
    at = Iterate(theta, *objective.loss_and_gradient(theta))
    assert at.loss == 800.0
    nxt = Newton().step(objective, at)
    s = np.array([1.0, 2.0, 4.0])
    gs = at.grad / s
    expected = -2.0 * (at.loss / float(gs @ gs)) * gs / s
    assert nxt is not None and nxt.loss < 1e-20
    np.testing.assert_allclose(nxt.theta, expected, rtol=CAUCHY_RTOL, atol=0.0)


class _SubnormalCurvature:
    """L(theta) = 10 + theta_0^2 / 2 + 1e-10 theta_1 + 1e-320 theta_1^2 / 2: at theta = (1, 0),
    g = (1, 1e-10) and H = diag(1, 1e-320), a subnormal curvature beside a gradient that is not:
    H^-1 g asks for a second coordinate of 1e310, past the largest float, while g.theta = 1 is
    far below L = 10.5 (the loss is nowhere near a linear asymptote)."""

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = float(theta[0]), float(theta[1])
        return 10.0 + 0.5 * a * a + 1e-10 * b, np.array([a, 1e-10 + 1e-320 * b])

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return np.diag([1.0, 1e-320])

    def hvp(self, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.hessian(theta) @ w


def test_newton_falls_back_on_the_direction_its_hessian_resolves() -> None:
    """Where Newton's step overflows and the straight step does not apply (g.theta < L / 2), the
    step is H^+ g with the subnormal eigenvalue treated as zero (below the rounding of the
    largest): d = (1, 0), whose full step reaches the minimum in theta_0, without an overflow
    warning (RuntimeWarnings are errors in this suite)."""
    from manual.solvers import Newton
    from manual.solvers.driver import Iterate

    objective = _SubnormalCurvature()
    theta = np.array([1.0, 0.0])
    nxt = Newton().step(objective, Iterate(theta, *objective.loss_and_gradient(theta)))
    assert nxt is not None
    assert np.array_equal(nxt.theta, np.zeros(2)) and nxt.loss == 10.0


@pytest.mark.parametrize("solver", ["Newton", "NewtonCG"])
def test_newton_far_from_the_optimum_steps_straight_towards_zero(solver: str) -> None:
    """Where g.theta >= L / 2 and no curvature bounds the step, Newton (and Newton-CG, whose CG
    finds no curvature) steps along -theta as far
    as the linear model L - t g.theta stays >= 0: theta (1 - L / g.theta) = (4, 3) (1 - 5 / 4) =
    (-1, -0.75), where L = 2 (the fall, 3, is not the 0.9 of the promised 5 that would show the
    loss linear over the step: it is not lengthened)."""
    from manual import solvers
    from manual.solvers.driver import Iterate

    # L = |theta_0| + 1: at theta = (4, 3), L = 5 and g = (1, 0), g.theta = 4, near L, as for a
    # loss near its linear asymptote far from the optimum
    objective = _Kink(1.0, corner=0.0, floor=1.0)
    theta = np.array([4.0, 3.0])
    nxt = getattr(solvers, solver)().step(
        objective, Iterate(theta, *objective.loss_and_gradient(theta))
    )
    assert nxt is not None
    assert np.array_equal(nxt.theta, np.array([-1.0, -0.75])) and nxt.loss == 2.0


def test_newton_stops_without_a_warning_where_its_cauchy_step_overflows() -> None:
    """All there is to gain, 1e-160, lies far below the loss's rounding, and the Cauchy step
    (1e320 along g, infinite times the zero of the gradient's second coordinate) is not finite:
    Newton gives up (None), without an overflow or an invalid-value warning (RuntimeWarnings are
    errors in this suite)."""
    from manual.solvers import Newton
    from manual.solvers.driver import Iterate

    # L = 1 + 1e-160 |theta_0|, H = 0: at theta = (1, 0), g = (1e-160, 0), and the Cauchy length
    # L / g.g = 1e320 is past the largest float
    objective = _Kink(1e-160, corner=0.0, floor=1.0)
    theta = np.array([1.0, 0.0])
    assert Newton().step(objective, Iterate(theta, *objective.loss_and_gradient(theta))) is None


@pytest.mark.parametrize("kind", ["plain", "income"])
def test_newton_takes_no_step_below_rounding_that_does_not_halve_the_gradient(kind: str) -> None:
    """Near the optimum a step whose promised fall g.step is below the loss's rounding cannot be
    judged by the loss; Newton takes it only where it halves the gradient in the coordinates of
    unit curvature (g / s), as a Newton step does while the gradient is above its own rounding,
    and otherwise stops (the step is None). Asked for a tolerance no gradient reaches, every step
    of the run keeps to that rule, and the run stalls once the gradient is at its rounding."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective
    from manual.solvers import Newton, minimize
    from manual.solvers.newton import jacobi_scale

    taken: list[tuple[Any, Any]] = []

    class Watched(Newton):
        def step(self, objective: Any, at: Any) -> Any:
            following = super().step(objective, at)
            if following is not None:
                taken.append((at, following))
            return following

    X, y = regime_data(kind, 300, 5, 7)
    objective = LinearObjective(BinaryLoss, X, y, 0.0)
    run = minimize(objective, np.zeros(6), Watched(), max_iter=100, tol=1e-300)
    assert run.stalled and len(taken) < 20
    for at, following in taken:
        s = jacobi_scale(objective.hessian(at.theta))
        fall = float(at.grad @ (at.theta - following.theta))
        halved = np.max(np.abs(following.grad / s)) <= 0.5 * np.max(np.abs(at.grad / s))
        assert fall > loss_slack(at.loss) or halved


def test_newton_cg_at_a_zero_gradient_does_not_move() -> None:
    """g = 0 exactly (the minimum of L = 1 + |theta|^2 / 2): there is nothing to gain; the step is
    None, or theta itself."""
    from manual.solvers import NewtonCG
    from manual.solvers.driver import Iterate

    bowl = _Line(lambda t: 1.0 + 0.5 * t * t, lambda t: t)
    bowl.hvp = lambda theta, u: u  # type: ignore[method-assign]
    nxt = NewtonCG().step(bowl, Iterate(np.zeros(1), 1.0, np.zeros(1)))
    assert nxt is None or np.array_equal(nxt.theta, np.zeros(1))


class _RoughBowl:
    """L(theta) = 1 + |theta|^2 / 2 whose computed loss comes out 10 too high, above its start,
    at every theta = theta_start - t theta_start, t = 2^-k (k >= 0): a loss that no halving of
    Newton's step can pass, while the gradient theta stays exact."""

    def __init__(self, start: np.ndarray) -> None:
        self.start = start

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        f = 1.0 + 0.5 * float(theta @ theta)
        t = 1.0 - float(theta[0] / self.start[0])  # theta = start - t start
        if t > 0 and np.frexp(t)[0] == 0.5:  # a power of two
            f += 10.0
        return f, theta.copy()

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return np.eye(len(theta))

    def hvp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        return u.copy()


def test_newton_cg_falls_back_on_the_wolfe_search_where_no_halving_passes() -> None:
    """Newton's step d = theta (H = I) fails Armijo's test at every t = 1, 1/2, 1/4, ...; the
    slope-steered Wolfe search along the same d still finds t = 0.9 (the middle 80% of [0, 1],
    where t = 1 is too long), and the loss falls."""
    from manual.solvers import NewtonCG
    from manual.solvers.driver import Iterate

    start = np.array([1.0, 2.0])
    objective = _RoughBowl(start)
    nxt = NewtonCG().step(objective, Iterate(start, *objective.loss_and_gradient(start)))
    assert nxt is not None and nxt.loss < 1.0 + 0.5 * float(start @ start)
    assert nxt.theta == pytest.approx(0.1 * start, rel=1e-14)


def test_newton_cg_converges_superlinearly() -> None:
    """The forcing term eta = min(cg_tol, sqrt(||g||inf)) leaves a CG residual
    ||r||_2 <= eta ||g||_2 <= sqrt(6) ||g||inf^1.5 (6 parameters), and the next gradient is r plus
    a term of second order in the step: once ||g||inf <= 1e-3, each step takes it to at most
    4 ||g||inf^1.5 (sqrt(6) < 4 leaves room for the second-order term), down to its rounding."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective
    from manual.solvers import NewtonCG, minimize

    X, y = regime_data("plain", 300, 5, 7)
    run = minimize(
        LinearObjective(BinaryLoss, X, y, 0.0), np.zeros(6), NewtonCG(), max_iter=50, tol=1e-14
    )
    assert run.converged
    for g0, g1 in itertools.pairwise(run.grad_norms):
        if g0 <= 1e-3 and g1 > 1e-15:
            assert g1 <= 4.0 * g0**1.5, (g0, g1)


def test_newton_cg_spends_at_most_cg_max_iter_products_a_step() -> None:
    """cg_max_iter = 1 makes each step the Cauchy step (steepest descent with the model's exact
    step length): linear convergence, many times the iterations of truncated Newton."""
    X, y = regime_data("plain", 300, 5, 7)
    full = manual.fit(X, y, solver="newton-cg", tol=1e-10)
    cauchy = manual.fit(X, y, solver="newton-cg", tol=1e-10, max_iter=500, cg_max_iter=1)
    assert full.converged and cauchy.converged
    assert cauchy.n_iter > 3 * full.n_iter


def _counted(H: np.ndarray) -> tuple[Any, list[int]]:
    calls: list[int] = []

    def hvp(p: np.ndarray) -> np.ndarray:
        calls.append(1)
        return H @ p

    return hvp, calls


def test_truncated_cg_reports_the_products_it_spent() -> None:
    """(d, products of H spent): where it meets its forcing term, and where it runs out of
    max_iter. On H = 2 I, CG is exact after one product (d = g / 2, r = 0) and stops there."""
    from manual.solvers.newton_cg import truncated_cg

    g = np.array([1.0, -3.0, 0.5])
    hvp, calls = _counted(2.0 * np.eye(3))
    d, used = truncated_cg(hvp, g, 0.0, 10)
    assert used == len(calls) == 1 and np.array_equal(d, g / 2)

    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    H = Q @ np.diag(np.linspace(1.0, 100.0, 8)) @ Q.T
    g = rng.standard_normal(8)
    hvp, calls = _counted(H)
    d, used = truncated_cg(hvp, g, 1e-3, 50)  # meets ||r|| <= 1e-3 ||g|| in at most 8 + rounding
    assert used == len(calls) < 50
    assert np.linalg.norm(g - H @ d) <= 1e-3 * np.linalg.norm(g)
    hvp, calls = _counted(H)
    d, used = truncated_cg(hvp, g, 0.0, 3)  # eta = 0 is never met: it runs out of products
    assert used == len(calls) == 3


def test_truncated_cg_scales_inversely_with_h_and_stops_on_zero_curvature() -> None:
    """H -> c H (c a power of two, exact) gives d -> d / c with the same products: the test for
    curvature lost to rounding compares p.Hp with |p| |Hp|, both scaled by c. Where H p = 0 there
    is no curvature: d = 0."""
    from manual.solvers.newton_cg import truncated_cg

    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    H = Q @ np.diag(np.linspace(1.0, 10.0, 6)) @ Q.T
    g = rng.standard_normal(6)
    c = 2.0**-80
    d, used = truncated_cg(lambda p: H @ p, g, 1e-6, 20)
    dc, used_c = truncated_cg(lambda p: c * (H @ p), g, 1e-6, 20)
    assert used == used_c >= 1 and np.array_equal(dc * c, d)
    hvp, calls = _counted(np.zeros((6, 6)))
    d0, used0 = truncated_cg(hvp, g, 0.5, 20)
    assert not np.any(d0) and used0 == len(calls) == 1  # the product that found no curvature


class _Ray:
    """L(theta) = phi(theta_0), flat in theta_1: a loss along the first coordinate only."""

    def __init__(self, phi: Any, dphi: Any) -> None:
        self.phi, self.dphi = phi, dphi

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return float(self.phi(theta[0])), np.array([float(self.dphi(theta[0])), 0.0])

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        raise AssertionError("a line search needs no Hessian")

    def hvp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        raise AssertionError("a line search needs no Hessian")

    def expanded(self, size: float) -> float:
        """theta_0 reached by backtrack(expand=True) from 0 along step = (-size, 0)."""
        from manual.solvers.driver import Iterate
        from manual.solvers.line_search import backtrack

        at = Iterate(np.zeros(2), *self.loss_and_gradient(np.zeros(2)))
        found = backtrack(self, at, np.array([-size, 0.0]), expand=True)
        assert found is not None
        return float(found.theta[0])


def test_backtrack_lengthens_a_full_step_while_the_loss_keeps_falling() -> None:
    """L = |c - x|: linear along the whole unit step, so t = 2, 4, ... are tried, and the last
    that lowers the loss beyond its rounding is taken: t = 2 for c = 3 (L(4) = L(2)), t = 128 for
    c = 100 (L(256) = 156). A doubling whose loss is exactly the slack below the last one's is not
    a fall (it is within the loss's rounding)."""

    def vee(c: float) -> _Ray:
        return _Ray(lambda x: abs(c - x), lambda x: -1.0 if x < c else 1.0)

    assert vee(3.0).expanded(1.0) == 2.0
    assert vee(100.0).expanded(1.0) == 128.0
    flat = _Ray(
        lambda x: {0.0: 3.0, 1.0: 2.0, 2.0: 2.0 - loss_slack(2.0)}.get(x, 10.0), lambda x: -1.0
    )
    assert flat.expanded(1.0) == 1.0


@pytest.mark.parametrize("size", [1e300, 1e-300])
def test_backtrack_lengthening_ends_quietly_where_the_step_leaves_float64(size: float) -> None:
    """L linear up to 2 size, then 4 size / x (convex, falling for ever): the doublings go on
    until theta - t step leaves float64 (t step overflows at size 1e300; t itself does, after 1024
    doublings, at size 1e-300, where 0 t is then not a number): no warning, the last finite
    doubling is taken."""
    ray = _Ray(
        lambda x: 4.0 - x / size if x <= 2 * size else 4.0 * size / x,
        lambda x: -1.0 / size if x <= 2 * size else -(4.0 * size / x) / x,
    )
    last = 2.0**27 if size > 1 else 2.0**1023
    assert ray.expanded(size) == last * size


def _scripted(values: dict[float, float], f0: float) -> _Ray:
    """L(0) = f0 and L(x) = values[x] at the listed x, 100 elsewhere; slope -1 at 0."""
    return _Ray(lambda x: f0 if x == 0 else values.get(x, 100.0), lambda x: -1.0)


def _backtrack(ray: _Ray, size: float, expand: bool | None) -> float | None:
    """backtrack from 0 along step = (-size, 0); expand None: its default."""
    from manual.solvers.driver import Iterate
    from manual.solvers.line_search import backtrack

    at = Iterate(np.zeros(2), *ray.loss_and_gradient(np.zeros(2)))
    step = np.array([-size, 0.0])
    kwargs = {} if expand is None else {"expand": expand}
    found = backtrack(ray, at, step, **kwargs)
    return None if found is None else float(found.theta[0])


def test_backtrack_takes_the_first_halving_that_passes_armijo_and_lengthens_only_on_request() -> (
    None
):
    """From L = f0 with slope -1 along a step of size s (g.step = s): t = 1 is taken where
    L(s) <= 1 - ARMIJO_C s + slack (equality included), else t = 1/2 is tried. It is lengthened to
    t = 2 only with `expand`, only from t = 1, and only where t = 1 fell by at least LINEAR g.step
    (equality included): not at a fall of 0.75 of g.step = 2, nor from t = 1/2."""
    f0 = 1.0
    bound = f0 - ARMIJO_C * 1.0 * 1.0 + loss_slack(f0)  # as backtrack computes it, at t = 1, s = 1
    assert _backtrack(_scripted({1.0: bound, 2.0: 0.5}, f0), 1.0, False) == 1.0
    # no fall at t = 1: halved
    assert _backtrack(_scripted({1.0: f0, 0.5: 0.5, 2.0: 0.0}, f0), 1.0, True) == 0.5
    # linear at t = 1, a fall of exactly LINEAR g.step: lengthened with expand only
    linear = {1.0: f0 - LINEAR * 1.0, 2.0: 0.0}
    assert f0 - linear[1.0] == LINEAR * 1.0
    assert _backtrack(_scripted(linear, f0), 1.0, True) == 2.0
    assert _backtrack(_scripted(linear, f0), 1.0, False) == 1.0
    assert _backtrack(_scripted(linear, f0), 1.0, None) == 1.0  # not lengthened by default
    # s = 2: a fall of 1.5 < LINEAR * 2 at t = 1 is not linear
    assert _backtrack(_scripted({2.0: 0.5, 4.0: 0.0}, 2.0), 2.0, True) == 2.0


def test_backtrack_tries_every_t_that_could_pass_and_gives_up_at_the_slack() -> None:
    """The loss is >= 0, so a t whose Armijo margin C t g.step exceeds L + slack is skipped
    untried; one whose margin is L + slack exactly, or just below, can still pass with a loss of 0
    (the step reaches the loss's zero), and is tried. Once t g.step is down to the slack
    (g.step = 1, t = 2^-50: 4 EPS of L = 1), no shorter step can lower the loss measurably: None,
    even where that t's loss is L itself."""
    f0 = 1.0
    for size in [1e4, (f0 + loss_slack(f0)) / ARMIJO_C]:
        assert ARMIJO_C * size <= f0 + loss_slack(f0)
        assert _backtrack(_scripted({size: 0.0}, f0), size, False) == size
    assert loss_slack(f0) == 2.0**-50
    assert _backtrack(_scripted({2.0**-50: f0}, f0), 1.0, False) is None


class _Bowl:
    """L(theta) = 1 + g0.theta + (1/2) theta' diag(h) theta: convex, with L = 1 and gradient g0 at 0
    (so that backtrack's slack there is loss_slack(1) = 2^-50); every value below is exact."""

    def __init__(self, g0: list[float], h: list[float]) -> None:
        self.g0, self.h = np.array(g0), np.array(h)

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        loss = 1.0 + float(self.g0 @ theta + 0.5 * theta @ (self.h * theta))
        return loss, self.g0 + self.h * theta

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        raise AssertionError("a line search needs no Hessian")

    def hvp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        raise AssertionError("a line search needs no Hessian")


@pytest.mark.parametrize(
    ("bowl", "step", "taken"),
    [
        # -g_new.step = 4 (2^-26)^2 = 2^-50, the slack exactly, and ||g||inf falls from 1 to
        # 1 - 2^-25: taken (the loss rises by 2^-51, within its rounding)
        (_Bowl([1.0, 0.5], [2.0, 0.5]), [2.0**-26, -(2.0**-25)], True),
        # g.step = 0, ||g||inf falls from 1 to 3/4, but -g_new.step = 3/16: the loss may rise (it
        # does, by 3/32), far beyond its rounding: refused
        (_Bowl([1.0, 0.5, 0.5], [1.0, 1.0, 1.0]), [0.25, -0.25, -0.25], False),
        # g.step = 0 and -g_new.step = 2^-60, within the slack, but ||g||inf stays 1: refused
        (_Bowl([1.0, 0.0], [1.0, 1.0]), [0.0, 2.0**-30], False),
    ],
)
def test_backtrack_judges_a_step_below_the_losss_rounding_by_its_gradient(
    bowl: _Bowl, step: list[float], taken: bool
) -> None:
    """Where the whole step promises a fall g.step within the slack, the losses cannot judge it:
    the step is taken exactly where convexity bounds the loss's rise, L(theta - s) - L(theta) <=
    -g_new.s, within the slack (equality included) and the gradient's largest entry strictly
    shrinks; else None. A step taken never raises the loss beyond the slack."""
    from manual.solvers.driver import Iterate
    from manual.solvers.line_search import backtrack

    s = np.array(step)
    at = Iterate(np.zeros(len(s)), *bowl.loss_and_gradient(np.zeros(len(s))))
    assert at.grad @ s <= loss_slack(at.loss) == 2.0**-50
    found = backtrack(bowl, at, s)
    if not taken:
        assert found is None
        return
    assert found is not None
    np.testing.assert_array_equal(found.theta, -s)
    assert found.loss <= at.loss + loss_slack(at.loss)
    assert np.max(np.abs(found.grad)) < np.max(np.abs(at.grad))


def test_truncated_cg_stops_quietly_where_its_step_or_next_direction_leaves_float64() -> None:
    """Where the step along p would pass the largest float, CG returns the d found so far (here
    0, after the one product); where the step is finite but the next direction is not (|r|^2
    overflows, times a zero of p gives nan), it returns the step just taken, the first CG step
    (g.g / g.Hg) g. Neither warns (RuntimeWarnings are errors in this suite)."""
    from manual.solvers.newton_cg import truncated_cg

    # H = 1e-300, g = 1e10: a = g.g / g.Hg = 1e300, a g = 1e310
    hvp, calls = _counted(np.array([[1e-300]]))
    d, used = truncated_cg(hvp, np.array([1e10]), 1e-6, 10)
    assert used == len(calls) == 1 and np.array_equal(d, np.zeros(1))

    # H = diag(1, 0, 1), g = (1e140, 1e150, 0): d = 1e20 g, r = (-1e160, 1e150, 0), |r|^2 = 1e320
    H = np.diag([1.0, 0.0, 1.0])
    g = np.array([1e140, 1e150, 0.0])
    hvp, calls = _counted(H)
    d, used = truncated_cg(hvp, g, 1e-6, 10)
    assert used == len(calls) == 1
    assert np.all(np.isfinite(d)) and np.array_equal(d, (float(g @ g) / float(g @ H @ g)) * g)


def test_towards_zero_judges_a_step_by_its_promise_without_a_warning() -> None:
    """Where g.theta >= L / 2: a step promising g.step < L / 2 gives way to the straight step
    theta L / g.theta, one promising at least L / 2 stays; a step that is not finite gives way
    (its promise nan: no invalid-value warning), a finite one whose promise overflows stays (no
    overflow warning)."""
    from manual.solvers.driver import Iterate
    from manual.solvers.newton import towards_zero

    theta = np.array([4.0, 3.0])
    at = Iterate(theta, 5.0, np.array([1.0, 0.0]))  # g.theta = 4 >= 5 / 2
    straight = theta * (5.0 / 4.0)
    assert np.array_equal(towards_zero(at, np.array([2.0, 0.0]), unbounded=False), straight)
    assert np.array_equal(towards_zero(at, np.array([3.0, 0.0]), unbounded=False), [3.0, 0.0])
    assert np.array_equal(towards_zero(at, np.array([3.0, 0.0]), unbounded=True), straight)

    at = Iterate(theta, 5.0, np.array([0.0, 1.0]))  # g.theta = 3: g.(inf, 0) = 0 inf = nan
    assert np.array_equal(towards_zero(at, np.array([np.inf, 0.0]), unbounded=False), theta * 5 / 3)
    at = Iterate(theta, 5.0, np.array([1.0, 1.0]))  # g.theta = 7: g.step = 2e308 = inf
    huge = np.array([1e308, 1e308])
    assert np.array_equal(towards_zero(at, huge, unbounded=False), huge)


def test_pinv_solve_drops_eigenvalues_relative_to_the_largest_whatever_the_scale() -> None:
    """The cutoff is size * EPS * lambda_max: H -> c H (c a power of two, here far below 1) gives
    H^+ g -> H^+ g / c, the same eigenvalues kept. On diag(1, 1e-17) the second, below
    2 EPS * 1, is dropped; none is dropped for being small in absolute terms."""
    from manual.solvers.newton import _pinv_solve

    H, g = np.diag([1.0, 1e-17]), np.array([3.0, 5.0])
    assert np.array_equal(_pinv_solve(H, g), [3.0, 0.0])
    for c in (2.0**-60, 2.0**-900):
        assert np.array_equal(_pinv_solve(c * H, g) * c, [3.0, 0.0])
