"""The optimum against independent oracles: statsmodels' Logit (l2 = 0, with standard errors),
scikit-learn's LogisticRegression (l2 = 1 / (C n)), and a published table."""

import re
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import manual
import reference
from manual.datasets import breast_cancer
from tests.tolerances import EPS

# Both sides stop at a gradient of ~1e-10 to 1e-12; at a well-conditioned optimum the parameters
# then agree to ~cond(H) * 1e-10, far inside the 1e-6 that the comparison asks.
ORACLE_RTOL = 1e-6


def _close(name: str, got: np.ndarray, want: np.ndarray, rtol: float = ORACLE_RTOL) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
    assert err <= rtol, f"{name}: relative error {err:.2e} > {rtol:.0e}\n{got}\n{want}"


def _statsmodels(X: np.ndarray, y: np.ndarray):
    model = sm.Logit(y, sm.add_constant(X, prepend=False, has_constant="add"))
    return model.fit(method="newton", tol=1e-14, maxiter=200, disp=0)


@settings(max_examples=25)
@given(st.sampled_from([(60, 1), (200, 3), (500, 6)]), st.integers(0, 2**32 - 1))
def test_newton_matches_statsmodels(shape: tuple[int, int], seed: int) -> None:
    n, d = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * 10.0 ** rng.integers(-2, 3, d)
    w = rng.standard_normal(d) / np.abs(X).mean(axis=0)
    y = (rng.random(n) < manual.sigmoid(X @ w - 0.3)).astype(float)
    res = manual.fit(X, y, solver="newton", tol=1e-10)
    sm_res = _statsmodels(X, y)
    _close("coefficients", np.append(res.w, res.b), sm_res.params)
    _close("log-likelihood", -n * res.losses[-1], sm_res.llf)
    _close("standard errors", manual.standard_errors(res.w, res.b, X, y), sm_res.bse)


def test_spector_mazzeo_published_table() -> None:
    """Spector and Mazzeo (1980), GRADE on GPA, TUCE and PSI (32 students), as tabulated in
    Greene, Econometric Analysis, and reproduced in statsmodels' documentation: coefficients,
    standard errors and log-likelihood to the printed digits."""
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog.to_numpy(dtype=float), data.endog.to_numpy(dtype=float)
    res = manual.fit(X, y, solver="newton", tol=1e-10)
    se = manual.standard_errors(res.w, res.b, X, y)
    printed_coef = [2.8261, 0.0952, 2.3787, -13.0213]  # GPA, TUCE, PSI, const
    printed_se = [1.2629, 0.1416, 1.0646, 4.9313]
    np.testing.assert_allclose(np.append(res.w, res.b), printed_coef, atol=0.5e-4)
    np.testing.assert_allclose(se, printed_se, atol=0.5e-4)
    assert abs(-32 * res.losses[-1] - (-12.8896)) <= 0.5e-4


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_newton_matches_sklearn_on_breast_cancer(C: float) -> None:
    """LogisticRegression minimizes C sum_i l_i + ||w||^2 / 2, which is n C times our mean loss
    with l2 = 1 / (C n). lbfgs stops early at its default tolerances; newton-cholesky with a
    tight tol does not."""
    data = breast_cancer()
    n = len(data.y)
    sk = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    sk.fit(data.X, data.y)
    for twin in (manual, reference):
        res = twin.fit(data.X, data.y, solver="newton", tol=1e-10, l2=1.0 / (C * n))
        assert res.converged
        _close("coefficients", np.append(res.w, res.b), np.append(sk.coef_[0], sk.intercept_))
        _close(
            "probabilities",
            manual.predict_proba(data.X, res.w, res.b),
            sk.predict_proba(data.X)[:, 1],
            rtol=1e-6,
        )


def test_standard_errors_refuse_a_singular_fisher_information() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    X = np.column_stack([X, X[:, 0]])  # duplicated column: w_1 and w_3 are not identified
    y = (rng.random(50) < 0.5).astype(float)
    # decided on the information scaled to a unit diagonal (its correlation form), where a
    # column's units do not count: the message gives that form's extreme eigenvalues
    message = (
        r"^X, w and b give a singular Fisher information \(smallest/largest eigenvalue of its "
        r"correlation form .* / .*\): collinear or constant columns, or p \(1 - p\) ~ 0 at "
        r"every sample; the standard errors are not defined$"
    )
    for units in (1.0, 1e-8, 1e8):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a refusal, and no warning on the way
            with pytest.raises(ValueError, match=message) as info:
                manual.standard_errors(np.zeros(3), 0.0, X * units, y)
        # the two numbers are that form's extreme eigenvalues: the smallest ~0 (at most (d + 1)
        # EPS of the largest, the refusal's own test), so that the other d add up to its trace,
        # d + 1 (a unit diagonal), and the largest is at least their mean, (d + 1) / d
        small, large = map(float, re.findall(r"-?\d\.\d+e[-+]\d+", str(info.value)))
        d = X.shape[1]
        printed = 1 + 1e-3  # each number is printed to 4 digits
        assert small <= (d + 1) * EPS * large * printed
        assert large * printed >= (d + 1) / d


def test_standard_errors_shape_and_order() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 2)) * [1.0, 10.0]
    y = (rng.random(300) < manual.sigmoid(X @ [1.0, 0.1])).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = manual.fit(X, y, solver="newton", tol=1e-10)
    se = manual.standard_errors(res.w, res.b, X, y)
    assert se.shape == (3,)
    # the second feature is 10x larger, so its coefficient's standard error is ~10x smaller
    assert 5 < se[0] / se[1] < 20
