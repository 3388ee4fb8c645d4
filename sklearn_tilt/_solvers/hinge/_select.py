"""Which samples may move: the ``I_up`` / ``I_low`` sets, the KKT intercept and
the working set of the decomposition method.

For sample ``i`` with dual ``a_i`` in ``[0, C_i]``, ``I_up`` holds the samples
whose ``a_i y_i`` may increase, ``I_low`` those whose ``a_i y_i`` may decrease;
``t_i = y_i - f_i`` is the intercept that puts sample i on its margin.  At the
optimum ``max_{I_up} t <= b <= min_{I_low} t``.
"""

import numpy as np

from .._common import argsort
from .._jit import njit

_INF = np.inf

# the working set: samples within this band of violating their KKT condition
# (margin units)
_BAND = 0.01


@njit(cache=True)
def up_low(yi, ai, Ci):
    """``(up, low)``: whether ``a_i y_i`` may increase (``I_up``) and whether it may
    decrease (``I_low``) within the box ``0 <= a_i <= C_i``."""
    below = ai < Ci
    above = ai > 0.0
    if yi > 0.0:
        return below, above
    return above, below


@njit(cache=True)
def kkt_intercept(f, y, C, alpha, act, nact):
    """Intercept from the KKT conditions and the maximal violation.

    Returns ``(b, viol)`` with ``viol = max_{I_up} t_i - min_{I_low} t_i``,
    ``t_i = y_i - f_i`` (the intercept that puts sample i on its margin).
    """
    m_up = -_INF
    M_low = _INF
    sfree = 0.0
    nfree = 0
    for k in range(nact):
        i = act[k]
        t = y[i] - f[i]
        up, low = up_low(y[i], alpha[i], C[i])
        if up and t > m_up:
            m_up = t
        if low and t < M_low:
            M_low = t
        if up and low:  # free
            sfree += t
            nfree += 1
    if nfree > 0:
        b = sfree / nfree
    elif m_up == -_INF:
        b = M_low if M_low < _INF else 0.0
    elif M_low == _INF:
        b = m_up
    else:
        b = 0.5 * (m_up + M_low)
    if m_up == -_INF or M_low == _INF:
        viol = 0.0
    else:
        viol = m_up - M_low
    return b, viol


@njit(cache=True)
def select_working_set(data, f, C, alpha, b, q_max, Bbuf, vbuf):
    """Fill ``Bbuf`` with the working set of at most ``q_max`` samples; return its size.

    Violation of sample i at intercept ``b`` (``t_i = y_i - f_i``): ``t_i - b``
    if it may move up (``I_up``), ``b - t_i`` if it may move down (``I_low``),
    the larger of both for free samples.  Every sample with violation above
    ``-_BAND`` is a candidate; beyond ``q_max`` candidates, the most violating
    ones are kept, half from each side.
    """
    y, act, nact = data.y, data.act, data.nact
    band = _BAND
    ncand = 0
    for k in range(nact):
        i = act[k]
        t = y[i] - f[i] - b
        up, low = up_low(y[i], alpha[i], C[i])
        v = -_INF
        if up:
            v = t
        if low and -t > v:
            v = -t
        if v > -band:
            Bbuf[ncand] = i
            vbuf[ncand] = v
            ncand += 1
    if ncand <= q_max:
        return ncand
    # keep the most violating, balanced between the two sides
    upv = np.empty(ncand, dtype=np.float64)
    lowv = np.empty(ncand, dtype=np.float64)
    upi = np.empty(ncand, dtype=np.int64)
    lowi = np.empty(ncand, dtype=np.int64)
    nu = 0
    nl = 0
    for c in range(ncand):
        i = Bbuf[c]
        t = y[i] - f[i] - b
        up, low = up_low(y[i], alpha[i], C[i])
        if up and (not low or t >= 0.0):
            upv[nu] = -t
            upi[nu] = i
            nu += 1
        else:
            lowv[nl] = t
            lowi[nl] = i
            nl += 1
    ou = argsort(upv[:nu])
    ol = argsort(lowv[:nl])
    half = q_max // 2
    take_u = min(nu, half)
    take_l = min(nl, q_max - take_u)
    take_u = min(nu, q_max - take_l)
    m = 0
    for r in range(take_u):
        Bbuf[m] = upi[ou[r]]
        m += 1
    for r in range(take_l):
        Bbuf[m] = lowi[ol[r]]
        m += 1
    return m
