"""Shared numba primitives and the solver result type.

Kernels see a design matrix through five arguments so that one compiled code
path serves dense and CSR input:

``is_sparse, Xd, data, indices, indptr``

* dense: ``Xd`` is the C-contiguous (n, d) array, the three CSR arrays are empty;
* CSR: ``Xd`` is an empty (0, d) array, ``data/indices/indptr`` are the CSR arrays
  (sorted indices, int32 or int64 index arrays as given by scipy).

The primitives below read one row at a time; they are ``inline="always"`` so the
branch on ``is_sparse`` costs nothing measurable in the loops over rows (as ordinary
kernels, LLVM does not always inline them: the active-set path is slower without,
``benchmarks/results/compile_active_set.md``).
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._jit import njit

# fast-math flags for pure dot-product loops (no nnan/ninf: solver logic
# compares against infinities)
FASTMATH = {"reassoc", "contract", "arcp", "nsz"}


class SolverResult(NamedTuple):
    """What every binary solver returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features,), float64
    intercept : float
    dual : ndarray of shape (n_samples,), float64, or None
        Dual variables (hinge: ``alpha``, in the units of the box ``[0, C_i]``
        with ``C_i = s_i / (2 lam sum(s))``; softplus: solver specific).
    n_iter : int
    gap : float
        Relative duality gap ``(P - D) / max(|P|, tiny)`` at the returned point
        (a certificate: the primal objective is within ``gap * |P|`` of optimal).
    primal : float
        Primal objective ``sum_i s_i f(y_i (w.x_i + b)) / sum(s) + lam ||w||^2``.
    converged : bool
    message : str
        Why the solver stopped short of ``converged`` (empty when converged):
        e.g. ``max_iter`` reached, or a stall at the limit of floating point.
    stats : dict or None
        Counters of the work done (names and ints), for the methods that keep them.
    """

    coef: np.ndarray
    intercept: float
    dual: object
    n_iter: int
    gap: float
    primal: float
    converged: bool
    message: str = ""
    stats: object = None


def kernel_arrays(X):
    """Split ``X`` (dense ndarray or CSR matrix) into the five kernel arguments.

    The arrays are canonicalised (:mod:`._canonical`): small inputs in float64,
    int32 CSR indices where they fit, read-only buffers through a writable alias,
    so that most inputs share one compiled specialisation of each kernel.
    """
    from . import _canonical

    if sp.issparse(X):
        X = sp.csr_matrix(X)
        if not X.has_sorted_indices:
            X = X.sorted_indices()
        data = _canonical.values(X.data)
        indices, indptr = _canonical.csr_index(X.indices, X.indptr, X.shape[1])
        Xd = np.empty((0, X.shape[1]), dtype=data.dtype)
        return True, Xd, data, indices, indptr
    X = _canonical.values(np.asarray(X))
    empty = np.empty(0, dtype=X.dtype)
    idx = np.empty(0, dtype=np.int32)
    ptr = np.zeros(1, dtype=np.int32)
    return False, X, empty, idx, ptr


@njit(cache=True, inline="always")
def row_dot(is_sparse, Xd, data, indices, indptr, i, w):
    """``x_i . w`` accumulated in float64.

    The sparse loop stops at a negative index, which CSR input never holds: a loop
    with an exit is one that LLVM does not turn into vector gathers in the fast-math
    kernels (gathers run slower than scalar loads on rows of tens of entries, the
    ``csr_dots`` note of :mod:`.softplus._passes`), and the test spares numba's
    wrap-around of negative indices."""
    acc = 0.0
    if is_sparse:
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j < 0:
                break
            acc += data[k] * w[j]
    else:
        for k in range(Xd.shape[1]):
            acc += Xd[i, k] * w[k]
    return acc


@njit(cache=True, inline="always")
def row_axpy(is_sparse, Xd, data, indices, indptr, i, a, w):
    """``w += a * x_i`` (in place)."""
    if is_sparse:
        for k in range(indptr[i], indptr[i + 1]):
            w[indices[k]] += a * data[k]
    else:
        for k in range(Xd.shape[1]):
            w[k] += a * Xd[i, k]


@njit(cache=True)
def argsort(a):
    """Indices that sort ``a`` (1-D) in increasing order (heapsort, not stable).

    A small kernel of our own: numba's ``np.argsort`` compiles its quicksort
    for every caller, tens of seconds on a cold cache.
    """
    n = a.shape[0]
    idx = np.arange(n)
    # build a max-heap on a[idx]
    for start in range(n // 2 - 1, -1, -1):
        _sift(a, idx, start, n)
    for end in range(n - 1, 0, -1):
        idx[0], idx[end] = idx[end], idx[0]
        _sift(a, idx, 0, end)
    return idx


@njit(cache=True)
def _sift(a, idx, root, end):
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and a[idx[child + 1]] > a[idx[child]]:
            child += 1
        if a[idx[child]] > a[idx[root]]:
            idx[root], idx[child] = idx[child], idx[root]
            root = child
        else:
            return
