"""Feasibility of a hinge dual vector: the box ``[0, C_i]`` and ``sum a_i y_i = 0``.

Each function but :func:`equality_correction` has two forms of one rule: a NumPy
form, which is what Python callers (the interior-point method, the coordinate
descent) run, never compiled, and a loop (``numba.extending.overload``) that kernels
compile; the tests check that they agree.  :func:`equality_correction` serves the
certificate of the coordinate descent only, in NumPy.
"""

import numpy as np

from .._jit import overload
from ._rounding import csum, put, take, two_sum

#: values within this fraction of ``C_i`` are put onto ``C_i``
SNAP = 1e-12


def make_feasible(y, C, alpha, act, nact, fit_intercept):
    """Make ``alpha`` dual feasible in place: clip into ``[0, C_i]`` (NaN to 0,
    values within ``SNAP`` of ``C_i`` onto it) and, with an intercept, make
    ``sum a_i y_i = 0`` by scaling down the heavier side, the rounding residual
    of that moved onto one free sample when possible.  Returns the residual
    ``sum a_i y_i`` left by rounding (:func:`._certificate.dual_lower` accounts for it)."""
    Ci = take(C, act, nact)
    a = take(alpha, act, nact)
    a = np.where(a > 0.0, np.where(a >= Ci * (1.0 - SNAP), Ci, a), 0.0)  # NaN to 0 too
    if fit_intercept:
        pos = take(y, act, nact) > 0.0
        sp_ = float(np.sum(a[pos]))
        sm = float(np.sum(a[~pos]))
        if sp_ > sm:
            a = np.where(pos, a * (sm / sp_), a)
        elif sm > sp_:
            a = np.where(pos, a, a * (sp_ / sm))
    put(alpha, act, nact, a)
    if not fit_intercept:
        return 0.0
    return polish_equality(y, C, alpha, act, nact)[0]


@overload(make_feasible, jit_options={"cache": True})
def _make_feasible_loop(y, C, alpha, act, nact, fit_intercept):
    def impl(y, C, alpha, act, nact, fit_intercept):
        sp_ = 0.0
        sm = 0.0
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if not (a > 0.0):  # also catches NaN
                a = 0.0
            elif a >= C[i] * (1.0 - SNAP):
                a = C[i]
            alpha[i] = a
            if y[i] > 0.0:
                sp_ += a
            else:
                sm += a
        if not fit_intercept:
            return 0.0
        if sp_ > sm:
            r = sm / sp_
            for k in range(nact):
                i = act[k]
                if y[i] > 0.0:
                    alpha[i] *= r
        elif sm > sp_:
            r = sp_ / sm
            for k in range(nact):
                i = act[k]
                if y[i] <= 0.0:
                    alpha[i] *= r
        return polish_equality(y, C, alpha, act, nact)[0]

    return impl


def _equality_residual(y, alpha, act, nact):
    """``sum_i alpha_i y_i`` over the active samples, compensated."""
    return csum(take(alpha, act, nact) * take(y, act, nact))


@overload(_equality_residual, jit_options={"cache": True})
def _equality_residual_loop(y, alpha, act, nact):
    def impl(y, alpha, act, nact):
        r = 0.0
        cr = 0.0
        for k in range(nact):
            i = act[k]
            r, cr = two_sum(r, cr, alpha[i] * y[i])
        return r + cr

    return impl


def polish_equality(y, C, alpha, act, nact):
    """Move the rounding residual of ``sum a_i y_i`` onto the free sample with
    the most room (if any).  Returns ``(r, j, delta)``: the residual left
    (compensated sum), and the sample whose ``alpha`` changed by ``delta``
    (``j = -1``: none; then ``w`` needs ``delta y_j x_j`` added by the caller)."""
    r = _equality_residual(y, alpha, act, nact)
    a = take(alpha, act, nact)
    Ci = take(C, act, nact)
    new = a - r * take(y, act, nact)
    ok = (a > 0.0) & (a < Ci) & (new > 0.0) & (new < Ci)
    room = np.where(ok, np.minimum(new, Ci - new), 0.0)
    best = -1
    delta = 0.0
    if nact > 0:
        k = int(np.argmax(room))
        if room[k] > 0.0:
            best = k if nact == alpha.shape[0] else int(act[k])
    if best >= 0:
        old = alpha[best]
        alpha[best] -= r * y[best]
        delta = float(alpha[best] - old)
        r = _equality_residual(y, alpha, act, nact)
    return r, best, delta


@overload(polish_equality, jit_options={"cache": True})
def _polish_equality_loop(y, C, alpha, act, nact):
    def impl(y, C, alpha, act, nact):
        r = _equality_residual(y, alpha, act, nact)
        best = -1
        room = 0.0
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if a > 0.0 and a < C[i]:
                new = a - r * y[i]
                if new > 0.0 and new < C[i]:
                    rm = min(new, C[i] - new)
                    if rm > room:
                        room = rm
                        best = i
        delta = 0.0
        if best >= 0:
            old = alpha[best]
            alpha[best] -= r * y[best]
            delta = alpha[best] - old
            r = _equality_residual(y, alpha, act, nact)
        return r, best, delta

    return impl


def equality_correction(y, C, alpha, act, f, b):
    """The change of ``alpha`` (inside its box) that moves ``t = sum_{act} a_i y_i``
    to 0 at the least first-order cost in the dual, or ``None`` (``t = 0``, or the
    box leaves no room).

    With scores ``f`` of ``w(a)`` and an intercept ``b``, changing ``a_i`` by
    ``delta_i`` with ``sum delta_i y_i = -t`` changes the dual (over ``2 lam``) by
    ``sum_i delta_i z_i - b t`` to first order, ``z_i = 1 - y_i (f_i + b)``: the
    samples of the heavier side lose ``a_i`` at a cost ``z_i`` each, those of the
    other side gain up to ``C_i - a_i`` at a cost ``-z_i``, and the cheapest are
    used first (free samples on their margins cost nothing; those that violate
    their KKT condition gain).  Scaling a whole side down instead also moves the
    samples at their bounds, at a cost of their hinge loss.  Returns ``(idx,
    new)``: the samples changed and their new values, within their boxes."""
    ya = y[act]
    aa = alpha[act]
    Ca = C[act]
    t = float(np.dot(aa, ya))
    if not (t != 0.0):
        return None
    side = 1.0 if t > 0.0 else -1.0
    z = 1.0 - ya * (f[act] + b)
    dec = (ya == side) & (aa > 0.0)
    inc = (ya != side) & (aa < Ca)
    cost = np.where(dec, z, np.where(inc, -z, np.inf))
    cap = np.where(dec, aa, np.where(inc, Ca - aa, 0.0))
    need = abs(t)
    n = cost.shape[0]
    k = min(64, n)
    while True:
        part = np.argpartition(cost, k - 1)[:k] if k < n else np.arange(n)
        order = part[np.argsort(cost[part], kind="stable")]
        order = order[np.isfinite(cost[order])]
        room = np.cumsum(cap[order])
        if (room.size and room[-1] >= need) or k >= n:
            break
        k = min(8 * k, n)
    if room.size == 0 or not (room[-1] > 0.0):
        return None
    m = min(int(np.searchsorted(room, need)) + 1, order.shape[0])
    sel = order[:m]
    move = cap[sel].copy()
    move[-1] = min(max(need - (room[m - 2] if m >= 2 else 0.0), 0.0), cap[sel[-1]])
    new = np.where(dec[sel], aa[sel] - move, aa[sel] + move)
    new = np.minimum(np.maximum(new, 0.0), Ca[sel])
    return act[sel], new
