"""The project's own warning categories: filter them with `warnings.simplefilter(..., category)`."""


class LogregWarning(UserWarning):
    """Base class of every warning this project issues."""


class ConvergenceWarning(LogregWarning):
    """max_iter ended the run before the gradient norm reached tol."""


class SeparationWarning(LogregWarning):
    """The data are linearly separable: the maximum-likelihood weights do not exist."""
