"""manual (derived by hand) and reference (jax.grad / jax.hessian) agree on random data sets.

Tolerances: tests/tolerances.py (TWIN_RTOL and the scales it multiplies, with their derivation).
"""

import numpy as np
from hypothesis import example, given

import manual
import reference
from tests.strategies import TWIN_SHAPES, Problem, make_problem, problems
from tests.tolerances import (
    TWIN_RTOL,
    assert_within,
    twin_gradient_scale,
    twin_hessian_bound,
    twin_loss_scale,
)

twin_problems = problems(TWIN_SHAPES)

# logits of +-1e3 on well-classified points: every loss term is below 1e-300
_SATURATED = make_problem(
    40, 5, 7, col_exponents=[0, 2, -2, 4, -4], logit_scale=1e3, labels="well_classified", l2=0.0
)


def _args(P: Problem) -> tuple:
    return (P.w, P.b, P.X, P.y, P.l2)


@given(twin_problems)
@example(_SATURATED)
def test_loss_agrees(P: Problem) -> None:
    got, want = manual.loss(*_args(P)), reference.loss(*_args(P))
    assert isinstance(got, float)
    assert_within("loss", got, want, TWIN_RTOL * twin_loss_scale(P))


@given(twin_problems)
@example(_SATURATED)
def test_gradient_agrees(P: Problem) -> None:
    gw, gb = manual.gradient(*_args(P))
    rw, rb = reference.gradient(*_args(P))
    d = P.X2.shape[1]
    assert gw.shape == (d,) and gw.dtype == np.float64 and isinstance(gb, float)
    assert_within(
        "gradient", np.append(gw, gb), np.append(rw, rb), TWIN_RTOL * twin_gradient_scale(P)
    )


@given(twin_problems)
@example(_SATURATED)
def test_hessian_agrees(P: Problem) -> None:
    H, R = manual.hessian(*_args(P)), reference.hessian(*_args(P))
    d = P.X2.shape[1]
    assert H.shape == (d + 1, d + 1) and H.dtype == np.float64
    assert_within("hessian", H, R, twin_hessian_bound(P))


@given(twin_problems)
def test_predictions_agree(P: Problem) -> None:
    p, q = manual.predict_proba(P.X, P.w, P.b), reference.predict_proba(P.X, P.w, P.b)
    assert p.shape == (P.X2.shape[0],)
    # sigmoid has condition number |z| (1 - p) <= |z| in z, and z's rounding is (d + 1) u z_scale;
    # XLA's sigmoid errs by up to ~32 ulps: TWIN_RTOL covers both.
    from tests.tolerances import z_scale

    assert_within("predict_proba", p, q, TWIN_RTOL * (p + q + z_scale(P) * p * (1 - p)))
    # labels differ only where p sits within the tolerance of the threshold
    clear = np.abs(p - 0.5) > 1e-9
    assert np.array_equal(
        manual.predict(P.X, P.w, P.b)[clear], reference.predict(P.X, P.w, P.b)[clear]
    )
