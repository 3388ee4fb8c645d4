"""The optimal intercept of the hinge primal for given scores.

For scores ``f`` the primal in ``b`` is the 1-D piecewise-linear convex
function ``sum_i s_i max(0, 1 - y_i (f_i + b)) / S``: an O(n) test of the
slopes at a hint, else a weighted quickselect over the breakpoints
``t_i = y_i - f_i``; when the minimiser is an interval, its midpoint is the
canonical choice.
"""

import numpy as np
from numba import njit

_INF = np.inf


@njit(cache=True)
def _slopes(f, y, s, act, nact, b):
    """One-sided derivatives of ``sum_i s_i max(0, 1 - y_i (f_i + b))`` at ``b``
    and the total weight."""
    dminus = 0.0
    dplus = 0.0
    stot = 0.0
    for k in range(nact):
        i = act[k]
        t = y[i] - f[i]
        si = s[i]
        stot += si
        if y[i] > 0.0:
            # loss s (t - b) for b < t
            if t > b:
                dplus -= si
                dminus -= si
            elif t == b:
                dminus -= si
        else:
            # loss s (b - t) for b > t
            if t < b:
                dplus += si
                dminus += si
            elif t == b:
                dplus += si
    return dminus, dplus, stot


@njit(cache=True)
def _quickselect_minimiser(f, y, s, act, nact, tz, tbuf):
    """A minimiser of the 1-D problem by weighted quickselect over the
    breakpoints ``t_i = y_i - f_i``: the smallest ``t`` with
    ``sum_{t_i <= t} s_i >= S_+`` (the slope there changes sign)."""
    splus = 0.0
    m = 0
    wbuf = np.empty(nact)
    for k in range(nact):
        i = act[k]
        if s[i] > 0.0:
            tbuf[m] = y[i] - f[i]
            wbuf[m] = s[i]
            m += 1
            if y[i] > 0.0:
                splus += s[i]
    target = splus - tz
    lo_i = 0
    hi_i = m
    acc = 0.0
    b = 0.0
    seed = 12345
    while hi_i > lo_i:
        seed = (seed * 1103515245 + 12345) % 2147483648
        piv = tbuf[lo_i + seed % (hi_i - lo_i)]
        # three-way partition of [lo_i, hi_i): < piv | == piv | > piv
        lt = lo_i
        gt = hi_i
        r = lo_i
        wl = 0.0
        we = 0.0
        while r < gt:
            v = tbuf[r]
            if v < piv:
                tbuf[r], tbuf[lt] = tbuf[lt], tbuf[r]
                wbuf[r], wbuf[lt] = wbuf[lt], wbuf[r]
                wl += wbuf[lt]
                lt += 1
                r += 1
            elif v > piv:
                gt -= 1
                tbuf[r], tbuf[gt] = tbuf[gt], tbuf[r]
                wbuf[r], wbuf[gt] = wbuf[gt], wbuf[r]
            else:
                we += wbuf[r]
                r += 1
        if acc + wl >= target:
            hi_i = lt
        elif acc + wl + we >= target:
            b = piv
            break
        else:
            acc += wl + we
            lo_i = gt
    return b


@njit(cache=True)
def intercept_interval(f, y, s, act, nact, b_hint, tbuf):
    """The interval ``[lo, hi]`` of minimisers over ``b`` of
    ``sum_i s_i max(0, 1 - y_i (f_i + b))`` (needs weight in both classes).

    ``b_hint`` (e.g. the intercept of the KKT conditions) is tested first in
    O(n) by its one-sided derivatives; only when it is not a minimiser are the
    breakpoints searched (weighted quickselect, expected O(n)).  A slope within
    ``1e-12`` of the total weight counts as zero (weights that balance up to
    rounding).  ``tbuf`` is scratch of length ``nact``.  Returns
    ``(lo, hi, searched)``.
    """
    dminus, dplus, stot = _slopes(f, y, s, act, nact, b_hint)
    tz = 1e-12 * stot
    searched = False
    b = b_hint
    if not (dminus <= tz and dplus >= -tz):
        b = _quickselect_minimiser(f, y, s, act, nact, tz, tbuf)
        searched = True
        dminus, dplus, stot = _slopes(f, y, s, act, nact, b)
    lo = b
    hi = b
    if dplus <= tz:
        # flat to the right of b: up to the next breakpoint
        hi = _INF
        for k in range(nact):
            i = act[k]
            t = y[i] - f[i]
            if s[i] > 0.0 and t > b and t < hi:
                hi = t
        if hi == _INF:
            hi = b
    if dminus >= -tz:
        # flat to the left of b: down to the previous breakpoint
        lo = -_INF
        for k in range(nact):
            i = act[k]
            t = y[i] - f[i]
            if s[i] > 0.0 and t < b and t > lo:
                lo = t
        if lo == -_INF:
            lo = b
    return lo, hi, searched


@njit(cache=True)
def canonical_intercept(f, y, s, act, nact, b_hint, tbuf):
    """The midpoint of the interval of optimal intercepts for the scores ``f``
    (see :func:`intercept_interval`); a canonical choice that does not depend
    on how the samples are represented (weights or repeated rows).
    Returns ``(b, searched)``."""
    lo, hi, searched = intercept_interval(f, y, s, act, nact, b_hint, tbuf)
    return 0.5 * lo + 0.5 * hi, searched
