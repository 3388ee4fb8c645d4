"""Compensated arithmetic for the hinge certificate: ``w`` and the scores as if
computed in twice the working precision (Ogita, Rump & Oishi 2005), with their
rounding bounds.  The active-set method turns to them when only the rounding
allowances of the certificate stand between it and ``tol``.
"""

import numpy as np

from .._jit import njit
from ._certificate import UROUND, gamma, norm_up, two_sum


@njit(cache=True)
def _two_prod(a, b):
    """``(p, e)`` with ``p = fl(a b)`` and ``p + e = a b`` exactly (Veltkamp/Dekker)."""
    p = a * b
    ca = 134217729.0 * a
    ah = ca - (ca - a)
    al = a - ah
    cb = 134217729.0 * b
    bh = cb - (cb - b)
    bl = b - bh
    e = al * bl - (((p - ah * bh) - al * bh) - ah * bl)
    return p, e


@njit(cache=True)
def accurate_scores(X, rows, nrows, w, f):
    """``f[i] = x_i . w`` for ``i in rows[:nrows]`` in compensated arithmetic
    (Ogita, Rump & Oishi's Dot2: as if computed in twice the working precision,
    then rounded); use :func:`accurate_score_error` for its error bound."""
    is_sparse, Xd, data, indices, indptr = X
    for k in range(nrows):
        i = rows[k]
        sacc = 0.0
        cacc = 0.0
        if is_sparse:
            for q in range(indptr[i], indptr[i + 1]):
                p, e = _two_prod(np.float64(data[q]), w[indices[q]])
                sacc, cacc = two_sum(sacc, cacc, p)
                cacc += e
        else:
            for q in range(Xd.shape[1]):
                p, e = _two_prod(np.float64(Xd[i, q]), w[q])
                sacc, cacc = two_sum(sacc, cacc, p)
                cacc += e
        f[i] = sacc + cacc


@njit(cache=True)
def accurate_score_error(kmax, wnorm):
    """``ef`` after :func:`accurate_scores`: ``|f_i - x_i.w| <= ef ||x_i||``."""
    g = gamma(2 * kmax + 4)
    return (2.0 * UROUND + 2.0 * g * g) * wnorm


@njit(cache=True)
def accurate_w(X, prob, alpha, w):
    """``w = X^T (alpha y)`` in compensated arithmetic; returns the bound of
    ``||w - X^T (alpha y)||`` (about ``u ||w||``, whatever the cancellation);
    ``prob`` is the :class:`._records.Data` of the problem."""
    is_sparse, Xd, data, indices, indptr = X
    y, act, nact, rn = prob.y, prob.act, prob.nact, prob.rn
    d = w.shape[0]
    comp = np.zeros(d)
    w[:] = 0.0
    m = 0
    arn = 0.0
    for k in range(nact):
        i = act[k]
        a = alpha[i] * y[i]
        if a == 0.0:
            continue
        m += 1
        arn += abs(a) * rn[i]
        if is_sparse:
            for q in range(indptr[i], indptr[i + 1]):
                j = indices[q]
                p, e = _two_prod(a, np.float64(data[q]))
                w[j], comp[j] = two_sum(w[j], comp[j], p)
                comp[j] += e
        else:
            for j in range(d):
                p, e = _two_prod(a, np.float64(Xd[i, j]))
                w[j], comp[j] = two_sum(w[j], comp[j], p)
                comp[j] += e
    for j in range(d):
        w[j] += comp[j]
    g = gamma(2 * m + 4)
    return 2.0 * UROUND * norm_up(w) + 2.0 * g * g * arn * (1.0 + gamma(nact + 2))
