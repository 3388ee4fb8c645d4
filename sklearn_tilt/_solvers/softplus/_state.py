"""The current point of a fit and everything reusable at the next ``lam``."""

import numpy as np
import scipy.special as _sp_special

from .. import _losses
from ._passes import scores
from ._records import Buffers, Start, Sums

#: PCG iterations per Newton step before a refresh of the factor, until both the
#: factorisation and a pass over X have been timed
_REFRESH_UNTIMED = 8
#: bounds of that threshold once timed
_REFRESH_RANGE = (3, 30)


class State:
    """The point ``(w, b)``, its scores and the output of its last gradient pass.

    ``buf`` (a :class:`._records.Buffers`) holds the arrays; ``sums`` is valid for
    them while ``grad_ok``, the diagonal sums ``buf.acc[:, 2:4]`` while ``diag_ok``
    too. ``L`` is the Cholesky preconditioner (small ``d`` only), kept along a path;
    ``t_factor`` and ``t_pass`` the measured seconds of one factorisation and of one
    pass over ``X``.
    """

    def __init__(self, prob, w, b, cold=False):
        n, d = prob.n, prob.d
        z = np.empty(n)
        if w.any():
            scores(prob.design, w, b, z)
        else:
            z.fill(b)
        self.buf = Buffers(w=w, z=z, qp=np.zeros(d), qm=np.zeros(d), cD=np.empty(n),
                           acc=np.empty((d, 4)))
        self.b = float(b)
        self.sums = Sums(0.0, 0.0, 0.0, 0.0)
        self.grad_ok = False
        self.diag_ok = False
        if cold and prob.sums is not None:
            _cold_gradient(prob, self)
        self.L = None
        self.t_factor = None
        self.t_pass = None

    def start(self, iterations):
        """The :class:`._records.Start` of a Newton solve from this point."""
        return Start(self.b, self.sums, self.grad_ok, self.diag_ok, iterations)

    def refresh_after(self):
        """PCG iterations per Newton step beyond which the factor is refreshed.

        If the iterations grow by ``a`` per step after a refresh, the cost per step
        ``t_factor / m + t_pass (1 + a m / 2)`` is least when the last step needs
        ``1 + sqrt(2 a t_factor / t_pass)`` iterations; ``a ~ 1/2`` measured.
        """
        if self.t_factor is None or self.t_pass is None or self.t_pass <= 0:
            return _REFRESH_UNTIMED
        return int(np.clip(round(1.0 + np.sqrt(self.t_factor / self.t_pass)),
                           *_REFRESH_RANGE))


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
    return State(prob, np.ascontiguousarray(prob.restrict(w)), b,
                 cold=coef_init is None and intercept_init is None)


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
    np.multiply(u[0], S[:, 0], out=buf.qp)
    np.multiply(u[1], S[:, 1], out=buf.qm)
    buf.acc[:, 2] = h[0] * S[:, 0] + h[1] * S[:, 1]
    buf.acc[:, 3] = h[0] * S[:, 2] + h[1] * S[:, 3]
    buf.cD[:] = c * np.where(pos, h[0], h[1])
    state.sums = Sums(float(np.dot(cls_c, f)), float(cls_c[0] * u[0]), float(cls_c[1] * u[1]),
                      float(np.dot(cls_c, h)))
    state.grad_ok = True
    state.diag_ok = True
