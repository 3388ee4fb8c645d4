"""Second-order step on the free samples of the hinge dual (small free sets).

Dual of the hinge problem (over ``2 lam``, :mod:`._dcd`)::

    max_a  sum_i a_i - 0.5 ||w(a)||^2,   w(a) = sum_i a_i y_i x_i,
    0 <= a_i <= C_i,   sum_i a_i y_i = 0  (with an intercept)

With the samples at a bound held fixed, the free samples ``F`` (``0 < a_i < C_i``) solve an
equality-constrained quadratic problem whose optimality conditions are the margins
``y_i (x_i.w + b) = 1`` on ``F``: for a step ``delta`` of ``a_F`` and the intercept ``b``::

    Q delta + b y_F = r,   y_F . delta = -t,
    Q = Y_F X_F X_F^T Y_F,   r_i = 1 - y_i x_i.w,   t = sum_i a_i y_i.

For free sets of at most ``MAX_FREE`` samples this module solves that system directly, with
the Gram matrix of the free rows.  Where the free set is not the optimal one the step can
leave the box: the caller projects it (the projected search of More & Toraldo's GPCG) and
keeps it only if it gains in the dual; coordinate descent then checks the KKT conditions of
every sample and corrects the partition.  This is what coordinate descent lacks near the hard
margin (large ``C``), where its passes make little progress on a small free set.

The module also holds the helpers that read rows of ``X`` for such steps (:func:`free_rows`,
:func:`rows_t_dot`).
"""

import numpy as np
import scipy.sparse as sp

#: free sets of at most this many samples take the direct step
MAX_FREE = 1000
# at most _SEARCH projected points per step (tau = 1, 1/2, 1/4, ...)
_SEARCH = 8


# dense rows are summed in blocks of _ROW_BLOCK rows (rows_t_dot)
_ROW_BLOCK = 4096


def rows_t_dot(ka, idx, v, d):
    """``sum_k v_k x_(idx_k)`` in float64 (NumPy; dense rows in blocks of
    ``_ROW_BLOCK``, so that no large copy is made)."""
    is_sparse, Xd, data, indices, indptr = ka
    if not is_sparse:
        out = np.zeros(d)
        for k in range(0, idx.shape[0], _ROW_BLOCK):
            sl = slice(k, k + _ROW_BLOCK)
            out += np.asarray(Xd[idx[sl]], dtype=np.float64).T @ v[sl]
        return out
    lo = indptr[idx].astype(np.int64)
    lens = indptr[idx + 1].astype(np.int64) - lo
    start = np.cumsum(lens) - lens
    pos = np.repeat(lo - start, lens) + np.arange(int(lens.sum()))
    vals = data[pos].astype(np.float64) * np.repeat(v, lens)
    return np.bincount(indices[pos], weights=vals, minlength=d)


def free_rows(X, F):
    """The rows ``F`` of ``X`` as float64 (CSR or C-contiguous dense)."""
    XF = X[F]
    if sp.issparse(XF):
        XF = sp.csr_matrix(XF, dtype=np.float64)
        XF.sort_indices()
        return XF
    return np.ascontiguousarray(XF, dtype=np.float64)


def free_set_step(XF, yF, fF, t, rho=0.0):
    """Solve the free-set system of the module docstring directly, with the Gram
    matrix of the free rows.

    ``XF``: the free rows (float64, CSR or dense), ``yF`` their labels, ``fF`` their
    scores ``x_i.w``, ``t = sum_i a_i y_i`` (``None`` without an intercept: no
    constraint, no ``b``); ``rho > 0`` adds ``rho y_F y_F^T`` to ``Q`` (the curvature
    of the augmented inner problem of :mod:`._dcd`, whose ``fF`` then include the
    intercept ``c + rho t``).  Returns ``(delta, b, ok)``: the step of ``a_F`` (not yet
    projected onto the box), the intercept of the system (0 without one) and whether
    the solution is finite.
    """
    m = yF.shape[0]
    r = 1.0 - yF * fF
    K = XF @ XF.T
    K = K.toarray() if sp.issparse(K) else np.asarray(K)
    Q = K * np.outer(yF, yF)
    if rho:
        Q += rho * np.outer(yF, yF)
    if t is None:
        A, rhs = Q, r
    else:
        A = np.zeros((m + 1, m + 1))
        A[:m, :m] = Q
        A[:m, m] = yF
        A[m, :m] = yF
        rhs = np.append(r, -t)
    # a relative ridge keeps numerically dependent free samples harmless
    A[np.arange(m), np.arange(m)] += 1e-12 * max(float(np.trace(Q)) / m, 1e-300)
    try:
        sol = np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:
        sol = np.linalg.lstsq(A, rhs, rcond=None)[0]
    b = float(sol[m]) if t is not None else 0.0
    return sol[:m], b, bool(np.all(np.isfinite(sol)))


def box_candidates(aF, CF, delta):
    """Points of the projected search along ``delta`` (More & Toraldo): the step as far as
    the box ``[0, C_F]`` allows, then ``clip(a_F + tau delta)`` for ``tau`` halved from 1
    (``_SEARCH`` points, at most); entries within a relative 1e-14 of a bound put on it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(delta > 0.0, (CF - aF) / delta, np.inf)
        dn = np.where(delta < 0.0, -aF / delta, np.inf)
    tau_box = max(float(min(1.0, up.min(initial=np.inf), dn.min(initial=np.inf))), 0.0)
    taus = [tau_box]
    tau = 1.0
    while tau > tau_box and len(taus) <= _SEARCH:
        taus.append(tau)
        tau *= 0.5
    for k, tau in enumerate(taus):
        new = aF + tau * delta if k == 0 else np.clip(aF + tau * delta, 0.0, CF)
        new[new <= 1e-14 * CF] = 0.0
        hi = new >= CF * (1.0 - 1e-14)
        new[hi] = CF[hi]
        yield new


def dual_gain(XF, yF, fF, aF, new, t, c, rho):
    """Gain of the inner (augmented) dual objective of :mod:`._dcd` from ``a_F`` to
    ``new``: ``sum da - f.v - 0.5 ||X_F^T v||^2`` (``v = da * y``), less the centre and
    augmentation terms ``c dt + 0.5 rho ((t + dt)^2 - t^2)`` with an intercept (``t`` not
    ``None``).  Returns ``(gain, dw)``, ``dw = X_F^T v`` the change of ``w``."""
    v = (new - aF) * yF
    dw = XF.T @ v
    gain = float((new - aF).sum() - fF @ v - 0.5 * (dw @ dw))
    if t is not None:
        dt = float(v.sum())
        gain -= c * dt + 0.5 * rho * ((t + dt) ** 2 - t * t)
    return gain, np.asarray(dw).ravel()
