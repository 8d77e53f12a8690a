"""The README's accuracy claims: agreement with autodiff does not prove accuracy.

reference differentiates softplus(z) - y z; on a point classified right by a margin z,
softplus(z) ~ z is rounded to ~u z absolute while the exact loss is ~exp(-z): relative error
~u z exp(z), and autodiff's gradient and Hessian inherit it. The loss is exactly 0 from
z = 48 ln 2 ~ 33.3, p - y from 53 ln 2 ~ 36.7: all digits gone by z ~ 37. manual keeps every digit.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from scripts.accuracy import MARGINS, errors
from tests.tolerances import EXACT_RTOL


@pytest.mark.parametrize("margin", MARGINS)
def test_manual_is_exact_at_every_margin(margin: float) -> None:
    for quantity, err in errors(margin)["manual"].items():
        assert err <= EXACT_RTOL, (quantity, err)


def test_autodiff_is_exact_on_typical_points() -> None:
    for quantity, err in errors(0.0)["reference"].items():
        assert err <= EXACT_RTOL, (quantity, err)


# the rule u m e^m is an order of magnitude: which way each of the six points rounds decides the
# rest, measured within a factor 5 either way at margins 5 to 30
RULE_FACTOR = 10.0


@pytest.mark.parametrize("margin", [10.0, 20.0, 30.0])
def test_autodiff_loses_digits_like_u_m_exp_m(margin: float) -> None:
    """relative error ~ u m exp(m) (README and DERIVATION.md step 12), within RULE_FACTOR."""
    rule = np.finfo(float).eps / 2 * margin * np.exp(margin)
    for quantity, err in errors(margin)["reference"].items():
        assert rule / RULE_FACTOR <= err <= rule * RULE_FACTOR, (quantity, err, rule)


def test_the_factor_m_is_needed() -> None:
    """u e^m alone, without the factor m, falls short of every measured error at m = 30 by more
    than 5 (the rounding of softplus(z) ~ z is u z, not u)."""
    margin = 30.0
    rule = np.finfo(float).eps / 2 * np.exp(margin)
    for quantity, err in errors(margin)["reference"].items():
        assert err >= 5 * rule, (quantity, err, rule)


@pytest.mark.parametrize("margin", [40.0, 100.0, 700.0])
def test_autodiff_loses_every_digit_beyond_37(margin: float) -> None:
    for quantity, err in errors(margin)["reference"].items():
        assert err >= 0.5, (quantity, err)


def test_the_readmes_table_is_what_the_script_measures() -> None:
    """Each cell of the README's accuracy table within a factor 2 of today's measurement (the
    printed values have two digits; a new JAX or libm may move a rounding), or both at most
    EXACT_RTOL (a few ulps, where the exact value of the error is luck)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    rows = re.findall(r"^ +(typical|\d+) \|(.*)\|(.*)$", readme, re.M)
    assert [r[0] for r in rows] == ["typical" if m == 0 else f"{m:g}" for m in MARGINS]
    for label, mine, theirs in rows:
        e = errors(0.0 if label == "typical" else float(label))
        measured = [
            e[t][k] for t in ("manual", "reference") for k in ("loss", "gradient", "hessian")
        ]
        printed = [float(v) for v in (mine + theirs).split()]
        for got, want in zip(printed, measured, strict=True):
            if max(got, want) > EXACT_RTOL:
                assert want / 2 <= got <= want * 2, (label, printed, measured)
