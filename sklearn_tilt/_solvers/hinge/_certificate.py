"""Intercept and duality-gap certificate of the hinge problem.

Primal (``S = sum(s)``, ``C_i = s_i / (2 lam S)``)::

    P(w, b) = sum_i s_i max(0, 1 - y_i (w.x_i + b)) / S + lam ||w||^2

Dual (in the units of the primal)::

    D(a) = 2 lam (sum_i a_i - 0.5 ||X^T (a y)||^2),  0 <= a_i <= C_i,
           sum_i a_i y_i = 0            (only with an intercept)

and ``D(a) <= P* <= P(w, b)`` for every feasible ``a`` and every ``(w, b)``.

A certificate is only as good as the arithmetic behind it.  Near the hard
margin (tiny ``lam``, separable data) ``P`` is ``lam ||w||^2 ~ 1e-13`` while
the losses are computed from margins of order 1, so a rounding error of
``1e-16`` in one margin is already a relative error of ``1e-3`` in ``P``.
The functions here therefore return **bounds**: :func:`primal_upper` is at
least the exact primal at the given ``(w, b)``, :func:`dual_lower` at most the
exact dual of a feasible point within rounding of ``a``, both with
allowances from the standard bounds of floating-point summation
(``|fl(sum t_k) - sum t_k| <= gamma_m sum |t_k|``, ``gamma_m = m u / (1 - m u)``,
``u = 2**-53``) that hold for any summation order.  The relative gap
:func:`relative_gap` of the two bounds is then never below the true relative
suboptimality of ``(w, b)``, and is never reported as 0.

Inputs the bounds need from the caller:

* ``rn[i] >= ||x_i||`` (from :func:`row_norms`), ``kmax`` the largest number
  of stored entries of a row;
* ``ef``: the scores ``f`` satisfy ``|f_i - x_i.w| <= ef * rn[i]`` (after a
  plain pass over ``X``, ``ef = score_error(kmax, ||w||)``);
* ``ew``: ``||w - X^T (a y)|| <= ew`` for the dual vector ``a``.

Every function is ``@njit`` over arrays and scalars and can be called from
other kernels; ``act[:nact]`` lists the samples with a positive weight (the
others take no part).
"""

import numpy as np
from numba import njit

# unit roundoff of float64
UROUND = 2.0**-53
_INF = np.inf


@njit(cache=True)
def gamma(m):
    """``gamma_m = m u / (1 - m u)``: the relative error bound of an ``m``-term sum."""
    mu = m * UROUND
    return mu / (1.0 - mu)


@njit(cache=True)
def row_norms(is_sparse, Xd, data, indices, indptr, n, rn):
    """``rn[i] >= ||x_i||`` (rounded up) for all rows; returns ``kmax``, the most
    stored entries in a row (``d`` for dense input)."""
    if is_sparse:
        kmax = 0
        for i in range(n):
            k = indptr[i + 1] - indptr[i]
            if k > kmax:
                kmax = k
    else:
        kmax = Xd.shape[1]
    up = (1.0 + gamma(kmax + 2)) * (1.0 + 2.0 * UROUND)
    for i in range(n):
        acc = 0.0
        if is_sparse:
            for q in range(indptr[i], indptr[i + 1]):
                acc += data[q] * data[q]
        else:
            for q in range(Xd.shape[1]):
                v = Xd[i, q]
                acc += v * v
        rn[i] = np.sqrt(acc) * up
    return kmax


@njit(cache=True)
def norm_up(w):
    """``||w||_2`` rounded up (a bound of the exact norm of the float vector)."""
    acc = 0.0
    c = 0.0
    for k in range(w.shape[0]):
        acc, c = two_sum(acc, c, w[k] * w[k])
    # each square rounded (u), the compensated sum (2u + comp_bound)
    rel = 4.0 * UROUND + comp_bound(w.shape[0])
    return np.sqrt((acc + c) * (1.0 + rel)) * (1.0 + 2.0 * UROUND)


@njit(cache=True)
def score_error(kmax, wnorm):
    """``ef`` after a plain pass ``f_i = fl(x_i . w)``: ``|f_i - x_i.w| <= ef ||x_i||``."""
    return gamma(kmax + 1) * wnorm


@njit(cache=True)
def two_sum(s, c, x):
    """Neumaier's compensated addition: ``s + c`` is ``s + c + x`` with the
    rounding error of ``s + x`` collected in ``c``."""
    t = s + x
    if abs(s) >= abs(x):
        c += (s - t) + x
    else:
        c += (x - t) + s
    return t, c


@njit(cache=True)
def comp_bound(n):
    """Compensated sum of ``n`` terms: ``|err| <= 2u |sum| + comp_bound(n) sum |t|``."""
    g = gamma(n + 2)
    return 2.0 * g * g


# --------------------------------------------------------------------------
# feasibility of a dual vector
# --------------------------------------------------------------------------


@njit(cache=True)
def make_feasible(y, C, alpha, act, nact, fit_intercept):
    """Make ``alpha`` dual feasible in place: clip into ``[0, C_i]`` (NaN to 0,
    values within ``1e-12`` of ``C_i`` onto it) and, with an intercept, make
    ``sum a_i y_i = 0`` by scaling down the heavier side, the rounding residual
    of that moved onto one free sample when possible.  Returns the residual
    ``sum a_i y_i`` left by rounding (:func:`dual_lower` accounts for it)."""
    sp_ = 0.0
    sm = 0.0
    for k in range(nact):
        i = act[k]
        a = alpha[i]
        if not (a > 0.0):  # also catches NaN
            a = 0.0
        elif a >= C[i] * (1.0 - 1e-12):
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
            if y[i] < 0.0:
                alpha[i] *= r
    return polish_equality(y, C, alpha, act, nact)[0]


@njit(cache=True)
def _equality_residual(y, alpha, act, nact):
    """``sum_i alpha_i y_i`` over the active samples, compensated (Neumaier)."""
    r = 0.0
    cr = 0.0
    for k in range(nact):
        i = act[k]
        r, cr = two_sum(r, cr, alpha[i] * y[i])
    return r + cr


@njit(cache=True)
def polish_equality(y, C, alpha, act, nact):
    """Move the rounding residual of ``sum a_i y_i`` onto the free sample with
    the most room (if any).  Returns ``(r, j, delta)``: the residual left
    (compensated sum), and the sample whose ``alpha`` changed by ``delta``
    (``j = -1``: none; then ``w`` needs ``delta y_j x_j`` added by the caller)."""
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


# --------------------------------------------------------------------------
# bounds of the objectives
# --------------------------------------------------------------------------


@njit(cache=True)
def primal_upper(f, ef, rn, y, s, act, nact, b, lam, wnorm, S):
    """``(P, P_up)``: the primal computed from the scores and an upper bound of
    the exact primal at ``(w, b)`` (``wnorm >= ||w||``; see the module
    docstring for ``ef`` and ``rn``)."""
    loss = 0.0
    loss_up = 0.0
    cup = 0.0
    ab = abs(b)
    for k in range(nact):
        i = act[k]
        fb = f[i] + b
        z = 1.0 - y[i] * fb
        # error of z: the score, then two roundings
        e = ef * rn[i] + 2.0 * UROUND * (abs(f[i]) + ab + 1.0 + abs(fb))
        if z > 0.0:
            loss += s[i] * z
        if z + e > 0.0:
            # s_i (z + e) rounded up, summed with compensation
            loss_up, cup = two_sum(loss_up, cup, s[i] * (z + e) * (1.0 + 4.0 * UROUND))
    loss_up += cup
    # the compensated sum (2u + comp_bound, nonnegative terms), S rounded (u)
    # and the division (u)
    rel = 6.0 * UROUND + comp_bound(nact)
    reg = lam * wnorm * wnorm
    P = loss / S + reg
    P_up = (loss_up / S * (1.0 + rel) + reg * (1.0 + 4.0 * UROUND)) * (1.0 + 2.0 * UROUND)
    return P, P_up


@njit(cache=True)
def dual_lower(y, C, alpha, act, nact, lam, wnorm, ew, rn, fit_intercept):
    """``(D, D_low)``: the dual of ``alpha`` computed with ``||X^T(a y)|| ~ wnorm``
    and a lower bound of the exact dual of a feasible point next to ``alpha``.

    ``ew`` bounds ``||w - X^T (a y)||`` for the ``w`` whose (rounded up) norm
    is ``wnorm``.  Values outside the box are clipped and their excess added
    to the error of ``X^T (a y)``; an equality residual ``r = sum a_i y_i``
    left by rounding is removed in exact arithmetic by scaling down the
    heavier side, which costs at most ``|r|`` in ``sum a`` and ``|r| max ||x_i||``
    in ``||X^T (a y)||``.  ``C`` is taken as exact up to a few roundings
    (``S`` must be the correctly rounded sum of the weights, e.g. ``math.fsum``).
    """
    asum = 0.0
    ca = 0.0
    r = 0.0
    cr = 0.0
    rnmax = 0.0
    excess = 0.0
    for k in range(nact):
        i = act[k]
        a = alpha[i]
        if a < 0.0:
            excess += -a * rn[i]
            a = 0.0
        elif a > C[i]:
            excess += (a - C[i]) * rn[i]
            a = C[i]
        asum, ca = two_sum(asum, ca, a)
        r, cr = two_sum(r, cr, a * y[i])
        if rn[i] > rnmax:
            rnmax = rn[i]
    asum += ca
    r += cr
    cb = comp_bound(nact)
    D = 2.0 * lam * asum - lam * wnorm * wnorm
    wa = wnorm + ew + excess
    # compensated sums: 2u relative plus comp_bound of the sum of |terms|
    asum_low = asum * (1.0 - 2.0 * UROUND - cb)
    if fit_intercept:
        rr = abs(r) * (1.0 + 2.0 * UROUND) + cb * asum * 1.01
        wa += rr * rnmax
        asum_low -= rr
    if asum_low < 0.0:
        asum_low = 0.0
    # C_i = s_i / (2 lam S) carries a few roundings (S itself rounded once):
    # scaling a down by that much stays feasible and costs as much, relatively,
    # in the linear term (the quadratic one only shrinks)
    asum_low *= 1.0 - 8.0 * UROUND
    D_low = (2.0 * lam * asum_low * (1.0 - 2.0 * UROUND) - lam * wa * wa * (1.0 + 4.0 * UROUND)) * (
        1.0 - 2.0 * UROUND
    )
    return D, D_low


@njit(cache=True)
def relative_gap(P_up, D_low):
    """``(P_up - D_low) / P_up`` rounded up: a bound of the relative
    suboptimality ``(P - P*) / P`` of the point whose primal bound is ``P_up``."""
    den = max(P_up, 1e-300)
    gap = (P_up - D_low) / den * (1.0 + 4.0 * UROUND)
    if not (gap > 0.0):
        gap = 4.0 * UROUND
    return gap


@njit(cache=True)
def scaled_margin_candidate(f, ef, rn, y, act, nact, b, lam, wnorm):
    """Near the hard margin: ``(t, P_up)`` for the point ``(t w, t b)`` with the
    smallest ``t`` at which every margin is provably at least 1 (so its loss
    is exactly 0), or ``(0, inf)`` when some margin is not provably positive.

    Rounding leaves margins of ``1 - 1e-16`` in an optimal hard-margin
    solution, which cost ``1e-16 / n`` of loss each: more than the whole
    tolerance when ``P = lam ||w||^2`` is tiny.  Scaling by ``t = 1 + O(eps)``
    removes them at a relative cost of ``2 (t - 1)`` in ``P``.  The scaled
    ``w`` is rounded once more (``t w`` is formed by the caller), which the
    bound allows for.
    """
    mmin = _INF
    ab = abs(b)
    for k in range(nact):
        i = act[k]
        fb = f[i] + b
        m = y[i] * fb
        # besides the score: rounding of f + b, and of t (f + b) after scaling
        e = ef * rn[i] + 2.0 * UROUND * (abs(f[i]) + ab + abs(fb)) + 2.0 * UROUND * wnorm * rn[i]
        lo = m - e
        if not (lo > 0.0):
            return 0.0, _INF
        # t must give t * lo >= 1 with the error scaled by t as well
        if lo < mmin:
            mmin = lo
    if mmin == _INF:
        return 0.0, _INF
    t = (1.0 / mmin) * (1.0 + 4.0 * UROUND)
    tn = t * wnorm * (1.0 + 2.0 * UROUND)
    P_up = lam * tn * tn * (1.0 + 4.0 * UROUND)
    return t, P_up
