"""Softmax regression: manual.multinomial against its JAX twin, 60-digit arithmetic, the binary
model and its own invariants; fit's solvers, gauge and warnings; bad input.

Tolerances: the constants of tests/tolerances.py (their derivation holds here: K logits a sample
instead of one, the same operations); the scales they multiply are built below from the data.
"""

import itertools
import re
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import manual
import reference
from manual import multinomial as mm
from manual.multinomial import MultinomialLoss
from manual.solvers import SOLVERS
from reference import multinomial as rm
from scripts import exact_multinomial as exact
from tests.strategies import (
    LOGIT_SCALES,
    MULTI_SMALL_SHAPES,
    MULTI_TWIN_SHAPES,
    MultiProblem,
    Problem,
    make_multi_problem,
    multi_problems,
)
from tests.tolerances import (
    AUTODIFF_CURVATURE_ATOL,
    ELEMENTWISE_RTOL,
    EPS,
    EXACT_RTOL,
    ORACLE_RTOL,
    TWIN_RTOL,
    U,
    assert_within,
    twin_gradient_scale,
    twin_hessian_bound,
    twin_loss_scale,
)

# GD with lr <= 1 / L is non-expansive on a convex L-smooth loss: a difference between the twins'
# iterates is not amplified by later steps, so after k steps it is at most the sum of k per-step
# gradient differences (TWIN_RTOL of the scale each) times lr: k TWIN_RTOL relative.
TRAJECTORY_STEPS = 1000
TRAJECTORY_RTOL = TRAJECTORY_STEPS * TWIN_RTOL
# The gauge W.sum(axis=1) = 0, b.sum() = 0 holds in exact arithmetic at every iterate; each step
# adds the rounding of its update, a few ulps of max|theta| a step (the sums over K classes of
# P - Y cancel to u of their terms, <= 1), so after k steps k * 8K u of the largest parameter
# (and of 1).
GAUGE_ULPS_PER_STEP = 8


def _args(P: MultiProblem) -> tuple:
    return (P.W, P.b, P.X, P.y, P.l2)


def _data(P: MultiProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (P.W, P.b, P.X, P.y)


def _flat(A: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.vstack([A, c]).ravel()


def _x1(X: np.ndarray) -> np.ndarray:
    return np.column_stack([X, np.ones(len(X))])


def _plain_softmax(Z: np.ndarray) -> np.ndarray:
    """exp(z - max z) / sum: the textbook formula, for scales only (neither twin uses it)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _z_scale(P: MultiProblem) -> np.ndarray:
    """|X| @ |W| + |b|, (n, K): the rounding of Z_ik is below (d + 1) u times it."""
    return np.abs(P.X) @ np.abs(P.W) + np.abs(P.b)


# --- the scales of the twins' rounding (see tests/tolerances.py for the argument) ----------------
def twin_scales(P: MultiProblem) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """(loss scale, gradient scale (d + 1, K), Hessian relative scale, Hessian absolute scale).

    loss: mean_i [sum_k Y_ik (|logsumexp(z_i)| + |z_ik|) + max_k zscale_ik] + penalty;
    gradient: mean_i |X1_ij| (p_ik + Y_ik + max zscale_i) + l2 |W_jk|;
    Hessian: mean_i |X1_ij X1_ij'| (p_ik + p_ik') (1 + max zscale_i) (+ l2 on the W diagonal), and
    autodiff's p (1 - p) near p = 1, an absolute AUTODIFF_CURVATURE_ATOL * mean_i |X1_ij X1_ij'|."""
    Z, Y = P.Z, P.Y
    n, K = Y.shape
    zmax = _z_scale(P).max(axis=1)
    lse = Z.max(axis=1) + np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1))
    penalty = 0.5 * P.l2 * float(np.sum(P.W**2)) if P.l2 else 0.0
    loss_scale = float(np.mean((Y * (np.abs(lse)[:, None] + np.abs(Z))).sum(axis=1) + zmax))
    loss_scale += penalty
    p = _plain_softmax(Z)
    A = np.abs(_x1(P.X))
    grad_scale = A.T @ (p + Y + zmax[:, None]) / n
    grad_scale[:-1] += P.l2 * np.abs(P.W)
    S = (p[:, :, None] + p[:, None, :]) * (1.0 + zmax)[:, None, None] * Y.sum(axis=1)[:, None, None]
    size = A.shape[1] * K
    rel = np.einsum("ij,ikl,im->jkml", A, S, A).reshape(size, size) / n
    w_block = np.arange(size - K)
    rel[w_block, w_block] += P.l2
    ones = np.ones((K, K))
    absolute = np.einsum("ij,kl,im->jkml", A, ones, A).reshape(size, size) / n
    return loss_scale, grad_scale, rel, absolute


twin_multi = multi_problems(MULTI_TWIN_SHAPES)

# well classified at logits near 1e3: every loss term below 1e-300, every margin ~1e3
_SATURATED = make_multi_problem(
    40,
    2,
    5,
    7,
    col_exponents=[0, 3],
    offsets=[0.0, 2000.0],
    logit_scale=1e3,
    labels="well_classified",
    l2=0.0,
)


@settings(max_examples=40)
@given(twin_multi, st.integers(0, 2**32 - 1))
@example(_SATURATED, 0)
def test_twins_agree_on_loss_gradient_hessian_and_hvp(P: MultiProblem, seed: int) -> None:
    d = P.X.shape[1]
    K = P.K
    ls, gs, hrel, habs = twin_scales(P)
    got = mm.loss(*_args(P))
    assert isinstance(got, float)
    assert_within("loss", got, rm.loss(*_args(P)), TWIN_RTOL * ls)
    gW, gb = mm.gradient(*_args(P))
    assert gW.shape == (d, K) and gb.shape == (K,) and gW.dtype == np.float64
    rW, rb = rm.gradient(*_args(P))
    assert_within("gradient", _flat(gW, gb), _flat(rW, rb), TWIN_RTOL * gs.ravel())
    H = mm.hessian(*_args(P))
    assert H.shape == ((d + 1) * K, (d + 1) * K)
    hess_bound = TWIN_RTOL * hrel + AUTODIFF_CURVATURE_ATOL * habs
    assert_within("hessian", H, rm.hessian(*_args(P)), hess_bound)
    rng = np.random.default_rng(seed)
    V, c = rng.standard_normal((d, K)), rng.standard_normal(K)
    HV, Hc = mm.hvp(*_data(P), V, c, P.l2)
    assert HV.shape == (d, K) and Hc.shape == (K,)
    RV, Rc = rm.hvp(*_data(P), V, c, P.l2)
    assert_within("hvp", _flat(HV, Hc), _flat(RV, Rc), hess_bound @ np.abs(_flat(V, c)))


@settings(max_examples=30)
@given(twin_multi)
def test_twins_agree_on_predictions(P: MultiProblem) -> None:
    p, r = mm.predict_proba(P.X, P.W, P.b), rm.predict_proba(P.X, P.W, P.b)
    assert p.shape == (len(P.X), P.K)
    # p_k = exp(z_k - z_m) / S: exp's argument carries the rounding of Z, (d + 1) u zscale
    bound = TWIN_RTOL * p * (1.0 + _z_scale(P).max(axis=1, keepdims=True))
    assert_within("predict_proba", p, r, bound)
    np.testing.assert_array_equal(mm.predict(P.X, P.W, P.b), np.argmax(P.Z, axis=1))


# --- exactness against 60-digit arithmetic -------------------------------------------------------
Z_EXTREMES = [0.0, 1e-300, -1e-17, 0.5, -1.0, 17.0, 36.7, -37.5, 40.0, 46.0, -700.0, 709.8]
Z_EXTREMES += [-745.1, 800.0, 1e3, -1e5, 1e300, -1e300, 2.5e-3, -12.25]
extreme_rows = st.integers(2, 8).flatmap(
    lambda K: st.tuples(
        st.lists(st.sampled_from(Z_EXTREMES) | st.floats(-1e3, 1e3), min_size=K, max_size=K),
        st.integers(0, K - 1),
    )
)


def _mp_row(values: np.ndarray) -> list:
    return [mpmath.mpf(float(v)) for v in values]


@settings(max_examples=150)
@given(extreme_rows)
@example(([40.0, 0.0, 0.0], 0))
@example(([1e300, -1e300, 0.0], 1))
@example(([0.1, 700.3, -1e300, 5.0], 1))
def test_per_sample_forms_exact_at_every_margin(row: tuple[list[float], int]) -> None:
    """softmax, log_softmax, the loss term, p - y and diag(p) - p p^T of one sample's logits, each
    entry within ELEMENTWISE_RTOL of 60-digit arithmetic: margins up to 2e300, losses down to
    1e-300, no overflow or invalid-operation warning."""
    values, label = row
    z = np.array(values)
    K = len(z)
    Y = np.eye(K)[label]
    p, logp, l, r, h = exact.per_sample(_mp_row(z), _mp_row(Y))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        got = {
            "softmax": mm.softmax(z),
            "log_softmax": mm.log_softmax(z),
            "loss term": MultinomialLoss.value_and_derivative(z[None], Y[None])[0],
            "p - y": MultinomialLoss.value_and_derivative(z[None], Y[None])[1][0],
            "curvature": MultinomialLoss.curvature(z[None], Y[None])[0],
        }
    want = {
        "softmax": p,
        "log_softmax": logp,
        "loss term": [l],
        "p - y": r,
        "curvature": [v for row_ in h for v in row_],
    }
    for name, values_got in got.items():
        w = np.array([float(v) for v in want[name]]).reshape(np.shape(values_got))
        assert np.all(np.isfinite(values_got)), (name, values_got)
        assert_within(
            f"{name} at z={values}, y={label}", values_got, w, ELEMENTWISE_RTOL * np.abs(w)
        )


def _exact_bounds(P: MultiProblem) -> tuple[tuple, tuple]:
    """The exact (L, g, H) and the allowed errors: EXACT_RTOL relative, plus the rounding of Z and
    of the sums over samples, which no float64 code avoids (see tests/tolerances.py)."""
    L_mp, g_mp, H_mp = exact.objective(P.W, P.b, P.X, P.Y, P.l2)
    L, g = float(L_mp), np.array([float(v) for v in g_mp])
    H = np.array([[float(v) for v in row] for row in H_mp])
    n, d = P.X.shape
    K = P.K
    Zmp = exact.logits(P.W, P.b, P.X)
    parts = [exact.per_sample(Zmp[i], _mp_row(P.Y[i])) for i in range(n)]
    p = np.array([[float(v) for v in t[0]] for t in parts])
    r = np.array([[float(v) for v in t[3]] for t in parts])
    h = np.array([[[float(v) for v in row] for row in t[4]] for t in parts])
    q = 1.0 - p  # for scales only
    Y = P.Y
    Yo = Y.sum(axis=1, keepdims=True) - Y
    dz = (d + 1) * EPS * _z_scale(P)  # the rounding of Z, doubled for margin
    A = np.abs(_x1(P.X))
    bound_L = EXACT_RTOL * abs(L) + float(np.mean(np.sum(np.abs(r) * dz, axis=1)))
    per_sample = (
        np.einsum("ikl,il->ik", np.abs(h), dz)
        + ELEMENTWISE_RTOL * (p * Yo + Y * q)
        + (n + 2) * U * np.abs(r)
    )
    bound_g = EXACT_RTOL * np.abs(g) + (A.T @ per_sample / n).ravel()
    bound_g[: d * K] += U * P.l2 * np.abs(P.W).ravel()
    pp = p[:, :, None] * p[:, None, :]
    per_sample_H = 2 * (np.abs(h) + pp) * dz.max(axis=1)[:, None, None] + (
        n + 8 + ELEMENTWISE_RTOL / U
    ) * U * np.abs(h)
    size = (d + 1) * K
    bound_H = EXACT_RTOL * np.abs(H) + (
        np.einsum("ij,ikl,im->jkml", A, per_sample_H, A).reshape(size, size) / n
    )
    return (L, g, H), (bound_L, bound_g, bound_H)


# all on their own side by margins near 1e3: every loss term below 1e-300
_FAR = make_multi_problem(
    5,
    2,
    3,
    3,
    col_exponents=[0, 3],
    offsets=[0.0, 0.0],
    logit_scale=1e3,
    labels="well_classified",
    l2=0.0,
)


@settings(max_examples=40)
@given(multi_problems(MULTI_SMALL_SHAPES))
@example(_FAR)
def test_objective_exact(P: MultiProblem) -> None:
    (L, g, H), (bL, bg, bH) = _exact_bounds(P)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        got_L = mm.loss(*_args(P))
        gW, gb = mm.gradient(*_args(P))
        got_H = mm.hessian(*_args(P))
    assert_within("loss", got_L, L, bL)
    assert_within("gradient", _flat(gW, gb), g, bg)
    assert_within("hessian", got_H, H, bH)


@settings(max_examples=30)
@given(
    st.sampled_from(MULTI_SMALL_SHAPES),
    st.integers(0, 2**32 - 1),
    st.sampled_from([20.0, 40.0, 300.0, 700.0]),
)
def test_well_classified_points_keep_every_digit(
    shape: tuple[int, int, int], seed: int, margin: float
) -> None:
    """Every sample of class y with z_y ahead of every other logit by ~margin, features >= 0 and
    one weight column positive, the others zero: nothing cancels anywhere, and loss, gradient and
    Hessian (~exp(-margin), down to 1e-304) are within EXACT_RTOL of exact entry by entry."""
    n, d, K = shape
    rng = np.random.default_rng(seed)
    label = int(rng.integers(0, K))
    X = rng.uniform(0.5, 2.0, (n, d))
    W = np.zeros((d, K))
    W[:, label] = rng.uniform(0.5, 1.0, d)
    W[:, label] *= margin / (X @ W[:, label]).min()
    b = np.zeros(K)
    y = np.full(n, label)
    L, g_mp, H_mp = exact.objective(W, b, X, np.eye(K)[y], 0.0)
    g = np.array([float(v) for v in g_mp])
    H = np.array([[float(v) for v in row] for row in H_mp])
    assert_within("loss", mm.loss(W, b, X, y), float(L), EXACT_RTOL * abs(float(L)))
    assert_within("gradient", _flat(*mm.gradient(W, b, X, y)), g, EXACT_RTOL * np.abs(g))
    assert_within("hessian", mm.hessian(W, b, X, y), H, EXACT_RTOL * np.abs(H))


# --- invariants ----------------------------------------------------------------------------------
@settings(max_examples=40)
@given(multi_problems())
def test_hessian_symmetric_psd_with_the_class_shifts_in_its_null_space(P: MultiProblem) -> None:
    n, d = P.X.shape
    K = P.K
    H = mm.hessian(*_args(P))
    np.testing.assert_array_equal(H, H.T)
    lam = np.linalg.eigvalsh(H)
    scale = max(float(np.abs(H).max()), 1e-300)
    # H is PSD in exact arithmetic; its computed smallest eigenvalue may lie below 0 by the
    # eigensolver's backward error, m EPS ||H||_2 for an m x m matrix (LAPACK's bound, up to a
    # modest factor), with ||H||_2 <= m max|H_ij|: m^2 EPS max|H_ij|, m = (d + 1) K
    m = (d + 1) * K
    assert lam[0] >= -m * m * EPS * scale
    # the common shift of the intercepts changes no p: H (0, 1_K) = 0 to the rounding of
    # p_k sum_{j != k} p_j - sum_{j != k} p_k p_j (a few ulps of p_k, at most 1)
    shift_b = _flat(np.zeros((d, K)), np.ones(K))
    Hh = mm.hessian(*_data(P), 0.0)
    unit = np.abs(_x1(P.X)).T @ np.ones(n) / n  # mean_i |X1_ij|: the scale of row j's entries
    bound = 4 * K * EPS * np.repeat(unit, K) * (1 + K)
    assert_within("H (0, 1)", H @ shift_b, np.zeros_like(shift_b), bound)
    # and at l2 = 0 so does the common shift of feature j's K weights
    for j in range(d):
        e = np.zeros((d + 1, K))
        e[j] = 1.0
        Hv = Hh @ e.ravel()
        bound_j = 4 * K * EPS * (1 + K) * (np.abs(_x1(P.X)).T @ np.abs(P.X[:, j]) / n)
        assert_within(f"H (e_{j} 1^T)", Hv, np.zeros_like(Hv), np.repeat(bound_j, K))


@settings(max_examples=40)
@given(multi_problems())
def test_data_gradient_sums_to_zero_over_classes(P: MultiProblem) -> None:
    """sum_k (p_k - Y_k) = sum(Y) - sum(Y) = 0 for every sample: each row of the unpenalized
    gradient sums to 0, to u times the sum of its terms' magnitudes."""
    gW, gb = mm.gradient(*_data(P), 0.0)
    g = np.vstack([gW, gb])
    n = len(P.X)
    mag = np.abs(_x1(P.X)).T @ (np.abs(_plain_softmax(P.Z)) + P.Y) / n
    bound = (n + 2 * P.K + 8) * U * mag.sum(axis=1) + 1e-300
    assert np.all(np.abs(g.sum(axis=1)) <= bound), (g.sum(axis=1), bound)


@settings(max_examples=40)
@given(multi_problems(), st.integers(0, 2**32 - 1))
def test_hvp_is_the_hessian_times_the_direction(P: MultiProblem, seed: int) -> None:
    n, d = P.X.shape
    rng = np.random.default_rng(seed)
    V, c = rng.standard_normal((d, P.K)), rng.standard_normal(P.K)
    H = mm.hessian(*_args(P))
    HV, Hc = mm.hvp(*_data(P), V, c, P.l2)
    _, _, rel, _ = twin_scales(P)
    # the two orders of the same sums: (d + 1) K + n terms a sum, each rounded to u of the terms
    bound = ((d + 1) * P.K + n + 8) * U * (rel @ np.abs(_flat(V, c)))
    assert_within("hvp", _flat(HV, Hc), H @ _flat(V, c), bound)


def test_the_default_penalty_is_none_in_every_function_of_the_objective() -> None:
    """loss, gradient, hessian and hvp without l2 are the unpenalized ones (the contract's
    l2=0.0): the same bits as l2 = 0.0 given, in both twins, at a W that a penalty would move."""
    X = np.array([[0.5, 1.0], [-1.0, 0.2], [2.0, -0.7]])
    y = np.array([0, 2, 1])
    W, b = np.array([[0.3, -0.2, 0.4], [1.0, 0.1, -0.6]]), np.array([0.1, -0.1, 0.0])
    V, c = np.array([[2.0, -1.0, 0.5], [0.3, 0.2, -1.5]]), np.array([0.5, 0.0, -0.25])

    def flat(parts: tuple[np.ndarray, ...]) -> np.ndarray:
        return np.concatenate([np.ravel(part) for part in parts])

    for twin in (mm, rm):
        assert twin.loss(W, b, X, y) == twin.loss(W, b, X, y, 0.0)
        for got, want in [
            (twin.gradient(W, b, X, y), twin.gradient(W, b, X, y, 0.0)),
            ((twin.hessian(W, b, X, y),), (twin.hessian(W, b, X, y, 0.0),)),
            (twin.hvp(W, b, X, y, V, c), twin.hvp(W, b, X, y, V, c, l2=0.0)),
        ]:
            np.testing.assert_array_equal(flat(got), flat(want))
        assert twin.loss(W, b, X, y, 1.0) != twin.loss(W, b, X, y)  # a penalty would show


@settings(max_examples=40)
@given(multi_problems(), st.randoms(use_true_random=False))
def test_permuting_the_classes_permutes_every_output(P: MultiProblem, rnd) -> None:
    d = P.X.shape[1]
    K = P.K
    perm = np.array(rnd.sample(range(K), K))  # new class k is old class perm[k]
    inv = np.argsort(perm)
    y2 = P.y[:, perm] if P.y.ndim == 2 else inv[P.y]
    args2 = (P.W[:, perm], P.b[perm], P.X, y2, P.l2)
    ls, gs, hrel, habs = twin_scales(P)
    assert_within("loss", mm.loss(*args2), mm.loss(*_args(P)), TWIN_RTOL * ls)
    gW, gb = mm.gradient(*_args(P))
    g2W, g2b = mm.gradient(*args2)
    assert_within("gradient", _flat(g2W, g2b), _flat(gW[:, perm], gb[perm]), TWIN_RTOL * gs.ravel())
    order = (np.arange(d + 1)[:, None] * K + perm[None, :]).ravel()
    H, H2 = mm.hessian(*_args(P)), mm.hessian(*args2)
    bound = TWIN_RTOL * hrel + AUTODIFF_CURVATURE_ATOL * habs
    assert_within("hessian", H2, H[np.ix_(order, order)], bound[np.ix_(order, order)])
    # p_k = e_k / (1 + s): the order of the K - 1 terms of s changes (K u relative), and the
    # logits may round differently in another column order ((d + 1) u zscale each, two of them)
    p = mm.predict_proba(P.X, P.W, P.b)[:, perm]
    zmax = _z_scale(P).max(axis=1, keepdims=True)
    bound = p * (2 * K * U + 2 * (d + 1) * EPS * zmax)
    assert_within("predict_proba", mm.predict_proba(P.X, *args2[:2]), p, bound)


@settings(max_examples=40)
@given(
    st.sampled_from([(1, 1), (7, 2), (50, 4)]),
    st.integers(0, 2**32 - 1),
    st.sampled_from(LOGIT_SCALES[:-1]),
    st.sampled_from([0.0, 1e-3, 1.0]),
)
def test_two_classes_are_the_binary_model(
    shape: tuple[int, int], seed: int, scale: float, l2: float
) -> None:
    """W = [-w/2, w/2], b = [-c/2, c/2] gives z_1 - z_0 = X w + c: the binary model's loss at l2
    (the multinomial penalty (l2'/2) ||W||^2 = (l2'/4) ||w||^2 matches at l2' = 2 l2), its
    gradient in column 1 (minus it in column 0), and its Hessian through the chain rule
    d theta / d(w, c) = J (entries +-1/2): H_binary = J^T H J."""
    n, d = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * 10.0 ** rng.integers(-2, 3, d)
    w = rng.standard_normal(d) / np.abs(X).mean(axis=0) * scale / np.sqrt(d)
    c = float(rng.standard_normal() * scale)
    y = rng.integers(0, 2, n)
    W, b = np.column_stack([-w / 2, w / 2]), np.array([-c / 2, c / 2])
    P = Problem(w=w, b=c, X=X, y=y.astype(float), l2=l2)
    assert_within(
        "loss",
        mm.loss(W, b, X, y, 2 * l2),
        manual.loss(w, c, X, y, l2),
        TWIN_RTOL * twin_loss_scale(P),
    )
    gW, gb = mm.gradient(W, b, X, y, 2 * l2)
    gw, gc = manual.gradient(w, c, X, y, l2)
    bound = TWIN_RTOL * twin_gradient_scale(P)
    assert_within("gradient, class 1", np.append(gW[:, 1], gb[1]), np.append(gw, gc), bound)
    assert_within("gradient, class 0", np.append(gW[:, 0], gb[0]), -np.append(gw, gc), bound)
    J = np.zeros((2 * (d + 1), d + 1))
    for j in range(d + 1):
        J[2 * j, j], J[2 * j + 1, j] = -0.5, 0.5
    H = mm.hessian(W, b, X, y, 2 * l2)
    assert_within("hessian", J.T @ H @ J, manual.hessian(w, c, X, y, l2), twin_hessian_bound(P))
    np.testing.assert_array_equal(
        mm.predict(X, W, b) == 1, manual.predict_proba(X, w, c) > 0.5
    ) if np.all(np.abs(X @ w + c) > 1e-9 * (1 + np.abs(X) @ np.abs(w) + abs(c))) else None


# --- fit -----------------------------------------------------------------------------------------
def _blobs(n: int, d: int, K: int, seed: int, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """K overlapping Gaussian clouds (a finite optimum exists), columns rescaled by 1e-2..1e2,
    some offset by 1990 (years; those with scale >= 1, so that the loss can resolve the optimum:
    at offset / scale = 1e5 the gradient below 1e-6 is beyond float64, for any code)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, n)
    y[:K] = np.arange(K)
    centers = rng.standard_normal((K, d)) * spread
    X = centers[y] + rng.standard_normal((n, d))
    scale = 10.0 ** rng.integers(-2, 3, d)
    X = X * scale + np.where(scale >= 1.0, rng.choice([0.0, 1990.0], d), 0.0)
    return X, y


def _gauge_error(W: np.ndarray, b: np.ndarray) -> float:
    return max(float(np.abs(W.sum(axis=1)).max()), abs(float(b.sum())))


@pytest.mark.parametrize("solver", sorted(SOLVERS))
@pytest.mark.parametrize("l2", [0.0, 1e-2])
def test_every_solver_keeps_the_symmetric_gauge_from_zero(solver: str, l2: float) -> None:
    X, y = _blobs(120, 3, 4, seed=5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.ConvergenceWarning)
        res = mm.fit(X, y, solver=solver, l2=l2, max_iter=200, tol=1e-10)
    K = 4
    size = float(max(np.abs(res.W).max(), np.abs(res.b).max(), 1.0))
    allowed = (res.n_iter + 1) * GAUGE_ULPS_PER_STEP * K * U * size
    assert _gauge_error(res.W, res.b) <= allowed, (_gauge_error(res.W, res.b), allowed)
    if solver == "newton":
        assert res.converged
        gW, gb = mm.gradient(res.W, res.b, X, y, l2)
        assert max(np.abs(gW).max(), np.abs(gb).max()) <= 1e-10


@pytest.mark.parametrize("l2", [None, 0.0, 0.5])
def test_the_gauged_gradient_and_hvp_are_the_projected_data_part_plus_the_penalty_shift(
    l2: float | None,
) -> None:
    """GaugedObjective's gradient (hvp at u) is (I - Pi) v + l2 Pi (U_W, 0), v the objective's
    own, Pi = I_(d+1) kron (1 1^T / K) the projector onto the class shifts: built here from Pi as
    a matrix, at a theta whose rows (a feature's K weights, the intercepts) are shifted by
    different amounts, so that each row's shift differs. Without l2 (None) the penalty is none:
    the objective's l2 = 0 gradient, whose shift component is rounding alone. To rounding:
    (d + 1) K terms of the size of v and l2 |theta|, a few EPS each."""
    n, d, K = 30, 3, 4
    rng = np.random.default_rng(7)
    X = rng.standard_normal((n, d))
    Y = np.eye(K)[rng.integers(0, K, n)]
    penalty = 0.0 if l2 is None else l2
    inner = manual.linear.LinearObjective(MultinomialLoss(K), X, Y, penalty)
    gauged = mm.GaugedObjective(inner, d, K) if l2 is None else mm.GaugedObjective(inner, d, K, l2)
    shifts = np.array([[1.0], [-2.0], [3.5], [0.7]])  # a feature's K weights; the intercepts last
    theta = (0.1 * rng.standard_normal((d + 1, K)) + shifts).ravel()
    u = (rng.standard_normal((d + 1, K)) + shifts[::-1]).ravel()
    Pi = np.kron(np.eye(d + 1), np.full((K, K), 1.0 / K))
    I = np.eye((d + 1) * K)
    on_W = np.r_[np.ones(d * K), np.zeros(K)]  # (U_W, 0): the intercepts never penalized
    f, g = inner.loss_and_gradient(theta)
    fg, gg = gauged.loss_and_gradient(theta)
    assert fg == f
    expected = (I - Pi) @ g + penalty * Pi @ (on_W * theta)
    bound = 8 * (d + 1) * K * EPS * (np.abs(g).max() + penalty * np.abs(theta).max())
    assert_within("gradient", gg, expected, bound)
    Hu = inner.hvp(theta, u)
    expected = (I - Pi) @ Hu + penalty * Pi @ (on_W * u)
    bound = 8 * (d + 1) * K * EPS * (np.abs(Hu).max() + penalty * np.abs(u).max())
    assert_within("hvp", gauged.hvp(theta, u), expected, bound)
    if penalty > 0:  # the shift part is there to be seen: l2 times W's row means
        assert np.abs(Pi @ gg).max() > 0.1 * penalty


@pytest.mark.parametrize("l2", [0.0, 0.5, "per feature"])
def test_the_gauged_hessian_adds_h_s_largest_diagonal_entry_along_its_singular_shifts(
    l2: float | str,
) -> None:
    """GaugedObjective's Hessian is H + mu Pi_s: Pi_s = diag(s) kron (1 1^T / K) the projector onto
    the class shifts along which H is singular (the intercepts' always, feature j's where its
    penalty l2_j is 0; "per feature": l2_j = (0, 0.5, 0.25), as `Centring` gives it), mu = H's
    largest diagonal entry. So each such shift is an eigenvector of curvature mu, within H's own
    range (mu <= lambda_max(H), a diagonal entry being a Rayleigh quotient): the shift neither
    dominates nor vanishes, and the other shifts keep H's true curvature l2_j. Built here from
    Pi_s as a matrix; to the rounding of H's entries, a few EPS of mu."""
    n, d, K = 30, 3, 4
    rng = np.random.default_rng(8)
    X = rng.standard_normal((n, d))
    Y = np.eye(K)[rng.integers(0, K, n)]
    penalty = np.array([[0.0], [0.5], [0.25]]) if l2 == "per feature" else float(l2)
    inner = manual.linear.LinearObjective(MultinomialLoss(K), X, Y, penalty)
    gauged = mm.GaugedObjective(inner, d, K, penalty)
    theta = 0.3 * rng.standard_normal((d + 1) * K)
    H = inner.hessian(theta)
    mu = float(np.max(np.diagonal(H)))
    l2_rows = np.append(np.broadcast_to(np.ravel(penalty), (d,)), 0.0)  # the intercepts': none
    singular = l2_rows == 0.0
    Pi_s = np.kron(np.diag(singular.astype(float)), np.full((K, K), 1.0 / K))
    got = gauged.hessian(theta)
    assert_within("gauged Hessian", got, H + mu * Pi_s, 4 * EPS * mu)
    for j in range(d + 1):  # the shift of row j (a feature's K weights, or the intercepts)
        shift = np.kron(np.eye(d + 1)[j], np.ones(K))
        curvature = mu if singular[j] else l2_rows[j]
        assert_within(f"shift {j}", got @ shift, curvature * shift, 8 * (d + 1) * K * EPS * mu)
    assert mu <= np.linalg.eigvalsh(H)[-1] * (1 + 8 * EPS)


def test_newton_takes_the_minimum_norm_step_on_offset_columns() -> None:
    """Two columns of years (offset 1990, sd ~1 and ~100) and one of sd 1e-2, l2 = 0: H's null
    eigenvalues round to ~1e-9 there, and a step along them would break the gauge by 1e10 ulps;
    the minimum-norm steps H^+ g keep it to a few ulps a step, and reach the optimum."""
    X, y = _blobs(200, 3, 3, seed=9)
    assert np.all(X[:, :2].mean(axis=0) > 1980)
    res = mm.fit(X, y, solver="newton", tol=1e-8, max_iter=100)
    assert res.converged
    size = float(max(np.abs(res.W).max(), np.abs(res.b).max(), 1.0))
    allowed = (res.n_iter + 1) * GAUGE_ULPS_PER_STEP * 3 * U * size
    assert _gauge_error(res.W, res.b) <= allowed


@pytest.mark.parametrize(("K", "l2"), [(3, 0.0), (5, 1e-2)])
def test_gd_trajectories_of_the_twins_agree_over_1000_steps(K: int, l2: float) -> None:
    X, y = _blobs(60, 3, K, seed=K, spread=0.5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    kw = dict(solver="gd", tol=0.0, max_iter=TRAJECTORY_STEPS, l2=l2)
    a, r = mm.fit(X, y, **kw), rm.fit(X, y, **kw)
    assert a.n_iter == r.n_iter == TRAJECTORY_STEPS
    scale = max(float(np.abs(a.W).max()), float(np.abs(a.b).max()))
    assert_within("W", a.W, r.W, TRAJECTORY_RTOL * scale)
    assert_within("b", a.b, r.b, TRAJECTORY_RTOL * scale)
    assert_within("losses", a.losses, r.losses, TRAJECTORY_RTOL * a.losses[0])


def test_twins_newton_fits_agree() -> None:
    X, y = _blobs(80, 2, 3, seed=2)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    a, r = mm.fit(X, y, solver="newton"), rm.fit(X, y, solver="newton")
    assert a.converged and r.converged
    np.testing.assert_allclose(a.W, r.W, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.b, r.b, rtol=1e-7, atol=1e-9)


def test_fit_takes_k_from_the_labels_and_starts_where_told() -> None:
    X, y = _blobs(50, 2, 3, seed=3)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    W0, b0 = np.ones((2, 3)), np.array([1.0, 2.0, 3.0])
    seen: list[tuple[int, float]] = []
    res = mm.fit(
        X,
        y,
        W0=W0,
        b0=b0,
        max_iter=3,
        tol=0.0,
        callback=lambda k, W, b, f, gW, gb: seen.append((k, f)),
    )
    assert res.W.shape == (2, 3) and res.b.shape == (3,) and res.n_classes == 3
    assert res.losses[0] == mm.loss(W0, b0, X, y)
    assert [k for k, _ in seen] == [0, 1, 2, 3] and [f for _, f in seen] == list(res.losses)
    assert len(res.grad_norms) == 4 and res.grad_norms[0] == max(
        np.abs(mm.gradient(W0, b0, X, y)[0]).max(), np.abs(mm.gradient(W0, b0, X, y)[1]).max()
    )


def test_two_class_fit_is_the_binary_fit() -> None:
    """K = 2 is logistic regression: from the zero start the softmax fit keeps W = [-w/2, w/2],
    b = [-c/2, c/2], and at l2' = 2 l2 (the penalty (l2'/2) ||W||^2 = (l2'/4) ||w||^2) its
    optimum is the binary optimum (w, c); both Newton fits reach it to ORACLE_RTOL."""
    X, y = _blobs(80, 2, 2, seed=6)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    l2 = 1e-2
    res = mm.fit(X, y, solver="newton", l2=2 * l2, tol=1e-12)
    ref = manual.fit(X, y, solver="newton", l2=l2, tol=1e-12)
    assert res.converged and ref.converged and res.n_classes == 2
    coef = np.append(res.W[:, 1] - res.W[:, 0], res.b[1] - res.b[0])
    expected = np.append(ref.w, ref.b)
    assert_within("w, c", coef, expected, ORACLE_RTOL * np.abs(expected).max())


# A start outside the symmetric gauge: W0's rows (a feature's K weights) sum to 1 each, or to 1
# and -1 (nothing in W0 and b0 together summing to zero the way the gauge asks); b0 alone.
_OFF_GAUGE_STARTS = {
    "rows sum to 1": (np.array([[1.0, 0.5, -0.5], [2.0, -1.0, 0.0]]), np.array([0.5, 0.5, 0.0])),
    "rows sum to 1 and -1": (np.array([[1.0, 0.5, -0.5], [-2.0, 1.0, 0.0]]), np.zeros(3)),
    "b0 alone": (None, np.array([3.0, 0.0, -1.0])),
}


@pytest.mark.parametrize("solver", sorted(SOLVERS))
@pytest.mark.parametrize("start", sorted(_OFF_GAUGE_STARTS))
def test_a_start_outside_the_gauge_keeps_its_class_shifts_unless_penalized(
    solver: str, start: str
) -> None:
    """A common shift of a feature's K weights (or of the K intercepts) changes no p: the data
    gradient has no component along it, so at l2 = 0 no solver moves the start's row sums
    W.sum(axis=1), b.sum() (to the rounding of the steps); at l2 > 0 the penalty's own shift
    component l2 W.mean(axis=1) takes W's row sums to the gauge (|sum| <= K tol / l2 once the
    gradient is below tol), while b, never penalized, keeps b0's sum."""
    X, y = _blobs(60, 2, 3, seed=3)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    W0, b0 = _OFF_GAUGE_STARTS[start]
    W_start = np.zeros((2, 3)) if W0 is None else W0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.ConvergenceWarning)
        free = mm.fit(X, y, solver=solver, W0=W0, b0=b0, max_iter=100)
        held = mm.fit(X, y, solver=solver, W0=W0, b0=b0, max_iter=2000, l2=0.5, tol=1e-8)
    penalty = 0.25 * np.sum(W_start**2)
    assert_within("the start's loss", free.losses[0], held.losses[0] - penalty, 4 * EPS * penalty)
    assert free.losses[-1] < free.losses[0]
    size = float(max(np.abs(free.W).max(), np.abs(free.b).max(), 1.0))
    allowed = (free.n_iter + 1) * GAUGE_ULPS_PER_STEP * 3 * U * size
    assert_within("l2 = 0: W's row sums", free.W.sum(axis=1), W_start.sum(axis=1), allowed)
    assert_within("l2 = 0: b's sum", free.b.sum(), b0.sum(), allowed)
    # each row of the gradient has mean l2 W.mean(axis=1) (the data part's is 0): its largest
    # entry bounds |W.sum(axis=1)| by K |grad| / l2 at any iterate, near the optimum or not
    assert held.grad_norms[-1] <= 1e-6
    bound = 3 * held.grad_norms[-1] / 0.5 * (1 + 8 * EPS) + allowed
    assert_within("l2 > 0: W's row sums", held.W.sum(axis=1), np.zeros(2), bound)
    assert_within("l2 > 0: b's sum", held.b.sum(), b0.sum(), allowed)


def test_gd_takes_one_over_lipschitz_as_its_default_step() -> None:
    """lr=None is 1 / L, L = `lipschitz(X, l2)`: the result says which step ran, and the first
    step is -lr times the gradient at the start."""
    X, y = _blobs(50, 2, 3, seed=3)
    l2 = 0.1
    seen: list[np.ndarray] = []
    res = mm.fit(
        X, y, l2=l2, max_iter=1, tol=0.0, callback=lambda k, W, b, f, gW, gb: seen.append(W.copy())
    )
    assert res.solver == "gd" and res.lr == 1.0 / mm.lipschitz(X, l2)
    gW, _ = mm.gradient(np.zeros((2, 3)), np.zeros(3), X, y, l2)
    assert_within("first step", seen[1], -res.lr * gW, 4 * EPS * res.lr * np.abs(gW).max())
    assert mm.fit(X, y, solver="newton", max_iter=1, tol=0.0).lr is None


def test_the_callback_sees_each_iterate_with_its_gradient() -> None:
    """callback(k, W, b, loss, grad_W, grad_b): W (d, K) and b (K,) the iterate k (the start at
    k = 0, the result's (W, b) at the last k), loss its loss, grad_W, grad_b its gradient (to the
    rounding of their sums over samples, TWIN_RTOL of its scale); d = 3, so that the intercepts
    are not a feature's row."""
    X, y = _blobs(40, 3, 4, seed=1)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    W0, b0 = np.zeros((3, 4)), np.array([0.3, -0.1, -0.2, 0.0])
    seen: list[tuple] = []
    res = mm.fit(
        X,
        y,
        solver="lbfgs",
        l2=1e-2,
        W0=W0,
        b0=b0,
        max_iter=4,
        tol=0.0,
        callback=lambda *args: seen.append(tuple(np.copy(a) for a in args)),
    )
    assert [int(s[0]) for s in seen] == list(range(res.n_iter + 1))
    np.testing.assert_array_equal(seen[0][1], W0)
    np.testing.assert_array_equal(seen[0][2], b0)
    np.testing.assert_array_equal(seen[-1][1], res.W)
    np.testing.assert_array_equal(seen[-1][2], res.b)
    for k, W, b, f, gW, gb in seen:
        assert W.shape == gW.shape == (3, 4) and b.shape == gb.shape == (4,)
        assert f == res.losses[k] == mm.loss(W, b, X, y, 1e-2)
        eW, eb = mm.gradient(W, b, X, y, 1e-2)
        scale = TWIN_RTOL * (1.0 + np.abs(X).max() * max(np.abs(W).max(), 1.0))
        assert_within("grad_W", gW, eW, scale)
        assert_within("grad_b", gb, eb, scale)


# "years and a tiny column": offset 2000 at spread 10 next to a column of spread 1e-12, where
# newton-cg's computed steps leave the gauge by ~80 times the rounding allowed below
_YEARS_AND_TINY = (2000.0, 10.0, 1e-12)


@pytest.mark.parametrize("solver", sorted(SOLVERS))
@pytest.mark.parametrize("l2", [0.0, 1e-4])
def test_every_solver_keeps_the_gauge_on_years_and_a_tiny_column(solver: str, l2: float) -> None:
    """From zero the iterates stay in the gauge W.sum(axis=1) = 0, b.sum() = 0 off by the rounding
    of the steps alone, also where the columns' scales differ by 1e10 (the computed steps gather
    a shift there, which the fit removes: a common shift of a feature's K weights changes no p)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 2))
    Z = X @ rng.standard_normal((2, 3))
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    y = (rng.random(300)[:, None] > np.cumsum(P / P.sum(axis=1, keepdims=True), axis=1)).sum(1)
    y[:3] = [0, 1, 2]
    offset, spread, tiny = _YEARS_AND_TINY
    Xk = np.c_[offset + spread * X[:, 0], tiny * X[:, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.ConvergenceWarning)
        res = mm.fit(Xk, y, solver=solver, l2=l2, max_iter=300)
    mu = np.abs(Xk.mean(axis=0))
    size = max(float(np.abs(res.W).max()), float(np.abs(res.b).max()), 1.0)
    size = max(size, float((mu @ np.abs(res.W)).max()))
    allowed = (res.n_iter + 1) * GAUGE_ULPS_PER_STEP * 3 * U * size
    assert _gauge_error(res.W, res.b) <= allowed, (_gauge_error(res.W, res.b), allowed)


def test_separable_classes_warn_at_l2_zero_and_not_with_a_penalty() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    angles = 2 * np.pi * y / 3
    X = np.column_stack([np.cos(angles), np.sin(angles)]) * 5 + 0.3 * rng.standard_normal((60, 2))
    with pytest.warns(manual.SeparationWarning, match="separable"):
        res = mm.fit(X, y, solver="newton", max_iter=50)
    assert res.separable
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = mm.fit(X, y, solver="newton", l2=1e-2)
    assert res.converged and not res.separable


@pytest.mark.parametrize("solver", ["gd", "newton"])
def test_a_class_separable_from_the_rest_warns_at_l2_zero(solver: str) -> None:
    """Fisher's iris: setosa is separable from the other two, which overlap (no sample is on its
    own side of every boundary, so the certificate of full separation cannot hold). The final
    iterate certifies it (z_0 - z_j separates class 0), and moving along that certificate
    lowers the loss without end."""
    from manual.datasets import iris
    from manual.linear import LinearObjective
    from manual.multinomial import MultinomialLoss, separated_class

    data = iris()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = mm.fit(data.X, data.y, solver=solver, max_iter=300)
    assert res.separable
    # the one warning is the separation: no optimum, so no ConvergenceWarning for the short run
    assert [w.category for w in caught] == [manual.SeparationWarning], caught
    message = str(caught[0].message)
    assert "class 0 is separable from all the others" in message
    Y = np.eye(3)[data.y]
    objective = LinearObjective(MultinomialLoss(3), data.X, Y, 0.0)
    theta = np.vstack([res.W, res.b]).ravel()
    pair = separated_class(objective, theta)
    assert pair is not None and pair[0] == 0
    k, j = pair
    assert f"z_{k} - z_{j} is > 0 on each of its samples" in message  # the certified margin
    v = np.zeros((5, 3))
    v[:-1, k], v[-1, k] = res.W[:, k] - res.W[:, j], res.b[k] - res.b[j]
    losses = [objective.loss(theta + t * v.ravel()) for t in (0.0, 1.0, 10.0, 100.0)]
    # every l_i non-increasing along v (class k's terms falling towards 0): the loss never rises
    # beyond its rounding (a few ulps), and is lower than at t = 0
    assert all(b <= a * (1 + 8 * EPS) for a, b in itertools.pairwise(losses)), losses
    assert losses[-1] < losses[0], losses


def test_a_class_separable_from_the_rest_has_an_optimum_with_a_penalty() -> None:
    """At l2 > 0 the loss is strongly convex in W and bounded below: a finite optimum exists
    however the classes lie. Iris at l2 = 1e-2: Newton converges, and its optimum still separates
    setosa (class 0) from the rest, which is no reason to warn."""
    from manual.datasets import iris

    data = iris()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = mm.fit(data.X, data.y, solver="newton", l2=1e-2)
    assert res.converged and not res.separable
    Z = mm.logits(data.X, res.W, res.b)
    setosa = data.y == 0
    margin = Z[:, 0] - Z[:, 1:].max(axis=1)
    assert np.all(margin[setosa] > 0) and np.all(margin[~setosa] < 0)


def test_overlapping_classes_do_not_warn() -> None:
    X, y = _blobs(120, 3, 4, seed=8)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for solver in ("gd", "newton"):
            res = mm.fit(X, y, solver=solver, max_iter=5000 if solver == "gd" else 100)
            assert res.converged and not res.separable


def test_a_class_absent_from_y_warns_at_any_l2() -> None:
    X, y = _blobs(60, 2, 3, seed=4)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.where(y == 1, 2, y)  # K = 3 from max(y), class 1 absent
    with pytest.warns(manual.SeparationWarning, match="2 of 3 classes"):
        res = mm.fit(X, y, solver="newton", l2=1.0, max_iter=30)
    assert res.separable


def test_predict_breaks_ties_to_the_lowest_class() -> None:
    X = np.zeros((2, 1))
    W, b = np.zeros((1, 3)), np.array([0.0, 1.0, 1.0])
    np.testing.assert_array_equal(mm.predict(X, W, b), [1, 1])
    np.testing.assert_array_equal(rm.predict(X, W, b), [1, 1])
    assert mm.predict(X, W, b).dtype == rm.predict(X, W, b).dtype == np.int64  # labels, not floats


def test_to_reference_class_keeps_the_model() -> None:
    X, _ = _blobs(30, 2, 4, seed=6)
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((2, 4)), rng.standard_normal(4)
    for base in range(4):
        Wr, br = mm.to_reference_class(W, b, base)
        assert Wr.shape == (2, 3) and br.shape == (3,)
        full_W = np.insert(Wr, base, 0.0, axis=1)
        full_b = np.insert(br, base, 0.0)
        np.testing.assert_allclose(
            mm.predict_proba(X, full_W, full_b), mm.predict_proba(X, W, b), rtol=1e-12, atol=1e-300
        )


def test_to_reference_class_defaults_to_class_0() -> None:
    """base = 0 by default: statsmodels' MNLogit parameters, each class's less class 0's."""
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((2, 4)), rng.standard_normal(4)
    Wr, br = mm.to_reference_class(W, b)
    np.testing.assert_array_equal(Wr, W[:, 1:] - W[:, :1])
    np.testing.assert_array_equal(br, b[1:] - b[0])


def test_log_softmax_of_a_sure_class_is_plus_zero() -> None:
    """Where every other class's share underflows, log p = log 1 = +0.0, as np.log(1.0) and the
    twin give: the sign of a zero is observable (1 / log p is +inf, not -inf)."""
    Z = np.array([[0.0, -1000.0, -2000.0], [5.0, 5.0 - 800.0, -1e308]])
    for twin in (mm, rm):
        got = np.asarray(twin.log_softmax(Z))[:, 0]
        np.testing.assert_array_equal(got, 0.0)
        assert not np.signbit(got).any(), twin.__name__


def test_lipschitz_bounds_the_hessian_and_is_attained_at_two_classes() -> None:
    """Every eigenvalue of diag(p) - p p^T is <= 1/2, so lambda_max(H) <= lambda_max(X1.T X1) /
    (2 n) + l2 = L_smooth anywhere. For K = 2 at W = 0, b = 0 (p = (1/2, 1/2)) diag(p) - p p^T
    has the eigenvalue 1/2 on (1, -1): H = X1.T X1 / n kron [[1, -1], [-1, 1]] / 4 reaches it at
    l2 = 0. The default l2 is 0."""
    rng = np.random.default_rng(8)
    n, d = 40, 3
    X = rng.standard_normal((n, d)) * [1.0, 10.0, 0.1] + [0.0, 5.0, 0.0]
    y = rng.integers(0, 3, n)
    X1 = _x1(X)
    bound = float(np.linalg.eigvalsh(X1.T @ X1 / (2 * n))[-1])
    tol = 16 * n * EPS * bound  # the same sums in another order, and eigvalsh's backward error
    assert abs(mm.lipschitz(X) - bound) <= tol
    assert abs(mm.lipschitz(X, 0.5) - (bound + 0.5)) <= tol
    H2 = mm.hessian(np.zeros((d, 2)), np.zeros(2), X, y % 2)
    assert abs(float(np.linalg.eigvalsh(H2)[-1]) - mm.lipschitz(X)) <= tol
    for l2 in (0.0, 0.5):
        W, b = 0.3 * rng.standard_normal((d, 3)), rng.standard_normal(3)
        lam = float(np.linalg.eigvalsh(mm.hessian(W, b, X, y, l2))[-1])
        assert lam <= mm.lipschitz(X, l2) + tol


def _reference_fisher(W: np.ndarray, b: np.ndarray, X: np.ndarray, base: int) -> np.ndarray:
    """The Fisher information of the parameters with class `base` fixed at zero, written from
    its textbook form (statsmodels' MNLogit): sum_i x1_i x1_i^T kron (diag(q_i) - q_i q_i^T),
    q_i = p_i without class `base`, ordered like np.vstack([W_r, b_r]).ravel()."""
    Q = np.delete(_plain_softmax(X @ W + b), base, axis=1)
    m = Q.shape[1]
    per = Q[:, :, None] * np.eye(m) - Q[:, :, None] * Q[:, None, :]
    X1 = _x1(X)
    size = X1.shape[1] * m
    return np.einsum("ij,ikl,im->jkml", X1, per, X1).reshape(size, size)


# The two informations' entries agree to ~(n + d) EPS relative (sums of positive terms but for
# the -q_k q_l); inverting multiplies that by the condition number, asserted below 1e4: 1e-9.
SE_RTOL = 1e-9
SE_MAX_CONDITION = 1e4


@pytest.mark.parametrize(
    ("b", "base"),
    [
        ([0.3, -0.2, 0.1], None),  # the default: class 0
        ([0.3, -0.2, 0.1], 1),
        ([0.3, -0.2, 0.1], 2),
        # classes 1 and 2 at p ~ 1e-13: an information of scale 1e-12, well conditioned all the
        # same (the refusal is relative to its largest eigenvalue, not to 1)
        ([30.0, 0.0, 0.0], 0),
    ],
)
def test_standard_errors_are_the_inverse_fisher_information_of_the_reference_parameters(
    b: list[float], base: int | None
) -> None:
    """sqrt(diag(I_r^-1)) of the information retyped by hand, with no warning of any kind on the
    way (a deprecated NumPy call would be an error in a later NumPy)."""
    rng = np.random.default_rng(5)
    n, d, K = 60, 2, 3
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    W = 0.5 * rng.standard_normal((d, K))
    b_ = np.array(b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if base is None:
            se_W, se_b = mm.standard_errors(W, b_, X, y)
        else:
            se_W, se_b = mm.standard_errors(W, b_, X, y, base=base)
    info = _reference_fisher(W, b_, X, 0 if base is None else base)
    assert np.linalg.cond(info) < SE_MAX_CONDITION
    want = np.sqrt(np.diag(np.linalg.inv(info))).reshape(d + 1, K - 1)
    assert se_W.shape == (d, K - 1) and se_b.shape == (K - 1,)
    np.testing.assert_allclose(se_W, want[:-1], rtol=SE_RTOL)
    np.testing.assert_allclose(se_b, want[-1], rtol=SE_RTOL)


@pytest.mark.parametrize(
    ("seed", "near_intercept"),
    [
        (0, False),  # two equal columns of scale 1e3
        (3, True),  # 1 + 0.01 x twice and 1 + 0.01 z: every column nearly the intercept's
    ],
)
def test_standard_errors_refuse_a_singular_information_and_show_its_spectrum(
    seed: int, near_intercept: bool
) -> None:
    """Two equal columns: (e_1 - e_2) kron e_k is in the information's null space, whose
    eigenvalue comes out as rounding, a few EPS of the largest (these seeds give it positive,
    and, near the intercept, above EPS times every other eigenvalue). The refusal names X, W and
    b, and shows the smallest and the largest eigenvalue of the information's correlation form:
    the largest that (to the 3 digits printed), the smallest within the refusal's threshold."""
    rng = np.random.default_rng(seed)
    n = 30
    if near_intercept:
        x = 1.0 + 0.01 * rng.standard_normal(n)
        X = np.column_stack([x, x, 1.0 + 0.01 * rng.standard_normal(n)])
    else:
        x = 1e3 * rng.standard_normal(n)
        X = np.column_stack([x, x])
    y = rng.integers(0, 2, n)
    W, b = np.zeros((X.shape[1], 2)), np.zeros(2)
    with pytest.raises(ValueError, match=r"^X, W and b give a singular Fisher information") as err:
        mm.standard_errors(W, b, X, y)
    shown = re.search(r"(\S+) / (\S+)\):", str(err.value))
    assert shown is not None, str(err.value)
    smallest, largest = float(shown.group(1)), float(shown.group(2))
    info = _reference_fisher(W, b, X, 0)
    D = np.sqrt(np.diagonal(info))
    lam = np.linalg.eigvalsh(info / np.outer(D, D))
    assert abs(largest - lam[-1]) <= 1e-3 * lam[-1]  # printed with 4 significant digits
    assert smallest <= len(lam) * EPS * largest


def test_standard_errors_refuse_a_column_of_zeros() -> None:
    """A zero column carries no information on its weights: I has a zero row, singular."""
    X = np.column_stack([np.arange(6.0), np.zeros(6)])
    with pytest.raises(ValueError, match=r"^X, W and b give a singular Fisher information"):
        mm.standard_errors(np.zeros((2, 3)), np.zeros(3), X, [0, 1, 2, 0, 1, 2])


def test_standard_errors_scale_with_a_column_s_units() -> None:
    """x_j -> c x_j, W_j -> W_j / c leaves every logit, so the model, unchanged: the error of
    W_j is divided by c, the others are unchanged. c = 2^27 (~1.3e8; a power of 2, so that the
    logits are the same bits): the information's eigenvalues then span ~1e16, its correlation
    form's do not, and the errors exist (decided on the correlation form, a unit diagonal)."""
    rng = np.random.default_rng(11)
    n, d, K = 80, 2, 3
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    W, b = 0.4 * rng.standard_normal((d, K)), 0.2 * rng.standard_normal(K)
    c = np.array([2.0**27, 1.0])
    se_W, se_b = mm.standard_errors(W, b, X, y)
    se_Wc, se_bc = mm.standard_errors(W / c[:, None], b, X * c, y)
    np.testing.assert_allclose(se_Wc, se_W / c[:, None], rtol=SE_RTOL)
    np.testing.assert_allclose(se_bc, se_b, rtol=SE_RTOL)


def test_margin_is_the_label_logit_less_the_largest_other() -> None:
    """m_i = z_y - max_{k != y} z_k, row by row; +-inf where it passes 1.8e308, without an
    overflow warning."""
    Z = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, -1.0], [1.0, 1.0, 0.0], [1e308, -1e308, 0.0]])
    Y = np.eye(3)[[0, 0, 1, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = MultinomialLoss.margin(Z, Y)
    np.testing.assert_array_equal(got, [1.0, -5.0, 0.0, -np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            MultinomialLoss.margin(np.array([[1e308, -1e308, -1e308]]), np.eye(3)[[0]])[0] == np.inf
        )


def test_separated_class_needs_every_sample_strictly_beyond_the_rounding() -> None:
    """(k, j) only where z_k - z_j > 0 on each sample of class k and < 0 on every other: none at
    theta = 0 or where two classes' logits tie everywhere (h = 0 is on no side); at differences
    past 1.8e308 the certificate stands, without an overflow warning."""
    from manual.linear import LinearObjective

    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    obj = LinearObjective(MultinomialLoss(3), X, np.eye(3)[[0, 1, 2, 2]], 0.0)
    assert mm.separated_class(obj, np.zeros(6)) is None
    assert mm.separated_class(obj, _flat(np.zeros((1, 3)), np.array([2.0, 2.0, 1.0]))) is None
    # z_2 - z_0 = z_2 - z_1 = x - 1.5: > 0 on class 2 (x = 2, 3), < 0 on the others
    theta = _flat(np.array([[0.0, 0.0, 1.0]]), np.array([0.0, 0.0, -1.5]))
    assert mm.separated_class(obj, theta) == (2, 0)
    # z_0 - z_1 = +-2e308 = +-inf on the first two samples, 0 on the third (class 2's): no pair
    huge = _flat(np.array([[1e308, -1e308, 0.0]]), np.zeros(3))
    X2 = np.array([[1.0], [-1.0], [0.0]])
    obj2 = LinearObjective(MultinomialLoss(3), X2, np.eye(3), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mm.separated_class(obj2, huge) is None


def test_separated_class_takes_every_block_of_rows_into_account() -> None:
    """The certificate must hold on every sample, across the blocks of rows X is read in: at
    z = (x, 0, -x) the first block (class 0 at x = 1, class 1 at x = -1) leaves the pairs (0, 1)
    and (0, 2), the last row (class 1 at x = 1) refutes both: no pair, for any block size."""
    from manual.linear import LinearObjective

    labels = np.array([0, 1, 0, 1, 1])
    x = np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    theta = _flat(np.array([[1.0, 0.0, -1.0]]), np.zeros(3))
    for rows in (1, 2, 4, 5):
        obj = LinearObjective(
            MultinomialLoss(3), x[:, None], np.eye(3)[labels], 0.0, block_rows=rows
        )
        assert mm.separated_class(obj, theta) is None, rows
    first = LinearObjective(MultinomialLoss(3), x[:4, None], np.eye(3)[labels[:4]], 0.0)
    assert mm.separated_class(first, theta) == (0, 1)  # the first four rows alone certify it


# --- bad input -----------------------------------------------------------------------------------
_X = np.arange(6.0).reshape(3, 2)
_W, _b = np.zeros((2, 3)), np.zeros(3)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: mm.loss(_W, _b, _X, [0, 1, 3]), ValueError, "y must hold class labels in 0..2"),
        (lambda: mm.loss(_W, _b, _X, [0, 1, -1]), ValueError, "y must hold integer class labels"),
        (lambda: mm.loss(_W, _b, _X, [0, 1.5, 2]), ValueError, "y must hold integer class labels"),
        (lambda: mm.loss(_W, _b, _X, ["a", "b", "c"]), TypeError, "y must hold real numbers"),
        (lambda: mm.loss(_W, _b, _X, [0, 1]), ValueError, "y must have shape (n,) = (3,)"),
        (lambda: mm.loss(np.zeros((2, 1)), [0.0], _X, [0, 0, 0]), ValueError, "K >= 2"),
        (
            lambda: mm.loss(np.zeros((3, 3)), _b, _X, [0, 1, 2]),
            ValueError,
            "W must have shape (d, K) = (2, K)",
        ),
        (
            lambda: mm.loss(_W, np.zeros(2), _X, [0, 1, 2]),
            ValueError,
            "b must have shape (K,) = (3,)",
        ),
        (lambda: mm.loss(_W, _b, _X, np.full((3, 3), 0.5)), ValueError, "rows must sum to 1"),
        (lambda: mm.loss(_W, _b, _X, np.full((3, 2), 0.5)), ValueError, "(n, K) = (3, 3)"),
        (lambda: mm.loss(_W, _b, _X, -np.eye(3)), ValueError, "soft labels in [0, 1]"),
        (lambda: mm.loss(_W, _b, _X, [0, 1, 2], l2=-1.0), ValueError, "l2 must lie in"),
        (
            lambda: mm.hvp(_W, _b, _X, [0, 1, 2], np.zeros((2, 2)), _b),
            ValueError,
            "V must have shape",
        ),
        (lambda: mm.hvp(_W, _b, _X, [0, 1, 2], _W, np.zeros(4)), ValueError, "c must have shape"),
        (lambda: mm.fit(_X, [0, 0, 0]), ValueError, "at least two classes"),
        (lambda: mm.fit(_X, [0, 1, 2.5]), ValueError, "integer class labels"),
        (
            lambda: mm.fit(_X, [0, 1, 2], W0=np.zeros((2, 4))),
            ValueError,
            "b0 must have shape (K,) = (4,)",
        ),
        (
            lambda: mm.fit(_X, [0, 1, 2], W0=np.zeros((2, 2)), b0=np.zeros(2)),
            ValueError,
            "W0 must have shape (d, K) = (2, 3)",
        ),
        (lambda: mm.fit(_X, [0, 1, 2], solver="sgd"), ValueError, "solver must be one of"),
        (lambda: mm.fit(_X, np.eye(3)), ValueError, "y must have shape (n,) = (3,)"),
        (
            lambda: mm.to_reference_class(_W, _b, base=3),
            ValueError,
            "base must be a class label in 0..2",
        ),
        (lambda: mm.to_reference_class(_W, _b, base=1.0), TypeError, "base must be an int"),
        (lambda: mm.predict(_X, _W, np.zeros(4)), ValueError, "b must have shape"),
        (lambda: mm.softmax(1.0), ValueError, "Z must have at least one axis"),
        (lambda: mm.softmax([np.nan, 1.0]), ValueError, "Z must be finite"),
        (lambda: rm.loss(_W, _b, _X, [0, 1, 3]), ValueError, "y must hold class labels in 0..2"),
        (lambda: rm.fit(_X, [0, 0, 0]), ValueError, "at least two classes"),
    ],
)
def test_bad_input_is_refused_by_name(call, error: type, words: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value), str(info.value)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: mm.softmax(1.0), ValueError, r"^Z must have at least one axis"),
        (lambda: mm.log_softmax(1.0), ValueError, r"^Z must have at least one axis"),
        (lambda: mm.log_softmax([np.nan, 1.0]), ValueError, r"^Z must be finite"),
        (lambda: mm.to_reference_class([[np.nan, 0.0]], _b[:2]), ValueError, r"^W must be finite"),
        (
            lambda: mm.to_reference_class(np.zeros(3), _b),
            ValueError,
            r"^W must have shape \(d, K\); got shape \(3,\)",
        ),
        (
            lambda: mm.to_reference_class(_W, _b, base=1.0),
            TypeError,
            r"^base must be an int class label, got float 1\.0$",
        ),
        (lambda: mm.lipschitz(_X, -1.0), ValueError, r"^l2 must lie in \[0\.0, inf\)"),
        (lambda: mm.lipschitz(_X, "1"), TypeError, r"^l2 must be a real number"),
        (lambda: mm.fit(_X, [0, 0, 0]), ValueError, r"^y must hold at least two classes"),
        (
            lambda: mm.hvp(_W, _b, _X, [0, 1, 2], np.full((2, 3), np.nan), _b),
            ValueError,
            r"^V must be finite",
        ),
        (lambda: mm.hvp(_W, _b, _X, [0, 1, 2], _W, [np.inf, 0.0, 0.0]), ValueError, r"^c must be"),
        (
            lambda: mm.fit(_X, [0, 1, 2], W0=np.zeros((3, 3))),
            ValueError,
            r"^W0 must have shape \(d, K\) = \(2, K\)",
        ),
        (lambda: mm.fit(_X, [0, 1, 2], W0=np.full((2, 3), np.nan)), ValueError, r"^W0 must be"),
        (
            lambda: mm.fit(_X, [0, 1, 2], callback=3),
            TypeError,
            r"^callback must be callable or None, got int$",
        ),
    ],
)
def test_a_refusal_opens_with_the_argument_it_names(call, error: type, pattern: str) -> None:
    """The argument's name first, as given in the signature (Z, W, l2: case counts), then the
    condition; a wrong type is described by what was given."""
    with pytest.raises(error, match=pattern):
        call()


def test_one_features_w_may_be_1d_and_each_refusal_names_the_first_offending_entry() -> None:
    """A 1-D W of K weights is the one feature's row when X has one feature (as a scalar w is in
    the binary model), and is refused as given (shape (K,)) when X has more; a refusal of y names
    the first label, entry or row that breaks the rule."""
    x1, W1 = np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.1, 0.2])
    assert mm.loss(W1, _b, x1, [0, 1, 2]) == mm.loss(W1[None, :], _b, x1[:, None], [0, 1, 2])
    with pytest.raises(ValueError, match=r"^W must have shape \(d, K\) = \(2, K\).*\(3,\)$"):
        mm.loss(W1, _b, _X, [0, 1, 2])
    soft = np.array([[1.0, 0.0, 0.0], [0.0, 1.5, 0.0], [0.0, 0.0, 1.0]])
    rows = np.array([[1.0, 0.0, 0.0], [0.5, 0.6, 0.0], [0.25, 0.25, 0.25]])
    for y, pattern in (
        ([0, 1, 3], r"^y must hold class labels in 0\.\.2 .*, first y\[2\] = 3\.0$"),
        ([0, 1.5, 2], r"^y must hold integer class labels .*, first y\[1\] = 1\.5$"),
        (soft, r"^y must hold soft labels in \[0, 1\]; got 1 value.*, first y\[1, 1\] = 1\.5$"),
        (rows, r"^y's soft-label rows must sum to 1 .* got 2 row.*, first row 1 summing to 1\.1"),
    ):
        with pytest.raises(ValueError, match=pattern):
            mm.loss(_W, _b, _X, y)
    with pytest.raises(ValueError, match=r"^b must be finite"):
        mm.loss(_W, [0.0, np.nan, 0.0], _X, [0, 1, 2])
    with pytest.raises(ValueError, match=r"^y must be finite.*first at index \(1,\)"):
        mm.fit(_X, [0, np.nan, 2])
    with pytest.raises(
        ValueError, match=r"^y must hold integer class labels .*, first y\[2\] = 2\.5$"
    ):
        mm.fit(_X, [0, 1, 2.5])


def test_soft_rows_within_the_stated_tolerance_pass() -> None:
    from manual.multinomial_checks import SOFT_ROW_TOL

    Y = np.full((3, 3), 1 / 3)
    Y[:, 0] += 0.5 * SOFT_ROW_TOL
    assert np.isfinite(mm.loss(_W, _b, _X, Y))
    Y[:, 0] += 2 * SOFT_ROW_TOL
    with pytest.raises(ValueError, match="sum to 1"):
        mm.loss(_W, _b, _X, Y)


def test_the_curvature_scales_with_a_soft_row_s_sum() -> None:
    """The model is the cross-entropy sum_k Y_k (-log p_k), whose Hessian in z is
    sum(Y_i) (diag(p_i) - p_i p_i^T) for any row: labels (1 - delta) Y_hard, whose rows sum to
    1 - delta within the accepted tolerance, give (1 - delta) times the Hessian and hvp of the hard
    labels, at l2 = 0. delta = 0.8 SOFT_ROW_TOL, 8e-10 relative, far above the rounding of the
    two orders of scaling (a few ulps of each entry's sum of |terms|, n of them: n EPS)."""
    from manual.multinomial_checks import SOFT_ROW_TOL

    rng = np.random.default_rng(12)
    n, d, K = 20, 2, 3
    X = rng.standard_normal((n, d))
    Y_hard = np.eye(K)[rng.integers(0, K, n)]
    W, b = rng.standard_normal((d, K)), rng.standard_normal(K)
    V, c = rng.standard_normal((d, K)), rng.standard_normal(K)
    delta = 0.8 * SOFT_ROW_TOL
    soft = (1.0 - delta) * Y_hard
    H, H_soft = mm.hessian(W, b, X, Y_hard), mm.hessian(W, b, X, soft)
    X1 = np.c_[X, np.ones(n)]
    scale = np.kron(np.abs(X1).T @ np.abs(X1) / n, np.ones((K, K)))  # |p| <= 1 in each term
    assert_within("hessian", H_soft, (1.0 - delta) * H, 4 * n * EPS * scale)
    HV, Hc = mm.hvp(W, b, X, Y_hard, V, c)
    HV_soft, Hc_soft = mm.hvp(W, b, X, soft, V, c)
    assert_within("hvp", _flat(HV_soft, Hc_soft), (1.0 - delta) * _flat(HV, Hc),
                  4 * n * EPS * scale @ np.abs(_flat(V, c)))  # fmt: skip


def test_gaps_past_the_largest_float_give_exact_answers_without_a_warning() -> None:
    """Logits of +-1.5e308 are finite, their gap 3e308 is not: softmax gives the sure class 1 and
    the far one exactly 0, log_softmax -inf there (the exact -3e308 rounds to it), the loss of
    the sure class 0 (not 0 * inf = NaN from the far class's label 0); no RuntimeWarning on
    the way. The per-sample losses come one a sample, (m,)."""
    Z = np.array([[1.5e308, -1.5e308, 0.0], [0.0, 1.0, 2.0]])
    Y = np.eye(3)[[0, 2]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(mm.softmax(Z[:1]), [[1.0, 0.0, 0.0]])
        np.testing.assert_array_equal(mm.log_softmax(Z[:1]), [[0.0, -np.inf, -1.5e308]])
        assert mm.loss(Z[:1], np.zeros(3), np.ones((1, 1)), [0]) == 0.0
        l, r = MultinomialLoss.value_and_derivative(Z, Y)
    assert l.shape == (2,) and r.shape == (2, 3)
    assert l[0] == 0.0 and l[1] == pytest.approx(-np.log(_plain_softmax(Z[1:])[0, 2]), rel=1e-15)


def test_softmax_carries_the_rounding_of_each_gap_into_its_exponential() -> None:
    """At a gap z_m - z_k of up to 700 whose float difference is rounded (by up to 700 u / 2 of
    itself), exp of the rounded gap errs by that much relative; the rounding error, recovered
    exactly (TwoSum) and carried as exp(t) (1 + r), keeps every p_k within 2 ulps of the exact
    softmax (mpmath at 50 digits): one rounding of e_k, one of the quotient, beside them below
    one ulp."""
    rng = np.random.default_rng(0)
    Z = np.c_[rng.uniform(-1.0, 1.0, 30), -rng.uniform(1.0, 700.0, (30, 3))]
    P = mm.softmax(Z)
    for z, p in zip(Z, P, strict=True):
        with mpmath.workdps(50):
            zs = [mpmath.mpf(float(v)) for v in z]
            lse = mpmath.log(sum(mpmath.exp(v) for v in zs))
            exact = np.array([float(mpmath.exp(v - lse)) for v in zs])
        assert np.all(np.abs(p - exact) <= 2 * EPS * exact), (z, (p - exact) / exact / EPS)


def test_reference_exposes_the_same_multinomial_names() -> None:
    for name in rm.__all__:
        assert callable(getattr(mm, name)) or isinstance(getattr(mm, name), type)
    assert reference.multinomial is rm and manual.multinomial is mm


def test_newton_from_outside_the_gauge_converges_at_l2_above_zero() -> None:
    """At l2 > 0 the Hessian has the curvature l2 along a feature's class shift: Newton removes a
    start's shift of W's rows as fast as the rest, and reaches tol = 1e-10 quadratically (within
    a dozen steps, like a start in the gauge), with no warning."""
    X, y = _blobs(60, 2, 3, seed=3)
    W0 = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])
    b0 = np.array([0.3, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = mm.fit(X, y, solver="newton", W0=W0, b0=b0, l2=0.5, tol=1e-10)
        inside = mm.fit(X, y, solver="newton", l2=0.5, tol=1e-10)
    assert res.converged and res.grad_norms[-1] <= 1e-10
    assert res.n_iter <= inside.n_iter + 4
