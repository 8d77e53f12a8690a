"""The softmax gallery (manual/multinomial_mistakes.py): each classic slip is caught by
manual.check_gradient and by the JAX twin, and the correct gradient passes both."""

import warnings

import numpy as np
import pytest
from scipy.special import softmax

from manual import check_gradient
from manual import multinomial as mm
from manual.multinomial_mistakes import (
    GALLERY,
    Mistake,
    flat,
    flattened_class_major,
    jacobian_diagonal_only,
    redundant_class_dropped,
    redundant_class_unpenalized,
)
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


def _wide_problem(scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """At scale 500 the rows' largest logits run from ~0.2 (a row of zeros: z = b) to ~2100:
    exp(z + max z) overflows, and a shift by the largest logit of the whole array (not of each
    row) underflows every exp of the small rows to 0."""
    rng = np.random.default_rng(5)
    n, d, K = 8, 3, 4
    X = rng.standard_normal((n, d))
    X[0] = 0.0
    y = rng.integers(0, K, n)
    W, b = rng.standard_normal((d, K)) * scale, rng.standard_normal(K)
    return W, b, X, y, 0.1


def _documented(gradient, W, b, X, y, l2) -> tuple[np.ndarray, np.ndarray]:
    """Each slip's value as its docstring states it, built on the twin's (JAX) gradient and on
    scipy's softmax: independent of the code of the slip."""
    rW, rb = (np.asarray(g) for g in rm.gradient(W, b, X, y, l2))
    d, K = W.shape
    if gradient is jacobian_diagonal_only:  # dl/dz = -(1 - p_y) e_y
        Y, P = np.eye(K)[y], softmax(X @ W + b, axis=1)
        R = -Y * (1.0 - P) / len(y)
        return X.T @ R + l2 * W, R.sum(axis=0)
    if gradient is flattened_class_major:  # class-major numbers read in the contract's order
        G = np.vstack([rW, rb]).T.ravel().reshape(d + 1, K)
        return G[:d], G[d]
    if gradient is redundant_class_dropped:  # the last class's column set to 0
        return np.column_stack([rW[:, :-1], np.zeros(d)]), np.append(rb[:-1], 0.0)
    assert gradient is redundant_class_unpenalized  # l2 W of the last class left out
    return np.column_stack([rW[:, :-1], rW[:, -1] - l2 * W[:, -1]]), rb


@pytest.mark.parametrize("scale", [1.0, 500.0])
@pytest.mark.parametrize(
    "gradient",
    [
        jacobian_diagonal_only,
        flattened_class_major,
        redundant_class_dropped,
        redundant_class_unpenalized,
    ],
    ids=lambda g: g.__name__,
)
def test_each_mistake_is_the_slip_its_docstring_names(gradient, scale: float) -> None:
    """Not merely wrong: wrong in the stated way, with the penalty (l2 > 0) and at logits of
    ~2000, where the slip's own softmax must still subtract each row's max."""
    W, b, X, y, l2 = _wide_problem(scale)
    gW, gb = gradient(W, b, X, y, l2)
    want_W, want_b = _documented(gradient, W, b, X, y, l2)
    assert gW.shape == W.shape and gb.shape == b.shape
    # the twin's rounding bound (TWIN_RTOL) on the scale of the gradient's terms
    atol = TWIN_RTOL * (np.abs(X).sum(axis=0).max() / len(y) + l2 * np.abs(W).max() + 1.0)
    np.testing.assert_allclose(gW, want_W, rtol=0, atol=atol)
    np.testing.assert_allclose(gb, want_b, rtol=0, atol=atol)


@pytest.mark.parametrize("mistake", GALLERY, ids=[m.name for m in GALLERY])
def test_each_mistake_reads_its_arguments_as_the_gradient_does(mistake: Mistake) -> None:
    """Same signature as manual.multinomial.gradient: l2 defaults to 0, and W is read as float64
    whatever its dtype (a float32 W gives the gradient of its float64 copy, to the last bit)."""
    W, b, X, y, _ = _problem(1.0)
    W32 = W.astype(np.float32)
    default, zero = mistake.gradient(W, b, X, y), mistake.gradient(W, b, X, y, 0.0)
    np.testing.assert_array_equal(np.vstack(default), np.vstack(zero))
    low, high = (
        mistake.gradient(W32, b, X, y, 0.3),
        mistake.gradient(W32.astype(float), b, X, y, 0.3),
    )
    np.testing.assert_array_equal(np.vstack(low), np.vstack(high))


def test_flat_is_the_model_on_one_vector_and_checks_its_data_alike() -> None:
    """f and grad_f of `flat` are the model's loss and gradient at theta = [W; b] raveled, with
    the model's default l2 = 0 and its refusal of data that are not real numbers (naming X)."""
    W, b, X, y, l2 = _problem(1.0)
    theta = np.vstack([W, b]).ravel()
    f, grad_f = flat(X, y, W.shape[1])
    assert f(theta) == mm.loss(W, b, X, y)
    assert np.array_equal(grad_f(theta), np.vstack(mm.gradient(W, b, X, y)).ravel())
    f, _ = flat(X[:, 0], y, W.shape[1], l2)  # one feature given as a vector
    assert f(np.vstack([W[:1], b]).ravel()) == mm.loss(W[:1], b, X[:, :1], y, l2)
    with pytest.raises(TypeError, match=r"^X must hold real numbers"):
        flat(X.astype(str), y, W.shape[1])
    with pytest.raises(TypeError, match=r"^X must hold real numbers"):
        mm.loss(W, b, X.astype(str), y)
