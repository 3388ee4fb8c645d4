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
suboptimality of ``(w, b)``, and is never reported as 0 (nor as finite when a
bound is NaN).

Inputs the bounds need from the caller:

* ``rn[i] >= ||x_i||`` (from :func:`row_norms`), ``kmax`` the largest number
  of stored entries of a row;
* ``ef``: the scores ``f`` satisfy ``|f_i - x_i.w| <= ef * rn[i]`` (after a
  plain pass over ``X``, ``ef = score_error(kmax, ||w||)``);
* ``ew``: ``||w - X^T (a y)|| <= ew`` for the dual vector ``a``.

**Two forms, one set of formulas.**  Every function here has a NumPy form over
whole arrays, which is what Python callers (the interior-point method, the
coordinate descent) run, never compiled, and a loop (``numba.extending.overload``
of the same name) that kernels compile: numba compiles the loops in a fraction of
the time that the same computation written as array expressions takes
(``benchmarks/results/cold_start_cert.md``).  The error allowances and the
combination of the sums into bounds are written once, in the helpers that both
forms call (``_z_error``, ``_primal_bounds``, ...); the sums are compensated
(:func:`._rounding.csum`) in both.  ``act[:nact]`` lists the samples with a positive
weight (the others take no part), each once; when it lists all of them the NumPy
form reads the arrays in place (:func:`._rounding.take`).
"""

import numpy as np

from .._jit import overload, register_jitable
from ._feasible import make_feasible, polish_equality
from ._rounding import (
    UROUND,
    comp_bound,
    csum,
    gamma,
    norm_up,
    row_norms,
    row_norms_from_squares,
    score_error,
    take,
    two_sum,
)

__all__ = [
    "UROUND",
    "comp_bound",
    "csum",
    "dual_lower",
    "gamma",
    "make_feasible",
    "norm_up",
    "polish_equality",
    "primal_upper",
    "relative_gap",
    "row_norms",
    "row_norms_from_squares",
    "scaled_margin_candidate",
    "score_error",
    "two_sum",
]

_INF = np.inf


# --------------------------------------------------------------------------
# the formulas, shared by both forms (scalars in the loops, arrays in NumPy)
# --------------------------------------------------------------------------


@register_jitable
def _z_error(f, fb, ab, ef, rn):
    """Bound of the error of ``z = 1 - y (f + b)``: the score, then two roundings."""
    return ef * rn + 2.0 * UROUND * (abs(f) + ab + 1.0 + abs(fb))


@register_jitable
def _up_term(s, ze):
    """``s_i (z + e)`` rounded up (for ``z + e > 0``)."""
    return s * ze * (1.0 + 4.0 * UROUND)


@register_jitable
def _primal_bounds(loss, loss_up, S, lam, wnorm, nact):
    """``(P, P_up)`` from the plain and the compensated (upper) loss sums."""
    # the compensated sum (2u + comp_bound, nonnegative terms), S rounded (u)
    # and the division (u)
    rel = 6.0 * UROUND + comp_bound(nact)
    reg = lam * wnorm * wnorm
    P = loss / S + reg
    P_up = (loss_up / S * (1.0 + rel) + reg * (1.0 + 4.0 * UROUND)) * (1.0 + 2.0 * UROUND)
    return P, P_up


@register_jitable
def _dual_bounds(asum, r, excess, rnmax, lam, wnorm, ew, nact, fit_intercept):
    """``(D, D_low)`` from the compensated ``sum a_i`` and ``sum a_i y_i`` of the
    clipped ``a``, the plain sum of the excess clipped away (times ``||x_i||``) and
    ``max ||x_i||``."""
    cb = comp_bound(nact)
    D = 2.0 * lam * asum - lam * wnorm * wnorm
    # the excess: nonnegative products, each rounded, summed (gamma_(nact + 2))
    wa = wnorm + ew + excess * (1.0 + gamma(nact + 2))
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


@register_jitable
def _margin_error(f, fb, ab, ef, rn, wnorm):
    """Bound of the error of the margin ``y (f + b)``: the score, the rounding of
    ``f + b``, and of ``t (f + b)`` after scaling by ``t``."""
    return ef * rn + 2.0 * UROUND * (abs(f) + ab + abs(fb)) + 2.0 * UROUND * wnorm * rn


@register_jitable
def _scaled_bound(mmin, lam, wnorm):
    """``(t, P_up)`` for the smallest provable margin ``mmin > 0``: ``t`` with
    ``t * mmin >= 1`` (the error scaled by ``t`` as well) and the primal bound
    of ``(t w, t b)``, whose loss is 0."""
    t = (1.0 / mmin) * (1.0 + 4.0 * UROUND)
    tn = t * wnorm * (1.0 + 2.0 * UROUND)
    return t, lam * tn * tn * (1.0 + 4.0 * UROUND)


# --------------------------------------------------------------------------
# bounds of the objectives
# --------------------------------------------------------------------------


def primal_upper(f, ef, rn, y, s, act, nact, b, lam, wnorm, S):
    """``(P, P_up)``: the primal computed from the scores and an upper bound of
    the exact primal at ``(w, b)`` (``wnorm >= ||w||``; see the module
    docstring for ``ef`` and ``rn``)."""
    fi = take(f, act, nact)
    si = take(s, act, nact)
    fb = fi + b
    z = 1.0 - take(y, act, nact) * fb
    ze = z + _z_error(fi, fb, abs(b), ef, take(rn, act, nact))
    loss = float(np.sum(si[z > 0.0] * z[z > 0.0]))
    up = ze > 0.0
    loss_up = csum(_up_term(si[up], ze[up]))
    return _primal_bounds(loss, loss_up, S, lam, wnorm, nact)


@overload(primal_upper, jit_options={"cache": True})
def _primal_upper_loop(f, ef, rn, y, s, act, nact, b, lam, wnorm, S):
    def impl(f, ef, rn, y, s, act, nact, b, lam, wnorm, S):
        loss = 0.0
        loss_up = 0.0
        cup = 0.0
        ab = abs(b)
        for k in range(nact):
            i = act[k]
            fb = f[i] + b
            z = 1.0 - y[i] * fb
            ze = z + _z_error(f[i], fb, ab, ef, rn[i])
            if z > 0.0:
                loss += s[i] * z
            if ze > 0.0:
                loss_up, cup = two_sum(loss_up, cup, _up_term(s[i], ze))
        return _primal_bounds(loss, loss_up + cup, S, lam, wnorm, nact)

    return impl


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
    a0 = take(alpha, act, nact)
    Ci = take(C, act, nact)
    rni = take(rn, act, nact)
    a = np.where(a0 < 0.0, 0.0, np.where(a0 > Ci, Ci, a0))
    excess = float(np.sum(np.abs(a0 - a) * rni))
    rnmax = float(np.max(rni)) if nact > 0 else 0.0
    asum, r = csum(a), csum(a * take(y, act, nact))
    return _dual_bounds(asum, r, excess, rnmax, lam, wnorm, ew, nact, fit_intercept)


@overload(dual_lower, jit_options={"cache": True})
def _dual_lower_loop(y, C, alpha, act, nact, lam, wnorm, ew, rn, fit_intercept):
    def impl(y, C, alpha, act, nact, lam, wnorm, ew, rn, fit_intercept):
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
        return _dual_bounds(asum + ca, r + cr, excess, rnmax, lam, wnorm, ew, nact, fit_intercept)

    return impl


@register_jitable
def relative_gap(P_up, D_low):
    """``(P_up - D_low) / P_up`` rounded up: a bound of the relative
    suboptimality ``(P - P*) / P`` of the point whose primal bound is ``P_up``
    (``inf`` when either bound is NaN)."""
    den = max(P_up, 1e-300)
    gap = (P_up - D_low) / den * (1.0 + 4.0 * UROUND)
    if gap != gap or P_up != P_up:
        return _INF
    if not (gap > 0.0):
        gap = 4.0 * UROUND
    return gap


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
    if nact == 0:
        return 0.0, _INF
    fi = take(f, act, nact)
    fb = fi + b
    e = _margin_error(fi, fb, abs(b), ef, take(rn, act, nact), wnorm)
    lo = take(y, act, nact) * fb - e
    if not np.all(lo > 0.0):  # also NaN
        return 0.0, _INF
    return _scaled_bound(float(np.min(lo)), lam, wnorm)


@overload(scaled_margin_candidate, jit_options={"cache": True})
def _scaled_margin_candidate_loop(f, ef, rn, y, act, nact, b, lam, wnorm):
    def impl(f, ef, rn, y, act, nact, b, lam, wnorm):
        mmin = _INF
        ab = abs(b)
        for k in range(nact):
            i = act[k]
            fb = f[i] + b
            lo = y[i] * fb - _margin_error(f[i], fb, ab, ef, rn[i], wnorm)
            if not (lo > 0.0):
                return 0.0, _INF
            if lo < mmin:
                mmin = lo
        if mmin == _INF:
            return 0.0, _INF
        return _scaled_bound(mmin, lam, wnorm)

    return impl
