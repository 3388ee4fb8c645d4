"""The softplus problem record: input validated and converted once per fit.

Columns that are zero on every weighted row are dropped (their optimal weight is
exactly 0), and ``X`` is stored in the narrowest of uint8 / float32 / its own dtype
that holds its values exactly (raw pixels are integers in [0, 255]): a lossless copy
that the memory-bound passes read in up to 8x fewer bytes. All arithmetic is float64.
"""

import numpy as np
import scipy.sparse as sp

from .. import _canonical
from .._common import kernel_arrays
from .._jit import njit
from ._passes import ALL_ROWS, Passes
from ._records import Design, Samples

#: the value types in which :class:`Problem` stores ``X`` for the kernels (the lossless
#: narrowing picks the first that holds the values exactly; inputs of at most
#: :data:`.._canonical.SMALL_INPUT` stored values are float64): every kernel that reads
#: ``X`` has one specialisation per type, and :func:`._warm.compile_kernels` prepares them
STORED_VALUES = (np.uint8, np.float32, np.float64)


def check_stop(tol, max_iter):
    """``(tol, max_iter)`` as ``(float, int)``, or a ValueError naming the bad one."""
    tol = float(tol)
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}")
    max_iter = int(max_iter)
    if max_iter < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter}")
    return tol, max_iter


@njit(cache=True)
def _csr_scan(data, indices, indptr, c, y, used, rowsq, sums):
    """One pass over CSR input: ``rowsq[i] = ||x_i||^2``, ``used[k]`` for the columns
    with a nonzero on a row of positive weight and the class sums ``sums[k] =
    (sum_{y=+1} c x_k, sum_{y=-1} c x_k, sum_{y=+1} c x_k^2, sum_{y=-1} c x_k^2)``
    (the gradient pass at ``w = 0``: :func:`._state._cold_gradient`); returns whether
    all values are finite (one pass in place of numpy's several)."""
    bad = 0.0  # v - v is 0 for every finite v, NaN otherwise
    k = np.int64(indptr[0])
    for i in range(indptr.shape[0] - 1):
        acc = 0.0
        e = np.int64(indptr[i + 1])
        ci = c[i]
        col = 0 if y[i] > 0.0 else 1
        while k < e:
            v = float(data[k])
            bad += v - v
            acc += v * v
            if ci > 0.0 and v != 0.0:
                j = indices[k]
                used[j] = True
                cv = ci * v
                sums[j, col] += cv
                sums[j, 2 + col] += cv * v
            k += 1
        rowsq[i] = acc
    return bad == 0.0


def _scan(X, c, y, used, rowsq, sums):
    """:func:`_csr_scan` on the CSR arrays of ``X`` canonicalised as ``kernel_arrays``
    does (one compiled specialisation for all input variants)."""
    indices, indptr = _canonical.csr_index(X.indices, X.indptr, X.shape[1])
    return _csr_scan(_canonical.values(X.data), indices, indptr, c, y, used, rowsq, sums)


def _narrow(a):
    """The same values in the narrowest of uint8 / float32 / own dtype that holds them
    exactly: a lossless copy, 8x / 2x fewer bytes for the memory-bound passes."""
    if a.size == 0 or a.dtype == np.uint8:
        return a
    head = a.reshape(-1)[:4096]  # cheap rejection before a full scan or copy
    if (
        head.min() >= 0
        and head.max() <= 255
        and np.array_equal(head.astype(np.uint8), head)
        and a.min() >= 0
        and a.max() <= 255
    ):
        a8 = a.astype(np.uint8)
        if np.array_equal(a8, a):
            return a8
    if a.dtype == np.float64:
        with np.errstate(over="ignore"):  # beyond float32's range: not equal, kept
            if np.array_equal(head.astype(np.float32), head):
                a32 = a.astype(np.float32)
                if np.array_equal(a32, a):
                    return a32
    return a


def _as_float(X, check_input):
    """``X`` as a float32/float64 CSR matrix or 2-D array, checked finite (dense)."""
    if sp.issparse(X):
        if not isinstance(X, sp.csr_matrix):  # (a new object would forget that
            X = sp.csr_matrix(X)  # its indices were found sorted)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        return X
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}.")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if check_input and not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity.")
    return X


def _labels_and_weights(y, sample_weight, n, fit_intercept, check_input):
    """``(y, c)``: float64 labels +-1 and weights normalised to ``sum c = 1``."""
    y = np.ascontiguousarray(y, dtype=np.float64).ravel()
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} entries, X has {n} rows.")
    if check_input and not np.all((y == 1.0) | (y == -1.0)):
        raise ValueError("y must contain only -1.0 and +1.0.")
    if sample_weight is None:
        s = np.ones(n)
    else:
        s = np.ascontiguousarray(sample_weight, dtype=np.float64).ravel()
        if s.shape[0] != n:
            raise ValueError(f"sample_weight has {s.shape[0]} entries, X has {n} rows.")
        if check_input and (not np.all(np.isfinite(s)) or np.any(s < 0)):
            raise ValueError("sample_weight must be finite and non-negative.")
    S = s.sum()
    if not (S > 0 and np.isfinite(S)):
        raise ValueError("sample_weight must have a positive, finite sum.")
    if fit_intercept and (s[y > 0].sum() <= 0 or s[y < 0].sum() <= 0):
        raise ValueError(
            "With fit_intercept=True both classes need positive total "
            "sample weight (otherwise the intercept diverges)."
        )
    return y, s / S


class Problem:
    """Validated arrays and cached quantities shared along a path.

    Attributes: ``X`` (the stored copy: dropped columns, narrowed values), ``design``
    and ``samples`` (the :mod:`._records` the kernels read), ``y``, ``c``, ``n``,
    ``d`` (stored columns), ``d_full``, ``keep`` (the stored columns, or None for
    all), ``rowsq`` (``||x_i||^2``), ``sums`` (CSR: the class sums of
    :func:`_csr_scan`, else None), ``trace`` (``sum c (||x||^2 + 1)``, which bounds 4x
    the data part of the Hessian), ``xmax`` (``max ||x_i||``), ``class_rows`` (the rows
    of positive weight of class +1 and of class -1; ``class_c`` their weights), ``ops`` (the
    :class:`._passes.Passes` of the design), ``sparse``, ``fit_intercept``.
    """

    def __init__(self, X, y, sample_weight, fit_intercept, check_input=True):
        X = _as_float(X, check_input)
        n, d = X.shape
        y, c = _labels_and_weights(y, sample_weight, n, fit_intercept, check_input)
        self.n, self.d_full = n, d
        self.y = y
        self.c = c
        self.fit_intercept = bool(fit_intercept)
        self.sparse = sp.issparse(X)
        # --- drop columns that no weighted row uses
        weighted = self.c > 0
        if self.sparse:
            used = np.zeros(d, dtype=bool)
            rowsq = np.empty(n)
            sums = np.zeros((d, 4))
            if not _scan(X, self.c, y, used, rowsq, sums) and check_input:
                raise ValueError("X contains NaN or infinity.")
        else:
            Xw = X if weighted.all() else X[weighted]
            # (max > 0) | (min < 0): no |X| copy of the data
            used = (
                (Xw.max(axis=0) > 0) | (Xw.min(axis=0) < 0)
                if Xw.shape[0]
                else np.zeros(d, dtype=bool)
            )
        self.keep = None
        if used.sum() < 0.9 * d:
            self.keep = np.flatnonzero(used)
            if self.sparse:
                X = X[:, self.keep]
                rowsq = None
            else:
                X = np.ascontiguousarray(X[:, self.keep])
        if self.sparse:
            X.sort_indices()  # (no work where already known sorted)
            X = sp.csr_matrix((_narrow(X.data), X.indices, X.indptr), shape=X.shape)
            X.has_sorted_indices = True  # (sorted above; spares kernel_arrays a check)
        else:
            X = _narrow(np.ascontiguousarray(X))
        self.X = X
        self.d = X.shape[1]
        # unsigned view of the column indices (same bytes): numba then indexes
        # without a negative-index test per access
        is_sparse, Xd, data, indices, indptr = kernel_arrays(X)
        indices = indices.view(np.uint32 if indices.dtype.itemsize == 4 else np.uint64)
        self.design = Design(is_sparse, Xd, data, indices, indptr)
        self.samples = Samples(self.y, self.c, self.fit_intercept)
        if self.sparse:
            if rowsq is None:  # columns were dropped
                rowsq = np.empty(n)
                _scan(X, self.c, y, np.zeros(self.d, dtype=bool), rowsq, np.zeros((self.d, 4)))
                sums = sums[self.keep]
            self.rowsq = rowsq
            self.sums = np.ascontiguousarray(sums)
        else:
            self.rowsq = np.einsum("ij,ij->i", X, X, dtype=np.float64)
            self.sums = None
        self.trace = float(np.dot(self.c, self.rowsq + 1.0))
        self.xmax = float(np.sqrt(self.rowsq.max(initial=0.0)))
        weighted = self.c > 0.0
        self.class_rows = (np.flatnonzero(weighted & (y > 0)), np.flatnonzero(weighted & (y < 0)))
        self.class_c = tuple(self.c[r] for r in self.class_rows)
        rows = ALL_ROWS if weighted.all() else np.flatnonzero(weighted)
        self.ops = Passes(self.design, rows)

    def restrict(self, w_full):
        """The stored columns' entries of a full-length coefficient vector."""
        return w_full if self.keep is None else w_full[self.keep]

    def expand(self, w):
        """A full-length copy of stored-column coefficients (0 on dropped columns)."""
        if self.keep is None:
            return w.copy()
        out = np.zeros(self.d_full)
        out[self.keep] = w
        return out

    def cold_intercept(self):
        """The optimal intercept at ``w = 0`` (0 without an intercept)."""
        if not self.fit_intercept:
            return 0.0
        cp = self.c[self.y > 0].sum()
        cm = self.c[self.y < 0].sum()
        return float(np.log(cp) - np.log(cm))
