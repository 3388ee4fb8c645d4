"""The decomposition method for the hinge problem: one ``lam`` and the path.

See :mod:`._hinge` for the method.  Kernel state travels in named tuples:
``X`` (the five kernel arguments of :mod:`._common`), :class:`Problem` (the
data that does not change with ``lam``), :class:`~._hinge_gram.GramCache` and
:class:`LookAhead` (the path's prediction of the next ``lam``), plus ``err``,
the rounding bounds that the certificate needs (``err[0]``: ``||w - X^T (alpha
y)||``, ``err[1]``: score error per unit ``||x_i||``, ``err[2]``: the same as
``err[0]`` for ``w_next``, ``err[3]``: error of ``U``).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from ._common import row_axpy
from ._hinge_certificate import (
    UROUND,
    accurate_score_error,
    accurate_scores,
    accurate_w,
    canonical_intercept,
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
from ._hinge_gram import cache_insert, new_cache
from ._hinge_passes import add_rows, fresh_w_error, scores, scores2, w_fresh
from ._hinge_predict import predict, rebuild_w
from ._hinge_qp import subsolve
from ._hinge_select import kkt_intercept, select_working_set

_INF = np.inf

# outcome of a solve
CONVERGED = 0
MAX_ITER = 1
STALLED = 2


class Problem(NamedTuple):
    """What does not change with ``lam``."""

    y: np.ndarray  # (n,) +-1
    s: np.ndarray  # (n,) sample weights
    S: float  # sum(s), correctly rounded
    act: np.ndarray  # samples with a positive weight
    nact: int
    rn: np.ndarray  # (n,) upper bounds of ||x_i||
    kmax: int  # most stored entries in a row
    fit_intercept: bool


class LookAhead(NamedTuple):
    """The path's prediction of the next ``lam`` (``active`` False: none)."""

    active: bool
    a_prev: np.ndarray  # solution at the previous lam
    have_prev: bool
    c_prev: float  # C / s at the previous, current and next lam
    c_cur: float
    c_next: float
    Cnext: np.ndarray  # box of the next lam (filled by solve)
    U: np.ndarray  # sum of s_i y_i x_i over the samples on their upper bound
    inU: np.ndarray  # which samples U holds
    alpha_next: np.ndarray  # prediction, its w and its scores (outputs)
    w_next: np.ndarray
    f_next: np.ndarray


@njit(cache=True)
def certify(prob, C, alpha, lam, w, f, ef, ew, tbuf):
    """Certificate of the current point: ``(b, P, gap, t, viol, searched, naive)``.

    ``b`` is the canonical optimal intercept for the scores ``f`` (the
    midpoint of the interval of minimisers), ``P`` the primal there and
    ``gap`` a bound of its relative suboptimality computed with rounding
    allowances (``ef``: score error, ``ew``: error of ``w`` against
    ``X^T (alpha y)``; see :mod:`._hinge_certificate`).  ``t != 1`` means the
    certified point is ``(t w, t b)`` (hard margin: margins lifted to 1).
    ``naive`` is ``(P - D) / P`` without the allowances (what more accurate
    arithmetic could certify).
    """
    y, s, S, act, nact, rn, kmax, fit_intercept = prob
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
def solve(X, prob, lam, C, alpha, w, f, f_ok, cache, look, err, tol, max_iter, q_max,
          opts, state):
    """Decomposition method; ``alpha``, ``w`` and the scores ``f`` are updated in
    place (``f_ok``: ``f`` already holds ``X w`` on entry; on exit it always does).

    Rounding is accounted for in ``err`` (updated in place): ``err[0]`` bounds
    ``||w - X^T (alpha y)||``, ``err[1]`` the score error ``|f_i - x_i.w| /
    ||x_i||``; ``w`` is recomputed from ``alpha`` from scratch when its drift
    could matter at ``tol``, and a stall is only declared for a ``w`` computed
    from scratch.

    Look-ahead (path only, ``look.active``): after each subproblem the warm start
    of the next lam is predicted from the tentative ``alpha`` and its scores are
    computed in the same sweep over ``X`` as the new scores of this lam; if
    this lam is then certified, the next one starts with no pass (``err[2]``:
    the error of ``w_next``).

    Returns ``(b, P, gap, n_iter, status, next_ok, t)``; the certified point
    is ``(t w, t b)``.
    """
    is_sparse, Xd, data, indices, indptr = X
    y, s, S, act, nact, rn, kmax, fit_intercept = prob
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
    eps_scale = opts[1]
    band = opts[0]
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
        if err[0] > 1e-3 * tol * wn and not fresh:
            # the drift of w could show in the certificate: recompute it if
            # that is worth it (a fresh sum can be as inexact, with cancellation)
            if fresh_w_error(alpha, act, nact, rn) < 0.25 * err[0]:
                state[10] += 1
                err[0] = w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
                                  nact, w, rn)
                fresh = True
                f_ok = False
                wn = norm_up(w)
        if not f_ok:
            if fit_intercept:
                # rounding residual of sum a_i y_i (large against alpha when
                # alpha came down from a huge C): onto one free sample
                r, j, da = polish_equality(y, C, alpha, act, nact)
                if j >= 0:
                    row_axpy(is_sparse, Xd, data, indices, indptr, j, da * y[j], w)
                    err[0] += 2.0 * UROUND * (wn + abs(da) * rn[j])
                    fresh = False
                    accurate = False
                    wn = norm_up(w)
            scores(is_sparse, Xd, data, indices, indptr, act, nact, w, f)
            err[1] = score_error(kmax, wn)
            state[3] += 1
        f_ok = False
        b, P, gap, t, viol, searched, naive = certify(prob, C, alpha, lam, w, f, err[1],
                                                      err[0], tbuf)
        if searched:
            state[8] += 1
        if gap <= tol:
            status = CONVERGED
            break
        if naive <= 0.5 * tol and not accurate:
            # only the rounding allowances stand in the way: w and the scores
            # in compensated arithmetic (about twice the working precision),
            # after removing the rounding residual of the equality constraint
            make_feasible(y, C, alpha, act, nact, fit_intercept)
            state[11] += 1
            err[0] = accurate_w(is_sparse, Xd, data, indices, indptr, y, alpha, act, nact,
                                rn, w)
            accurate_scores(is_sparse, Xd, data, indices, indptr, act, nact, w, f)
            err[1] = accurate_score_error(kmax, norm_up(w))
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
                state[10] += 1
                err[0] = w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
                                  nact, w, rn)
                fresh = True
                refreshed = True
                since_best = 0
                continue
            status = STALLED
            break
        nB = select_working_set(f, y, C, alpha, act, nact, b, fit_intercept, band, q_max, Bbuf,
                     vbuf)
        if nB == 0:
            if eps_scale < 1e-6:
                if not fresh:
                    state[10] += 1
                    err[0] = w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
                                      nact, w, rn)
                    fresh = True
                    continue
                status = STALLED
                break
            eps_scale *= 0.1
            continue
        n_iter += 1
        B = Bbuf[:nB].copy()
        state[1] += 1
        Kb = cache_insert(is_sparse, Xd, data, indices, indptr, B, nB, cache, state[1],
                          state)
        G = np.empty(nB)
        a_old = np.empty(nB)
        for p in range(nB):
            i = B[p]
            G[p] = y[i] * f[i] - 1.0
            a_old[p] = alpha[i]
        max_steps = 200 * nB + 100000
        budget = int(opts[2]) if opts[2] > 0 else nB
        if budget < 1:
            budget = 1
        stp = subsolve(B, nB, ident[:nB], Kb, y, C, alpha, G, eps, max_steps,
                        fit_intercept, budget, Lw, state)
        state[2] += stp
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
                    state[10] += 1
                    err[0] = w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
                                      nact, w, rn)
                    fresh = True
                    continue
                status = STALLED
                break
            eps_scale *= 0.1
            continue
        add_rows(is_sparse, Xd, data, indices, indptr, B, coefs, nB, w)
        # the sum of changed + 1 terms per entry, and the rounding of each change
        err[0] += gamma(changed + 2) * (wn + crn) + 2.0 * UROUND * crn
        fresh = False
        accurate = False
        if look.active:
            predict(look.alpha_next, alpha, look.a_prev, look.have_prev, look.c_cur,
                    look.c_prev, look.c_next, s, y, look.Cnext, act, nact, fit_intercept,
                    opts[4] != 0.0)
            err[2] = rebuild_w(is_sparse, Xd, data, indices, indptr, y, s, look.Cnext,
                               look.c_next, look.alpha_next, act, nact, look.U, look.inU,
                               look.w_next, rn, err, tol)
            scores2(is_sparse, Xd, data, indices, indptr, act, nact, w, f, look.w_next,
                    look.f_next)
            err[1] = score_error(kmax, norm_up(w))
            state[3] += 1
            f_ok = True
            next_ok = True
    return b, P, gap, n_iter, status, next_ok, t


@njit(cache=True)
def path_kernel(X, prob, lams, alpha, tol, max_iter, q_max, cap, opts, state):
    """Solve for every ``lams[k]`` (sorted decreasingly), warm-starting each.

    The optimal ``alpha`` is piecewise affine in ``C`` (Hastie et al. 2004), so
    from the third ``lam`` on the start is the linear extrapolation of the two
    previous solutions in ``C`` (exact when no sample changes status in
    between), clipped to the box and made feasible; for the second, samples on
    the upper bound follow the bound and the others keep their value.
    """
    is_sparse, Xd, data, indices, indptr = X
    y, s, S, act, nact, rn, kmax, fit_intercept = prob
    n = y.shape[0]
    d = Xd.shape[1]
    L = lams.shape[0]
    coefs = np.empty((L, d))
    alphas = np.empty((L, n))
    out = np.empty((L, 5))  # b, P, gap, n_iter, status
    cache = new_cache(n, d, cap, q_max)
    C = np.empty(n)
    U = np.zeros(d)
    inU = np.zeros(n, dtype=np.bool_)
    w = np.zeros(d)
    a1 = np.zeros(n)  # solution at the previous lam
    a2 = np.zeros(n)  # and the one before
    f = np.zeros(n)  # scores X w of the previous solution
    alpha_next = np.zeros(n)  # look-ahead: prediction for the next lam,
    w_next = np.zeros(d)  # its w and its scores, computed by _solve in the
    f_next = np.zeros(n)  # same sweeps over X as the current scores
    Cnext = np.empty(n)
    # rounding bounds: w, scores, w_next, U (see solve and rebuild_w)
    err = np.zeros(5)
    next_ok = False
    c1 = 0.0
    c2 = 0.0
    for k in range(L):
        lam = lams[k]
        c = 1.0 / (2.0 * lam * S)
        for i in range(n):
            C[i] = s[i] * c
        if k >= 1 and not next_ok:
            predict(alpha, a1, a2, k >= 2, c1, c2, c, s, y, C, act, nact, fit_intercept,
                     opts[4] != 0.0)
        # the scores need no pass when w only scales (every sample on a
        # bound, same sets: the large-lam closed form) or does not change
        # (no sample on the upper bound, same alpha: hard margin); their
        # error bound grows by the difference of the two w's
        f_ok = False
        ew_prev = err[0]
        ef_prev = err[1]
        rescale = 0.0
        if next_ok:
            # the previous solve already predicted this lam and computed its scores
            alpha[:] = alpha_next
            w[:] = w_next
            f[:] = f_next
            err[0] = err[2]
            err[1] = score_error(kmax, norm_up(w))
            f_ok = True
        elif k >= 1:
            same_bound = True
            same_alpha = True
            any_free = False
            any_bound = False
            for q in range(nact):
                i = act[q]
                b1 = a1[i] >= s[i] * c1
                b0 = alpha[i] >= C[i]
                if b1 != b0:
                    same_bound = False
                if b1 or b0:
                    any_bound = True
                if (a1[i] > 0.0 and not b1) or (alpha[i] > 0.0 and not b0):
                    any_free = True
                if alpha[i] != a1[i]:
                    same_alpha = False
            if same_bound and not any_free:
                rescale = c / c1
                for q in range(nact):
                    f[act[q]] *= rescale
                f_ok = True
            elif same_alpha and not any_bound:
                rescale = 1.0
                f_ok = True
        if not next_ok:
            err[0] = rebuild_w(is_sparse, Xd, data, indices, indptr, y, s, C, c, alpha,
                                act, nact, U, inU, w, rn, err, tol)
            if f_ok:
                # |x.(w - r w_prev)| <= ||x|| (ew + r ew_prev + rounding of alpha = r a_prev)
                asr = 0.0
                for q in range(nact):
                    i = act[q]
                    asr += alpha[i] * rn[i]
                err[1] = (rescale * ef_prev * (1.0 + 2.0 * UROUND) + err[0]
                          + rescale * ew_prev + 4.0 * UROUND * asr
                          + 2.0 * UROUND * norm_up(w))
        c_next = 1.0 / (2.0 * lams[k + 1] * S) if k + 1 < L else 0.0
        look = LookAhead(k + 1 < L, a1, k >= 1, c1, c, c_next, Cnext, U, inU,
                         alpha_next, w_next, f_next)
        b, P, gap, it, status, next_ok, t = solve(X, prob, lam, C, alpha, w, f, f_ok, cache,
                                                  look, err, tol, max_iter, q_max, opts,
                                                  state)
        for j in range(d):
            coefs[k, j] = t * w[j]
        alphas[k] = alpha
        out[k, 0] = t * b
        out[k, 1] = P
        out[k, 2] = gap
        out[k, 3] = it
        out[k, 4] = status
        a2[:] = a1
        a1[:] = alpha
        c2 = c1
        c1 = c
    return coefs, alphas, out
