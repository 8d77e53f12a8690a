"""The checkable claims of DERIVATION.md, one test a step."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import manual
from manual.binary import BinaryLoss
from tests.strategies import Problem, directions, hard_label_problems, problems
from tests.tolerances import EPS

moderate_z = st.floats(-30.0, 30.0)


@given(moderate_z)
def test_sigmoid_derivative_is_s_times_one_minus_s(z: float) -> None:
    """s'(z) = s (1 - s): against a central difference, whose error is below h^2 max|s'''| / 6 +
    eps / h (|s'''| <= 1/8, s within a few ulps of its value)."""
    h = 1e-5
    numeric = (manual.sigmoid(z + h) - manual.sigmoid(z - h)) / (2 * h)
    bound = h * h / 8 / 6 + 4 * EPS / h
    assert (
        abs(float(BinaryLoss.curvature(np.array([z]), np.array([0.0]))[0]) - float(numeric))
        <= bound
    )
    s = float(manual.sigmoid(z))
    assert abs(
        float(BinaryLoss.curvature(np.array([z]), np.array([0.0]))[0]) - s * (1 - s)
    ) <= 4 * EPS * max(s, 1e-300)


@given(moderate_z, st.floats(0.0, 1.0))
def test_cross_entropy_is_the_negative_log_likelihood(z: float, y: float) -> None:
    """l = -[y log p + (1 - y) log(1 - p)] = softplus(z) - y z, where p and 1 - p are far from 0
    (|z| <= 30): the two forms agree to the rounding of the logs, ~|log p| eps."""
    p = float(manual.sigmoid(z))
    q = float(manual.sigmoid(-z))  # 1 - p
    nll = -(y * math.log(p) + (1 - y) * math.log(q))
    l = float(BinaryLoss.value_and_derivative(np.array([z]), np.array([y]))[0][0])
    assert abs(l - nll) <= 8 * EPS * (abs(math.log(p)) + abs(math.log(q)) + abs(z))


@given(moderate_z, st.floats(0.0, 1.0))
def test_dl_dz_is_p_minus_y(z: float, y: float) -> None:
    """d/dz [softplus(z) - y z] = sigmoid(z) - y: central difference, |l'''| = |s''| <= 0.0963."""
    h = 1e-5
    l = lambda t: float(BinaryLoss.value_and_derivative(np.array([t]), np.array([y]))[0][0])  # noqa: E731
    numeric = (l(z + h) - l(z - h)) / (2 * h)
    bound = h * h * 0.0963 / 6 + 8 * EPS * (abs(z) + 1) / h
    assert (
        abs(float(BinaryLoss.value_and_derivative(np.array([z]), np.array([y]))[1][0]) - numeric)
        <= bound
    )


@given(
    problems().flatmap(lambda P: st.tuples(st.just(P), directions(P.X2.shape[1]))), st.floats(0, 1)
)
def test_the_loss_is_convex_along_every_segment(Pv: tuple[Problem, np.ndarray], t: float) -> None:
    """H is PSD, so L((1 - t) a + t c) <= (1 - t) L(a) + t L(c), up to the rounding of three
    losses, each within (d + 8) eps of its scale."""
    P, v = Pv
    a = np.append(P.w, P.b)
    c = a + v * (1.0 + np.max(np.abs(a)))

    def L(theta: np.ndarray) -> float:
        return manual.loss(theta[:-1], float(theta[-1]), P.X, P.y, P.l2)

    mid = L((1 - t) * a + t * c)
    chord = (1 - t) * L(a) + t * L(c)
    scale = (
        max(abs(L(a)), abs(L(c)), abs(mid))
        + float(np.mean(np.abs(P.X2) @ np.abs(c[:-1])))
        + abs(c[-1])
    )
    assert mid <= chord + (P.X2.shape[1] + 8) * EPS * 4 * scale


@given(problems())
def test_lipschitz_bound_holds_at_every_point(P: Problem) -> None:
    """p (1 - p) <= 1/4, so lambda_max(H) <= lambda_max(X1.T X1) / (4 n) + l2 = L_smooth."""
    H = manual.hessian(P.w, P.b, P.X, P.y, P.l2)
    L = manual.lipschitz(P.X, P.l2)
    lam = float(np.linalg.eigvalsh(H)[-1])
    assert lam <= L * (1 + 16 * (P.X2.shape[1] + 1) * EPS)


@given(problems())
def test_lipschitz_is_the_largest_eigenvalue_at_p_one_half(P: Problem) -> None:
    """L_smooth is attained: at p = 1/2 everywhere (w = 0, b = 0) the Hessian is X1.T X1 / (4 n)
    + l2 on the w-block, so lambda_max(H) = L_smooth when l2 = 0; the default l2 is 0."""
    X1 = P.X2 if P.X2.ndim == 2 else P.X2[:, None]
    X1 = np.column_stack([X1, np.ones(X1.shape[0])])
    want = float(np.linalg.eigvalsh(X1.T @ X1 / (4 * X1.shape[0]))[-1]) + P.l2
    got = manual.lipschitz(P.X, P.l2)
    assert abs(got - want) <= 16 * X1.shape[0] * EPS * want  # sums in a different order
    assert manual.lipschitz(P.X) == manual.lipschitz(P.X, 0.0)


@given(hard_label_problems())
def test_newton_step_minimizes_the_quadratic_model(P: Problem) -> None:
    """d = H^-1 g solves H d = g: the quadratic model's gradient g - H d vanishes (relative to
    ||g|| + ||H|| ||d||, times the condition number's rounding)."""
    H = manual.hessian(P.w, P.b, P.X, P.y, P.l2 + 1e-3)  # + 1e-3: H invertible
    g = np.append(*manual.gradient(P.w, P.b, P.X, P.y, P.l2 + 1e-3))
    from manual.solvers.newton import newton_direction as _newton_direction

    d = _newton_direction(H, g)
    residual = g - H @ d
    cond = np.linalg.cond(H)
    if cond < 1e10:
        tol = 1e3 * EPS * cond * (np.linalg.norm(g) + np.linalg.norm(H, 2) * np.linalg.norm(d))
        assert np.linalg.norm(residual) <= tol


@given(problems())
def test_the_cauchy_decrease_is_at_most_newtons(P: Problem) -> None:
    """(g.g)^2 / (g.H.g) <= g.H^-1 g (Cauchy-Schwarz in the H inner product): the quadratic
    model's minimum along g lowers it no more than the Newton step does, so the Cauchy step that
    fit takes where the first is more than CAUCHY_FACTOR times the second is no rounding effect
    where H is well conditioned (here, with l2 + 1e-3 > 0, to within its condition number)."""
    from manual.solvers.newton import CAUCHY_FACTOR

    H = manual.hessian(P.w, P.b, P.X, P.y, P.l2 + 1e-3)
    g = np.append(*manual.gradient(P.w, P.b, P.X, P.y, P.l2 + 1e-3))
    cond = np.linalg.cond(H)
    if cond < 1e10 and g @ g > 0:
        cauchy, newton = (g @ g) ** 2 / (g @ H @ g), g @ np.linalg.solve(H, g)
        assert cauchy <= newton * (1 + 1e3 * EPS * cond)
        assert 1 + 1e3 * EPS * cond < CAUCHY_FACTOR


def test_separable_data_have_no_maximum_likelihood_weights() -> None:
    """Along a separating direction the loss falls to 0 as the weights grow: no finite minimum."""
    x = np.array([-2.0, -1.0, 1.0, 2.0])
    y = (x > 0).astype(float)
    losses = [manual.loss([t], 0.0, x, y) for t in (1.0, 10.0, 100.0, 700.0)]
    assert all(a > b > 0 or b == 0 for a, b in itertools.pairwise(losses))
    assert losses[-1] < 1e-300
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.SeparationWarning)
        res = manual.fit(x, y, solver="newton", max_iter=50)
    assert res.separable and res.w[0] > 10


# lipschitz against lambda_max computed on X / 2^k: scaling by a power of 2 is exact, so only
# the eigenvalue solver's rounding and manual's own scaling by max|X| (not a power of 2) differ:
# a few (d + 1) n u relative, far below this
SCALED_LIPSCHITZ_RTOL = 1e-12


@pytest.mark.parametrize("sign", ["mixed", "positive", "negative"])
def test_lipschitz_of_features_whose_gram_matrix_overflows(sign: str) -> None:
    """At features of ~1e153 (n max|X|^2 past 1e300: X1' X1 itself would overflow), L_smooth =
    lambda_max(X1' X1) / (4 n) + l2 still holds to rounding, whatever the columns' signs; at ~1e156
    the bound itself passes the largest float and is refused by a ValueError that names X's
    scale."""
    rng = np.random.default_rng(8)
    Xn = rng.standard_normal((50, 3))
    Xn = {"mixed": Xn, "positive": np.abs(Xn) + 0.5, "negative": -np.abs(Xn) - 0.5}[sign]
    k = 508  # X = Xn * 2^508 ~ 8e152
    # X1 = [Xn 2^k, 1] = 2^k [Xn, 2^-k]: lambda_max(X1' X1) = 2^2k lambda_max(A' A)
    A = np.column_stack([Xn, np.full(50, 2.0**-k)])
    want = float(np.linalg.eigvalsh(A.T @ A / 50)[-1]) / 4 * 2.0 ** (2 * k) + 0.5
    got = manual.lipschitz(Xn * 2.0**k, 0.5)
    assert abs(got - want) <= SCALED_LIPSCHITZ_RTOL * want, (got, want)
    with pytest.raises(ValueError, match=r"^X's scale .* overflow float64"):
        manual.lipschitz(Xn * 2.0**520)
