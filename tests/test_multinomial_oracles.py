"""Softmax regression at its optimum against independent oracles: a published table (Stata's
mlogit on the 1996 American National Election Study), statsmodels' MNLogit (l2 = 0, with standard
errors) and scikit-learn's multinomial LogisticRegression (l2 = 1 / (C n))."""

from decimal import Decimal

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_iris, load_wine
from sklearn.linear_model import LogisticRegression

from manual import multinomial as mm

# Both sides stop at a gradient of ~1e-10 or below; at a well-conditioned optimum the parameters
# then agree to ~cond(H) * 1e-10, far inside the 1e-6 that the comparison asks.
ORACLE_RTOL = 1e-6
# scikit-learn's newton-cholesky at tol = 1e-12 and ours at 1e-12 on standardized data: both within
# ~cond(H) * 1e-12 of the optimum (cond ~ 1e3 here), inside 1e-8.
SKLEARN_ATOL = 1e-8

# Stata 11, `mlogit PID logpopul selfLR age educ income, base(0)` on statsmodels' anes96 data
# (944 voters, party identification in 7 classes), as tabulated in statsmodels'
# discrete/tests/results/results_discrete.py (Anes.mnlogit_basezero, "checked vs R nnet"): one
# column per class 1..6 against class 0; rows logpopul, selfLR, age, educ, income, const.
STATA_PARAMS = [
    ["-.01153598", "-.08875065", "-.1059667", "-.0915567", "-.0932846", "-.14088069"],
    [".29771435", ".39166864", ".57345051", "1.2787718", "1.3469616", "2.0700801"],
    ["-.024945", "-.02289784", "-.01485121", "-.00868135", "-.01790407", "-.00943265"],
    [".08249144", ".18104276", "-.00715242", ".19982796", ".21693885", ".3219257"],
    [".00519655", ".04787398", ".05757516", ".08449838", ".08095841", ".10889408"],
    ["-.37340167", "-2.2509132", "-3.6655835", "-7.6138431", "-7.0604782", "-12.105751"],
]
STATA_BSE = [
    [".0342823657", ".0391615553", ".0570382292", ".0437902764", ".0393516553", ".042138047"],
    [".093626795", ".1082386919", ".1585481337", ".1288965854", ".1171860107", ".1434089089"],
    [".0065248584", ".0079144618", ".0113313133", ".0084187486", ".0076110152", ".0081338625"],
    [".0735865799", ".0852893563", ".1262913234", ".0941250559", ".0850070091", ".0910979921"],
    [".0176336937", ".0222809297", ".0336142088", ".0261963632", ".0229760791", ".025300888"],
    [".6298376313", ".7631899491", "1.156541492", ".9575809602", ".8443638283", "1.059954821"],
]
STATA_LLF = "-1461.922747312"
# Stata's printed coefficients sit within one unit of their 8th digit of the optimum: ~1e-8
# relative; the standard errors computed there move by as much (they are smooth in the estimate).
STATA_SE_RTOL = 1e-8


def _anes96() -> tuple[np.ndarray, np.ndarray]:
    data = sm.datasets.anes96.load_pandas()
    return data.exog.to_numpy(dtype=float), data.endog.to_numpy(dtype=float).astype(int)


def _last_place(text: str) -> float:
    """One unit in the last printed digit of `text`."""
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)
    return 10.0**exponent


def _close(name: str, got: np.ndarray, want: np.ndarray, rtol: float = ORACLE_RTOL) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
    assert err <= rtol, f"{name}: relative error {err:.2e} > {rtol:.0e}\n{got}\n{want}"


@pytest.fixture(scope="module")
def anes_fit() -> tuple[np.ndarray, np.ndarray, mm.MultinomialFitResult]:
    X, y = _anes96()
    res = mm.fit(X, y, solver="newton", tol=1e-10, max_iter=100)
    assert res.converged and not res.separable
    return X, y, res


def test_stata_mlogit_table_on_anes96(anes_fit) -> None:
    """The published coefficients, each to one unit of its last printed digit (Stata's own
    estimate stops at its convergence tolerance, so the printed digits carry its rounding and up
    to one more unit); the standard errors, printed to 10 digits but computed at Stata's estimate,
    which differs from the optimum by ~1e-8 relative: to STATA_SE_RTOL; the log-likelihood to
    1e-9 relative (its change at that distance from the optimum is second order)."""
    X, y, res = anes_fit
    W_r, b_r = mm.to_reference_class(res.W, res.b, base=0)
    want = np.array([[float(v) for v in row] for row in STATA_PARAMS])
    unit = np.array([[_last_place(v) for v in row] for row in STATA_PARAMS])
    worst = np.max(np.abs(np.vstack([W_r, b_r]) - want) / unit)
    assert worst <= 1.0, f"{worst:.2f} units of the last printed digit off"
    se_W, se_b = mm.standard_errors(res.W, res.b, X, y, base=0)
    want_se = np.array([[float(v) for v in row] for row in STATA_BSE])
    _close("standard errors", np.vstack([se_W, se_b]), want_se, STATA_SE_RTOL)
    llf = -len(y) * res.losses[-1]
    assert abs(llf - float(STATA_LLF)) <= 1e-9 * abs(float(STATA_LLF)), llf


def test_statsmodels_mnlogit_on_anes96(anes_fit) -> None:
    X, y, res = anes_fit
    sm_res = sm.MNLogit(y, sm.add_constant(X, prepend=False)).fit(
        method="newton", tol=1e-14, maxiter=100, disp=0
    )
    W_r, b_r = mm.to_reference_class(res.W, res.b, base=0)
    _close("coefficients", np.vstack([W_r, b_r]), sm_res.params)
    _close("log-likelihood", -len(y) * res.losses[-1], sm_res.llf)
    se_W, se_b = mm.standard_errors(res.W, res.b, X, y, base=0)
    _close("standard errors", np.vstack([se_W, se_b]), sm_res.bse)


@pytest.mark.parametrize("base", [0, 3])
def test_standard_errors_of_another_base_match_statsmodels_relabelled(anes_fit, base: int) -> None:
    """Class `base` as the reference: statsmodels fitted with the labels relabelled so that `base`
    comes first (its base is always its first class)."""
    X, y, res = anes_fit
    order = [base] + [k for k in range(7) if k != base]  # new class j is old class order[j]
    y_new = np.argsort(order)[y]
    sm_res = sm.MNLogit(y_new, sm.add_constant(X, prepend=False)).fit(
        method="newton", tol=1e-14, maxiter=100, disp=0
    )
    W_r, b_r = mm.to_reference_class(res.W, res.b, base=base)
    _close("coefficients", np.vstack([W_r, b_r]), sm_res.params)
    se_W, se_b = mm.standard_errors(res.W, res.b, X, y, base=base)
    _close("standard errors", np.vstack([se_W, se_b]), sm_res.bse)


@pytest.mark.parametrize("loader", [load_iris, load_wine])
@pytest.mark.parametrize("C", [0.1, 1.0, 100.0])
def test_sklearn_multinomial_newton_cholesky(loader, C: float) -> None:
    """LogisticRegression(C) minimizes sum_i l_i + ||W||^2 / (2 C): ours at l2 = 1 / (C n). Its
    W has columns summing to 0 (the penalty picks that gauge, as ours keeps it); the intercepts
    are compared centred (they are defined up to a common shift)."""
    X, y = loader(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    n = len(y)
    sk = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    res = mm.fit(X, y, solver="newton", l2=1.0 / (C * n), tol=1e-12, max_iter=100)
    assert res.converged
    np.testing.assert_allclose(res.W, sk.coef_.T, rtol=0, atol=SKLEARN_ATOL)
    np.testing.assert_allclose(
        res.b - res.b.mean(), sk.intercept_ - sk.intercept_.mean(), rtol=0, atol=SKLEARN_ATOL
    )
    np.testing.assert_allclose(mm.predict_proba(X, res.W, res.b), sk.predict_proba(X), atol=1e-9)
