"""The loss functions of the solvers, in one place.

``f(z)`` of a margin ``z = y (w.x + b)``:

* hinge: ``max(1 - z, 0)``;
* softplus: ``log(1 + exp(-z))``, with derivative ``-sigmoid(-z)`` and second
  derivative ``sigmoid(z) sigmoid(-z)``.

Scalar numba versions (inlined into the kernels; stable for every sign and
magnitude) and a float64 numpy version for whole arrays.
"""

import math

import numpy as np

from ._jit import njit

#: the names of the losses, in one place
LOSSES = ("hinge", "softplus")


@njit(cache=True, inline="always")
def hinge(z):
    """``max(1 - z, 0)``."""
    return max(1.0 - z, 0.0)


@njit(cache=True, inline="always")
def softplus(z):
    """``log(1 + exp(-z))``."""
    if z > 0.0:
        return math.log1p(math.exp(-z))
    return -z + math.log1p(math.exp(z))


@njit(cache=True, inline="always")
def expit(t):
    """``1 / (1 + exp(-t))``; ``expit(-z)`` is minus the slope of the softplus loss."""
    if t >= 0.0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@njit(cache=True, inline="always")
def softplus_curvature(z):
    """``sigmoid(z) sigmoid(-z)``, the second derivative of the softplus loss."""
    e = math.exp(-abs(z))
    return e / ((1.0 + e) * (1.0 + e))


@njit(cache=True, inline="always")
def softplus_parts(z):
    """``(log(1 + exp(-z)), sigmoid(-z), sigmoid(z) sigmoid(-z))`` from one exponential:
    the softplus loss, minus its slope and its second derivative."""
    e = math.exp(-abs(z))
    q = 1.0 / (1.0 + e)
    if z > 0.0:
        return math.log1p(e), e * q, e * q * q
    return -z + math.log1p(e), q, e * q * q


def loss_values(z, loss):
    """``f(z)`` elementwise in float64 for ``loss`` in {"hinge", "softplus"}."""
    z = np.asarray(z, dtype=np.float64)
    if loss == "hinge":
        return np.maximum(1.0 - z, 0.0)
    if loss == "softplus":
        return np.logaddexp(0.0, -z)
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
