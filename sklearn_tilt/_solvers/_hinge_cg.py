"""Second-order step on the free samples of the hinge dual: projected conjugate gradient.

Dual of the hinge problem (over ``2 lam``, :mod:`._hinge_dcd`)::

    max_a  sum_i a_i - 0.5 ||w(a)||^2,   w(a) = sum_i a_i y_i x_i,
    0 <= a_i <= C_i,   sum_i a_i y_i = 0  (with an intercept)

With the samples at a bound held fixed, the free samples ``F`` (``0 < a_i < C_i``) solve an
equality-constrained quadratic problem whose optimality conditions are the margins
``y_i (x_i.w + b) = 1`` on ``F``: for a step ``delta`` of ``a_F`` and the intercept ``b``::

    Q delta + b y_F = r,   y_F . delta = -t,
    Q = Y_F X_F X_F^T Y_F,   r_i = 1 - y_i x_i.w,   t = sum_i a_i y_i.

This module solves that system matrix-free by projected preconditioned conjugate gradient
(Gould, Hribar & Nocedal 2001: the constraint is kept by a projection of the preconditioned
residual; the preconditioner is the diagonal ``||x_i||^2``), at two products with ``X_F`` per
iteration (O(nnz of the free rows), no Gram matrix); free sets of at most ``_DIRECT_MAX``
samples, where rounding rather than the number of iterations limits CG, are solved directly
with their Gram matrix.  Where the free set is not the optimal one
the quadratic can be flat or unbounded along some directions: CG stops at a direction of no
curvature, and the caller projects the step onto the box (the projected search of More &
Toraldo's GPCG) and keeps it only if it gains in the dual.  Coordinate descent then checks the
KKT conditions of every sample and corrects the partition.
"""

import numpy as np
import scipy.sparse as sp

# CG stops when the projected residual has fallen by _CG_RTOL (relative, in the norm of the
# preconditioner) or after _CG_MAX iterations
_CG_RTOL = 1e-12
_CG_MAX = 250
# free sets of at most _DIRECT_MAX samples are solved with their Gram matrix
_DIRECT_MAX = 1000
# proximal weight of the CG system, in units of the mean ||x_i||^2 of the free rows
_PROX = 1e-3
# at most _SEARCH projected points per step (tau = 1, 1/2, 1/4, ...)
_SEARCH = 8
# every _RESTART iterations the residual is computed from scratch
_RESTART = 50
# a direction p has no curvature where p.Qp <= _FLAT max_i ||x_i||^2 ||p||^2
_FLAT = 1e-10


def free_rows(X, F):
    """The rows ``F`` of ``X`` as float64 (CSR or C-contiguous dense)."""
    XF = X[F]
    if sp.issparse(XF):
        XF = sp.csr_matrix(XF, dtype=np.float64)
        XF.sort_indices()
        return XF
    return np.ascontiguousarray(XF, dtype=np.float64)


def _gram_mv(XF, yF, v, mu=0.0):
    """``(Q + mu I) v`` and ``X_F^T (y_F v)`` (the change of ``w`` for a step ``v``)."""
    u = XF.T @ (yF * v)
    return yF * (XF @ u) + mu * v, u


def free_set_step(XF, yF, fF, qF, t, rtol=_CG_RTOL, max_iter=_CG_MAX):
    """Solve the free-set system of the module docstring by projected PCG.

    Parameters
    ----------
    XF : ndarray or CSR matrix of shape (m, d), float64
        The free rows.
    yF : ndarray of shape (m,)
        Their labels (+-1).
    fF : ndarray of shape (m,)
        Their scores ``x_i.w`` at the current dual.
    qF : ndarray of shape (m,)
        Their squared norms ``||x_i||^2`` (the diagonal of ``Q``: the preconditioner).
    t : float or None
        ``sum_i a_i y_i`` at the current dual; ``None`` without an intercept (no constraint,
        no ``b``).

    Returns
    -------
    delta : ndarray of shape (m,)
        The step of ``a_F`` (not yet projected onto the box).
    b : float
        The intercept of the system (0 without one).
    iters : int
        CG iterations.
    converged : bool
        Whether the projected residual fell by ``rtol`` (else ``delta`` is the last iterate:
        a descent step on the face, and ``b`` is not meaningful).
    """
    m = yF.shape[0]
    r = 1.0 - yF * fF
    if m <= _DIRECT_MAX:
        return _direct_step(XF, yF, r, t)
    # the diagonal of Q, kept away from 0 for empty rows
    qmax = float(qF.max()) if m else 1.0
    # the proximal weight: Q + mu I is positive definite, so CG converges where the free rows
    # are dependent (duplicated or near-duplicated rows: the quadratic would be unbounded
    # along their differences) and its step stays a descent step of bounded length
    mu = _PROX * float(qF.mean()) if m else 0.0
    minv = 1.0 / np.maximum(qF, 1e-12 * max(qmax, 1e-300))
    # proj(res) returns (g, rg): the projected preconditioned residual and res.g, summed as
    # e.(M^-1 e) with e = res less its y_F part (no cancellation where res is almost
    # parallel to y_F, as near the optimum, where r is about b y_F)
    if t is None:

        def proj(res):
            g = minv * res
            return g, float(res @ g)

        delta0 = np.zeros(m)
        rhs = r
    else:
        my = minv * yF
        ymy = float(yF @ my)

        def proj(res):
            e = res - yF * (float(my @ res) / ymy)
            g = minv * e
            return g, float(e @ g)

        # a particular solution of y_F . delta = -t
        delta0 = my * (-float(t) / ymy)
        rhs = r - _gram_mv(XF, yF, delta0, mu)[0]
    z = np.zeros(m)
    res = rhs.copy()
    g, rg = proj(res)
    rg0 = rg
    p = g.copy()
    iters = 0
    converged = not rg > 0.0
    while iters < max_iter and not converged:
        Qp = _gram_mv(XF, yF, p, mu)[0]
        pQp = float(p @ Qp)
        iters += 1
        if not pQp > _FLAT * qmax * float(p @ p):
            # no curvature along p: a free set that is not the optimal one (more free
            # samples than the rank of their rows); the iterate so far is the step
            break
        step = rg / pQp
        z += step * p
        restart = iters % _RESTART == 0
        if restart:
            # the residual from scratch, and the constraint restored (rounding drifts);
            # CG starts again from there
            if t is not None:
                z -= my * (float(yF @ z) / ymy)
            res = rhs - _gram_mv(XF, yF, z, mu)[0]
        else:
            res -= step * Qp
        g, rg_new = proj(res)
        converged = rg_new <= rtol * rtol * rg0
        p = g if restart else g + (rg_new / rg) * p
        rg = rg_new
    if t is not None:
        z -= my * (float(yF @ z) / ymy)
    delta = delta0 + z
    if t is None:
        return delta, 0.0, iters, converged
    # the intercept: the multiplier of the constraint, from the residual r - Q delta = b y_F
    res_full = r - _gram_mv(XF, yF, delta)[0]
    b = float(my @ res_full) / ymy
    return delta, b, iters, converged


def _direct_step(XF, yF, r, t):
    """The free-set system solved directly with the Gram matrix of the free rows (small
    ``m``, where CG is no cheaper and rounding, not the iterations, limits its accuracy)."""
    m = yF.shape[0]
    K = XF @ XF.T
    K = K.toarray() if sp.issparse(K) else np.asarray(K)
    Q = K * np.outer(yF, yF)
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
    return sol[:m], b, 0, bool(np.all(np.isfinite(sol)))


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
    """Gain of the inner (augmented) dual objective of :mod:`._hinge_dcd` from ``a_F`` to
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
