"""Full-batch gradient descent: theta <- theta - lr * dL/dtheta.

With lr <= 1 / L_smooth (L_smooth a bound on the Hessian's largest eigenvalue), the descent lemma
L(theta - lr g) <= L(theta) - lr (1 - lr L_smooth / 2) ||g||^2 says that the loss never rises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from manual.solvers.driver import Iterate, Objective


@dataclass(frozen=True)
class GradientDescent:
    lr: float

    @classmethod
    def from_options(cls, options: Any, default_lr: Callable[[], float]) -> GradientDescent:
        return cls(options.lr if options.lr is not None else float(default_lr()))

    def step(self, objective: Objective, at: Iterate) -> Iterate:
        theta = at.theta - self.lr * at.grad
        f, g = objective.loss_and_gradient(theta)
        return Iterate(theta, f, g)
