"""Passes over ``X`` and over the samples: scores, gradient, Hessian products, line values.

Every function reads the design matrix through a :class:`._records.Design`; all
arithmetic is float64 whatever the storage of ``X``. The measurements behind the
loop layouts below are in ``benchmarks/results/softplus_path.md``.
"""

import numpy as np
from numba import njit

from .._common import FASTMATH, row_axpy, row_dot
from .._losses import softplus_parts as _parts
from ._records import Sums


@njit(cache=True, no_cpython_wrapper=True, fastmath=False)
def csr_dots(data, indices, indptr, rows, v, vb, out):
    """``out[i] = x_i . v + vb`` for the listed rows of a CSR matrix (all rows if
    ``rows`` is empty).

    Kept out of the fastmath kernels: LLVM turns these short reductions into vector
    gathers there, which run slower; with unsigned ``indices`` (no negative-index
    wrap-around test per access) this loop runs at scipy's ``X @ v`` speed.
    """
    if rows.shape[0] == 0:
        # all rows: the running position ``k`` carried from row to row (faster than
        # a range per row)
        k = np.int64(indptr[0])
        for i in range(out.shape[0]):
            acc = 0.0
            e = np.int64(indptr[i + 1])
            while k < e:
                acc += data[k] * v[indices[k]]
                k += 1
            out[i] = acc + vb
        return
    for jj in range(rows.shape[0]):
        i = rows[jj]
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += data[k] * v[indices[k]]
        out[i] = acc + vb


@njit(cache=True, fastmath=FASTMATH)
def scores(X, w, b, out):
    """``out = X w + b``."""
    is_sparse, Xd, data, indices, indptr = X
    if is_sparse:
        csr_dots(data, indices, indptr, np.empty(0, dtype=np.int64), w, b, out)
        return
    for i in range(out.shape[0]):
        out[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w) + b


@njit(cache=True, no_cpython_wrapper=True, fastmath=FASTMATH)
def grad_pass(X, S, buf, b, want_diag, scratch):
    """One pass at ``(w, b)``: scores, intercept, loss, gradient sums, curvature.

    With ``scratch``, ``z = X w + b`` is recomputed from scratch, after the intercept
    has been polished on the fresh ``X w`` (:func:`polish_intercept`); otherwise
    ``z`` holds the scores as updated along the Newton steps and only the polish
    shifts them (no pass over ``X`` for them). Then, from one exponential per sample:
    the loss, ``qp``, ``qm``, ``cD`` and, with ``want_diag``, the diagonal sums of
    :class:`._records.Buffers`. Returns the polished intercept and the
    :class:`._records.Sums`.

    Sparse rows are traversed once for all four column sums, accumulated side by
    side in ``acc`` (``(d, 4)``: one cache line per column index, faster than
    separate arrays), then ``qp, qm`` are copied out. All dot products come first,
    then all updates (faster than one fused loop).
    """
    is_sparse, Xd, data, indices, indptr = X
    y, c, fit_intercept = S
    w, z, qp, qm, cD, acc = buf
    n = y.shape[0]
    d = w.shape[0]
    if scratch:
        nonzero = False
        for k in range(d):
            if w[k] != 0.0:
                nonzero = True
                break
        if not nonzero:  # w = 0 (a cold start): no pass for the scores
            z[:] = 0.0
        elif is_sparse:
            csr_dots(data, indices, indptr, np.empty(0, dtype=np.int64), w, 0.0, z)
        else:
            for i in range(n):
                z[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w)
    # z + shift: the scores at the polished intercept
    shift = 0.0
    if fit_intercept:
        shift = polish_intercept(y, c, z, b if scratch else 0.0)
        b = shift if scratch else b + shift
    if is_sparse:
        acc[:, :] = 0.0
    else:
        qp[:] = 0.0
        qm[:] = 0.0
        if want_diag:
            acc[:, 2:] = 0.0
    loss = 0.0
    sp_ = 0.0
    sm_ = 0.0
    hbb = 0.0
    for i in range(n):
        zi = z[i] + shift
        z[i] = zi
        ci = c[i]
        if ci == 0.0:
            cD[i] = 0.0
            continue
        f, u, h = _parts(y[i] * zi)
        loss += ci * f
        a = ci * u
        ch = ci * h
        cD[i] = ch
        hbb += ch
        if y[i] > 0.0:
            sp_ += a
            col = 0
        else:
            sm_ += a
            col = 1
        if is_sparse:
            k = np.int64(indptr[i])
            e = np.int64(indptr[i + 1])
            if want_diag:
                while k < e:
                    j = indices[k]
                    v = data[k]
                    acc[j, col] += a * v
                    cv = ch * v
                    acc[j, 2] += cv
                    acc[j, 3] += cv * v
                    k += 1
            else:
                while k < e:
                    acc[indices[k], col] += a * data[k]
                    k += 1
        else:
            if a != 0.0:
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a, qp if col == 0 else qm)
            if want_diag and ch != 0.0:
                _diag_row(X, i, ch, acc)
    if is_sparse:
        for k in range(d):
            qp[k] = acc[k, 0]
            qm[k] = acc[k, 1]
    return b, Sums(loss, sp_, sm_, hbb)


@njit(cache=True, inline="always")
def _diag_row(X, i, a, acc):
    """``acc[k, 2:4] += (a x_ik, a x_ik^2)`` over the entries of row ``i``."""
    is_sparse, Xd, data, indices, indptr = X
    if is_sparse:
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            av = a * data[k]
            acc[j, 2] += av
            acc[j, 3] += av * data[k]
    else:
        for k in range(Xd.shape[1]):
            av = a * Xd[i, k]
            acc[k, 2] += av
            acc[k, 3] += av * Xd[i, k]


@njit(cache=True, no_cpython_wrapper=True, fastmath=FASTMATH)
def hessvec(X, hess, vw, vb, out_w, dots):
    """``out_w = X^T (cD (X vw + vb)) + lam2 vw`` for a :class:`._records.Hessian`
    ``hess = (cD, rows, lam2)``; returns ``sum cD (X vw + vb)``.

    ``dots[i] = x_i . vw + vb`` is kept for the listed (weighted) rows.
    """
    is_sparse, Xd, data, indices, indptr = X
    cD, rows, lam2 = hess
    d = vw.shape[0]
    n = dots.shape[0]
    if is_sparse and rows.shape[0] == n:  # every row weighted: no index list
        csr_dots(data, indices, indptr, np.empty(0, dtype=np.int64), vw, vb, dots)
        for k in range(d):
            out_w[k] = lam2 * vw[k]
        ob = 0.0
        k = np.int64(indptr[0])
        for i in range(n):
            a = cD[i] * dots[i]
            ob += a
            e = np.int64(indptr[i + 1])
            while k < e:
                out_w[indices[k]] += a * data[k]
                k += 1
        return ob
    if is_sparse:
        csr_dots(data, indices, indptr, rows, vw, vb, dots)
    else:
        for jj in range(rows.shape[0]):
            i = rows[jj]
            dots[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, vw) + vb
    for k in range(d):
        out_w[k] = lam2 * vw[k]
    ob = 0.0
    for jj in range(rows.shape[0]):
        i = rows[jj]
        a = cD[i] * dots[i]
        if a != 0.0:
            row_axpy(is_sparse, Xd, data, indices, indptr, i, a, out_w)
            ob += a
    return ob


@njit(cache=True, no_cpython_wrapper=True, fastmath=FASTMATH)
def hess_diag(X, hess, acc):
    """The diagonal sums ``acc[k, 2:4] = (sum cD x_k, sum cD x_k^2)`` in one pass
    (:func:`grad_pass` forms them on its way where it can)."""
    cD, rows, _lam2 = hess
    acc[:, 2:] = 0.0
    for jj in range(rows.shape[0]):
        i = rows[jj]
        if cD[i] != 0.0:
            _diag_row(X, i, cD[i], acc)


@njit(cache=True, no_cpython_wrapper=True)
def polish_intercept(y, c, z, bb):
    """The exact minimiser over ``b`` of ``sum c f(y (z + b))`` (safeguarded 1-D Newton
    from ``bb``)."""
    n = y.shape[0]
    lo = -np.inf
    hi = np.inf
    for _it in range(100):
        g = 0.0
        gabs = 0.0
        h = 0.0
        for i in range(n):
            ci = c[i]
            if ci == 0.0:
                continue
            _f, u, cv = _parts(y[i] * (z[i] + bb))
            g -= ci * y[i] * u
            gabs += ci * u
            h += ci * cv
        # the slope vanishes to the rounding of its two class sums
        if abs(g) <= 1e-16 * gabs:
            break
        if g < 0.0:
            lo = bb
        else:
            hi = bb
        step = -g / h if h > 0.0 else -g * np.inf
        new = bb + step
        if new == bb:  # the Newton step is below rounding
            break
        newton = new > lo and new < hi
        if not newton:
            if np.isfinite(lo) and np.isfinite(hi):
                new = 0.5 * (lo + hi)
            elif np.isfinite(lo):
                new = lo + max(1.0, 2.0 * abs(lo - bb), abs(lo))
            else:
                new = hi - max(1.0, 2.0 * abs(hi - bb), abs(hi))
        scale = max(1.0, abs(bb))
        # a Newton step this small is in the quadratic regime: the next one would be
        # below rounding; a bracket this small is at rounding
        done = (newton and abs(new - bb) <= 1e-9 * scale) or hi - lo <= 4e-16 * scale
        bb = new
        if done:
            break
    return bb


@njit(cache=True, no_cpython_wrapper=True)
def line_values(S, z, dz, t, lam, wp, pp):
    """``phi(t) - lam ||w||^2`` and ``phi'(t)`` along ``(w, b, z) + t (p_w, p_b, dz)``,
    ``phi`` the objective, from ``wp = w.p_w`` and ``pp = ||p_w||^2``."""
    y, c, _fit_intercept = S
    f = 0.0
    df = 0.0
    for i in range(y.shape[0]):
        ci = c[i]
        if ci == 0.0:
            continue
        yi = y[i]
        fi, ui, _h = _parts(yi * (z[i] + t * dz[i]))
        f += ci * fi
        df -= ci * yi * dz[i] * ui
    # ||w + t p||^2 = ||w||^2 + 2 t w.p + t^2 ||p||^2
    f += lam * (2.0 * t * wp + t * t * pp)
    df += lam * (2.0 * wp + 2.0 * t * pp)
    return f, df
