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

**One source, two forms.**  The functions are written over whole arrays (NumPy
expressions, one pass each) and registered with numba's ``register_jitable``:
called from Python (the interior-point method, the coordinate descent) they run
as ordinary NumPy code and are never compiled; called from a kernel they are
compiled into it.  The only primitive with two implementations is the
compensated sum :func:`csum`, whose error bound (:func:`comp_bound`) both
implementations satisfy: numba compiles Neumaier's loop, Python uses
``math.fsum`` (correctly rounded) or, on long arrays, error-free pairwise
summation (see :func:`csum`).  ``act[:nact]`` lists the samples with a positive
weight (the others take no part), each once; when it lists all of them the arrays
are read as they are (:func:`take`), without gathering.
"""

import math

import numpy as np
from numba.extending import overload, register_jitable

# unit roundoff of float64
UROUND = 2.0**-53
_INF = np.inf
# csum in Python: math.fsum up to this many terms, error-free pairwise summation above
_FSUM_MAX = 4096


@register_jitable
def gamma(m):
    """``gamma_m = m u / (1 - m u)``: the relative error bound of an ``m``-term sum."""
    mu = m * UROUND
    return mu / (1.0 - mu)


@register_jitable
def comp_bound(n):
    """Compensated sum of ``n`` terms: ``|err| <= 2u |sum| + comp_bound(n) sum |t|``."""
    g = gamma(n + 2)
    return 2.0 * g * g


@register_jitable
def two_sum(s, c, x):
    """Neumaier's compensated addition: ``s + c`` is ``s + c + x`` with the
    rounding error of ``s + x`` collected in ``c``."""
    t = s + x
    if abs(s) >= abs(x):
        c += (s - t) + x
    else:
        c += (x - t) + s
    return t, c


def csum(t):
    """``sum(t)`` with ``|csum(t) - sum t| <= 2u |sum t| + comp_bound(m) sum |t_k|``
    for ``m = len(t)`` (float64 terms, no overflow).

    Compiled: Neumaier's compensated loop (:func:`two_sum`).  In Python:
    ``math.fsum`` (error at most ``u |sum t|``) up to ``_FSUM_MAX`` terms, else
    pairwise summation with the exact error of every addition kept (Knuth's
    TwoSum) and the errors summed plainly: the additions' errors sum to at most
    ``gamma_L sum |t|`` over the ``L = ceil(log2 m)`` levels, their plain sum adds
    ``gamma_(m-2)`` of that, and the final rounding ``u |sum t|``, in all at most
    ``u |sum t| + (1 + u) gamma_(m-2) gamma_L sum |t|``, within the bound above.
    """
    t = np.asarray(t, dtype=np.float64).ravel()
    if t.size <= _FSUM_MAX:
        return math.fsum(t.tolist())
    errors = []
    while t.size > 1:
        m = t.size - t.size % 2
        a = t[0:m:2]
        b = t[1:m:2]
        s = a + b
        bb = s - a
        errors.append((a - (s - bb)) + (b - bb))
        if m < t.size:
            s = np.append(s, t[m])
        t = s
    return float(t[0] + np.sum(np.concatenate(errors)))


@overload(csum, jit_options={"cache": True})
def _csum_compiled(t):
    def impl(t):
        acc = 0.0
        c = 0.0
        for k in range(t.shape[0]):
            acc, c = two_sum(acc, c, t[k])
        return acc + c

    return impl


def segment_sums(v, indptr, n):
    """``out[i] = sum(v[indptr[i] - indptr[0] : indptr[i + 1] - indptr[0]])`` for the
    ``n`` rows of a CSR matrix whose stored values are ``v``: each a plain sum of
    its row's terms, in some order (compiled: a loop; in Python:
    ``np.add.reduceat``)."""
    out = np.zeros(n)
    if v.shape[0] > 0:
        starts = np.asarray(indptr[:n])
        full = np.asarray(indptr[1 : n + 1]) > starts
        out[full] = np.add.reduceat(v, starts[full] - indptr[0])
    return out


@overload(segment_sums, jit_options={"cache": True})
def _segment_sums_compiled(v, indptr, n):
    def impl(v, indptr, n):
        out = np.zeros(n)
        q0 = indptr[0]
        for i in range(n):
            acc = 0.0
            for q in range(indptr[i] - q0, indptr[i + 1] - q0):
                acc += v[q]
            out[i] = acc
        return out

    return impl


@register_jitable
def take(a, act, nact):
    """``a[act[:nact]]``; ``a`` itself (no copy) when ``act[:nact]`` lists every index."""
    if nact == a.shape[0]:
        return a
    return a[act[:nact]]


@register_jitable
def put(a, act, nact, v):
    """``a[act[:nact]] = v`` (see :func:`take`)."""
    if nact == a.shape[0]:
        a[:] = v
    else:
        a[act[:nact]] = v


@register_jitable
def row_norms(is_sparse, Xd, data, indices, indptr, n, rn):
    """``rn[i] >= ||x_i||`` (rounded up) for all rows; returns ``kmax``, the most
    stored entries in a row (``d`` for dense input).  The squares are formed in
    float64 (exact for float32 storage)."""
    if is_sparse:
        counts = indptr[1 : n + 1] - indptr[:n]
        kmax = int(counts.max()) if n > 0 else 0
    else:
        kmax = Xd.shape[1]
    up = (1.0 + gamma(kmax + 2)) * (1.0 + 2.0 * UROUND)
    if is_sparse:
        v = data[indptr[0] : indptr[n]].astype(np.float64)
        rn[:n] = np.sqrt(segment_sums(v * v, indptr, n)) * up
    else:
        step = max(1, 65536 // max(kmax, 1))
        for i0 in range(0, n, step):
            i1 = min(n, i0 + step)
            blk = Xd[i0:i1].astype(np.float64)
            rn[i0:i1] = np.sqrt((blk * blk).sum(axis=1)) * up
    return kmax


@register_jitable
def norm_up(w):
    """``||w||_2`` rounded up (a bound of the exact norm of the float vector)."""
    # each square rounded (u), the compensated sum (2u + comp_bound)
    rel = 4.0 * UROUND + comp_bound(w.shape[0])
    return np.sqrt(csum(w * w) * (1.0 + rel)) * (1.0 + 2.0 * UROUND)


@register_jitable
def score_error(kmax, wnorm):
    """``ef`` after a plain pass ``f_i = fl(x_i . w)``: ``|f_i - x_i.w| <= ef ||x_i||``."""
    return gamma(kmax + 1) * wnorm


# --------------------------------------------------------------------------
# feasibility of a dual vector
# --------------------------------------------------------------------------


@register_jitable
def make_feasible(y, C, alpha, act, nact, fit_intercept):
    """Make ``alpha`` dual feasible in place: clip into ``[0, C_i]`` (NaN to 0,
    values within ``1e-12`` of ``C_i`` onto it) and, with an intercept, make
    ``sum a_i y_i = 0`` by scaling down the heavier side, the rounding residual
    of that moved onto one free sample when possible.  Returns the residual
    ``sum a_i y_i`` left by rounding (:func:`dual_lower` accounts for it)."""
    Ci = take(C, act, nact)
    a = take(alpha, act, nact)
    a = np.where(a > 0.0, np.where(a >= Ci * (1.0 - 1e-12), Ci, a), 0.0)  # NaN to 0 too
    if fit_intercept:
        pos = take(y, act, nact) > 0.0
        sp_ = np.sum(np.where(pos, a, 0.0))
        sm = np.sum(a) - sp_
        if sp_ > sm:
            a = np.where(pos, a * (sm / sp_), a)
        elif sm > sp_:
            a = np.where(pos, a, a * (sp_ / sm))
    put(alpha, act, nact, a)
    if not fit_intercept:
        return 0.0
    return polish_equality(y, C, alpha, act, nact)[0]


@register_jitable
def _equality_residual(y, alpha, act, nact):
    """``sum_i alpha_i y_i`` over the active samples, compensated."""
    return csum(take(alpha, act, nact) * take(y, act, nact))


@register_jitable
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
        k = np.argmax(room)
        if room[k] > 0.0:
            best = k if nact == alpha.shape[0] else act[k]
    if best >= 0:
        old = alpha[best]
        alpha[best] -= r * y[best]
        delta = alpha[best] - old
        r = _equality_residual(y, alpha, act, nact)
    return r, best, delta


# --------------------------------------------------------------------------
# bounds of the objectives
# --------------------------------------------------------------------------


@register_jitable
def primal_upper(f, ef, rn, y, s, act, nact, b, lam, wnorm, S):
    """``(P, P_up)``: the primal computed from the scores and an upper bound of
    the exact primal at ``(w, b)`` (``wnorm >= ||w||``; see the module
    docstring for ``ef`` and ``rn``)."""
    fi = take(f, act, nact)
    si = take(s, act, nact)
    fb = fi + b
    z = 1.0 - take(y, act, nact) * fb
    # error of z: the score, then two roundings
    e = ef * take(rn, act, nact) + 2.0 * UROUND * (np.abs(fi) + (abs(b) + 1.0) + np.abs(fb))
    loss = np.sum(np.where(z > 0.0, si * z, 0.0))
    ze = z + e
    # s_i (z + e) rounded up, summed with compensation
    loss_up = csum(np.where(ze > 0.0, si * ze * (1.0 + 4.0 * UROUND), 0.0))
    # the compensated sum (2u + comp_bound, nonnegative terms), S rounded (u)
    # and the division (u)
    rel = 6.0 * UROUND + comp_bound(nact)
    reg = lam * wnorm * wnorm
    P = loss / S + reg
    P_up = (loss_up / S * (1.0 + rel) + reg * (1.0 + 4.0 * UROUND)) * (1.0 + 2.0 * UROUND)
    return P, P_up


@register_jitable
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
    # sum of nonnegative products, each rounded: at most gamma_(nact + 2) relative
    excess = np.sum(np.abs(a0 - a) * rni) * (1.0 + gamma(nact + 2))
    asum = csum(a)
    r = csum(a * take(y, act, nact))
    rnmax = np.max(rni) if nact > 0 else 0.0
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


@register_jitable
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
    rni = take(rn, act, nact)
    fb = fi + b
    m = take(y, act, nact) * fb
    # besides the score: rounding of f + b, and of t (f + b) after scaling
    e = ef * rni + 2.0 * UROUND * (np.abs(fi) + abs(b) + np.abs(fb)) + 2.0 * UROUND * wnorm * rni
    lo = m - e
    if not np.all(lo > 0.0):  # also NaN
        return 0.0, _INF
    mmin = np.min(lo)
    # t must give t * lo >= 1 with the error scaled by t as well
    t = (1.0 / mmin) * (1.0 + 4.0 * UROUND)
    tn = t * wnorm * (1.0 + 2.0 * UROUND)
    P_up = lam * tn * tn * (1.0 + 4.0 * UROUND)
    return t, P_up
