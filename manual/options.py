"""The options of `fit`, checked in one place for every model and both twins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from manual.checks import as_count, as_scalar
from manual.solvers import SOLVERS, Solver


@dataclass(frozen=True)
class FitOptions:
    """solver, lr (None: gd's default 1 / L_smooth), max_iter, tol and l2, checked."""

    solver: str
    lr: float | None
    max_iter: int
    tol: float
    l2: float

    @classmethod
    def checked(cls, *, solver: Any, lr: Any, max_iter: Any, tol: Any, l2: Any) -> FitOptions:
        if not isinstance(solver, str) or solver not in SOLVERS:
            raise ValueError(f"solver must be one of {tuple(SOLVERS)}, got {solver!r}")
        return cls(
            solver=solver,
            lr=None if lr is None else as_scalar("lr", lr, low=0.0, low_open=True),
            max_iter=as_count("max_iter", max_iter),
            tol=as_scalar("tol", tol, low=0.0),
            l2=as_scalar("l2", l2, low=0.0),
        )

    def make_solver(self, default_lr: Any) -> Solver:
        """The solver named by `solver`, built from these options; default_lr() gives gd's step
        where lr was not given (called only then: it costs a pass over X)."""
        solver: Solver = SOLVERS[self.solver].from_options(self, default_lr)
        return solver
