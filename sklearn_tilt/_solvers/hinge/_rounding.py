"""Rounding-aware arithmetic of the hinge certificate (see :mod:`._certificate`).

The unit roundoff, the summation error bounds ``gamma_m`` and the compensated sum,
row norms and ``||w||`` rounded up, and the gathering of the active samples.  The
compensated sum :func:`csum`, the row sums :func:`segment_sums` and :func:`norm_up`
have a loop for compiled code (``numba.extending.overload``) and a NumPy form for
Python, both within the same error bound; the others are one function for both
(``register_jitable``).
"""

import math

import numpy as np

from .._jit import overload, register_jitable

# unit roundoff of float64
UROUND = 2.0**-53
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


def row_norms_from_squares(sq, kmax):
    """:func:`row_norms` from ``sq[i]``, the float64 sums (in any order) of the
    float64 squares of the at most ``kmax`` stored entries of each row: the same
    bound (the sum within ``gamma_kmax``, each square and the root rounded once)."""
    return np.sqrt(sq) * ((1.0 + gamma(kmax + 2)) * (1.0 + 2.0 * UROUND))


@register_jitable
def _norm_bound(sq, d):
    """``sqrt(sq)`` rounded up, for ``sq`` the compensated sum of the ``d`` squares."""
    # each square rounded (u), the compensated sum (2u + comp_bound)
    rel = 4.0 * UROUND + comp_bound(d)
    return np.sqrt(sq * (1.0 + rel)) * (1.0 + 2.0 * UROUND)


def norm_up(w):
    """``||w||_2`` rounded up (a bound of the exact norm of the float vector)."""
    return _norm_bound(csum(w * w), w.shape[0])


@overload(norm_up, jit_options={"cache": True})
def _norm_up_loop(w):
    def impl(w):
        acc = 0.0
        c = 0.0
        for k in range(w.shape[0]):
            acc, c = two_sum(acc, c, w[k] * w[k])
        return _norm_bound(acc + c, w.shape[0])

    return impl


@register_jitable
def score_error(kmax, wnorm):
    """``ef`` after a plain pass ``f_i = fl(x_i . w)``: ``|f_i - x_i.w| <= ef ||x_i||``."""
    return gamma(kmax + 1) * wnorm
