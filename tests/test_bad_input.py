"""Bad input gets a clear error naming the argument, what was expected and what was given: never a
bare NumPy error, a NaN or a silent success. Both twins share the checks."""

import warnings
from typing import Any

import numpy as np
import pytest

import manual
import reference
from manual.mistakes import GALLERY, Mistake

X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, -1.0]])
y = np.array([0.0, 1.0, 1.0])
w = np.array([0.3, -0.2])
b = 0.1
nan_X = X.copy()
nan_X[1, 0] = np.nan
inf_X = X.copy()
inf_X[2, 1] = -np.inf

# (what is wrong, keyword changes to (w, b, X, y, l2), error type, words the message must contain)
OBJECTIVE_CASES: list[tuple[str, dict[str, Any], type[Exception], list[str]]] = [
    ("NaN in X", {"X": nan_X}, ValueError, ["X", "finite", "NaN"]),
    ("inf in X", {"X": inf_X}, ValueError, ["X", "finite", "infinite"]),
    ("3-D X", {"X": X[None]}, ValueError, ["X", "shape", "(1, 3, 2)"]),
    ("empty X", {"X": np.empty((0, 2)), "y": np.empty(0)}, ValueError, ["X", "empty"]),
    ("no features", {"X": np.empty((3, 0))}, ValueError, ["X", "empty"]),
    ("ragged X", {"X": [[1.0, 2.0], [3.0]]}, ValueError, ["X", "rectangular"]),
    ("complex X", {"X": X + 1j}, TypeError, ["X", "real", "complex"]),
    ("strings in X", {"X": [["a", "b"]] * 3}, TypeError, ["X", "real"]),
    ("X is None", {"X": None}, TypeError, ["X", "NoneType"]),
    ("short y", {"y": y[:2]}, ValueError, ["y", "shape", "(3,)", "(2,)"]),
    ("2-D y", {"y": y[:, None]}, ValueError, ["y", "shape", "(3, 1)"]),
    ("label 2", {"y": np.array([0.0, 2.0, 1.0])}, ValueError, ["y", "[0, 1]", "2.0"]),
    ("label -1", {"y": np.array([0.0, -1.0, 1.0])}, ValueError, ["y", "[0, 1]", "-1.0"]),
    ("NaN label", {"y": np.array([0.0, np.nan, 1.0])}, ValueError, ["y", "NaN"]),
    ("w too long", {"w": np.zeros(3)}, ValueError, ["w", "(2,)", "(3,)"]),
    ("w 2-D", {"w": np.zeros((2, 1))}, ValueError, ["w", "(2,)", "(2, 1)"]),
    ("inf in w", {"w": np.array([np.inf, 0.0])}, ValueError, ["w", "infinite"]),
    ("b NaN", {"b": np.nan}, ValueError, ["b", "NaN"]),
    ("b array", {"b": np.zeros(2)}, ValueError, ["b", "scalar", "(2,)"]),
    ("b string", {"b": "0.1"}, TypeError, ["b", "real number", "str"]),
    ("b complex", {"b": 1 + 2j}, TypeError, ["b", "real number", "complex"]),
    ("b None", {"b": None}, TypeError, ["b", "real number"]),
    ("negative l2", {"l2": -1.0}, ValueError, ["l2", "[0.0, inf)", "-1.0"]),
    ("NaN l2", {"l2": np.nan}, ValueError, ["l2", "NaN"]),
    ("l2 bool", {"l2": True}, TypeError, ["l2", "real number", "bool"]),
    ("logits overflow", {"X": X * 1e200, "w": w * 1e200}, ValueError, ["X", "w", "b", "overflow"]),
]


def _call(fn: Any, changes: dict[str, Any]) -> Any:
    args = {"w": w, "b": b, "X": X, "y": y, "l2": 0.0} | changes
    return fn(args["w"], args["b"], args["X"], args["y"], args["l2"])


@pytest.mark.parametrize("twin", [manual, reference], ids=["manual", "reference"])
@pytest.mark.parametrize("name", ["loss", "gradient", "hessian"])
@pytest.mark.parametrize(
    ("case", "changes", "kind", "words"), OBJECTIVE_CASES, ids=[c[0] for c in OBJECTIVE_CASES]
)
def test_objective_refuses_bad_input(
    twin: Any, name: str, case: str, changes: dict, kind: type, words: list[str]
) -> None:
    with pytest.raises(kind) as info:
        _call(getattr(twin, name), changes)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


@pytest.mark.parametrize("twin", [manual, reference], ids=["manual", "reference"])
def test_loss_refuses_a_penalty_that_overflows(twin: Any) -> None:
    with pytest.raises(ValueError, match=r"w and l2 give a penalty .* overflows float64"):
        twin.loss(np.array([1e200, 0.0]), b, X * 1e-100, y, 1.0)


def test_both_twins_refuse_a_penalty_that_overflows_in_the_same_words() -> None:
    """A user who switches twins reads the same refusal: the same cause, the same max |w| and l2,
    the same advice (manual's objective and reference's check word it independently)."""
    words = []
    for twin in (manual, reference):
        with pytest.raises(ValueError) as info:
            twin.loss(np.array([1e200, 0.0]), b, X * 1e-100, y, 1.0)
        words.append(str(info.value))
    assert words[0] == words[1]


@pytest.mark.parametrize("twin", [manual, reference], ids=["manual", "reference"])
def test_predictions_and_sigmoid_refuse_bad_input(twin: Any) -> None:
    with pytest.raises(ValueError, match=r"threshold must lie in \[0.0, 1.0\]; got 1.5"):
        twin.predict(X, w, b, threshold=1.5)
    with pytest.raises(ValueError, match=r"threshold.*NaN"):
        twin.predict(X, w, b, threshold=np.nan)
    with pytest.raises(ValueError, match=r"w must have shape \(d,\) = \(2,\).*\(3,\)"):
        twin.predict_proba(X, np.zeros(3), b)
    with pytest.raises(ValueError, match="X must be finite"):
        twin.predict_proba(nan_X, w, b)
    with pytest.raises(TypeError, match=r"^b must be a real number, got str 'b'$"):
        twin.predict_proba(X, w, "b")
    with pytest.raises(ValueError, match=r"^b must be finite"):
        twin.predict(X, w, np.inf)
    with pytest.raises(ValueError, match="z must be finite"):
        twin.sigmoid([0.0, np.nan])
    with pytest.raises(TypeError, match=r"z must .*real numbers"):
        twin.sigmoid("zero")


def test_good_input_of_other_kinds_is_accepted() -> None:
    """Lists, ints, bools for labels, a 1-D X and a scalar w for one feature all work."""
    value = manual.loss([0.5], 0, [[1], [2], [3]], [False, True, True])
    assert value == manual.loss(np.array([0.5]), 0.0, X[:, :1] * 0 + [[1], [2], [3]], y)
    assert manual.loss(0.5, 0.0, np.array([1.0, 2.0, 3.0]), y) == value
    assert manual.predict(np.array([1.0, -1.0]), 2.0, 0.0).tolist() == [1, 0]
    assert manual.predict(np.array([1.0, -1.0]), 2.0, 0.0).dtype == np.int64  # labels, not floats


def test_predict_breaks_ties_towards_1() -> None:
    """predict is 1 where p >= threshold: at z = 0 exactly, p = 0.5 and the label is 1."""
    X = np.array([[0.0], [-1e-3], [1.0], [40.0]])
    for twin in (manual, reference):
        assert twin.predict(X, np.array([1.0]), 0.0).tolist() == [1, 0, 1, 1]
        # p rounds to 1 beyond z ~ 37, so threshold 1 labels only those
        assert twin.predict(X, np.array([1.0]), 0.0, threshold=1.0).tolist() == [0, 0, 0, 1]
        assert twin.predict(X, np.array([1.0]), 0.0, threshold=0.0).tolist() == [1, 1, 1, 1]


def test_softplus_and_standard_errors_refuse_bad_input() -> None:
    for twin in (manual, reference):
        with pytest.raises(ValueError, match="z must be finite"):
            twin.softplus([1.0, np.inf])
        with pytest.raises(TypeError, match=r"z must hold real numbers"):
            twin.softplus(np.array([1j]))
    with pytest.raises(ValueError, match=r"y must hold labels 0 or 1; .* y\[0\] = 0.5"):
        manual.standard_errors(w, b, X, np.array([0.5, 1.0, 0.0]))
    with pytest.raises(ValueError, match=r"^X, w and b give a singular Fisher information"):
        manual.standard_errors(w, b, np.column_stack([X[:, 0], X[:, 0]]), y)


def test_lipschitz_refuses_a_negative_or_odd_l2() -> None:
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"^l2 must lie in \[0\.0, inf\); got -1\.0$"):
        manual.lipschitz(X, -1.0)
    with pytest.raises(TypeError, match=r"^l2 must be a real number"):
        manual.lipschitz(X, "1")
    with pytest.raises(ValueError, match=r"^X "):
        manual.lipschitz(np.ones((3, 2, 1)))


def test_messages_describe_what_was_given() -> None:
    """The "got ..." part: a list or tuple by its type and length, anything else by its type and
    repr cut at 120 characters (so that a huge argument cannot flood the message)."""
    with pytest.raises(
        ValueError, match=r"^X must be a rectangular .*, got a list of length 2 that"
    ):
        manual.loss(np.zeros(2), 0.0, [[1.0, 2.0], [3.0]], [0, 1])
    with pytest.raises(TypeError, match=r"^lr must be a real number, got a tuple of length 2$"):
        manual.fit(np.ones((2, 1)), [0, 1], lr=(1, 2))
    with pytest.raises(TypeError) as err:
        manual.fit(np.ones((2, 1)), [0, 1], l2="x" * 500)
    given = str(err.value).removeprefix("l2 must be a real number, got ")
    assert given == ("str '" + "x" * 500)[:120]


# every argument check of the objective, the ones that look at the arguments alone
ARGUMENT_CASES = [c for c in OBJECTIVE_CASES if c[0] != "logits overflow"]


@pytest.mark.parametrize("mistake", GALLERY, ids=[m.name for m in GALLERY])
@pytest.mark.parametrize(
    ("case", "changes", "kind", "words"), ARGUMENT_CASES, ids=[c[0] for c in ARGUMENT_CASES]
)
def test_every_wrong_gradient_of_the_gallery_refuses_bad_input_as_gradient_does(
    mistake: Mistake, case: str, changes: dict, kind: type, words: list[str]
) -> None:
    """The gallery's gradients have the signature of `manual.gradient` and take its arguments
    through the same checks: a slip in the derivation, not in the input handling (an l2 that the
    slip ignores, as in forgot_penalty, is still checked)."""
    with pytest.raises(kind) as info:
        _call(mistake.gradient, changes)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_the_smallest_counts_are_accepted() -> None:
    """max_iter = 0 (no step: the start, evaluated) and n_directions = 1 are the edges of what
    the contract allows; -1 and 0 are refused."""
    from manual.mistakes import flat
    from tests.gradcheck_data import data

    X, y = data(seed=2, n=20, d=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.ConvergenceWarning)
        res = manual.fit(X, y, max_iter=0)
    assert res.n_iter == 0 and len(res.losses) == 1 and np.array_equal(res.w, np.zeros(2))
    f, g = flat(X, y)
    report = manual.check_gradient(f, g, np.zeros(3), mode="directions", n_directions=1)
    assert report.analytic.shape == (1,)
    with pytest.raises(ValueError, match=r"max_iter must be an int >= 0; got -1"):
        manual.fit(X, y, max_iter=-1)
    with pytest.raises(ValueError, match=r"n_directions must be an int >= 1; got 0"):
        manual.check_gradient(f, g, np.zeros(3), mode="directions", n_directions=0)


def test_logits_of_inf_minus_inf_are_refused_as_overflow_without_a_runtime_warning() -> None:
    """z = 2e308 - 2e308, once or 8 times over: NumPy's matmul overflows, and where its partial
    sums (how many, in what order, is the BLAS's choice) reach +inf and -inf before they meet, it
    also meets inf - inf (an 'invalid' operation; 16 alternating terms do on OpenBLAS). The public
    functions, the objective's and the predictions', refuse both with their ValueError, and no
    RuntimeWarning (an error under this suite's settings) escapes first."""
    for X1 in (np.array([[2.0, -2.0]]), np.array([[2.0, -2.0] * 8])):
        w1 = np.full(X1.shape[1], 1e308)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for fn in (manual.loss, manual.gradient, manual.hessian):
                with pytest.raises(ValueError, match="overflow float64"):
                    fn(w1, 0.0, X1, np.ones(1))
            for predict in (manual.predict_proba, manual.predict):
                with pytest.raises(ValueError, match="overflow float64"):
                    predict(X1, w1, 0.0)


_X3 = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, -1.0]])
_NAN_X3 = np.where(np.arange(6).reshape(3, 2) == 2, np.nan, _X3)
_Y3, _W2 = np.array([0.0, 1.0, 1.0]), np.array([0.3, -0.2])
_X1, _Y1 = np.ones((2, 1)), np.array([0.0, 1.0])
# word for word: a substring would not tell `w` from any name that contains it
WORD_FOR_WORD: list[tuple[Any, type[Exception], str]] = [
    (lambda: manual.loss(np.array([np.nan]), 0.0, _X1, _Y1), ValueError,
     "w must be finite, got 1 NaN and 0 infinite value(s) (first at index (0,))"),
    (lambda: manual.loss(np.array([[0.5]]), 0.0, _X1, _Y1), ValueError,
     "w must have shape (d,) = (1,) to match X of 1 feature(s); got shape (1, 1)"),
    (lambda: manual.loss(np.zeros(1), "b", _X1, _Y1), TypeError,
     "b must be a real number, got str 'b'"),
    (lambda: manual.loss(np.zeros(1), 0.0, _X1, _Y1, -1.0), ValueError,
     "l2 must lie in [0.0, inf); got -1.0"),
    (lambda: manual.loss(_W2, 0.1, None, _Y3), TypeError,
     "X must be an array of real numbers, got NoneType None"),
    (lambda: manual.loss(_W2, 0.1, "abc", _Y3), TypeError,
     "X must be an array of real numbers, got str 'abc'"),
    (lambda: manual.loss(_W2, 0.1, _X3, np.array([0.0, np.nan, 1.0])), ValueError,
     "y must be finite, got 1 NaN and 0 infinite value(s) (first at index (1,))"),
    (lambda: manual.loss(_W2, 0.1, _X3 + 1j, _Y3), TypeError,
     "X must hold real numbers (float64), got an array of complex numbers"),
    (lambda: manual.loss(_W2, 0.1, [["a", "b"]] * 3, _Y3), TypeError,
     "X must hold real numbers (float64), got an array of dtype <U1"),
    (lambda: manual.loss(_W2, 0.1, _NAN_X3, _Y3), ValueError,
     "X must be finite, got 1 NaN and 0 infinite value(s) (first at index (1, 0))"),
    (lambda: manual.sigmoid(np.nan), ValueError,  # a 0-d array has no index to name
     "z must be finite, got 1 NaN and 0 infinite value(s)"),
    (lambda: manual.loss(_W2, -np.inf, _X3, _Y3), ValueError,
     "b must be finite, got 0 NaN and 1 infinite value(s)"),
    (lambda: manual.loss(_W2, 0.1, _X3[None], _Y3), ValueError,
     "X must have shape (n, d), or (n,) for one feature; got shape (1, 3, 2)"),
    (lambda: manual.loss(_W2, 0.1, np.empty((3, 0)), _Y3), ValueError,
     "X must hold at least one sample and one feature; got shape (3, 0) (empty)"),
    (lambda: manual.loss(_W2, 0.1, _X3, _Y3[:2]), ValueError,
     "y must have shape (n,) = (3,) to match X; got shape (2,)"),
    (lambda: manual.loss(_W2, 0.1, _X3, np.array([0.0, 2.0, 1.0])), ValueError,
     "y must hold labels in [0, 1]; got 1 value(s) outside, first y[1] = 2.0"),
    (lambda: manual.fit(_X3, np.array([0.0, 0.5, 1.0])), ValueError,
     "y must hold labels 0 or 1; got 1 value(s) outside, first y[1] = 0.5"),
    (lambda: manual.loss(_W2, np.zeros(2), _X3, _Y3), ValueError,
     "b must be a scalar, got an array of shape (2,)"),
    (lambda: manual.fit(_X3, _Y3, max_iter=1.5), TypeError,
     "max_iter must be an int, got float 1.5"),
    (lambda: manual.fit(_X3, _Y3, max_iter=-1), ValueError,
     "max_iter must be an int >= 0; got -1"),
    (lambda: manual.loss(np.array([1e308, 1e308]), 0.0, np.array([[2.0, 2.0]]), np.ones(1)),
     ValueError, "X, w and b give logits z = X @ w + b that overflow float64 (largest finite "
     "float is 1.798e+308); rescale X or w"),
    (lambda: manual.loss(np.array([1e200]), 0.0, np.array([[1e-200]]), np.ones(1), 1.0),
     ValueError, "w and l2 give a penalty (l2 / 2) ||w||^2 that overflows float64 (max |w| = "
     "1.000e+200, l2 = 1.0); rescale X so that the weights stay below ~1e150"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), WORD_FOR_WORD)
def test_each_check_says_what_was_expected_and_what_was_given_word_for_word(
    call: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_a_ragged_x_is_named_with_numpys_reason() -> None:
    with pytest.raises(ValueError) as raised:
        manual.loss(_W2, 0.1, [[1.0, 2.0], [3.0]], _Y3)
    assert str(raised.value).startswith(
        "X must be a rectangular array of real numbers, got a list of length 2 that NumPy cannot "
        "make rectangular (setting an array element with a sequence."
    )


def test_a_range_without_a_lower_end_is_written_from_minus_inf() -> None:
    from manual.checks import as_scalar

    with pytest.raises(ValueError) as raised:
        as_scalar("x", 2.0, high=1.0)
    assert str(raised.value) == "x must lie in [-inf, 1.0]; got 2.0"


def test_an_object_array_of_real_numbers_is_read_as_float64_and_of_bools_is_refused() -> None:
    from fractions import Fraction

    exact = np.array([[Fraction(1, 2)], [Fraction(1, 4)]], dtype=object)
    y2 = np.array([0.0, 1.0])
    assert manual.loss(np.array([0.5]), 0.0, exact, y2) == manual.loss(
        np.array([0.5]), 0.0, np.array([[0.5], [0.25]]), y2
    )
    with pytest.raises(
        TypeError, match=r"^X must hold real numbers \(float64\), got an array of dtype object$"
    ):
        manual.loss(np.array([0.5]), 0.0, np.array([[True], [False]], dtype=object), y2)


def test_a_float64_array_passes_the_checks_without_a_copy() -> None:
    """Checking X must not double the memory a large data set takes: float64 input is used as is."""
    from manual.checks import as_features, as_real_array

    X = np.random.default_rng(0).normal(size=(50, 3))
    assert as_real_array("X", X) is X
    assert np.shares_memory(as_features(X), X)
    assert as_real_array("X", X.astype(np.float32)).dtype == np.float64


@pytest.mark.parametrize("twin", [manual, reference])
def test_finite_entries_are_accepted_whatever_their_sum(twin: Any) -> None:
    """Finiteness is a property of each entry: entries near the largest float whose sum overflows
    are accepted, and one NaN or infinity among them, anywhere, is refused."""
    big = np.finfo(np.float64).max
    X_big = np.array([[big, big], [big, -big / 2], [big, big]])
    assert twin.predict_proba(X_big, np.zeros(2), 0.0).shape == (3,)
    for bad in (np.nan, np.inf, -np.inf):
        for i, j in ((0, 0), (2, 1)):
            X_bad = X_big.copy()
            X_bad[i, j] = bad
            with pytest.raises(ValueError, match=rf"^X must be finite.*index \({i}, {j}\)"):
                twin.predict_proba(X_bad, np.zeros(2), 0.0)


@pytest.mark.parametrize("twin", [manual, reference])
def test_a_masked_array_is_refused_rather_than_read_without_its_mask(twin: Any) -> None:
    """np.asarray drops a mask and reads the values under it: a masked X or y is refused by a
    TypeError that names the argument and the mask."""
    Xm = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    ym = np.ma.masked_array(y, mask=[False, True, False])
    for changes, name in (({"X": Xm}, "X"), ({"y": ym}, "y")):
        with pytest.raises(TypeError, match=rf"^{name} must be .*MaskedArray.*mask"):
            _call(twin.loss, changes)
