"""The decomposition method for the hinge problem at one ``lam``.

See :mod:`sklearn_tilt._solvers.hinge` for the method.  ``X`` is the tuple of
the five kernel arguments of :mod:`.._common`; the other state travels in the
named records of :mod:`._records` and :class:`._gram.GramCache`.
"""

import numpy as np

from .._common import row_axpy
from .._jit import njit
from ._accurate import accurate_score_error, accurate_scores, accurate_w
from ._certificate import (
    UROUND,
    dual_lower,
    gamma,
    make_feasible,
    norm_up,
    polish_equality,
    primal_upper,
    relative_gap,
    scaled_margin_candidate,
    score_error,
)
from ._gram import cache_insert
from ._intercept import canonical_intercept
from ._passes import add_rows, fresh_w_error, scores, scores2, w_fresh
from ._predict import predict, rebuild_w
from ._qp import subsolve
from ._records import WorkingSet
from ._select import kkt_intercept, select_working_set

_INF = np.inf

# outcome of a solve
CONVERGED = 0
MAX_ITER = 1
STALLED = 2

# subproblem accuracy at the start, as a fraction of tol * P
_EPS_SCALE = 0.1


@njit(cache=True)
def certify(data, C, alpha, lam, w, f, ef, ew, tbuf):
    """Certificate of the current point: ``(b, P, gap, t, viol, searched, naive)``.

    ``b`` is the canonical optimal intercept for the scores ``f`` (the
    midpoint of the interval of minimisers), ``P`` the primal there and
    ``gap`` a bound of its relative suboptimality computed with rounding
    allowances (``ef``: score error, ``ew``: error of ``w`` against
    ``X^T (alpha y)``; see :mod:`._certificate`).  ``t != 1`` means the
    certified point is ``(t w, t b)`` (hard margin: margins lifted to 1).
    ``naive`` is ``(P - D) / P`` without the allowances (what more accurate
    arithmetic could certify).
    """
    y, s, S, act, nact, rn, kmax, fit_intercept = data
    wn = norm_up(w)
    if fit_intercept:
        b_kkt, viol = kkt_intercept(f, y, C, alpha, act, nact)
        b, searched = canonical_intercept(f, y, s, act, nact, b_kkt, tbuf)
    else:
        b = 0.0
        viol = 0.0
        searched = False
        for k in range(nact):
            i = act[k]
            g = y[i] * f[i] - 1.0
            if alpha[i] < C[i] and -g > viol:
                viol = -g
            if alpha[i] > 0.0 and g > viol:
                viol = g
    P, P_up = primal_upper(f, ef, rn, y, s, act, nact, b, lam, wn, S)
    D, D_low = dual_lower(y, C, alpha, act, nact, lam, wn, ew, rn, fit_intercept)
    gap = relative_gap(P_up, D_low)
    naive = (P - D) / max(P, 1e-300)
    t = 1.0
    if P_up > (1.0 + 1e-12) * lam * wn * wn:
        # some loss left (maybe only rounding at the hard margin): try (t w, t b)
        tt, Pt_up = scaled_margin_candidate(f, ef, rn, y, act, nact, b, lam, wn)
        if Pt_up < P_up:
            t = tt
            P = lam * (tt * wn) * (tt * wn)
            gap = relative_gap(Pt_up, D_low)
    return b, P, gap, t, viol, searched, naive


@njit(cache=True)
def solve(X, data, lam, C, pt, f_ok, cache, look, err, lim, stats):
    """Decomposition method at one ``lam`` (box ``C``) from the point ``pt``.

    ``pt`` (a :class:`._records.Point`: ``alpha``, ``w`` and the scores ``f``)
    is updated in place (``f_ok``: ``f`` already holds ``X w`` on entry; on
    exit it always does).  ``cache`` is the :class:`._gram.GramCache`, ``lim``
    the :class:`._records.Limits`, ``stats`` the :class:`._records.Stats`
    (counters added to).

    Rounding is accounted for in ``err`` (a :class:`._records.Rounding`,
    updated in place): ``err.w`` bounds ``||w - X^T (alpha y)||``, ``err.f``
    the score error ``|f_i - x_i.w| / ||x_i||``; ``w`` is recomputed from
    ``alpha`` from scratch when its drift could matter at ``tol``, and a
    stall is only declared for a ``w`` computed from scratch.

    Look-ahead (path only, ``look.active``): after each subproblem the warm start
    of the next lam is predicted from the tentative ``alpha`` and its scores are
    computed in the same sweep over ``X`` as the new scores of this lam; if
    this lam is then certified, the next one starts with no pass (``err.w_next``:
    the error of ``w_next``).

    Returns ``(b, P, gap, n_iter, status, next_ok, t)``; the certified point
    is ``(t w, t b)``.
    """
    is_sparse, Xd, xdata, indices, indptr = X
    alpha, w, f = pt
    tol, max_iter = lim
    y, s, S, act, nact, rn, kmax, fit_intercept = data
    q_max = cache.q_max
    n = y.shape[0]
    tbuf = np.empty(nact)
    Lw = cache.workl[: (q_max + 1) * (q_max + 1)].reshape((q_max + 1, q_max + 1))
    ident = np.arange(q_max + 1)
    Bbuf = np.empty(nact, dtype=np.int64)
    vbuf = np.empty(nact)
    b = 0.0
    P = 1.0
    gap = _INF
    t = 1.0
    status = MAX_ITER
    n_iter = 0
    eps_scale = _EPS_SCALE
    next_ok = False
    fresh = False  # w computed from alpha from scratch since alpha last changed
    accurate = False  # w and f in compensated arithmetic since alpha last changed
    best_gap = _INF
    since_best = 0
    refreshed = False
    if look.active:
        for i in range(n):
            look.Cnext[i] = s[i] * look.c_next
    while True:
        wn = norm_up(w)
        if err.w[0] > 1e-3 * tol * wn and not fresh:
            # the drift of w could show in the certificate: recompute it if
            # that is worth it (a fresh sum can be as inexact, with cancellation)
            if fresh_w_error(alpha, act, nact, rn) < 0.25 * err.w[0]:
                stats.w_fresh[0] += 1
                err.w[0] = w_fresh(X, data, alpha, w)
                fresh = True
                f_ok = False
                wn = norm_up(w)
        if not f_ok:
            if fit_intercept:
                # rounding residual of sum a_i y_i (large against alpha when
                # alpha came down from a huge C): onto one free sample
                r, j, da = polish_equality(y, C, alpha, act, nact)
                if j >= 0:
                    row_axpy(is_sparse, Xd, xdata, indices, indptr, j, da * y[j], w)
                    err.w[0] += 2.0 * UROUND * (wn + abs(da) * rn[j])
                    fresh = False
                    accurate = False
                    wn = norm_up(w)
            scores(X, act, nact, w, f)
            err.f[0] = score_error(kmax, wn)
            stats.passes[0] += 1
        f_ok = False
        b, P, gap, t, viol, searched, naive = certify(
            data, C, alpha, lam, w, f, err.f[0], err.w[0], tbuf
        )
        if searched:
            stats.intercept_searches[0] += 1
        if gap <= tol:
            status = CONVERGED
            break
        if naive <= 0.5 * tol and not accurate:
            # only the rounding allowances stand in the way: w and the scores
            # in compensated arithmetic (about twice the working precision),
            # after removing the rounding residual of the equality constraint
            make_feasible(y, C, alpha, act, nact, fit_intercept)
            stats.w_accurate[0] += 1
            err.w[0] = accurate_w(X, data, alpha, w)
            accurate_scores(X, act, nact, w, f)
            err.f[0] = accurate_score_error(kmax, norm_up(w))
            accurate = True
            fresh = True
            f_ok = True
            continue
        if n_iter >= max_iter:
            status = MAX_ITER
            break
        # violation threshold in margin units: the relative gap is bounded by
        # viol / P, so ask the subproblem for a fraction of tol * P
        fmax = 0.0
        for k in range(nact):
            v = abs(f[act[k]])
            if v > fmax:
                fmax = v
        floor = 1e-14 * (1.0 + fmax + abs(b))
        eps = max(eps_scale * tol * abs(P), floor)
        # stall test: subproblems at the floating-point floor that no longer
        # improve the certified gap
        if gap < 0.999 * best_gap:
            best_gap = gap
            since_best = 0
        else:
            since_best += 1
        if eps <= floor and since_best >= 10:
            if not refreshed:
                # once: rule out drift of w before declaring a stall
                stats.w_fresh[0] += 1
                err.w[0] = w_fresh(X, data, alpha, w)
                fresh = True
                refreshed = True
                since_best = 0
                continue
            status = STALLED
            break
        nB = select_working_set(data, f, C, alpha, b, q_max, Bbuf, vbuf)
        if nB == 0:
            if eps_scale < 1e-6:
                if not fresh:
                    stats.w_fresh[0] += 1
                    err.w[0] = w_fresh(X, data, alpha, w)
                    fresh = True
                    continue
                status = STALLED
                break
            eps_scale *= 0.1
            continue
        n_iter += 1
        B = Bbuf[:nB].copy()
        stats.subproblems[0] += 1
        Kb = cache_insert(X, B, nB, cache, stats)
        G = np.empty(nB)
        a_old = np.empty(nB)
        for p in range(nB):
            i = B[p]
            G[p] = y[i] * f[i] - 1.0
            a_old[p] = alpha[i]
        max_steps = 200 * nB + 100000
        ws = WorkingSet(B, nB, ident[:nB], Kb, G, Lw)
        stp = subsolve(ws, y, C, alpha, eps, max_steps, fit_intercept, stats)
        stats.smo_steps[0] += stp
        coefs = np.empty(nB)
        changed = 0
        crn = 0.0
        for p in range(nB):
            i = B[p]
            coefs[p] = (alpha[i] - a_old[p]) * y[i]
            if coefs[p] != 0.0:
                changed += 1
                crn += abs(coefs[p]) * rn[i]
        if changed == 0:
            # no progress at this accuracy: ask for more
            if eps <= floor:
                if not fresh:
                    stats.w_fresh[0] += 1
                    err.w[0] = w_fresh(X, data, alpha, w)
                    fresh = True
                    continue
                status = STALLED
                break
            eps_scale *= 0.1
            continue
        add_rows(X, B, coefs, nB, w)
        # the sum of changed + 1 terms per entry, and the rounding of each change
        err.w[0] += gamma(changed + 2) * (wn + crn) + 2.0 * UROUND * crn
        fresh = False
        accurate = False
        if look.active:
            predict(
                data,
                look.alpha_next,
                alpha,
                look.a_prev,
                look.have_prev,
                look.c_cur,
                look.c_prev,
                look.c_next,
                look.Cnext,
            )
            err.w_next[0] = rebuild_w(
                X,
                data,
                look.Cnext,
                look.c_next,
                look.alpha_next,
                look.U,
                look.inU,
                look.w_next,
                err,
                tol,
            )
            scores2(X, act, nact, w, f, look.w_next, look.f_next)
            err.f[0] = score_error(kmax, norm_up(w))
            stats.passes[0] += 1
            f_ok = True
            next_ok = True
    return b, P, gap, n_iter, status, next_ok, t
