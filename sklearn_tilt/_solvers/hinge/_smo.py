"""SMO on the working set ``B`` (its Gram matrix in memory), O(|B|) per step.

* :func:`smo`: SMO with second-order working-set selection (Fan, Chen & Lin
  2005), for the dual with the equality constraint (an intercept);
* :func:`cd`: its analogue without an intercept (greedy dual coordinate descent).

The working set ``ws`` is a :class:`._records.WorkingSet`: ``G[p]`` is the
dual gradient ``y_i f_i - 1`` of ``i = B[p]``, kept up to date; ``sl[p]`` the
row/column of ``i`` in the Gram matrix ``K``.
"""

import numpy as np

from .._jit import njit
from ._select import up_low

_INF = np.inf


@njit(cache=True)
def smo(ws, y, C, alpha, eps, max_steps):
    """SMO with second-order working-set selection on the working set.

    ``G[p]`` is the dual gradient ``y_i f_i - 1`` of ``i = B[p]`` (kept up to
    date); ``alpha`` is updated in place.  Returns ``(steps, done, chg)``:
    the steps taken, ``done`` False when ``max_steps`` ran out first, and
    ``chg`` the number of samples that entered or left the free set.
    """
    B, nB, sl, K, G, _ = ws
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
def cd(ws, y, C, alpha, eps, max_steps):
    """Greedy dual coordinate descent on the working set (no intercept)."""
    B, nB, sl, K, G, _ = ws
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
