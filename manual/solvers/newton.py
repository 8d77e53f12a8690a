"""Damped Newton: theta <- theta - t H^+ g, t from a backtracking line search.

H d = g, solved for the minimum-norm d = H^+ g (H is positive semi-definite, and can be singular),
minimizes the quadratic model L + g.delta + delta.H.delta / 2 at delta = -d; the line search
(line_search.py) then takes the first t = 1, 1/2, ... that lowers the loss by Armijo's margin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual.checks import Array
from manual.solvers.driver import Iterate, Objective
from manual.solvers.line_search import backtrack

# a Cauchy step is taken where its model decrease is this many times Newton's (see Newton.step)
CAUCHY_FACTOR = 2.0
_TINY = float(np.finfo(np.float64).eps) ** 8  # a Cauchy length of at most 2^416


def newton_direction(H: Array, g: Array) -> Array:
    """d = H^+ g, the minimum-norm solution of H d = g.

    H is positive semi-definite but can be singular (l2 = 0 with a constant or duplicated column,
    the redundant class of the softmax, or points so far from the boundary that the curvature
    underflows): eigenvalues below rounding level, size * EPS * lambda_max, are treated as zero,
    and the step stays in the span of the rest.
    """
    try:
        # the common case, H positive definite: Cholesky succeeds, with pivots L_jj^2 that lie in
        # [lambda_min, lambda_max], so max L_jj / min L_jj <= sqrt(cond(H)): where even this lower
        # bound passes 1e7, H is too close to singular for a plain solve
        pivots = np.diagonal(np.linalg.cholesky(H))
        if pivots.min() > 1e-7 * pivots.max():
            step: Array = np.linalg.solve(H, g).astype(np.float64, copy=False)
            if np.all(np.isfinite(step)):
                return step
    except np.linalg.LinAlgError:
        pass
    lam, V = np.linalg.eigh(H)
    cutoff = H.shape[0] * np.finfo(np.float64).eps * max(float(lam[-1]), 0.0)
    keep = lam > cutoff
    if not keep.any():
        return np.zeros_like(g)
    Vk = V[:, keep]
    return Vk @ ((Vk.T @ g) / lam[keep])


@dataclass(frozen=True)
class Newton:
    @classmethod
    def from_options(cls, options: Any, default_lr: Callable[[], float]) -> Newton:
        return cls()

    def step(self, objective: Objective, at: Iterate) -> Iterate | None:
        """theta - t H^+ g, or a Cauchy step along g where H^+ misses the direction that counts.

        Far from the optimum the curvature underflows towards 0 for most samples. H^+ g is then
        astronomically long (1e130 at logits near 300), and the search halves t for as long as it
        takes; and where H's curvature is all in a few samples, H^+ g lies in their span and can
        miss the direction that lowers the loss. The quadratic model's decrease along the Cauchy
        step |g|^2 / (g.H.g) g (the model's minimum along g) is (g.g)^2 / (2 g.H.g); Newton's is
        g.H^+g / 2. In exact arithmetic the first is at most the second (Cauchy-Schwarz in the H
        inner product); it exceeds it only because H^+ dropped eigenvalues below the rounding of
        H's, and then by far: beyond CAUCHY_FACTOR times, the Cauchy step replaces Newton's.
        """
        g = at.grad
        H = objective.hessian(at.theta)
        step = newton_direction(H, g)
        g_g, g_H_g = float(g @ g), float(g @ H @ g)
        length = g_g / g_H_g if g_H_g > g_g * _TINY else 1 / _TINY
        if g_g * length > CAUCHY_FACTOR * float(g @ step):
            step = length * g
        return backtrack(objective, at, step)
