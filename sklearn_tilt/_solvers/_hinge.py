"""Exact solver for the hinge loss with an unpenalised intercept.

Primal (``S = sum(s)``)::

    P(w, b) = sum_i s_i max(0, 1 - y_i (w.x_i + b)) / S + lam ||w||^2

Dual (after dividing by ``2 lam``), ``C_i = s_i / (2 lam S)``::

    max_a  sum_i a_i - 0.5 ||sum_i a_i y_i x_i||^2,   0 <= a_i <= C_i,
           sum_i a_i y_i = 0            (only with an intercept)

    w = sum_i a_i y_i x_i,   D(a) = 2 lam (sum_i a_i - 0.5 ||w||^2) <= P(w, b).

Method: a decomposition method (Joachims 1999) with ``w`` kept explicitly.

* Outer iteration: one sweep over ``X`` gives the scores ``f_i = w.x_i``;
  the certificate is the relative duality gap ``(P - D) / P`` with ``P`` at
  the best intercept for the current ``w`` (the 1-D piecewise-linear problem
  in ``b``, solved exactly: an O(n) optimality check of the KKT intercept,
  else a weighted quickselect over the breakpoints).  Converged when the gap
  is at most ``tol``.
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
made feasible; ``w`` is rebuilt exactly from it as ``c U + sum_free a_i y_i
x_i`` with ``U = sum_{a_i = C_i} s_i y_i x_i`` kept up to date, so there is
no drift along the path.  After each subproblem the next ``lam``'s start is
predicted from the tentative solution and its scores are computed in the same
sweep over ``X`` (two dot products per row, memory bound), so a ``lam`` that
is certified right after its subproblem hands the next one its scores for
free; when ``w`` only scales (closed form) or does not change (hard margin),
the scores are rescaled or reused.  The whole loop runs inside numba.
"""

import math

import numpy as np
import scipy.sparse as sp
from numba import njit

from ._common import SolverResult, kernel_arrays, row_axpy, row_dot
from ._hinge_certificate import (
    UROUND,
    accurate_score_error,
    accurate_scores,
    accurate_w,
    canonical_intercept,
    dual_lower,
    polish_equality,
    gamma,
    make_feasible,
    norm_up,
    primal_upper,
    relative_gap,
    row_norms,
    scaled_margin_candidate,
    score_error,
)

# fast-math flags for the pure dot-product loops only (no nnan/ninf: the
# solver logic compares against infinities)
_FM = {"reassoc", "contract", "arcp", "nsz"}

_INF = np.inf
# Gram rows computed by BLAS when at least this many are missing at once
# (below, SIMD loops: BLAS is slow on small, oddly shaped products)
_BLAS_ROWS = 16


# --------------------------------------------------------------------------
# passes over X
# --------------------------------------------------------------------------


@njit(cache=True, fastmath=_FM)
def _scores(is_sparse, Xd, data, indices, indptr, rows, nrows, w, f):
    """``f[i] = x_i . w`` for ``i in rows[:nrows]``."""
    for k in range(nrows):
        i = rows[k]
        f[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w)


@njit(cache=True, fastmath=_FM)
def _scores2(is_sparse, Xd, data, indices, indptr, rows, nrows, w, f, w2, f2):
    """``f[i] = x_i . w`` and ``f2[i] = x_i . w2`` in one sweep over the rows
    (the second product is almost free: the sweep is memory bound)."""
    if is_sparse:
        for k in range(nrows):
            i = rows[k]
            a1 = 0.0
            a2 = 0.0
            for q in range(indptr[i], indptr[i + 1]):
                v = data[q]
                j = indices[q]
                a1 += v * w[j]
                a2 += v * w2[j]
            f[i] = a1
            f2[i] = a2
    else:
        d = Xd.shape[1]
        for k in range(nrows):
            i = rows[k]
            a1 = 0.0
            a2 = 0.0
            for j in range(d):
                v = Xd[i, j]
                a1 += v * w[j]
                a2 += v * w2[j]
            f[i] = a1
            f2[i] = a2


@njit(cache=True, fastmath=_FM)
def _add_rows(is_sparse, Xd, data, indices, indptr, rows, coefs, nrows, w):
    """``w += sum_k coefs[k] x_{rows[k]}``."""
    for k in range(nrows):
        c = coefs[k]
        if c != 0.0:
            row_axpy(is_sparse, Xd, data, indices, indptr, rows[k], c, w)


@njit(cache=True, fastmath=_FM)
def _w_from_alpha(is_sparse, Xd, data, indices, indptr, y, alpha, act, nact, w):
    w[:] = 0.0
    for k in range(nact):
        i = act[k]
        a = alpha[i]
        if a != 0.0:
            row_axpy(is_sparse, Xd, data, indices, indptr, i, a * y[i], w)


# --------------------------------------------------------------------------
# certificate
# --------------------------------------------------------------------------


@njit(cache=True)
def _kkt_intercept(f, y, C, alpha, act, nact):
    """Intercept from the KKT conditions and the maximal violation.

    Returns ``(b, viol)`` with ``viol = max_{I_up} t_i - min_{I_low} t_i``,
    ``t_i = y_i - f_i`` (the intercept that puts sample i on its margin).
    """
    m_up = -_INF
    M_low = _INF
    sfree = 0.0
    nfree = 0
    for k in range(nact):
        i = act[k]
        t = y[i] - f[i]
        a = alpha[i]
        below = a < C[i]
        above = a > 0.0
        if y[i] > 0.0:
            up = below
            low = above
        else:
            up = above
            low = below
        if up and t > m_up:
            m_up = t
        if low and t < M_low:
            M_low = t
        if below and above:
            sfree += t
            nfree += 1
    if nfree > 0:
        b = sfree / nfree
    elif m_up == -_INF:
        b = M_low if M_low < _INF else 0.0
    elif M_low == _INF:
        b = m_up
    else:
        b = 0.5 * (m_up + M_low)
    if m_up == -_INF or M_low == _INF:
        viol = 0.0
    else:
        viol = m_up - M_low
    return b, viol


@njit(cache=True)
def _certificate(f, ef, rn, y, s, C, alpha, act, nact, lam, w, ew, S, fit_intercept, tbuf):
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
    wn = norm_up(w)
    if fit_intercept:
        b_kkt, viol = _kkt_intercept(f, y, C, alpha, act, nact)
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


# --------------------------------------------------------------------------
# Gram cache (bounded; rows gathered to float64, products by BLAS)
# --------------------------------------------------------------------------


@njit(cache=True, fastmath=_FM)
def _dot_rows(Xc, a, b):
    acc = 0.0
    for k in range(Xc.shape[1]):
        acc += Xc[a, k] * Xc[b, k]
    return acc


@njit(cache=True, fastmath=_FM)
def _dot_many(Xc, a, cols, m, out):
    """``out[k] = Xc[a] . Xc[cols[k]]`` for ``k < m``, four rows at a time."""
    d = Xc.shape[1]
    k = 0
    while k + 4 <= m:
        b0 = cols[k]
        b1 = cols[k + 1]
        b2 = cols[k + 2]
        b3 = cols[k + 3]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for j in range(d):
            xa = Xc[a, j]
            s0 += xa * Xc[b0, j]
            s1 += xa * Xc[b1, j]
            s2 += xa * Xc[b2, j]
            s3 += xa * Xc[b3, j]
        out[k] = s0
        out[k + 1] = s1
        out[k + 2] = s2
        out[k + 3] = s3
        k += 4
    while k < m:
        out[k] = _dot_rows(Xc, a, cols[k])
        k += 1


@njit(cache=True, inline="always")
def _store_pair(K, valid, a, b, v):
    """Cache the Gram entry of slots ``a`` and ``b`` (both halves) as computed."""
    K[a, b] = v
    K[b, a] = v
    valid[a, b] = 1
    valid[b, a] = 1


@njit(cache=True)
def _cache_insert(is_sparse, Xd, data, indices, indptr, B, nB, Xc, K, valid, slot_of, who,
                  stamp, clock, state, workx, workb, workk):
    """Gram matrix of the working set ``B[:nB]`` (a contiguous ``(nB, nB)`` copy).

    The cache keeps float64 copies of the rows of up to ``cap`` samples (slots,
    least recently used evicted) and the inner products between them that
    were ever needed (``valid``); only missing pairs are computed: by BLAS for
    a block of at least ``_BLAS_ROWS`` rows, else by SIMD loops.
    ``state[0]`` is the number of slots ever used.
    """
    cap = who.shape[0]
    d = Xc.shape[1]
    nnew = 0
    for p in range(nB):
        sl = slot_of[B[p]]
        if sl >= 0:
            stamp[sl] = clock
        else:
            nnew += 1
    hi = state[0]
    if nnew > 0:
        # slots: never used first, then least recently used
        free_slots = np.empty(nnew, dtype=np.int64)
        nf = 0
        while nf < nnew and hi < cap:
            free_slots[nf] = hi
            stamp[hi] = clock  # taken: not a candidate for eviction below
            hi += 1
            nf += 1
        if nf < nnew:
            order = np.argsort(stamp[:hi])
            r = 0
            while nf < nnew:
                sl = order[r]
                r += 1
                if stamp[sl] == clock:
                    continue  # in the working set (cannot happen if cap >= nB)
                if who[sl] >= 0:
                    slot_of[who[sl]] = -1
                    who[sl] = -1
                for q in range(hi):
                    valid[sl, q] = 0
                    valid[q, sl] = 0
                free_slots[nf] = sl
                nf += 1
        state[0] = hi
        state[4] += nnew
        q = 0
        for p in range(nB):
            i = B[p]
            if slot_of[i] < 0:
                sl = free_slots[q]
                row = Xc[sl]
                row[:] = 0.0
                row_axpy(is_sparse, Xd, data, indices, indptr, i, 1.0, row)
                slot_of[i] = sl
                who[sl] = i
                stamp[sl] = clock
                q += 1
    slots = np.empty(nB, dtype=np.int64)
    for p in range(nB):
        slots[p] = slot_of[B[p]]
    # rows with a missing pair inside the working set: the new samples, and
    # old ones with a missing pair among the old ones
    need = np.zeros(nB, dtype=np.bool_)
    nneed = 0
    for p in range(nB):
        sp_ = slots[p]
        if valid[sp_, sp_] == 0:
            need[p] = True
            nneed += 1
    # pairs of old samples that were never in a working set together: one
    # inner product each
    for p in range(nB):
        if need[p]:
            continue
        sp_ = slots[p]
        for q in range(p):
            sq = slots[q]
            if not need[q] and valid[sp_, sq] == 0:
                _store_pair(K, valid, sp_, sq, _dot_rows(Xc, sp_, sq))
                state[6] += 1
    if nneed >= _BLAS_ROWS:
        # a block of rows against the whole working set: BLAS
        R = np.empty(nneed, dtype=np.int64)
        r = 0
        for p in range(nB):
            if need[p]:
                R[r] = p
                r += 1
        XR = workx[: nneed * d].reshape((nneed, d))
        for r in range(nneed):
            XR[r, :] = Xc[slots[R[r]]]
        XB = workb[: nB * d].reshape((nB, d))
        for p in range(nB):
            XB[p, :] = Xc[slots[p]]
        prod = np.dot(XR, XB.T)
        state[7] += nneed * nB
        for r in range(nneed):
            sa = slots[R[r]]
            for p in range(nB):
                _store_pair(K, valid, sa, slots[p], prod[r, p])
    elif nneed > 0:
        # a few rows: SIMD loops straight from the cached rows (small, oddly
        # shaped products are slow through BLAS: packing and call overhead)
        cols = np.empty(nB, dtype=np.int64)
        vals = np.empty(nB)
        for p in range(nB):
            if not need[p]:
                continue
            sa = slots[p]
            m = 0
            for q in range(nB):
                sb = slots[q]
                if valid[sa, sb] == 0:
                    cols[m] = sb
                    m += 1
            _dot_many(Xc, sa, cols, m, vals)
            state[7] += m
            for k in range(m):
                _store_pair(K, valid, sa, cols[k], vals[k])
    Kb = workk[: nB * nB].reshape((nB, nB))
    for p in range(nB):
        sp_ = slots[p]
        for q in range(nB):
            Kb[p, q] = K[sp_, slots[q]]
    return Kb


# --------------------------------------------------------------------------
# subproblem solvers on the working set
# --------------------------------------------------------------------------


@njit(cache=True)
def _smo(B, nB, sl, K, y, C, alpha, G, eps, max_steps):
    """SMO with second-order working-set selection on the working set.

    ``G[p]`` is the dual gradient ``y_i f_i - 1`` of ``i = B[p]`` (kept up to
    date); ``alpha`` is updated in place.  Returns ``(steps, done)``; ``done``
    is False when ``max_steps`` ran out first; ``chg`` counts the samples
    that entered or left the free set.
    """
    steps = 0
    done = False
    chg = 0
    while steps < max_steps:
        # --- select i: maximal -y_t G_t over I_up
        Gmax = -_INF
        ip = -1
        for p in range(nB):
            i = B[p]
            if y[i] > 0.0:
                if alpha[i] < C[i] and -G[p] >= Gmax:
                    Gmax = -G[p]
                    ip = p
            else:
                if alpha[i] > 0.0 and G[p] >= Gmax:
                    Gmax = G[p]
                    ip = p
        if ip < 0:
            done = True
            break
        i = B[ip]
        si = sl[ip]
        Kii = K[si, si]
        yi = y[i]
        # --- select j: second order over I_low
        Gmax2 = -_INF
        jp = -1
        obj_min = _INF
        for p in range(nB):
            j = B[p]
            if y[j] > 0.0:
                if alpha[j] > 0.0:
                    gd = Gmax + G[p]
                    if G[p] >= Gmax2:
                        Gmax2 = G[p]
                else:
                    continue
            else:
                if alpha[j] < C[j]:
                    gd = Gmax - G[p]
                    if -G[p] >= Gmax2:
                        Gmax2 = -G[p]
                else:
                    continue
            if gd > 0.0:
                sj = sl[p]
                Kjj = K[sj, sj]
                quad = Kii + Kjj - 2.0 * K[si, sj]
                tau = 1e-12 * (Kii + Kjj) + 1e-300
                if quad <= tau:
                    quad = tau
                od = -(gd * gd) / quad
                if od <= obj_min:
                    obj_min = od
                    jp = p
        if Gmax + Gmax2 < eps or jp < 0:
            done = True
            break
        j = B[jp]
        sj = sl[jp]
        yj = y[j]
        Kjj = K[sj, sj]
        Kij = K[si, sj]
        Ci = C[i]
        Cj = C[j]
        ai_old = alpha[i]
        aj_old = alpha[j]
        ai = ai_old
        aj = aj_old
        quad = Kii + Kjj - 2.0 * Kij
        tau = 1e-12 * (Kii + Kjj) + 1e-300
        if quad <= tau:
            quad = tau
        Gi = G[ip]
        Gj = G[jp]
        if yi != yj:
            delta = (-Gi - Gj) / quad
            diff = ai - aj
            ai += delta
            aj += delta
            if diff > 0.0:
                if aj < 0.0:
                    aj = 0.0
                    ai = diff
            else:
                if ai < 0.0:
                    ai = 0.0
                    aj = -diff
            if diff > Ci - Cj:
                if ai > Ci:
                    ai = Ci
                    aj = Ci - diff
            else:
                if aj > Cj:
                    aj = Cj
                    ai = Cj + diff
        else:
            delta = (Gi - Gj) / quad
            ssum = ai + aj
            ai -= delta
            aj += delta
            if ssum > Ci:
                if ai > Ci:
                    ai = Ci
                    aj = ssum - Ci
            else:
                if aj < 0.0:
                    aj = 0.0
                    ai = ssum
            if ssum > Cj:
                if aj > Cj:
                    aj = Cj
                    ai = ssum - Cj
            else:
                if ai < 0.0:
                    ai = 0.0
                    aj = ssum
        alpha[i] = ai
        alpha[j] = aj
        if (ai_old > 0.0 and ai_old < Ci) != (ai > 0.0 and ai < Ci):
            chg += 1
        if (aj_old > 0.0 and aj_old < Cj) != (aj > 0.0 and aj < Cj):
            chg += 1
        dai = (ai - ai_old) * yi
        daj = (aj - aj_old) * yj
        if dai == 0.0 and daj == 0.0:
            steps += 1
            done = True
            break
        for p in range(nB):
            sp_ = sl[p]
            G[p] += y[B[p]] * (K[si, sp_] * dai + K[sj, sp_] * daj)
        steps += 1
    return steps, done, chg


@njit(cache=True)
def _cd(B, nB, sl, K, y, C, alpha, G, eps, max_steps):
    """Greedy dual coordinate descent on the working set (no intercept)."""
    steps = 0
    done = False
    chg = 0
    while steps < max_steps:
        best = 0.0
        ip = -1
        for p in range(nB):
            i = B[p]
            g = G[p]
            if g < 0.0:
                v = -g if alpha[i] < C[i] else 0.0
            else:
                v = g if alpha[i] > 0.0 else 0.0
            if v > best:
                best = v
                ip = p
        if ip < 0 or best < eps:
            done = True
            break
        i = B[ip]
        si = sl[ip]
        Kii = K[si, si]
        a_old = alpha[i]
        if Kii > 0.0:
            a = a_old - G[ip] / Kii
        else:
            a = C[i] if G[ip] < 0.0 else 0.0
        if a < 0.0:
            a = 0.0
        elif a > C[i]:
            a = C[i]
        alpha[i] = a
        if (a_old > 0.0 and a_old < C[i]) != (a > 0.0 and a < C[i]):
            chg += 1
        da = (a - a_old) * y[i]
        steps += 1
        if da == 0.0:
            done = True
            break
        for p in range(nB):
            G[p] += y[B[p]] * K[si, sl[p]] * da
    return steps, done, chg




@njit(cache=True, fastmath=_FM)
def _cholesky_inplace(A, m, keep):
    """Lower Cholesky factor of ``A[:m, :m]`` in place (row-oriented), with
    dependent variables dropped.

    A pivot below ``1e-10`` of its diagonal entry means that variable is (to
    working precision) a combination of the previous ones: its row and column
    are replaced by the identity and ``keep`` is False there, so the factor is
    that of the principal submatrix of the kept variables.  Solves with it set
    the dropped unknowns to zero: the Newton step is then the exact minimiser
    over the kept variables (still a descent step; never an exception).
    """
    for j in range(m):
        keep[j] = True
        djj = A[j, j]
        for k in range(j + 1):
            if k < j and not keep[k]:
                A[j, k] = 0.0
                continue
            acc = A[j, k]
            for q in range(k):
                acc -= A[j, q] * A[k, q]
            if k < j:
                A[j, k] = acc / A[k, k]
            else:
                if not (acc > 1e-10 * djj):
                    keep[j] = False
                    for q in range(j):
                        A[j, q] = 0.0
                    A[j, j] = 1.0
                else:
                    A[j, j] = np.sqrt(acc)


@njit(cache=True, fastmath=_FM)
def _chol_solve(L, m, keep, r):
    """Solve ``L L^T x = r`` in place (dropped unknowns are set to zero)."""
    for j in range(m):
        if not keep[j]:
            r[j] = 0.0
            continue
        acc = r[j]
        for q in range(j):
            acc -= L[j, q] * r[q]
        r[j] = acc / L[j, j]
    for j in range(m - 1, -1, -1):
        if not keep[j]:
            r[j] = 0.0
            continue
        acc = r[j]
        for q in range(j + 1, m):
            acc -= L[q, j] * r[q]
        r[j] = acc / L[j, j]


@njit(cache=True, fastmath=_FM)
def _chol_append(L, nf, keep, h, hpp, l):
    """Append a variable to the factor of ``L[:nf, :nf]`` (``h``: its column of H).

    Returns True if it was kept (independent of the previous kept ones)."""
    s2 = 0.0
    for c in range(nf):
        if not keep[c]:
            l[c] = 0.0
            continue
        acc = h[c]
        for q in range(c):
            acc -= L[c, q] * l[q]
        lc = acc / L[c, c]
        l[c] = lc
        s2 += lc * lc
    dd = hpp - s2
    if dd > 1e-10 * hpp:
        for c in range(nf):
            L[nf, c] = l[c]
        L[nf, nf] = np.sqrt(dd)
        keep[nf] = True
    else:
        for c in range(nf):
            L[nf, c] = 0.0
        L[nf, nf] = 1.0
        keep[nf] = False
    return keep[nf]


@njit(cache=True, fastmath=_FM)
def _chol_delete(L, nf, keep, j, x):
    """Remove variable ``j`` from the factor of ``L[:nf, :nf]`` (rank-1 update)."""
    m = nf - 1 - j
    for k in range(m):
        x[k] = L[j + 1 + k, j] if keep[j] else 0.0
    # shift rows and columns up/left
    for r in range(j, nf - 1):
        for c in range(j):
            L[r, c] = L[r + 1, c]
        for c in range(j, r + 1):
            L[r, c] = L[r + 1, c + 1]
        keep[r] = keep[r + 1]
    # L33 L33^T + x x^T
    for k in range(m):
        kk = j + k
        if not keep[kk]:
            continue
        xk = x[k]
        if xk == 0.0:
            continue
        lkk = L[kk, kk]
        r = np.sqrt(lkk * lkk + xk * xk)
        cc = r / lkk
        ss = xk / lkk
        L[kk, kk] = r
        for i2 in range(k + 1, m):
            ii = j + i2
            if keep[ii]:
                lv = (L[ii, kk] + ss * x[i2]) / cc
                L[ii, kk] = lv
                x[i2] = cc * x[i2] - ss * lv


@njit(cache=True, fastmath=_FM)
def _grad_update(K, sl, B, nB, y, h, G):
    """``G_p += y_p sum_q K[sl_p, q] h_q`` (``h`` indexed by slot)."""
    m = h.shape[0]
    for p in range(nB):
        row = K[sl[p]]
        acc = 0.0
        for q in range(m):
            acc += row[q] * h[q]
        G[p] += y[B[p]] * acc


@njit(cache=True)
def _active_set(B, nB, sl, K, y, C, alpha, G, eps, fit_intercept, max_inner, L, state):
    """Primal active-set method on the working-set dual (exact steps).

    The free samples ``F`` (``0 < a < C``) are moved to the minimiser of the
    quadratic on ``{a_B\\F fixed, y_F . a_F = const}`` (``G_F + H d + b y_F =
    0``); a step blocked by the box puts the blocking sample on its bound
    (Cholesky downdate), a full step frees the bounded sample with the most
    violated KKT condition (Cholesky append).  One factorisation per call,
    then O(|F|^2) per change of the free set.  Returns True when the KKT
    conditions of the working set hold to ``eps``; False when it gave up
    (degenerate directions, or ``max_inner``): SMO takes over then.
    """
    Fpos = np.empty(nB, dtype=np.int64)
    inF = np.zeros(nB, dtype=np.bool_)
    stuck = np.zeros(nB, dtype=np.bool_)
    keep = np.empty(nB + 1, dtype=np.bool_)
    nf = 0
    for p in range(nB):
        i = B[p]
        if alpha[i] > 0.0 and alpha[i] < C[i]:
            Fpos[nf] = p
            inF[p] = True
            nf += 1
    for a in range(nf):
        pa = Fpos[a]
        sa = sl[pa]
        ya = y[B[pa]]
        for c in range(a + 1):
            pc = Fpos[c]
            L[a, c] = ya * y[B[pc]] * K[sa, sl[pc]]
    _cholesky_inplace(L, nf, keep)
    state[9] += (nf * nf * nf) // 1000000
    u = np.empty(nB)
    v = np.empty(nB)
    h = np.empty(nB)
    x = np.empty(nB)
    last = -1
    for it in range(max_inner):
        state[5] += 1
        # --- Newton direction on the free set
        for a in range(nf):
            u[a] = -G[Fpos[a]]
        _chol_solve(L, nf, keep, u)
        bb = 0.0
        if fit_intercept:
            for a in range(nf):
                v[a] = y[B[Fpos[a]]]
            _chol_solve(L, nf, keep, v)
            yu = 0.0
            yv = 0.0
            for a in range(nf):
                ya = y[B[Fpos[a]]]
                yu += ya * u[a]
                yv += ya * v[a]
            if yv > 0.0:
                bb = yu / yv
                for a in range(nf):
                    u[a] -= bb * v[a]
            else:
                # no kept free variable: the direction is zero and b comes
                # from the KKT interval of the working set
                for a in range(nf):
                    u[a] = 0.0
                m_up = -_INF
                M_low = _INF
                for p in range(nB):
                    i = B[p]
                    t = -y[i] * G[p]
                    below = alpha[i] < C[i]
                    above = alpha[i] > 0.0
                    up = below if y[i] > 0.0 else above
                    low = above if y[i] > 0.0 else below
                    if up and t > m_up:
                        m_up = t
                    if low and t < M_low:
                        M_low = t
                if m_up > -_INF and M_low < _INF:
                    bb = 0.5 * (m_up + M_low)
                elif m_up > -_INF:
                    bb = m_up
                elif M_low < _INF:
                    bb = M_low
        # --- ratio test
        tau = 1.0
        blk = -1
        for a in range(nf):
            da = u[a]
            if da == 0.0:
                continue
            i = B[Fpos[a]]
            if da > 0.0:
                lim = (C[i] - alpha[i]) / da
            else:
                lim = -alpha[i] / da
            if lim < tau:
                tau = lim
                blk = a
        if blk >= 0 and tau <= 0.0 and Fpos[blk] == last:
            # the sample just freed would leave the box at once: degenerate
            stuck[last] = True
            inF[last] = False
            _chol_delete(L, nf, keep, blk, x)
            for a in range(blk, nf - 1):
                Fpos[a] = Fpos[a + 1]
            nf -= 1
            last = -1
            continue
        # --- step
        if tau > 0.0:
            for p in range(nB):
                h[p] = 0.0
            for a in range(nf):
                pa = Fpos[a]
                i = B[pa]
                old = alpha[i]
                new = old + tau * u[a]
                if a == blk:
                    new = C[i] if u[a] > 0.0 else 0.0
                elif new < 0.0:
                    new = 0.0
                elif new > C[i]:
                    new = C[i]
                alpha[i] = new
                h[sl[pa]] = (new - old) * y[i]
            _grad_update(K, sl, B, nB, y, h, G)
        elif blk >= 0:
            i = B[Fpos[blk]]
            alpha[i] = C[i] if u[blk] > 0.0 else 0.0
        if blk >= 0:
            inF[Fpos[blk]] = False
            _chol_delete(L, nf, keep, blk, x)
            for a in range(blk, nf - 1):
                Fpos[a] = Fpos[a + 1]
            nf -= 1
            last = -1
            continue
        # --- full step: free the bounded sample with the most violated KKT condition
        best = eps
        q = -1
        for p in range(nB):
            if inF[p] or stuck[p]:
                continue
            i = B[p]
            r = G[p] + bb * y[i]
            if alpha[i] <= 0.0:
                viol = -r
            else:
                viol = r
            if viol > best:
                best = viol
                q = p
        if q < 0:
            # the free samples: their KKT residual must be small as well
            res = 0.0
            for a in range(nf):
                pa = Fpos[a]
                r = abs(G[pa] + bb * y[B[pa]])
                if r > res:
                    res = r
            return res < eps
        sq = sl[q]
        yq = y[B[q]]
        for c in range(nf):
            pc = Fpos[c]
            h[c] = yq * y[B[pc]] * K[sq, sl[pc]]
        kept = _chol_append(L, nf, keep, h, K[sq, sq], x)
        Fpos[nf] = q
        inF[q] = True
        nf += 1
        last = q
        if not kept:
            # dependent on the free set: a Newton step cannot move it
            stuck[q] = True
    return False


@njit(cache=True)
def _subsolve(B, nB, sl, K, y, C, alpha, G, eps, max_steps, fit_intercept, budget, L,
              state):
    """SMO (or coordinate descent) until the free set settles, then exact
    active-set steps; SMO again whenever the active-set method gives up.

    SMO steps cost O(|B|) and move any pair, which is what a cold start needs;
    an active-set step costs O(|B|^2) but lands exactly, which is what a warm
    start needs (there the first SMO chunk already sees few changes).
    """
    total = 0
    rounds = 0
    while total < max_steps:
        if fit_intercept:
            st, done, chg = _smo(B, nB, sl, K, y, C, alpha, G, eps, budget)
        else:
            st, done, chg = _cd(B, nB, sl, K, y, C, alpha, G, eps, budget)
        total += st
        if done:
            break
        if rounds < 20:
            nf = 0
            for p in range(nB):
                i = B[p]
                if alpha[i] > 0.0 and alpha[i] < C[i]:
                    nf += 1
            if chg <= 2 or 10 * chg <= nf:
                rounds += 1
                if _active_set(B, nB, sl, K, y, C, alpha, G, eps, fit_intercept,
                               4 * nB + 20, L, state):
                    # confirm with SMO's own stopping rule (usually 0 steps)
                    continue
    return total


# --------------------------------------------------------------------------
# working-set selection
# --------------------------------------------------------------------------


@njit(cache=True)
def _select(f, y, C, alpha, act, nact, b, fit_intercept, band, q_max, Bbuf, vbuf):
    """Fill ``Bbuf`` with the working set; return its size.

    Violation of sample i at intercept ``b`` (``t_i = y_i - f_i``): ``t_i - b``
    if it may move up (``I_up``), ``b - t_i`` if it may move down (``I_low``),
    the larger of both for free samples.  Every sample with violation above
    ``-band`` is a candidate; beyond ``q_max`` candidates, the most violating
    ones are kept, half from each side.
    """
    ncand = 0
    for k in range(nact):
        i = act[k]
        t = y[i] - f[i] - b
        a = alpha[i]
        below = a < C[i]
        above = a > 0.0
        if y[i] > 0.0:
            up = below
            low = above
        else:
            up = above
            low = below
        v = -_INF
        if up:
            v = t
        if low and -t > v:
            v = -t
        if v > -band:
            Bbuf[ncand] = i
            vbuf[ncand] = v
            ncand += 1
    if ncand <= q_max:
        return ncand
    # keep the most violating, balanced between the two sides
    upv = np.empty(ncand, dtype=np.float64)
    lowv = np.empty(ncand, dtype=np.float64)
    upi = np.empty(ncand, dtype=np.int64)
    lowi = np.empty(ncand, dtype=np.int64)
    nu = 0
    nl = 0
    for c in range(ncand):
        i = Bbuf[c]
        t = y[i] - f[i] - b
        a = alpha[i]
        below = a < C[i]
        above = a > 0.0
        if y[i] > 0.0:
            up = below
            low = above
        else:
            up = above
            low = below
        if up and (not low or t >= 0.0):
            upv[nu] = -t
            upi[nu] = i
            nu += 1
        else:
            lowv[nl] = t
            lowi[nl] = i
            nl += 1
    ou = np.argsort(upv[:nu])
    ol = np.argsort(lowv[:nl])
    half = q_max // 2
    take_u = min(nu, half)
    take_l = min(nl, q_max - take_u)
    take_u = min(nu, q_max - take_l)
    m = 0
    for r in range(take_u):
        Bbuf[m] = upi[ou[r]]
        m += 1
    for r in range(take_l):
        Bbuf[m] = lowi[ol[r]]
        m += 1
    return m


# --------------------------------------------------------------------------
# the outer loop
# --------------------------------------------------------------------------


# outcome of a solve
CONVERGED = 0
MAX_ITER = 1
STALLED = 2


@njit(cache=True)
def _w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act, nact, w, rn):
    """``w = X^T (alpha y)`` from scratch; returns the bound of its error."""
    _w_from_alpha(is_sparse, Xd, data, indices, indptr, y, alpha, act, nact, w)
    return _fresh_w_error(alpha, act, nact, rn)


@njit(cache=True)
def _fresh_w_error(alpha, act, nact, rn):
    """Error bound of ``X^T (alpha y)`` summed from scratch."""
    acc = 0.0
    m = 0
    for k in range(nact):
        i = act[k]
        if alpha[i] != 0.0:
            acc += alpha[i] * rn[i]
            m += 1
    return gamma(m + 2) * acc * (1.0 + gamma(nact + 2))


@njit(cache=True)
def _solve(is_sparse, Xd, data, indices, indptr, y, s, C, S, lam, alpha, w, act, nact,
           fit_intercept, tol, max_iter, q_max, Xc, K, valid, slot_of, who, stamp, state,
           opts, f, f_ok, workx, workb, workk, workl, has_next, a_prev, have_prev,
           c_prev, c_cur, c_next, Cnext, U, inU, alpha_next, w_next, f_next, rn, kmax,
           err):
    """Decomposition method; ``alpha``, ``w`` and the scores ``f`` are updated in
    place (``f_ok``: ``f`` already holds ``X w`` on entry; on exit it always does).

    Rounding is accounted for in ``err`` (updated in place): ``err[0]`` bounds
    ``||w - X^T (alpha y)||``, ``err[1]`` the score error ``|f_i - x_i.w| /
    ||x_i||``; ``w`` is recomputed from ``alpha`` from scratch when its drift
    could matter at ``tol``, and a stall is only declared for a ``w`` computed
    from scratch.

    Look-ahead (path only, ``has_next``): after each subproblem the warm start
    of the next lam is predicted from the tentative ``alpha`` and its scores are
    computed in the same sweep over ``X`` as the new scores of this lam; if
    this lam is then certified, the next one starts with no pass (``err[2]``:
    the error of ``w_next``).

    Returns ``(b, P, gap, n_iter, status, next_ok, t)``; the certified point
    is ``(t w, t b)``.
    """
    n = y.shape[0]
    tbuf = np.empty(nact)
    Lw = workl[: (q_max + 1) * (q_max + 1)].reshape((q_max + 1, q_max + 1))
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
    if has_next:
        for i in range(n):
            Cnext[i] = s[i] * c_next
    while True:
        wn = norm_up(w)
        if err[0] > 1e-3 * tol * wn and not fresh:
            # the drift of w could show in the certificate: recompute it if
            # that is worth it (a fresh sum can be as inexact, with cancellation)
            if _fresh_w_error(alpha, act, nact, rn) < 0.25 * err[0]:
                err[0] = _w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
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
            _scores(is_sparse, Xd, data, indices, indptr, act, nact, w, f)
            err[1] = score_error(kmax, wn)
            state[3] += 1
        f_ok = False
        b, P, gap, t, viol, searched, naive = _certificate(
            f, err[1], rn, y, s, C, alpha, act, nact, lam, w, err[0], S, fit_intercept,
            tbuf)
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
                err[0] = _w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
                                  nact, w, rn)
                fresh = True
                refreshed = True
                since_best = 0
                continue
            status = STALLED
            break
        nB = _select(f, y, C, alpha, act, nact, b, fit_intercept, band, q_max, Bbuf,
                     vbuf)
        if nB == 0:
            if eps_scale < 1e-6:
                if not fresh:
                    err[0] = _w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
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
        Kb = _cache_insert(is_sparse, Xd, data, indices, indptr, B, nB, Xc, K, valid,
                           slot_of, who, stamp, state[1], state, workx, workb, workk)
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
        stp = _subsolve(B, nB, ident[:nB], Kb, y, C, alpha, G, eps, max_steps,
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
                    err[0] = _w_fresh(is_sparse, Xd, data, indices, indptr, y, alpha, act,
                                      nact, w, rn)
                    fresh = True
                    continue
                status = STALLED
                break
            eps_scale *= 0.1
            continue
        _add_rows(is_sparse, Xd, data, indices, indptr, B, coefs, nB, w)
        # the sum of changed + 1 terms per entry, and the rounding of each change
        err[0] += gamma(changed + 2) * (wn + crn) + 2.0 * UROUND * crn
        fresh = False
        accurate = False
        if has_next:
            _predict(alpha_next, alpha, a_prev, have_prev, c_cur, c_prev, c_next, s, y,
                     Cnext, act, nact, fit_intercept, opts[4] != 0.0)
            err[2] = _rebuild_w(is_sparse, Xd, data, indices, indptr, y, s, Cnext, c_next,
                                alpha_next, act, nact, U, inU, w_next, rn, err, tol)
            _scores2(is_sparse, Xd, data, indices, indptr, act, nact, w, f, w_next, f_next)
            err[1] = score_error(kmax, norm_up(w))
            state[3] += 1
            f_ok = True
            next_ok = True
    return b, P, gap, n_iter, status, next_ok, t


# --------------------------------------------------------------------------
# initialisation helpers
# --------------------------------------------------------------------------


@njit(cache=True)
def _fix_equality(y, C, alpha, act, nact):
    """Restore ``sum a_i y_i = 0`` with as local a change as possible.

    The free samples move first (each in proportion to its room); if they
    cannot absorb the residual, every sample that can reduce it moves in
    proportion to its room (always enough: the heavier side can go to zero).
    """
    r = 0.0
    asum = 0.0
    for k in range(nact):
        i = act[k]
        r += alpha[i] * y[i]
        asum += alpha[i]
    if abs(r) <= 1e-12 * asum:
        # rounding residue of the solver: harmless, and leaving it keeps
        # alpha (hence w and the scores) unchanged between lams when nothing
        # else moves
        return
    for stage in range(2):
        room = 0.0
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if stage == 0 and not (a > 0.0 and a < C[i]):
                continue
            if (r > 0.0) == (y[i] > 0.0):
                room += a
            else:
                room += C[i] - a
        if room <= 0.0:
            continue
        frac = min(1.0, abs(r) / room)
        moved = 0.0
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if stage == 0 and not (a > 0.0 and a < C[i]):
                continue
            if (r > 0.0) == (y[i] > 0.0):
                new = a - frac * a
            else:
                new = a + frac * (C[i] - a)
                if new > C[i]:
                    new = C[i]
            alpha[i] = new
            moved += (new - a) * y[i]
        r += moved
        if abs(r) <= 1e-14 * asum:
            return


@njit(cache=True, fastmath=_FM)
def _rebuild_w(is_sparse, Xd, data, indices, indptr, y, s, C, c, alpha, act, nact, U, inU,
               w, rn, err, tol):
    """``w = c U + sum_{free} a_i y_i x_i`` with ``U = sum_{a_i = C_i} s_i y_i x_i``;
    returns a bound of ``||w - X^T (alpha y)||``.

    ``U`` is kept up to date incrementally (``inU`` flags what it holds), so a
    change of ``lam`` costs a pass over the free samples only.  Its rounding
    error is tracked (``err[3]``): ``c`` grows without bound as ``lam`` goes
    to 0, and so does ``c`` times the residue that samples leaving ``U``
    leave behind.  ``U`` is set to exactly 0 when it holds no sample, and is
    summed again from scratch when its error could show at ``tol``.
    """
    eU = err[3]
    uabs = 0.0
    nmem = 0
    for k in range(nact):
        i = act[k]
        if inU[i]:
            uabs += s[i] * rn[i]
            nmem += 1
    run = uabs
    for k in range(nact):
        i = act[k]
        atb = alpha[i] >= C[i]
        if atb != inU[i]:
            v = s[i] * y[i]
            if not atb:
                v = -v
            row_axpy(is_sparse, Xd, data, indices, indptr, i, v, U)
            inU[i] = atb
            run += s[i] * rn[i]
            eU += UROUND * (run + eU + 2.0 * s[i] * rn[i])
            nmem += 1 if atb else -1
    uabs = 0.0
    afree = 0.0
    nfree = 0
    for k in range(nact):
        i = act[k]
        if inU[i]:
            uabs += s[i] * rn[i]
        elif alpha[i] > 0.0:
            afree += alpha[i] * rn[i]
            nfree += 1
    uabs *= 1.0 + gamma(nact + 2)
    afree *= 1.0 + gamma(nact + 2)
    if nmem == 0:
        U[:] = 0.0
        eU = 0.0
    for rep in range(2):
        for j in range(w.shape[0]):
            w[j] = c * U[j]
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if a > 0.0 and a < C[i]:
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a * y[i], w)
        cu = c * (uabs + eU)
        # c U: its error, the rounding of c U and of C_i = s_i c; then the sum
        # of the free terms into it
        ew = c * eU + 2.0 * UROUND * cu + gamma(nfree + 2) * (cu + afree)
        if rep == 1 or nmem == 0 or ew <= 1e-3 * tol * norm_up(w):
            break
        fresh = gamma(nmem + 2) * uabs
        if fresh >= 0.25 * eU:
            break
        # sum U again from scratch
        U[:] = 0.0
        for k in range(nact):
            i = act[k]
            if inU[i]:
                row_axpy(is_sparse, Xd, data, indices, indptr, i, s[i] * y[i], U)
        eU = fresh
    err[3] = eU
    return ew


@njit(cache=True)
def _predict(out, a_cur, a_prev, have_prev, c_cur, c_prev, c_new, s, y, Cnew, act, nact,
             fit_intercept, linear):
    """Warm start at ``c_new`` from the solutions at ``c_cur`` (and ``c_prev``).

    The optimal ``alpha`` is piecewise affine in ``C`` (Hastie et al. 2004):
    with two previous solutions the start is their linear extrapolation in
    ``C`` (exact when no sample changes status in between); with one, samples
    on the upper bound follow the bound and the others keep their value.
    Then clipped to the box (values within 1e-12 of a bound snap to it) and
    made feasible.
    """
    if have_prev and linear and c_cur != c_prev:
        t = (c_new - c_cur) / (c_cur - c_prev)
        for q in range(nact):
            i = act[q]
            da = a_cur[i] - a_prev[i]
            # differences at the rounding level are not a trend: extrapolating
            # them would amplify them by t at every lam
            if abs(da) <= 1e-10 * s[i] * c_cur:
                out[i] = a_cur[i]
            else:
                out[i] = a_cur[i] + t * da
    else:
        for q in range(nact):
            i = act[q]
            out[i] = Cnew[i] if a_cur[i] >= s[i] * c_cur else a_cur[i]
    for q in range(nact):
        i = act[q]
        a = out[i]
        if not (a > 1e-12 * Cnew[i]):
            out[i] = 0.0
        elif a >= Cnew[i] * (1.0 - 1e-12):
            out[i] = Cnew[i]
    if fit_intercept:
        _fix_equality(y, Cnew, out, act, nact)


@njit(cache=True)
def _workspace(q_max, d):
    """Scratch buffers reused by every subproblem (flat; views are reshaped)."""
    m = q_max + 1
    return (np.empty(m * d), np.empty(m * d), np.empty(m * m), np.empty(m * m))


@njit(cache=True)
def _path_kernel(is_sparse, Xd, data, indices, indptr, y, s, S, lams, alpha, act, nact,
                 fit_intercept, tol, max_iter, q_max, cap, state, opts, rn, kmax):
    """Solve for every ``lams[k]`` (sorted decreasingly), warm-starting each.

    The optimal ``alpha`` is piecewise affine in ``C`` (Hastie et al. 2004), so
    from the third ``lam`` on the start is the linear extrapolation of the two
    previous solutions in ``C`` (exact when no sample changes status in
    between), clipped to the box and made feasible; for the second, samples on
    the upper bound follow the bound and the others keep their value.
    """
    n = y.shape[0]
    d = Xd.shape[1]
    L = lams.shape[0]
    coefs = np.empty((L, d))
    alphas = np.empty((L, n))
    out = np.empty((L, 5))  # b, P, gap, n_iter, status
    Xc = np.empty((cap, d))
    K = np.empty((cap, cap))
    valid = np.zeros((cap, cap), dtype=np.uint8)
    slot_of = -np.ones(n, dtype=np.int64)
    who = -np.ones(cap, dtype=np.int64)
    stamp = np.zeros(cap, dtype=np.int64)
    workx, workb, workk, workl = _workspace(q_max, d)
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
    # rounding bounds: w, scores, w_next, U (see _solve and _rebuild_w)
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
            _predict(alpha, a1, a2, k >= 2, c1, c2, c, s, y, C, act, nact, fit_intercept,
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
            err[0] = _rebuild_w(is_sparse, Xd, data, indices, indptr, y, s, C, c, alpha,
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
        b, P, gap, it, status, next_ok, t = _solve(
            is_sparse, Xd, data, indices, indptr, y, s, C, S, lam, alpha, w, act, nact,
            fit_intercept, tol, max_iter, q_max, Xc, K, valid, slot_of, who, stamp, state,
            opts, f, f_ok, workx, workb, workk, workl,
            k + 1 < L, a1, k >= 1, c1, c, c_next, Cnext, U, inU, alpha_next, w_next, f_next,
            rn, kmax, err)
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


# --------------------------------------------------------------------------
# Python wrappers
# --------------------------------------------------------------------------

_Q_MAX = 1000
_CACHE_ROWS = 2000
# diagnostics of the last call (slots used, subproblems, SMO steps, passes, Gram rows)
_LAST_STATS = np.zeros(10, dtype=np.int64)
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
        _scores(*ka, act, act.shape[0], np.ascontiguousarray(coef), f)
        # samples inside the margin of the initial guess start on their bound
        alpha = np.where(y * (f + b0) < 1.0, C, 0.0)
    else:
        # the large-lam closed form: every sample on its bound
        alpha = C.copy()
    make_feasible(y, C, alpha, act, act.shape[0], fit_intercept)
    return alpha


def _result(coef, intercept, alpha, n_iter, gap, P, status, max_iter):
    if status == CONVERGED:
        message = ""
    elif status == STALLED:
        message = (f"stalled: no further progress possible in floating point at a "
                   f"certified relative duality gap of {gap:.3g} (raising max_iter "
                   f"will not help; the problem is at the limit of float64 here, "
                   f"e.g. lam tiny on separable data)")
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
    ``dual`` the ``alpha``.  ``max_iter`` bounds the outer iterations.
    ``check_input=False`` skips the scans of ``X``, ``y`` and the weights.
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
    err[0] = _w_fresh(*ka, y, alpha, act, nact, w, rn)
    cap = int(min(nact, max(_CACHE_ROWS, _Q_MAX)))
    q_max = int(min(_Q_MAX, cap))
    Xc = np.empty((cap, d))
    K = np.empty((cap, cap))
    valid = np.zeros((cap, cap), dtype=np.uint8)
    slot_of = -np.ones(n, dtype=np.int64)
    who = -np.ones(cap, dtype=np.int64)
    stamp = np.zeros(cap, dtype=np.int64)
    state = np.zeros(10, dtype=np.int64)
    e_n = np.zeros(n)
    e_d = np.zeros(d)
    b, P, gap, n_iter, status, _, t = _solve(
        *ka, y, s, C, S, lam, alpha, w, act, nact, fit_intercept, tol, max_iter, q_max, Xc,
        K, valid, slot_of, who, stamp, state, _OPTS, np.zeros(n), False,
        *_workspace(q_max, d), False, e_n, False, 0.0, 0.0, 0.0, e_n, e_d,
        np.zeros(n, dtype=np.bool_), e_n, e_d, e_n, rn, kmax, err)
    _LAST_STATS[:] = state
    return _result(t * w, t * b, alpha, n_iter, gap, P, status, max_iter)


def hinge_path(X, y, sample_weight, lams, *, tol, max_iter, fit_intercept=True,
               coef_init=None, intercept_init=None, check_input=True):
    """Warm-started exact solutions for every ``lam`` in ``lams`` (in that order).

    The path is computed from the largest ``lam`` down inside numba, starting
    from the closed-form large-``lam`` solution (or, given ``coef_init``, from
    the samples inside its margin) and extrapolating the dual linearly in
    ``C`` from the two previous solutions (see the module docstring).  Every
    result carries its own certificate (``gap <= tol`` when ``converged``);
    ``max_iter`` bounds the outer iterations at each ``lam``; ``check_input=False``
    skips the scans of ``X``, ``y`` and the weights.
    """
    X, y, s, S, tol, max_iter = _validate(X, y, sample_weight, tol, max_iter, check_input)
    lams = np.asarray(lams, dtype=np.float64).reshape(-1)
    if lams.size == 0:
        return []
    for lam in lams:
        _check_lam(lam)
    fit_intercept = bool(fit_intercept)
    _check_classes(y, s, fit_intercept)
    ka = kernel_arrays(X)
    n, d = X.shape
    order = np.argsort(-lams, kind="stable")
    lsorted = np.ascontiguousarray(lams[order])
    act = np.flatnonzero(s > 0).astype(np.int64)
    nact = act.shape[0]
    C0 = s * (1.0 / (2.0 * lsorted[0] * S))
    alpha = _initial_alpha(ka, y, s, S, C0, act, lsorted[0], fit_intercept, coef_init,
                           intercept_init, None)
    cap = int(min(nact, max(_CACHE_ROWS, _Q_MAX)))
    q_max = int(min(_Q_MAX, cap))
    state = np.zeros(10, dtype=np.int64)
    rn = np.empty(n)
    kmax = row_norms(*ka, n, rn)
    coefs, alphas, out = _path_kernel(*ka, y, s, S, lsorted, alpha, act, nact,
                                      fit_intercept, tol, max_iter, q_max, cap, state, _OPTS,
                                      rn, kmax)
    _LAST_STATS[:] = state
    results = [None] * lams.size
    for k, pos in enumerate(order):
        results[pos] = _result(coefs[k].copy(), out[k, 0], alphas[k].copy(), out[k, 3],
                               out[k, 2], out[k, 1], int(out[k, 4]), max_iter)
    return results
