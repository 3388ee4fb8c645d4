"""Exact solver for the hinge loss with an unpenalised intercept.

Primal (``S = sum(s)``)::

    P(w, b) = sum_i s_i max(0, 1 - y_i (w.x_i + b)) / S + lam ||w||^2

Dual (after dividing by ``2 lam``), ``C_i = s_i / (2 lam S)``::

    max_a  sum_i a_i - 0.5 ||sum_i a_i y_i x_i||^2,   0 <= a_i <= C_i,
           sum_i a_i y_i = 0            (only with an intercept)

    w = sum_i a_i y_i x_i,   D(a) = 2 lam (sum_i a_i - 0.5 ||w||^2) <= P(w, b).

Modules (each one role): :mod:`._hinge_certificate` (intercept, bounds of
the objectives, relative gap), :mod:`._hinge_gram` (Gram cache),
:mod:`._hinge_cholesky` (factor up/downdates), :mod:`._hinge_qp` (SMO and
active-set subproblems), :mod:`._hinge_select` (``I_up``/``I_low``, working
set), :mod:`._hinge_predict` (path predictor), :mod:`._hinge_passes` (passes
over ``X``), :mod:`._hinge_solve` (the outer loop and the path); this module
holds the Python entry points.

Method: a decomposition method (Joachims 1999) with ``w`` kept explicitly.

* Outer iteration: one sweep over ``X`` gives the scores ``f_i = w.x_i``;
  the certificate is the relative duality gap ``(P - D) / P`` with ``P`` at
  the optimal intercept for the current ``w`` (the 1-D piecewise-linear
  problem in ``b``, solved exactly: an O(n) optimality check of the KKT
  intercept, else a weighted quickselect over the breakpoints; when the
  minimiser is an interval, its midpoint), both objectives bounded with
  allowances for rounding so that the gap is a true bound (see
  :mod:`._hinge_certificate`).  Converged when the gap is at most ``tol``.
* Working set ``B``: every free sample and every sample that violates its
  KKT condition at that intercept, or nearly does (a band of 0.01 in margin
  units); beyond ``q_max`` candidates, the most violating ones of both sides
  of the equality constraint.
* Subproblem: the dual restricted to ``B`` (others fixed) is solved exactly,
  on the ``|B| x |B|`` Gram matrix: SMO with second-order working-set
  selection (Fan, Chen & Lin 2005) while the free set moves a lot (cheap
  steps, what a cold start needs), then a primal active-set method (Newton
  steps on the free set, one Cholesky factorisation, O(|F|^2) up/downdates
  when a sample joins or leaves the free set) that lands on the exact
  minimiser (what a warm start needs).  Numerically dependent free samples
  are dropped from the factor (pivot below 1e-10 of its diagonal), so a
  degenerate Gram matrix never breaks a step.
* Gram entries: a bounded cache (``cap`` rows, least recently used evicted;
  never the ``n x n`` matrix) of float64 copies of the rows and of the inner
  products that were ever needed; missing ones are computed by BLAS on rows
  gathered to float64, one code path for dense and CSR input of either
  dtype.  ``w`` is updated with the changed ``a_i`` only.

Path (largest ``lam`` first): the first ``lam`` starts from the large-``lam``
closed form (every ``a_i = C_i``, ``w`` parallel to the weighted
class-centroid difference ``j - i``), confirmed by the certificate in one
sweep while it holds.  The optimal ``a`` is piecewise affine in ``C``
(Hastie et al. 2004), so every later ``lam`` starts from the linear
extrapolation in ``C`` of the two previous solutions, clipped to the box and
made feasible; ``w`` is rebuilt from it as ``c U + sum_free a_i y_i x_i``
with ``U = sum_{a_i = C_i} s_i y_i x_i`` kept up to date.  ``c`` grows without
bound as ``lam`` goes to 0 and multiplies the rounding residue that samples
leaving ``U`` leave behind, so that residue is tracked: ``U`` is set to exactly
0 when it holds no sample and summed afresh when its error could show in the
certificate (the same holds for ``w`` within a solve: its drift is bounded
and ``w`` is recomputed from ``alpha`` when the bound could matter).  After each subproblem the next ``lam``'s start is
predicted from the tentative solution and its scores are computed in the same
sweep over ``X`` (two dot products per row, memory bound), so a ``lam`` that
is certified right after its subproblem hands the next one its scores for
free; when ``w`` only scales (closed form) or does not change (hard margin),
the scores are rescaled or reused, their error bound carried along.  The
whole loop runs inside numba.
"""

import math

import numpy as np
import scipy.sparse as sp

from ._common import SolverResult, kernel_arrays
from ._hinge_certificate import make_feasible, row_norms
from ._hinge_gram import new_cache
from ._hinge_ipm import interior_point_solve
from ._hinge_passes import scores, w_fresh
from ._hinge_solve import CONVERGED, STALLED, LookAhead, Problem, path_kernel, solve

_Q_MAX = 1000
_CACHE_ROWS = 2000
# paths of more samples than this start from the coordinate-descent dual where
# the closed form is far from the solution at the largest lam
_DCD_START_SAMPLES = 10_000
# diagnostics of the last call (slots used, subproblems, SMO steps, passes, Gram rows,
# ..., w recomputed from alpha, w and scores in compensated arithmetic)
_LAST_STATS = np.zeros(12, dtype=np.int64)
# tuning knobs: working-set band (margin units), subproblem accuracy (fraction of
# tol * P), SMO chunk (0: |B|), unused, linear extrapolation on/off, unused
_OPTS = np.array([0.01, 0.1, 0.0, 0.0, 1.0, 0.0])


def _validate(X, y, sample_weight, tol, max_iter, check_input=True):
    if not (sp.issparse(X) or isinstance(X, np.ndarray)):
        raise TypeError("X must be a numpy array or a CSR matrix")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    n = X.shape[0]
    y = np.ascontiguousarray(y, dtype=np.float64)
    s = np.ascontiguousarray(sample_weight, dtype=np.float64)
    if y.shape != (n,):
        raise ValueError(f"y has shape {y.shape}, expected ({n},)")
    if s.shape != (n,):
        raise ValueError(f"sample_weight has shape {s.shape}, expected ({n},)")
    if check_input and not np.all((y == 1.0) | (y == -1.0)):
        raise ValueError("y must contain only -1 and +1")
    if check_input and (not np.all(np.isfinite(s)) or np.any(s < 0)):
        raise ValueError("sample_weight must be finite and non-negative")
    S = math.fsum(s)  # correctly rounded: the certificate relies on it
    if not S > 0:
        raise ValueError("sample_weight must have a positive sum")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    max_iter = int(max_iter)
    if max_iter < 0:
        raise ValueError(f"max_iter must be non-negative, got {max_iter}")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    vals = X.data if sp.issparse(X) else X
    if check_input and not np.isfinite(vals).all():
        raise ValueError("X contains NaN or infinity")
    return X, y, s, S, float(tol), max_iter


def _check_lam(lam):
    lam = float(lam)
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a positive finite number, got {lam!r}")
    return lam


def _check_classes(y, s, fit_intercept):
    if fit_intercept:
        if not (s[y > 0].sum() > 0 and s[y < 0].sum() > 0):
            raise ValueError("both classes need a positive total sample weight "
                             "when fit_intercept=True")


def _validate_path(X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input):
    """:func:`_validate` plus the checks of a path: every ``lam`` and both classes.

    Returns ``(X, y, s, S, tol, max_iter, lams, fit_intercept)`` with ``lams`` a
    flat float64 array (possibly empty).
    """
    X, y, s, S, tol, max_iter = _validate(X, y, sample_weight, tol, max_iter, check_input)
    lams = np.asarray(lams, dtype=np.float64).reshape(-1)
    for lam in lams:
        _check_lam(lam)
    fit_intercept = bool(fit_intercept)
    if lams.size:
        _check_classes(y, s, fit_intercept)
    return X, y, s, S, tol, max_iter, lams, fit_intercept


def _initial_alpha(ka, y, s, S, C, act, lam, fit_intercept, coef_init, intercept_init,
                   dual_init):
    n = y.shape[0]
    if dual_init is not None:
        alpha = np.array(dual_init, dtype=np.float64, copy=True).reshape(-1)
        if alpha.shape != (n,):
            raise ValueError(f"dual_init has shape {alpha.shape}, expected ({n},)")
        alpha[~np.isfinite(alpha)] = 0.0
        alpha[s == 0] = 0.0
    elif coef_init is not None:
        coef = np.asarray(coef_init, dtype=np.float64).reshape(-1)
        d = ka[1].shape[1]
        if coef.shape != (d,):
            raise ValueError(f"coef_init has shape {coef.shape}, expected ({d},)")
        b0 = float(intercept_init) if (intercept_init is not None and fit_intercept) else 0.0
        f = np.zeros(n)
        scores(*ka, act, act.shape[0], np.ascontiguousarray(coef), f)
        # samples inside the margin of the initial guess start on their bound
        alpha = np.where(y * (f + b0) < 1.0, C, 0.0)
    else:
        # the large-lam closed form: every sample on its bound
        alpha = C.copy()
    make_feasible(y, C, alpha, act, act.shape[0], fit_intercept)
    return alpha


def _far_from_closed_form(ka, s, C, n):
    """Whether ``sum_i C_i ||x_i||^2 > 1`` (the closed-form start is then far
    from the solution: the margins of its ``w`` reach beyond 1)."""
    from ._hinge_dcd import _sqnorms

    return float(np.dot(C, _sqnorms(ka, n))) > 1.0


def _result(coef, intercept, alpha, n_iter, gap, P, status, max_iter):
    if status == CONVERGED:
        message = ""
    elif status == STALLED:
        message = (f"stalled: no further progress possible in floating point at a "
                   f"certified relative duality gap of {gap:.3g} (the subproblems are "
                   f"solved to rounding level and the certificate, which includes "
                   f"allowances for rounding, no longer improves; raising max_iter "
                   f"will not help, a larger tol will)")
    else:
        message = (f"stopped at max_iter={max_iter} with a certified relative duality "
                   f"gap of {gap:.3g}; increase max_iter")
    return SolverResult(coef=coef, intercept=float(intercept), dual=alpha,
                        n_iter=int(n_iter), gap=float(gap), primal=float(P),
                        converged=status == CONVERGED, message=message)


def hinge_solve(X, y, sample_weight, lam, *, tol, max_iter, fit_intercept=True,
                coef_init=None, intercept_init=None, dual_init=None, check_input=True):
    """Solve the hinge problem exactly for one ``lam``; see the module docstring.

    Start: ``dual_init`` (clipped into the box ``[0, C_i]``, values within 1e-12
    of ``C_i`` put on it, and made feasible by shrinking the heavier side of
    ``sum a_i y_i``; callers warm-starting from another ``lam`` pass
    ``alpha * C_new / C_old``); else, with ``coef_init`` (and
    ``intercept_init``), ``a_i = C_i`` for the samples inside its margin and 0
    elsewhere, made feasible; else the large-``lam`` closed form (every
    ``a_i = C_i``).  ``w`` is always rebuilt from the start ``alpha``.

    Returns a :class:`~sklearn_tilt._solvers.SolverResult` whose ``gap`` is the
    relative duality gap at the returned point (``<= tol`` when
    ``converged``), ``n_iter`` the number of outer iterations (subproblems) and
    ``dual`` the ``alpha``.  ``max_iter`` bounds the outer iterations; when
    the solver stops short of ``tol``, ``message`` says why (``max_iter``, or a
    stall at the limit of floating point).  The gap includes allowances for
    rounding: it is never below the true relative suboptimality of
    ``(coef, intercept)``, and never 0.  When the optimal intercept is an
    interval, its midpoint is returned.  ``check_input=False`` skips the scans
    of ``X``, ``y`` and the weights.
    """
    X, y, s, S, tol, max_iter = _validate(X, y, sample_weight, tol, max_iter, check_input)
    lam = _check_lam(lam)
    fit_intercept = bool(fit_intercept)
    _check_classes(y, s, fit_intercept)
    ka = kernel_arrays(X)
    n, d = X.shape
    C = s * (1.0 / (2.0 * lam * S))
    act = np.flatnonzero(s > 0).astype(np.int64)
    nact = act.shape[0]
    alpha = _initial_alpha(ka, y, s, S, C, act, lam, fit_intercept, coef_init,
                           intercept_init, dual_init)
    rn = np.empty(n)
    kmax = row_norms(*ka, n, rn)
    w = np.zeros(d)
    err = np.zeros(5)
    err[0] = w_fresh(*ka, y, alpha, act, nact, w, rn)
    cap = int(min(nact, max(_CACHE_ROWS, _Q_MAX)))
    q_max = int(min(_Q_MAX, cap))
    state = np.zeros(12, dtype=np.int64)
    prob = Problem(y, s, S, act, nact, rn, kmax, fit_intercept)
    e_n = np.zeros(0)
    e_d = np.zeros(0)
    look = LookAhead(False, e_n, False, 0.0, 0.0, 0.0, e_n, e_d,
                     np.zeros(0, dtype=np.bool_), e_n, e_d, e_n)
    b, P, gap, n_iter, status, _, t = solve(
        ka, prob, lam, C, alpha, w, np.zeros(n), False, new_cache(n, d, cap, q_max), look,
        err, tol, max_iter, q_max, _OPTS, state)
    _LAST_STATS[:] = state
    return _result(t * w, t * b, alpha, n_iter, gap, P, status, max_iter)


def hinge_path(X, y, sample_weight, lams, *, tol, max_iter, fit_intercept=True,
               coef_init=None, intercept_init=None, check_input=True):
    """Warm-started exact solutions for every ``lam`` in ``lams`` (in that order).

    The path is computed from the largest ``lam`` down inside numba, starting
    from the closed-form large-``lam`` solution (or, given ``coef_init``, from
    the samples inside its margin) and extrapolating the dual linearly in
    ``C`` from the two previous solutions (see the module docstring).  On a
    large problem (more than ``_DCD_START_SAMPLES`` samples) whose largest
    ``lam`` is far from the closed form (``sum_i C_i ||x_i||^2 > 1``), the start
    at that ``lam`` is the dual of the coordinate-descent method instead (from
    the closed form, the decomposition method needs many outer iterations at
    O(n d) each there).  Every result carries its own certificate (``gap <=
    tol`` when ``converged``); ``max_iter`` bounds the outer iterations at each
    ``lam``; ``check_input=False`` skips the scans of ``X``, ``y`` and the
    weights.
    """
    X, y, s, S, tol, max_iter, lams, fit_intercept = _validate_path(
        X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input)
    if lams.size == 0:
        return []
    ka = kernel_arrays(X)
    n, d = X.shape
    order = np.argsort(-lams, kind="stable")
    lsorted = np.ascontiguousarray(lams[order])
    act = np.flatnonzero(s > 0).astype(np.int64)
    nact = act.shape[0]
    C0 = s * (1.0 / (2.0 * lsorted[0] * S))
    dual_init = None
    if coef_init is None and nact > _DCD_START_SAMPLES and _far_from_closed_form(ka, s, C0, n):
        from ._hinge_dcd import hinge_dcd_solve

        dual_init = hinge_dcd_solve(X, y, s, lsorted[0], tol=tol, max_iter=max_iter,
                                    fit_intercept=fit_intercept, check_input=False).dual
    alpha = _initial_alpha(ka, y, s, S, C0, act, lsorted[0], fit_intercept, coef_init,
                           intercept_init, dual_init)
    cap = int(min(nact, max(_CACHE_ROWS, _Q_MAX)))
    q_max = int(min(_Q_MAX, cap))
    state = np.zeros(12, dtype=np.int64)
    rn = np.empty(n)
    kmax = row_norms(*ka, n, rn)
    prob = Problem(y, s, S, act, nact, rn, kmax, fit_intercept)
    coefs, alphas, out = path_kernel(ka, prob, lsorted, alpha, tol, max_iter, q_max, cap,
                                     _OPTS, state)
    _LAST_STATS[:] = state
    results = [None] * lams.size
    for k, pos in enumerate(order):
        results[pos] = _result(coefs[k].copy(), out[k, 0], alphas[k].copy(), out[k, 3],
                               out[k, 2], out[k, 1], int(out[k, 4]), max_iter)
    return results



def _check_starts(n, d, coef_init, dual_init):
    """Shape checks of the starts that the interior-point method does not use."""
    if dual_init is not None:
        shape = np.shape(dual_init)
        if int(np.prod(shape)) != n:
            raise ValueError(f"dual_init has shape {shape}, expected ({n},)")
    if coef_init is not None:
        shape = np.shape(coef_init)
        if int(np.prod(shape)) != d:
            raise ValueError(f"coef_init has shape {shape}, expected ({d},)")


def hinge_ipm_solve(X, y, sample_weight, lam, *, tol, max_iter, fit_intercept=True,
                    coef_init=None, intercept_init=None, dual_init=None, check_input=True):
    """:func:`hinge_solve` by the interior-point method of :mod:`._hinge_ipm`.

    The starts are checked but not used: an interior point starts in the
    interior, and its number of iterations hardly depends on the start.
    """
    X, y, s, S, tol, max_iter = _validate(X, y, sample_weight, tol, max_iter, check_input)
    lam = _check_lam(lam)
    fit_intercept = bool(fit_intercept)
    _check_classes(y, s, fit_intercept)
    _check_starts(X.shape[0], X.shape[1], coef_init, dual_init)
    return _ipm_or_active_set(X, y, s, S, lam, tol, max_iter, fit_intercept)


def _ipm_or_active_set(X, y, s, S, lam, tol, max_iter, fit_intercept):
    """The interior-point solve; where it is not certified (degenerate problems at
    the limit of floating point), the active-set method from its dual, and the
    better certified of the two."""
    r = interior_point_solve(X, y, s, S, lam, tol=tol, max_iter=max_iter,
                             fit_intercept=fit_intercept)
    if r.converged or max_iter == 0:
        return r
    r2 = hinge_solve(X, y, s, lam, tol=tol, max_iter=max_iter, fit_intercept=fit_intercept,
                     dual_init=r.dual, check_input=False)
    return r2 if r2.gap < r.gap else r


def hinge_ipm_path(X, y, sample_weight, lams, *, tol, max_iter, fit_intercept=True,
                   coef_init=None, intercept_init=None, check_input=True):
    """:func:`hinge_path` by the interior-point method: one solve per ``lam``."""
    X, y, s, S, tol, max_iter, lams, fit_intercept = _validate_path(
        X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input)
    _check_starts(X.shape[0], X.shape[1], coef_init, None)
    return [_ipm_or_active_set(X, y, s, S, float(lam), tol, max_iter, fit_intercept)
            for lam in lams]
