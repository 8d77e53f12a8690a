"""The softmax gallery (manual/multinomial_mistakes.py): each classic slip is caught by
manual.check_gradient and by the JAX twin, and the correct gradient passes both."""

import warnings

import numpy as np
import pytest

from manual import check_gradient
from manual import multinomial as mm
from manual.multinomial_mistakes import GALLERY, Mistake, flat
from reference import multinomial as rm
from tests.tolerances import TWIN_RTOL

# logits of ~2000: exp(z) overflows float64 past 709, where the missing max subtraction shows
LARGE_LOGITS = ["no_max_subtraction"]


def _problem(scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(3)
    n, d, K = 30, 3, 4
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    W, b = rng.standard_normal((d, K)) * scale, rng.standard_normal(K) * scale
    return W, b, X, y, 0.1  # l2 > 0: the penalty's mistakes need a penalty


def _caught_by_check_gradient(mistake: Mistake, W, b, X, y, l2) -> bool:
    f, grad_f = flat(X, y, W.shape[1], l2, mistake.gradient)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the checker's own notes, not the point here
            return not check_gradient(f, grad_f, np.vstack([W, b]).ravel()).passed
    except ValueError as err:  # a NaN gradient is refused by name
        return "grad_f(theta) must be finite" in str(err)


def _caught_by_the_twin(gradient, W, b, X, y, l2) -> bool:
    gW, gb = gradient(W, b, X, y, l2)
    rW, rb = rm.gradient(W, b, X, y, l2)
    got, want = np.vstack([gW, gb]), np.vstack([rW, rb])
    if not np.all(np.isfinite(got)):
        return True
    scale = np.abs(X).sum(axis=0).max() / len(y) + l2 * np.abs(W).max() + 1.0
    return bool(np.max(np.abs(got - want)) > TWIN_RTOL * scale)


@pytest.mark.parametrize("mistake", GALLERY, ids=[m.name for m in GALLERY])
def test_each_mistake_is_caught_by_check_gradient_and_by_the_twin(mistake: Mistake) -> None:
    W, b, X, y, l2 = _problem(1000.0 if mistake.name in LARGE_LOGITS else 1.0)
    assert mistake.what_went_wrong
    assert _caught_by_check_gradient(mistake, W, b, X, y, l2)
    assert _caught_by_the_twin(mistake.gradient, W, b, X, y, l2)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_the_correct_gradient_passes_both(scale: float) -> None:
    W, b, X, y, l2 = _problem(scale)
    right = Mistake("correct", mm.gradient, "")
    assert not _caught_by_check_gradient(right, W, b, X, y, l2)
    assert not _caught_by_the_twin(mm.gradient, W, b, X, y, l2)


def test_no_max_subtraction_is_right_until_exp_overflows() -> None:
    """The textbook softmax is the same function as long as exp(z) is finite: the slip hides on
    small logits, and only data with a logit past 709 shows it."""
    W, b, X, y, l2 = _problem(1.0)
    bad = GALLERY[0].gradient
    np.testing.assert_allclose(
        np.vstack(bad(W, b, X, y, l2)), np.vstack(mm.gradient(W, b, X, y, l2)), atol=1e-15
    )
