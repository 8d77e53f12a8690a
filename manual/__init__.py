"""Logistic regression in NumPy with every derivative derived by hand.

Pure functions of (w, b, X, y); see CONTRACT in the README for the symbols and shapes.
"""

from manual.objective import gradient, hessian, loss
from manual.predict import predict, predict_proba
from manual.sigmoid import sigmoid, softplus

__all__ = [
    "gradient",
    "hessian",
    "loss",
    "predict",
    "predict_proba",
    "sigmoid",
    "softplus",
]
