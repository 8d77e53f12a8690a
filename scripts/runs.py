"""What the main job does around a fit, for the binary and the softmax model alike: run it with
its warnings recorded (printed after the run, not in the middle of its table), then say how it
ended."""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from typing import Any

import manual


def fit_recording(
    fit: Callable[..., Any], data: Any, args: argparse.Namespace, printer: Any, **options: Any
) -> tuple[Any, list[warnings.WarningMessage]]:
    """fit(data.X, data.y, solver, tol, l2, callback=printer, **options), with the project's
    warnings recorded; the printer is finished after the run."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", manual.LogregWarning)
        res = fit(
            data.X,
            data.y,
            solver=args.solver,
            tol=args.tol,
            l2=args.l2,
            callback=printer,
            **options,
        )
    printer.finish()
    return res, caught


def print_ending(res: Any, caught: list[warnings.WarningMessage]) -> None:
    """The warnings of the run, then how it ended: converged or stopped, its loss and ||g||inf."""
    for warning in caught:
        print(f"warning ({warning.category.__name__}): {warning.message}")
    state = "converged" if res.converged else "stopped"
    print(
        f"{state} after {res.n_iter} steps: loss {res.losses[-1]:.16g}, "
        f"||g||inf {res.grad_norms[-1]:.2e}"
    )
