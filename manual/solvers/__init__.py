"""The solvers: one driver, and one module per update rule.

    gd          w <- w - lr * dL/dw,  b <- b - lr * dL/db                         (gd.py)
    newton      theta <- theta - t H^+ g, t from a backtracking line search       (newton.py)
    lbfgs       theta <- theta - t H_k g, H_k from the last m steps, Wolfe search (lbfgs.py)
    newton-cg   theta <- theta - t d, d from CG on H d = g through hvp           (newton_cg.py)

Each solver works on an `Objective` (driver.py): anything that gives the loss and gradient, the
Hessian and the Hessian-vector product at a flat parameter vector theta. The hand-derived
`manual.linear.LinearObjective` and the JAX twin's autodiff objective both are one, so the two
twins run the same update rules and differ only in how the derivatives are computed. A new solver
is a new module with a class that has `step`, and one line in `SOLVERS` below.
"""

from typing import Any

from manual.solvers.driver import Iterate, Objective, Solver, Trajectory, minimize
from manual.solvers.gd import GradientDescent
from manual.solvers.lbfgs import LBFGS
from manual.solvers.newton import Newton
from manual.solvers.newton_cg import NewtonCG

SOLVERS: dict[str, Any] = {
    "gd": GradientDescent,
    "newton": Newton,
    "lbfgs": LBFGS,
    "newton-cg": NewtonCG,
}

__all__ = [
    "LBFGS",
    "SOLVERS",
    "GradientDescent",
    "Iterate",
    "Newton",
    "NewtonCG",
    "Objective",
    "Solver",
    "Trajectory",
    "minimize",
]
