"""Hostile input to every public function gets the contract's clear error (never a crash, a NaN or
a silent success); extreme but valid input gets finite answers with no warning; every call is
deterministic and leaves its inputs alone."""

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import manual
import reference
from tests.strategies import Problem, hard_label_problems, problems

GOOD_X = np.array([[0.5, -1.0], [1.5, 2.0], [-0.3, 0.7]])
GOOD_Y = np.array([0.0, 1.0, 1.0])
GOOD_W = np.array([0.2, -0.4])

# bad values of an array argument, each with the exception it must raise
BAD_ARRAYS: list[tuple[str, Any, type[Exception]]] = [
    ("NaN", "nan", ValueError),
    ("+inf", "inf", ValueError),
    ("-inf", "-inf", ValueError),
    ("complex", "complex", TypeError),
    ("strings", "str", TypeError),
    ("None", None, TypeError),
    ("object", "object", TypeError),
    ("wrong length", "short", ValueError),
    ("extra axis", "3d", ValueError),
    ("empty", "empty", ValueError),
]


def _corrupt(good: np.ndarray, how: Any, rng: np.random.Generator) -> Any:
    if how is None:
        return None
    bad = good.astype(np.float64).copy()
    i = tuple(int(rng.integers(0, k)) for k in bad.shape)
    if how in ("nan", "inf", "-inf"):
        bad[i] = float(how)
        return bad
    if how == "complex":
        return bad + 1j
    if how == "str":
        return bad.astype(str)
    if how == "object":
        obj = bad.astype(object)
        obj[i] = {"a": 1}
        return obj
    if how == "short":
        return bad[:-1]  # one sample (or weight) fewer
    if how == "3d":
        return bad[None, None]
    if how == "empty":
        return bad[:0]
    raise AssertionError(how)


def _call(twin: Any, name: str, arg: str, value: Any) -> Any:
    kw: dict[str, Any] = {"w": GOOD_W, "b": 0.1, "X": GOOD_X, "y": GOOD_Y, "l2": 0.0}
    kw[arg] = value
    if name in ("loss", "gradient", "hessian"):
        return getattr(twin, name)(kw["w"], kw["b"], kw["X"], kw["y"], kw["l2"])
    if name == "standard_errors":
        return twin.standard_errors(kw["w"], kw["b"], kw["X"], kw["y"])
    if name in ("predict_proba", "predict"):
        return getattr(twin, name)(kw["X"], kw["w"], kw["b"])
    if name == "fit":
        return twin.fit(kw["X"], kw["y"], max_iter=3)
    raise AssertionError(name)


ARRAY_TARGETS = [
    (twin, name, arg)
    for twin in (manual, reference)
    for name, args in [
        ("loss", "wXy"),
        ("gradient", "wXy"),
        ("hessian", "wXy"),
        ("predict_proba", "wX"),
        ("predict", "wX"),
        ("fit", "Xy"),
    ]
    for arg in args
] + [(manual, "standard_errors", arg) for arg in "wXy"]


@pytest.mark.parametrize(
    ("twin", "name", "arg"),
    ARRAY_TARGETS,
    ids=[f"{t.__name__}.{n}-{a}" for t, n, a in ARRAY_TARGETS],
)
@settings(max_examples=30)  # ten kinds of bad value, each at a few random places
@given(st.sampled_from(BAD_ARRAYS), st.integers(0, 2**32 - 1))
def test_bad_arrays_get_a_clear_error(
    twin: Any, name: str, arg: str, bad: tuple[str, Any, type[Exception]], seed: int
) -> None:
    label, how, kind = bad
    good = {"w": GOOD_W, "X": GOOD_X, "y": GOOD_Y}[arg]
    value = _corrupt(good, how, np.random.default_rng(seed))
    named = arg
    if label == "wrong length" and arg == "X":
        if name in ("predict_proba", "predict"):
            return  # one sample fewer is still a valid X there
        named = "y"  # the check that X and y disagree names y, the one measured against X
    with pytest.raises((ValueError, TypeError)) as info:
        _call(twin, name, arg, value)
    assert isinstance(info.value, kind), f"{label}: {type(info.value).__name__}: {info.value}"
    message = str(info.value)
    assert named in message, message
    assert "got" in message or "empty" in message or "must" in message, message


BAD_SCALARS = [np.nan, np.inf, -np.inf, "1", None, 1j, np.array([1.0, 2.0]), True]


@pytest.mark.parametrize("twin", [manual, reference], ids=["manual", "reference"])
@settings(max_examples=20)  # eight bad values: the sample space is small
@given(st.sampled_from(BAD_SCALARS))
def test_bad_scalars_get_a_clear_error(twin: Any, value: Any) -> None:
    for call, name in [
        (lambda v: twin.loss(GOOD_W, v, GOOD_X, GOOD_Y), "b"),
        (lambda v: twin.loss(GOOD_W, 0.0, GOOD_X, GOOD_Y, v), "l2"),
        (lambda v: twin.predict(GOOD_X, GOOD_W, 0.0, v), "threshold"),
        (lambda v: twin.fit(GOOD_X, GOOD_Y, lr=v), "lr"),
        (lambda v: twin.fit(GOOD_X, GOOD_Y, tol=v), "tol"),
        (lambda v: twin.fit(GOOD_X, GOOD_Y, l2=v), "l2"),
        (lambda v: twin.fit(GOOD_X, GOOD_Y, b0=v), "b0"),
    ]:
        if value is None and name == "lr":
            continue  # lr=None is the documented default, 1 / L
        with pytest.raises((ValueError, TypeError)) as info:
            call(value)
        assert name in str(info.value), str(info.value)


@pytest.mark.parametrize("twin", [manual, reference], ids=["manual", "reference"])
@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"lr": -0.1}, "lr"),
        ({"lr": 0}, "lr"),
        ({"max_iter": 10.0}, "max_iter"),
        ({"max_iter": -5}, "max_iter"),
        ({"max_iter": "9"}, "max_iter"),
        ({"l2": -1e-9}, "l2"),
        ({"tol": -1.0}, "tol"),
        ({"solver": "sag"}, "solver"),
        ({"solver": None}, "solver"),
        ({"y": np.array([0.0, 2.0, 1.0])}, "y"),
        ({"y": np.array([0.0, 0.5, 1.0])}, "y"),
    ],
)
def test_bad_fit_options_get_a_clear_error(twin: Any, kwargs: dict, word: str) -> None:
    kwargs = dict(kwargs)  # the parameter is shared between the twins: pop from a copy
    y = kwargs.pop("y", GOOD_Y)
    with pytest.raises((ValueError, TypeError)) as info:
        twin.fit(GOOD_X, y, **kwargs)
    assert word in str(info.value)


@given(st.integers(0, 2**32 - 1), st.sampled_from([1e100, 1e200, 1e300]))
def test_extreme_valid_input_gives_finite_answers_without_warnings(seed: int, scale: float) -> None:
    """Logits up to 1e300 and features from 1e-150 to 1e150: finite answers, no overflow, divide
    or invalid warning (underflow to 0 is allowed: exp(-1e300) is 0 in float64)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, 3)) * np.array([1e-150, 1.0, 1e150])
    w = rng.standard_normal(3) * np.array([1.0, 1.0, scale / 1e150 / 4])
    y = (rng.random(20) < 0.5).astype(float)
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        values: list[Any] = [
            manual.loss(w, 0.5, X, y),
            *manual.gradient(w, 0.5, X, y),
            manual.hessian(w, 0.5, X, y),
            manual.predict_proba(X, w, 0.5),
            manual.sigmoid(np.array([-1e300, 1e300, -1.7e308])),
        ]
    for v in values:
        assert np.all(np.isfinite(v))


def _snapshot(P: Problem) -> list[np.ndarray]:
    return [P.w.copy(), np.array(P.b), P.X.copy(), P.y.copy()]


@given(problems())
def test_calls_are_deterministic_and_leave_their_inputs_alone(P: Problem) -> None:
    before = _snapshot(P)
    args = (P.w, P.b, P.X, P.y, P.l2)
    assert manual.loss(*args) == manual.loss(*args)
    assert np.array_equal(np.append(*manual.gradient(*args)), np.append(*manual.gradient(*args)))
    assert np.array_equal(manual.hessian(*args), manual.hessian(*args))
    assert np.array_equal(manual.predict_proba(P.X, P.w, P.b), manual.predict_proba(P.X, P.w, P.b))
    for a, b in zip(before, _snapshot(P), strict=True):
        assert np.array_equal(a, b)


@given(hard_label_problems([(40, 3)]))
def test_fits_are_deterministic_and_leave_their_inputs_alone(P: Problem) -> None:
    before = _snapshot(P)
    w0 = np.full(3, 0.1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        for twin in (manual, reference):
            a = twin.fit(P.X, P.y, solver="newton", max_iter=5, w0=w0, l2=P.l2)
            b = twin.fit(P.X, P.y, solver="newton", max_iter=5, w0=w0, l2=P.l2)
            assert np.array_equal(a.w, b.w) and a.b == b.b
            assert np.array_equal(a.losses, b.losses)
    assert np.array_equal(w0, np.full(3, 0.1))
    for x, z in zip(before, _snapshot(P), strict=True):
        assert np.array_equal(x, z)
