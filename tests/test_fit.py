"""Training: both twins follow the same trajectory; GD descends; Newton reaches the optimum that GD
and the JAX twin reach; separation and non-convergence are reported. Oracles: test_oracles.py."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import manual
import reference
from tests.callers import assert_attributed_to
from tests.strategies import TWIN_SHAPES, Problem, hard_label_problems, problems
from tests.tolerances import EPS, TWIN_RTOL, assert_within, twin_gradient_scale, twin_loss_scale

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


@pytest.mark.parametrize(
    ("kwargs", "kind", "words"),
    [
        ({"solver": "sgd"}, ValueError, "solver must be one of ('gd', 'newton'), got 'sgd'"),
        ({"lr": 0.0}, ValueError, "lr must lie in (0.0, inf); got 0.0"),
        ({"lr": -1.0}, ValueError, "lr must lie in (0.0, inf); got -1.0"),
        ({"lr": np.nan}, ValueError, "lr must be finite"),
        ({"max_iter": 1e7}, TypeError, "max_iter must be an int, got float"),
        ({"max_iter": -1}, ValueError, "max_iter must be an int >= 0; got -1"),
        ({"tol": -1e-3}, ValueError, "tol must lie in [0.0, inf)"),
        ({"l2": -1.0}, ValueError, "l2 must lie in [0.0, inf)"),
        ({"w0": np.zeros(3)}, ValueError, "w must have shape (d,) = (2,)"),
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


def test_the_advice_says_what_happened_and_what_to_do() -> None:
    """The ConvergenceWarning's text, word for word, for each way a run can end short of tol."""
    from manual.fit import _advice

    losses, norms = np.array([3.0, 2.0, 1.0]), np.array([1.0, 0.5, 0.25])
    head = "gd stopped after 2 steps with gradient norm 2.500e-01 > tol = 1.000e-08: "
    assert _advice("gd", 0.5, losses, norms, 1e-8, False) == head + (
        "the loss still falls slowly: raise max_iter, try a larger lr than 0.5 (up to 2 / L), "
        "scale the features to comparable ranges, or use solver='newton'"
    )
    rose = head + (
        "the loss rose on some steps, so lr = 0.5 is too large: try lr <= 1 / L (fit's default, "
        "see manual.lipschitz), or scale the features"
    )
    assert _advice("gd", 0.5, np.array([3.0, 4.0, 1.0]), norms, 1e-8, False) == rose
    assert _advice("gd", 0.5, np.array([3.0, 3.0 + 1e-15, 1.0]), norms, 1e-8, False) == rose
    # a loss that stays put is not a loss that rises
    assert "still falls slowly" in _advice("gd", 0.5, np.array([3.0, 2.0, 2.0]), norms, 1e-8, False)
    newton = "newton stopped after 2 steps with gradient norm 2.500e-01 > tol = 1.000e-08: "
    assert _advice("newton", 0.0, losses, norms, 1e-8, False) == newton + (
        "raise max_iter, or scale the features to comparable ranges"
    )
    assert _advice("newton", 0.0, losses, norms, 1e-8, True) == newton + (
        "no Newton step lowers the loss beyond its rounding; the optimum is reached to float64 "
        "precision, so tol is below what this data set allows"
    )
    # Newton asked for a gradient norm below rounding: its last steps change nothing
    floor = np.array([1.0, 0.5, 0.5, 0.5 + 1e-16, 0.5, 0.5])
    norms_at_floor = np.array([1.0, 1e-9, 1e-17, 2e-17, 3e-17, 1.5e-17])
    at_floor = _advice("newton", 0.0, floor, norms_at_floor, 1e-20, False)
    assert at_floor.endswith(
        "the last 3 Newton steps lowered neither the gradient norm nor the loss beyond its "
        "rounding; the optimum is reached to float64 precision, so tol is below what this data "
        "set allows"
    )
    # ... but not while the loss still falls, or the gradient norm does
    assert "raise max_iter" in _advice(
        "newton", 0.0, np.array([1.0, 0.9, 0.8, 0.7, 0.6]), np.ones(5), 1e-20, False
    )
    assert "raise max_iter" in _advice(
        "newton", 0.0, np.full(5, 0.5), np.array([1.0, 0.5, 0.4, 0.3, 0.2]), 1e-20, False
    )
    assert "raise max_iter" in _advice("newton", 0.0, np.full(3, 0.5), np.ones(3), 1e-20, False)
    assert "below what" in _advice("newton", 0.0, np.full(4, 0.5), np.ones(4), 1e-20, False)
    X, y = _nonseparable(100, 2, 5)
    with pytest.warns(manual.ConvergenceWarning, match="tol is below what this data set allows"):
        manual.fit(X, y, solver="newton", tol=1e-300, max_iter=30)
    with pytest.warns(manual.ConvergenceWarning) as record:
        res = manual.fit(X, y, solver="gd", max_iter=3)
    assert res.lr is not None
    assert str(record[0].message) == _advice("gd", res.lr, res.losses, res.grad_norms, 1e-8, False)


def test_a_short_run_on_separable_data_is_called_separable_by_the_newton_probe() -> None:
    """After 3 GD steps no iterate separates the classes yet: the Newton probe from there must."""
    from manual.blocked import Objective
    from manual.fit import _separates

    rng = np.random.default_rng(3)
    x = np.concatenate([-rng.uniform(0, 1, 40) - 5e-7, rng.uniform(0, 1, 40) + 5e-7])
    X = np.column_stack([x, 3 * rng.standard_normal(80)])
    y = (x > 0).astype(float)
    with pytest.warns(manual.SeparationWarning):
        res = manual.fit(X, y, solver="gd", max_iter=3)
    assert not _separates(Objective(X, y, 0.0), res.w, res.b, res.losses, 80)  # the probe decided
    assert res.separable and not res.converged
    # the same short run on overlapping classes: the probe finds a finite optimum, not separation
    Xo, yo = _nonseparable(80, 2, 7)
    with pytest.warns(manual.ConvergenceWarning):
        assert not manual.fit(Xo, yo, solver="gd", max_iter=3).separable


def test_a_loss_below_log2_over_n_certifies_separation() -> None:
    """Every l_i < log 2 puts every point on its side, so a loss below log(2) / n (less a 1e-12
    margin for its rounding) certifies separability by itself, even where the final (w, b) = 0
    puts no point strictly on its side."""
    from manual.blocked import Objective
    from manual.fit import _separates

    X, y = _nonseparable(20, 2, 8)
    model, w, b = Objective(X, y, 0.0), np.zeros(2), 0.0
    bound = math.log(2.0) / 20

    def certified(loss: float) -> bool:
        return _separates(model, w, b, np.array([1.0, loss]), 20)

    assert certified(0.5 * bound) and certified(bound * (1 - 2e-12))
    assert not certified(bound * (1 - 1e-12))  # the margin itself is not below
    assert not certified(bound) and not certified(1.5 * bound)


def test_newton_direction_solves_when_it_may_and_drops_what_rounding_hides() -> None:
    """A well-conditioned H is solved directly (bitwise np.linalg.solve); where the Cholesky pivots
    span more than 1e7 (cond(H) >= 1e14), the eigenvalues below (d + 1) eps lambda_max are
    dropped: the minimum-norm step, not the huge one along the near-null direction."""
    from manual.fit import _newton_direction

    rng = np.random.default_rng(9)
    A = rng.standard_normal((4, 4))
    H, g = A @ A.T + 4 * np.eye(4), rng.standard_normal(4)
    assert np.array_equal(_newton_direction(H, g), np.linalg.solve(H, g))
    near = np.diag([1e4, 1e-12])  # pivots 1e2 and 1e-6: ratio 1e-8; 1e-12 < 2 eps 1e4
    assert np.array_equal(_newton_direction(near, np.array([1e4, 1.0])), np.array([1.0, 0.0]))
    fine = np.diag([1e4, 1e-9])  # pivots 1e2 and 3.2e-5: ratio 3.2e-7, solved as it is
    g2 = np.array([1e4, 1.0])
    assert np.array_equal(_newton_direction(fine, g2), np.linalg.solve(fine, g2))  # ~ (1, 1e9)
    assert np.array_equal(_newton_direction(np.zeros((2, 2)), np.ones(2)), np.zeros(2))


def test_newton_damps_the_steps_that_would_raise_the_loss() -> None:
    """From a far start the full Newton step overshoots (p (1 - p) ~ 0, so H ~ 0 and H^-1 g is
    huge): the line search halves it until Armijo's test passes, the loss never rises beyond
    its rounding, and the run reaches the optimum that a start from 0 reaches."""
    from manual.blocked import Objective
    from manual.fit import LOSS_SLACK_ULPS, _newton_direction

    X, y = _nonseparable(200, 2, 10)
    w0 = np.array([30.0, -30.0])
    model = Objective(X, y, 0.0)
    f0, gw, gb = model.loss_and_gradient(w0, 0.0)
    full = _newton_direction(model.hessian(w0, 0.0), np.append(gw, gb))
    assert model.loss_and_gradient(w0 - full[:-1], -full[-1])[0] > 100 * f0  # the full step
    far = manual.fit(X, y, solver="newton", tol=1e-10, w0=w0)
    near = manual.fit(X, y, solver="newton", tol=1e-10)
    assert far.converged and far.n_iter <= 20
    rises = np.diff(far.losses)
    assert np.all(rises <= LOSS_SLACK_ULPS * EPS * far.losses[1:])
    assert rises[0] < 0  # the first, damped, step already lowers the loss
    assert abs(far.losses[-1] - near.losses[-1]) <= 8 * EPS * near.losses[-1]


def test_a_final_iterate_with_every_margin_beyond_rounding_certifies_separation() -> None:
    """(2 y_i - 1) z_i > (d + 1) eps (|X_i| @ |w| + |b|) for every i: each point is strictly on
    its side, however thin the margin, unless the margin is within the rounding of z_i."""
    from manual.blocked import Objective
    from manual.fit import _separates

    X, y = np.array([[-1.0], [1.0]]), np.array([0.0, 1.0])
    model, high = Objective(X, y, 0.0), np.array([1.0])  # a loss far above log(2) / n

    def certified(w: float, b: float) -> bool:
        return _separates(model, np.array([w]), b, high, 2)

    assert certified(1.0, 0.0) and certified(2.0, 0.5)
    assert not certified(-1.0, 0.0) and not certified(1.0, 1.5) and not certified(0.0, 0.0)
    # z_2 = 1 + b exactly; its rounding bound is 2 eps (1 + |b|) ~ 8.9e-16
    assert not certified(1.0, -1.0 + 5 * EPS / 2)  # z_2 = 5.6e-16: within rounding
    assert certified(1.0, -1.0 + 10 * EPS / 2)  # z_2 = 1.1e-15: beyond it
    assert not certified(1.0, -1.0)  # z_2 = 0
    shifted = Objective(np.array([[0.0], [3.0]]), y, 0.0)  # only the intercept separates these
    assert _separates(shifted, np.array([1.0]), -1.0, high, 2)
    assert not _separates(shifted, np.array([1.0]), 1.0, high, 2)


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


class _Quadratic:
    """A made-up model for the Newton driver alone: L = |theta|^2 / 2 (theta = (w, b)), whose
    Hessian is reported as h I (h = 1: exact; other h: the step is 1 / h times Newton's), and
    which refuses, as the real objective refuses logits past float64, any point whose largest
    coordinate exceeds `limit`."""

    def __init__(self, h: float, limit: float = math.inf) -> None:
        self.h, self.limit = h, limit
        self.X, self.y = np.zeros((1, 2)), np.ones(1)

    def loss_and_gradient(self, w: np.ndarray, b: float) -> tuple[float, np.ndarray, float]:
        if max(np.abs(w).max(), abs(b)) > self.limit:
            raise ValueError("logits beyond float64")
        return float(w @ w + b * b) / 2, w.copy(), b

    def hessian(self, w: np.ndarray, b: float) -> np.ndarray:
        return self.h * np.eye(3)


def _step(model: _Quadratic, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
    from manual.fit import _newton_step

    stepped = _newton_step(model, w, b, *model.loss_and_gradient(w, b))
    assert stepped is not None
    return stepped[0], stepped[1]


def test_the_line_search_keeps_armijos_margin_and_halves_past_refused_trials() -> None:
    """Armijo's test asks for a decrease of at least C t g.d, not just any decrease; a trial whose
    logits leave float64 counts as rejected, and t halves again."""
    from manual.fit import ARMIJO_C

    # step 1 / h = 2 - 1e-6 times Newton's: the full step lands at -(1 - 1e-6) theta, lowering
    # L by a fraction 2e-6, far below C g.d / L = 2 C (2 - 1e-6) = 4e-4: rejected; the half step
    # lands at 5e-7 theta. The margin is relative: it holds for a start of size 1e3 as well.
    assert 2 * ARMIJO_C * (2 - 1e-6) > 2e-6
    for scale in (1e-3, 1.0, 1e3):
        theta = scale * np.array([1.0, -2.0, 3.0])
        w, b = _step(_Quadratic(1 / (2 - 1e-6)), theta[:2], float(theta[2]))
        np.testing.assert_allclose(np.append(w, b), 5e-7 * theta, rtol=1e-9)
    # Armijo's test admits equality: a trial exactly at L - C t g.d + slack is taken at t = 1
    from manual.fit import _loss_slack, _newton_step

    edge = 1.0 - ARMIJO_C * 1.0 * 1.0 + _loss_slack(1.0)

    class Edge(_Quadratic):
        def loss_and_gradient(self, w: np.ndarray, b: float) -> tuple[float, np.ndarray, float]:
            return (1.0 if b == 0.0 else edge), np.zeros(2), 1.0 - b

    stepped = _newton_step(Edge(1.0), np.zeros(2), 0.0, 1.0, np.zeros(2), 1.0)
    assert stepped is not None and stepped[1] == -1.0
    # step 8 x Newton's: trials at -7 theta (refused: past the limit), -3 theta (9 x the loss),
    # -theta (the same loss: no decrease) and 0, the first accepted
    theta = np.array([1.0, -2.0, 3.0])
    w, b = _step(_Quadratic(1 / 8, limit=5 * 3.0), theta[:2], float(theta[2]))
    assert np.array_equal(np.append(w, b), np.zeros(3))


def test_newton_stops_where_no_step_lowers_the_loss_but_tol_zero_takes_max_iter_steps() -> None:
    """A model whose loss every step raises (by 1e-15, beyond its rounding of 4 ulps; its gradient
    says otherwise): the line search gives up once t g.d is below that rounding; with tol > 0 the
    run stops there, saying so; with tol = 0 it takes the max_iter steps the contract asks for, all
    of length 0."""
    from manual.fit import _advice, _newton_step, run

    class Flat(_Quadratic):
        def loss_and_gradient(self, w: np.ndarray, b: float) -> tuple[float, np.ndarray, float]:
            moved = bool(np.any(w != 0) or b != 0)
            return 1.0 + 1e-15 * moved, np.ones(2), 1.0

    model, w0 = Flat(1.0), np.zeros(2)
    assert _newton_step(model, w0, 0.0, 1.0, np.ones(2), 1.0) is None

    class Tiny(_Quadratic):  # a step up to 2^-50 = 4 ulps of 1 leaves the loss alone
        def loss_and_gradient(self, w: np.ndarray, b: float) -> tuple[float, np.ndarray, float]:
            return 1.0 + 1e-15 * (abs(b) > 2.0**-50), np.zeros(2), 1.0

    # g = (0, 0, 1), H = I: g.d = 1, and t = 2^-50 makes t g.d the slack, 4 eps 1: the search has
    # stopped before it tries that t (by convexity it could not lower the loss measurably)
    assert _newton_step(Tiny(1.0), w0, 0.0, 1.0, np.zeros(2), 1.0) is None
    common = dict(solver="newton", lr=0.0, w0=w0, b0=0.0)
    for l2 in (1.0, 0.0):  # l2 = 0: the Newton probe for separation stops at once too
        with pytest.warns(manual.ConvergenceWarning) as record:
            stopped = run(model, 1, max_iter=9, tol=1e-3, l2=l2, **common)  # type: ignore[arg-type]
        assert stopped.n_iter == 0 and not stopped.converged and not stopped.separable
        assert str(record[0].message) == _advice(
            "newton", 0.0, stopped.losses, stopped.grad_norms, 1e-3, True
        )
    hessians: list[int] = []

    def counted_hessian(w: np.ndarray, b: float) -> np.ndarray:
        hessians.append(1)
        return np.eye(3)

    model.hessian = counted_hessian  # type: ignore[method-assign]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = run(model, 1, max_iter=9, tol=0.0, l2=1.0, **common)  # type: ignore[arg-type]
    assert full.n_iter == 9 and np.array_equal(full.losses, np.ones(10))
    assert np.array_equal(full.w, w0) and full.b == 0.0
    assert len(hessians) == 1  # once stalled, the steps of length 0 cost no search


@pytest.mark.parametrize("w0", [300.0, 700.0, 705.0])
def test_newton_recovers_from_a_start_where_the_curvature_underflows(
    w0: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At logits of hundreds p (1 - p) ~ exp(-|z|) underflows: H^+ g is 1e130 long or more, and
    the t whose Armijo margin exceeds the loss are skipped without a pass; once the curvature sits
    in one sample, H^+ g misses the direction that lowers the loss: the Cauchy step along g takes
    over, and the run reaches the optimum that a start from 0 reaches, in fewer than 10 passes over
    X a step (not the 400 to 1000 halvings of t, one pass each, that H^+ g alone would take)."""
    from manual.blocked import Objective

    passes = [0]
    loss_and_gradient = Objective.loss_and_gradient

    def counted(self: Objective, w: np.ndarray, b: float) -> tuple[float, np.ndarray, float]:
        passes[0] += 1
        return loss_and_gradient(self, w, b)

    monkeypatch.setattr(Objective, "loss_and_gradient", counted)
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


def test_the_newton_step_scales_with_the_hessian_whatever_it_drops() -> None:
    """H^+ g for c H is H^+ g / c: the rounding cutoff is relative to lambda_max, whatever its
    size. Here H = diag(1e-17, 1e-3, 1) c: 1e-17 c is below 3 eps c (dropped), 1e-3 c is not."""
    from manual.fit import _newton_direction

    g = np.ones(3)
    for c in (1.0, 2.0**-20, 2.0**-60, 2.0**40):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # silently: no warning of any kind on the way
            step = _newton_direction(c * np.diag([1e-17, 1e-3, 1.0]), g)
        assert np.array_equal(step, np.array([0.0, 1e3, 1.0]) / c), c


def test_the_newton_direction_solves_only_below_the_pivot_ratio_1e7(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cholesky pivots with ratio exactly 1e7 (H = diag(1, 1e-14); sqrt(x^2) = x in IEEE
    arithmetic) take the eigendecomposition, pivots just inside it the plain solve."""
    from manual.fit import _newton_direction

    solved: list[np.ndarray] = []
    solve = np.linalg.solve

    def spy(A: np.ndarray, g: np.ndarray) -> np.ndarray:
        solved.append(A)
        return solve(A, g)

    monkeypatch.setattr(np.linalg, "solve", spy)
    for pivot, direct in ((1e-7, False), (1e-7 * (1 + 1e-15), True), (1e-7 * (1 - 1e-15), False)):
        solved.clear()
        H = np.diag([1.0, pivot * pivot])
        assert np.sqrt(H[1, 1]) == pivot
        step = _newton_direction(H, np.ones(2))
        assert bool(solved) is direct
        np.testing.assert_allclose(step, [1.0, 1 / H[1, 1]], rtol=1e-12)


def test_the_rounding_floor_is_three_steps_without_a_new_best_norm_or_a_loss_change() -> None:
    """The floor test's edges: FLOOR_STEPS steps, a best norm equalled (not beaten) inside them,
    the loss's spread over them (and the iterate before) up to 4 ulps of the last loss."""
    from manual.fit import FLOOR_STEPS, _at_rounding_floor, _loss_slack

    assert FLOOR_STEPS == 3
    losses, norms = np.full(6, 0.5), np.array([1.0, 1e-9, 1e-17, 1e-17, 2e-17, 3e-17])
    assert _at_rounding_floor(losses, norms)  # the window's best, 1e-17, only equals the earlier
    beaten = norms.copy()
    beaten[-2] = 0.99e-17
    assert not _at_rounding_floor(losses, beaten)
    earlier = norms.copy()
    earlier[-4] = 0.5e-17  # the best before the window is what the window must beat
    assert _at_rounding_floor(losses, earlier)
    assert _at_rounding_floor(losses[-4:], norms[-4:]) and not _at_rounding_floor(
        losses[-3:], norms[-3:]
    )  # FLOOR_STEPS steps after at least one before them
    slack = _loss_slack(0.5)  # 4 ulps of 0.5: 0.5 + slack and 0.5 + 2 slack are exact
    assert slack == 2 * EPS and _loss_slack(-3.0) == 12 * EPS
    for where, rise, floor in ((-4, slack, True), (-4, 2 * slack, False), (-5, 1.0, True)):
        moved = losses.copy()
        moved[where] += rise
        assert _at_rounding_floor(moved, norms) is floor, (where, rise)
    # the slack is the last loss's: a large earlier loss does not widen it, and at 1.0 a spread of
    # 4 eps is within 4 ulps of the last loss but not of the one before, 1 - eps / 2
    first_large = np.array([10.0, 10.0, 0.5 + 2 * slack, 0.5, 0.5, 0.5])
    assert not _at_rounding_floor(first_large, norms)
    below_one = np.array([1.0, 1 - 4 * EPS, 1 - 4 * EPS, 1 - EPS / 2, 1.0])
    assert _at_rounding_floor(below_one, np.ones(5))
    # in 4 iterates, the window is the last 3 norms, not the last one alone
    assert not _at_rounding_floor(np.full(4, 0.5), np.array([1.0, 0.5, 1.0, 1.0]))


def test_the_line_search_skips_only_a_margin_beyond_the_loss_and_its_rounding() -> None:
    """A t whose Armijo margin C t g.d exceeds L plus the slack cannot pass (the loss is >= 0);
    one whose margin equals L + slack can, where the trial's loss is exactly 0, and is tried."""
    from manual.fit import ARMIJO_C, _line_search

    class ZeroAtT1(_Quadratic):  # the loss is 0 at b = -1 (t = 1 on step (0, 0, 1)), 1 elsewhere
        def loss_and_gradient(self, w: np.ndarray, b: float) -> tuple[float, np.ndarray, float]:
            return (0.0 if b == -1.0 else 1.0), np.zeros(2), 0.0

    g = step = np.array([0.0, 0.0, 1.0])  # g.d = 1
    f = ARMIJO_C * 1.0  # the margin at t = 1, exactly
    for slack in (0.0, 0.5 * f):  # margin = L + 0 (equal); margin = L, between L -+ slack
        found = _line_search(ZeroAtT1(1.0), np.zeros(2), 0.0, f, g, step, slack)
        assert found is not None and found[1] == -1.0 and found[2][0] == 0.0, slack


@pytest.mark.parametrize(("size", "separates"), [(1.0, False), (0.5, True)])
def test_the_separation_probe_takes_at_most_50_newton_steps(size: float, separates: bool) -> None:
    """L = |theta|^2 / 2 with the Hessian reported as 2 I: each step halves theta and quarters
    L, exactly. From L = 4^50 size (n = 1), L passes below log 2 (the certificate) at step 50
    for size = 0.5, at step 51 for size = 1: the probe gives up after 50 steps."""
    from manual.fit import _newton_probe_separates

    model = _Quadratic(2.0)
    w = np.array([2.0**50, 2.0**50 if size == 1.0 else 0.0])
    at = model.loss_and_gradient(w, 0.0)
    assert at[0] == 4.0**50 * size
    assert _newton_probe_separates(model, w, 0.0, at, 1) is separates


def test_every_warning_names_the_callers_line_and_says_it_all() -> None:
    """Raised deep inside (fit -> run, the JAX twin's fit -> run, check_gradient), each warning
    is attributed to the line that called the project: this file."""
    from manual.mistakes import flat

    X, y = np.array([[1.0], [2.0], [3.0]]), np.ones(3)  # one class: separable
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


class _Given(_Quadratic):
    """A model with a given Hessian whose loss is 0 wherever a trial step lands: the step that
    _newton_step takes is the whole first trial, so it shows which direction was chosen."""

    def __init__(self, H: np.ndarray) -> None:
        super().__init__(1.0)
        self.H = H

    def loss_and_gradient(self, w: np.ndarray, b: float) -> tuple[float, np.ndarray, float]:
        return 0.0, np.zeros_like(w), 0.0

    def hessian(self, w: np.ndarray, b: float) -> np.ndarray:
        return self.H


def test_the_cauchy_step_replaces_newtons_only_beyond_twice_its_decrease() -> None:
    """H = diag(7.875, 0), g = (1, b): H^+ g = (1 / 7.875, 0) drops g's second component. With
    this b (found by search) the Cauchy decrease |g|^4 / g.H.g is exactly CAUCHY_FACTOR = 2
    times Newton's g.H^+ g in float64: not beyond it, so Newton's step is kept; with a larger
    b it is beyond, and the step is the Cauchy step |g|^2 / g.H.g g."""
    from manual.fit import CAUCHY_FACTOR, _newton_step

    H = np.diag([7.875, 0.0])
    for b, cauchy in ((0.6435942529055826, False), (0.7, True)):
        g = np.array([1.0, b])
        g_g, length = float(g @ g), float(g @ g) / float(g @ H @ g)  # the Cauchy step's length
        newton = np.array([1 / 7.875, 0.0])
        assert (g_g * length > CAUCHY_FACTOR * float(g @ newton)) is cauchy
        assert g_g * length >= CAUCHY_FACTOR * float(g @ newton)
        stepped = _newton_step(_Given(H), np.zeros(1), 0.0, 1.0, g[:1], b)
        assert stepped is not None
        want = length * g if cauchy else newton
        np.testing.assert_array_equal(-np.append(stepped[0], stepped[1]), want)


def test_along_a_gradient_without_curvature_the_cauchy_step_is_2_to_the_416() -> None:
    """H = 0: Newton's step is 0, and the Cauchy step along g has no model minimum; its length
    is then 1 / _TINY = 2^416 (the line search halves it as far as needed). Here the loss
    accepts it at once: b moves by 2^416 g_b = 2^416 2^-250."""
    from manual.fit import _newton_step

    stepped = _newton_step(_Given(np.zeros((2, 2))), np.zeros(1), 0.0, 1.0, np.zeros(1), 2.0**-250)
    assert stepped is not None and stepped[1] == -(2.0**166) and stepped[0][0] == 0.0


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
