"""The preconditioners of the conjugate gradients, and the choice between them.

* ``PREC_SCALAR`` (large ``lam``: ``2 lam >= trace / 4``, which bounds the data term):
  ``diag(2 lam, ..., 2 lam, sum c D)``; nothing is formed.
* ``PREC_CHOLESKY`` (small ``d``: at most ``FACTOR_MAX_D`` columns after dropping
  unused ones; the paper's images): the Cholesky factor of an exact Hessian
  ``X^T diag(c D) X + 2 lam I`` formed (BLAS ``syrk`` + LAPACK ``potrf``) at some
  *earlier* iterate, possibly at an earlier ``lam`` of the path, and refreshed only
  when the conjugate gradients of one Newton step need more iterations than
  :meth:`._state.State.refresh_after` allows. Its Gram part is formed in float32
  where ``max ||x||^2`` lies in ``F32_GRAM`` (far from float32's overflow and
  underflow), in float64 otherwise or when the float32 factor is not finite.
* ``PREC_JACOBI`` (large ``d``, e.g. sparse text): a centred diagonal of the current
  Hessian, O(d) memory, no d x d matrix. With an intercept it is the diagonal in the
  coordinates ``(w, b + mu.w)``, ``mu`` the curvature-weighted mean row, in which the
  Hessian has no ``w``-``b`` block: the plain diagonal (Jacobi) leaves the intercept
  coupled to the mean direction of uncentred data (non-negative text features), and
  on text-like data the preconditioned spectrum is much narrower centred than plain
  (``benchmarks/results/softplus_path.md``). Its sums are formed in the same
  traversal of the rows as the gradient's.
"""

import numpy as np
from scipy.linalg import blas as _blas
from scipy.linalg import lapack as _lapack

from .._jit import njit

PREC_SCALAR = 0  # diag(2 lam, ..., 2 lam, sum c D): the penalty dominates
PREC_CHOLESKY = 1  # Cholesky factor of an earlier exact Hessian (small d)
PREC_JACOBI = 2  # centred diagonal of the current Hessian (large d: O(d) memory)

#: largest d with a (d+1) x (d+1) Cholesky preconditioner
FACTOR_MAX_D = 2048
#: range of max ||x||^2 in which the Gram part of the factor is formed in float32
#: (entries up to max ||x||^2 / 4, far from float32's overflow at 3.4e38 and its
#: smallest normal 1.2e-38); float64 outside it
F32_GRAM = (1e-20, 1e30)
#: the intercept's curvature ``sum c D`` where it underflows to 0 (every sample far
#: outside the margin): keeps both preconditioners invertible
CURVATURE_FLOOR = 1e-300


def choose(prob, lam):
    """The preconditioner mode for ``lam``."""
    # The penalty dominates the data part of the Hessian (lambda_max <= trace / 4):
    # a scalar preconditioner is then as good as any, and nothing is formed.
    if 0.25 * prob.trace <= 2.0 * lam:
        return PREC_SCALAR
    if prob.d <= FACTOR_MAX_D:
        return PREC_CHOLESKY
    return PREC_JACOBI


def factor(prob, z, lam, single=True):
    """Cholesky factor (upper, Fortran order) of the Hessian at scores ``z``.

    Rows whose summed contribution ``c_i D_i (||x_i||^2 + 1)`` stays below
    ``lam / 2`` are left out: the result ``M`` then satisfies
    ``M <= H <= M + (lam / 2) I``, so ``M^{-1} H`` has eigenvalues in [1, 1.25].
    Dense data: the Gram part is formed in float32 (``ssyrk``, twice the speed of
    ``dsyrk``; a preconditioner only needs to be close, and the certificate does
    not depend on it) where the data's scale allows it (``F32_GRAM``), and in
    float64 otherwise or when the float32 result is not finite or not positive
    definite. Returns None when no finite positive definite factor is found.
    """
    d = prob.d
    if single and d:
        # every Gram entry is at most max ||x||^2 / 4 (sum c = 1, D <= 1/4): float32
        # only where that neither overflows nor sinks below its normal range
        top = float(prob.rowsq.max(initial=0.0))
        single = F32_GRAM[0] <= top <= F32_GRAM[1]
    m = prob.y * z
    e = np.exp(-np.abs(m))
    cD = prob.c * e / ((1.0 + e) * (1.0 + e))
    hbb = float(cD.sum())
    contrib = cD * (prob.rowsq + 1.0)
    order = np.argsort(contrib)
    cum = np.cumsum(contrib[order])
    ndrop = int(np.searchsorted(cum, 0.5 * lam, side="right"))
    rows = np.sort(order[ndrop:])
    H = np.zeros((d + 1, d + 1))
    in_single = False  # the Gram part was formed in float32
    if rows.size and d:
        if prob.sparse:
            X = prob.design
            _sparse_gram(X.data, X.indices, X.indptr, cD, rows.astype(np.int64), H)
        else:
            in_single = single
            ft = np.float32 if single else np.float64
            syrk = _blas.ssyrk if single else _blas.dsyrk
            # blocks of rows: the scaled copy stays below ~32 MB
            step = max(1, (32 << 20) // (d * np.dtype(ft).itemsize))
            for start in range(0, rows.size, step):
                blk = rows[start : start + step]
                sq = np.sqrt(cD[blk]).astype(ft)
                Xs = prob.X[blk] * sq[:, None]
                if Xs.dtype != ft:
                    Xs = Xs.astype(ft)
                H[:d, :d] += syrk(1.0, Xs.T, trans=0, lower=0)
                H[:d, d] += Xs.T @ sq
                del Xs
    if prob.fit_intercept:
        H[d, d] = max(hbb, CURVATURE_FLOOR)
    else:
        H[:d, d] = 0.0
        H[d, d] = 1.0
    H[np.arange(d), np.arange(d)] += 2.0 * lam
    if np.all(np.isfinite(H)):
        U, info = _lapack.dpotrf(H, lower=0, clean=1, overwrite_a=1)
        # (an infinite diagonal passes LAPACK's test and leaves a useless factor)
        if info == 0 and np.all(np.isfinite(np.diagonal(U))):
            return np.asfortranarray(U)  # H = U^T U, the layout LAPACK reads
    if in_single:
        return factor(prob, z, lam, single=False)
    return None


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


def centred_diag(acc, hbb, lam2, fit_intercept, out, mu):
    """The centred diagonal preconditioner of the Hessian from the sums ``acc[:, 1:3]``.

    With an intercept, in the coordinates ``(w, b' = b + mu.w)``,
    ``mu = X^T cD / sum(cD)`` (the curvature-weighted mean row), the Hessian has no
    ``w``-``b'`` block; ``out[:d]`` receives the diagonal of its ``w`` block,
    ``sum_i cD_i (x_ik - mu_k)^2 + lam2``, ``out[d] = sum cD = hbb`` and ``mu`` the
    mean row. Without an intercept: the plain diagonal ``sum cD x_k^2 + lam2``,
    ``mu = 0``.
    """
    d = mu.shape[0]
    if fit_intercept:
        np.divide(acc[:, 1], hbb, out=mu)
        # sum cD (x - mu)^2 >= 0 exactly; clip the rounding of the difference
        out[:d] = np.maximum(acc[:, 2] - hbb * mu * mu, 0.0) + lam2
    else:
        mu[:] = 0.0
        out[:d] = acc[:, 2] + lam2
    out[d] = hbb


def precondition(M, fit_intercept, r, s):
    """``s = M^{-1} r`` for the :class:`._records.Preconditioner` ``M``."""
    d = r.shape[0] - 1
    if M.mode == PREC_CHOLESKY:
        # H ~ U^T U: two triangular solves (BLAS dtrsv; faster than LAPACK's dpotrs,
        # which goes through the matrix-matrix solver, at this one right-hand side)
        U = M.factor
        s[:] = _blas.dtrsv(U, _blas.dtrsv(U, r, trans=1), trans=0, overwrite_x=1)
    elif M.mode == PREC_JACOBI and fit_intercept:
        # M = A^T diag(pdiag) A with A (w, b) = (w, b + mu.w): the centred diagonal
        rb = r[d]
        np.divide(r[:d] - M.mu * rb, M.diag[:d], out=s[:d])
        s[d] = rb / M.diag[d] - M.mu @ s[:d]
    else:
        np.divide(r, M.diag, out=s)
    if not fit_intercept:
        s[d] = 0.0
