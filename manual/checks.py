"""Argument checks shared by every public function of `manual` and `reference`.

Each check returns its argument as a float64 array (or a Python number) ready to use, or raises
`TypeError` (a wrong kind of object) or `ValueError` (a wrong shape or value) whose message names
the argument, what was expected and what was given.

Conventions
-----------
X : (n, d) features; a 1-D X of length n is one feature (d = 1).
y : (n,) labels, 0/1 (bools accepted), or soft labels in [0, 1] where allowed.
w : (d,) weights.  b : intercept, a real number.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

_REAL_KINDS = "biuf"  # bool, signed int, unsigned int, float


def _kind_of(value: Any) -> str:
    """A short description of what was given, for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"{type(value).__name__} {value!r}"[:120]


def _all_finite(arr: Array) -> bool:
    """Whether every entry of a float64 array is finite, in one pass with no temporary where they
    are: a NaN or an infinity among the entries makes their sum NaN or infinite, so a finite sum
    proves them all finite. Only where the sum is not finite (a non-finite entry, or finite ones
    whose sum passes the largest float) are the entries looked at one by one."""
    with np.errstate(over="ignore", invalid="ignore"):  # the sum may overflow: looked at below
        if math.isfinite(float(np.sum(arr))):
            return True
    return bool(np.isfinite(arr).all())


def as_real_array(name: str, value: Any) -> Array:
    """`value` as a float64 array of real, finite numbers (any shape)."""
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{name} must be an array of real numbers, got {_kind_of(value)}")
    if isinstance(value, np.ma.MaskedArray):  # np.asarray drops the mask: its hidden values count
        raise TypeError(
            f"{name} must be an array of real numbers, got a numpy.ma.MaskedArray: its mask would "
            "be dropped and the values under it used; drop the masked rows first"
        )
    try:
        arr = np.asarray(value)
    except ValueError as err:  # ragged nested lists
        raise ValueError(
            f"{name} must be a rectangular array of real numbers, got {_kind_of(value)} "
            f"that NumPy cannot make rectangular ({err})"
        ) from None
    if arr.dtype == object and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in arr.flat
    ):
        try:
            arr = arr.astype(np.float64)
        except OverflowError:  # Python ints beyond float64's range (10**400)
            raise ValueError(
                f"{name} must hold numbers within float64's range (|x| < 1.8e308), got an int "
                "too large to convert to float"
            ) from None
    if arr.dtype.kind not in _REAL_KINDS:
        what = "complex numbers" if arr.dtype.kind == "c" else f"dtype {arr.dtype}"
        raise TypeError(f"{name} must hold real numbers (float64), got an array of {what}")
    arr = arr.astype(np.float64, copy=False)
    if not _all_finite(arr):
        finite = np.isfinite(arr)
        bad = np.argwhere(~finite)[0]
        n_nan = int(np.isnan(arr).sum())
        n_inf = int(np.isinf(arr).sum())
        where = f" (first at index {tuple(int(i) for i in bad)})" if arr.ndim else ""
        raise ValueError(
            f"{name} must be finite, got {n_nan} NaN and {n_inf} infinite value(s){where}"
        )
    return arr


def as_features(X: Any) -> Array:
    """X as a (n, d) float64 array; a 1-D X is one feature, shape (n, 1)."""
    arr = as_real_array("X", X)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(
            f"X must have shape (n, d), or (n,) for one feature; got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"X must hold at least one sample and one feature; got shape {arr.shape} (empty)"
        )
    return arr


def as_labels(y: Any, n: int, *, soft: bool) -> Array:
    """y as a (n,) float64 array of 0/1 labels, or of soft labels in [0, 1] if `soft`."""
    arr = as_real_array("y", y)
    if arr.shape != (n,):
        raise ValueError(f"y must have shape (n,) = ({n},) to match X; got shape {arr.shape}")
    if soft:
        outside = (arr < 0.0) | (arr > 1.0)
        expected = "labels in [0, 1]"
    else:
        outside = (arr != 0.0) & (arr != 1.0)
        expected = "labels 0 or 1"
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(
            f"y must hold {expected}; got {int(outside.sum())} value(s) outside, "
            f"first y[{i}] = {float(arr[i])!r}"
        )
    return arr


def as_weights(w: Any, d: int, name: str = "w") -> Array:
    """w as a (d,) float64 array; a scalar is accepted when d = 1."""
    arr = as_real_array(name, w)
    if arr.ndim == 0 and d == 1:
        arr = arr.reshape(1)
    if arr.shape != (d,):
        raise ValueError(
            f"{name} must have shape (d,) = ({d},) to match X of {d} feature(s); "
            f"got shape {arr.shape}"
        )
    return arr


def as_scalar(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """A real, finite number in [low, high] (or (low, high] if `low_open`), as a Python float."""
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        raise TypeError(f"{name} must be a real number, got {_kind_of(value)}")
    if isinstance(value, np.ndarray) and value.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got an array of shape {value.shape}")
    if isinstance(value, complex | np.complexfloating) or not isinstance(
        value, numbers.Real | np.ndarray
    ):
        raise TypeError(f"{name} must be a real number, got {_kind_of(value)}")
    arr = as_real_array(name, value)
    x = float(arr)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and x > high
    if too_low or too_high:
        left = "(" if low_open else "["
        lo = "-inf" if low is None else repr(low)
        hi = "inf)" if high is None else f"{high!r}]"
        raise ValueError(f"{name} must lie in {left}{lo}, {hi}; got {x!r}")
    return x


def as_count(name: str, value: Any, *, low: int = 0) -> int:
    """A whole number >= low, as a Python int (a float such as 1e7 is refused)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {_kind_of(value)}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value}")
    return int(value)


def as_problem(
    w: Any, b: Any, X: Any, y: Any, l2: Any = 0.0, *, soft: bool = True
) -> tuple[Array, float, Array, Array, float]:
    """Check the arguments of loss/gradient/hessian: returns (w, b, X, y, l2)."""
    X = as_features(X)
    n, d = X.shape
    return (
        as_weights(w, d),
        as_scalar("b", b),
        X,
        as_labels(y, n, soft=soft),
        as_scalar("l2", l2, low=0.0),
    )


def check_logits(z: Array) -> Array:
    """Refuse logits that overflowed: z = X @ w + b must be finite for the loss to be."""
    if not np.isfinite(z).all():
        raise ValueError(
            "X, w and b give logits z = X @ w + b that overflow float64 "
            f"(largest finite float is {np.finfo(np.float64).max:.3e}); rescale X or w"
        )
    return z


def check_finite(what: str, value: Array) -> Array:
    """Refuse a derivative that overflowed float64 (a gradient, Hessian or Hessian-vector
    product), with the same words in both twins."""
    if not np.all(np.isfinite(value)):
        raise ValueError(
            f"X, w, b and l2 give a {what} that overflows float64; rescale X (for example to "
            "standard deviation 1) or the weights"
        )
    return value


def check_loss(value: float, w: Array, l2: float) -> float:
    """Refuse a loss that overflowed: with finite logits only (l2 / 2) ||w||^2 can overflow."""
    if not np.isfinite(value):
        raise ValueError(
            "w and l2 give a penalty (l2 / 2) ||w||^2 that overflows float64 "
            f"(max |w| = {float(np.max(np.abs(w))):.3e}, l2 = {l2!r}); rescale X so that the "
            "weights stay below ~1e150"
        )
    return value
