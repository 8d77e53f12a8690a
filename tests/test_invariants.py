"""Invariants of the hand-derived functions, on data sets of every shape (NumPy only, no JAX).

- fitting the intercept equals adding a column of ones;
- the Hessian is symmetric to the last bit, positive semi-definite, and independent of y;
- swapping the classes negates the logits: the loss is unchanged, the gradient flips sign;
- repeating every sample leaves the (mean) loss and its derivatives unchanged;
- `gradient` is the derivative of `loss`, and `hessian` of `gradient`, along random directions
  (central differences with a rigorous error bound).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import manual
from tests.strategies import Problem, directions, problems
from tests.tolerances import (
    EPS,
    TWIN_RTOL,
    assert_within,
    twin_gradient_scale,
    twin_hessian_bound,
    twin_loss_scale,
    x1,
)

any_problems = problems()
hard_problems = problems(label_kinds=["random", "one_class", "well_classified"])

# The invariants below change only the order of the sums in z = X @ w + b and over samples, so the
# results differ by the rounding that TWIN_RTOL's scales bound (tests/tolerances.py).
SUM_ORDER_RTOL = TWIN_RTOL

# max |sigmoid''| = 1 / (6 sqrt 3) at p = 1/2 -+ 1/sqrt(12); max |sigmoid'''| = 1/8 at z = 0.
MAX_SIGMOID_D2 = 1.0 / (6.0 * np.sqrt(3.0))
MAX_SIGMOID_D3 = 1.0 / 8.0


def _args(P: Problem) -> tuple:
    return (P.w, P.b, P.X, P.y, P.l2)


@given(any_problems)
def test_intercept_is_a_column_of_ones(P: Problem) -> None:
    n, d = P.X2.shape
    Xa, wa = np.column_stack([P.X2, np.ones(n)]), np.append(P.w, P.b)
    Q = Problem(w=wa, b=0.0, X=Xa, y=P.y, l2=0.0)
    assert_within(
        "loss",
        manual.loss(*_args(Q)),
        manual.loss(P.w, P.b, P.X, P.y),
        SUM_ORDER_RTOL * twin_loss_scale(Q),
    )
    gw, gb = manual.gradient(P.w, P.b, P.X, P.y)
    qw, qb = manual.gradient(*_args(Q))
    scale = SUM_ORDER_RTOL * twin_gradient_scale(Q)
    assert_within("gradient", qw, np.append(gw, gb), scale[:-1])
    assert_within("intercept's gradient", qb, gb, scale[-1])  # dL/db = dL/dw_{d+1}
    H, Ha = manual.hessian(P.w, P.b, P.X, P.y), manual.hessian(*_args(Q))
    bound = twin_hessian_bound(Q)
    assert_within("hessian", Ha[: d + 1, : d + 1], H, bound[: d + 1, : d + 1])


@given(any_problems)
def test_hessian_symmetric_psd_and_free_of_y(P: Problem) -> None:
    H = manual.hessian(*_args(P))
    d = P.X2.shape[1]
    assert H.shape == (d + 1, d + 1)
    assert np.array_equal(H, H.T)
    # eigvalsh is backward stable: computed eigenvalues err by <= c (d + 1) EPS ||H||_2
    lam = np.linalg.eigvalsh(H)
    assert lam.min() >= -8 * (d + 1) * EPS * max(abs(lam).max(), np.finfo(float).tiny)
    # the penalty lifts the w-block: its eigenvalues are >= l2
    lam_w = np.linalg.eigvalsh(H[:d, :d])
    assert lam_w.min() >= P.l2 - 8 * (d + 1) * EPS * abs(lam_w).max()
    assert np.array_equal(H, manual.hessian(P.w, P.b, P.X, 1.0 - P.y, P.l2))


@given(hard_problems)
def test_swapping_classes_negates_the_logits(P: Problem) -> None:
    """L(w, b; y) = L(-w, -b; 1 - y) to the last bit: -z rounds exactly as z does, and for 0/1
    labels 1 - (1 - y) = y exactly."""
    flipped = (-P.w, -P.b, P.X, 1.0 - P.y, P.l2)
    assert manual.loss(*_args(P)) == manual.loss(*flipped)
    gw, gb = manual.gradient(*_args(P))
    fw, fb = manual.gradient(*flipped)
    assert np.array_equal(gw, -fw) and gb == -fb
    assert np.array_equal(manual.hessian(*_args(P)), manual.hessian(*flipped))


@given(any_problems, st.integers(2, 3))
def test_repeating_samples_changes_nothing(P: Problem, k: int) -> None:
    """Every sample k times over: a mean is unchanged, a sum would be k times larger."""
    Q = Problem(w=P.w, b=P.b, X=np.tile(P.X2, (k, 1)), y=np.tile(P.y, k), l2=P.l2)
    assert_within(
        "loss", manual.loss(*_args(Q)), manual.loss(*_args(P)), SUM_ORDER_RTOL * twin_loss_scale(P)
    )
    assert_within(
        "gradient",
        np.append(*manual.gradient(*_args(Q))),
        np.append(*manual.gradient(*_args(P))),
        SUM_ORDER_RTOL * twin_gradient_scale(P),
    )
    assert_within(
        "hessian", manual.hessian(*_args(Q)), manual.hessian(*_args(P)), twin_hessian_bound(P)
    )


def _shifted(P: Problem, v: np.ndarray, t: float) -> Problem:
    return Problem(w=P.w + t * v[:-1], b=P.b + t * v[-1], X=P.X, y=P.y, l2=P.l2)


def _step(rounding: float, third: float) -> float:
    """The h that minimizes h^2 third / 6 + rounding / h."""
    return float(np.cbrt(3.0 * rounding / third)) if third > 0 else 1.0


@given(problems().flatmap(lambda P: st.tuples(st.just(P), directions(P.X2.shape[1]))))
def test_gradient_is_the_derivative_of_loss(Pv: tuple[Problem, np.ndarray]) -> None:
    """f(t) = L(theta + t v): |(f(h) - f(-h)) / 2h - f'(0)| <= h^2 max|f'''| / 6 + max|err f| / h,
    with f''' = mean_i (X1_i @ v)^3 sigmoid''(z_i) bounded by MAX_SIGMOID_D2 mean |X1 @ v|^3 (the
    penalty is quadratic), and the rounding of each f by (d + 8) EPS times its twin-loss scale."""
    P, v = Pv
    d = P.X2.shape[1]
    u = x1(P) @ v
    third = MAX_SIGMOID_D2 * float(np.mean(np.abs(u) ** 3))
    rounding = (d + 8) * EPS * twin_loss_scale(P)
    h = _step(rounding, third)
    rounding = (d + 8) * EPS * max(twin_loss_scale(_shifted(P, v, s)) for s in (h, -h))
    fd = (manual.loss(*_args(_shifted(P, v, h))) - manual.loss(*_args(_shifted(P, v, -h)))) / (
        2 * h
    )
    gw, gb = manual.gradient(*_args(P))
    slope = float(np.dot(np.append(gw, gb), v))
    bound = h * h * third / 6 + rounding / h
    # the slope's own rounding: n u of the gradient's scale, far below the bound; factor 2 margin
    assert_within("directional derivative", slope, fd, 2 * bound)


@given(problems().flatmap(lambda P: st.tuples(st.just(P), directions(P.X2.shape[1]))))
def test_hessian_is_the_derivative_of_gradient(Pv: tuple[Problem, np.ndarray]) -> None:
    """g(t) = gradient(theta + t v): (g(h) - g(-h)) / 2h = H v up to h^2 max|g'''| / 6 + err/h,
    |g_j'''| <= MAX_SIGMOID_D3 mean_i |X1_ij| |X1_i @ v|^3."""
    P, v = Pv
    n, d = P.X2.shape
    A = np.abs(x1(P))
    u = x1(P) @ v
    third = MAX_SIGMOID_D3 * A.T @ (np.abs(u) ** 3) / n
    rounding = (n + d + 8) * EPS * twin_gradient_scale(P)
    h = _step(float(rounding.max()), float(third.max()))
    rounding = (
        (n + d + 8)
        * EPS
        * np.maximum(
            twin_gradient_scale(_shifted(P, v, h)), twin_gradient_scale(_shifted(P, v, -h))
        )
    )
    gp = np.append(*manual.gradient(*_args(_shifted(P, v, h))))
    gm = np.append(*manual.gradient(*_args(_shifted(P, v, -h))))
    fd = (gp - gm) / (2 * h)
    Hv = manual.hessian(*_args(P)) @ v
    bound = (
        h * h * third / 6
        + rounding / h
        + (d + 1) * EPS * np.abs(manual.hessian(*_args(P))) @ np.abs(v)
    )
    assert_within("Hessian-vector product", Hv, fd, 2 * bound)


@given(any_problems, st.sampled_from([1, 3, 64, 4096]), st.sampled_from([1, 2, 3]))
def test_the_blocks_of_rows_change_only_the_order_of_the_sums(
    P: Problem, rows: int, workers: int
) -> None:
    """The objective that the public functions and the solvers share reads X a block of rows at a
    time, its blocks shared by threads: any block size and number of threads give the same loss,
    gradient and Hessian up to the order of the sums, and an exactly symmetric Hessian; and the
    same bits on every call, whatever the threads' timing."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective

    if P.l2 and np.max(np.abs(P.w)) > 1e140:
        return
    objective = LinearObjective(BinaryLoss, P.X2, P.y, P.l2, block_rows=rows, workers=workers)
    theta = np.append(P.w, P.b)
    f, g = objective.loss_and_gradient(theta)
    again = objective.loss_and_gradient(theta)
    assert f == again[0] and np.array_equal(g, again[1])
    assert_within("loss", f, manual.loss(*_args(P)), SUM_ORDER_RTOL * twin_loss_scale(P))
    assert_within(
        "gradient",
        g,
        np.append(*manual.gradient(*_args(P))),
        SUM_ORDER_RTOL * twin_gradient_scale(P),
    )
    H = objective.hessian(theta)
    assert np.array_equal(H, H.T)
    assert_within("hessian", H, manual.hessian(*_args(P)), twin_hessian_bound(P))


def test_a_loss_whose_sum_passes_the_largest_float_keeps_its_mean() -> None:
    """Logits near 1e308 on the wrong side: each term is finite, their sum is not, their mean is;
    the loss takes the mean, and refuses only logits that overflow."""
    X = np.array([[1.0], [1.0], [1.0], [-1.0]])
    y = np.array([0.0, 0.0, 0.0, 1.0])
    w = np.array([1.5e308])
    want = 1.5e308  # every l_i = z_i = 1.5e308 to rounding
    assert manual.loss(w, 0.0, X, y) == pytest.approx(want, rel=4 * EPS)
    with pytest.raises(ValueError, match="overflow"):
        manual.loss(w, 1e308, X, y)  # z = 2.5e308: inf
