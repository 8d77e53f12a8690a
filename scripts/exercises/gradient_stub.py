"""Exercise 1: the gradient of the logistic loss, derived by you.

    L(w, b) = mean_i [ log(1 + exp(z_i)) - y_i z_i ] + (l2 / 2) ||w||^2,    z = X @ w + b

Fill in `gradient`, then grade it:

    uv run scripts/grade.py scripts/exercises/gradient_stub.py

Shapes: X (n, d), or (n,) for one feature; y (n,) of 0/1; w (d,); b a float.
Return (grad_w, grad_b): an array of shape (d,) and a float.

Steps, one derivative each (write them down before the code):
    1. dl_i/dz_i   = ?          (the derivative of log(1 + exp(z)) is ...)
    2. dz_i/dw     = ?,  dz_i/db = ?
    3. dL/dw       = mean over i of (1) times (2), plus the penalty's derivative
    4. dL/db       = ...        (is the intercept in the penalty?)
"""

import numpy as np


def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=np.float64).reshape(len(y), -1)  # a 1-D X is one feature
    w = np.asarray(w, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    # TODO: z, p = sigmoid(z), then the two derivatives
    raise NotImplementedError("gradient: fill in the derivation")
