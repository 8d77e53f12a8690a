"""Every Hypothesis strategy of the suite, with its bounds.

A `Problem` is one data set and one point (w, b) at which to evaluate the objective. Hypothesis
draws the regime (shape, feature scales, logit size, labels, penalty, special columns) and a seed;
NumPy draws the values from that seed, so that a data set of 300 x 12 costs no more to draw than
one of 1 x 1. A failing example prints its seed and regime, which reproduce it exactly.

Bounds:
- shapes: n in [1, 300], d in [1, 12]. Anything that calls `reference` draws from `TWIN_SHAPES`,
  a short fixed list, because JAX compiles once per array shape.
- feature scales: each column's scale is 10**k, k in [-4, 4]; values standard normal times it.
- logits: the typical |z| is drawn from `LOGIT_SCALES`, from 1e-3 to 1e250 (|z| up to ~1e251).
- labels: 0/1 at random, one class only, all well classified (y = [z > 0], tiny loss and
  gradient), or soft labels in [0, 1] (with some exact 0s and 1s).
- special columns: a constant column, a duplicated column.
- penalty: l2 in {0, 1e-3, 1}. 1-D X whenever d = 1 and the flag says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

TWIN_SHAPES = [(1, 1), (2, 3), (16, 1), (40, 5), (128, 12), (300, 2)]
SMALL_SHAPES = [(1, 1), (2, 1), (3, 2), (5, 3), (8, 2)]  # for 50-digit arithmetic
LOGIT_SCALES = [1e-3, 1.0, 5.0, 40.0, 1e3, 1e5, 1e250]
L2_VALUES = [0.0, 1e-3, 1.0]
LABEL_KINDS = ["random", "one_class", "well_classified", "soft"]


@dataclass(frozen=True)
class Problem:
    w: np.ndarray
    b: float
    X: np.ndarray  # (n, d), or (n,) when d = 1 and the 1-D form was drawn
    y: np.ndarray
    l2: float

    @property
    def X2(self) -> np.ndarray:
        """X as (n, d) whatever form was drawn."""
        return self.X.reshape(self.X.shape[0], -1)

    @property
    def z(self) -> np.ndarray:
        return self.X2 @ self.w + self.b

    def __repr__(self) -> str:  # short: the seed and regime are in the strategy's draw log
        return f"Problem(n={self.X2.shape[0]}, d={self.X2.shape[1]}, b={self.b!r}, l2={self.l2})"


def make_problem(
    n: int,
    d: int,
    seed: int,
    *,
    col_exponents: list[int],
    logit_scale: float,
    labels: str,
    l2: float,
    intercept: str = "random",
    constant_column: bool = False,
    duplicate_column: bool = False,
    one_d: bool = False,
) -> Problem:
    """Build one Problem from a seed and a regime (see the module docstring for the bounds)."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.asarray(col_exponents[:d], dtype=np.float64)
    X = rng.standard_normal((n, d)) * scales
    if constant_column:
        X[:, 0] = scales[0] * (1.0 + rng.random())
    if duplicate_column and d >= 2:
        X[:, -1] = X[:, 0]
    # w so that z = X @ w has a typical size of logit_scale
    w = rng.standard_normal(d) / (scales * np.sqrt(d)) * logit_scale
    b = {"zero": 0.0, "random": float(rng.standard_normal() * logit_scale)}[intercept]
    z = X @ w + b
    if labels == "random":
        y = (rng.random(n) < 0.5).astype(np.float64)
    elif labels == "one_class":
        y = np.full(n, float(rng.integers(0, 2)))
    elif labels == "well_classified":
        y = (z > 0).astype(np.float64)
    elif labels == "soft":
        y = rng.random(n)
        y[rng.random(n) < 0.2] = 0.0
        y[rng.random(n) < 0.2] = 1.0
    else:
        raise ValueError(f"labels must be one of {LABEL_KINDS}, got {labels!r}")
    if np.max(np.abs(w)) > 1e140:
        l2 = 0.0  # (l2 / 2) ||w||^2 of weights near 1e250 overflows float64: keep the loss finite
    return Problem(w=w, b=b, X=X[:, 0] if (one_d and d == 1) else X, y=y, l2=l2)


@st.composite
def problems(
    draw: st.DrawFn,
    shapes: list[tuple[int, int]] | None = None,
    *,
    label_kinds: list[str] = LABEL_KINDS,
    logit_scales: list[float] = LOGIT_SCALES,
    l2_values: list[float] = L2_VALUES,
) -> Problem:
    """A Problem; shapes from `shapes` if given (anything calling JAX), else n in [1, 300], d in
    [1, 12]."""
    if shapes is None:
        n = draw(st.integers(1, 300))
        d = draw(st.integers(1, 12))
    else:
        n, d = draw(st.sampled_from(shapes))
    return make_problem(
        n,
        d,
        draw(st.integers(0, 2**32 - 1)),
        col_exponents=draw(st.lists(st.integers(-4, 4), min_size=d, max_size=d)),
        logit_scale=draw(st.sampled_from(logit_scales)),
        labels=draw(st.sampled_from(label_kinds)),
        l2=draw(st.sampled_from(l2_values)),
        intercept=draw(st.sampled_from(["random", "zero"])),
        constant_column=draw(st.booleans()),
        duplicate_column=draw(st.booleans()),
        one_d=draw(st.booleans()),
    )


def hard_label_problems(shapes: list[tuple[int, int]] | None = None) -> st.SearchStrategy[Problem]:
    """Problems with 0/1 labels only (what `fit` accepts)."""
    return problems(shapes, label_kinds=["random", "one_class", "well_classified"])


def directions(d: int) -> st.SearchStrategy[np.ndarray]:
    """A unit direction in (w, b)-space, (d + 1,), from a drawn seed."""

    def unit(seed: int) -> np.ndarray:
        v = np.random.default_rng(seed).standard_normal(d + 1)
        return v / np.linalg.norm(v)

    return st.integers(0, 2**32 - 1).map(unit)


# --- multinomial (softmax) problems --------------------------------------------------------------
# Bounds: K in [2, 8]; shapes (n, d, K) from MULTI_TWIN_SHAPES where JAX is called (it compiles once
# per shape), else n in [1, 120], d in [1, 6]; column scales 10**k, k in [-4, 4], with an offset
# drawn per column from MULTI_OFFSETS (0, years ~2000, Unix timestamps ~1.7e9); typical |z| from
# LOGIT_SCALES; labels: random, one class only, classes absent (a random subset present), well
# classified (y = argmax z: every margin large at large logit scales), soft rows (Dirichlet, with
# exact 0s and 1s); a constant and a duplicated column; l2 from L2_VALUES.
MULTI_TWIN_SHAPES = [(1, 1, 2), (6, 3, 3), (40, 2, 5), (64, 4, 8)]
MULTI_SMALL_SHAPES = [(1, 1, 2), (2, 1, 3), (3, 2, 2), (4, 2, 4), (5, 1, 5)]  # for mpmath
MULTI_OFFSETS = [0.0, 0.0, 2000.0, 1.7e9]
MULTI_LABEL_KINDS = ["random", "one_class", "absent", "well_classified", "soft"]


@dataclass(frozen=True)
class MultiProblem:
    W: np.ndarray  # (d, K)
    b: np.ndarray  # (K,)
    X: np.ndarray  # (n, d)
    y: np.ndarray  # (n,) int labels, or (n, K) soft rows
    l2: float

    @property
    def K(self) -> int:
        return int(self.W.shape[1])

    @property
    def Y(self) -> np.ndarray:
        """The labels as rows (n, K): one-hot for integer labels."""
        if self.y.ndim == 2:
            return self.y
        return np.eye(self.K)[self.y]

    @property
    def Z(self) -> np.ndarray:
        return self.X @ self.W + self.b

    def __repr__(self) -> str:
        n, d = self.X.shape
        kind = "soft" if self.y.ndim == 2 else "int"
        return f"MultiProblem(n={n}, d={d}, K={self.K}, labels={kind}, l2={self.l2})"


def make_multi_problem(
    n: int,
    d: int,
    K: int,
    seed: int,
    *,
    col_exponents: list[int],
    offsets: list[float],
    logit_scale: float,
    labels: str,
    l2: float,
    constant_column: bool = False,
    duplicate_column: bool = False,
) -> MultiProblem:
    """One MultiProblem from a seed and a regime (bounds above the strategy)."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.asarray(col_exponents[:d], dtype=np.float64)
    center = np.asarray(offsets[:d], dtype=np.float64)
    X = center + rng.standard_normal((n, d)) * scales
    if constant_column:
        X[:, 0] = center[0] + scales[0] * (1.0 + rng.random())
    if duplicate_column and d >= 2:
        X[:, -1] = X[:, 0]
    # W so that the centred logits have a typical size of logit_scale; b takes the offsets away
    W = rng.standard_normal((d, K)) / (scales * np.sqrt(d))[:, None] * logit_scale
    b = -center @ W + rng.standard_normal(K) * logit_scale
    Z = X @ W + b
    if labels == "random":
        y: np.ndarray = rng.integers(0, K, n)
    elif labels == "one_class":
        y = np.full(n, rng.integers(0, K))
    elif labels == "absent":
        present = rng.choice(K, size=int(rng.integers(1, K)), replace=False)
        y = rng.choice(present, n)
    elif labels == "well_classified":
        y = np.argmax(Z, axis=1)
    elif labels == "soft":
        y = rng.dirichlet(np.full(K, 0.5), n)
        hard = rng.random(n) < 0.2
        y[hard] = np.eye(K)[rng.integers(0, K, int(hard.sum()))]
        y[rng.random((n, K)) < 0.2] = 0.0
        y[y.sum(axis=1) == 0.0, 0] = 1.0
        y = y / y.sum(axis=1, keepdims=True)
    else:
        raise ValueError(f"labels must be one of {MULTI_LABEL_KINDS}, got {labels!r}")
    if np.max(np.abs(W)) > 1e140:
        l2 = 0.0  # (l2 / 2) ||W||^2 overflows float64 at weights near 1e250
    return MultiProblem(W=W, b=b, X=X, y=y, l2=l2)


@st.composite
def multi_problems(
    draw: st.DrawFn,
    shapes: list[tuple[int, int, int]] | None = None,
    *,
    label_kinds: list[str] = MULTI_LABEL_KINDS,
    logit_scales: list[float] = LOGIT_SCALES,
    l2_values: list[float] = L2_VALUES,
    offsets: list[float] = MULTI_OFFSETS,
) -> MultiProblem:
    """A MultiProblem; (n, d, K) from `shapes` if given (anything calling JAX)."""
    if shapes is None:
        n, d, K = draw(st.integers(1, 120)), draw(st.integers(1, 6)), draw(st.integers(2, 8))
    else:
        n, d, K = draw(st.sampled_from(shapes))
    return make_multi_problem(
        n,
        d,
        K,
        draw(st.integers(0, 2**32 - 1)),
        col_exponents=draw(st.lists(st.integers(-4, 4), min_size=d, max_size=d)),
        offsets=draw(st.lists(st.sampled_from(offsets), min_size=d, max_size=d)),
        logit_scale=draw(st.sampled_from(logit_scales)),
        labels=draw(st.sampled_from(label_kinds)),
        l2=draw(st.sampled_from(l2_values)),
        constant_column=draw(st.booleans()),
        duplicate_column=draw(st.booleans()),
    )


# --- data sets to train on, one a regime of real data -------------------------------------------
# plain: standard normal columns. scaled: columns of 1e-3 to 1e3. year: a column of 2000 +- 10
# (an offset 200 times its spread: nearly collinear with the intercept). income: 5e4 +- 2e4.
# micro: a column in micro-units (1e-6). collinear: two columns 1e-3 apart. The labels follow a
# logistic model of the standardized columns, so that each regime has a finite optimum (overlapping
# classes).
FIT_REGIMES = ["plain", "scaled", "year", "income", "micro", "collinear"]


def regime_data(kind: str, n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X (n, d), y (n,)) of the regime `kind` (d >= 2 for collinear)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if kind == "scaled":
        X *= 10.0 ** np.resize([-3.0, 3.0, -1.0, 2.0], d)
    elif kind == "year":
        X[:, 0] = 2000.0 + 10.0 * X[:, 0]
    elif kind == "income":
        X[:, 0] = 5e4 + 2e4 * X[:, 0]
    elif kind == "micro":
        X[:, 0] *= 1e-6
    elif kind == "collinear":
        X[:, 1] = X[:, 0] + 1e-3 * X[:, 1]
    elif kind != "plain":
        raise ValueError(f"kind must be one of {FIT_REGIMES}, got {kind!r}")
    standardized = (X - X.mean(axis=0)) / X.std(axis=0)
    w = rng.standard_normal(d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(standardized @ w + 0.3)))).astype(np.float64)
    return X, y


# --- raw columns, as real tables hold them -----------------------------------------------------
# Each kind: (offset, spread) of the column, values offset + spread * u, u in [-1, 1]. The model
# behind the labels is drawn on the standardized column, so that the classes overlap whatever the
# units (the optimum exists) and every column matters.
RAW_KINDS: dict[str, tuple[float, float]] = {
    "year": (2000.0, 30.0),  # years, 2000 +- 30
    "timestamp": (1.7e9, 1e6),  # seconds since 1970, 1.7e9 +- 1e6
    "income": (5e5, 4.9e5),  # incomes, 1e4 .. 1e6
    "micro": (0.0, 1e-6),  # micro-units
    "centred": (0.0, 1.0),  # a well-scaled column beside them
}
RAW_SHAPES = [(200, 1), (300, 2), (300, 3)]


@dataclass(frozen=True)
class RawData:
    X: np.ndarray  # (n, d) raw columns
    y: np.ndarray  # (n,) 0/1, both classes, overlapping
    kinds: tuple[str, ...]

    def __repr__(self) -> str:
        return f"RawData(n={self.X.shape[0]}, kinds={self.kinds})"


@st.composite
def raw_data(draw: st.DrawFn) -> RawData:
    """Raw columns of the kinds above (offsets up to 1.7e9, spreads from 1e-6 to 5e5), labels
    from a logistic model with coefficients in [-1.5, 1.5] on the standardized columns."""
    n, d = draw(st.sampled_from(RAW_SHAPES))
    kinds = tuple(draw(st.sampled_from(sorted(RAW_KINDS))) for _ in range(d))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    U = rng.uniform(-1.0, 1.0, (n, d))
    beta = rng.uniform(-1.5, 1.5, d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(U @ beta * 1.7 - 0.3)))).astype(np.float64)
    offsets = np.array([RAW_KINDS[k][0] for k in kinds])
    spreads = np.array([RAW_KINDS[k][1] for k in kinds])
    return RawData(X=offsets + spreads * U, y=y, kinds=kinds)


def quasi_separated(n: int, kinds: tuple[str, ...], k: int, seed: int) -> RawData:
    """Quasi-complete separation: the samples with x_1 < c are class 0, those with x_1 > c
    class 1, and the first k samples, on the boundary x_1 = c, hold both classes (alternating).
    Column 1 is of the raw kind kinds[0] (c its offset, exactly representable), the others of
    kinds[1:]; the rest of the values from numpy's generator at seed."""
    d = len(kinds)
    rng = np.random.default_rng(seed)
    U = rng.uniform(-1.0, 1.0, (n, d))
    U[:k, 0] = 0.0
    y = (U[:, 0] > 0).astype(np.float64)
    y[:k] = np.arange(k) % 2  # both classes on the boundary
    offsets = np.array([RAW_KINDS[kind][0] for kind in kinds])
    spreads = np.array([RAW_KINDS[kind][1] for kind in kinds])
    return RawData(X=offsets + spreads * U, y=y, kinds=kinds)


@st.composite
def quasi_separated_data(draw: st.DrawFn) -> RawData:
    """`quasi_separated` with column 1 of a raw kind, the others of any kind; n in {60, 200},
    d in {1, 2, 3}, k from 2 to n / 5."""
    n = draw(st.sampled_from([60, 200]))
    d = draw(st.integers(1, 3))
    kinds = tuple(draw(st.sampled_from(sorted(RAW_KINDS))) for _ in range(d))
    seed = draw(st.integers(0, 2**32 - 1))
    k = draw(st.integers(2, n // 5))
    return quasi_separated(n, kinds, k, seed)
