"""The optimal intercept of the hinge primal for given scores.

For scores ``f`` the primal in ``b`` is the 1-D piecewise-linear convex
function ``sum_i s_i max(0, 1 - y_i (f_i + b)) / S``: an O(n) test of the
slopes at a hint, else a weighted quickselect over the breakpoints
``t_i = y_i - f_i``; when the minimiser is an interval, its midpoint is the
canonical choice.

Two forms, as the certificate (:mod:`._certificate`): NumPy code for Python callers
(never compiled) and, under the same names, loops that kernels compile
(``numba.extending.overload``); the tests check that they agree.
"""

import numpy as np

from .._jit import overload, register_jitable
from ._rounding import take

_INF = np.inf
#: slopes within this fraction of the total weight count as zero
_FLAT = 1e-12


def _breakpoints(f, y, s, act, nact):
    """``(t, w, S_+)``: the breakpoints ``t_i = y_i - f_i`` of the samples of
    positive weight, their weights, and the weight of class +1."""
    t = take(y, act, nact) - take(f, act, nact)
    w = take(s, act, nact)
    pos = take(y, act, nact) > 0.0
    if not np.all(w > 0.0):
        keep = w > 0.0
        t, w, pos = t[keep], w[keep], pos[keep]
    return t, w, np.sum(np.where(pos, w, 0.0))


def _slopes(t, w, splus, b):
    """One-sided derivatives of ``sum_i s_i max(0, 1 - y_i (f_i + b))`` at ``b``.

    Class +1 contributes ``s (t - b)`` for ``b < t``, class -1 ``s (b - t)`` for
    ``b > t``, so the slopes are ``S(t_i < b) - S_+`` (left) and
    ``S(t_i <= b) - S_+`` (right), ``S(.)`` the weight of the samples with that
    property."""
    dminus = np.sum(np.where(t < b, w, 0.0)) - splus
    dplus = np.sum(np.where(t <= b, w, 0.0)) - splus
    return dminus, dplus


def _quickselect_minimiser(t, w, target):
    """The smallest breakpoint ``t`` with ``sum_{t_i <= t} w_i >= target`` (the
    slope changes sign there), by weighted quickselect (expected O(n))."""
    acc = 0.0
    b = 0.0
    seed = 12345
    while t.shape[0] > 0:
        seed = (seed * 1103515245 + 12345) % 2147483648
        piv = t[seed % t.shape[0]]
        lt = t < piv
        wl = np.sum(np.where(lt, w, 0.0))
        we = np.sum(np.where(t == piv, w, 0.0))
        if acc + wl >= target:
            t, w = t[lt], w[lt]
        elif acc + wl + we >= target:
            b = piv
            break
        else:
            acc += wl + we
            gt = t > piv
            t, w = t[gt], w[gt]
    return b


def intercept_interval(f, y, s, act, nact, b_hint, tbuf):
    """The interval ``[lo, hi]`` of minimisers over ``b`` of
    ``sum_i s_i max(0, 1 - y_i (f_i + b))`` (needs weight in both classes).

    ``b_hint`` (e.g. the intercept of the KKT conditions) is tested first in
    O(n) by its one-sided derivatives; only when it is not a minimiser are the
    breakpoints searched (weighted quickselect, expected O(n)).  A slope within
    ``1e-12`` of the total weight counts as zero (weights that balance up to
    rounding).  ``tbuf`` is scratch of length ``nact`` (for the compiled form).
    Returns ``(lo, hi, searched)``.
    """
    t, w, splus = _breakpoints(f, y, s, act, nact)
    tz = _FLAT * float(np.sum(w))
    dminus, dplus = _slopes(t, w, splus, b_hint)
    searched = False
    b = b_hint
    if not (dminus <= tz and dplus >= -tz):
        b = _quickselect_minimiser(t, w, splus - tz)
        searched = True
        dminus, dplus = _slopes(t, w, splus, b)
    lo = b
    hi = b
    if dplus <= tz:
        # flat to the right of b: up to the next breakpoint
        right = t[t > b]
        if right.shape[0] > 0:
            hi = np.min(right)
    if dminus >= -tz:
        # flat to the left of b: down to the previous breakpoint
        left = t[t < b]
        if left.shape[0] > 0:
            lo = np.max(left)
    return lo, hi, searched


def canonical_intercept(f, y, s, act, nact, b_hint, tbuf):
    """The midpoint of the interval of optimal intercepts for the scores ``f``
    (see :func:`intercept_interval`); a canonical choice that does not depend
    on how the samples are represented (weights or repeated rows).
    Returns ``(b, searched)``."""
    lo, hi, searched = intercept_interval(f, y, s, act, nact, b_hint, tbuf)
    return 0.5 * lo + 0.5 * hi, searched


@overload(canonical_intercept, jit_options={"cache": True})
def _canonical_intercept_loop(f, y, s, act, nact, b_hint, tbuf):
    def impl(f, y, s, act, nact, b_hint, tbuf):
        lo, hi, searched = intercept_interval(f, y, s, act, nact, b_hint, tbuf)
        return 0.5 * lo + 0.5 * hi, searched

    return impl


# --------------------------------------------------------------------------
# the compiled form
# --------------------------------------------------------------------------


@register_jitable
def _slopes_loop(f, y, s, act, nact, b):
    """:func:`_slopes` over ``act[:nact]`` and the total weight, in one loop."""
    dminus = 0.0
    dplus = 0.0
    stot = 0.0
    for k in range(nact):
        i = act[k]
        t = y[i] - f[i]
        si = s[i]
        stot += si
        if y[i] > 0.0:
            if t > b:
                dplus -= si
                dminus -= si
            elif t == b:
                dminus -= si
        else:
            if t < b:
                dplus += si
                dminus += si
            elif t == b:
                dplus += si
    return dminus, dplus, stot


@register_jitable
def _quickselect_loop(f, y, s, act, nact, tz, tbuf):
    """:func:`_quickselect_minimiser` in place on ``tbuf`` (three-way partitions)."""
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


@overload(intercept_interval, jit_options={"cache": True})
def _intercept_interval_loop(f, y, s, act, nact, b_hint, tbuf):
    def impl(f, y, s, act, nact, b_hint, tbuf):
        dminus, dplus, stot = _slopes_loop(f, y, s, act, nact, b_hint)
        tz = _FLAT * stot
        searched = False
        b = b_hint
        if not (dminus <= tz and dplus >= -tz):
            b = _quickselect_loop(f, y, s, act, nact, tz, tbuf)
            searched = True
            dminus, dplus, stot = _slopes_loop(f, y, s, act, nact, b)
        lo = b
        hi = b
        if dplus <= tz:
            hi = _INF
            for k in range(nact):
                i = act[k]
                t = y[i] - f[i]
                if s[i] > 0.0 and t > b and t < hi:
                    hi = t
            if hi == _INF:
                hi = b
        if dminus >= -tz:
            lo = -_INF
            for k in range(nact):
                i = act[k]
                t = y[i] - f[i]
                if s[i] > 0.0 and t < b and t > lo:
                    lo = t
            if lo == -_INF:
                lo = b
        return lo, hi, searched

    return impl
