"""Route a binary problem to the solver of its loss."""

import numpy as np
import scipy.sparse as sp

from ._losses import loss_values

LOSSES = ("hinge", "softplus")


def primal_objective(X, y, sample_weight, lam, loss, coef, intercept):
    """``sum_i s_i f(y_i (w.x_i + b)) / sum(s) + lam ||w||^2`` in float64 (reference)."""
    coef = np.asarray(coef, dtype=np.float64)
    scores = X @ coef if not sp.issparse(X) else X.dot(coef)
    z = y * (np.asarray(scores, dtype=np.float64) + intercept)
    s = sample_weight
    return float(np.dot(s, loss_values(z, loss)) / s.sum() + lam * np.dot(coef, coef))


def solve_binary(X, y, sample_weight, lam, loss, *, tol, max_iter, fit_intercept=True,
                 coef_init=None, intercept_init=None, dual_init=None):
    """Solve one binary problem; see the package docstring."""
    if loss == "hinge":
        from ._hinge import hinge_solve

        return hinge_solve(X, y, sample_weight, lam, tol=tol, max_iter=max_iter,
                           fit_intercept=fit_intercept, coef_init=coef_init,
                           intercept_init=intercept_init, dual_init=dual_init)
    if loss == "softplus":
        from ._softplus import softplus_solve

        return softplus_solve(X, y, sample_weight, lam, tol=tol, max_iter=max_iter,
                              fit_intercept=fit_intercept, coef_init=coef_init,
                              intercept_init=intercept_init, dual_init=dual_init)
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def solve_path(X, y, sample_weight, lams, loss, *, tol, max_iter, fit_intercept=True,
               coef_init=None, intercept_init=None):
    """Warm-started path over ``lams``; results in the order of ``lams``."""
    if loss == "hinge":
        from ._hinge import hinge_path

        return hinge_path(X, y, sample_weight, lams, tol=tol, max_iter=max_iter,
                          fit_intercept=fit_intercept, coef_init=coef_init,
                          intercept_init=intercept_init)
    if loss == "softplus":
        from ._softplus import softplus_path

        return softplus_path(X, y, sample_weight, lams, tol=tol, max_iter=max_iter,
                             fit_intercept=fit_intercept, coef_init=coef_init,
                             intercept_init=intercept_init)
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
