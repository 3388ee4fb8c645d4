"""Exact solver for the softplus (logistic) problem with an unpenalised intercept.

Problem
-------
``P(w, b) = sum_i c_i log(1 + exp(-y_i (w.x_i + b))) + lam ||w||^2`` with
``c_i = s_i / sum(s)``; ``b = 0`` when ``fit_intercept=False``.

Method
------
Damped Newton on ``theta = (w, b)`` (``d + 1`` unknowns). Each Newton system
``H p = -g`` is solved by preconditioned conjugate gradients with O(nnz)
Hessian-vector products; the preconditioner is the Cholesky factor of an exact
Hessian ``X^T diag(c D) X + 2 lam I`` formed (BLAS ``syrk`` + LAPACK ``potrf``)
at some *earlier* iterate, possibly at an earlier ``lam`` of the path. The
factor is refreshed only when the conjugate gradients need more than a few
iterations, so most Newton steps cost a handful of passes over ``X`` and no
factorisation. At large ``lam`` (``2 lam`` dominating the data term) the
preconditioner is simply ``diag(2 lam, ..., 2 lam, sum c D)`` and no matrix is
formed. A backtracking line search on the exact objective globalises the
method; before every gradient the intercept is polished by a safeguarded 1-D
Newton iteration (O(n)).

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

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.linalg import blas as _blas
from scipy.linalg import lapack as _lapack

from ._common import SolverResult, kernel_arrays, row_axpy, row_dot

# Reassociation lets LLVM vectorise the float64 dot products / axpys; no
# assumptions about NaN/inf are made ("nnan"/"ninf" are deliberately absent).
_FM = {"reassoc", "contract", "nsz", "arcp"}

# kernel status codes
_CONVERGED = 0
_MAX_ITER = 1
_NEED_FACTOR = 2
_STALLED = 3

# solver tuning (dimensionless)
_PCG_MAX = 60            # conjugate-gradient iterations per Newton step
_ARMIJO = 1e-4


# ---------------------------------------------------------------------------
# scalar helpers (stable for every sign and magnitude)
# ---------------------------------------------------------------------------

@njit(cache=True, inline="always")
def _softplus(m):
    """``log(1 + exp(-m))``."""
    if m > 0.0:
        return math.log1p(math.exp(-m))
    return -m + math.log1p(math.exp(m))


@njit(cache=True, inline="always")
def _expit(t):
    """``1 / (1 + exp(-t))``."""
    if t >= 0.0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@njit(cache=True, inline="always")
def _curv(m):
    """``sigmoid(m) sigmoid(-m)`` (the second derivative of the loss)."""
    e = math.exp(-abs(m))
    return e / ((1.0 + e) * (1.0 + e))


# ---------------------------------------------------------------------------
# passes over X
# ---------------------------------------------------------------------------

@njit(cache=True, fastmath=_FM)
def _grad_pass(is_sparse, Xd, data, indices, indptr, y, c, w, b, z, qp, qm):
    """Scores ``z = X w + b`` from scratch, the loss and the class-split dual sums.

    ``qp = sum_{y=+1} c_i u_i x_i``, ``qm = sum_{y=-1} c_i u_i x_i`` with
    ``u_i = sigmoid(-y_i z_i)``; returns ``(loss, sum_{y=+1} c u, sum_{y=-1} c u)``.
    """
    n = y.shape[0]
    qp[:] = 0.0
    qm[:] = 0.0
    loss = 0.0
    sp_ = 0.0
    sm_ = 0.0
    for i in range(n):
        zi = row_dot(is_sparse, Xd, data, indices, indptr, i, w) + b
        z[i] = zi
        ci = c[i]
        if ci == 0.0:
            continue
        m = y[i] * zi
        loss += ci * _softplus(m)
        a = ci * _expit(-m)
        if a != 0.0:
            if y[i] > 0.0:
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a, qp)
                sp_ += a
            else:
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a, qm)
                sm_ += a
    return loss, sp_, sm_


@njit(cache=True, fastmath=_FM)
def _scores(is_sparse, Xd, data, indices, indptr, w, b, out):
    for i in range(out.shape[0]):
        out[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w) + b


@njit(cache=True, fastmath=_FM)
def _hessvec(is_sparse, Xd, data, indices, indptr, cD, active, vw, vb, lam2, out_w):
    """``out_w = X^T (cD (X vw + vb)) + lam2 vw``; returns ``sum cD (X vw + vb)``."""
    d = vw.shape[0]
    for k in range(d):
        out_w[k] = lam2 * vw[k]
    ob = 0.0
    for jj in range(active.shape[0]):
        i = active[jj]
        a = cD[i] * (row_dot(is_sparse, Xd, data, indices, indptr, i, vw) + vb)
        row_axpy(is_sparse, Xd, data, indices, indptr, i, a, out_w)
        ob += a
    return ob


# ---------------------------------------------------------------------------
# small dense pieces
# ---------------------------------------------------------------------------

@njit(cache=True, fastmath=_FM)
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


@njit(cache=True)
def _polish_intercept(y, c, z, b_arr):
    """Exact 1-D minimisation over the intercept (safeguarded Newton); shifts ``z``."""
    n = y.shape[0]
    lo = -np.inf
    hi = np.inf
    delta = 0.0
    total = 0.0
    for i in range(n):
        total += c[i]
    for _ in range(100):
        g = 0.0
        h = 0.0
        for i in range(n):
            ci = c[i]
            if ci == 0.0:
                continue
            m = y[i] * (z[i] + delta)
            g -= ci * y[i] * _expit(-m)
            h += ci * _curv(m)
        if g == 0.0:
            break
        if g < 0.0:
            lo = delta
        else:
            hi = delta
        if h > 0.0:
            step = -g / h
        else:
            step = -g * np.inf
        new = delta + step
        if not (new > lo and new < hi):
            if np.isfinite(lo) and np.isfinite(hi):
                new = 0.5 * (lo + hi)
            elif np.isfinite(lo):
                new = lo + max(1.0, 2.0 * abs(lo - delta), abs(lo))
            else:
                new = hi - max(1.0, 2.0 * abs(hi - delta), abs(hi))
        if abs(new - delta) <= 4e-16 * max(1.0, abs(b_arr[0] + delta)) or abs(g) <= 1e-17 * total:
            delta = new
            break
        delta = new
    if delta != 0.0:
        for i in range(n):
            z[i] += delta
        b_arr[0] += delta


@njit(cache=True, fastmath=_FM)
def _certificate(y, c, z, w, lam, fit_intercept, loss, sp_, sm_, qp, qm, g, u_scale):
    """Primal value, certified duality gap and the gradient of ``P``.

    ``g[:d]`` receives ``2 lam w - v`` (the gradient in ``w``), ``g[d]`` the
    gradient in ``b`` (0 without intercept); ``u_scale`` the per-class factors
    ``(1 - eps)`` of the feasible dual point (index 0: class -1, 1: class +1).
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
    if eps > 0.0:
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
            kl += ci * (up * l1e + (1.0 - up) * t2)
        if kl < 0.0:
            kl = 0.0
    P = loss + lam * wsq
    gap = kl + gsq / (2.0 * lam2)
    return P, gap


@njit(cache=True)
def _line_values(y, c, z, dz, t, w, pw, lam, wp, pp):
    """``phi(t)`` and ``phi'(t)`` along ``(w, b, z) + t (pw, pb, dz)``."""
    f = 0.0
    df = 0.0
    for i in range(y.shape[0]):
        ci = c[i]
        if ci == 0.0:
            continue
        yi = y[i]
        m = yi * (z[i] + t * dz[i])
        f += ci * _softplus(m)
        df -= ci * yi * dz[i] * _expit(-m)
    # ||w + t p||^2 = ||w||^2 + 2 t w.p + t^2 ||p||^2 (||w||^2 added by caller)
    f += lam * (2.0 * t * wp + t * t * pp)
    df += lam * (2.0 * wp + 2.0 * t * pp)
    return f, df


# ---------------------------------------------------------------------------
# the Newton kernel
# ---------------------------------------------------------------------------

@njit(cache=True, fastmath=_FM)
def _newton_kernel(is_sparse, Xd, data, indices, indptr, y, c, lam, fit_intercept, tol,
                   max_iter, w, b_arr, z, L, use_L, pcg_refresh, info, u_scale, cD):
    """Newton-PCG iterations until converged / max_iter / a new factor is wanted.

    ``info`` (float64[8]) in/out: [0] iterations done, [1] P, [2] gap, [3] PCG
    iterations (total), [4] steps taken since the factor was formed.
    Returns a status code.
    """
    n = y.shape[0]
    d = w.shape[0]
    lam2 = 2.0 * lam
    qp = np.empty(d)
    qm = np.empty(d)
    g = np.empty(d + 1)
    pvec = np.zeros(d + 1)
    r = np.empty(d + 1)
    s = np.empty(d + 1)
    q = np.empty(d + 1)
    Hq = np.empty(d + 1)
    dz = np.empty(n)
    active = np.empty(n, dtype=np.int64)
    it = int(info[0])
    status = _MAX_ITER
    while True:
        if fit_intercept:
            _polish_intercept(y, c, z, b_arr)
        b = b_arr[0] if fit_intercept else 0.0
        loss, sp_, sm_ = _grad_pass(is_sparse, Xd, data, indices, indptr, y, c, w, b, z,
                                    qp, qm)
        P, gap = _certificate(y, c, z, w, lam, fit_intercept, loss, sp_, sm_, qp, qm, g,
                              u_scale)
        info[1] = P
        info[2] = gap
        if not (np.isfinite(P) and np.isfinite(gap)):
            status = _STALLED
            break
        if gap <= tol * P:
            status = _CONVERGED
            break
        if it >= max_iter:
            status = _MAX_ITER
            break
        rho = gap / P
        # ---- Hessian weights
        hbb = 0.0
        na = 0
        for i in range(n):
            ci = c[i]
            if ci == 0.0:
                cD[i] = 0.0
                continue
            v = ci * _curv(y[i] * z[i])
            cD[i] = v
            hbb += v
            if v > 0.0:
                active[na] = i
                na += 1
        act = active[:na]
        if hbb <= 0.0:
            hbb = 1e-300
        # ---- PCG on H p = -g  (Euclidean residual; forcing term from the gap)
        eta = max(math.sqrt(0.1 * tol / rho), math.sqrt(rho))
        eta = min(0.5, eta)
        gnorm2 = 0.0
        for k in range(d + 1):
            r[k] = -g[k]
            pvec[k] = 0.0
            gnorm2 += g[k] * g[k]
        target = eta * eta * gnorm2
        # absolute target: residual small enough for the certificate
        target = max(target, 0.05 * tol * P * 2.0 * lam2)
        if not fit_intercept:
            r[d] = 0.0
        if use_L:
            _chol_solve(L, r, s)
        else:
            for k in range(d):
                s[k] = r[k] / lam2
            s[d] = r[d] / hbb
        if not fit_intercept:
            s[d] = 0.0
        rs = 0.0
        for k in range(d + 1):
            q[k] = s[k]
            rs += r[k] * s[k]
        npcg = 0
        qw = q[:d]
        Hw = Hq[:d]
        while npcg < _PCG_MAX:
            hb = _hessvec(is_sparse, Xd, data, indices, indptr, cD, act, qw, q[d], lam2, Hw)
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
            if rr <= target:
                break
            if use_L:
                _chol_solve(L, r, s)
            else:
                for k in range(d):
                    s[k] = r[k] / lam2
                s[d] = r[d] / hbb
            if not fit_intercept:
                s[d] = 0.0
            rs_new = 0.0
            for k in range(d + 1):
                rs_new += r[k] * s[k]
            beta = rs_new / rs
            rs = rs_new
            for k in range(d + 1):
                q[k] = s[k] + beta * q[k]
        info[3] += npcg
        # ---- line search on the exact objective
        pw = pvec[:d]
        pb = pvec[d] if fit_intercept else 0.0
        _scores(is_sparse, Xd, data, indices, indptr, pw, pb, dz)
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
        for i in range(n):
            z[i] += t * dz[i]
        it += 1
        info[0] = it
        info[4] += 1
        if npcg > pcg_refresh:
            status = _NEED_FACTOR
            break
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

class _Problem:
    """Validated arrays and cached quantities shared along a path."""

    def __init__(self, X, y, sample_weight, fit_intercept):
        if sp.issparse(X):
            X = sp.csr_matrix(X)
            if X.dtype not in (np.float32, np.float64):
                X = X.astype(np.float64)
            if not np.all(np.isfinite(X.data)):
                raise ValueError("X contains NaN or infinity.")
        else:
            X = np.asarray(X)
            if X.dtype not in (np.float32, np.float64):
                X = X.astype(np.float64)
            X = np.ascontiguousarray(X)
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D, got shape {X.shape}.")
            if not np.all(np.isfinite(X)):
                raise ValueError("X contains NaN or infinity.")
        n, d = X.shape
        y = np.ascontiguousarray(y, dtype=np.float64).ravel()
        if y.shape[0] != n:
            raise ValueError(f"y has {y.shape[0]} entries, X has {n} rows.")
        if not np.all((y == 1.0) | (y == -1.0)):
            raise ValueError("y must contain only -1.0 and +1.0.")
        if sample_weight is None:
            s = np.ones(n)
        else:
            s = np.ascontiguousarray(sample_weight, dtype=np.float64).ravel()
            if s.shape[0] != n:
                raise ValueError(f"sample_weight has {s.shape[0]} entries, X has {n} rows.")
            if not np.all(np.isfinite(s)) or np.any(s < 0):
                raise ValueError("sample_weight must be finite and non-negative.")
        S = s.sum()
        if not S > 0:
            raise ValueError("sample_weight sums to zero.")
        if fit_intercept and (s[y > 0].sum() <= 0 or s[y < 0].sum() <= 0):
            raise ValueError("With fit_intercept=True both classes need positive total "
                             "sample weight (otherwise the intercept diverges).")
        self.X = X
        self.n, self.d = n, d
        self.y = y
        self.c = s / S
        self.fit_intercept = bool(fit_intercept)
        self.ka = kernel_arrays(X)
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.rowsq = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        else:
            self.rowsq = np.einsum("ij,ij->i", X, X, dtype=np.float64)
        # trace of the weighted second moment: bounds the data part of the Hessian
        self.trace = float(np.dot(self.c, self.rowsq + 1.0))

    def cold_intercept(self):
        if not self.fit_intercept:
            return 0.0
        cp = self.c[self.y > 0].sum()
        cm = self.c[self.y < 0].sum()
        return float(np.log(cp) - np.log(cm))

    def factor(self, z, lam):
        """Cholesky factor (lower, C-contiguous) of the Hessian at scores ``z``."""
        d = self.d
        m = self.y * z
        e = np.exp(-np.abs(m))
        cD = self.c * e / ((1.0 + e) * (1.0 + e))
        hbb = float(cD.sum())
        # drop rows whose total contribution stays below lam (keeps M^{-1} H in [1, 1.5])
        contrib = cD * (self.rowsq + 1.0)
        order = np.argsort(contrib)
        cum = np.cumsum(contrib[order])
        ndrop = int(np.searchsorted(cum, 0.5 * lam, side="right"))
        rows = np.sort(order[ndrop:])
        H = np.zeros((d + 1, d + 1))
        if rows.size:
            if self.sparse:
                _sparse_gram(self.ka[2], self.ka[3], self.ka[4], cD, rows.astype(np.int64), H)
            else:
                sq = np.sqrt(cD[rows])
                Xs = self.X[rows] * sq[:, None]
                if Xs.dtype != np.float64:
                    Xs = Xs.astype(np.float64)
                H[:d, :d] = _blas.dsyrk(1.0, Xs.T, trans=0, lower=0)
                H[:d, d] = Xs.T @ sq
        H[d, d] = max(hbb, 1e-300) if self.fit_intercept else 1.0
        if not self.fit_intercept:
            H[:d, d] = 0.0
        H[np.arange(d), np.arange(d)] += 2.0 * lam
        U, info = _lapack.dpotrf(H, lower=0, clean=1, overwrite_a=1)
        if info != 0:
            return None
        return U.T  # C-contiguous lower factor: H = L L^T


def _check_lam(lam):
    lam = float(lam)
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a finite number > 0, got {lam!r}")
    return lam


def _check_common(tol, max_iter):
    tol = float(tol)
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    max_iter = int(max_iter)
    if max_iter < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter}")
    return tol, max_iter


def _init_point(prob, coef_init, intercept_init):
    d = prob.d
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
    return w, b


class _State:
    """Warm data carried between solves: factor and its bookkeeping."""

    def __init__(self):
        self.L = None
        self.nfactor = 0
        self.npcg = 0


def _solve(prob, lam, tol, max_iter, w, b, state):
    """Run the Newton kernel on one ``lam`` from ``(w, b)`` (modified in place)."""
    is_sparse, Xd, data, indices, indptr = prob.ka
    n, d = prob.n, prob.d
    z = np.empty(n)
    b_arr = np.array([b])
    info = np.zeros(8)
    u_scale = np.ones(2)
    cD = np.empty(n)
    _scores(is_sparse, Xd, data, indices, indptr, w, b_arr[0], z)
    # Cheap preconditioner when the penalty dominates the data term of the Hessian
    # (trace bound: lambda_max(X^T cD X) <= 0.25 sum c ||x||^2).
    diag_ok = 0.25 * prob.trace <= 2.0 * lam
    pcg_refresh = 6
    status = _MAX_ITER
    for _ in range(max_iter + 2):
        use_L = state.L is not None and not diag_ok
        if not diag_ok and state.L is None:
            state.L = prob.factor(z, lam)
            state.nfactor += 1
            use_L = state.L is not None
        L = state.L if use_L else np.empty((0, 0))
        status = _newton_kernel(is_sparse, Xd, data, indices, indptr, prob.y, prob.c, lam,
                                prob.fit_intercept, tol, max_iter, w, b_arr, z, L, use_L,
                                pcg_refresh if use_L or not diag_ok else 10**9, info,
                                u_scale, cD)
        if status != _NEED_FACTOR:
            break
        state.L = prob.factor(z, lam)
        state.nfactor += 1
        if state.L is None:
            diag_ok = True
    state.npcg += int(info[3])
    dual = np.empty(n)
    _final_dual(prob.y, prob.c, z, u_scale, lam, dual)
    b_out = float(b_arr[0]) if prob.fit_intercept else 0.0
    P, gap = float(info[1]), float(info[2])
    rel = gap / P if P > 0 else (0.0 if gap == 0 else np.inf)
    return SolverResult(coef=w, intercept=b_out, dual=dual, n_iter=int(info[0]), gap=rel,
                        primal=P, converged=bool(status == _CONVERGED)), z


def softplus_solve(X, y, sample_weight, lam, *, tol, max_iter, fit_intercept=True,
                   coef_init=None, intercept_init=None, dual_init=None):
    """Minimise ``sum_i c_i log(1 + exp(-y_i (w.x_i + b))) + lam ||w||^2``.

    Parameters
    ----------
    X : ndarray (n, d) C-contiguous float32/float64, or CSR matrix
    y : ndarray (n,) of +-1.0
    sample_weight : ndarray (n,) non-negative, or None
    lam : float > 0
    tol : float
        Target relative duality gap ``(P - D) / P`` (certified, see module docstring).
    max_iter : int
        Maximum number of Newton iterations.
    fit_intercept : bool
    coef_init, intercept_init : warm start (optional)
    dual_init : ignored

    Returns
    -------
    SolverResult
    """
    lam = _check_lam(lam)
    tol, max_iter = _check_common(tol, max_iter)
    prob = _Problem(X, y, sample_weight, fit_intercept)
    w, b = _init_point(prob, coef_init, intercept_init)
    res, _ = _solve(prob, lam, tol, max_iter, w, b, _State())
    return res


def softplus_path(X, y, sample_weight, lams, *, tol, max_iter, fit_intercept=True,
                  coef_init=None, intercept_init=None):
    """Solutions for every ``lam`` in ``lams`` (returned in that order).

    Solved from the largest ``lam`` to the smallest, each warm-started from its
    neighbour (with a secant predictor) and sharing the Hessian factor.
    """
    lams = np.asarray(lams, dtype=np.float64).ravel()
    for lam in lams:
        _check_lam(lam)
    tol, max_iter = _check_common(tol, max_iter)
    prob = _Problem(X, y, sample_weight, fit_intercept)
    w, b = _init_point(prob, coef_init, intercept_init)
    order = np.argsort(-lams, kind="stable")
    state = _State()
    results = [None] * len(lams)
    prev = None  # (log lam, w, b) of the previous solution
    prev2 = None
    for k in order:
        lam = float(lams[k])
        if prev is not None and prev2 is not None and prev[0] != prev2[0] \
                and prev[0] != np.log(lam):
            # secant predictor in log(lam), accepted only if it lowers the objective
            t = (np.log(lam) - prev[0]) / (prev[0] - prev2[0])
            w_pred = prev[1] + t * (prev[1] - prev2[1])
            b_pred = prev[2] + t * (prev[2] - prev2[2])
            w0 = _objective(prob, lam, prev[1], prev[2])
            w1 = _objective(prob, lam, w_pred, b_pred)
            if w1 < w0:
                w, b = w_pred, b_pred
        res, _ = _solve(prob, lam, tol, max_iter, w.copy(), b, state)
        results[k] = res
        prev2 = prev
        prev = (np.log(lam), res.coef, res.intercept)
        w, b = res.coef, res.intercept
    return results


def _objective(prob, lam, w, b):
    z = np.empty(prob.n)
    is_sparse, Xd, data, indices, indptr = prob.ka
    _scores(is_sparse, Xd, data, indices, indptr, w, b, z)
    return float(np.dot(prob.c, np.logaddexp(0.0, -prob.y * z)) + lam * np.dot(w, w))
