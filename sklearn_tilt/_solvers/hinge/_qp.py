"""Subproblem solvers on the working set ``B`` (its Gram matrix in memory).

* :func:`smo`: SMO with second-order working-set selection (Fan, Chen & Lin
  2005), O(|B|) per step; :func:`cd`: its analogue without an intercept
  (greedy dual coordinate descent);
* :func:`active_set`: a primal active-set method (Newton steps on the free
  set with the Cholesky factor of :mod:`._hinge_cholesky`), exact steps;
* :func:`subsolve`: SMO while the free set moves a lot (what a cold start
  needs), the active-set method once it settles (what a warm start needs).

``G[p]`` is the dual gradient ``y_i f_i - 1`` of ``i = B[p]``, kept up to date;
``sl[p]`` the row/column of ``i`` in the Gram matrix ``K``.
"""

import numpy as np
from numba import njit

from ._common import FASTMATH
from ._hinge_cholesky import chol_append, chol_delete, chol_solve, cholesky_inplace
from ._hinge_select import up_low

_INF = np.inf


@njit(cache=True)
def smo(B, nB, sl, K, y, C, alpha, G, eps, max_steps):
    """SMO with second-order working-set selection on the working set.

    ``G[p]`` is the dual gradient ``y_i f_i - 1`` of ``i = B[p]`` (kept up to
    date); ``alpha`` is updated in place.  Returns ``(steps, done, chg)``:
    the steps taken, ``done`` False when ``max_steps`` ran out first, and
    ``chg`` the number of samples that entered or left the free set.
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
            up, low = up_low(y[i], alpha[i], C[i])
            if up:
                v = -y[i] * G[p]
                if v >= Gmax:
                    Gmax = v
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
            up, low = up_low(y[j], alpha[j], C[j])
            if not low:
                continue
            v = y[j] * G[p]
            gd = Gmax + v
            if v >= Gmax2:
                Gmax2 = v
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
def cd(B, nB, sl, K, y, C, alpha, G, eps, max_steps):
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


@njit(cache=True, fastmath=FASTMATH)
def grad_update(K, sl, B, nB, y, h, G):
    """``G_p += y_p sum_q K[sl_p, q] h_q`` (``h`` indexed by slot)."""
    m = h.shape[0]
    for p in range(nB):
        row = K[sl[p]]
        acc = 0.0
        for q in range(m):
            acc += row[q] * h[q]
        G[p] += y[B[p]] * acc


@njit(cache=True)
def active_set(B, nB, sl, K, y, C, alpha, G, eps, fit_intercept, max_inner, L, state):
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
    cholesky_inplace(L, nf, keep)
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
        chol_solve(L, nf, keep, u)
        bb = 0.0
        if fit_intercept:
            for a in range(nf):
                v[a] = y[B[Fpos[a]]]
            chol_solve(L, nf, keep, v)
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
                    up, low = up_low(y[i], alpha[i], C[i])
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
            chol_delete(L, nf, keep, blk, x)
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
            grad_update(K, sl, B, nB, y, h, G)
        elif blk >= 0:
            i = B[Fpos[blk]]
            alpha[i] = C[i] if u[blk] > 0.0 else 0.0
        if blk >= 0:
            inF[Fpos[blk]] = False
            chol_delete(L, nf, keep, blk, x)
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
        kept = chol_append(L, nf, keep, h, K[sq, sq], x)
        Fpos[nf] = q
        inF[q] = True
        nf += 1
        last = q
        if not kept:
            # dependent on the free set: a Newton step cannot move it
            stuck[q] = True
    return False


@njit(cache=True)
def subsolve(B, nB, sl, K, y, C, alpha, G, eps, max_steps, fit_intercept, budget, L,
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
            st, done, chg = smo(B, nB, sl, K, y, C, alpha, G, eps, budget)
        else:
            st, done, chg = cd(B, nB, sl, K, y, C, alpha, G, eps, budget)
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
                if active_set(B, nB, sl, K, y, C, alpha, G, eps, fit_intercept,
                               4 * nB + 20, L, state):
                    # confirm with SMO's own stopping rule (usually 0 steps)
                    continue
    return total
