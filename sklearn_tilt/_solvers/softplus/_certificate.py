"""The duality-gap certificate of the softplus problem (the stopping rule).

The dual of the problem is, with ``u in [0, 1]^n``,

``D(u) = sum_i c_i H(u_i) - ||v(u)||^2 / (4 lam)``, ``v(u) = sum_i c_i u_i y_i x_i``,
subject to ``sum_i c_i u_i y_i = 0`` (only with an intercept), where ``H`` is the
binary entropy. From the current primal point we take ``u_i = sigmoid(-y_i s_i)``
and make it feasible by scaling ``u`` on one class by ``(1 - eps)`` (``eps`` is
at rounding level after the intercept polish). For this dual point, exactly,

``P - D = sum_i c_i KL(u'_i || sigmoid(-y_i s_i)) + ||2 lam w - v(u')||^2 / (4 lam)``,

a sum of non-negative terms computed without cancellation; the norm in the second
is bounded from above by the triangle inequality (:func:`certificate`), so that the
reported gap is an upper bound of ``P - D``. (With ``eps = 0`` this is the
strong-convexity bound ``||grad_w P||^2 / (2 mu)``, ``mu = 2 lam``.) The solver stops
when ``(P - D) / P <= tol``; ``P`` and the gap are evaluated from scores ``X w + b``
recomputed from scratch, never from updated copies.

The returned ``dual`` is ``alpha_i = s_i u'_i / (2 lam sum(s))``, in the units of
the hinge solver (``0 <= alpha_i <= s_i / (2 lam sum(s))``, ``w ~ sum alpha_i y_i x_i``,
``sum alpha_i y_i = 0`` with an intercept).
"""

import math

import numpy as np
from scipy.special import expit as _expit

from ._records import Bound


def certificate(prob, buf, sums, lam, g, above):
    """The :class:`._records.Bound` of the buffers' point, and the gradient of ``P``.

    ``g[:d]`` receives ``2 lam w - v`` (the gradient in ``w``), ``g[d]`` the gradient
    in ``b`` (0 without intercept). The second term of the gap is bounded from above
    without a pass over ``X``: the dual point's ``v(u')`` differs from ``v`` by
    ``eps`` times the class sum ``sum_cls c u x``, whose norm is at most
    ``sum_cls c u`` times ``max ||x_i||`` (``eps`` is at rounding level, so the bound
    is tight). With ``above > 0``, once that term alone exceeds ``above * P`` the
    first (an O(n) sum of logarithms) is left out: the returned gap is then only a
    lower estimate, for the Newton steps, and certifies nothing.
    """
    w, v = buf.w, buf.v
    d = w.shape[0]
    lam2 = 2.0 * lam
    r = sums.pos - sums.neg
    eps, cls = 0.0, 0
    scale_neg = scale_pos = 1.0
    if prob.fit_intercept and r != 0.0:
        if r > 0.0:
            eps, cls = r / sums.pos, 1
            scale_pos = 1.0 - eps
        else:
            eps, cls = -r / sums.neg, -1
            scale_neg = 1.0 - eps
    np.multiply(lam2, w, out=g[:d])
    g[:d] -= v
    g[d] = -r if prob.fit_intercept else 0.0
    gn = math.sqrt(g[:d] @ g[:d])
    if eps > 0.0:
        gn += eps * (sums.pos if cls > 0 else sums.neg) * prob.xmax
    gsq = gn * gn
    P = sums.loss + lam * (w @ w)
    kl = 0.0
    if eps > 0.0 and not (above > 0.0 and gsq / (2.0 * lam2) > above * P):
        kl = _kl(prob, buf.z, cls, eps)
    gap = kl + gsq / (2.0 * lam2)
    return Bound(P, gap, scale_neg, scale_pos)


def _kl(prob, z, cls, eps):
    """``sum_cls c KL(u' || sigmoid(-y z))`` with ``u' = (1 - eps) sigmoid(-y z)`` on the
    weighted rows of class ``cls``."""
    k = 0 if cls > 0 else 1
    rows = prob.class_rows[k]
    mneg = z[rows] * -cls  # -y z: minus the margins
    p = _expit(mneg)
    up = p * (1.0 - eps)
    if eps < 1.0 and not mneg.max(initial=0.0) >= 700.0:  # (the common case: no overflow)
        t2 = np.log1p(eps * np.exp(mneg))
        kl = float(prob.class_c[k] @ (up * math.log1p(-eps) + (1.0 - up) * t2))
        return max(kl, 0.0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        near = np.log1p(eps * np.exp(mneg))
        far = np.log(eps * p + _expit(-mneg)) + np.logaddexp(0.0, mneg)
        t2 = np.where(mneg < 700.0, near, far)
        # (u' log u' -> 0 where eps rounds to 1 and u' = 0)
        first = np.where(up > 0.0, up * math.log1p(-eps), 0.0)
    kl = float(prob.class_c[k] @ (first + (1.0 - up) * t2))
    return max(kl, 0.0)


def final_dual(prob, z, bound, lam, out):
    """The feasible dual point of ``bound`` in the hinge solver's units (see the module)."""
    y = prob.y
    f = np.where(y > 0.0, bound.scale_pos, bound.scale_neg)
    np.multiply(prob.c * _expit(-y * z) * f, 1.0 / (2.0 * lam), out=out)
