"""The entry points of the hinge methods (Python): validation, starts, results.

Each entry point validates its input once (:mod:`.._problem`), builds the
kernel record :class:`._records.Data` and hands over to the kernels; the
counters of the work done come back in ``SolverResult.stats``.
"""

import numpy as np

from .._canonical import float64_rows
from .._common import SolverResult
from .._problem import check_starts, make_problem, problem_of, sq_norms, validate_path
from ._certificate import make_feasible, row_norms
from ._dcd import dcd_solve, far_from_closed_form
from ._gram import new_cache
from ._ipm import interior_point_solve
from ._passes import scores, w_fresh
from ._path import path_kernel
from ._records import (
    Data,
    Limits,
    Point,
    new_rounding,
    new_stats,
    no_look_ahead,
    stats_dict,
)
from ._solve import CONVERGED, STALLED
from ._solve import solve as _solve_kernel

# the largest working set, and the rows of the Gram cache (dense float64 rows, at
# most _CACHE_MAX_BYTES: the method is routed to where they fit, ._dispatch)
_Q_MAX = 1000
_CACHE_ROWS = 2000
_CACHE_MAX_BYTES = 256 * 2**20
# paths of more samples than this start from the coordinate-descent dual where
# the closed form is far from the solution at the largest lam
_DCD_START_SAMPLES = 10_000


def active_set_fits(X):
    """Whether the active-set method's row cache (dense float64 rows) for ``X`` fits."""
    n, d = X.shape
    return 8 * min(n, _CACHE_ROWS) * d <= _CACHE_MAX_BYTES


def _data(problem):
    """``(ka, data)``: the kernel arrays of a :class:`.._problem.Problem` in the value
    type of the active-set kernels (:func:`.._canonical.float64_rows`) and its
    kernel record (with the row norms)."""
    n = problem.n
    ka = float64_rows(problem.ka, n)
    rn = np.empty(n)
    kmax = row_norms(*ka, n, rn)
    act = problem.act
    data = Data(problem.y, problem.s, problem.S, act, act.shape[0], rn, kmax, problem.fit_intercept)
    return ka, data


def _sizes(nact):
    """``(cap, q_max)``: rows of the Gram cache and the largest working set."""
    cap = int(min(nact, max(_CACHE_ROWS, _Q_MAX)))
    return cap, int(min(_Q_MAX, cap))


def _initial_alpha(problem, ka, C, coef_init, intercept_init, dual_init):
    y, s, act, fit_intercept = problem.y, problem.s, problem.act, problem.fit_intercept
    n = y.shape[0]
    if dual_init is not None:
        alpha = np.array(dual_init, dtype=np.float64, copy=True).reshape(-1)
        if alpha.shape != (n,):
            raise ValueError(f"dual_init has shape {alpha.shape}, expected ({n},)")
        alpha[~np.isfinite(alpha)] = 0.0
        alpha[s == 0] = 0.0
    elif coef_init is not None:
        coef = np.asarray(coef_init, dtype=np.float64).reshape(-1)
        if coef.shape != (problem.d,):
            raise ValueError(f"coef_init has shape {coef.shape}, expected ({problem.d},)")
        b0 = float(intercept_init) if (intercept_init is not None and fit_intercept) else 0.0
        f = np.zeros(n)
        scores(ka, act, act.shape[0], np.ascontiguousarray(coef), f)
        # samples inside the margin of the initial guess start on their bound
        alpha = np.where(y * (f + b0) < 1.0, C, 0.0)
    else:
        # the large-lam closed form: every sample on its bound
        alpha = C.copy()
    make_feasible(y, C, alpha, act, act.shape[0], fit_intercept)
    return alpha


def _result(coef, intercept, alpha, n_iter, gap, P, status, max_iter, stats):
    if status == CONVERGED:
        message = ""
    elif status == STALLED:
        message = (
            f"stalled: no further progress possible in floating point at a "
            f"certified relative duality gap of {gap:.3g} (the subproblems are "
            f"solved to rounding level and the certificate, which includes "
            f"allowances for rounding, no longer improves; raising max_iter "
            f"will not help, a larger tol will)"
        )
    else:
        message = (
            f"stopped at max_iter={max_iter} with a certified relative duality "
            f"gap of {gap:.3g}; increase max_iter"
        )
    return SolverResult(
        coef=coef,
        intercept=float(intercept),
        dual=alpha,
        n_iter=int(n_iter),
        gap=float(gap),
        primal=float(P),
        converged=status == CONVERGED,
        message=message,
        stats=stats,
    )


def solve(
    X,
    y,
    sample_weight,
    lam,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    dual_init=None,
    check_input=True,
):
    """Solve the hinge problem exactly for one ``lam`` by the active-set method.

    Start: ``dual_init`` (clipped into the box ``[0, C_i]``, values within 1e-12
    of ``C_i`` put on it, and made feasible by shrinking the heavier side of
    ``sum a_i y_i``; callers warm-starting from another ``lam`` pass
    ``alpha * C_new / C_old``); else, with ``coef_init`` (and
    ``intercept_init``), ``a_i = C_i`` for the samples inside its margin and 0
    elsewhere, made feasible; else the large-``lam`` closed form (every
    ``a_i = C_i``).  ``w`` is always rebuilt from the start ``alpha``.

    Returns a :class:`~sklearn_tilt._solvers.SolverResult` whose ``gap`` is the
    relative duality gap at the returned point (``<= tol`` when
    ``converged``), ``n_iter`` the number of outer iterations (subproblems),
    ``dual`` the ``alpha`` and ``stats`` the counters of
    :class:`._records.Stats` by name.  ``max_iter`` bounds the outer
    iterations; when the solver stops short of ``tol``, ``message`` says why
    (``max_iter``, or a stall at the limit of floating point).  The gap
    includes allowances for rounding: it is never below the true relative
    suboptimality of ``(coef, intercept)``, and never 0.  When the optimal
    intercept is an interval, its midpoint is returned.  ``check_input=False``
    skips the scans of ``X``, ``y`` and the weights.
    """
    problem, lam = make_problem(
        X,
        y,
        sample_weight,
        lam,
        tol=tol,
        max_iter=max_iter,
        fit_intercept=fit_intercept,
        check_input=check_input,
    )
    return solve_problem(problem, lam, coef_init, intercept_init, dual_init)


def solve_problem(problem, lam, coef_init=None, intercept_init=None, dual_init=None):
    """:func:`solve` on a validated :class:`.._problem.Problem`."""
    n, d = problem.n, problem.d
    C = problem.s * (1.0 / (2.0 * lam * problem.S))
    ka, data = _data(problem)
    alpha = _initial_alpha(problem, ka, C, coef_init, intercept_init, dual_init)
    w = np.zeros(d)
    err = new_rounding(w_fresh(ka, data, alpha, w))
    cap, q_max = _sizes(data.nact)
    stats = new_stats()
    lim = Limits(problem.tol, problem.max_iter)
    b, P, gap, n_iter, status, _, t = _solve_kernel(
        ka,
        data,
        lam,
        C,
        Point(alpha, w, np.zeros(n)),
        False,
        new_cache(n, d, cap, q_max),
        no_look_ahead(),
        err,
        lim,
        stats,
    )
    return _result(t * w, t * b, alpha, n_iter, gap, P, status, problem.max_iter, stats_dict(stats))


def path(
    X,
    y,
    sample_weight,
    lams,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    check_input=True,
):
    """Warm-started exact solutions for every ``lam`` in ``lams`` (in that order).

    The path is computed from the largest ``lam`` down, starting
    from the closed-form large-``lam`` solution (or, given ``coef_init``, from
    the samples inside its margin) and extrapolating the dual linearly in
    ``C`` from the two previous solutions (see the package docstring).  On a
    large problem (more than ``_DCD_START_SAMPLES`` samples) whose largest
    ``lam`` is far from the closed form (``sum_i C_i ||x_i||^2 > 1``), the start
    at that ``lam`` is the dual of the coordinate-descent method instead (from
    the closed form, the decomposition method needs many outer iterations at
    O(n d) each there).  Every result carries its own certificate (``gap <=
    tol`` when ``converged``) and the counters of its ``lam`` in ``stats``;
    ``max_iter`` bounds the outer iterations at each ``lam``;
    ``check_input=False`` skips the scans of ``X``, ``y`` and the weights.
    """
    X, y, s, S, tol, max_iter, lams, fit_intercept = validate_path(
        X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input
    )
    if lams.size == 0:
        return []
    problem = problem_of(X, y, s, S, tol, max_iter, fit_intercept)
    order = np.argsort(-lams, kind="stable")
    lsorted = np.ascontiguousarray(lams[order])
    act = problem.act
    C0 = s * (1.0 / (2.0 * lsorted[0] * S))
    dual_init = None
    if (
        coef_init is None
        and act.shape[0] > _DCD_START_SAMPLES
        and far_from_closed_form(C0, sq_norms(problem.ka, problem.n))
    ):
        dual_init = dcd_solve(
            X,
            y,
            s,
            lsorted[0],
            tol=tol,
            max_iter=max_iter,
            fit_intercept=fit_intercept,
            check_input=False,
        ).dual
    ka, data = _data(problem)
    alpha = _initial_alpha(problem, ka, C0, coef_init, intercept_init, dual_init)
    cap, q_max = _sizes(data.nact)
    coefs, alphas, out, counts = path_kernel(
        ka, data, lsorted, alpha, Limits(tol, max_iter), q_max, cap, new_stats()
    )
    counts = np.diff(counts, axis=0, prepend=0)  # the counters of each lam
    results = [None] * lams.size
    for k, pos in enumerate(order):
        results[pos] = _result(
            coefs[k].copy(),
            out[k, 0],
            alphas[k].copy(),
            out[k, 3],
            out[k, 2],
            out[k, 1],
            int(out[k, 4]),
            max_iter,
            stats_dict(counts[k]),
        )
    return results


def ipm_solve(
    X,
    y,
    sample_weight,
    lam,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    dual_init=None,
    check_input=True,
):
    """:func:`solve` by the interior-point method of :mod:`._ipm`.

    The starts are checked but not used: an interior point starts in the
    interior, and its number of iterations hardly depends on the start.
    """
    problem, lam = make_problem(
        X,
        y,
        sample_weight,
        lam,
        tol=tol,
        max_iter=max_iter,
        fit_intercept=fit_intercept,
        check_input=check_input,
    )
    check_starts(problem.n, problem.d, coef_init, dual_init)
    return _ipm_or_active_set(problem, lam)


def _ipm_or_active_set(problem, lam):
    """The interior-point solve; where it is not certified (degenerate problems at
    the limit of floating point), the active-set method from its dual, and the
    better certified of the two."""
    r = interior_point_solve(problem, lam)
    if r.converged or problem.max_iter == 0:
        return r
    r2 = solve_problem(problem, lam, dual_init=r.dual)
    return r2 if r2.gap < r.gap else r


def ipm_path(
    X,
    y,
    sample_weight,
    lams,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    check_input=True,
):
    """:func:`path` by the interior-point method: one solve per ``lam``."""
    X, y, s, S, tol, max_iter, lams, fit_intercept = validate_path(
        X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input
    )
    check_starts(X.shape[0], X.shape[1], coef_init, None)
    if lams.size == 0:
        return []
    problem = problem_of(X, y, s, S, tol, max_iter, fit_intercept)
    return [_ipm_or_active_set(problem, float(lam)) for lam in lams]
