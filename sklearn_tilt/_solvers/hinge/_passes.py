"""Passes over ``X`` for the hinge solver: scores, updates and rebuilds of ``w``.

The design matrix ``X`` is the tuple of the five kernel arguments of
:mod:`.._common` (``is_sparse, Xd, data, indices, indptr``); every product is
accumulated in float64 whatever the dtype of ``X``.
"""

from .._common import FASTMATH, row_axpy, row_dot
from .._jit import njit
from ._certificate import gamma


@njit(cache=True, fastmath=FASTMATH)
def scores(X, rows, nrows, w, f):
    """``f[i] = x_i . w`` for ``i in rows[:nrows]``."""
    is_sparse, Xd, data, indices, indptr = X
    for k in range(nrows):
        i = rows[k]
        f[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w)


@njit(cache=True, fastmath=FASTMATH)
def scores2(X, rows, nrows, w, f, w2, f2):
    """``f[i] = x_i . w`` and ``f2[i] = x_i . w2`` in one sweep over the rows
    (the second product is almost free: the sweep is memory bound)."""
    is_sparse, Xd, data, indices, indptr = X
    if is_sparse:
        for k in range(nrows):
            i = rows[k]
            a1 = 0.0
            a2 = 0.0
            for q in range(indptr[i], indptr[i + 1]):
                v = data[q]
                j = indices[q]
                a1 += v * w[j]
                a2 += v * w2[j]
            f[i] = a1
            f2[i] = a2
    else:
        d = Xd.shape[1]
        for k in range(nrows):
            i = rows[k]
            a1 = 0.0
            a2 = 0.0
            for j in range(d):
                v = Xd[i, j]
                a1 += v * w[j]
                a2 += v * w2[j]
            f[i] = a1
            f2[i] = a2


@njit(cache=True, fastmath=FASTMATH)
def add_rows(X, rows, coefs, nrows, w):
    """``w += sum_k coefs[k] x_{rows[k]}``."""
    is_sparse, Xd, data, indices, indptr = X
    for k in range(nrows):
        c = coefs[k]
        if c != 0.0:
            row_axpy(is_sparse, Xd, data, indices, indptr, rows[k], c, w)


@njit(cache=True, fastmath=FASTMATH)
def w_from_alpha(X, y, alpha, act, nact, w):
    """``w = X^T (alpha y)`` over the samples ``act[:nact]``."""
    is_sparse, Xd, data, indices, indptr = X
    w[:] = 0.0
    for k in range(nact):
        i = act[k]
        a = alpha[i]
        if a != 0.0:
            row_axpy(is_sparse, Xd, data, indices, indptr, i, a * y[i], w)


@njit(cache=True)
def w_fresh(X, data, alpha, w):
    """``w = X^T (alpha y)`` from scratch; returns the bound of its error."""
    w_from_alpha(X, data.y, alpha, data.act, data.nact, w)
    return fresh_w_error(alpha, data.act, data.nact, data.rn)


@njit(cache=True)
def fresh_w_error(alpha, act, nact, rn):
    """Error bound of ``X^T (alpha y)`` summed from scratch."""
    acc = 0.0
    m = 0
    for k in range(nact):
        i = act[k]
        if alpha[i] != 0.0:
            acc += alpha[i] * rn[i]
            m += 1
    return gamma(m + 2) * acc * (1.0 + gamma(nact + 2))
