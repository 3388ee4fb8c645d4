"""The optimal intercept of the hinge primal for given scores.

For scores ``f`` the primal in ``b`` is the 1-D piecewise-linear convex
function ``sum_i s_i max(0, 1 - y_i (f_i + b)) / S``: an O(n) test of the
slopes at a hint, else a weighted quickselect over the breakpoints
``t_i = y_i - f_i``; when the minimiser is an interval, its midpoint is the
canonical choice.

Written over whole arrays and registered with numba's ``register_jitable``, as
the certificate (:mod:`._certificate`): plain NumPy code from Python, compiled
into the kernels that call it.
"""

import numpy as np
from numba.extending import register_jitable

_INF = np.inf


@register_jitable
def _slopes(f, y, s, act, nact, b):
    """One-sided derivatives of ``sum_i s_i max(0, 1 - y_i (f_i + b))`` at ``b``
    and the total weight."""
    idx = act[:nact]
    t = y[idx] - f[idx]
    si = s[idx]
    pos = y[idx] > 0.0
    # class +1: loss s (t - b) for b < t; class -1: loss s (b - t) for b > t
    dminus = np.sum(np.where(pos, np.where(t >= b, -si, 0.0), np.where(t < b, si, 0.0)))
    dplus = np.sum(np.where(pos, np.where(t > b, -si, 0.0), np.where(t <= b, si, 0.0)))
    return dminus, dplus, np.sum(si)


@register_jitable
def _quickselect_minimiser(f, y, s, act, nact, tz, tbuf):
    """A minimiser of the 1-D problem by weighted quickselect over the
    breakpoints ``t_i = y_i - f_i``: the smallest ``t`` with
    ``sum_{t_i <= t} s_i >= S_+`` (the slope there changes sign).  ``tbuf`` is
    not needed (kept for the callers)."""
    idx = act[:nact]
    si = s[idx]
    keep = si > 0.0
    idx = idx[keep]
    t = y[idx] - f[idx]
    w = si[keep]
    target = np.sum(np.where(y[idx] > 0.0, w, 0.0)) - tz
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


@register_jitable
def intercept_interval(f, y, s, act, nact, b_hint, tbuf):
    """The interval ``[lo, hi]`` of minimisers over ``b`` of
    ``sum_i s_i max(0, 1 - y_i (f_i + b))`` (needs weight in both classes).

    ``b_hint`` (e.g. the intercept of the KKT conditions) is tested first in
    O(n) by its one-sided derivatives; only when it is not a minimiser are the
    breakpoints searched (weighted quickselect, expected O(n)).  A slope within
    ``1e-12`` of the total weight counts as zero (weights that balance up to
    rounding).  ``tbuf`` is scratch of length ``nact`` (not needed by this
    form).  Returns ``(lo, hi, searched)``.
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
    if dplus <= tz or dminus >= -tz:
        idx = act[:nact]
        idx = idx[s[idx] > 0.0]
        t = y[idx] - f[idx]
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


@register_jitable
def canonical_intercept(f, y, s, act, nact, b_hint, tbuf):
    """The midpoint of the interval of optimal intercepts for the scores ``f``
    (see :func:`intercept_interval`); a canonical choice that does not depend
    on how the samples are represented (weights or repeated rows).
    Returns ``(b, searched)``."""
    lo, hi, searched = intercept_interval(f, y, s, act, nact, b_hint, tbuf)
    return 0.5 * lo + 0.5 * hi, searched
