"""The duality-gap certificate of the softplus problem (the stopping rule).

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
``sum alpha_i y_i = 0`` with an intercept).
"""

import math

from numba import njit

from .._common import FASTMATH
from .._losses import expit as _expit
from .._losses import softplus as _softplus
from ._records import Bound


@njit(cache=True, no_cpython_wrapper=True, fastmath=FASTMATH)
def certificate(S, buf, sums, lam, g, above):
    """The :class:`._records.Bound` of the buffers' point, and the gradient of ``P``.

    ``g[:d]`` receives ``2 lam w - v`` (the gradient in ``w``), ``g[d]`` the
    gradient in ``b`` (0 without intercept). With ``above > 0``, once the second
    term of the gap alone exceeds ``above * P`` the first (an O(n) sum of
    logarithms) is left out: the returned gap is then only a lower estimate, for
    the Newton steps, and certifies nothing.
    """
    y, c, fit_intercept = S
    w, z, qp, qm, _cD, _acc = buf
    d = w.shape[0]
    lam2 = 2.0 * lam
    sp_ = sums.pos
    sm_ = sums.neg
    r = sp_ - sm_
    eps = 0.0
    cls = 0.0
    scale_neg = 1.0
    scale_pos = 1.0
    if fit_intercept and r != 0.0:
        if r > 0.0:
            eps = r / sp_
            cls = 1.0
            scale_pos = 1.0 - eps
        else:
            eps = -r / sm_
            cls = -1.0
            scale_neg = 1.0 - eps
    wsq = 0.0
    gsq = 0.0
    fp = scale_pos
    fm = scale_neg
    for k in range(d):
        wsq += w[k] * w[k]
        gk = lam2 * w[k] - (fp * qp[k] - fm * qm[k])
        gsq += gk * gk
        g[k] = lam2 * w[k] - (qp[k] - qm[k])
    g[d] = -r if fit_intercept else 0.0
    kl = 0.0
    P = sums.loss + lam * wsq
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
    return Bound(P, gap, scale_neg, scale_pos)


@njit(cache=True)
def final_dual(S, z, bound, lam, out):
    """The feasible dual point of ``bound`` in the hinge solver's units (see the module)."""
    y, c, _fit_intercept = S
    for i in range(y.shape[0]):
        f = bound.scale_pos if y[i] > 0.0 else bound.scale_neg
        out[i] = c[i] * _expit(-y[i] * z[i]) * f / (2.0 * lam)
