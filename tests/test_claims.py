"""Numerical claims of DERIVATION.md that no other test states: each test here is linked from the
sentence it backs, and states that sentence as a property, with its tolerance and the reason."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import manual
import manual.solvers.newton as newton_module
import reference
import reference.multinomial
from manual.solvers import SOLVERS
from manual.solvers.driver import Iterate
from manual.solvers.newton import Newton, jacobi_scale
from manual.solvers.newton_cg import truncated_cg
from tests.tolerances import EPS, U

# --- step 11 and "When no finite optimum exists" -------------------------------------------------

# what diagnostics.survey counts as pushed to its side: |p_i - y_i| <= PUSHED
PUSHED = 1e-3


def test_one_class_newton_stops_at_a_b_set_by_tol() -> None:
    """fit([0, 1, 2], [1, 1, 1], solver="newton", l2=1e-3) stops at b = 19.2 (to the printed
    digit): past log(1/tol - 1) ~ 18.4, where sigma(-b) <= tol first holds, by less than one
    Newton step on softplus(-b) (each step adds about 1 to b there: the step is
    sigma(-b) / (sigma(b) sigma(-b)) ~ 1)."""
    with pytest.warns(manual.SeparationWarning, match="one class only"):
        res = manual.fit([[0.0], [1.0], [2.0]], [1, 1, 1], solver="newton", l2=1e-3)
    assert res.converged and res.separable
    assert round(res.b, 1) == 19.2
    assert math.log(1 / 1e-8 - 1) <= res.b < math.log(1 / 1e-8 - 1) + 1


def test_quasi_complete_example_is_certified_by_every_solver() -> None:
    """On x = (-1, 0, 0, 1), y = (0, 0, 1, 1) every solver warns "quasi-completely separated" and
    returns separable = True (certificate 3); Newton, L-BFGS and Newton-CG still report
    converged = True, at a weight set by tol; gradient descent stops at max_iter."""
    X, y = np.array([[-1.0], [0.0], [0.0], [1.0]]), np.array([0.0, 0.0, 1.0, 1.0])
    for solver in SOLVERS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = manual.fit(X, y, solver=solver)
        messages = [str(w.message) for w in caught if w.category is manual.SeparationWarning]
        assert any("quasi-completely separated" in m for m in messages), (solver, messages)
        assert res.separable, solver
        assert res.converged == (solver != "gd"), solver


def _quasi_complete(n: int) -> tuple[np.ndarray, np.ndarray]:
    """x = (-1, 1, 0, ..., 0), y = (0, 1, then 0, 1, 0, ... on the zeros): v = (v_w, v_b) = (1, 0)
    separates the first two points with m_i(v) = 1 and leaves the rest on its hyperplane."""
    x = np.zeros(n)
    x[:2] = (-1.0, 1.0)
    y = np.zeros(n)
    y[1] = 1.0
    y[2:] = np.arange(n - 2) % 2
    return x[:, None], y


def test_a_quasi_complete_separation_goes_unreported_at_large_n_tol() -> None:
    """A run that reached tol has |p_i - y_i| <= n tol ||v||_1 / m_i(v) on the separated points.
    At n tol = 2e-3 Newton pushes them past PUSHED and warns; at n tol = 2e-2 (here n = 200,
    tol = 1e-4) it stops converged with |p_i - y_i| between PUSHED and the bound, finds no
    certificate and gives no warning: the guarantee holds only where the bound is below PUSHED."""
    X, y = _quasi_complete(20)
    with pytest.warns(manual.SeparationWarning, match="quasi-completely separated"):
        res = manual.fit(X, y, solver="newton", tol=1e-4)
    assert res.separable
    n, tol = 200, 1e-4
    X, y = _quasi_complete(n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SeparationWarning, no ConvergenceWarning
        res = manual.fit(X, y, solver="newton", tol=tol)
    assert res.converged and not res.separable
    gap = np.abs(manual.predict_proba(X[:2], res.w, res.b) - y[:2])
    bound = n * tol  # ||v||_1 = 1, m_i(v) = 1
    assert np.all((gap > PUSHED) & (gap <= bound)), gap
    # the text's 5.5e-3, to its printed digits
    assert np.all(np.abs(gap - 5.5e-3) <= 0.05e-3), gap


@pytest.mark.parametrize(
    "X, y",
    [
        ([[-1.0], [0.0], [0.0], [1.0]], [0, 0, 1, 1]),  # quasi-complete
        ([[-2.0], [-1.0], [1.0], [2.0]], [0, 0, 1, 1]),  # complete
        ([[-1.0, 3.0], [1.0, 0.0], [0.0, 2.0], [0.0, 5.0]], [0, 1, 0, 1]),  # complete, 2-d
    ],
)
def test_newton_reaches_tol_on_separable_data_in_a_few_dozen_steps(
    X: list[list[float]], y: list[int]
) -> None:
    """Newton reaches tol = 1e-8 on separable data in at most 36 steps ("a few dozen")."""
    with pytest.warns(manual.SeparationWarning):
        res = manual.fit(X, y, solver="newton")
    assert res.converged and res.separable and res.n_iter <= 36, res.n_iter


# --- S8: the textbook softmax loss at two classes ------------------------------------------------


def _twin_two_class(margin: float) -> tuple[float, float]:
    """The JAX twin's softmax loss and d/db_y at one sample whose label's logit is ahead by
    margin: logsumexp((0, m)) - m, whose exact value is log1p(e^-m)."""
    W, X, y = np.zeros((1, 2)), np.zeros((1, 1)), np.array([1])
    b = np.array([0.0, margin])
    loss = reference.multinomial.loss(W, b, X, y)
    _, gb = reference.multinomial.gradient(W, b, X, y)
    return loss, float(gb[1])


def test_the_textbook_softmax_loss_loses_its_digits_like_the_binary() -> None:
    """At two classes the twin's loss is exactly 0 from 48 ln 2 ~ 33.27 (m + e^-m rounds to m
    once e^-m is below half an ulp of m, 2^-48 on [32, 64)), more than half wrong at 33.0, and
    its gradient p_y - 1 exactly 0 from 53 ln 2 ~ 36.74 (1 + e^-m rounds to 1); below those the
    error grows like u m e^m (within the factor 10 of tests/test_accuracy.py's rule)."""
    for m in (48 * math.log(2) + 1e-9, 35.0, 40.0):
        assert _twin_two_class(m)[0] == 0.0, m
    for m in (53 * math.log(2) + 1e-9, 40.0):
        assert _twin_two_class(m)[1] == 0.0, m
    assert _twin_two_class(36.7)[1] != 0.0
    loss, _ = _twin_two_class(33.0)
    exact = math.log1p(math.exp(-33.0))
    assert abs(loss - exact) > 0.5 * exact
    for m in (10.0, 20.0):
        loss, _ = _twin_two_class(m)
        exact = math.log1p(math.exp(-m))
        rule = U * m * math.exp(m)
        assert rule / 10 <= abs(loss - exact) / exact <= 10 * rule, m


def test_the_rounding_of_the_logit_gap_is_at_most_u_times_the_gap() -> None:
    """fl(z_k - z_m) errs by r, at most half an ulp of the gap: 2^-44 ~ 5.7e-14 for gaps in
    [512, 1024), about u * 700 at a gap of 700. e^fl(d) is then off by the factor e^-r, a relative
    error of up to ~700 u on e_k, which the exact form recovers; the measured worst case over
    random logits is within a factor 4 of that ceiling (each r is spread over [0, 2^-44])."""
    rng = np.random.default_rng(0)
    z_m = rng.uniform(0.0, 1.0, 2000)
    z_k = z_m - rng.uniform(690.0, 710.0, 2000)
    d = z_k - z_m
    exact = [Fraction(a) - Fraction(b) for a, b in zip(z_k, z_m, strict=True)]
    r = np.array([float(e - Fraction(c)) for e, c in zip(exact, d, strict=True)])
    assert np.max(np.abs(r)) <= 2.0**-44
    # relative error of e^fl(d) against e^(z_k - z_m): |e^-r - 1| ~ |r|
    assert np.max(np.abs(r)) >= 2.0**-44 / 4
    assert 710 * U >= 2.0**-44  # half an ulp of the gap is at most u times the gap


# --- Newton-CG: the Krylov property of truncated_cg ---------------------------------------------

# A well-conditioned H (eigenvalues in [1, 10]) and j <= 6: each CG iterate and the least-squares
# minimizer over the Krylov basis are computed with errors of a few hundred EPS relative
# (cond <= 10, the Krylov basis orthonormalized by QR); 1e-10 leaves a wide margin.
KRYLOV_RTOL = 1e-10


def test_truncated_cg_minimizes_the_model_over_each_krylov_space() -> None:
    """The j-th CG iterate d_j (eta = 0, max_iter = j) minimizes the model -g.d + d.H.d / 2 (the
    quadratic model at the move -d) over span(g, H g, ..., H^(j-1) g); the first is the Cauchy
    step (g.g / g.H.g) g."""
    rng = np.random.default_rng(1)
    n = 8
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    H = Q @ np.diag(np.linspace(1.0, 10.0, n)) @ Q.T
    g = rng.standard_normal(n)
    d1, used = truncated_cg(lambda p: H @ p, g, 0.0, 1)
    assert used == 1
    np.testing.assert_allclose(d1, (g @ g) / (g @ H @ g) * g, rtol=KRYLOV_RTOL)
    for j in range(1, 7):
        dj, _ = truncated_cg(lambda p: H @ p, g, 0.0, j)
        K = np.column_stack([np.linalg.matrix_power(H, i) @ g for i in range(j)])
        B, _ = np.linalg.qr(K)
        best = B @ np.linalg.solve(B.T @ H @ B, B.T @ g)
        atol = KRYLOV_RTOL * float(np.linalg.norm(best))
        np.testing.assert_allclose(dj, best, rtol=KRYLOV_RTOL, atol=atol)


# --- step 9: the Cauchy step ---------------------------------------------------------------------


class _NearlyFlat:
    """L = (u.theta - a)^2 / 2 + lam (v.theta - beta)^2 / 2, u and v orthonormal at 45 degrees:
    a convex quadratic whose curvature lam = 1e-16 along v is below the pseudo-inverse's cut-off
    (its Hessian rounds to u u', exactly singular), while lam beta = 1 makes the gradient's part
    along v as large as its part along u."""

    u = np.array([1.0, 1.0]) / math.sqrt(2)
    v = np.array([1.0, -1.0]) / math.sqrt(2)
    a, lam, beta = 0.5, 1e-16, 1e16

    def loss_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        ru, rv = self.u @ theta - self.a, self.v @ theta - self.beta
        return 0.5 * ru * ru + 0.5 * self.lam * rv * rv, self.u * ru + self.lam * rv * self.v

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return np.outer(self.u, self.u) + self.lam * np.outer(self.v, self.v)

    def hvp(self, theta: np.ndarray, p: np.ndarray) -> np.ndarray:
        return self.hessian(theta) @ p


def test_newton_takes_the_cauchy_step_where_the_pseudo_inverse_drops_the_gradient(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where H_s^+ drops the direction that carries half the gradient, Cauchy's model decrease is
    more than twice Newton's, and Newton.step hands the line search the Cauchy step
    tau S^-2 g, tau = g_s.g_s / g_s.H_s.g_s (at theta = 0, g.theta = 0 < L / 2: not the straight
    way towards 0)."""
    objective = _NearlyFlat()
    theta = np.zeros(2)
    loss, g = objective.loss_and_gradient(theta)
    H = objective.hessian(theta)
    s = jacobi_scale(H)
    gs, Hs = g / s, H / np.outer(s, s)
    handed: list[np.ndarray] = []
    backtrack = newton_module.backtrack

    def spy(objective: object, at: Iterate, step: np.ndarray, **kw: bool) -> Iterate | None:
        handed.append(step.copy())
        return backtrack(objective, at, step, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(newton_module, "backtrack", spy)
    Newton().step(objective, Iterate(theta, loss, g))
    tau = (gs @ gs) / (gs @ Hs @ gs)
    cauchy = (gs @ gs) ** 2 / (2 * (gs @ Hs @ gs))
    newton = gs @ np.linalg.pinv(Hs) @ gs / 2
    assert cauchy > 2 * newton
    # the step's few roundings: 8 EPS relative
    np.testing.assert_allclose(handed[0], tau * gs / s, rtol=8 * EPS)
