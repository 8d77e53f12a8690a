"""sigmoid and softplus from jax.nn, returned as NumPy float64."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from manual.checks import Array, as_real_array

_sigmoid = jax.jit(jax.nn.sigmoid)
_softplus = jax.jit(jax.nn.softplus)


def sigmoid(z: Any) -> Array:
    """sigmoid(z) = 1 / (1 + exp(-z)) by jax.nn.sigmoid; a float64 array shaped like z."""
    return np.asarray(_sigmoid(as_real_array("z", z)), dtype=np.float64)


def softplus(z: Any) -> Array:
    """softplus(z) = log(1 + exp(z)) by jax.nn.softplus; a float64 array shaped like z."""
    return np.asarray(_softplus(as_real_array("z", z)), dtype=np.float64)
