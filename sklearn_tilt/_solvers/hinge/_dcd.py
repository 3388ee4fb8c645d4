"""Exact hinge solver at O(nnz) per pass: dual coordinate descent on the proximal
point method of the intercept.

Primal (``S = sum(s)``, ``C_i = s_i / (2 lam S)``)::

    P(w, b) = sum_i s_i max(0, 1 - y_i (w.x_i + b)) / S + lam ||w||^2

Dual (over ``2 lam``): ``max sum_i a_i - 0.5 ||w(a)||^2``, ``w(a) = sum_i a_i y_i x_i``,
``0 <= a_i <= C_i``, ``t(a) = sum_i a_i y_i = 0``.

Method:

* Inner problem, for a centre ``c`` and a weight ``rho > 0`` (:mod:`._dcd_kernels`)::

      max_a  sum_i a_i - 0.5 ||w(a)||^2 - c t(a) - 0.5 rho t(a)^2,   0 <= a_i <= C_i

  is the dual of ``min_{w,b} P(w, b) + (b - c)^2 / (2 rho S')`` (strongly convex in
  ``(w, b)``: its ``w`` and ``b = c + rho t`` are unique).  Without an equality
  constraint, liblinear's dual coordinate descent solves it (random order,
  shrinking).
* Outer iteration: the new centre is the current ``b = c + rho t`` (the method of
  multipliers), accelerated by a safeguarded secant step on the monotone residual
  ``t(c)``; where ``t(c)`` hardly moves (samples pinned at their bounds cap the step
  at ``rho sum_i C_i``: large ``lam``, unbalanced classes) the steps grow by factors
  of 4, or jump to the best intercept of the current ``w``.  The inner tolerance
  tightens by 10 per outer iteration.
* Inexact inner solves: an inner solve is cut after ``_CHECK`` passes, then after
  twice as many each time, and certified; where it is not certified and has not
  converged, the centre moves by the proximal step and the solve goes on from the
  rows it had not shrunk (a restart over the whole selection would cost a pass over
  rows that stay at their bounds).  So the
  certificate, not the inner tolerance, decides when to stop (the inner solves on an
  ill-conditioned free set, as near-duplicate rows of text make, are slow in their
  last digits, and those digits are not needed while the centre is off).
* Second-order steps where an inner solve is cut: on the whole free set when it has
  at most :data:`._free_set.MAX_FREE` samples, else on the block of the free samples
  that violate their margins most (near-duplicate rows of text are the slow modes of
  coordinate descent; the block step gives them their exact curvature).
* A second-order finish for data with few features (:mod:`._restricted`): on a slow
  tail (after ``_restricted._PASSES`` passes at one ``lam``, when the rate of the
  estimates of the gap over the second half of the passes leaves at least twice as
  many passes again, or shows no progress), the interior
  point of :mod:`._ipm` on the samples near their margins, the others held at their
  bounds; certified from scratch as below, and otherwise a new start.
* Start of the centre: the best intercept of the starting ``w``.
* BLAS runs one thread during a solve (:mod:`.._threads`).
* Certificate, from scratch, with the rounding-safe bounds of :mod:`._certificate`,
  after an inner solve whose estimated gap is at most ``_ESTIMATE`` times ``tol``
  (:meth:`Workspace.estimate`: one pass for the scores of the tracked ``w``, the
  primal at their best intercept, the dual to first order), and when the passes run
  out: ``w_+ = sum_{y_i>0} a_i x_i`` and ``w_- = sum_{y_i<0} a_i x_i`` by one pass
  over the rows with ``a_i > 0``, ``w = w_+ - w_-``; the primal ``P`` at the ``w`` of
  the coordinate descent and its best intercept (the scores of the estimate), or near
  the hard margin at that ``w`` scaled until every margin is provably at least 1
  (the warm start of a path: at ``w`` and its scores, one more pass); the dual at ``a`` with ``t``
  moved to 0 where that costs least to first order (:func:`._feasible.equality_correction`,
  on few samples: ``w`` plus their rows; a feasible dual point, lower bound ``D``).
  Stop when the relative gap of the bounds is at most ``tol``.
* Large C (mean ``C_i ||x_i||^2`` above ``_CONT_HARD``) on a large problem: a single
  fit goes through a short warm-started path from a larger ``lam``, each stage solved
  to ``_CONT_TOL`` within half the passes left.

Start: far from the large-``lam`` closed form (``sum_i C_i ||x_i||^2 > 1``, and fewer
than ``_CF_INSIDE`` of a subsample inside the margin of its ``w``) from ``a = 0`` as
liblinear, else from the closed form (every ``a_i = C_i``).  Path:
largest ``lam`` first, each start the previous dual times the ratio of the box
bounds, certified as it stands (where the scaled dual stays optimal, as at large
``lam``, no pass is needed), else the centre at the best intercept of its ``w``.

Memory: ``X`` plus O(n + d) (the finish: its rows as dense float64 and float32, at most
``_restricted.MAX_WORK / (d + 1)^2`` of them, and O((d + 1)^2)).  Dense and CSR input
(int32 or int64 indices), float32 or float64 values, are read as given, except that
after ``_dcd_workspace._NARROW_PASSES`` passes float64 values that are all exactly
float32 (pixels, counts) are read from a float32 copy (half the size of ``X``; the
same numbers, so the same certificate).
"""

import numpy as np

from .._common import SolverResult
from .._problem import make_problem, problem_of, validate_path
from .._threads import one_blas_thread
from ._dcd_kernels import scores
from ._dcd_workspace import Workspace
from ._intercept import canonical_intercept

# single fits of more than _CONT_MIN_SAMPLES samples whose mean C_i ||x_i||^2
# exceeds _CONT_HARD (large C: slow from a cold start) go through a short
# warm-started path from the lam where it is _CONT_START, by factors of 3, each
# stage solved to _CONT_TOL
_CONT_MIN_SAMPLES = 1500
_CONT_HARD = 30.0
_CONT_START = 10.0
_CONT_TOL = 1e-4
# a cold start from a = 0 goes to the closed form instead where at least _CF_INSIDE
# of a subsample of _CF_SAMPLE samples are inside its margin (closed_form_inside)
_CF_INSIDE = 0.8
_CF_SAMPLE = 2000


def far_from_closed_form(C, sq):
    """Whether ``sum_i C_i ||x_i||^2 > 1`` (``sq``: the ``||x_i||^2``): the large-``lam``
    closed form (every ``a_i = C_i``) is then far from the solution, the margins of its
    ``w`` reaching beyond 1."""
    return float(np.dot(C, sq)) > 1.0


def closed_form_inside(ws, C):
    """Whether at least ``_CF_INSIDE`` of a systematic subsample of about
    ``_CF_SAMPLE`` samples lie inside the margin of the closed form's ``w`` (every
    ``a_i = C_i``) at its best intercept for the subsample: then nearly every sample
    ends at its bound (text-like rows at large ``lam``), and the closed form is the
    better start even where :func:`far_from_closed_form` holds.  (With classes far
    from balanced, the heavier class sits just beyond its margin there, and the test
    says no: the start from ``a = 0``.)  One pass over the rows for ``w``, the scores
    of the subsample only.  Returns ``(inside, w)``."""
    act = ws.act
    if act.shape[0] == 0:
        return False, None
    sub = act[:: max(1, act.shape[0] // _CF_SAMPLE)]
    m = sub.shape[0]
    w = ws.w_of(C)
    f = np.asarray(ws.problem.X[sub] @ w, dtype=np.float64).ravel()
    y = ws.y[sub]
    b = 0.0
    if ws.fit_intercept:
        b, _ = canonical_intercept(f, y, ws.s[sub], np.arange(m), m, 0.0, ws.tbuf)
    return float(np.mean(y * (f + b) < 1.0)) >= _CF_INSIDE, w


def _start(ws, lam, coef_init, intercept_init, dual_init):
    """The first dual point, its ``w(a)`` and the centre (see the module docstring):
    ``(alpha, w, c)``."""
    n, y, s = ws.n, ws.y, ws.s
    C = ws.bounds(lam)
    w = None
    if dual_init is not None:
        alpha = np.array(dual_init, dtype=np.float64, copy=True).reshape(-1)
        if alpha.shape != (n,):
            raise ValueError(f"dual_init has shape {alpha.shape}, expected ({n},)")
        alpha[~np.isfinite(alpha)] = 0.0
        alpha = np.clip(alpha, 0.0, C)
    elif coef_init is not None:
        coef = np.ascontiguousarray(coef_init, dtype=np.float64).reshape(-1)
        if coef.shape != (ws.d,):
            raise ValueError(f"coef_init has shape {coef.shape}, expected ({ws.d},)")
        b0 = float(intercept_init) if (intercept_init is not None and ws.fit_intercept) else 0.0
        scores(*ws.ka, n, coef, ws.f)
        alpha = np.where(y * (ws.f + b0) < 1.0, C, 0.0)
    else:
        inside, w_cf = True, None
        if far_from_closed_form(C, ws.sq):
            inside, w_cf = closed_form_inside(ws, C)
        if inside:
            # the large-lam closed form (its w formed by the test, where it ran)
            alpha, w = C.copy(), w_cf
        else:
            # far from the large-lam closed form: from a = 0, as liblinear
            alpha = np.zeros(n)
    alpha[s == 0] = 0.0  # (C_i = 0 there already)
    if w is None:
        w = ws.w_of(alpha) if np.any(alpha) else np.zeros(ws.d)
    if intercept_init is not None and ws.fit_intercept:
        c0 = float(intercept_init)
    elif ws.fit_intercept and coef_init is None:
        # the best intercept for the w of the start
        if np.any(alpha):
            scores(*ws.ka, n, w, ws.f)
        else:
            ws.f[:] = 0.0
        c0, _ = canonical_intercept(ws.f, y, s, ws.act, ws.act.shape[0], 0.0, ws.tbuf)
    else:
        c0 = 0.0
    return alpha, w, float(c0)


def _stages(ws, lam):
    """The lams of a single fit: ``[lam]``, or on a large, hard problem the short
    path of the continuation (module docstring) ending at ``lam``."""
    act = ws.act
    if act.shape[0] <= _CONT_MIN_SAMPLES:
        return [lam]
    hard = float(np.mean(ws.s[act] * ws.sq[act])) / (2.0 * lam * ws.S)
    if hard <= _CONT_HARD:
        return [lam]
    lam_k = lam * hard / _CONT_START
    seq = []
    while lam_k > lam * 1.5:
        seq.append(lam_k)
        lam_k /= 3.0
    return seq + [lam]


def dcd_solve(
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
    """Solve the hinge problem for one ``lam`` by dual coordinate descent.

    See the module docstring.  ``max_iter`` bounds the number of passes of
    coordinate descent over the samples (``n_iter`` in the result).  Without a warm
    start, a large problem with large ``C_i ||x_i||^2`` is solved through a short
    warm-started path from a larger ``lam`` (factors of 3) whose stages share half
    of ``max_iter``.  Returns a
    :class:`~sklearn_tilt._solvers.SolverResult` whose ``gap`` is the relative
    duality gap at the returned point, computed from scratch.
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
    with one_blas_thread():
        return _solve(Workspace(problem), lam, coef_init, intercept_init, dual_init)


def _solve(ws, lam, coef_init, intercept_init, dual_init):
    """:func:`dcd_solve` on a :class:`._dcd_workspace.Workspace`."""
    problem = ws.problem
    tol = problem.tol
    max_iter = max(problem.max_iter, 1)
    cold = dual_init is None and coef_init is None
    lams = _stages(ws, lam) if cold else [lam]
    # the stages before lam share half the passes
    stage_passes = max_iter // (2 * max(len(lams) - 1, 1))
    if stage_passes < 1:
        lams = [lam]
    alpha, w, c = _start(ws, lams[0], coef_init, intercept_init, dual_init)
    passes = 0
    prev = lams[0]
    for lam_k in lams:
        if lam_k != prev:
            alpha *= prev / lam_k
            w *= prev / lam_k
        warm = lam_k != lams[0] or dual_init is not None
        if lam_k == lam:
            left = max(max_iter - passes, 1)
            w_k, b, P, gap, p, conv = ws.solve(alpha, w, lam_k, c, tol, left, warm)
        else:
            # a stage of the continuation: a start for the next, solved loosely
            tol_k = max(tol, _CONT_TOL)
            w_k, b, P, gap, p, conv = ws.solve(alpha, w, lam_k, c, tol_k, stage_passes, warm)
        passes += p
        c = b
        prev = lam_k
    return SolverResult(
        coef=w_k,
        intercept=b,
        dual=alpha,
        n_iter=int(passes),
        gap=float(gap),
        primal=float(P),
        converged=bool(conv),
        stats=dict(ws.stats),
    )


def dcd_path(
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
    """Warm-started solutions for every ``lam`` in ``lams`` (results in that order).

    Solved from the largest ``lam`` down; each start is the previous dual scaled by
    the ratio of the box bounds (``lam_prev / lam``) and the previous intercept as
    the centre.  Every result carries its own certificate.
    """
    X, y, s, S, tol, max_iter, lams, fit_intercept = validate_path(
        X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input
    )
    if lams.size == 0:
        return []
    ws = Workspace(problem_of(X, y, s, S, tol, max_iter, fit_intercept))
    with one_blas_thread():
        return _path(ws, lams, coef_init, intercept_init)


def _path(ws, lams, coef_init, intercept_init):
    """:func:`dcd_path` on a :class:`._dcd_workspace.Workspace`."""
    tol, max_iter = ws.problem.tol, ws.problem.max_iter
    order = np.argsort(-lams, kind="stable")
    alpha, w, c = _start(ws, lams[order[0]], coef_init, intercept_init, None)
    results = [None] * lams.size
    prev = None
    for pos in order:
        lam = float(lams[pos])
        if prev is not None and prev != lam:
            r = prev / lam
            alpha *= r
            w *= r
        wk, b, P, gap, passes, conv = ws.solve(
            alpha, w, lam, c, tol, max(max_iter, 1), prev is not None
        )
        results[pos] = SolverResult(
            coef=wk.copy(),
            intercept=b,
            dual=alpha.copy(),
            n_iter=int(passes),
            gap=float(gap),
            primal=float(P),
            converged=bool(conv),
        )
        c = b
        prev = lam
    return results
