"""Route a binary problem to the solver of its loss."""

import numpy as np
import scipy.sparse as sp

from . import _interpret
from ._canonical import exact_float32
from ._losses import LOSSES, loss_values
from .hinge import interior_point_fits

HINGE_METHODS = ("auto", "interior_point", "active_set", "dcd")

# "auto" keeps the active-set method (Gram cache, exact subproblems) on
# problems up to this many samples, where it wins (the paper's paths); above,
# or when its row cache (dense float64 rows) would not fit, dual coordinate
# descent at O(nnz) per pass (benchmarks/bench_hinge_methods.py measures the
# switch, its report gives the figures)
_ACTIVE_SET_MAX_SAMPLES = 10_000
# a path over a fine grid (consecutive lams within this factor) on dense rows
# that fit the cache keeps the active-set path at any n: its warm starts
# (extrapolated in C) need a few outer iterations per lam, fewer passes than
# coordinate descent needs on such a grid (benchmarks/results/hinge_methods.md)
_FINE_GRID_RATIO = 2.0


def hinge_method(X, method="auto", lams=None):
    """The hinge method that ``method`` selects for ``X`` ("interior_point",
    "active_set" or "dcd"); ``lams``: the grid of a path (``None`` for a single fit).

    "auto": the interior-point method where its iterations are cheap (few
    samples and features: :func:`.hinge.interior_point_fits`) for single
    fits, at every ``lam`` (its cost hardly depends on ``lam``); paths keep the
    warm-started methods below.
    """
    if method not in HINGE_METHODS:
        raise ValueError(f"method must be one of {HINGE_METHODS}, got {method!r}")
    if method != "auto":
        return method
    from .hinge import active_set_fits

    if lams is None and interior_point_fits(X):
        return "interior_point"
    if not active_set_fits(X):
        return "dcd"
    if X.shape[0] <= _ACTIVE_SET_MAX_SAMPLES:
        return "active_set"
    if lams is not None and not sp.issparse(X):
        try:
            g = np.sort(np.asarray(lams, dtype=np.float64).ravel())
        except (TypeError, ValueError):
            return "dcd"  # the solver names what is wrong with lams
        if g.size > 1 and np.all(g > 0) and np.all(g[1:] <= _FINE_GRID_RATIO * g[:-1]):
            return "active_set"
    return "dcd"


def solver_input(X, loss, method="auto", lams=None):
    """``X`` as the solver of ``loss`` reads it fastest, holding the same numbers, for
    a caller that solves several problems on it (one per class).

    The hinge coordinate-descent method (where :func:`hinge_method` picks it)
    streams ``X`` once per pass: float64 data whose values are all exactly float32
    (pixels, counts) are given to it as float32 (:func:`._canonical.exact_float32`,
    a copy of half the size of ``X``, made once for all the problems). Every other
    input, loss and method gets ``X`` itself. A single problem converts on its own
    once its passes have paid for the copy (:mod:`.hinge._dcd_workspace`).
    """
    if loss == "hinge" and hinge_method(X, method, lams) == "dcd":
        return exact_float32(X)
    return X


def primal_objective(X, y, sample_weight, lam, loss, coef, intercept):
    """``sum_i s_i f(y_i (w.x_i + b)) / sum(s) + lam ||w||^2`` in float64 (reference)."""
    coef = np.asarray(coef, dtype=np.float64)
    scores = X @ coef if not sp.issparse(X) else X.dot(coef)
    z = y * (np.asarray(scores, dtype=np.float64) + intercept)
    s = sample_weight
    return float(np.dot(s, loss_values(z, loss)) / s.sum() + lam * np.dot(coef, coef))


def solve_binary(
    X,
    y,
    sample_weight,
    lam,
    loss,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    dual_init=None,
    method="auto",
    check_input=True,
):
    """Solve one binary problem; see the package docstring.

    ``method`` chooses the hinge solver (see :func:`hinge_method`);
    ``check_input=False`` skips the scans of the arrays (finite ``X``, ``+-1``
    labels, non-negative weights) for callers that have validated them already.
    Small problems run without compiling kernels that are not compiled yet
    (:mod:`._interpret`).
    """
    return _interpret.run_tiered(
        _interpret.work_of(X),
        _solve_binary,
        X,
        y,
        sample_weight,
        lam,
        loss,
        tol=tol,
        max_iter=max_iter,
        fit_intercept=fit_intercept,
        coef_init=coef_init,
        intercept_init=intercept_init,
        dual_init=dual_init,
        method=method,
        check_input=check_input,
    )


def _solve_binary(
    X,
    y,
    sample_weight,
    lam,
    loss,
    *,
    tol,
    max_iter,
    fit_intercept,
    coef_init,
    intercept_init,
    dual_init,
    method,
    check_input,
):
    if loss == "hinge":
        from . import hinge

        names = {"interior_point": "ipm_solve", "dcd": "dcd_solve"}
        solver = getattr(hinge, names.get(hinge_method(X, method), "solve"))
    elif method not in HINGE_METHODS:
        raise ValueError(f"method must be one of {HINGE_METHODS}, got {method!r}")
    elif loss == "softplus":
        from .softplus import solve as solver
    else:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    return solver(
        X,
        y,
        sample_weight,
        lam,
        tol=tol,
        max_iter=max_iter,
        fit_intercept=fit_intercept,
        coef_init=coef_init,
        intercept_init=intercept_init,
        dual_init=dual_init,
        check_input=check_input,
    )


def solve_path(
    X,
    y,
    sample_weight,
    lams,
    loss,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    method="auto",
    check_input=True,
):
    """Warm-started path over ``lams``; results in the order of ``lams``.

    Small problems run without compiling kernels that are not compiled yet
    (:mod:`._interpret`).
    """
    return _interpret.run_tiered(
        _interpret.work_of(X, np.size(lams)),
        _solve_path,
        X,
        y,
        sample_weight,
        lams,
        loss,
        tol=tol,
        max_iter=max_iter,
        fit_intercept=fit_intercept,
        coef_init=coef_init,
        intercept_init=intercept_init,
        method=method,
        check_input=check_input,
    )


def _solve_path(
    X,
    y,
    sample_weight,
    lams,
    loss,
    *,
    tol,
    max_iter,
    fit_intercept,
    coef_init,
    intercept_init,
    method,
    check_input,
):
    if loss == "hinge":
        from . import hinge

        names = {"interior_point": "ipm_path", "dcd": "dcd_path"}
        solver = getattr(hinge, names.get(hinge_method(X, method, lams), "path"))
    elif method not in HINGE_METHODS:
        raise ValueError(f"method must be one of {HINGE_METHODS}, got {method!r}")
    elif loss == "softplus":
        from .softplus import path as solver
    else:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    return solver(
        X,
        y,
        sample_weight,
        lams,
        tol=tol,
        max_iter=max_iter,
        fit_intercept=fit_intercept,
        coef_init=coef_init,
        intercept_init=intercept_init,
        check_input=check_input,
    )
