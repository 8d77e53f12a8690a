"""The project's own warning categories: filter them with `warnings.simplefilter(..., category)`."""

import sys
import warnings
from types import FrameType

# the project's packages: a warning is attributed to the first line outside them
_PACKAGES = frozenset({"manual", "reference"})


class LogregWarning(UserWarning):
    """Base class of every warning this project issues."""


class ConvergenceWarning(LogregWarning):
    """max_iter ended the run before the gradient norm reached tol."""


class SeparationWarning(LogregWarning):
    """The data are linearly separable: the maximum-likelihood weights do not exist."""


def warn(message: str, category: type[LogregWarning]) -> None:
    """warnings.warn, attributed to the caller's line: the first frame outside manual/ and
    reference/, however deep in them the warning arose (fit -> run, the JAX twin's fit -> run,
    check_gradient -> _value), so that the warning names the user's own code."""
    frame, level = sys._getframe(1), 2  # level 2: the function that called warn
    while frame.f_back is not None and _in_project(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _in_project(frame: FrameType) -> bool:
    return str(frame.f_globals.get("__name__", "")).partition(".")[0] in _PACKAGES
