"""The Hessian-vector product H (v, c): derived by hand in `manual` (one pass over X), forward over
reverse (jax.jvp of jax.grad) in `reference`, neither forming H.

Properties: the twins agree; hvp is the Hessian applied to (v, c); u.Hv = v.Hu (H is symmetric); the
columns hvp(e_k) assemble the Hessian; hvp is linear in (v, c); bad directions are refused alike
by both twins. Tolerances: tests/tolerances.py (`twin_hessian_bound` between the twins,
`same_hvp_bound` within one).
"""

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import manual
import reference
from tests.strategies import TWIN_SHAPES, Problem, directions, make_problem, problems
from tests.tolerances import assert_within, same_hvp_bound, twin_hessian_bound

TWINS = [manual, reference]
# each property on 60 drawn problems (not the profile's 200): the regimes are few and each is hit
HVP_EXAMPLES = 60

# logits of +-1e3 on well-classified points (curvatures underflow), badly scaled columns
_SATURATED = make_problem(
    40, 5, 7, col_exponents=[0, 2, -2, 4, -4], logit_scale=1e3, labels="well_classified", l2=0.0
)
_MODERATE = make_problem(
    128, 12, 3, col_exponents=[4, -4, 0, 1, 2, 3, -1, -2, -3, 0, 0, 4], logit_scale=5.0,
    labels="random", l2=1e-3, constant_column=True, duplicate_column=True,
)  # fmt: skip


def _with_directions(k: int) -> Any:
    """A problem from the twins' shapes and k unit directions (v, c) of (d + 1,)."""
    return problems(TWIN_SHAPES).flatmap(
        lambda P: st.tuples(st.just(P), *[directions(P.X2.shape[1])] * k)
    )


def _hvp(twin: Any, P: Problem, u: np.ndarray) -> np.ndarray:
    Hv, Hc = twin.hvp(P.w, P.b, P.X, P.y, u[:-1], u[-1], P.l2)
    d = P.X2.shape[1]
    assert Hv.shape == (d,) and Hv.dtype == np.float64 and isinstance(Hc, float)
    return np.append(Hv, Hc)


def _seeded(P: Problem, seed: int) -> np.ndarray:
    u = np.random.default_rng(seed).standard_normal(P.X2.shape[1] + 1)
    return u / np.linalg.norm(u)


@settings(max_examples=HVP_EXAMPLES)
@given(_with_directions(1))
@example((_SATURATED, _seeded(_SATURATED, 1)))
@example((_MODERATE, _seeded(_MODERATE, 2)))
def test_twins_agree(Pu: tuple[Problem, np.ndarray]) -> None:
    """Hand-derived and forward-over-reverse: |H u - R u| <= bound(H - R) @ |u|, the Hessians'
    own twin bound carried through the product."""
    P, u = Pu
    got, want = _hvp(manual, P, u), _hvp(reference, P, u)
    assert_within("hvp", got, want, twin_hessian_bound(P) @ np.abs(u))


@pytest.mark.parametrize("twin", TWINS, ids=["manual", "reference"])
@settings(max_examples=HVP_EXAMPLES)
@given(Pu=_with_directions(1))
@example(Pu=(_SATURATED, _seeded(_SATURATED, 3)))
@example(Pu=(_MODERATE, _seeded(_MODERATE, 4)))
def test_hvp_is_the_hessian_applied_to_the_direction(
    twin: Any, Pu: tuple[Problem, np.ndarray]
) -> None:
    P, u = Pu
    H = twin.hessian(P.w, P.b, P.X, P.y, P.l2)
    bound = same_hvp_bound(P, u, autodiff=twin is reference)
    assert_within("hvp against hessian @ u", _hvp(twin, P, u), H @ u, bound)


@pytest.mark.parametrize("twin", TWINS, ids=["manual", "reference"])
@settings(max_examples=HVP_EXAMPLES)
@given(Puv=_with_directions(2))
@example(Puv=(_MODERATE, _seeded(_MODERATE, 5), _seeded(_MODERATE, 6)))
def test_hvp_is_symmetric(twin: Any, Puv: tuple[Problem, np.ndarray, np.ndarray]) -> None:
    """u . H v = v . H u: each side's rounding is |u| . (same_hvp_bound(v)), and alike."""
    P, u, v = Puv
    uHv, vHu = float(u @ _hvp(twin, P, v)), float(v @ _hvp(twin, P, u))
    ad = twin is reference
    bound = float(
        np.abs(u) @ same_hvp_bound(P, v, autodiff=ad)
        + np.abs(v) @ same_hvp_bound(P, u, autodiff=ad)
    )
    assert_within("u.Hv against v.Hu", uHv, vHu, bound)


@pytest.mark.parametrize("twin", TWINS, ids=["manual", "reference"])
@settings(max_examples=HVP_EXAMPLES)
@given(P=problems(TWIN_SHAPES))
@example(P=_SATURATED)
@example(P=_MODERATE)
def test_hvp_of_the_unit_vectors_assembles_the_hessian(twin: Any, P: Problem) -> None:
    d1 = P.X2.shape[1] + 1
    columns = np.column_stack([_hvp(twin, P, e) for e in np.eye(d1)])
    H = twin.hessian(P.w, P.b, P.X, P.y, P.l2)
    bound = np.column_stack([same_hvp_bound(P, e, autodiff=twin is reference) for e in np.eye(d1)])
    assert_within("[hvp(e_1), ..., hvp(e_d+1)] against hessian", columns, H, bound)


# 0 or 1e-3 <= |a| <= 1e3: far smaller factors send a H u into the subnormal range, which XLA
# flushes to 0 term by term (an absolute error per term, not the sums' rounding this test bounds)
_SCALARS = st.floats(-1e3, 1e3).filter(lambda t: t == 0.0 or abs(t) >= 1e-3)


@pytest.mark.parametrize("twin", TWINS, ids=["manual", "reference"])
@settings(max_examples=HVP_EXAMPLES)
@given(Puv=_with_directions(2), a=_SCALARS, c=_SCALARS)
def test_hvp_is_linear_in_the_direction(
    twin: Any, Puv: tuple[Problem, np.ndarray, np.ndarray], a: float, c: float
) -> None:
    """H (a u + c v) = a H u + c H v, to the rounding of the sums over the samples. (Autodiff
    carries the change of the logits through p and 1 - p, not through p (1 - p) once formed: its
    curvature's rounding enters each direction anew.)"""
    P, u, v = Puv
    got = _hvp(twin, P, a * u + c * v)
    want = a * _hvp(twin, P, u) + c * _hvp(twin, P, v)
    assert_within(
        "H (a u + c v)", got, want, same_hvp_bound(P, a * u, c * v, autodiff=twin is reference)
    )


_X = np.array([[0.5, -1.0], [1.5, 2.0], [-0.3, 0.7]])
_Y = np.array([0.0, 1.0, 1.0])
_W = np.array([0.2, -0.4])
# (v, c, exception, the argument the message must name)
_BAD_DIRECTIONS: list[tuple[Any, Any, type[Exception], str]] = [
    (np.array([1.0, np.nan]), 0.5, ValueError, "v"),
    (np.array([1.0, np.inf]), 0.5, ValueError, "v"),
    (np.array([1.0, 2.0, 3.0]), 0.5, ValueError, "v"),
    (np.array([1.0]), 0.5, ValueError, "v"),
    (np.ones((2, 1)), 0.5, ValueError, "v"),
    (np.array([1.0, 1j]), 0.5, TypeError, "v"),
    (None, 0.5, TypeError, "v"),
    (np.ones(2), np.nan, ValueError, "c"),
    (np.ones(2), -np.inf, ValueError, "c"),
    (np.ones(2), np.array([1.0, 2.0]), ValueError, "c"),
    (np.ones(2), np.ones((1, 1)), ValueError, "c"),
    (np.ones(2), "1", TypeError, "c"),
    (np.ones(2), None, TypeError, "c"),
    (np.ones(2), 1j, TypeError, "c"),
]


@pytest.mark.parametrize("twin", TWINS, ids=["manual", "reference"])
@pytest.mark.parametrize(("v", "c", "kind", "name"), _BAD_DIRECTIONS)
def test_bad_directions_are_refused_naming_the_argument(
    twin: Any, v: Any, c: Any, kind: type[Exception], name: str
) -> None:
    with pytest.raises(kind) as err:
        twin.hvp(_W, 0.1, _X, _Y, v, c)
    assert str(err.value).startswith(f"{name} must"), str(err.value)


def test_a_scalar_direction_is_accepted_for_one_feature() -> None:
    """As for w: with d = 1, v may be a number; both twins give the same (1,) array."""
    X = np.array([0.5, -1.0, 2.0])
    for twin in TWINS:
        Hv, Hc = twin.hvp(0.3, 0.1, X, _Y, 2.0, 0.5)
        Hv1, Hc1 = twin.hvp(np.array([0.3]), 0.1, X, _Y, np.array([2.0]), 0.5)
        assert Hv.shape == (1,) and np.array_equal(Hv, Hv1) and Hc == Hc1


def test_the_default_penalty_is_none() -> None:
    """hvp(w, b, X, y, v, c) is the unpenalized Hessian's product, l2 = 0.0 as in loss, gradient
    and hessian: the same bits as l2 = 0.0 given, in both twins."""
    X = np.array([[0.5, 1.0], [-1.0, 0.2], [2.0, -0.7]])
    w, v = np.array([0.3, -0.2]), np.array([2.0, -1.0])
    for twin in TWINS:
        Hv, Hc = twin.hvp(w, 0.1, X, _Y, v, 0.5)
        Hv0, Hc0 = twin.hvp(w, 0.1, X, _Y, v, 0.5, l2=0.0)
        assert np.array_equal(Hv, Hv0) and Hc == Hc0
