"""The README's accuracy claims: agreement with autodiff does not prove accuracy.

reference differentiates softplus(z) - y z; on a point classified right by a margin z, that
difference, p - y and p (1 - p) keep an absolute error of ~u while the exact values are ~exp(-z):
relative error ~u exp(z), all digits gone by z ~ 37. manual keeps every digit.
"""

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


@pytest.mark.parametrize("margin", [20.0, 30.0])
def test_autodiff_loses_digits_growing_like_exp_margin(margin: float) -> None:
    """relative error ~ u exp(margin), within a factor 100 either way of the README's rule."""
    rule = np.finfo(float).eps / 2 * np.exp(margin)
    for quantity, err in errors(margin)["reference"].items():
        assert rule / 100 <= err <= rule * 100 * margin, (quantity, err, rule)


@pytest.mark.parametrize("margin", [40.0, 100.0, 700.0])
def test_autodiff_loses_every_digit_beyond_37(margin: float) -> None:
    for quantity, err in errors(margin)["reference"].items():
        assert err >= 0.5, (quantity, err)
