"""Passes over ``X`` and over the samples: the only compiled code of the softplus solver.

Each kernel is one short loop with flat arguments (arrays and scalars, no records),
so that it compiles in a fraction of a second, and dense and CSR input have kernels of
their own: a first fit compiles only those of its layout, and only those its
preconditioner needs. The Newton iterations that call them (:mod:`._newton`) are
Python over NumPy vectors of length ``d`` or ``n``. All arithmetic is float64 whatever
the storage of ``X``. The measurements behind the loop layouts are in
``benchmarks/results/softplus_path.md`` and ``benchmarks/results/cold_start_softplus.md``.

:class:`Passes` hands the kernels of one design matrix to the Newton iterations;
:func:`grad_pass` is the gradient pass built from them.
"""

import numpy as np

from .._common import FASTMATH
from .._jit import njit
from .._losses import softplus_parts as _parts
from ._records import Sums

# --------------------------------------------------------------------------- dense


@njit(cache=True, fastmath=FASTMATH)
def dense_dots(Xd, rows, v, vb, out):
    """``out[i] = x_i . v + vb`` for the listed rows (all rows if ``rows`` is empty)."""
    d = Xd.shape[1]
    m = rows.shape[0] if rows.shape[0] else Xd.shape[0]
    for jj in range(m):
        i = rows[jj] if rows.shape[0] else jj
        acc = 0.0
        for k in range(d):
            acc += Xd[i, k] * v[k]
        out[i] = acc + vb


@njit(cache=True, fastmath=FASTMATH)
def dense_tdot(Xd, rows, a, out):
    """``out = sum_i a_i x_i`` over the listed rows (all rows if ``rows`` is empty)."""
    d = Xd.shape[1]
    out[:] = 0.0
    m = rows.shape[0] if rows.shape[0] else Xd.shape[0]
    for jj in range(m):
        i = rows[jj] if rows.shape[0] else jj
        ai = a[i]
        if ai != 0.0:
            for k in range(d):
                out[k] += ai * Xd[i, k]


@njit(cache=True, fastmath=FASTMATH)
def dense_grad_diag(Xd, a, cD, acc):
    """``acc[:, 0] = sum a x``, ``acc[:, 1] = sum cD x``, ``acc[:, 2] = sum cD x^2`` (one
    traversal: the gradient and the sums of the diagonal preconditioner)."""
    acc[:, :] = 0.0
    for i in range(Xd.shape[0]):
        ai = a[i]
        ci = cD[i]
        if ai == 0.0 and ci == 0.0:
            continue
        for k in range(Xd.shape[1]):
            v = Xd[i, k]
            acc[k, 0] += ai * v
            cv = ci * v
            acc[k, 1] += cv
            acc[k, 2] += cv * v


# --------------------------------------------------------------------------- CSR


@njit(cache=True)
def csr_dots(data, indices, indptr, rows, v, vb, out):
    """``out[i] = x_i . v + vb`` for the listed rows of a CSR matrix (all rows if
    ``rows`` is empty).

    Without fast-math: LLVM turns these short reductions into vector gathers there,
    which run slower; with unsigned ``indices`` (no negative-index wrap-around test per
    access) this loop runs at scipy's ``X @ v`` speed. All rows: the running position
    ``k`` is carried from row to row (faster than a range per row).
    """
    if rows.shape[0] == 0:
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
def csr_tdot(data, indices, indptr, rows, a, out):
    """``out = sum_i a_i x_i`` over the listed rows (all rows if ``rows`` is empty)."""
    out[:] = 0.0
    if rows.shape[0] == 0:
        k = np.int64(indptr[0])
        for i in range(indptr.shape[0] - 1):
            ai = a[i]
            e = np.int64(indptr[i + 1])
            while k < e:
                out[indices[k]] += ai * data[k]
                k += 1
        return
    for jj in range(rows.shape[0]):
        i = rows[jj]
        ai = a[i]
        for k in range(indptr[i], indptr[i + 1]):
            out[indices[k]] += ai * data[k]


@njit(cache=True, fastmath=FASTMATH)
def csr_grad_diag(data, indices, indptr, a, cD, acc):
    """:func:`dense_grad_diag` for CSR input: the three column sums side by side in
    ``acc`` (``(d, 3)``: one cache line per column index, faster than three arrays)."""
    acc[:, :] = 0.0
    k = np.int64(indptr[0])
    for i in range(indptr.shape[0] - 1):
        ai = a[i]
        ci = cD[i]
        e = np.int64(indptr[i + 1])
        while k < e:
            j = indices[k]
            v = data[k]
            acc[j, 0] += ai * v
            cv = ci * v
            acc[j, 1] += cv
            acc[j, 2] += cv * v
            k += 1


# --------------------------------------------------------------------------- samples


@njit(cache=True)
def sample_parts(y, c, z, shift, a, cD):
    """``z += shift``, then from one exponential per sample: ``a = c y sigmoid(-y z)``
    (minus the loss's slope, signed), ``cD = c f''(y z)``; returns the :class:`Sums`
    fields (loss, the two class sums of ``c sigmoid(-y z)``, ``sum cD``)."""
    loss = 0.0
    pos = 0.0
    neg = 0.0
    curv = 0.0
    for i in range(y.shape[0]):
        zi = z[i] + shift
        z[i] = zi
        ci = c[i]
        if ci == 0.0:
            a[i] = 0.0
            cD[i] = 0.0
            continue
        f, u, h = _parts(y[i] * zi)
        loss += ci * f
        cu = ci * u
        ch = ci * h
        cD[i] = ch
        curv += ch
        if y[i] > 0.0:
            pos += cu
            a[i] = cu
        else:
            neg += cu
            a[i] = -cu
    return loss, pos, neg, curv


@njit(cache=True)
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


@njit(cache=True)
def line_values(y, c, z, dz, t, lam, wp, pp):
    """``phi(t) - lam ||w||^2`` and ``phi'(t)`` along ``(w, b, z) + t (p_w, p_b, dz)``,
    ``phi`` the objective, from ``wp = w.p_w`` and ``pp = ||p_w||^2``."""
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


# --------------------------------------------------------------------------- hand-off

#: "all rows" for the kernels' ``rows`` argument
ALL_ROWS = np.empty(0, dtype=np.int64)


class Passes:
    """The kernels of one :class:`._records.Design`, with its arrays bound.

    ``rows`` lists the rows of positive weight (empty: all rows have one); the
    Hessian products visit only those.
    """

    def __init__(self, design, rows):
        self.sparse = bool(design.is_sparse)
        self.rows = rows
        if self.sparse:
            arrays = (design.data, design.indices, design.indptr)
            dots, tdot, grad_diag = csr_dots, csr_tdot, csr_grad_diag
        else:
            arrays = (design.dense,)
            dots, tdot, grad_diag = dense_dots, dense_tdot, dense_grad_diag
        self._arrays = arrays
        self._dots, self._tdot, self._grad_diag = dots, tdot, grad_diag

    def dots(self, v, vb, out, rows=ALL_ROWS):
        """``out[i] = x_i . v + vb`` (the listed rows)."""
        self._dots(*self._arrays, rows, v, vb, out)

    def tdot(self, a, out, rows=ALL_ROWS):
        """``out = sum_i a_i x_i`` (the listed rows)."""
        self._tdot(*self._arrays, rows, a, out)

    def grad_diag(self, a, cD, acc):
        """``acc[:, :3] = (sum a x, sum cD x, sum cD x^2)`` in one traversal."""
        self._grad_diag(*self._arrays, a, cD, acc)


def grad_pass(ops, S, buf, b, want_diag, scratch):
    """One pass at ``(w, b)``: scores, intercept, loss, gradient, curvature.

    With ``scratch``, ``z = X w + b`` is recomputed from scratch, after the intercept
    has been polished on the fresh ``X w`` (:func:`polish_intercept`); otherwise ``z``
    holds the scores as updated along the Newton steps and only the polish shifts them
    (no pass over ``X`` for them). Then :func:`sample_parts` and ``v = sum a x`` into
    ``buf.v`` (with ``want_diag`` also the diagonal sums ``buf.acc[:, 1:3]``, same
    traversal). Returns the polished intercept and the :class:`._records.Sums`.
    """
    y, c, fit_intercept = S
    w, z, v, a, cD, acc = buf
    if scratch:
        if w.any():
            ops.dots(w, 0.0, z)
        else:  # w = 0 (a cold start): no pass for the scores
            z[:] = 0.0
    shift = 0.0
    if fit_intercept:
        shift = polish_intercept(y, c, z, b if scratch else 0.0)
        b = shift if scratch else b + shift
    sums = Sums(*sample_parts(y, c, z, shift, a, cD))
    if want_diag:
        ops.grad_diag(a, cD, acc)
        v[:] = acc[:, 0]
    else:
        ops.tdot(a, v)
    return b, sums


def hessvec(ops, cD, lam2, q, out, dots, scratch):
    """``out = H q`` for ``H = [X 1]^T diag(cD) [X 1] + diag(lam2, ..., lam2, 0)`` (the
    intercept row in ``out[-1]``); ``dots[i] = x_i . q_w + q_b`` is kept for the rows
    of positive weight, ``scratch`` (n,) receives ``cD * dots``."""
    d = q.shape[0] - 1
    ops.dots(q[:d], q[d], dots, ops.rows)
    np.multiply(cD, dots, out=scratch)
    ops.tdot(scratch, out[:d], ops.rows)
    out[:d] += lam2 * q[:d]
    out[d] = scratch.sum()
