"""Subproblem solvers on the working set ``B`` (its Gram matrix in memory).

* :func:`._smo.smo` and :func:`._smo.cd`: SMO steps, O(|B|) each;
* :func:`active_set`: a primal active-set method (Newton steps on the free
  set with the Cholesky factor of :mod:`._cholesky`), exact steps;
* :func:`subsolve`: SMO while the free set moves a lot (what a cold start
  needs), the active-set method once it settles (what a warm start needs).

The working set ``ws`` is a :class:`._records.WorkingSet`: ``G[p]`` is the
dual gradient ``y_i f_i - 1`` of ``i = B[p]``, kept up to date; ``sl[p]`` the
row/column of ``i`` in the Gram matrix ``K``; ``L`` the room of the Cholesky factor.
"""

import numpy as np

from .._common import FASTMATH
from .._jit import njit
from ._cholesky import chol_append, chol_delete, chol_solve, cholesky_inplace
from ._select import up_low
from ._smo import cd, smo

_INF = np.inf


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
def active_set(ws, y, C, alpha, eps, fit_intercept, max_inner, stats):
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
    B, nB, sl, K, G, L = ws
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
    stats.factor_work[0] += (nf * nf * nf) // 1000000
    u = np.empty(nB)
    v = np.empty(nB)
    h = np.empty(nB)
    x = np.empty(nB)
    last = -1
    for _it in range(max_inner):
        stats.newton_steps[0] += 1
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
def subsolve(ws, y, C, alpha, eps, max_steps, fit_intercept, stats):
    """SMO (or coordinate descent) until the free set settles, then exact
    active-set steps; SMO again whenever the active-set method gives up.

    SMO steps cost O(|B|) and move any pair, which is what a cold start needs;
    an active-set step costs O(|B|^2) but lands exactly, which is what a warm
    start needs (there the first SMO chunk already sees few changes).  Each
    chunk of SMO takes at most ``nB`` steps.
    """
    B, nB = ws.B, ws.nB
    total = 0
    rounds = 0
    while total < max_steps:
        if fit_intercept:
            st, done, chg = smo(ws, y, C, alpha, eps, ws.nB)
        else:
            st, done, chg = cd(ws, y, C, alpha, eps, ws.nB)
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
                if active_set(ws, y, C, alpha, eps, fit_intercept, 4 * nB + 20, stats):
                    # confirm with SMO's own stopping rule (usually 0 steps)
                    continue
    return total
