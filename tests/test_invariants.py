"""Invariants of the hand-derived functions, on data sets of every shape (NumPy only, no JAX).

- fitting the intercept equals adding a column of ones;
- the Hessian is symmetric to the last bit, positive semi-definite, and independent of y;
- swapping the classes negates the logits: the loss is unchanged, the gradient flips sign;
- repeating every sample leaves the (mean) loss and its derivatives unchanged;
- `gradient` is the derivative of `loss`, and `hessian` of `gradient`, along random directions
  (central differences with a rigorous error bound).
"""

from typing import Any

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


# --- the shared linear composition, against the chain rule written out directly -----------------
def _direct(X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: Any, l2: Any) -> tuple:
    """(L, dL/dtheta, d2L/dtheta2) from the module formulas of `manual.linear`, with no blocks:
    Z = X W + b; L = mean_i l_i + (l2 / 2) ||W||^2; dL/dW = X' (dl/dZ) / n + l2 W,
    dL/db = sum_i dl/dZ_i / n; H = sum_i (x1_i x1_i') kron (d2l/dZ_i2) / n + l2 on the W block.
    One logit a sample (Y of shape (n,)): l = softplus(z) - y z; K logits: logsumexp(Z) - Y.Z."""
    n = X.shape[0]
    X1 = np.column_stack([X, np.ones(n)])
    Z = X @ W + b
    if Y.ndim == 1:
        p = 0.5 * (1.0 + np.tanh(0.5 * Z))  # sigmoid, a formula manual does not use
        l, r, h = np.logaddexp(0.0, Z) - Y * Z, p - Y, (p * (1.0 - p))[:, None, None]
        r = r[:, None]
    else:
        m = Z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1))
        P = np.exp(Z - lse[:, None])
        l, r = lse - (Y * Z).sum(axis=1), P - Y
        h = np.einsum("ik,kl->ikl", P, np.eye(P.shape[1])) - P[:, :, None] * P[:, None, :]
    K = r.shape[1]
    l2W = np.broadcast_to(l2, W.shape) * W
    value = float(np.mean(l)) + 0.5 * float(np.sum(l2W * W))
    grad = X1.T @ r / n
    grad[:-1] += l2W.reshape(-1, K)
    H = np.einsum("ij,il,ikm->jklm", X1, X1, h).reshape(X1.shape[1] * K, -1) / n
    w_block = np.arange(X.shape[1] * K)
    H[w_block, w_block] += np.broadcast_to(l2, W.shape).ravel()
    return value, grad.ravel(), H


# Every result below is the same sums in another order (blocks, threads, chunks): rounding of
# n + d + K terms of size at most ~10 (features and weights of order 1), far below this.
BLOCK_ORDER_ATOL = 1e-12

_rng = np.random.default_rng(23)
# (loss, X, Y, W, b, l2): one logit a sample and K = 3, each with a float l2 and one a feature;
# K = 64 at d = 1 makes the multinomial Hessian's chunks of rows (2^21 / ((d + 1) K^2) = 256
# rows) split its 300 rows in two
_X7 = _rng.standard_normal((7, 3))
_X300 = _rng.standard_normal((300, 1))
BLOCK_CASES: dict[str, tuple[Any, ...]] = {
    "binary": ("binary", _X7, (_rng.random(7) < 0.5) * 1.0, _rng.standard_normal(3), 0.3, 0.7),
    "binary, l2 a feature": (
        "binary", _X7, _rng.random(7), _rng.standard_normal(3), -0.2, np.array([0.5, 0.0, 2.0])
    ),
    "K = 3": (
        "multinomial", _X7, np.eye(3)[_rng.integers(0, 3, 7)], _rng.standard_normal((3, 3)),
        _rng.standard_normal(3), 0.4,
    ),
    "K = 3, l2 a feature": (
        "multinomial", _X7, _rng.dirichlet(np.ones(3), 7), _rng.standard_normal((3, 3)),
        _rng.standard_normal(3), np.array([[0.5], [0.0], [2.0]]),
    ),
    "K = 64, 300 rows": (
        "multinomial", _X300, np.eye(64)[_rng.integers(0, 64, 300)],
        _rng.standard_normal((1, 64)), _rng.standard_normal(64), 0.1,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", BLOCK_CASES, ids=list(BLOCK_CASES))
def test_every_block_size_and_thread_count_gives_the_chain_rule_written_out(case: str) -> None:
    """`LinearObjective` reads X a block of rows at a time, its blocks shared by threads and the
    multinomial Hessian's rows taken a chunk at a time: whatever the block size (one row, a few,
    all, more than n) and the threads (1 to 3), the loss, gradient, Hessian and Hessian-vector
    product equal the module's formulas written out over all rows at once; and `blocks()` yields
    consecutive blocks of at most `block_rows` rows that cover X and y in order."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective
    from manual.multinomial import MultinomialLoss

    kind, X, Y, W, b, l2 = BLOCK_CASES[case]
    loss = BinaryLoss if kind == "binary" else MultinomialLoss(Y.shape[1])
    value, grad, H = _direct(X, Y, W, b, l2)
    theta = np.append(np.vstack([W.reshape(X.shape[1], -1), np.reshape(b, (1, -1))]), [])
    u = np.random.default_rng(5).standard_normal(theta.size)
    n = X.shape[0]
    # the 300 rows' case only splits the Hessian's chunks: a block of them all, and of 250
    for rows in (1, 3, n - 1, n, 2 * n, None) if n < 100 else (None, 250):
        for workers in (1, 2, 3) if n < 100 else (1, 2):
            obj = LinearObjective(loss, X, Y, l2, block_rows=rows, workers=workers)
            f, g = obj.loss_and_gradient(theta)
            assert abs(f - value) <= BLOCK_ORDER_ATOL, (rows, workers)
            assert obj.loss(theta) == f
            assert np.array_equal(obj.gradient(theta), g)
            assert g.shape == theta.shape and np.allclose(g, grad, rtol=0, atol=BLOCK_ORDER_ATOL)
            assert np.allclose(obj.hessian(theta), H, rtol=0, atol=BLOCK_ORDER_ATOL)
            Hu = obj.hvp(theta, u)
            assert Hu.shape == theta.shape and np.allclose(Hu, H @ u, rtol=0, atol=1e-11)
            blocks = list(obj.blocks())
            size = n if rows is None else min(rows, n)
            assert [len(Xb) for Xb, _ in blocks] == [min(size, n - s) for s in range(0, n, size)]
            assert np.array_equal(np.concatenate([Xb for Xb, _ in blocks]), X)
            assert np.array_equal(np.concatenate([yb for _, yb in blocks]), Y)


# The penalty (l2 / 2) ||W||^2 formed as ((m l2) v) . v * m / 2, v = W / m: d + 4 correctly rounded
# operations on positive terms, <= (d + 4) u relative; 2 (d + 4) EPS leaves a factor of 4.
def _penalty_rtol(W: np.ndarray) -> float:
    return 2 * (W.size + 4) * EPS


PENALTY_CASES: dict[str, tuple[Any, Any]] = {
    "max |w| = 1": (np.array([1.0, -0.5]), 0.8),
    "w = 0": (np.zeros(2), 0.8),
    "l2 = 0": (np.array([3.0, -0.5]), 0.0),
    "||w||^2 past the largest float": (np.array([1e200, -3e199]), 1e-100),
    "l2 the smallest float at |w| = 1e200": (np.array([1e200]), 5e-324),
    "l2 a feature": (np.array([0.25, 2.0, -1.0]), np.array([0.5, 0.0, 2.0])),
    "K = 3, l2 a feature": (
        np.array([[0.5, -1.0, 0.5], [2.0, 0.0, -2.0]]),
        np.array([[0.3], [1.5]]),
    ),
}


@pytest.mark.parametrize("case", PENALTY_CASES, ids=list(PENALTY_CASES))
def test_the_penalty_is_half_l2_times_the_squared_norm_at_every_scale(case: str) -> None:
    """`LinearObjective.penalty` is sum_j (l2_j / 2) ||W_j||^2 in exact arithmetic, rounded: at
    max |w| = 1, at w = 0 and l2 = 0 (exactly 0), where ||w||^2 alone overflows and where l2 is the
    smallest float (l2 meets the large |w| first: 2.5e76, not 0); with l2 one value a feature."""
    from fractions import Fraction

    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective
    from manual.multinomial import MultinomialLoss

    W, l2 = PENALTY_CASES[case]
    loss = BinaryLoss if W.ndim == 1 else MultinomialLoss(W.shape[1])
    objective = LinearObjective(loss, np.ones((2, W.shape[0])), np.zeros(2), l2)
    l2_each = np.broadcast_to(l2, W.shape).ravel()
    exact = sum(
        Fraction(float(a)) / 2 * Fraction(float(w)) ** 2
        for a, w in zip(l2_each, W.ravel(), strict=True)
    )
    got = objective.penalty(W)
    assert abs(Fraction(got) - exact) <= _penalty_rtol(W) * exact, (got, float(exact))


@pytest.mark.parametrize(
    ("l2", "shown"), [(1e-50, "l2 = 1e-50"), (np.array([1e-50, 3e-50]), "l2 = up to 3e-50")]
)
def test_a_penalty_past_the_largest_float_is_refused_naming_l2(l2: Any, shown: str) -> None:
    """(l2 / 2) ||w||^2 = 1e350 at |w| = 1e200, l2 = 1e-50: a ValueError that names the penalty,
    the overflow and the value of l2 (its largest where it is one a feature)."""
    from manual.binary import BinaryLoss
    from manual.linear import LinearObjective

    objective = LinearObjective(BinaryLoss, np.ones((2, 2)), np.zeros(2), l2)
    with pytest.raises(ValueError, match="penalty") as raised:
        objective.penalty(np.array([1e200, 1e200]))
    assert "overflows float64" in str(raised.value) and shown in str(raised.value)


def test_a_data_set_of_more_rows_than_a_block_keeps_its_mean() -> None:
    """300 000 rows of one feature, more than a default block (2 MiB of X, 262 144 rows at d = 1):
    every row repeated 100 000 times leaves the mean loss, gradient and Hessian unchanged."""
    X = np.array([[0.5], [-1.0], [2.0]])
    y = np.array([1.0, 0.0, 0.0])
    w, b = np.array([0.7]), -0.2
    reps = 100_000
    big_X, big_y = np.tile(X, (reps, 1)), np.tile(y, reps)
    # sums of 3e5 terms of size <= 3 in blocks (pairwise within each): far below 1e-12
    assert abs(manual.loss(w, b, big_X, big_y) - manual.loss(w, b, X, y)) <= 1e-12
    big_gw, big_gb = manual.gradient(w, b, big_X, big_y)
    gw, gb = manual.gradient(w, b, X, y)
    assert np.allclose(big_gw, gw, rtol=0, atol=1e-12) and abs(big_gb - gb) <= 1e-12
    assert np.allclose(manual.hessian(w, b, big_X, big_y), manual.hessian(w, b, X, y), atol=1e-12)
