"""Exercise 3: the gradient of the softmax (multinomial) loss, derived by you.

    Z = X @ W + b,   p_k = exp(z_k) / sum_j exp(z_j)   (row by row)
    L(W, b) = mean_i [ logsumexp(Z_i) - Z_{i, y_i} ] + (l2 / 2) ||W||_F^2   (b not penalized)

Fill in `gradient`, then grade it:

    uv run scripts/grade.py scripts/exercises/softmax_stub.py

(`MODEL = "multinomial"` below tells the grader which model this file derives.)

Shapes: X (n, d), or (n,) for one feature; y (n,) of integer labels in 0..K-1; W (d, K); b (K,).
Return (grad_W, grad_b): arrays of shapes (d, K) and (K,).

Steps, one derivative each (write them down before the code):
    1. dp_k/dz_j        = ?     (the softmax Jacobian: mind the terms off its diagonal)
    2. dl_i/dz_i        = ?     (l_i = -log p_{y_i}; chain (1) through it, or differentiate
                                 logsumexp(z) - z_y directly: the answer is short)
    3. dL/dW, dL/db     = ?     (mean over i, then the penalty: every class's weights, no b)
    4. exp(z) overflows past z ~ 709: what can you subtract from every z_k without changing p?
"""

import numpy as np

MODEL = "multinomial"


def gradient(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=np.float64).reshape(len(y), -1)  # a 1-D X is one feature
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    # TODO: Y = the one-hot rows of y (n, K), Z, P = softmax(Z) row by row, then the two
    # derivatives
    raise NotImplementedError("gradient: fill in the derivation")
