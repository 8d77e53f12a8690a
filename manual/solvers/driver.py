"""The solver loop, shared by every solver and both twins.

    theta_0 = the start;  theta_{k+1} = solver.step(theta_k)
    stop when ||g||inf <= tol (tol = 0: exactly max_iter steps), or after max_iter steps

It records the loss and the gradient norm max_j |dL/dtheta_j| at every iterate, the start
included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from manual.checks import Array


class Objective(Protocol):
    """What a solver needs: L and its derivatives at a flat parameter vector theta."""

    def loss_and_gradient(self, theta: Array) -> tuple[float, Array]: ...
    def hessian(self, theta: Array) -> Array: ...
    def hvp(self, theta: Array, u: Array) -> Array: ...


@dataclass(frozen=True)
class Iterate:
    """A point and what is known there: theta, L(theta) and dL/dtheta."""

    theta: Array
    loss: float
    grad: Array


class Solver(Protocol):
    """One update rule. `step` returns the next iterate, or None where no step lowers the loss
    beyond its rounding (the optimum, to float64 precision, for the solver's model of L)."""

    def step(self, objective: Objective, at: Iterate) -> Iterate | None: ...


@dataclass(frozen=True)
class Trajectory:
    """What `minimize` returns.

    theta       the final parameters
    losses      L at every iterate, the start included: (n_iter + 1,)
    grad_norms  ||g||inf at every iterate: (n_iter + 1,)
    converged   whether ||g||inf reached tol
    stalled     whether the solver found no step that lowers the loss beyond its rounding
    """

    theta: Array
    losses: Array
    grad_norms: Array
    converged: bool
    stalled: bool

    @property
    def n_iter(self) -> int:
        return len(self.losses) - 1


def grad_norm(g: Array) -> float:
    """||g||inf = max_j |g_j|."""
    return float(np.max(np.abs(g), initial=0.0))


def minimize(
    objective: Objective,
    theta0: Array,
    solver: Solver,
    *,
    max_iter: int,
    tol: float,
    callback: Callable[[int, Iterate], None] | None = None,
    outward: Callable[[Iterate], Iterate] | None = None,
) -> Trajectory:
    """Run `solver` from theta0 until ||g||inf <= tol (tol > 0) or max_iter steps.

    callback(k, iterate) is called at every iterate k = 0, 1, ..., n_iter. Where the solver stalls
    and tol = 0 asks for max_iter steps, the remaining steps are steps of length 0.

    outward: where the solver runs in other coordinates than the user's (`fit` runs Newton on
    centred features), the map of an iterate to the user's; the gradient norms, tol, callback
    and the returned theta are the user's. theta0 is in the solver's coordinates.
    """
    user = outward if outward is not None else (lambda it: it)
    f, g = objective.loss_and_gradient(theta0.copy())
    at = Iterate(theta0.copy(), f, g)
    seen = user(at)
    losses, norms = [f], [grad_norm(seen.grad)]
    if callback is not None:
        callback(0, seen)
    stalled = False
    for k in range(1, max_iter + 1):
        if tol > 0 and norms[-1] <= tol:
            break
        following = None if stalled else solver.step(objective, at)
        if following is None:
            stalled = True
            if tol > 0:
                break
        else:
            at = following
            seen = user(at)
        losses.append(at.loss)
        norms.append(grad_norm(seen.grad))
        if callback is not None:
            callback(k, seen)
    return Trajectory(
        theta=seen.theta,
        losses=np.array(losses),
        grad_norms=np.array(norms),
        converged=bool(norms[-1] <= tol),
        stalled=stalled,
    )
