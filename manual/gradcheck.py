"""Gradient checking with central differences that know their own error.

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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual.categories import LogregWarning, warn
from manual.checks import Array, as_count, as_real_array, as_scalar

EPS = float(np.finfo(np.float64).eps)
# Default steps h = factor * max(|theta_i|, 1): the h that balances the truncation h^p |f^(p+1)|
# against the rounding eps |f| / h when f and its derivatives have similar sizes, eps^(1/(p+1)).
STEP_FACTOR = {2: EPS ** (1 / 3), 4: EPS ** (1 / 5)}
# passed: every |analytic - numeric| <= SAFETY * estimated error. The estimate is an order of
# magnitude, not a bound; 10 leaves room for its noise, while a float32 gradient still errs by
# ~1e2 to 1e3 times the error of a float64 difference.
SAFETY = 10.0


class GradientCheckWarning(LogregWarning):
    """A gradient check whose inputs or function values are not float64."""


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

    def summary(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"gradient check {verdict}: rel_error {self.rel_error:.2e}, worst |analytic - numeric| "
            f"is {self.ratio:.2g}x the finite difference's own error (threshold {self.safety:g}x)"
        )


def _value(f: Callable[[Array], Any], theta: Array, warned: list[bool]) -> float:
    out = f(theta.copy())  # a copy: f cannot change the caller's theta either
    dtype = getattr(out, "dtype", None)
    if dtype is not None and dtype != np.float64 and not warned[0]:
        warned[0] = True
        warn(
            f"f returned {dtype}, not float64: its rounding (~{np.finfo(dtype).eps:.0e}) swamps "
            "the finite differences; compute f in float64",
            GradientCheckWarning,
        )
    value = float(out)
    if not np.isfinite(value):
        raise ValueError(f"f must return a finite value; got {value!r} near theta")
    return value


# A step is in the asymptotic regime when the differences D(8h) - D(4h), D(4h) - D(2h) and
# D(2h) - D(h) shrink by ~4 per halving of h, as c h^2 does (or are rounding noise); outside
# (3.5, 4.6) the step is shrunk by 8 and tried again.
ASYMPTOTIC_RATIO = (3.5, 4.6)
R_RATIO = (13.0, 19.7)  # the same for Richardson's R(2h) - R(h) = 15 c4 h^4: ~16 per halving
MAX_SHRINKS = 12


def _noise(f: Callable[[Array], Any], point: Array, seed: int, warned: list[bool]) -> float:
    """The rounding noise of f near theta, measured (More and Wild's ECnoise): the 6th difference
    of f at 7 points a hair apart (1e-11 relative: well inside any bend of f, well above theta's
    own ulps) cancels every smooth term and leaves noise
    times sqrt(C(12, 6)) = sqrt(924). f's rounding can far exceed eps |f|: a loss of ~200 from
    logits that cancel from 1e5 carries their rounding, ~1e-11, not eps * 200 = 4e-14."""
    v = np.random.default_rng(seed).standard_normal(point.size)
    v *= 1e-11 * max(float(np.max(np.abs(point))), 1.0) / np.linalg.norm(v)
    values = np.array([_value(f, point + k * v, warned) for k in range(-3, 4)])
    return float(abs(np.diff(values, 6)[0]) / np.sqrt(924.0))


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

    def level(self, v: Array, h: float) -> tuple[float, float, bool]:
        """At one step h: (derivative along v, its estimated error, whether the differences at
        h, 2h, 4h, 8h behave as Taylor says)."""
        sizes = [abs(self.f0)]

        def central(t: float) -> float:
            """D(t) = (f(theta + t v) - f(theta - t v)) / 2t"""
            fp = _value(self.f, self.point + t * v, self.warned)
            fm = _value(self.f, self.point - t * v, self.warned)
            sizes.extend((abs(fp), abs(fm)))
            return (fp - fm) / (2 * t)

        d1, d2, d4, d8 = central(h), central(2 * h), central(4 * h), central(8 * h)
        amplification = 1.0 if self.order == 2 else 1.5  # (4 eps|f|/h + eps|f|/2h) / 3 for R
        # f's rounding: as stated (f_accuracy |f|) or as measured, whichever is larger
        f_error = max(self.f_accuracy * max(sizes), 3 * self.f_noise)
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

    def derivative(self, v: Array, h: float) -> tuple[float, float, float]:
        """(derivative along v, its estimated error, the step used).

        A step too large for the scale on which f bends makes any error estimate meaningless, so
        the step shrinks by 8 until (a) the differences at h, 2h, 4h, 8h grow as Taylor says, and
        (b) the derivative at h/8 agrees with the one at h within their estimated errors. The
        error reported is the larger of the estimate at h and that disagreement: measured, not
        assumed.
        """
        previous = self.level(v, h)
        for _ in range(MAX_SHRINKS):
            current = self.level(v, h / 8)
            gap = abs(current[0] - previous[0])
            if previous[2] and gap <= current[1] + previous[1]:
                return previous[0], max(previous[1], gap), h
            previous, h = current, h / 8
        return previous[0], previous[1], h


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
) -> GradientCheckReport:
    """Compare grad_f(theta) with finite differences of f, each with its own error estimate.

    f maps a flat float64 vector to a float; grad_f maps it to a vector of the same length.
    mode "coordinates": one derivative per coordinate; "directions": n_directions random unit
    directions v (seeded), comparing grad_f(theta) @ v with the derivative along v, a fixed
    number of calls of f whatever len(theta).
    order 4 (default): Richardson-extrapolated central differences; order 2: plain central
    differences; either from 16 calls of f per derivative (steps h, 2h, 4h, 8h and h/8 times
    those), more where h must shrink to reach the regime where Taylor's error terms hold.
    step: h relative to max(|theta_i|, 1) (default eps^(1/5) = 7e-4 for order 4, eps^(1/3) = 6e-6
    for order 2). f_accuracy: f's relative rounding (default 4 eps); the noise of f is also
    measured near theta (7 calls), and the larger of the two is used. passed is True when every
    |analytic - numeric| <= safety times the estimated error (default 10). theta is never
    changed; GradientCheckWarning says when theta or f's output is not float64.
    """
    if not callable(f) or not callable(grad_f):
        raise TypeError("f and grad_f must be callables mapping a flat vector to a float / vector")
    if mode not in ("coordinates", "directions"):
        raise ValueError(f"mode must be 'coordinates' or 'directions', got {mode!r}")
    if order not in STEP_FACTOR:
        raise ValueError(f"order must be 2 or 4, got {order!r}")
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
    rel_step = (
        STEP_FACTOR[order] if step is None else as_scalar("step", step, low=0.0, low_open=True)
    )
    f_accuracy = as_scalar("f_accuracy", f_accuracy, low=0.0)
    safety = as_scalar("safety", safety, low=0.0, low_open=True)
    warned = [False]

    analytic_full = as_real_array("grad_f(theta)", grad_f(point.copy())).ravel()
    if analytic_full.shape != point.shape:
        raise ValueError(
            f"grad_f(theta) must have shape {point.shape} like theta; got {analytic_full.shape}"
        )
    f0 = _value(f, point, warned)
    differencer = _Differencer(
        f, point, f0, order, f_accuracy, _noise(f, point, seed, warned), warned
    )

    if mode == "coordinates":
        V = np.eye(point.size)
        h = rel_step * np.maximum(np.abs(point), 1.0)
    else:
        k = as_count("n_directions", n_directions, low=1)
        V = np.random.default_rng(seed).standard_normal((k, point.size))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        h = np.full(k, rel_step * max(float(np.max(np.abs(point))), 1.0))

    numeric = np.empty(len(V))
    fd_error = np.empty(len(V))
    for i, (v, hi) in enumerate(zip(V, h, strict=True)):
        numeric[i], fd_error[i], h[i] = differencer.derivative(v, hi)
    analytic = V @ analytic_full if mode == "directions" else analytic_full

    diff = np.abs(analytic - numeric)
    scale = max(float(np.max(np.abs(analytic))), float(np.max(np.abs(numeric))))
    rel_error = float(np.max(diff) / scale) if scale > 0 else 0.0
    ratio = float(np.max(diff / np.maximum(fd_error, np.finfo(np.float64).tiny)))
    return GradientCheckReport(
        rel_error=rel_error,
        passed=bool(ratio <= safety),
        ratio=ratio,
        analytic=analytic,
        numeric=numeric,
        fd_error=fd_error,
        step=h,
        mode=mode,
        order=order,
        safety=safety,
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
    direction = np.asarray(v, dtype=point.dtype)
    step = point.dtype.type(h)

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
