"""The JAX twin of `manual`: the loss written once in jax.numpy, every derivative by autodiff.

Same names, signatures and return types as `manual`; results come back as NumPy float64.
"""

import jax

# float64 everywhere: without this, JAX silently computes in float32.
jax.config.update("jax_enable_x64", True)

from manual.categories import ConvergenceWarning, LogregWarning, SeparationWarning  # noqa: E402
from manual.fit import FitResult, lipschitz  # noqa: E402
from reference import multinomial as multinomial  # noqa: E402  (K classes)
from reference.fit import fit  # noqa: E402
from reference.objective import gradient, hessian, hvp, loss  # noqa: E402
from reference.predict import predict, predict_proba  # noqa: E402
from reference.sigmoid import sigmoid, softplus  # noqa: E402

__all__ = [
    "ConvergenceWarning",
    "FitResult",
    "LogregWarning",
    "SeparationWarning",
    "fit",
    "gradient",
    "hessian",
    "hvp",
    "lipschitz",
    "loss",
    "predict",
    "predict_proba",
    "sigmoid",
    "softplus",
]
