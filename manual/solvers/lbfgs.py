"""Limited-memory BFGS: theta <- theta - t H_k g, H_k from the last m steps, t from a Wolfe search.

BFGS keeps an approximation H_k of the inverse Hessian that satisfies the secant equation
H_{k+1} y_k = s_k for the last step s_k = theta_{k+1} - theta_k and the change of the gradient
y_k = g_{k+1} - g_k along it. L-BFGS never forms H_k: it keeps the last m pairs (s_i, y_i) and
applies H_k to g by the two-loop recursion (Nocedal and Wright, Algorithm 7.4), starting from
H_0 = gamma I, gamma = s.y / y.y of the newest pair (the inverse of the curvature along the last
step). A pair enters only where s.y > 0, which keeps every H_k positive definite and so every step
a descent direction; the strong Wolfe conditions (line_search.wolfe) guarantee s.y > 0 in exact
arithmetic, and the test catches the rounding that can still spoil it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from manual.checks import Array
from manual.solvers.driver import Iterate, Objective
from manual.solvers.line_search import wolfe

DEFAULT_MEMORY = 10


def two_loop(g: Array, pairs: Any) -> Array:
    """H_k g by the two-loop recursion over the pairs (s_i, y_i, rho_i = 1 / y_i.s_i), oldest
    first; H_0 = gamma I with gamma = s.y / y.y of the newest pair (I where there is none).

        q = g;  for i newest to oldest:  a_i = rho_i s_i.q,  q -= a_i y_i
        r = H_0 q;  for i oldest to newest:  beta = rho_i y_i.r,  r += (a_i - beta) s_i
    """
    q = g.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        q -= a * y
        alphas.append(a)
    if pairs:
        s, y, rho = pairs[-1]
        q *= float(s @ y) / float(y @ y)  # H_0 = gamma I
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        beta = rho * float(y @ q)
        q += (a - beta) * s
    return q


class LBFGS:
    # `fit` runs it on centred features scaled by a power of 2 and maps the iterates back: an
    # exact reparametrization (the intercept is not penalized) under which its steps see columns
    # of comparable size, as on standardized data
    affine_invariant = True

    """L-BFGS with memory m (the pairs (s, y) kept). One instance serves one run: it keeps the
    pairs between steps, and starts afresh where it is handed an iterate it did not return."""

    def __init__(self, memory: int = DEFAULT_MEMORY) -> None:
        self.memory = memory
        self.pairs: deque[tuple[Array, Array, float]] = deque(maxlen=memory)
        self.last: Iterate | None = None

    @classmethod
    def from_options(cls, options: Any, default_lr: Callable[[], float]) -> LBFGS:
        return cls(options.memory)

    def step(self, objective: Objective, at: Iterate) -> Iterate | None:
        """theta - t H_k g with t from the Wolfe search; then the pair (s, y) of this step."""
        if at is not self.last:
            self.pairs.clear()
        g = at.grad
        following = None
        if self.pairs:
            direction = two_loop(g, self.pairs)
            if float(g @ direction) > 0:  # else rounding spoilt H_k: start again from gamma I
                following = wolfe(objective, at, direction)
        if following is None:
            # no curvature known (or none that helps): g scaled to a unit step in its largest
            # coordinate, which the search then lengthens or shortens
            self.pairs.clear()
            direction = g / max(float(np.max(np.abs(g))), np.finfo(np.float64).tiny)
            following = wolfe(objective, at, direction)
        if following is None:
            self.last = None
            return None
        s = following.theta - at.theta
        y = following.grad - g
        sy = float(s @ y)
        if sy > 0:  # s.y > 0: the curvature along the step is positive; else skip the pair
            self.pairs.append((s, y, 1.0 / sy))
        self.last = following
        return following
