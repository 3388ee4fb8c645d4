"""The current point of a fit and everything reusable at the next ``lam``."""

import numpy as np
import scipy.special as _sp_special

from .. import _losses
from ._records import Buffers, Start, Sums

#: dense Gram products and factorisations gain on a pass over X (a multiply-add
#: per stored entry) by blocking, in proportion to d beyond this d
_BLOCKED_D = 48
#: bounds of the PCG iterations per Newton step before a refresh of the factor
_REFRESH_RANGE = (3, 30)


class State:
    """The point ``(w, b)``, its scores and the output of its last gradient pass.

    ``buf`` (a :class:`._records.Buffers`) holds the arrays; ``sums`` is valid for
    them while ``grad_ok``, the diagonal sums ``buf.acc[:, 2:4]`` while ``diag_ok``
    too. ``L`` is the Cholesky preconditioner (small ``d`` only), kept along a path;
    ``factor_cost`` the cost of one factorisation in passes over ``X`` (a count of
    multiply-adds, so that the result never depends on the machine or its load).
    """

    def __init__(self, prob, w, b, cold=False):
        n, d = prob.n, prob.d
        z = np.empty(n)
        if w.any():
            prob.ops.dots(w, b, z)
        else:
            z.fill(b)
        self.buf = Buffers(
            w=w, z=z, v=np.zeros(d), a=np.empty(n), cD=np.empty(n), acc=np.empty((d, 3))
        )
        self.b = float(b)
        self.sums = Sums(0.0, 0.0, 0.0, 0.0)
        self.grad_ok = False
        self.diag_ok = False
        if cold and prob.sums is not None:
            _cold_gradient(prob, self)
        self.L = None
        self.factor_cost = factor_cost(prob)

    def start(self, iterations):
        """The :class:`._records.Start` of a Newton solve from this point."""
        return Start(self.b, self.sums, self.grad_ok, self.diag_ok, iterations)

    def refresh_after(self):
        """PCG iterations per Newton step beyond which the factor is refreshed.

        If the iterations grow by ``a`` per step after a refresh, the cost per step
        ``F / m + P (1 + a m / 2)`` (``F`` a factorisation, ``P`` a pass) is least when
        the last step needs ``1 + sqrt(2 a F / P)`` iterations; ``a ~ 1/2``.
        """
        return int(np.clip(round(1.0 + np.sqrt(self.factor_cost)), *_REFRESH_RANGE))


def factor_cost(prob):
    """One factorisation of the Hessian in passes over ``X``, counted in multiply-adds:
    the Gram part (``sum_i nnz(x_i)^2 / 2``, ``n d^2 / 2`` dense) and the Cholesky
    factor (``d^3 / 6``) against a pass (``nnz + n``); dense products run blocked
    (LAPACK/BLAS), ``d / _BLOCKED_D`` times faster per multiply-add than a pass."""
    n, d, design = prob.n, prob.d, prob.design
    if design.is_sparse:
        per_row = np.diff(design.indptr).astype(np.float64)
        nnz, gram = float(per_row.sum()), 0.5 * float(per_row @ per_row)
        speed = 1.0
    else:
        nnz, gram = float(n) * d, 0.5 * float(n) * d * d
        speed = max(1.0, d / _BLOCKED_D)
    return (gram + d**3 / 6.0) / speed / max(nnz + n, 1.0)


def init_state(prob, coef_init, intercept_init):
    """The starting :class:`State`: ``coef_init`` / ``intercept_init`` (checked here),
    else ``w = 0`` at the optimal intercept for ``w = 0``."""
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
    return State(
        prob,
        np.ascontiguousarray(prob.restrict(w)),
        b,
        cold=coef_init is None and intercept_init is None,
    )


def _cold_gradient(prob, state):
    """The output of the gradient pass at the cold start ``w = 0``, ``b`` = the optimal
    intercept there, from the class sums of the setup scan (no pass over ``X``).

    All scores equal ``b``: the loss, slope and curvature take one value per class,
    so every sum over samples is that value times a class sum.
    """
    y, c = prob.y, prob.c
    buf = state.buf
    pos = y > 0.0
    cls_c = np.array([c[pos].sum(), c[~pos].sum()])
    b = state.b
    m = np.array([b, -b])  # the margins y (w.x + b) of class +1 and class -1
    f = _losses.loss_values(m, "softplus")
    u = _sp_special.expit(-m)
    h = _sp_special.expit(m) * u
    S = prob.sums
    buf.v[:] = u[0] * S[:, 0] - u[1] * S[:, 1]
    buf.acc[:, 1] = h[0] * S[:, 0] + h[1] * S[:, 1]
    buf.acc[:, 2] = h[0] * S[:, 2] + h[1] * S[:, 3]
    buf.a[:] = c * np.where(pos, u[0], -u[1])
    buf.cD[:] = c * np.where(pos, h[0], h[1])
    state.sums = Sums(
        float(np.dot(cls_c, f)),
        float(cls_c[0] * u[0]),
        float(cls_c[1] * u[1]),
        float(np.dot(cls_c, h)),
    )
    state.grad_ok = True
    state.diag_ok = True
