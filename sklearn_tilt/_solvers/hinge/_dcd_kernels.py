"""Kernels of the dual coordinate descent of the hinge (:mod:`._dcd`).

The inner problem, for a centre ``c`` and a weight ``rho > 0`` (dual over ``2 lam``,
``w(a) = sum_i a_i y_i x_i``, ``t(a) = sum_i a_i y_i``)::

    max_a  sum_i a_i - 0.5 ||w(a)||^2 - c t(a) - 0.5 rho t(a)^2,   0 <= a_i <= C_i

has no equality constraint: liblinear's dual coordinate descent (Hsieh et al. 2008)
solves it at O(nnz(x_i)) per coordinate, the intercept ``b = c + rho t`` moving with
every update of ``t`` and the curvature of coordinate ``i`` being ``||x_i||^2 + rho``.
"""

from typing import NamedTuple

import numpy as np

from .._common import FASTMATH, row_axpy, row_dot
from .._jit import njit

_INF = np.inf


class Coords(NamedTuple):
    """The coordinates of the inner problem."""

    y: np.ndarray  # labels, -1 or +1
    C: np.ndarray  # upper bounds C_i
    qd: np.ndarray  # curvatures ||x_i||^2 + rho


class Inner(NamedTuple):
    """The inner problem and when its coordinate descent stops."""

    c: float  # centre
    rho: float  # weight of t^2
    eps: float  # KKT tolerance (margin units)
    max_passes: int
    seed: int  # of the visiting order
    local: float  # bytes of active rows beyond which passes visit blocks (LOCAL_BYTES)


@njit(cache=True)
def _step(is_sparse, Xd, data, indices, indptr, i, yi, a, Ci, G, q, alpha, w):
    """One coordinate step of sample ``i`` (gradient ``G``, curvature ``q``):
    ``a_i`` to its minimiser in ``[0, C_i]``, ``w`` updated; returns the change
    of ``t = sum a_i y_i``."""
    if q > 0.0:
        an = min(max(a - G / q, 0.0), Ci)
    else:
        an = Ci if G < 0.0 else 0.0
    da = (an - a) * yi
    if da != 0.0:
        alpha[i] = an
        row_axpy(is_sparse, Xd, data, indices, indptr, i, da, w)
    return da


#: Passes over active rows whose data exceed this many bytes (beyond a typical
#: last-level cache, where visits in a random order wait on memory) visit blocks
#: of consecutive rows of about ``_BLOCK_BYTES`` each, the blocks in a random
#: order (:func:`_block_rows`).
LOCAL_BYTES = 48 * 2**20
_BLOCK_BYTES = 30_000


@njit(cache=True, inline="always")
def _block_rows(ka, n, active, local):
    """The rows per block of a pass over ``active`` rows (1: a random order):
    blocks where the rows' data (CSR: the mean row's entries and indices; dense:
    a row's values) exceed ``local`` bytes."""
    is_sparse, Xd, data, indices, indptr = ka
    if n == 0:
        return 1
    if is_sparse:
        row_bytes = indptr[n] / n * (data.itemsize + indices.itemsize)
    else:
        row_bytes = float(Xd.shape[1] * Xd.itemsize)
    if row_bytes * active < local:
        return 1
    return max(int(_BLOCK_BYTES / max(row_bytes, 1.0)), 1)


@njit(cache=True)
def _shuffle(a, m, state):
    """``a[:m]`` in a random order (Fisher-Yates) from the Park-Miller state
    ``state``; returns the next state."""
    for k in range(m - 1, 0, -1):
        state = state * 48271 % 2147483647
        j = state % (k + 1)
        tmp = a[k]
        a[k] = a[j]
        a[j] = tmp
    return state


@njit(cache=True)
def _sort_rows(act, m, mark):
    """``act[:m]`` (distinct rows) in increasing order, by marks (``mark``: ``n``
    falses, left so)."""
    for k in range(m):
        mark[act[k]] = True
    k = 0
    for i in range(mark.shape[0]):
        if mark[i]:
            act[k] = i
            k += 1
            mark[i] = False


@njit(cache=True, fastmath=FASTMATH)
def cd(ka, coords, inner, act, nsel, alpha, w, t):
    """Dual CD with shrinking on the inner problem (module docstring).

    ``ka``: the kernel arrays of ``X``; ``coords``: :class:`Coords`; ``inner``:
    :class:`Inner`; ``t`` is ``sum a_i y_i`` at the start.  ``act`` (the samples
    with ``C_i > 0``) is permuted in place.  The passes visit ``act[:nsel]``
    (the caller's selection: the samples expected to
    move), shrinking as liblinear does; when they have converged, one pass
    over the others admits those that violate their KKT condition by more
    than ``eps / 2`` (and updates them), and the passes go on over the grown
    selection.  A pass visits its rows in a random order or, where their data
    exceed ``inner.local`` bytes, in blocks of consecutive rows in a
    random order (:func:`_block_rows`).  Returns ``(t, passes, viol, active)``:
    ``t = sum a_i y_i`` as tracked, the number of passes, the last pass's
    maximal KKT violation over the selection (margin units) and the number of
    rows not shrunk at the end (``act[:active]``: a caller that goes on with the
    same problem passes it as ``nsel``).  Converged when ``viol <= eps`` on a
    pass over the whole selection that no other sample joins.
    """
    is_sparse, Xd, data, indices, indptr = ka
    y, C, qd = coords
    c, rho, eps, max_passes, seed, local = inner
    # a private Park-Miller generator for the visiting order: no global random
    # state is read or changed, and the order is the same compiled or not
    state = seed % 2147483646 + 1
    ntot = act.shape[0]
    n = y.shape[0]
    nact = min(max(nsel, 0), ntot)
    active = nact
    pg_max_old = _INF
    pg_min_old = -_INF
    passes = 0
    scans = 0
    viol = _INF
    # buffers of the passes (allocated at the first that needs them)
    keep = np.empty(0, dtype=np.bool_)
    mark = np.empty(0, dtype=np.bool_)
    moved = np.empty(0, dtype=act.dtype)
    order = np.empty(0, dtype=act.dtype)
    sorted_ = False  # act[:active] in increasing order (kept by block passes)
    while passes < max_passes:
        pg_max = -_INF
        pg_min = _INF
        if keep.shape[0] < active:
            keep = np.empty(ntot, dtype=np.bool_)
            moved = np.empty(ntot, dtype=act.dtype)
        bs = _block_rows(ka, n, active, local)
        if bs == 1:
            # random order of the active part
            state = _shuffle(act, active, state)
            sorted_ = False
            nb = active
        else:
            # blocks of bs consecutive rows, in a random order
            if not sorted_:
                if mark.shape[0] < n:
                    mark = np.empty(n, dtype=np.bool_)
                    for k in range(n):
                        mark[k] = False
                _sort_rows(act, active, mark)
                sorted_ = True
            nb = (active + bs - 1) // bs
            if order.shape[0] < nb:
                order = np.empty(nb, dtype=act.dtype)
            for k in range(nb):
                order[k] = k
            state = _shuffle(order, nb, state)
        for q in range(nb):
            lo = q if bs == 1 else order[q] * bs
            for s in range(lo, min(lo + bs, active)):
                i = act[s]
                keep[s] = False  # shrunk unless it reaches the end of the visit
                b = c + rho * t
                yi = y[i]
                G = yi * (row_dot(is_sparse, Xd, data, indices, indptr, i, w) + b) - 1.0
                a = alpha[i]
                Ci = C[i]
                pg = 0.0
                if a <= 0.0:
                    if G > pg_max_old:
                        continue
                    elif G < 0.0:
                        pg = G
                elif a >= Ci:
                    if G < pg_min_old:
                        continue
                    elif G > 0.0:
                        pg = G
                else:
                    pg = G
                keep[s] = True
                if pg > pg_max:
                    pg_max = pg
                if pg < pg_min:
                    pg_min = pg
                if pg != 0.0:
                    t += _step(
                        is_sparse, Xd, data, indices, indptr, i, yi, a, Ci, G, qd[i], alpha, w
                    )
        # the shrunk rows after the kept ones, both in their order
        m = 0
        r = 0
        for s in range(active):
            if keep[s]:
                act[m] = act[s]
                m += 1
            else:
                moved[r] = act[s]
                r += 1
        for k in range(r):
            act[m + k] = moved[k]
        active = m
        passes += 1
        if pg_max < pg_min:
            viol = 0.0
        else:
            viol = pg_max - pg_min
        if viol <= eps:
            if active == nact:
                if nact == ntot or passes >= max_passes:
                    break
                # the samples outside the selection: admit those within eps
                # of violating their KKT condition (after a second scan that
                # admits any, every sample)
                admitted = 0
                scans += 1
                for k in range(nact, ntot):
                    i = act[k]
                    yi = y[i]
                    G = (
                        yi * (row_dot(is_sparse, Xd, data, indices, indptr, i, w) + c + rho * t)
                        - 1.0
                    )
                    a = alpha[i]
                    Ci = C[i]
                    if (a <= 0.0 and G < eps) or (a >= Ci and G > -eps) or (0.0 < a < Ci):
                        act[k] = act[nact]
                        act[nact] = i
                        nact += 1
                        admitted += 1
                        t += _step(
                            is_sparse, Xd, data, indices, indptr, i, yi, a, Ci, G, qd[i], alpha, w
                        )
                passes += 1
                if admitted == 0:
                    break
                if scans >= 2:
                    nact = ntot
            active = nact
            sorted_ = False
            pg_max_old = _INF
            pg_min_old = -_INF
            continue
        pg_max_old = pg_max
        pg_min_old = pg_min
        if pg_max_old <= 0.0:
            pg_max_old = _INF
        if pg_min_old >= 0.0:
            pg_min_old = -_INF
    return t, passes, viol, active


@njit(cache=True, fastmath=FASTMATH)
def sides(is_sparse, Xd, data, indices, indptr, y, alpha, act, wpos, wneg):
    """``w_+ = sum_{y_i>0} a_i x_i``, ``w_- = sum_{y_i<0} a_i x_i`` from scratch;
    returns ``(A_+, A_-)``, the sums of ``a`` over each class."""
    wpos[:] = 0.0
    wneg[:] = 0.0
    ap = 0.0
    an = 0.0
    for k in range(act.shape[0]):
        i = act[k]
        a = alpha[i]
        if a != 0.0:
            if y[i] > 0.0:
                ap += a
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a, wpos)
            else:
                an += a
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a, wneg)
    return ap, an


@njit(cache=True, fastmath=FASTMATH)
def scores(is_sparse, Xd, data, indices, indptr, n, w, f):
    """``f[i] = x_i.w`` for every row (one plain pass)."""
    for i in range(n):
        f[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w)
