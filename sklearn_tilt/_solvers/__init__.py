"""Numba solvers for ``(1/S) sum_i s_i f(y_i (w.x_i + b)) + lam ||w||^2``.

Arrays and scalars in, arrays out; no scikit-learn imports here.

Public entry points (used by :mod:`sklearn_tilt.linear_model`):

``solve_binary(X, y, sample_weight, lam, loss, *, tol, max_iter, fit_intercept=True,
coef_init=None, intercept_init=None, dual_init=None, method="auto") -> SolverResult``

``solve_path(X, y, sample_weight, lams, loss, *, tol, max_iter, fit_intercept=True,
coef_init=None, intercept_init=None, method="auto") -> list[SolverResult]`` (one result
per lam, in the order of ``lams``; warm-started from strong to weak regularisation).

``method`` (hinge only; softplus accepts ``"auto"``): ``"active_set"`` (a
decomposition method on a bounded Gram cache, best on dense problems of up to
about 10^4 samples, and on fine-grid paths of dense rows at any size),
``"dcd"`` (dual coordinate descent with the intercept's equality constraint kept
exact by an augmented Lagrangian, O(nnz) per pass and O(nnz + n + d) memory, for
large or sparse problems) or ``"auto"`` (chosen from the input and, for a path,
the grid: see ``hinge_method``).  Both return the same certified solution.

``X`` is a C-contiguous float32/float64 array or a CSR matrix of the same dtypes,
``y`` a float64 array of +-1, ``sample_weight`` a float64 array of non-negative
weights (``S = sum(s)``).
"""

from . import _jit_cache
from ._canonical import SMALL_INPUT
from ._common import SolverResult, kernel_arrays
from ._dispatch import (
    HINGE_METHODS,
    hinge_method,
    primal_objective,
    solve_binary,
    solve_path,
    solver_input,
)
from ._interpret import jit_mode
from ._jit_cache import compile_count, quiet_notice


def cache_folder():
    """The folder of numba's cache of the solver kernels, or None if caching is off."""
    from ._probe import probe

    return _jit_cache.cache_dir(probe)


__all__ = [
    "HINGE_METHODS",
    "SMALL_INPUT",
    "SolverResult",
    "cache_folder",
    "compile_count",
    "hinge_method",
    "jit_mode",
    "kernel_arrays",
    "primal_objective",
    "quiet_notice",
    "solve_binary",
    "solve_path",
    "solver_input",
]
