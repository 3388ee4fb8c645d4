"""A tiny cached kernel that shows where numba's cache of the solver kernels lives.

It sits in the same folder as the solver kernels, so numba gives it the same cache
folder; ``sklearn-tilt compile`` reports that folder through it, and the tests of
the cache machinery compile it (a fraction of a second) instead of a solver.
"""

from ._jit import njit


@njit(cache=True)
def probe(x):
    """``x + 1`` (for any numba scalar type: each type compiles its own version)."""
    return x + 1


@njit(cache=True)
def probe_calls(x):
    """``probe(x) + probe(1)``: one call with an int64, one with a constant."""
    return probe(x) + probe(1)


@njit(cache=False)
def probe_route(x):
    """``x.sum() + 1``: the kernel on which :func:`._interpret.routing_works` checks,
    without compiling it, that a call can run as Python."""
    return x.sum() + 1.0
