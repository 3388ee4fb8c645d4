"""A second-order finish of the hinge coordinate descent (:mod:`._dcd`) for data with
few features: the interior point of :mod:`._ipm` on the samples near their margins, the
others held at their bounds.

Near its solution, coordinate descent makes slow progress on the free samples (the tail
of :mod:`._dcd`: many samples on the margin, nearly dependent rows).  Its partition is
nearly right long before its gap is small, though.  With the samples whose margins are
well above 1 held at ``alpha_i = 0`` (the set ``Z``) and those well below 1 at
``alpha_i = C_i`` (the set ``L``), the others (``R``) solve::

    min_{w, b, xi}  sum_R p_i xi_i + lam ||w||^2 + sum_L p_i (1 - y_i (w.x_i + b))
    s.t.  y_i (w.x_i + b) + xi_i >= 1,  xi_i >= 0   (i in R)

(``p_i = s_i / S``), the problem of :mod:`._ipm` on the rows ``R`` plus a linear term:
``|R|`` rows, Newton matrices of size ``d + 1``.  Its multipliers give ``alpha_i = C_i
beta_i`` on ``R``; with ``C_i`` on ``L`` and 0 on ``Z`` they make a dual point of the whole
problem, which the workspace certifies from scratch (:meth:`._dcd_workspace.Workspace.certificate`),
so a wrong guess of ``L`` or ``Z`` costs time, never a false certificate.  Samples of ``L``
or ``Z`` that the solution puts on the wrong side of their margins join ``R`` and the
restricted problem is solved again, at most :data:`_ROUNDS` times.
"""

import numpy as np
import scipy.sparse as sp

from ._free_set import rows_t_dot
from ._ipm import _STALL, _ipm_steps, _start, signed_rows

#: the finish applies to data with at most this many features (Newton matrices of
#: size d + 1)
MAX_FEATURES = 2048
#: and to restricted problems whose iteration costs at most this many multiply-adds
#: (|R| (d + 1)^2)
MAX_WORK = 5 * 10**9
# the finish is tried once coordinate descent has run _PASSES passes at one lam
# without a certificate, estimates a gap of at most _GAP and, at the rate of its
# estimates over the second half of its passes, would need at least _TAIL times as
# many passes again to reach tol (a tail), or made no progress there; then again
# after twice as many passes
_PASSES = 100
_GAP = 1e-1
_TAIL = 2.0
# R: the samples off their bounds and those within _BAND (margin units) of the margin,
# at most max(2 |F|, |F| + d + 1) of them (F: the free samples), the nearest first
_BAND = 0.1
# the finish is tried only where its interior point (about _STEPS iterations) costs
# at most the passes made so far, a multiply-add of the dense Newton matrices counting
# 1 / _GEMM_GAIN of one of coordinate descent (memory-bound, one row at a time)
_STEPS = 15
_GEMM_GAIN = 10
# restricted problems solved at most per finish
_ROUNDS = 4
# the interior point stops at this complementarity, relative to the primal
_MU_STOP = 1e-12
_MAX_STEPS = 100
# a sample of L or Z is on the wrong side of its margin beyond this
_SIDE = 1e-9


def finish_due(d, hist, tol, tried):
    """Whether to try the finish on data with ``d`` features; ``hist``: the ``(passes,
    estimated gap)`` of the estimates at this ``lam`` so far, ``tried``: the passes at
    the last try, or ``None``."""
    passes, gap = hist[-1]
    if d > MAX_FEATURES or gap > _GAP or gap <= tol or passes < _PASSES:
        return False
    if tried is not None and passes < 2 * tried:
        return False
    # the last estimate at or before half the passes
    half = [(p, g) for p, g in hist[:-1] if p <= passes // 2]
    if not half:
        return False
    p0, g0 = half[-1]
    if not 0.0 < gap < g0:
        return True  # no progress: a tail
    rate = np.log(g0 / gap) / (passes - p0)
    return np.log(gap / tol) / rate >= _TAIL * passes


class _Subset:
    """The rows ``R`` as :func:`._ipm._ipm_steps` reads them (:func:`._ipm.signed_rows`),
    and the linear term of ``L``."""

    def __init__(self, X, ka, y, p, R, L, fit_intercept):
        d = X.shape[1]
        self.d = d
        self.fi = fit_intercept
        self.k = d + 1 if fit_intercept else d
        self.Y, self.Y32, self.buf32 = signed_rows(X, y, R, fit_intercept)
        self.p = p[R]
        # sum_L p_i y_i [x_i, 1] and sum_L p_i
        py = p[L] * y[L]
        q = np.empty(self.k)
        q[:d] = rows_t_dot(ka, L, py, d)
        if fit_intercept:
            q[d] = float(py.sum())
        self.lin = (q, float(p[L].sum()))


def _restricted_solve(sub, lam):
    """``(w, b, beta)`` of the restricted problem, or ``None`` when the interior point
    breaks down."""
    wb, Z = _start(sub)
    record, since = np.inf, 0
    for k, rel in enumerate(_ipm_steps(sub, lam, wb, Z, sub.lin)):
        if not np.isfinite(rel) or not np.all(np.isfinite(wb)):
            return None
        if rel < 0.5 * record:
            record, since = rel, 0
        else:
            since += 1
        if rel <= _MU_STOP or since >= _STALL or k + 1 >= _MAX_STEPS:
            break
    b = float(wb[sub.d]) if sub.fi else 0.0
    return wb[: sub.d], b, np.clip(Z[2] / sub.p, 0.0, 1.0)


def _select(ws, alpha, C, margin, rows, k):
    """``(R, L)``: the active samples off their bounds or within :data:`_BAND` of their
    margins, at most ``max(2 |F|, |F| + k)`` of them (``F``: those off their bounds) and
    at most ``rows``, the nearest to the margin first; the samples below that band,
    held at ``C``.  ``None`` when ``F`` alone exceeds ``rows``, or no sample is near."""
    act = ws.act
    a = alpha[act]
    gap = np.abs(margin[act] - 1.0)
    free = (a > 0.0) & (a < C[act])
    nfree = int(np.count_nonzero(free))
    if nfree > rows:
        return None
    rows = min(rows, max(2 * nfree, nfree + k))
    near = free | (gap <= _BAND)
    if np.count_nonzero(near) > rows:
        gap = np.where(free, -1.0, gap)
        near = np.zeros_like(near)
        near[np.argpartition(gap, rows - 1)[:rows]] = True
    if not near.any():
        return None
    R = act[near]
    L = act[~near & (margin[act] < 1.0)]
    return R, L


def restricted_finish(ws, alpha, lam, tol, passes=None):
    """The finish from ``alpha`` and the scores that the workspace's last estimate or
    certificate left (``ws.f``, ``ws.b_w``); ``passes``: the passes of coordinate
    descent made so far, which bound its cost (``None``: no bound).

    Returns ``(alpha', certificate)`` for the best certified point (``certificate`` as
    :meth:`._dcd_workspace.Workspace.certificate` returns it; ``ws.wpos - ws.wneg`` is
    then not necessarily ``w(alpha')``), or ``None`` when the finish does not apply."""
    n, d = ws.n, ws.d
    k = d + 1 if ws.fit_intercept else d
    rows = MAX_WORK // (k * k)
    if passes is not None:
        X = ws.problem.X
        nnz = X.nnz if sp.issparse(X) else X.size
        rows = min(rows, _GEMM_GAIN * passes * nnz // (_STEPS * k * k))
    if rows < 1:
        return None
    C = ws.bounds(lam)
    y = ws.y
    p = ws.s / ws.S
    margin = y * (ws.f + ws.b_w)
    sel = _select(ws, alpha, C, margin, rows, k)
    if sel is None:
        return None
    R, L = sel
    inR = np.zeros(n, dtype=bool)
    inL = np.zeros(n, dtype=bool)
    inR[R] = True
    inL[L] = True
    best = None
    for _ in range(_ROUNDS):
        sol = _restricted_solve(_Subset(ws.problem.X, ws.ka, y, p, R, L, ws.fit_intercept), lam)
        if sol is None:
            break
        _, b, beta = sol
        a = np.zeros(n)
        a[L] = C[L]
        a[R] = C[R] * beta
        cert = ws.certificate(a, lam, b)
        ws.stats["finish_rounds"] += 1
        if best is None or cert[3] < best[1][3]:
            best = (a, cert)
        if cert[3] <= tol:
            break
        # the samples held at a bound on the wrong side of their margins join R
        act = ws.act
        m = y[act] * (ws.f[act] + ws.b_w)
        held = ~inR[act]
        wrong = act[held & np.where(inL[act], m > 1.0 + _SIDE, m < 1.0 - _SIDE)]
        if wrong.shape[0] == 0 or R.shape[0] + wrong.shape[0] > rows:
            break
        inR[wrong] = True
        inL[wrong] = False
        R = np.flatnonzero(inR)
        L = np.flatnonzero(inL)
    return best
