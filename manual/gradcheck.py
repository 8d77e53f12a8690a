"""Gradient checking with central differences that know their own error, and that say where and
what the mistake is.

A central difference D(h) = (f(theta + h v) - f(theta - h v)) / 2h errs by

    truncation  c h^2 + O(h^4),  c = f^(3) / 6   (Taylor: the even terms cancel)
    rounding    ~ eps_f |f| / h                  (f known to eps_f relative, divided by 2h)

order=2: the numeric derivative is D(h), h = eps^(1/3) ~ 6e-6; since D(2h) - D(h) = 3 c h^2, its
truncation is estimated as |D(2h) - D(h)| / 3.
order=4 (default): Richardson's R(h) = (4 D(h) - D(2h)) / 3 cancels the h^2 term and errs by
O(h^4), h = eps^(1/5) ~ 7e-4; its truncation is estimated from the next step size as
|R(2h) - R(h)| / 15 (R(2h) - R(h) = 15 c4 h^4). It is ~100x more accurate than D(h) (~1e-13 of
|f| against ~1e-11), so that smaller slips can be told from the finite difference's own error.

A gradient passes when it differs from the numeric one by no more than `safety` times that error
estimate (truncation plus rounding): a correct gradient passes at the optimum too (where it is ~0
and any fixed relative threshold false-alarms), and a gradient computed in float32 (errors ~1e-8)
is flagged.

Where it fails, the coordinates beyond their error are the wrong ones, and the disagreement is
fitted to the patterns real mistakes leave (`_diagnose`): a pattern explains it when undoing it
(dividing by the factor, flipping the sign back, permuting back, removing the term) leaves an
analytic gradient that passes. `check_hessian` does the same for a Hessian against differences of
the gradient.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from manual.categories import LogregWarning, warn
from manual.checks import Array, as_count, as_real_array, as_scalar

EPS = float(np.finfo(np.float64).eps)
F32_EPS = float(np.finfo(np.float32).eps)
IntArray = NDArray[np.intp]
# Default steps h = factor * max(|theta_i|, 1): the h that balances the truncation h^p |f^(p+1)|
# against the rounding eps |f| / h when f and its derivatives have similar sizes, eps^(1/(p+1)).
STEP_FACTOR = {2: EPS ** (1 / 3), 4: EPS ** (1 / 5)}
# step bounds: below 64 eps a step moves theta by a few ulps and the difference keeps no digit;
# above 1 it is no longer local (h is relative to max(|theta_i|, 1))
STEP_RANGE = (64 * EPS, 1.0)
# passed: every |analytic - numeric| <= SAFETY * estimated error. The estimate is an order of
# magnitude, not a bound; 10 leaves room for its noise, while a float32 gradient still errs by
# ~1e2 to 1e3 times the error of a float64 difference.
SAFETY = 10.0
# a fitted factor or coefficient within this relative distance of a simple number (an integer, 1/m)
# is read as that number; the pattern is then tested with the simple number itself
SNAP_RTOL = 1e-6
# relative disagreements of float32 rounding: from ~1e-10 (float32 eps 1.2e-7 times a cancellation
# of 1e3 at the least) up to ~1e-4 (eps32 grown by sums of 1e3 terms)
F32_LEVEL = (1e-10, 1e-4)


class GradientCheckWarning(LogregWarning):
    """A gradient check whose inputs or function values are not float64."""


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.intp)


@dataclass(frozen=True)
class GradientCheckReport:
    """What `check_gradient` returns.

    rel_error   ||analytic - numeric||inf / max(||analytic||inf, ||numeric||inf): the classic
                measure (large at the optimum, where both are ~0, even for a correct gradient)
    passed      every |analytic_i - numeric_i| <= safety * fd_error_i
    ratio       max_i |analytic_i - numeric_i| / fd_error_i (passed: ratio <= safety)
    analytic    grad_f(theta), or its projections on the directions: (k,)
    numeric     the finite-difference derivatives: (k,)
    fd_error    the estimated error of each finite difference: (k,)
    step        the step h of each: (k,)
    mode        "coordinates" (k = len(theta)) or "directions" (k = n_directions)
    order       2 (central differences) or 4 (Richardson-extrapolated central differences)
    safety      the threshold on ratio
    wrong_coordinates  indices of theta whose derivative disagrees beyond its finite difference's
                error (in "directions" mode found by bisection over coordinates); empty if passed
    diagnosis   one line: the pattern of the disagreement and how sure, or "no mistake found"
    evaluations calls of f in all (the noise probes, the differences, the bisection)
    bisection_evaluations  of those, the calls spent locating the wrong coordinates ("directions")
    """

    rel_error: float
    passed: bool
    ratio: float
    analytic: Array
    numeric: Array
    fd_error: Array
    step: Array
    mode: str
    order: int
    safety: float
    wrong_coordinates: IntArray = field(default_factory=_empty)
    diagnosis: str = ""
    evaluations: int = 0
    bisection_evaluations: int = 0

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"gradient check {verdict}: rel_error {self.rel_error:.2e}, worst |analytic - numeric| "
            f"is {self.ratio:.2g}x the finite difference's own error (threshold {self.safety:g}x)"
        ]
        if not self.passed:
            wrong = _index_list(self.wrong_coordinates)
            found = (
                f" (found by bisection over coordinates in {self.bisection_evaluations} calls of f)"
                if self.mode == "directions"
                else ""
            )
            lines.append(f"wrong coordinates: {wrong}{found}")
        if self.diagnosis:
            lines.append(f"diagnosis: {self.diagnosis}")
        if self.evaluations:
            lines.append(f"{self.evaluations} calls of f in all")
        return "\n".join(lines)


def _index_list(indices: Any, limit: int = 12) -> str:
    """[0, 3, 5] (or [(0, 1), (2, 2)] for pairs), cut after `limit` items."""
    arr = np.asarray(indices)
    if arr.ndim == 2:
        items = [f"({int(i)}, {int(j)})" for i, j in arr]
    else:
        items = [str(int(i)) for i in arr.ravel()]
    more = f", ... ({len(items)} in all)" if len(items) > limit else ""
    return "[" + ", ".join(items[:limit]) + more + "]"


def _value(f: Callable[[Array], Any], theta: Array, warned: list[bool], name: str = "f") -> float:
    out = f(theta.copy())  # a copy: f cannot change the caller's theta either
    if isinstance(out, complex | np.complexfloating) or (
        isinstance(out, np.ndarray) and out.dtype.kind == "c"
    ):
        raise TypeError(
            f"{name} must return a real float (float64); got {type(out).__name__} {out!r:.60}"
        )
    if isinstance(out, np.ndarray) and out.ndim > 0:
        raise TypeError(
            f"{name} must return one real number; got an array of shape {out.shape} "
            f"(a loss is a scalar: sum or average it)"
        )
    if (
        out is None
        or isinstance(out, str | bytes | bool | np.bool_)
        or not isinstance(out, numbers.Real | np.ndarray | np.generic)
    ):
        raise TypeError(f"{name} must return one real number; got {type(out).__name__} {out!r:.60}")
    dtype = getattr(out, "dtype", None)
    if dtype is not None and dtype.kind not in "biuf":
        raise TypeError(f"{name} must return one real number; got a value of dtype {dtype}")
    if dtype is not None and dtype != np.float64 and not warned[0]:
        warned[0] = True
        warn(
            f"{name} returned {dtype}, not float64: its rounding "
            f"(~{np.finfo(dtype).eps if dtype.kind == 'f' else 1:.0e}) swamps "
            "the finite differences; compute f in float64",
            GradientCheckWarning,
        )
    try:
        value = float(out)
    except OverflowError:
        raise ValueError(f"{name} must return a finite value; got an int beyond float64") from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must return a finite value; got {value!r} near theta")
    return value


# A step is in the asymptotic regime when the differences D(8h) - D(4h), D(4h) - D(2h) and
# D(2h) - D(h) shrink by ~4 per halving of h, as c h^2 does (or are rounding noise); outside
# (3.5, 4.6) the step is shrunk by 8 and tried again.
ASYMPTOTIC_RATIO = (3.5, 4.6)
R_RATIO = (13.0, 19.7)  # the same for Richardson's R(2h) - R(h) = 15 c4 h^4: ~16 per halving
MAX_SHRINKS = 12
# the sixth difference of pure noise of standard deviation sigma has standard deviation
# sqrt(C(12, 6)) sigma = sqrt(924) sigma
SIXTH = float(np.sqrt(924.0))


def _noise(
    f: Callable[[Array], Any], point: Array, seed: int, warned: list[bool], spacing: float = 1e-11
) -> float:
    """The rounding noise of f near theta, measured (More and Wild's ECnoise): the 6th difference
    of f at 7 points a hair apart (`spacing` relative, 1e-11 by default: well inside any bend of
    f, well above theta's own ulps) cancels every smooth term and leaves noise times
    sqrt(C(12, 6)) = sqrt(924). f's rounding can far exceed eps |f|: a loss of ~200 from logits
    that cancel from 1e5 carries their rounding, ~1e-11, not eps * 200 = 4e-14."""
    v = np.random.default_rng(seed).standard_normal(point.size)
    v *= spacing * max(float(np.max(np.abs(point))), 1.0) / np.linalg.norm(v)
    values = np.array([_value(f, point + k * v, warned) for k in range(-3, 4)])
    return float(abs(np.diff(values, 6)[0]) / SIXTH)


@dataclass
class _Differencer:
    """Finite differences of f around one point, with what is known of f's rounding."""

    f: Callable[[Array], Any]
    point: Array
    f0: float
    order: int
    f_accuracy: float
    f_noise: float
    warned: list[bool]

    def level(self, v: Array, h: float, at_step: bool = False) -> tuple[float, float, bool]:
        """At one step h: (derivative along v, its estimated error, whether the differences at
        h, 2h, 4h, 8h behave as Taylor says).

        at_step: also measure f's noise at the scale of this very step, from the 6th difference
        of f at theta + k h v, k = -3..3 (two more calls): f rounded at 1e-10, or noisy only
        beyond the hair-wide probe of `_noise`, shows there. Its smooth part is f^(6) h^6, below
        the truncation estimate wherever the step is in Taylor's regime (h f^(6) / f^(5) << 1).
        """
        sizes = [abs(self.f0)]
        values: dict[float, tuple[float, float]] = {}

        def central(t: float) -> float:
            """D(t) = (f(theta + t v) - f(theta - t v)) / 2t"""
            fp = _value(self.f, self.point + t * v, self.warned)
            fm = _value(self.f, self.point - t * v, self.warned)
            sizes.extend((abs(fp), abs(fm)))
            values[t] = (fp, fm)
            return (fp - fm) / (2 * t)

        d1, d2, d4, d8 = central(h), central(2 * h), central(4 * h), central(8 * h)
        amplification = 1.0 if self.order == 2 else 1.5  # (4 eps|f|/h + eps|f|/2h) / 3 for R
        # f's rounding: as stated (f_accuracy |f|) or as measured, whichever is larger
        f_error = max(self.f_accuracy * max(sizes), 3 * self.f_noise)
        if at_step:
            central(3 * h)
            line = [values[3 * h][1], values[2 * h][1], values[h][1], self.f0]
            line += [values[h][0], values[2 * h][0], values[3 * h][0]]
            f_error = max(f_error, 3 * abs(float(np.diff(line, 6)[0])) / SIXTH)
        rounding = amplification * f_error / h
        a, b, c = d2 - d1, d4 - d2, d8 - d4  # 3 c h^2, 12 c h^2, 48 c h^2 asymptotically
        noise = 4 * f_error / h  # what rounding alone can put in a, b or c
        lo, hi = ASYMPTOTIC_RATIO
        d_ok = max(abs(a), abs(b), abs(c)) <= noise or (
            a != 0 and b != 0 and lo < b / a < hi and lo < c / b < hi
        )
        # Richardson's R(h), R(2h), R(4h) must converge too: their differences grow by ~16
        r1, r2, r3 = (4 * d1 - d2) / 3, (4 * d2 - d4) / 3, (4 * d4 - d8) / 3
        e1, e2 = r2 - r1, r3 - r2
        r_ok = (
            self.order == 2
            or max(abs(e1), abs(e2)) <= 2 * noise
            or (e1 != 0 and R_RATIO[0] < e2 / e1 < R_RATIO[1])
        )
        if self.order == 2:
            return d1, abs(a) / 3 + rounding, d_ok and r_ok  # D(2h) - D(h) = 3 c h^2
        return r1, abs(e1) / 15 + rounding, d_ok and r_ok  # R(2h) - R(h) = 15 c4 h^4

    def derivative(self, v: Array, h: float, at_step: bool = False) -> tuple[float, float, float]:
        """(derivative along v, its estimated error, the step used).

        A step too large for the scale on which f bends makes any error estimate meaningless, so
        the step shrinks by 8 until (a) the differences at h, 2h, 4h, 8h grow as Taylor says, and
        (b) the derivative at h/8 agrees with the one at h within their estimated errors. The
        error reported is the larger of the estimate at h and that disagreement: measured, not
        assumed.
        """
        previous = self.level(v, h, at_step)
        for _ in range(MAX_SHRINKS):
            current = self.level(v, h / 8, at_step)
            gap = abs(current[0] - previous[0])
            if previous[2] and gap <= current[1] + previous[1]:
                return previous[0], max(previous[1], gap), h
            previous, h = current, h / 8
        return previous[0], previous[1], h


class _Counted:
    """f, counting its calls."""

    def __init__(self, f: Callable[[Array], Any]) -> None:
        self.f, self.calls = f, 0

    def __call__(self, theta: Array) -> Any:
        self.calls += 1
        return self.f(theta)


# --- the diagnosis ----------------------------------------------------------------------------


def _snap(c: float) -> float:
    """c read as a simple number when it is one to SNAP_RTOL: an integer, or 1 / an integer."""
    if c == 0.0 or not np.isfinite(c):
        return c
    for candidate in (round(c), 1.0 / round(1.0 / c) if abs(c) < 1 else 0.0):
        if candidate != 0 and abs(c - candidate) <= SNAP_RTOL * abs(c):
            return float(candidate)
    if abs(2 * c - round(2 * c)) <= SNAP_RTOL * abs(c) and round(2 * c) != 0:
        return round(2 * c) / 2.0
    return c


def _fit(x: Array, y: Array, weight: Array) -> float:
    """The least-squares c of y ~ c x, weighted: sum(w x y) / sum(w x^2) (0 if x is 0)."""
    # on u = sqrt(w) x / max|sqrt(w) x|, at most 1: w x^2 overflows for w = 1 / tiny (an error
    # of 0, as where a linear gradient is differenced) and |x| > 2
    root = np.sqrt(weight)
    top = float(np.max(np.abs(root * x)))
    if not top:
        return 0.0
    u = root * x / top
    return float(np.sum(u * (root * y / top)) / np.sum(u * u))


def _factor_words(c: float, n_samples: int | None) -> str:
    """What a constant factor c between the analytic and the true derivative usually means."""
    if c == -1.0:
        return "a flipped sign of the whole gradient (factor -1: y - p for p - y, or ascent)"
    if n_samples is not None and n_samples > 1 and c == n_samples:
        return f"a constant factor n = {n_samples} (a sum instead of a mean)"
    if n_samples is not None and n_samples > 1 and c == 1.0 / n_samples:
        return f"a constant factor 1/n = 1/{n_samples} (divided by n once too often)"
    if c == 2.0:
        return "a constant factor 2 (a 1/2 dropped, as in (1/2) ||w||^2 or a squared error)"
    if c == 0.5:
        return "a constant factor 1/2 (a 2 dropped, or a 1/2 added)"
    if c == round(c) and abs(c) > 2:
        return (
            f"a constant factor {c:g} (an integer: a sum instead of a mean if there are "
            f"{abs(c):g} samples)"
        )
    if c != 0 and 1.0 / c == round(1.0 / c) and abs(c) < 0.5:
        m = abs(round(1.0 / c))
        sign = "-" if c < 0 else ""  # -1/m keeps its sign: 1/m alone would name another factor
        why = f"divided by n once too often, if there are {m} samples"
        return f"a constant factor {sign}1/{m} ({why})"
    return f"a constant factor {c:.6g}"


def _flatten_orders(k: int, perm: IntArray) -> str:
    """If perm (coordinate i holds the derivative of coordinate perm[i]) is a block of theta read
    as an (r, c) matrix flattened in the other order, say so: in row-major order M[i, j] sits at
    i c + j; read in column-major order, position j r + i holds it. The block's first and last
    entries stay in place and its second moves, so the block is theta[first - 1 : last + 2] for
    the first and last coordinates moved."""
    moved = np.flatnonzero(perm != np.arange(k))
    if moved.size < 2 or moved[0] == 0:
        return ""
    start, length = int(moved[0]) - 1, int(moved[-1] - moved[0]) + 3
    if start + length > k or length < 6:  # a (2, 2) block transposed is a plain swap
        return ""
    for r in range(2, length // 2 + 1):
        if length % r:
            continue
        want = np.arange(k)
        want[start : start + length] = start + np.arange(length).reshape(r, length // r).ravel("F")
        if np.array_equal(want, perm):
            return (
                f"theta[{start}:{start + length}] is a ({r}, {length // r}) matrix flattened in "
                "the other order (column-major instead of row-major)"
            )
    return ""


def _diagnose(
    a: Array,
    n: Array,
    e: Array,
    safety: float,
    index: IntArray,
    candidates: Mapping[str, Array],
    n_samples: int | None,
    complete: bool,
    size: int,
) -> str:
    """One line naming the pattern of the disagreement between analytic a and numeric n (error e)
    on the coordinates `index` of theta, and how sure. A pattern is taken only when undoing it
    leaves an analytic gradient that passes; `complete` is False when a, n, e cover only the
    coordinates found wrong (the rest agreed), as after a bisection."""
    bound = safety * e
    wrong = np.abs(a - n) > bound
    if not wrong.any():
        return "no mistake found"
    W = np.flatnonzero(wrong)
    names = _index_list(index[W])
    k = a.size
    # 1 / e^2, e floored at sqrt(tiny): its square stays a normal float (tiny^2 is 0: 1 / 0)
    weight = 1.0 / np.maximum(e, np.sqrt(np.finfo(np.float64).tiny)) ** 2
    informative = np.abs(n) > bound  # derivatives told apart from 0
    n_info = int(informative.sum())

    def passes(fixed: Array) -> bool:
        return bool(np.all(np.abs(fixed - n) <= bound))

    def sure(evidence: int) -> str:
        return (
            f"sure: undoing it makes all {k} coordinates agree; {evidence} carry the evidence"
            if evidence >= 2
            else "likely: one coordinate of evidence"
        )

    # 1. one constant factor on every derivative, or on all but one of the caller's terms (the
    # data term of a gradient scaled while its penalty l2 w is right)
    for name, term in {"": np.zeros(k), **candidates}.items():
        t = np.asarray(term, dtype=np.float64)
        told = np.abs(n - t) > bound  # derivatives (without the term) told apart from 0
        evidence = int(told.sum())
        if evidence == 0 or not (complete or (evidence == k and k >= 2)):
            continue
        raw = _fit((n - t)[told], (a - t)[told], weight[told])
        for c in dict.fromkeys((_snap(raw), raw)):
            # on the wrong coordinates alone (after a bisection) -1 is pattern 2, a flipped sign
            if c == 0 or abs(c - 1) <= SNAP_RTOL or (not complete and _snap(c) == -1):
                continue
            if passes((a - t) / c + t):
                where = "" if complete else f" on the wrong coordinates {names}"
                beside = f" on all but the term '{name}', which is right" if name else ""
                return f"{_factor_words(c, n_samples)}{where}{beside} ({sure(evidence)})"
    # 2. a flipped sign on some coordinates
    flipped = a.copy()
    flipped[W] = -flipped[W]
    if passes(flipped):
        return f"a flipped sign on coordinate(s) {names}, the others right ({sure(W.size)})"
    # 3. the right values at the wrong places: a permutation of the wrong coordinates, of the
    # whole derivative or of what is left without one of the caller's terms (the data term of a
    # gradient permuted while its penalty l2 w stays in place)
    if W.size >= 2:
        for name, term in {"": np.zeros(k), **candidates}.items():
            t = np.asarray(term, dtype=np.float64)
            moved_a, moved_n = (a - t)[W], (n - t)[W]
            perm = np.arange(k)  # coordinate i holds the derivative of coordinate perm[i]
            perm[W[np.argsort(moved_a, kind="stable")]] = W[np.argsort(moved_n, kind="stable")]
            if not passes((a - t)[np.argsort(perm)] + t):  # undone: perm[i] gets a[i] back
                continue
            swaps = [(int(index[i]), int(index[perm[i]])) for i in W if perm[i] > i]
            pairs = all(perm[perm[i]] == i for i in W)
            whole = np.arange(size)  # the permutation on the whole of theta
            whole[index] = index[perm]
            layout = _flatten_orders(size, whole)
            if layout:
                what = f"permuted coordinates: {layout}"
            elif pairs:
                what = "swapped coordinates " + ", ".join(f"{i} <-> {j}" for i, j in swaps)
            else:
                what = f"permuted coordinates {names}: right values at the wrong places"
            beside = f" (all but the term '{name}', which is in place)" if name else ""
            return f"{what}{beside} ({sure(W.size)})"
    # 4. a term the caller names: analytic - numeric = alpha * term
    for name, term in candidates.items():
        t = np.asarray(term, dtype=np.float64)
        if not np.any(np.abs(t) > 0):
            continue
        alpha = _snap(_fit(t, a - n, weight))
        # one coordinate of evidence fits any term with some alpha: only a simple one counts
        simple = alpha == round(alpha) or 2 * alpha == round(2 * alpha)
        if alpha != 0 and (simple or W.size >= 2) and passes(a - alpha * t):
            if alpha == 1.0:
                how = f"one '{name}' too many (added where it does not belong, or counted twice)"
            elif alpha == -1.0:
                how = f"the term '{name}' missing"
            else:
                how = f"'{name}' counted {alpha:+.6g} times too often"
            return f"{how}: analytic - numeric = {alpha:.6g} x '{name}' ({sure(W.size)})"
    # 5. small relative errors spread over the coordinates: float32 rounding
    scale = max(float(np.max(np.abs(n))), float(np.max(np.abs(a))))
    relative = float(np.max(np.abs(a - n)[W])) / scale if scale > 0 else np.inf
    spread = W.size >= max(1, n_info // 2)
    if F32_LEVEL[0] <= relative <= F32_LEVEL[1] and spread:
        return (
            f"an error at the level of float32 rounding (relative {relative:.1e}; float32 eps "
            f"{F32_EPS:.1e}) on {W.size} of {k} coordinates: a computation in float32? (likely)"
        )
    # 6. an error confined to a few coordinates
    if W.size <= max(2, k // 3) and (W.size < k or not complete):
        parts = []
        for i in W[:4]:
            off = a[i] - n[i]
            # + 0.0: an analytic 0 against a negative numeric reads 0x, not -0x
            ratio = f", {a[i] / n[i] + 0.0:.4g}x the numeric value" if n[i] != 0 else ""
            parts.append(f"{int(index[i])}: off by {off:+.3g}{ratio}")
        return f"an error confined to coordinate(s) {names} ({'; '.join(parts)}), the others right"
    return (
        f"no simple pattern: {W.size} of {k} coordinates off (relative {relative:.1e}); not a "
        "constant factor, a sign, a permutation or float32 rounding"
    )


# --- the checks -------------------------------------------------------------------------------


def _as_order(order: Any) -> int:
    if isinstance(order, bool | np.bool_) or not isinstance(order, numbers.Integral):
        raise TypeError(f"order must be the int 2 or 4, got {type(order).__name__} {order!r:.60}")
    if order not in STEP_FACTOR:
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    return int(order)


def _as_candidates(candidates: Any, shape: tuple[int, ...]) -> dict[str, Array]:
    if candidates is None:
        return {}
    if not isinstance(candidates, Mapping):
        raise TypeError(
            "candidates must be a dict {name: term shaped like the derivative}, got "
            f"{type(candidates).__name__}"
        )
    out = {}
    for name, term in candidates.items():
        arr = as_real_array(f"candidates[{name!r}]", term)
        if arr.size != int(np.prod(shape)):
            raise ValueError(
                f"candidates[{name!r}] must have {int(np.prod(shape))} entries like the "
                f"derivative it may hide in; got shape {arr.shape}"
            )
        out[str(name)] = arr.reshape(shape)
    return out


def _common(
    theta: Any, order: Any, step: Any, f_accuracy: Any, safety: Any, seed: Any, n_samples: Any
) -> tuple[Array, int, float, float, float, int, int | None]:
    """The arguments shared by check_gradient and check_hessian, checked."""
    order = _as_order(order)
    raw_dtype = getattr(theta, "dtype", None)
    point = as_real_array("theta", theta).astype(np.float64, copy=True).ravel()
    if point.size == 0:
        raise ValueError("theta must hold at least one parameter; got an empty array")
    if raw_dtype is not None and raw_dtype != np.float64:
        warn(
            f"theta is {raw_dtype}, not float64: checked at its float64 value; a gradient check "
            "in lower precision cannot tell float rounding from a wrong derivative",
            GradientCheckWarning,
        )
    if step is None:
        rel_step = STEP_FACTOR[order]
    else:
        rel_step = as_scalar("step", step, low=0.0, low_open=True)
        if not STEP_RANGE[0] <= rel_step <= STEP_RANGE[1]:
            raise ValueError(
                f"step must lie in [{STEP_RANGE[0]:.3g}, {STEP_RANGE[1]:g}] (relative to "
                f"max(|theta_i|, 1): smaller keeps no digit of f's difference, larger is not "
                f"local); got {rel_step!r}"
            )
    f_accuracy = as_scalar("f_accuracy", f_accuracy, low=0.0)
    safety = as_scalar("safety", safety, low=0.0, low_open=True)
    seed = as_count("seed", seed, low=0)
    n = None if n_samples is None else as_count("n_samples", n_samples, low=1)
    return point, order, rel_step, f_accuracy, safety, seed, n


def check_gradient(
    f: Callable[[Array], Any],
    grad_f: Callable[[Array], Any],
    theta: Any,
    *,
    mode: str = "coordinates",
    order: int = 4,
    n_directions: int = 4,
    step: float | None = None,
    f_accuracy: float = 4 * EPS,
    safety: float = SAFETY,
    seed: int = 0,
    candidates: Mapping[str, Any] | None = None,
    n_samples: int | None = None,
) -> GradientCheckReport:
    """Compare grad_f(theta) with finite differences of f, each with its own error estimate;
    where they disagree, say which coordinates and what the mistake looks like.

    f maps a flat float64 vector to a float; grad_f maps it to a vector of the same length.
    mode "coordinates": one derivative per coordinate; "directions": n_directions random unit
    directions v (seeded), comparing grad_f(theta) @ v with the derivative along v, a fixed
    number of calls of f whatever len(theta) when the gradient passes; when it fails, the wrong
    coordinates are found by bisection over coordinates (about 2 m log2(len(theta)) derivatives
    for m wrong coordinates; the report gives the count of calls).
    order 4 (default): Richardson-extrapolated central differences; order 2: plain central
    differences; either from 16 calls of f per derivative (steps h, 2h, 4h, 8h and h/8 times
    those), more where h must shrink to reach the regime where Taylor's error terms hold.
    step: h relative to max(|theta_i|, 1) (default eps^(1/5) = 7e-4 for order 4, eps^(1/3) = 6e-6
    for order 2). f_accuracy: f's relative rounding (default 4 eps); the noise of f is also
    measured near theta (7 calls), and the larger of the two is used; a derivative that fails is
    differenced again with f's noise measured at the scale of its own steps (f rounded at 1e-10,
    say), before it is called wrong. passed is True when every |analytic - numeric| <= safety
    times the estimated error (default 10).
    candidates: optional {name: term}, terms shaped like theta that a mistake may have added or
    dropped (e.g. {"l2 * w": l2 * np.append(w, 0.0)}); n_samples: optional n of a mean over
    samples, to name a factor n or 1/n. theta is never changed; GradientCheckWarning says when
    theta or f's output is not float64.
    """
    if not callable(f) or not callable(grad_f):
        raise TypeError("f and grad_f must be callables mapping a flat vector to a float / vector")
    if mode not in ("coordinates", "directions"):
        raise ValueError(f"mode must be 'coordinates' or 'directions', got {mode!r}")
    point, order, rel_step, f_accuracy, safety, seed, n = _common(
        theta, order, step, f_accuracy, safety, seed, n_samples
    )
    k = as_count("n_directions", n_directions, low=1) if mode == "directions" else point.size
    terms = _as_candidates(candidates, point.shape)
    warned = [False]
    counted = _Counted(f)

    analytic_full = as_real_array("grad_f(theta)", grad_f(point.copy())).ravel()
    if analytic_full.shape != point.shape:
        raise ValueError(
            f"grad_f(theta) must have shape {point.shape} like theta; got {analytic_full.shape}"
        )
    f0 = _value(counted, point, warned)
    differencer = _Differencer(
        counted, point, f0, order, f_accuracy, _noise(counted, point, seed, warned), warned
    )
    scale = max(float(np.max(np.abs(point))), 1.0)

    def compare(v: Array, h: float) -> tuple[float, float, float]:
        """(numeric, error, step) along v; a failure is measured again with f's noise at the
        scale of the step before it counts."""
        numeric, error, used = differencer.derivative(v, h)
        if abs(float(analytic_full @ v) - numeric) > safety * error:
            numeric, error, used = differencer.derivative(v, h, at_step=True)
        return numeric, error, used

    if mode == "coordinates":
        V = np.eye(point.size)
        h = rel_step * np.maximum(np.abs(point), 1.0)
    else:
        V = np.random.default_rng(seed).standard_normal((k, point.size))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        h = np.full(k, rel_step * scale)

    numeric = np.empty(len(V))
    fd_error = np.empty(len(V))
    for i, (v, hi) in enumerate(zip(V, h, strict=True)):
        numeric[i], fd_error[i], h[i] = compare(v, hi)
    analytic = V @ analytic_full if mode == "directions" else analytic_full

    diff = np.abs(analytic - numeric)
    top = max(float(np.max(np.abs(analytic))), float(np.max(np.abs(numeric))))
    rel_error = float(np.max(diff) / top) if top > 0 else 0.0
    with np.errstate(over="ignore"):  # an exact difference (error 0) that disagrees: ratio inf
        ratio = float(np.max(diff / np.maximum(fd_error, np.finfo(np.float64).tiny)))
    passed = bool(ratio <= safety)

    wrong, diagnosis, before = _empty(), "no mistake found", counted.calls
    if passed:
        pass
    elif mode == "coordinates":
        wrong = np.flatnonzero(diff > safety * fd_error).astype(np.intp)
        diagnosis = _diagnose(
            analytic, numeric, fd_error, safety, np.arange(k), terms, n, True, point.size
        )
    else:
        rng = np.random.default_rng([seed, 1])

        def disagrees(S: IntArray) -> bool:
            v = np.zeros(point.size)
            v[S] = rng.standard_normal(S.size)
            v /= np.linalg.norm(v)
            got, error, _ = compare(v, rel_step * scale)
            return bool(abs(float(analytic_full @ v) - got) > safety * error)

        found: list[int] = []

        def bisect(S: IntArray) -> None:
            if S.size == 1:
                found.append(int(S[0]))
                return
            halves = [part for part in (S[: S.size // 2], S[S.size // 2 :]) if disagrees(part)]
            if not halves:  # the halves' errors cancelled along S: keep S whole, said as found
                found.extend(int(i) for i in S)
            for part in halves:
                bisect(part)

        bisect(np.arange(point.size))
        wrong = np.array(sorted(found), dtype=np.intp)
        bisection = counted.calls - before
        # the coordinates found, differenced one by one, for the diagnosis
        a_w, n_w, e_w = analytic_full[wrong], np.empty(wrong.size), np.empty(wrong.size)
        for j, i in enumerate(wrong):
            e = np.zeros(point.size)
            e[i] = 1.0
            n_w[j], e_w[j], _ = compare(e, rel_step * max(abs(float(point[i])), 1.0))
        sub = {name: t[wrong] for name, t in terms.items()}
        diagnosis = _diagnose(
            a_w, n_w, e_w, safety, wrong, sub, n, wrong.size == point.size, point.size
        )
        return GradientCheckReport(
            rel_error, passed, ratio, analytic, numeric, fd_error, h, mode, order, safety,
            wrong, diagnosis, counted.calls, bisection,
        )  # fmt: skip
    return GradientCheckReport(
        rel_error, passed, ratio, analytic, numeric, fd_error, h, mode, order, safety,
        wrong, diagnosis, counted.calls, 0,
    )  # fmt: skip


@dataclass(frozen=True)
class HessianCheckReport:
    """What `check_hessian` returns.

    rel_error   max |analytic - numeric| / max(|analytic|, |numeric|) over the entries
    passed      every |analytic_ij - numeric_ij| <= safety * fd_error_ij
    ratio       max |analytic_ij - numeric_ij| / fd_error_ij
    analytic    hess_f(theta): (k, k)
    numeric     column j the finite-difference derivative of grad_f along e_j: (k, k)
    fd_error    the estimated error of each entry: (k, k)
    step        the step h of each column (the largest of its entries'): (k,)
    asymmetry   max |H_ij - H_ji| of the analytic Hessian, relative to its largest entry
    wrong_entries      (m, 2) pairs (i, j) beyond their error; wrong_coordinates: the i and j
                involved
    diagnosis   one line: the pattern of the disagreement and how sure, or "no mistake found"
    evaluations calls of grad_f in all
    """

    rel_error: float
    passed: bool
    ratio: float
    analytic: Array
    numeric: Array
    fd_error: Array
    step: Array
    order: int
    safety: float
    asymmetry: float
    wrong_entries: IntArray
    wrong_coordinates: IntArray
    diagnosis: str
    evaluations: int

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"Hessian check {verdict}: rel_error {self.rel_error:.2e}, worst |analytic - numeric| "
            f"is {self.ratio:.2g}x the finite difference's own error (threshold {self.safety:g}x)"
        ]
        if not self.passed:
            lines.append(f"wrong entries: {_index_list(self.wrong_entries)}")
        lines.append(f"diagnosis: {self.diagnosis}")
        lines.append(f"{self.evaluations} calls of grad_f in all")
        return "\n".join(lines)


def _diagnose_hessian(
    A: Array,
    N: Array,
    E: Array,
    safety: float,
    candidates: Mapping[str, Array],
    n_samples: int | None,
) -> str:
    """One line naming the pattern of a Hessian's disagreement (see _diagnose): an asymmetry, a
    constant factor (a missing 1/n), only the diagonal, missing or wrong cross terms, the last
    parameter's row and column (the intercept of theta = (w, b)), a candidate term."""
    k = A.shape[0]
    bound = safety * E
    wrong = np.abs(A - N) > bound
    if not wrong.any():
        return "no mistake found"
    asym = np.abs(A - A.T) > safety * (E + E.T)
    if asym.any():
        pairs = np.argwhere(np.triu(asym))
        upper_wrong = int(np.triu(wrong, 1).sum())
        lower_wrong = int(np.tril(wrong, -1).sum())
        right = "neither"
        if upper_wrong == 0 < lower_wrong:
            right = "upper"
        elif lower_wrong == 0 < upper_wrong:
            right = "lower"
        return (
            f"an asymmetric Hessian: H[i, j] != H[j, i] at {_index_list(pairs)}; the {right} "
            "triangle agrees with the differences (a Hessian of a smooth f is symmetric)"
        )
    flat = _diagnose(
        A.ravel(), N.ravel(), E.ravel(), safety, np.arange(k * k), {}, n_samples, True, k * k
    )
    if flat.startswith("a constant factor") or flat.startswith("a flipped sign of the whole"):
        if n_samples is not None and f"factor n = {n_samples}" in flat:
            flat = flat.replace("(a sum instead of a mean)", "(a missing 1/n)")
        return flat.replace("gradient", "Hessian").replace("coordinates", "entries")
    for name, term in candidates.items():
        # 1 / E^2, E floored at sqrt(tiny) as in _diagnose (1e-300 ** 2 is 0: 1 / 0)
        weight = 1.0 / np.maximum(E, np.sqrt(np.finfo(np.float64).tiny)).ravel() ** 2
        alpha = _snap(_fit(term.ravel(), (A - N).ravel(), weight))
        if alpha != 0 and np.all(np.abs(A - alpha * term - N) <= bound):
            how = (
                f"one '{name}' too many"
                if alpha == 1
                else f"the term '{name}' missing"
                if alpha == -1
                else f"'{name}' counted {alpha:+.6g} times too often"
            )
            return f"{how}: analytic - numeric = {alpha:.6g} x '{name}' (sure)"
    off = ~np.eye(k, dtype=bool)
    W = np.argwhere(wrong)
    cells = _index_list(W)
    if not wrong[~off].any():
        informative_off = off & (np.abs(N) > bound)
        zero = np.abs(A) <= bound
        if np.all(zero[off]) and np.all(wrong[informative_off]):
            return (
                "only the diagonal: every cross term (off-diagonal entry) is 0 where the "
                "differences are not (a diagonal-only Hessian; sure)"
            )
        if np.all(zero[wrong]):
            return f"missing cross terms: entries {cells} are 0 where the differences are not"
        return f"wrong cross terms (off-diagonal entries {cells}); the diagonal is right"
    rows = set(W[:, 0].tolist()) | set(W[:, 1].tolist())
    shared = [i for i in rows if np.all((W[:, 0] == i) | (W[:, 1] == i))]
    if len(shared) == 1:
        i = shared[0]
        who = " (the intercept's block, for theta = (w, b))" if i == k - 1 else ""
        # one wrong entry shared by one parameter alone is its diagonal entry (i, i)
        single = f": off by {A[i, i] - N[i, i]:+.3g}" if W.shape[0] == 1 else ""
        return (
            f"the row and column of parameter {i}{who} are wrong at {cells}{single}; the rest "
            "agrees"
        )
    return f"no simple pattern: {W.shape[0]} of {k * k} entries off, at {cells}"


def check_hessian(
    grad_f: Callable[[Array], Any],
    hess_f: Callable[[Array], Any],
    theta: Any,
    *,
    order: int = 4,
    step: float | None = None,
    f_accuracy: float = 4 * EPS,
    safety: float = SAFETY,
    seed: int = 0,
    candidates: Mapping[str, Any] | None = None,
    n_samples: int | None = None,
) -> HessianCheckReport:
    """Compare hess_f(theta) with finite differences of grad_f, entry by entry, each with its own
    error estimate (as check_gradient: entry (i, j) is the derivative of grad_f(theta)_i along
    e_j); where they disagree, say which entries and what the mistake looks like: an asymmetric
    Hessian, a constant factor (a missing 1/n), a diagonal-only Hessian, missing cross terms, the
    wrong block for the last parameter (the intercept of theta = (w, b)), or a candidate term
    ({name: (k, k) matrix}). grad_f maps theta (k,) to (k,), hess_f to (k, k). Each grad_f
    value is computed once and shared by the k entries of a column. theta is never changed.
    """
    if not callable(grad_f) or not callable(hess_f):
        raise TypeError(
            "grad_f and hess_f must be callables mapping a flat vector to a vector / a matrix"
        )
    point, order, rel_step, f_accuracy, safety, seed, n = _common(
        theta, order, step, f_accuracy, safety, seed, n_samples
    )
    k = point.size
    terms = _as_candidates(candidates, (k, k))
    cache: dict[bytes, Array] = {}
    counted = _Counted(grad_f)

    def gradient_at(t: Array) -> Array:
        key = t.tobytes()
        if key not in cache:
            g = as_real_array("grad_f(theta)", counted(t.copy())).ravel()
            if g.shape != (k,):
                raise ValueError(f"grad_f(theta) must have shape ({k},) like theta; got {g.shape}")
            cache[key] = g
        return cache[key]

    A = as_real_array("hess_f(theta)", hess_f(point.copy()))
    if A.shape != (k, k):
        raise ValueError(f"hess_f(theta) must have shape ({k}, {k}); got {A.shape}")
    g0 = gradient_at(point)
    warned = [False]
    N, E = np.empty((k, k)), np.empty((k, k))
    steps = np.empty(k)
    for i in range(k):

        def component(t: Array, i: int = i) -> float:
            return float(gradient_at(t)[i])

        noise = _noise(component, point, seed, warned)
        differencer = _Differencer(component, point, float(g0[i]), order, f_accuracy, noise, warned)
        for j in range(k):
            v = np.zeros(k)
            v[j] = 1.0
            h0 = rel_step * max(abs(float(point[j])), 1.0)
            N[i, j], E[i, j], used = differencer.derivative(v, h0)
            if abs(A[i, j] - N[i, j]) > safety * E[i, j]:
                N[i, j], E[i, j], used = differencer.derivative(v, h0, at_step=True)
            steps[j] = used if i == 0 else max(steps[j], used)
    diff = np.abs(A - N)
    top = max(float(np.max(np.abs(A))), float(np.max(np.abs(N))))
    rel_error = float(np.max(diff) / top) if top > 0 else 0.0
    with np.errstate(over="ignore"):  # an exact difference (error 0) that disagrees: ratio inf
        ratio = float(np.max(diff / np.maximum(E, np.finfo(np.float64).tiny)))
    wrong = np.argwhere(diff > safety * E).astype(np.intp)
    asymmetry = float(np.max(np.abs(A - A.T)) / top) if top > 0 else 0.0
    return HessianCheckReport(
        rel_error=rel_error,
        passed=bool(ratio <= safety),
        ratio=ratio,
        analytic=A,
        numeric=N,
        fd_error=E,
        step=steps,
        order=order,
        safety=safety,
        asymmetry=asymmetry,
        wrong_entries=wrong,
        wrong_coordinates=np.unique(wrong).astype(np.intp),
        diagnosis=_diagnose_hessian(A, N, E, safety, terms, n),
        evaluations=counted.calls,
    )


def finite_difference(
    f: Callable[[Array], Any], theta: Any, v: Any, h: float, scheme: str = "central"
) -> float:
    """One finite-difference derivative of f at theta along v with step h, for teaching:

    forward      (f(theta + h v) - f(theta)) / h              truncation O(h),   rounding eps/h
    central      (f(theta + h v) - f(theta - h v)) / 2h       truncation O(h^2), rounding eps/h
    richardson   (4 D(h) - D(2h)) / 3, D the central one      truncation O(h^4), rounding eps/h
    """
    point = np.array(theta, copy=True)
    if point.dtype.kind in "biu":  # an integer theta would truncate the step h to an integer
        point = point.astype(np.float64)
    direction = np.asarray(v, dtype=point.dtype)
    with np.errstate(over="ignore"):  # an h beyond theta's dtype becomes inf: refused below
        step = point.dtype.type(h)
    if not np.isfinite(step) or step == 0:  # h in theta's dtype: in float16 1e-8 is 0, 1e5 inf
        raise ValueError(
            f"h must be a finite, nonzero step in theta's dtype {point.dtype}; got {h!r}"
        )

    def at(t: Any) -> float:
        return float(f(point + t * direction))

    if scheme == "forward":
        return (at(step) - at(0 * step)) / float(step)
    central = (at(step) - at(-step)) / (2 * float(step))
    if scheme == "central":
        return central
    if scheme == "richardson":
        wide = (at(2 * step) - at(-2 * step)) / (4 * float(step))
        return (4 * central - wide) / 3
    raise ValueError(f"scheme must be 'forward', 'central' or 'richardson', got {scheme!r}")
