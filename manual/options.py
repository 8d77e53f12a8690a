"""The options of `fit`, checked in one place for every model and both twins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from manual.checks import as_count, as_scalar
from manual.solvers import SOLVERS, Solver
from manual.solvers.lbfgs import DEFAULT_MEMORY
from manual.solvers.newton_cg import DEFAULT_CG_TOL


@dataclass(frozen=True)
class FitOptions:
    """solver, lr (None: gd's default 1 / L_smooth), max_iter, tol and l2, checked; and the
    options of one solver each: memory (lbfgs: the pairs kept), cg_tol (newton-cg: the largest
    forcing term, in (0, 1)) and cg_max_iter (newton-cg: Hessian products a step; None: twice the
    number of parameters)."""

    solver: str
    lr: float | None
    max_iter: int
    tol: float
    l2: float
    memory: int = DEFAULT_MEMORY
    cg_tol: float = DEFAULT_CG_TOL
    cg_max_iter: int | None = None

    @classmethod
    def checked(
        cls,
        *,
        solver: Any,
        lr: Any,
        max_iter: Any,
        tol: Any,
        l2: Any,
        memory: Any = DEFAULT_MEMORY,
        cg_tol: Any = DEFAULT_CG_TOL,
        cg_max_iter: Any = None,
    ) -> FitOptions:
        if not isinstance(solver, str) or solver not in SOLVERS:
            raise ValueError(f"solver must be one of {tuple(SOLVERS)}, got {solver!r}")
        cg_tol = as_scalar("cg_tol", cg_tol, low=0.0, low_open=True)
        if cg_tol >= 1.0:  # a forcing term of 1 or more accepts d = 0: no step at all
            raise ValueError(f"cg_tol must lie in (0.0, 1.0); got {cg_tol!r}")
        return cls(
            solver=solver,
            lr=None if lr is None else as_scalar("lr", lr, low=0.0, low_open=True),
            max_iter=as_count("max_iter", max_iter),
            tol=as_scalar("tol", tol, low=0.0),
            l2=as_scalar("l2", l2, low=0.0),
            memory=as_count("memory", memory, low=1),
            cg_tol=cg_tol,
            cg_max_iter=None
            if cg_max_iter is None
            else as_count("cg_max_iter", cg_max_iter, low=1),
        )

    def make_solver(self, default_lr: Any) -> Solver:
        """The solver named by `solver`, built from these options; default_lr() gives gd's step
        where lr was not given (called only then: it costs a pass over X)."""
        solver: Solver = SOLVERS[self.solver].from_options(self, default_lr)
        return solver
