"""Bounded cache of Gram entries for the working sets of the hinge solver.

Never the ``n x n`` matrix: float64 copies of the rows of up to ``cap``
samples (slots; least recently used evicted) and the inner products between
them that were ever needed.  Missing products are computed by BLAS on rows
gathered to float64 for a block of at least ``BLAS_ROWS`` rows, else by SIMD
loops (small, oddly shaped products are slow through BLAS); one code path
for dense and CSR input of either dtype.
"""

from typing import NamedTuple

import numpy as np

from .._common import FASTMATH, argsort, row_axpy
from .._jit import njit

# Gram rows computed by BLAS when at least this many are missing at once
# (below, SIMD loops: BLAS is slow on small, oddly shaped products)
_BLAS_ROWS = 16


class GramCache(NamedTuple):
    """The cache and the scratch buffers of the working-set Gram matrix."""

    Xc: np.ndarray  # (cap, d) float64 copies of cached rows
    K: np.ndarray  # (cap, cap) inner products between slots
    valid: np.ndarray  # (cap, cap) uint8: K entry computed
    slot_of: np.ndarray  # (n,) slot of each sample, -1 if none
    who: np.ndarray  # (cap,) sample in each slot, -1 if none
    stamp: np.ndarray  # (cap,) last use (LRU eviction)
    workx: np.ndarray  # scratch for the BLAS blocks and the (|B|, |B|) copy
    workb: np.ndarray
    workk: np.ndarray
    workl: np.ndarray  # the Cholesky factor of the active-set method
    used: np.ndarray  # (1,) slots ever used
    clock: np.ndarray  # (1,) working sets seen (the time of the LRU stamps)
    q_max: int  # largest working set


def new_cache(n, d, cap, q_max):
    """An empty cache of ``cap`` rows for ``n`` samples of ``d`` features (Python:
    allocations only)."""
    m = q_max + 1
    return GramCache(
        np.empty((cap, d)),
        np.empty((cap, cap)),
        np.zeros((cap, cap), dtype=np.uint8),
        -np.ones(n, dtype=np.int64),
        -np.ones(cap, dtype=np.int64),
        np.zeros(cap, dtype=np.int64),
        np.empty(m * d),
        np.empty(m * d),
        np.empty(m * m),
        np.empty(m * m),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        int(q_max),
    )


@njit(cache=True, fastmath=FASTMATH)
def _dot_rows(Xc, a, b):
    acc = 0.0
    for k in range(Xc.shape[1]):
        acc += Xc[a, k] * Xc[b, k]
    return acc


@njit(cache=True, fastmath=FASTMATH)
def _dot_many(Xc, a, cols, m, out):
    """``out[k] = Xc[a] . Xc[cols[k]]`` for ``k < m``, four rows at a time."""
    d = Xc.shape[1]
    k = 0
    while k + 4 <= m:
        b0 = cols[k]
        b1 = cols[k + 1]
        b2 = cols[k + 2]
        b3 = cols[k + 3]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for j in range(d):
            xa = Xc[a, j]
            s0 += xa * Xc[b0, j]
            s1 += xa * Xc[b1, j]
            s2 += xa * Xc[b2, j]
            s3 += xa * Xc[b3, j]
        out[k] = s0
        out[k + 1] = s1
        out[k + 2] = s2
        out[k + 3] = s3
        k += 4
    while k < m:
        out[k] = _dot_rows(Xc, a, cols[k])
        k += 1


@njit(cache=True)
def _store_pair(K, valid, a, b, v):
    """Cache the Gram entry of slots ``a`` and ``b`` (both halves) as computed."""
    K[a, b] = v
    K[b, a] = v
    valid[a, b] = 1
    valid[b, a] = 1


@njit(cache=True)
def cache_insert(X, B, nB, cache, stats):
    """Gram matrix of the working set ``B[:nB]`` (a contiguous ``(nB, nB)`` copy).

    The cache keeps float64 copies of the rows of up to ``cap`` samples (slots,
    least recently used evicted) and the inner products between them that
    were ever needed (``valid``); only missing pairs are computed: by BLAS for
    a block of at least ``_BLAS_ROWS`` rows, else by SIMD loops.
    Every call is one tick of the clock of the LRU stamps.
    """
    is_sparse, Xd, data, indices, indptr = X
    Xc, K, valid, slot_of, who, stamp = (
        cache.Xc,
        cache.K,
        cache.valid,
        cache.slot_of,
        cache.who,
        cache.stamp,
    )
    workx, workb, workk = cache.workx, cache.workb, cache.workk
    cache.clock[0] += 1
    clock = cache.clock[0]
    cap = who.shape[0]
    d = Xc.shape[1]
    nnew = 0
    for p in range(nB):
        sl = slot_of[B[p]]
        if sl >= 0:
            stamp[sl] = clock
        else:
            nnew += 1
    hi = cache.used[0]
    if nnew > 0:
        # slots: never used first, then least recently used
        free_slots = np.empty(nnew, dtype=np.int64)
        nf = 0
        while nf < nnew and hi < cap:
            free_slots[nf] = hi
            stamp[hi] = clock  # taken: not a candidate for eviction below
            hi += 1
            nf += 1
        if nf < nnew:
            # float64 stamps (exact below 2**53): the argsort of the other kernels
            order = argsort(stamp[:hi].astype(np.float64))
            r = 0
            while nf < nnew:
                sl = order[r]
                r += 1
                if stamp[sl] == clock:
                    continue  # in the working set (cannot happen if cap >= nB)
                if who[sl] >= 0:
                    slot_of[who[sl]] = -1
                    who[sl] = -1
                for q in range(hi):
                    valid[sl, q] = 0
                    valid[q, sl] = 0
                free_slots[nf] = sl
                nf += 1
        cache.used[0] = hi
        stats.gram_rows[0] += nnew
        q = 0
        for p in range(nB):
            i = B[p]
            if slot_of[i] < 0:
                sl = free_slots[q]
                row = Xc[sl]
                row[:] = 0.0
                row_axpy(is_sparse, Xd, data, indices, indptr, i, 1.0, row)
                slot_of[i] = sl
                who[sl] = i
                stamp[sl] = clock
                q += 1
    slots = np.empty(nB, dtype=np.int64)
    for p in range(nB):
        slots[p] = slot_of[B[p]]
    # rows with a missing pair inside the working set: the new samples, and
    # old ones with a missing pair among the old ones
    need = np.zeros(nB, dtype=np.bool_)
    nneed = 0
    for p in range(nB):
        sp_ = slots[p]
        if valid[sp_, sp_] == 0:
            need[p] = True
            nneed += 1
    # pairs of old samples that were never in a working set together: one
    # inner product each
    for p in range(nB):
        if need[p]:
            continue
        sp_ = slots[p]
        for q in range(p):
            sq = slots[q]
            if not need[q] and valid[sp_, sq] == 0:
                _store_pair(K, valid, sp_, sq, _dot_rows(Xc, sp_, sq))
                stats.gram_pairs[0] += 1
    if nneed >= _BLAS_ROWS:
        # a block of rows against the whole working set: BLAS
        R = np.empty(nneed, dtype=np.int64)
        r = 0
        for p in range(nB):
            if need[p]:
                R[r] = p
                r += 1
        # row copies as explicit loops: a slice assignment compiles the
        # formatting of its shape-mismatch error, for nothing
        XR = workx[: nneed * d].reshape((nneed, d))
        for r in range(nneed):
            sa = slots[R[r]]
            for k in range(d):
                XR[r, k] = Xc[sa, k]
        XB = workb[: nB * d].reshape((nB, d))
        for p in range(nB):
            sa = slots[p]
            for k in range(d):
                XB[p, k] = Xc[sa, k]
        prod = np.dot(XR, XB.T)
        stats.gram_entries[0] += nneed * nB
        for r in range(nneed):
            sa = slots[R[r]]
            for p in range(nB):
                _store_pair(K, valid, sa, slots[p], prod[r, p])
    elif nneed > 0:
        # a few rows: SIMD loops straight from the cached rows (small, oddly
        # shaped products are slow through BLAS: packing and call overhead)
        cols = np.empty(nB, dtype=np.int64)
        vals = np.empty(nB)
        for p in range(nB):
            if not need[p]:
                continue
            sa = slots[p]
            m = 0
            for q in range(nB):
                sb = slots[q]
                if valid[sa, sb] == 0:
                    cols[m] = sb
                    m += 1
            _dot_many(Xc, sa, cols, m, vals)
            stats.gram_entries[0] += m
            for k in range(m):
                _store_pair(K, valid, sa, cols[k], vals[k])
    Kb = workk[: nB * nB].reshape((nB, nB))
    for p in range(nB):
        sp_ = slots[p]
        for q in range(nB):
            Kb[p, q] = K[sp_, slots[q]]
    return Kb
