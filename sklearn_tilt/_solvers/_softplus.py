"""Exact solver for the softplus (logistic) problem with an unpenalised intercept.

Problem
-------
``P(w, b) = sum_i c_i log(1 + exp(-y_i (w.x_i + b))) + lam ||w||^2`` with
``c_i = s_i / sum(s)``; ``b = 0`` when ``fit_intercept=False``.

Method
------
Damped Newton on ``theta = (w, b)`` (``d + 1`` unknowns). Each Newton system
``H p = -g`` is solved by preconditioned conjugate gradients with O(nnz)
Hessian-vector products. The preconditioner is one of three:

* large ``lam`` (``2 lam >= trace / 4``, which bounds the data term):
  ``diag(2 lam, ..., 2 lam, sum c D)``; nothing is formed;
* small ``d`` (``d <= 2048`` after dropping unused columns; the paper's images):
  the Cholesky factor of an exact Hessian ``X^T diag(c D) X + 2 lam I`` formed
  (BLAS ``syrk`` + LAPACK ``potrf``) at some *earlier* iterate, possibly at an
  earlier ``lam`` of the path. The factor is refreshed only when the conjugate
  gradients of one Newton step need more than ``1 + sqrt(t_factor / t_pass)``
  iterations (both times measured), so most Newton steps cost a handful of passes
  over ``X`` and no factorisation. Its Gram part is formed in float32 where
  ``max ||x||^2`` lies in [1e-20, 1e30] (far from float32's overflow and underflow),
  in float64 otherwise or when the float32 factor is not finite;
* otherwise (large ``d``, e.g. sparse text): a centred diagonal of the current
  Hessian, O(d) memory, no d x d matrix (memory O(nnz + n + d)). With an intercept
  it is the diagonal in the coordinates ``(w, b + mu.w)``, ``mu`` the
  curvature-weighted mean row, in which the Hessian has no ``w``-``b`` block: the
  plain diagonal (Jacobi) leaves the intercept coupled to the mean direction of
  uncentred data (non-negative text features), and on text-like CSR data
  (n=200000, d=100000, ``lam = 1e-3``) the preconditioned spectrum narrows from
  [0.05, 5.4] (Jacobi) to [0.61, 1.27], the conjugate gradients from 14 to 5
  iterations per fit. Its sums are formed in the same traversal of the rows as
  the gradient's.

The conjugate gradients stop on the Euclidean residual (the certificate is
Euclidean) at a forcing term chosen so that one step reaches ``tol`` from close by,
or, with the diagonal preconditioners, earlier where the next gap is predicted below
``tol`` (the residual of the linear model with a 25% margin, plus the nonlinear part
measured at the previous step). A backtracking line search on the exact objective globalises the method;
``X p`` for it is accumulated from the products the conjugate gradients already
formed (no extra pass). Every gradient pass first polishes the intercept by a
safeguarded 1-D Newton iteration (O(n)) and evaluates loss, slope and curvature
from one exponential per sample. Between Newton steps the scores are updated
(``z + t X p``); they are recomputed from scratch (one more pass) where the
certificate may stop, and every exit certifies recomputed scores. The cold start
``w = 0`` needs no pass at all: all scores equal ``b``, so its gradient is formed
from class sums that the setup scan of CSR input collects.

Path: ``lam`` decreasing; each solve starts from a quadratic extrapolation in
``log(lam)`` of the last three solutions ``(w, b)`` (linear from the first two) and
of their scores (scores are linear in ``(w, b)``, so no pass is needed), kept only
when it lowers the objective; otherwise from the previous solution, whose gradient pass (which does
not depend on ``lam``) is reused. Along the 81-value MNIST path this takes about
one Newton step per ``lam`` and a few factorisations in all. The path loop is in
Python because the (rare) factorisations call scipy's BLAS/LAPACK; everything
else for one ``lam`` is a single numba call.

Data layout: columns that are zero on every weighted row are dropped (their
weight is exactly 0), and ``X`` is stored in the narrowest of uint8 / float32 /
its own dtype that holds its values exactly (raw pixels are integers in
[0, 255]): a lossless copy that the memory-bound passes read up to 8x faster.
All arithmetic is float64.

Certificate (the stopping rule)
-------------------------------
The dual of the problem is, with ``u in [0, 1]^n``,

``D(u) = sum_i c_i H(u_i) - ||v(u)||^2 / (4 lam)``, ``v(u) = sum_i c_i u_i y_i x_i``,
subject to ``sum_i c_i u_i y_i = 0`` (only with an intercept), where ``H`` is the
binary entropy. From the current primal point we take ``u_i = sigmoid(-y_i s_i)``
and make it feasible by scaling ``u`` on one class by ``(1 - eps)`` (``eps`` is
at rounding level after the intercept polish). For this dual point, exactly,

``P - D = sum_i c_i KL(u'_i || sigmoid(-y_i s_i)) + ||2 lam w - v(u')||^2 / (4 lam)``,

a sum of non-negative terms computed without cancellation. (With ``eps = 0`` this
is the strong-convexity bound ``||grad_w P||^2 / (2 mu)``, ``mu = 2 lam``.) The
solver stops when ``(P - D) / P <= tol``; ``P`` and the gap are evaluated from
scores ``X w + b`` recomputed from scratch, never from updated copies.

The returned ``dual`` is ``alpha_i = s_i u'_i / (2 lam sum(s))``, in the units of
the hinge solver (``0 <= alpha_i <= s_i / (2 lam sum(s))``, ``w ~ sum alpha_i y_i x_i``,
``sum alpha_i y_i = 0`` with an intercept). ``dual_init`` is accepted and ignored.
"""

import math
import time

import numpy as np
import scipy.sparse as sp
import scipy.special as _sp_special
from numba import njit
from scipy.linalg import blas as _blas
from scipy.linalg import lapack as _lapack

from ._common import SolverResult, kernel_arrays, row_axpy, row_dot
from ._losses import expit as _expit
from . import _losses
from ._losses import softplus as _softplus
from ._losses import softplus_parts as _parts

# Helpers called only from the Newton kernel are compiled without a CPython
# wrapper (less to compile on a cold cache).
# Reassociation lets LLVM vectorise the float64 dot products / axpys; no
# assumptions about NaN/inf are made ("nnan"/"ninf" are deliberately absent).
_FM = {"reassoc", "contract", "nsz", "arcp"}

# kernel status codes
_CONVERGED = 0
_MAX_ITER = 1
_NEED_FACTOR = 2
_STALLED = 3
_NONFINITE = 4

# preconditioners of the conjugate gradients
_PREC_SCALAR = 0   # diag(2 lam, ..., 2 lam, sum c D): the penalty dominates
_PREC_CHOLESKY = 1  # Cholesky factor of an earlier exact Hessian (small d)
_PREC_JACOBI = 2   # diagonal of the current Hessian (large d or sparse: O(d) memory)

# solver tuning (dimensionless)
_PCG_MAX = 60            # conjugate-gradient iterations per Newton step
_FACTOR_MAX_D = 2048     # largest d with a (d+1) x (d+1) Cholesky preconditioner
# range of max ||x||^2 in which the Gram part of that factor is formed in float32
# (entries up to max ||x||^2 / 4, far from float32's overflow at 3.4e38 and its
# smallest normal 1.2e-38); float64 outside it
_F32_GRAM = (1e-20, 1e30)
_ARMIJO = 1e-4
_STALL_STEPS = 5         # Newton steps without progress before stopping as stalled


# ---------------------------------------------------------------------------
# passes over X
# ---------------------------------------------------------------------------

@njit(cache=True, no_cpython_wrapper=True, fastmath=False)
def _csr_dots(data, indices, indptr, rows, v, vb, out):
    """``out[i] = x_i . v + vb`` for the listed rows of a CSR matrix (all rows if
    ``rows`` is empty).

    Kept out of the fastmath kernels: LLVM turns these short reductions into vector
    gathers there, measured 2x slower; with unsigned ``indices`` (no negative-index
    wrap-around test per access) this loop runs at scipy's ``X @ v`` speed.
    """
    if rows.shape[0] == 0:
        # all rows: the running position ``k`` carried from row to row (measured
        # 12% faster than a range per row)
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


_ALL_ROWS = np.empty(0, dtype=np.int64)


@njit(cache=True, no_cpython_wrapper=True, fastmath=_FM)
def _grad_pass(is_sparse, Xd, data, indices, indptr, y, c, fit_intercept, w, b_arr, z, qp, qm,
               cD, want_diag, acc, scratch):
    """One pass at ``(w, b)``: scores, intercept, loss, gradient sums, curvature.

    With ``scratch``, ``z = X w + b`` is recomputed from scratch, after the intercept
    ``b_arr[0]`` has been polished on the fresh ``X w`` (``_polish_intercept``);
    otherwise ``z`` holds the scores as updated along the Newton steps and only the
    polish shifts them (no pass over ``X`` for them). Then, from one exponential
    per sample: the loss, ``qp = sum_{y=+1} c_i u_i x_i``, ``qm = sum_{y=-1} c_i u_i x_i``
    with ``u_i = sigmoid(-y_i z_i)``, the Hessian weights ``cD_i = c_i f''(y_i z_i)`` and,
    with ``want_diag``, the sums ``acc[k, 2:4] = (sum cD x_k, sum cD x_k^2)`` of the
    diagonal preconditioner. Returns ``(loss, sum_{y=+1} c u, sum_{y=-1} c u, sum cD)``.

    Sparse rows are traversed once for all four sums, accumulated side by side in
    ``acc`` (``(d, 4)``: one cache line per column index; measured 14 ms against 25 ms
    for separate arrays on text-like data), then ``qp, qm`` are copied out. All dot
    products come first, then all updates (measured faster than one fused loop).
    """
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
            _csr_dots(data, indices, indptr, _ALL_ROWS, w, 0.0, z)
        else:
            for i in range(n):
                z[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w)
    # z + shift: the scores at the polished intercept
    shift = 0.0
    if fit_intercept:
        shift = _polish_intercept(y, c, z, b_arr[0] if scratch else 0.0)
        b_arr[0] = shift if scratch else b_arr[0] + shift
    b = shift
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
        zi = z[i] + b
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
                _diag_row(is_sparse, Xd, data, indices, indptr, i, ch, acc)
    if is_sparse:
        for k in range(d):
            qp[k] = acc[k, 0]
            qm[k] = acc[k, 1]
    return loss, sp_, sm_, hbb


@njit(cache=True, inline="always")
def _diag_row(is_sparse, Xd, data, indices, indptr, i, a, acc):
    """``acc[k, 2:4] += (a x_ik, a x_ik^2)`` over the entries of row ``i``."""
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


@njit(cache=True, fastmath=_FM)
def _scores(is_sparse, Xd, data, indices, indptr, w, b, out):
    if is_sparse:
        _csr_dots(data, indices, indptr, _ALL_ROWS, w, b, out)
        return
    for i in range(out.shape[0]):
        out[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w) + b


@njit(cache=True, no_cpython_wrapper=True, fastmath=_FM)
def _hessvec(is_sparse, Xd, data, indices, indptr, cD, rows, vw, vb, lam2, out_w, dots):
    """``out_w = X^T (cD (X vw + vb)) + lam2 vw``; returns ``sum cD (X vw + vb)``.

    ``dots[i] = x_i . vw + vb`` is kept for the listed rows.
    """
    d = vw.shape[0]
    n = dots.shape[0]
    if is_sparse and rows.shape[0] == n:  # every row weighted: no index list
        _csr_dots(data, indices, indptr, _ALL_ROWS, vw, vb, dots)
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
        _csr_dots(data, indices, indptr, rows, vw, vb, dots)
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


@njit(cache=True, no_cpython_wrapper=True, fastmath=_FM)
def _hess_diag(is_sparse, Xd, data, indices, indptr, cD, rows, acc):
    """The sums ``acc[k, 2:4] = (sum cD x_k, sum cD x_k^2)`` of ``_centred_diag`` (one
    pass; ``_grad_pass`` forms them on its way where it can)."""
    acc[:, 2:] = 0.0
    for jj in range(rows.shape[0]):
        i = rows[jj]
        if cD[i] != 0.0:
            _diag_row(is_sparse, Xd, data, indices, indptr, i, cD[i], acc)


@njit(cache=True, inline="always")
def _centred_diag(acc, hbb, lam2, fit_intercept, out, mu):
    """The centred diagonal preconditioner of the Hessian from the sums ``acc[:, 2:4]``.

    With an intercept, in the coordinates ``(w, b' = b + mu.w)``,
    ``mu = X^T cD / sum(cD)`` (the curvature-weighted mean row), the Hessian has no
    ``w``-``b'`` block; ``out[:d]`` receives the diagonal of its ``w`` block,
    ``sum_i cD_i (x_ik - mu_k)^2 + lam2``, ``out[d] = sum cD = hbb`` and ``mu`` the
    mean row. (The plain diagonal leaves the intercept coupled to the mean direction
    of uncentred data, e.g. non-negative text features: on text-like data one
    eigenvalue of the preconditioned Hessian sits far above and one far below the
    others, [0.05, 5.4] against [0.61, 1.27] centred.) Without an intercept: the
    plain diagonal ``sum cD x_k^2 + lam2``, ``mu = 0``.
    """
    d = mu.shape[0]
    for k in range(d):
        if fit_intercept:
            m = acc[k, 2] / hbb
            mu[k] = m
            # sum cD (x - mu)^2 >= 0 exactly; clip the rounding of the difference
            out[k] = max(acc[k, 3] - hbb * m * m, 0.0) + lam2
        else:
            mu[k] = 0.0
            out[k] = acc[k, 3] + lam2
    out[d] = hbb


@njit(cache=True, inline="always")
def _precondition(pmode, L, pdiag, mu, fit_intercept, r, s):
    """``s = M^{-1} r`` for the preconditioner ``M`` of mode ``pmode``."""
    d = r.shape[0] - 1
    if pmode == _PREC_CHOLESKY:
        _chol_solve(L, r, s)
    elif pmode == _PREC_JACOBI and fit_intercept:
        # M = A^T diag(pdiag) A with A (w, b) = (w, b + mu.w): the centred diagonal
        rb = r[d]
        ms = 0.0
        for k in range(d):
            sk = (r[k] - mu[k] * rb) / pdiag[k]
            s[k] = sk
            ms += mu[k] * sk
        s[d] = rb / pdiag[d] - ms
    else:
        for k in range(d + 1):
            s[k] = r[k] / pdiag[k]
    if not fit_intercept:
        s[d] = 0.0


# ---------------------------------------------------------------------------
# small dense pieces
# ---------------------------------------------------------------------------

@njit(cache=True, no_cpython_wrapper=True, fastmath=_FM)
def _chol_solve(L, r, out):
    """``out = (L L^T)^{-1} r``; ``L`` lower triangular, C-contiguous."""
    m = r.shape[0]
    for i in range(m):
        acc = r[i]
        for j in range(i):
            acc -= L[i, j] * out[j]
        out[i] = acc / L[i, i]
    for i in range(m - 1, -1, -1):
        out[i] = out[i] / L[i, i]
        oi = out[i]
        for j in range(i):
            out[j] -= L[i, j] * oi


@njit(cache=True, no_cpython_wrapper=True)
def _polish_intercept(y, c, z, bb):
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


@njit(cache=True, no_cpython_wrapper=True, fastmath=_FM)
def _certificate(y, c, z, w, lam, fit_intercept, loss, sp_, sm_, qp, qm, g, u_scale, above):
    """Primal value, certified duality gap and the gradient of ``P``.

    ``g[:d]`` receives ``2 lam w - v`` (the gradient in ``w``), ``g[d]`` the
    gradient in ``b`` (0 without intercept); ``u_scale`` the per-class factors
    ``(1 - eps)`` of the feasible dual point (index 0: class -1, 1: class +1).
    With ``above > 0``, once the second term of the gap alone exceeds ``above * P``
    the first (an O(n) sum of logarithms) is left out: the returned gap is then
    only a lower estimate, for the Newton steps, and certifies nothing.
    """
    d = w.shape[0]
    lam2 = 2.0 * lam
    r = sp_ - sm_
    eps = 0.0
    cls = 0.0
    u_scale[0] = 1.0
    u_scale[1] = 1.0
    if fit_intercept and r != 0.0:
        if r > 0.0:
            eps = r / sp_
            cls = 1.0
            u_scale[1] = 1.0 - eps
        else:
            eps = -r / sm_
            cls = -1.0
            u_scale[0] = 1.0 - eps
    wsq = 0.0
    gsq = 0.0
    fp = u_scale[1]
    fm = u_scale[0]
    for k in range(d):
        wsq += w[k] * w[k]
        gk = lam2 * w[k] - (fp * qp[k] - fm * qm[k])
        gsq += gk * gk
        g[k] = lam2 * w[k] - (qp[k] - qm[k])
    g[d] = -r if fit_intercept else 0.0
    kl = 0.0
    P = loss + lam * wsq
    if eps > 0.0 and not (above > 0.0 and gsq / (2.0 * lam2) > above * P):
        l1e = math.log1p(-eps)
        for i in range(y.shape[0]):
            ci = c[i]
            if ci == 0.0 or y[i] != cls:
                continue
            m = y[i] * z[i]
            p = _expit(-m)
            up = p * (1.0 - eps)
            if -m < 700.0:
                t2 = math.log1p(eps * math.exp(-m))
            else:
                t2 = math.log(eps * p + _expit(m)) + _softplus(m)
            # (u' log u' -> 0 where eps rounds to 1 and u' = 0)
            kl += ci * ((up * l1e if up > 0.0 else 0.0) + (1.0 - up) * t2)
        if kl < 0.0:
            kl = 0.0
    gap = kl + gsq / (2.0 * lam2)
    return P, gap


@njit(cache=True, no_cpython_wrapper=True)
def _line_values(y, c, z, dz, t, w, pw, lam, wp, pp):
    """``phi(t)`` and ``phi'(t)`` along ``(w, b, z) + t (pw, pb, dz)``."""
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
    # ||w + t p||^2 = ||w||^2 + 2 t w.p + t^2 ||p||^2 (||w||^2 added by caller)
    f += lam * (2.0 * t * wp + t * t * pp)
    df += lam * (2.0 * wp + 2.0 * t * pp)
    return f, df


# ---------------------------------------------------------------------------
# the Newton kernel
# ---------------------------------------------------------------------------

@njit(cache=True, fastmath=_FM)
def _newton_kernel(is_sparse, Xd, data, indices, indptr, y, c, lam, fit_intercept, tol,
                   max_iter, w, b_arr, z, L, pmode, pcg_refresh, info, u_scale, cD,
                   qp, qm, gstate, have_grad, acc, have_diag):
    """Newton-PCG iterations until converged / max_iter / a new factor is wanted.

    ``info`` (float64[8]) in/out: [0] iterations done, [1] P, [2] gap, [3] PCG
    iterations (total), [5] other passes over ``X`` (gradients, diagonals), [6] on
    return 1 where ``acc[:, 2:4]`` holds the diagonal sums of the returned point.
    ``qp, qm, cD, gstate = (loss, sum_+ c u, sum_- c u, sum cD)`` hold the
    lam-independent output of the last gradient pass; with ``have_grad`` they are
    taken as valid for the current ``(w, b, z)`` and the first pass is skipped (and
    with ``have_diag`` the diagonal sums in ``acc``, ``(d, 4)``, too).
    ``pmode`` selects the preconditioner (``_PREC_*``; ``L`` is only read by
    ``_PREC_CHOLESKY``). Returns a status code.
    """
    n = y.shape[0]
    d = w.shape[0]
    lam2 = 2.0 * lam
    g = np.empty(d + 1)
    pdiag = np.empty(d + 1)
    pmu = np.zeros(d)
    pvec = np.zeros(d + 1)
    r = np.empty(d + 1)
    s = np.empty(d + 1)
    q = np.empty(d + 1)
    Hq = np.empty(d + 1)
    dz = np.zeros(n)
    dots = np.zeros(n)
    rows = np.empty(n, dtype=np.int64)
    nr = 0
    for i in range(n):
        if c[i] != 0.0:
            rows[nr] = i
            nr += 1
    rows = rows[:nr]
    it = int(info[0])
    status = _MAX_ITER
    fresh = have_grad
    diag_ok = have_grad and have_diag
    # lack of progress: neither the gap halves nor the objective moves beyond
    # rounding for _STALL_STEPS Newton steps (tol below what floating point allows)
    best_gap = np.inf
    P_last = np.inf
    stall = 0
    # the relative gap that the last step's linear model predicted, and the gap before
    # it (their difference, over the square of the latter, estimates the nonlinear
    # part of the next gap)
    pred_prev = -1.0
    rho_prev = 0.0
    # the gradient of the current point is from scores recomputed from scratch (the
    # reused one of have_grad always is); every exit certifies such a gradient
    scratch_now = True
    scratch_next = True
    last_expected = False
    while True:
        if not fresh:
            # (no diagonal where this point is predicted to be the last)
            want = pmode == _PREC_JACOBI and not last_expected
            loss, sp_, sm_, hbb = _grad_pass(is_sparse, Xd, data, indices, indptr, y, c,
                                             fit_intercept, w, b_arr, z, qp, qm, cD,
                                             want, acc, scratch_next)
            scratch_now = scratch_next
            info[5] += 1
            gstate[0] = loss
            gstate[1] = sp_
            gstate[2] = sm_
            gstate[3] = hbb
            diag_ok = want
        loss = gstate[0]
        sp_ = gstate[1]
        sm_ = gstate[2]
        hbb = gstate[3] if gstate[3] > 0.0 else 1e-300
        P, gap = _certificate(y, c, z, w, lam, fit_intercept, loss, sp_, sm_, qp, qm, g,
                              u_scale, 0.0 if scratch_now else tol)
        info[1] = P
        info[2] = gap
        if not scratch_now and (gap <= tol * P or it >= max_iter
                                or not (np.isfinite(P) and np.isfinite(gap))):
            scratch_next = True  # an exit: certify from scores recomputed from scratch
            continue
        if not (np.isfinite(P) and np.isfinite(gap)):
            status = _NONFINITE
            break
        if gap <= tol * P:
            status = _CONVERGED
            break
        if it >= max_iter:
            status = _MAX_ITER
            break
        if gap < 0.5 * best_gap:
            best_gap = gap
            stall = 0
        elif P_last - P <= 1e-15 * abs(P):
            stall += 1
        else:
            stall = 0
        P_last = P
        if stall >= _STALL_STEPS:
            status = _STALLED
            break
        rho = gap / P
        # ---- the preconditioner (Hessian weights cD from the gradient pass)
        if pmode == _PREC_JACOBI:
            if not diag_ok:  # the reused gradient pass did not form the diagonal
                _hess_diag(is_sparse, Xd, data, indices, indptr, cD, rows, acc)
                info[5] += 1
            _centred_diag(acc, hbb, lam2, fit_intercept, pdiag, pmu)
        else:
            for k in range(d):
                pdiag[k] = lam2
            pdiag[d] = hbb
        fresh = False
        diag_ok = False  # (for the next point)
        # ---- PCG on H p = -g (Euclidean residual; forcing term from the gap)
        eta = max(math.sqrt(0.1 * tol / rho), math.sqrt(rho))
        eta = min(0.5, eta)
        nl = 1.0  # nonlinear part of the next relative gap, in units of rho^2
        if pred_prev >= 0.0 and rho_prev > 0.0:
            nl = max(rho - pred_prev, 0.0) / (rho_prev * rho_prev)
        nl *= rho * rho
        gnorm2 = 0.0
        for k in range(d + 1):
            r[k] = -g[k]
            pvec[k] = 0.0
            gnorm2 += g[k] * g[k]
        # relative target, or small enough for the certificate by itself
        target = max(eta * eta * gnorm2, 0.05 * tol * P * 2.0 * lam2)
        if not fit_intercept:
            r[d] = 0.0
        _precondition(pmode, L, pdiag, pmu, fit_intercept, r, s)
        rs = 0.0
        for k in range(d + 1):
            q[k] = s[k]
            rs += r[k] * s[k]
        for jj in range(nr):
            dz[rows[jj]] = 0.0
        npcg = 0
        qw = q[:d]
        Hw = Hq[:d]
        while npcg < _PCG_MAX:
            hb = _hessvec(is_sparse, Xd, data, indices, indptr, cD, rows, qw, q[d], lam2,
                          Hw, dots)
            Hq[d] = hb if fit_intercept else 0.0
            qHq = 0.0
            for k in range(d + 1):
                qHq += q[k] * Hq[k]
            npcg += 1
            if not qHq > 0.0:
                break
            alpha = rs / qHq
            rr = 0.0
            for k in range(d + 1):
                pvec[k] += alpha * q[k]
                r[k] -= alpha * Hq[k]
                rr += r[k] * r[k]
            # X p accumulates from the products already computed
            for jj in range(nr):
                i = rows[jj]
                dz[i] += alpha * dots[i]
            # stop at the forcing term, or where the next gap (the linear model's
            # residual, 25% margin, plus the nonlinear part) is predicted below tol.
            # (Not with the Cholesky factor: there the extra iteration is cheap, and the
            # overshoot keeps fits of different representations of the same data, e.g.
            # zero weights vs removed rows, equal far below tol.)
            pred = (rr - r[d] * r[d]) / (2.0 * lam2) / P
            if rr <= target or (pmode != _PREC_CHOLESKY and 1.25 * pred + nl <= tol):
                break
            _precondition(pmode, L, pdiag, pmu, fit_intercept, r, s)
            rs_new = 0.0
            for k in range(d + 1):
                rs_new += r[k] * s[k]
            beta = rs_new / rs
            rs = rs_new
            for k in range(d + 1):
                q[k] = s[k] + beta * q[k]
        info[3] += npcg
        # the next gradient from scratch if this step is predicted to reach tol (the
        # residual of the linear model is the next gradient, up to the polish of b)
        pred = (rr - r[d] * r[d]) / (2.0 * lam2) / P
        last_expected = 1.25 * pred + nl <= tol
        pred_prev = pred
        rho_prev = rho
        scratch_next = last_expected or it + 1 >= max_iter
        # ---- line search on the exact objective
        pw = pvec[:d]
        pb = pvec[d] if fit_intercept else 0.0
        wp = 0.0
        pp = 0.0
        for k in range(d):
            wp += w[k] * pvec[k]
            pp += pvec[k] * pvec[k]
        f0 = loss
        df0 = 0.0
        for k in range(d + 1):
            df0 += g[k] * pvec[k]
        if not df0 < 0.0:
            status = _STALLED
            break
        t = 1.0
        accepted = False
        for _ in range(60):
            ft, dft = _line_values(y, c, z, dz, t, w, pw, lam, wp, pp)
            if ft <= f0 + _ARMIJO * t * df0:
                accepted = True
                break
            # within rounding of f0: accept if the slope shrank in magnitude
            if ft - f0 <= 1e-14 * abs(P) and abs(dft) <= abs(df0):
                accepted = True
                break
            # safeguarded quadratic interpolation
            denom = 2.0 * (ft - f0 - t * df0)
            tn = -df0 * t * t / denom if denom > 0.0 else 0.5 * t
            t = min(0.5 * t, max(0.1 * t, tn))
        if not accepted:
            status = _STALLED
            break
        for k in range(d):
            w[k] += t * pvec[k]
        if fit_intercept:
            b_arr[0] += t * pb
        for jj in range(nr):
            i = rows[jj]
            z[i] += t * dz[i]
        it += 1
        info[0] = it
        if t != 1.0:
            scratch_next = it >= max_iter
            last_expected = False
            pred_prev = -1.0
        if npcg > pcg_refresh:
            status = _NEED_FACTOR
            break
    if status == _STALLED and not scratch_now:
        # certify the point of a stalled line search from scratch
        loss, sp_, sm_, hbb = _grad_pass(is_sparse, Xd, data, indices, indptr, y, c,
                                         fit_intercept, w, b_arr, z, qp, qm, cD, False,
                                         acc, True)
        info[5] += 1
        gstate[0] = loss
        gstate[1] = sp_
        gstate[2] = sm_
        gstate[3] = hbb
        P, gap = _certificate(y, c, z, w, lam, fit_intercept, loss, sp_, sm_, qp, qm, g,
                              u_scale, 0.0)
        info[1] = P
        info[2] = gap
        if gap <= tol * P:
            status = _CONVERGED
        diag_ok = False
    info[6] = 1.0 if diag_ok else 0.0
    info[0] = it
    return status


@njit(cache=True)
def _final_dual(y, c, z, u_scale, lam, out):
    for i in range(y.shape[0]):
        f = u_scale[1] if y[i] > 0.0 else u_scale[0]
        out[i] = c[i] * _expit(-y[i] * z[i]) * f / (2.0 * lam)


@njit(cache=True)
def _sparse_gram(data, indices, indptr, wts, rows, H):
    """Upper triangle of ``sum_rows wts_i x_i x_i^T`` (plus the intercept column)."""
    d = H.shape[0] - 1
    for jj in range(rows.shape[0]):
        i = rows[jj]
        a = wts[i]
        for k1 in range(indptr[i], indptr[i + 1]):
            j1 = indices[k1]
            v1 = a * data[k1]
            H[j1, d] += v1
            for k2 in range(k1, indptr[i + 1]):
                H[j1, indices[k2]] += v1 * data[k2]


# ---------------------------------------------------------------------------
# Python drivers
# ---------------------------------------------------------------------------

@njit(cache=True)
def _csr_scan(data, indices, indptr, c, y, used, rowsq, sums):
    """One pass over CSR input: ``rowsq[i] = ||x_i||^2``, ``used[k]`` for the columns
    with a nonzero on a row of positive weight and the class sums ``sums[k] =
    (sum_{y=+1} c x_k, sum_{y=-1} c x_k, sum_{y=+1} c x_k^2, sum_{y=-1} c x_k^2)``
    (the gradient pass at ``w = 0``, ``_cold_gradient``); returns whether all values
    are finite (numpy's separate passes took 5x longer on text-like data)."""
    bad = 0.0  # v - v is 0 for every finite v, NaN otherwise
    k = np.int64(indptr[0])
    for i in range(indptr.shape[0] - 1):
        acc = 0.0
        e = np.int64(indptr[i + 1])
        ci = c[i]
        col = 0 if y[i] > 0.0 else 1
        while k < e:
            v = float(data[k])
            bad += v - v
            acc += v * v
            if ci > 0.0 and v != 0.0:
                j = indices[k]
                used[j] = True
                cv = ci * v
                sums[j, col] += cv
                sums[j, 2 + col] += cv * v
            k += 1
        rowsq[i] = acc
    return bad == 0.0


def _scan_arrays(X):
    """The CSR arrays of ``X`` for ``_csr_scan``, canonicalised as ``kernel_arrays``
    does (one compiled specialisation for all input variants), the compile lock in
    place (the scan runs before ``kernel_arrays``)."""
    from . import _canonical, _jit_cache

    _jit_cache.guard_kernels()
    indices, indptr = _canonical.csr_index(X.indices, X.indptr, X.shape[1])
    return _canonical.values(X.data), indices, indptr


def _narrow(a):
    """The same values in the narrowest of uint8 / float32 / own dtype that holds them
    exactly (raw pixels are integers in [0, 255]): a lossless copy that the
    memory-bound passes read 8x / 2x faster. Arithmetic stays in float64."""
    if a.size == 0 or a.dtype == np.uint8:
        return a
    head = a.reshape(-1)[:4096]  # cheap rejection before a full scan or copy
    if (head.min() >= 0 and head.max() <= 255 and np.array_equal(head.astype(np.uint8), head)
            and a.min() >= 0 and a.max() <= 255):
        a8 = a.astype(np.uint8)
        if np.array_equal(a8, a):
            return a8
    if a.dtype == np.float64:
        with np.errstate(over="ignore"):  # beyond float32's range: not equal, kept
            if np.array_equal(head.astype(np.float32), head):
                a32 = a.astype(np.float32)
                if np.array_equal(a32, a):
                    return a32
    return a


class _Problem:
    """Validated arrays and cached quantities shared along a path.

    Columns that are zero on every row of positive weight are dropped (their
    optimal weight is exactly 0, and their gradient is 0 at every point), which
    shrinks both the passes over ``X`` and the Hessian for image data.
    """

    def __init__(self, X, y, sample_weight, fit_intercept, check_input=True):
        if sp.issparse(X):
            if not isinstance(X, sp.csr_matrix):  # (a new object would forget that
                X = sp.csr_matrix(X)              # its indices were found sorted)
            if X.dtype not in (np.float32, np.float64):
                X = X.astype(np.float64)
        else:
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D, got shape {X.shape}.")
            if X.dtype not in (np.float32, np.float64):
                X = X.astype(np.float64)
            if check_input and not np.all(np.isfinite(X)):
                raise ValueError("X contains NaN or infinity.")
        n, d = X.shape
        y = np.ascontiguousarray(y, dtype=np.float64).ravel()
        if y.shape[0] != n:
            raise ValueError(f"y has {y.shape[0]} entries, X has {n} rows.")
        if check_input and not np.all((y == 1.0) | (y == -1.0)):
            raise ValueError("y must contain only -1.0 and +1.0.")
        if sample_weight is None:
            s = np.ones(n)
        else:
            s = np.ascontiguousarray(sample_weight, dtype=np.float64).ravel()
            if s.shape[0] != n:
                raise ValueError(f"sample_weight has {s.shape[0]} entries, X has {n} rows.")
            if check_input and (not np.all(np.isfinite(s)) or np.any(s < 0)):
                raise ValueError("sample_weight must be finite and non-negative.")
        S = s.sum()
        if not (S > 0 and np.isfinite(S)):
            raise ValueError("sample_weight must have a positive, finite sum.")
        if fit_intercept and (s[y > 0].sum() <= 0 or s[y < 0].sum() <= 0):
            raise ValueError("With fit_intercept=True both classes need positive total "
                             "sample weight (otherwise the intercept diverges).")
        self.n, self.d_full = n, d
        self.y = y
        self.c = s / S
        self.fit_intercept = bool(fit_intercept)
        self.sparse = sp.issparse(X)
        # --- drop columns that no weighted row uses
        weighted = self.c > 0
        if self.sparse:
            used = np.zeros(d, dtype=bool)
            rowsq = np.empty(n)
            sums = np.zeros((d, 4))
            if not _csr_scan(*_scan_arrays(X), self.c, y, used, rowsq, sums) and check_input:
                raise ValueError("X contains NaN or infinity.")
        else:
            Xw = X if weighted.all() else X[weighted]
            # (max > 0) | (min < 0): no |X| copy of the data
            used = ((Xw.max(axis=0) > 0) | (Xw.min(axis=0) < 0) if Xw.shape[0]
                    else np.zeros(d, dtype=bool))
        self.keep = None
        if used.sum() < 0.9 * d:
            self.keep = np.flatnonzero(used)
            if self.sparse:
                X = X[:, self.keep]
                rowsq = None
            else:
                X = np.ascontiguousarray(X[:, self.keep])
        if self.sparse:
            X.sort_indices()  # (no work where already known sorted)
            X = sp.csr_matrix((_narrow(X.data), X.indices, X.indptr), shape=X.shape)
            X.has_sorted_indices = True  # (sorted above; spares kernel_arrays a check)
        else:
            X = _narrow(np.ascontiguousarray(X))
        self.X = X
        self.d = X.shape[1]
        # unsigned view of the column indices (same bytes): numba then indexes
        # without a negative-index test per access
        ka = list(kernel_arrays(X))
        ka[3] = ka[3].view(np.uint32 if ka[3].dtype.itemsize == 4 else np.uint64)
        self.ka = tuple(ka)
        if self.sparse:
            if rowsq is None:  # columns were dropped
                rowsq = np.empty(n)
                _csr_scan(*_scan_arrays(X), self.c, y, np.zeros(self.d, dtype=bool), rowsq,
                          np.zeros((self.d, 4)))
                sums = sums[self.keep]
            self.rowsq = rowsq
            self.sums = np.ascontiguousarray(sums)
        else:
            self.rowsq = np.einsum("ij,ij->i", X, X, dtype=np.float64)
            self.sums = None
        # sum_i c_i (||x_i||^2 + 1) bounds 4x the data part of the Hessian
        self.trace = float(np.dot(self.c, self.rowsq + 1.0))

    def restrict(self, w_full):
        return w_full if self.keep is None else w_full[self.keep]

    def expand(self, w):
        if self.keep is None:
            return w.copy()
        out = np.zeros(self.d_full)
        out[self.keep] = w
        return out

    def cold_intercept(self):
        if not self.fit_intercept:
            return 0.0
        cp = self.c[self.y > 0].sum()
        cm = self.c[self.y < 0].sum()
        return float(np.log(cp) - np.log(cm))

    def factor(self, z, lam, single=True):
        """Cholesky factor (lower, C-contiguous) of the Hessian at scores ``z``.

        Rows whose summed contribution ``c_i D_i (||x_i||^2 + 1)`` stays below
        ``lam / 2`` are left out: the result ``M`` then satisfies
        ``M <= H <= M + (lam / 2) I``, so ``M^{-1} H`` has eigenvalues in [1, 1.25].
        Dense data: the Gram part is formed in float32 (``ssyrk``, twice the speed of
        ``dsyrk``; a preconditioner only needs to be close, and the certificate does
        not depend on it) where the data's scale allows it (``_F32_GRAM``), and in
        float64 otherwise or when the float32 result is not finite or not positive
        definite. Returns None when no finite positive definite factor is found.
        """
        d = self.d
        if single and d:
            # every Gram entry is at most max ||x||^2 / 4 (sum c = 1, D <= 1/4): float32
            # only where that neither overflows nor sinks below its normal range
            top = float(self.rowsq.max(initial=0.0))
            single = _F32_GRAM[0] <= top <= _F32_GRAM[1]
        m = self.y * z
        e = np.exp(-np.abs(m))
        cD = self.c * e / ((1.0 + e) * (1.0 + e))
        hbb = float(cD.sum())
        contrib = cD * (self.rowsq + 1.0)
        order = np.argsort(contrib)
        cum = np.cumsum(contrib[order])
        ndrop = int(np.searchsorted(cum, 0.5 * lam, side="right"))
        rows = np.sort(order[ndrop:])
        H = np.zeros((d + 1, d + 1))
        in_single = False  # the Gram part was formed in float32
        if rows.size and d:
            if self.sparse:
                _sparse_gram(self.ka[2], self.ka[3], self.ka[4], cD, rows.astype(np.int64), H)
            else:
                in_single = single
                ft = np.float32 if single else np.float64
                syrk = _blas.ssyrk if single else _blas.dsyrk
                # blocks of rows: the scaled copy stays below ~32 MB
                step = max(1, (32 << 20) // (d * np.dtype(ft).itemsize))
                for start in range(0, rows.size, step):
                    blk = rows[start:start + step]
                    sq = np.sqrt(cD[blk]).astype(ft)
                    Xs = self.X[blk] * sq[:, None]
                    if Xs.dtype != ft:
                        Xs = Xs.astype(ft)
                    H[:d, :d] += syrk(1.0, Xs.T, trans=0, lower=0)
                    H[:d, d] += Xs.T @ sq
                    del Xs
        if self.fit_intercept:
            H[d, d] = max(hbb, 1e-300)
        else:
            H[:d, d] = 0.0
            H[d, d] = 1.0
        H[np.arange(d), np.arange(d)] += 2.0 * lam
        if np.all(np.isfinite(H)):
            U, info = _lapack.dpotrf(H, lower=0, clean=1, overwrite_a=1)
            # (an infinite diagonal passes LAPACK's test and leaves a useless factor)
            if info == 0 and np.all(np.isfinite(np.diagonal(U))):
                return U.T  # C-contiguous lower factor: H = L L^T
        if in_single:
            return self.factor(z, lam, single=False)
        return None


class _State:
    """The current point and everything reusable at the next solve."""

    def __init__(self, prob, w, b, cold=False):
        n, d = prob.n, prob.d
        self.w = w
        self.b_arr = np.array([b])
        self.z = np.empty(n)
        if w.any():
            _scores(*prob.ka, w, b, self.z)
        else:
            self.z.fill(b)
        # output of the last gradient pass (valid for (w, b, z) while grad_ok; the
        # diagonal sums acc[:, 2:4] while diag_ok too)
        self.qp = np.zeros(d)
        self.qm = np.zeros(d)
        self.gstate = np.zeros(4)
        self.grad_ok = False
        self.cD = np.empty(n)  # Hessian weights
        self.acc = np.empty((d, 4))
        self.diag_ok = False
        if cold and prob.sums is not None:
            _cold_gradient(prob, self)
        self.L = None          # Cholesky preconditioner (small d only)
        self.t_factor = None   # measured cost of one factorisation [s]
        self.t_pass = None     # measured cost of one pass over X [s]

    def refresh_after(self):
        """PCG iterations per Newton step beyond which the factor is refreshed.

        If the iterations grow by ``a`` per step after a refresh, the cost per step
        ``t_factor / m + t_pass (1 + a m / 2)`` is least when the last step needs
        ``1 + sqrt(2 a t_factor / t_pass)`` iterations; ``a ~ 1/2`` measured.
        """
        if self.t_factor is None or self.t_pass is None or self.t_pass <= 0:
            return 8
        return int(np.clip(round(1.0 + np.sqrt(self.t_factor / self.t_pass)), 3, 30))


_EMPTY_L = np.empty((0, 0))


def _preconditioner(prob, lam):
    """The preconditioner mode for ``lam`` (see the module docstring)."""
    # The penalty dominates the data part of the Hessian (lambda_max <= trace / 4):
    # a scalar preconditioner is then as good as any, and nothing is formed.
    if 0.25 * prob.trace <= 2.0 * lam:
        return _PREC_SCALAR
    if prob.d <= _FACTOR_MAX_D:
        return _PREC_CHOLESKY
    return _PREC_JACOBI


def _solve(prob, lam, tol, max_iter, state, refresh=True):
    """Newton-PCG for one ``lam`` from the state's point (updated in place).

    ``refresh=False`` keeps the current factor whatever the PCG iterations.
    """
    info = np.zeros(8)
    u_scale = np.ones(2)
    pmode = _preconditioner(prob, lam)
    status = _MAX_ITER
    for _ in range(max_iter + 2):
        if pmode == _PREC_CHOLESKY and state.L is None:
            t0 = time.perf_counter()
            state.L = prob.factor(state.z, lam)
            state.t_factor = time.perf_counter() - t0
            if state.L is None:  # not positive definite in floating point
                pmode = _PREC_JACOBI
        use_L = pmode == _PREC_CHOLESKY
        passes0 = info[3] + info[5]
        t0 = time.perf_counter()
        status = _newton_kernel(*prob.ka, prob.y, prob.c, lam, prob.fit_intercept, tol,
                                max_iter, state.w, state.b_arr, state.z,
                                state.L if use_L else _EMPTY_L, pmode,
                                state.refresh_after() if use_L and refresh else 10**9,
                                info, u_scale,
                                state.cD, state.qp, state.qm, state.gstate, state.grad_ok,
                                state.acc, state.diag_ok)
        passes = info[3] + info[5] - passes0
        if passes >= 2:
            state.t_pass = (time.perf_counter() - t0) / passes
        state.grad_ok = status != _NEED_FACTOR
        state.diag_ok = state.grad_ok and info[6] == 1.0
        if status != _NEED_FACTOR:
            break
        state.L = None  # refactorise at the current point
    dual = np.zeros(prob.n)
    _final_dual(prob.y, prob.c, state.z, u_scale, lam, dual)
    b_out = float(state.b_arr[0]) if prob.fit_intercept else 0.0
    P, gap = float(info[1]), float(info[2])
    rel = gap / P if P > 0 else (0.0 if gap == 0 else np.inf)
    return SolverResult(coef=prob.expand(state.w), intercept=b_out, dual=dual,
                        n_iter=int(info[0]), gap=rel, primal=P,
                        converged=bool(status == _CONVERGED),
                        message=_stop_message(status, max_iter, rel))


def _stop_message(status, max_iter, rel):
    """Why a solve stopped short of ``tol`` (empty when it converged)."""
    if status == _CONVERGED:
        return ""
    if status == _MAX_ITER:
        return (f"stopped at max_iter={max_iter} with a relative duality gap of {rel:.3g}; "
                "increase max_iter")
    if status == _NONFINITE:
        return ("the objective or its gap overflowed (not finite); rescale X or use a "
                "larger lam")
    return (f"no further decrease of the objective at the limit of floating point "
            f"(certified relative duality gap {rel:.3g}); a smaller tol is not reachable, "
            "raising max_iter does not help")


def _check_lam(lam):
    lam = float(lam)
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a finite number > 0, got {lam!r}")
    return lam


def _check_common(tol, max_iter):
    tol = float(tol)
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}")
    max_iter = int(max_iter)
    if max_iter < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter}")
    return tol, max_iter


def _init_state(prob, coef_init, intercept_init):
    d = prob.d_full
    if coef_init is None:
        w = np.zeros(d)
    else:
        w = np.array(coef_init, dtype=np.float64).ravel()
        if w.shape != (d,):
            raise ValueError(f"coef_init has shape {np.shape(coef_init)}, expected ({d},).")
        if not np.all(np.isfinite(w)):
            raise ValueError("coef_init contains NaN or infinity.")
    if not prob.fit_intercept:
        b = 0.0
    elif intercept_init is None:
        b = prob.cold_intercept() if coef_init is None else 0.0
    else:
        b = float(intercept_init)
        if not np.isfinite(b):
            raise ValueError("intercept_init must be finite.")
    return _State(prob, np.ascontiguousarray(prob.restrict(w)), b,
                  cold=coef_init is None and intercept_init is None)


def _cold_gradient(prob, state):
    """The output of the gradient pass at the cold start ``w = 0``, ``b`` = the optimal
    intercept there, from the class sums of the setup scan (no pass over ``X``).

    All scores equal ``b``: the loss, slope and curvature take one value per class,
    so every sum over samples is that value times a class sum.
    """
    y, c = prob.y, prob.c
    pos = y > 0.0
    cls_c = np.array([c[pos].sum(), c[~pos].sum()])
    b = float(state.b_arr[0])
    m = np.array([b, -b])  # the margins y (w.x + b) of class +1 and class -1
    f = _losses.loss_values(m, "softplus")
    u = _sp_special.expit(-m)
    h = _sp_special.expit(m) * u
    S = prob.sums
    np.multiply(u[0], S[:, 0], out=state.qp)
    np.multiply(u[1], S[:, 1], out=state.qm)
    state.acc[:, 2] = h[0] * S[:, 0] + h[1] * S[:, 1]
    state.acc[:, 3] = h[0] * S[:, 2] + h[1] * S[:, 3]
    state.cD[:] = c * np.where(pos, h[0], h[1])
    state.gstate[:] = (np.dot(cls_c, f), cls_c[0] * u[0], cls_c[1] * u[1], np.dot(cls_c, h))
    state.grad_ok = True
    state.diag_ok = True


def softplus_solve(X, y, sample_weight, lam, *, tol, max_iter, fit_intercept=True,
                   coef_init=None, intercept_init=None, dual_init=None, check_input=True):
    """Minimise ``sum_i c_i log(1 + exp(-y_i (w.x_i + b))) + lam ||w||^2``.

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64, or CSR matrix
    y : ndarray of shape (n,) with values +-1.0
    sample_weight : ndarray of shape (n,), non-negative, or None
    lam : float > 0
    tol : float
        Target relative duality gap ``(P - D) / P`` (certified, see the module
        docstring).
    max_iter : int
        Maximum number of Newton iterations.
    fit_intercept : bool, default=True
    coef_init, intercept_init : warm start (optional)
    dual_init : ignored
    check_input : bool, default=True
        False skips the scans of ``X``, ``y`` and the weights (validated by the caller).

    Returns
    -------
    SolverResult
        ``converged`` is False when ``max_iter`` was reached first.
    """
    lam = _check_lam(lam)
    tol, max_iter = _check_common(tol, max_iter)
    prob = _Problem(X, y, sample_weight, fit_intercept, check_input)
    state = _init_state(prob, coef_init, intercept_init)
    res = _solve(prob, lam, tol, max_iter, state)
    if (not res.converged or res.gap == 0.0 or res.n_iter >= max_iter
            or _preconditioner(prob, lam) == _PREC_JACOBI):
        return res
    # One more Newton step past the certificate (within max_iter, and never
    # refreshing the factor): from a point within ``tol`` of the optimum, Newton's
    # quadratic convergence lands at rounding level, so that a single fit is
    # reproducible to machine precision whatever the representation of the data
    # (weights vs repeated rows, dense vs CSR). Paths skip this step, and so does the
    # diagonal preconditioner (large d), whose conjugate gradients would need many
    # passes over X for it (40% of a fit on text-like CSR data).
    polished = _solve(prob, lam, 0.0, 1, state, refresh=False)
    best = polished if polished.gap <= res.gap else res
    return best._replace(n_iter=res.n_iter + polished.n_iter, converged=True, message="")


def softplus_path(X, y, sample_weight, lams, *, tol, max_iter, fit_intercept=True,
                  coef_init=None, intercept_init=None, check_input=True):
    """Solutions for every ``lam`` in ``lams`` (returned in that order).

    Steps:

    1. validate the input once (``_Problem``: weights, dropped columns, storage);
    2. visit ``lams`` from the largest to the smallest;
    3. from the third ``lam`` on, predict the solution by polynomial extrapolation
       in ``log(lam)`` of the last converged solutions and their scores (linear from
       two, quadratic from three: ``_predict``), kept only if it lowers the
       objective at the new ``lam``;
       otherwise start at the previous solution, whose gradient pass does not depend
       on ``lam`` and is reused, so the first Newton step is the tangent predictor;
    4. run Newton-PCG to the certified ``tol`` (``_solve``); the Cholesky
       preconditioner (small ``d``) is shared along the path and refreshed only when
       the conjugate gradients slow down;
    5. a solve that does not converge clears the predictor's history.
    """
    lams = np.asarray(lams, dtype=np.float64).ravel()
    for lam in lams:
        _check_lam(lam)
    tol, max_iter = _check_common(tol, max_iter)
    prob = _Problem(X, y, sample_weight, fit_intercept, check_input)
    state = _init_state(prob, coef_init, intercept_init)
    results = [None] * len(lams)
    hist = []  # (log lam, w, b, z) of the last converged solutions, newest last
    for k in np.argsort(-lams, kind="stable"):
        lam = float(lams[k])
        if len(hist) >= 2:
            _predict(prob, lam, state, hist, _PREDICTOR_ORDER)
        res = _solve(prob, lam, tol, max_iter, state)
        results[k] = res
        if res.converged:
            hist.append((np.log(lam), state.w.copy(), float(state.b_arr[0]), state.z.copy()))
            del hist[:-(_PREDICTOR_ORDER + 1)]
        else:
            hist = []
    return results


_PREDICTOR_ORDER = 2


def _predict(prob, lam, state, hist, order):
    """Polynomial extrapolation in ``log(lam)`` of the last solutions (and of their
    scores, which are linear in ``(w, b)``); kept only if it lowers the objective."""
    x = np.log(lam)
    pts = hist[-(order + 1):] if len(hist) > order else hist
    xs = [h[0] for h in pts]
    if len(set(xs)) < len(xs) or x in xs:
        return
    # Lagrange weights
    coefs = []
    for i, xi in enumerate(xs):
        wgt = 1.0
        for j, xj in enumerate(xs):
            if j != i:
                wgt *= (x - xj) / (xi - xj)
        coefs.append(wgt)
    w = sum(a * h[1] for a, h in zip(coefs, pts))
    b = sum(a * h[2] for a, h in zip(coefs, pts))
    z = sum(a * h[3] for a, h in zip(coefs, pts))
    y, c = prob.y, prob.c
    f_old = np.dot(c, np.logaddexp(0.0, -y * state.z)) + lam * np.dot(state.w, state.w)
    f_new = np.dot(c, np.logaddexp(0.0, -y * z)) + lam * np.dot(w, w)
    if f_new < f_old:
        state.w[:] = w
        state.b_arr[0] = b
        state.z[:] = z
        state.grad_ok = False
