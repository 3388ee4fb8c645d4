"""Numba solvers for ``(1/S) sum_i s_i f(y_i (w.x_i + b)) + lam ||w||^2``.

Arrays and scalars in, arrays out; no scikit-learn imports here.

Public entry points (used by :mod:`sklearn_tilt.linear_model`):

``solve_binary(X, y, sample_weight, lam, loss, *, tol, max_iter, fit_intercept=True,
coef_init=None, intercept_init=None, dual_init=None) -> SolverResult``

``solve_path(X, y, sample_weight, lams, loss, *, tol, max_iter, fit_intercept=True,
coef_init=None, intercept_init=None) -> list[SolverResult]`` (one result per lam, in
the order of ``lams``; warm-started from strong to weak regularisation).

``X`` is a C-contiguous float32/float64 array or a CSR matrix of the same dtypes,
``y`` a float64 array of +-1, ``sample_weight`` a float64 array of non-negative
weights (``S = sum(s)``).
"""

from . import _jit_cache

# before any ``cache=True`` kernel is defined: a cache folder must exist for them
_jit_cache.install_fallback_locator()
_jit_cache.register_notice()

from ._common import SolverResult, kernel_arrays
from ._dispatch import primal_objective, solve_binary, solve_path

__all__ = ["SolverResult", "kernel_arrays", "primal_objective", "solve_binary", "solve_path"]
