"""The sigmoid and the softplus, exact in float64 for every finite input.

    sigmoid(z)  = 1 / (1 + exp(-z))          sigmoid'(z) = sigmoid(z) * sigmoid(-z)
    softplus(z) = log(1 + exp(z))            softplus'(z) = sigmoid(z)

Identities used below: 1 - sigmoid(z) = sigmoid(-z) and softplus(z) - z = softplus(-z).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from manual.checks import Array, as_real_array


def tail(z: Array) -> Array:
    """e = exp(-|z|), in (0, 1]: it never overflows (the naive exp(-z) does for z < -709), and it
    underflows to 0 only where sigmoid(z) itself is 0 or 1 to float64 precision. Every form below
    is built on it, so that a caller needing several of them computes one exp."""
    return np.exp(np.copysign(z, -1.0))  # copysign(z, -1) = -|z|, in one operation


def sigmoid_from_tail(z: Array, e: Array) -> Array:
    """sigmoid(z) given e = tail(z). z >= 0: 1 / (1 + e). z < 0: multiply top and bottom by
    exp(z) to get e / (1 + e). One add and one divide of positive numbers: a few ulps, nothing
    cancels. The top, 1 or e, is max(e, z >= 0) (e <= 1): the choice without a branch.
    (tail(-z) = tail(z), so sigmoid(-z) = sigmoid_from_tail(-z, e).)"""
    return np.maximum(e, z >= 0) / (1.0 + e)


def softplus_from_tail(z: Array, e: Array) -> Array:
    """softplus(z) = log(1 + exp(z)) = max(z, 0) + log1p(e), e = tail(z): log1p keeps the tail
    e < 1e-16 that log(1 + .) would round to 0. Both terms are >= 0: exact to a few ulps."""
    return np.maximum(z, 0.0) + np.log1p(e)


def _sigmoid(z: Array) -> Array:
    return sigmoid_from_tail(z, tail(z))


def _softplus(z: Array) -> Array:
    return softplus_from_tail(z, tail(z))


def _sigmoid_prime(z: Array) -> Array:
    # sigmoid'(z) = p (1 - p) = sigmoid(z) * sigmoid(-z) = [1 / (1 + e)] [e / (1 + e)], e = tail(z),
    # whichever side z is on: a quotient of positive numbers, where 1 - p rounds to 0 for z > 37
    # and leaves p (1 - p) = 0 instead of exp(-z)
    e = tail(z)
    q = 1.0 + e
    return e / q / q


def sigmoid(z: Any) -> Array:
    """sigmoid(z) = 1 / (1 + exp(-z)), elementwise.

    Returns a float64 array shaped like `z`, within a few ulps of the exact value for every finite
    `z` (tested against 60-digit arithmetic up to |z| = 1e300), with no overflow warning.
    """
    return _sigmoid(as_real_array("z", z))


def softplus(z: Any) -> Array:
    """softplus(z) = log(1 + exp(z)), elementwise; a float64 array shaped like `z`.

    Within a few ulps of the exact value for every finite `z`, with no overflow warning.
    """
    return _softplus(as_real_array("z", z))
