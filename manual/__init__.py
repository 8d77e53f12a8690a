"""Logistic regression in NumPy with every derivative derived by hand.

Pure functions of (w, b, X, y): X (n, d), y (n,), w (d,), b a float, z = X @ w + b,
p = sigmoid(z), L(w, b) = mean_i [ log(1 + exp(z_i)) - y_i z_i ] + (l2 / 2) ||w||^2.
"""

from manual import multinomial as multinomial  # softmax regression (K classes)
from manual.binary import gradient, hessian, hvp, loss
from manual.categories import ConvergenceWarning, LogregWarning, SeparationWarning
from manual.fit import FitResult, fit, lipschitz
from manual.gradcheck import (
    GradientCheckReport,
    GradientCheckWarning,
    check_gradient,
    check_hessian,
)
from manual.inference import standard_errors
from manual.predict import predict, predict_proba
from manual.sigmoid import sigmoid, softplus

__all__ = [
    "ConvergenceWarning",
    "FitResult",
    "GradientCheckReport",
    "GradientCheckWarning",
    "LogregWarning",
    "SeparationWarning",
    "check_gradient",
    "check_hessian",
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
    "standard_errors",
]
