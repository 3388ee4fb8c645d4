"""Shared input handling for the scaled-loss estimators."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.extmath import row_norms

from .._compat import _check_sample_weight


def effective_sample_weight(sample_weight, y, class_weight, X):
    """Sample weights times class weights, validated and float64.

    Raises a clear error when every weight is zero or one is negative or non-finite.
    """
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    sw = np.array(sw, dtype=np.float64, copy=True)
    if class_weight is not None:
        sw *= compute_sample_weight(class_weight, y)
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity")
    if sw.sum() <= 0:
        raise ValueError(
            "sample_weight sums to zero: at least one sample must have positive weight"
        )
    return sw


def check_problem_scale(X, lam_min):
    """Raise a ValueError when the problem leaves the floating-point range of ``X``.

    Two bounds, in the dtype of ``X`` (float32 or float64):

    - every squared sample norm ``||x_i||^2`` must be finite (the solvers form
      inner products of samples);
    - at any ``lam >= lam_min`` the optimal ``w`` satisfies
      ``2 lam w = sum_i c_i y_i x_i`` with ``0 <= c_i`` summing to at most 1
      (the hinge dual box, or the softplus gradient), so
      ``||w|| <= R / (2 lam)`` with ``R = max_i ||x_i||``: that bound squared
      must be finite too, or ``lam ||w||^2`` and the duality gap cannot be
      evaluated (``lam = 1e-300`` on unit-scale data).

    The objective is invariant under ``X -> c X``, ``lam -> c**2 lam``
    (``w -> w / c``), which the messages suggest.
    """
    fmax = float(np.finfo(X.dtype).max)
    with np.errstate(over="ignore", invalid="ignore"):
        sq = row_norms(X, squared=True)
    if not np.all(np.isfinite(sq)):
        i = int(np.flatnonzero(~np.isfinite(sq))[0])
        raise ValueError(
            f"X is too large for {X.dtype}: the squared norm ||x||^2 of sample {i} overflows "
            f"(largest |x| entry {_max_abs(X):.3g}); rescale X (the fit of c * X at "
            "c**2 * lam is the fit of X at lam, with w divided by c)"
        )
    radius = float(np.sqrt(np.max(sq, initial=0.0)))
    w_bound = radius / (2.0 * lam_min)
    if not w_bound * w_bound < fmax:
        raise ValueError(
            f"lam={lam_min:g} is too small for the scale of X: ||w|| may reach "
            f"max ||x|| / (2 lam) = {w_bound:.3g}, whose square (and lam ||w||^2) is out of "
            f"{X.dtype} range; use lam >= {radius / (2.0 * np.sqrt(fmax)) * 10:.3g} "
            "or rescale X"
        )


def _max_abs(X):
    vals = X.data if sp.issparse(X) else X
    return float(np.max(np.abs(vals), initial=0.0))


def as_solver_input(X):
    """C-contiguous dense array or CSR matrix with sorted indices, dtype kept."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        if not X.has_sorted_indices:
            X = X.sorted_indices()
        return X
    return np.ascontiguousarray(X)


def ovr_targets(y, classes):
    """One +-1 target vector per boundary: one for binary (classes[1] is +1), K for multiclass."""
    if len(classes) == 2:
        return [np.where(y == classes[1], 1.0, -1.0)]
    return [np.where(y == c, 1.0, -1.0) for c in classes]


# relative rounding allowance of ``primal_objective`` (float64 sums of n
# non-negative terms, pairwise: far below this for any n that fits in memory)
_OBJECTIVE_ROUNDING = 1e-12


def certify_stored(X, y, sw, lam, loss, res, coef, intercept):
    """Relative gap and objective of the point as stored, ``(coef, intercept)``.

    The solvers certify their float64 ``(w, b)``; for float32 input the
    estimators store ``w`` (and ``b``) rounded to float32, and at small ``lam``
    that rounding alone can move the objective by more than ``tol``. The dual
    lower bound ``D >= P (1 - gap)`` of the solver's point is unchanged by the
    rounding, so the stored point is certified by its own primal value ``P'``:
    ``(P' (1 + r) - D) / P'`` with ``r`` the rounding allowance of evaluating
    ``P'`` in float64. For float64 storage the solver's certificate is returned.
    """
    coef64 = np.asarray(coef, dtype=np.float64)
    b64 = float(intercept)
    if np.array_equal(coef64, res.coef) and b64 == float(res.intercept):
        return float(res.gap), float(res.primal)
    from .._solvers import primal_objective

    dual_low = float(res.primal) * (1.0 - float(res.gap))
    primal = primal_objective(X, y, sw, lam, loss, coef64, b64)
    up = primal * (1.0 + _OBJECTIVE_ROUNDING)
    gap = (up - dual_low) / max(up, 1e-300)
    if not gap > 0.0:
        gap = float(res.gap)
    return float(gap), float(primal)
