"""One array type per kernel argument where converting costs little.

numba compiles a kernel once per distinct tuple of argument types, and a dtype,
an index width or a read-only flag is part of an array's type. Every variant costs
the full compile of the kernel and of everything it calls, so the arrays the
kernels see are canonicalised here, losslessly:

* small inputs (at most ``SMALL_INPUT`` stored values) become float64, so that
  float32 and integer-valued data share the float64 kernels; larger inputs keep
  their dtype (the kernels read them at their own width, which is faster);
* CSR index arrays are int32 when the matrix allows it (fewer than 2**31 stored
  values and columns), which is also the type of the empty index arrays that
  dense input passes: dense and CSR input then share one specialisation;
* the active-set hinge method reads inputs of at most ``FLOAT64_ROWS`` rows as
  float64 (:func:`float64_rows`): it serves problems of about that size (and the
  paper's paths), its Gram cache holds float64 rows anyway, and converting costs
  at most ``FLOAT64_ROWS x d`` values, so its large kernels have one value type;
* float64 values that are all exactly float32 (pixels, counts, indicators) can be
  read as float32 (:func:`exact_float32`): the same numbers at half the memory
  traffic. The hinge coordinate-descent method, which streams ``X`` once per pass and
  whose float32 kernels are compiled anyway, does this after a number of passes
  (``hinge._dcd_workspace``), and once for all the classes of a multiclass fit
  (:func:`._dispatch.solver_input`);
* read-only arrays (``numpy.memmap`` opened with ``mode="r"``, arrays that joblib
  hands to its workers) are passed through a writable alias of the same memory:
  no copy, and the same compiled code as ordinary arrays. The kernels never write
  into the design matrix.
"""

import ctypes

import numpy as np
import scipy.sparse as sp

#: Inputs with at most this many stored values are converted to float64.
SMALL_INPUT = 1 << 16

#: Kernel arrays of at most this many rows are float64 for the active-set method.
FLOAT64_ROWS = 10_000

_INT32_MAX = np.iinfo(np.int32).max

# exact_float32 converts and compares this many values at a time (it stops at the
# first block that float32 does not hold exactly)
_EXACT_BLOCK = 1 << 20


def writable(a):
    """``a`` itself if writable, else a writable alias of its memory (no copy).

    The alias keeps ``a`` alive; writing through it into read-only memory is an
    error, so it is only for arrays that the kernels read.
    """
    if a.flags.writeable:
        return a
    if a.size == 0:
        return np.empty(a.shape, dtype=a.dtype)
    a = np.ascontiguousarray(a)
    if a.flags.writeable:  # ascontiguousarray made a copy
        return a
    try:
        buf = (ctypes.c_char * a.nbytes).from_address(a.ctypes.data)
        buf._owner = a
        return np.frombuffer(buf, dtype=a.dtype, count=a.size).reshape(a.shape)
    except Exception as exc:  # noqa: BLE001 - numba then compiles a read-only variant
        from ._jit_cache import fallback

        fallback("the writable alias of read-only input", exc)
        return a


def values(a):
    """Stored values: C-contiguous, writable-typed, float64 when small."""
    if a.dtype != np.float64 and a.size <= SMALL_INPUT:
        return a.astype(np.float64, order="C")
    return writable(np.ascontiguousarray(a))


def exact_float32(X):
    """``X`` with float32 values if every float64 value of it is exactly a float32,
    else ``X`` itself.

    Dense arrays and CSR matrices (the result shares the index arrays) of more than
    ``SMALL_INPUT`` stored values; other inputs are returned as they are (small ones
    become float64 kernel arrays anyway: :func:`values`). A float32 copy holds the same
    numbers, so whatever a kernel computes from it in float64 is what it computes
    from ``X``. Converted and compared block by block: data that float32 does not
    hold (most measured values) cost one block. NaN is never equal to itself, so
    input with NaN is returned as it is (for validation to reject).
    """
    if sp.issparse(X):
        if X.format != "csr" or X.dtype != np.float64 or X.nnz <= SMALL_INPUT:
            return X
        data = _exact_float32_values(X.data)
        if data is None:
            return X
        return sp.csr_matrix((data, X.indices, X.indptr), shape=X.shape, copy=False)
    if not isinstance(X, np.ndarray) or X.dtype != np.float64 or not X.flags.c_contiguous:
        return X
    if X.size <= SMALL_INPUT:
        return X
    out = _exact_float32_values(X.reshape(-1))
    return X if out is None else out.reshape(X.shape)


def _exact_float32_values(v):
    """The float32 copy of the 1-D float64 array ``v``, or None if it is not exact."""
    out = np.empty(v.shape, dtype=np.float32)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for i in range(0, v.size, _EXACT_BLOCK):
            blk, o = v[i : i + _EXACT_BLOCK], out[i : i + _EXACT_BLOCK]
            o[...] = blk
            if not np.array_equal(o, blk):
                return None
    return out


def csr_index(indices, indptr, n_cols):
    """The CSR index arrays as int32 when they fit, else int64 (both writable)."""
    fits = indptr.size == 0 or (int(indptr[-1]) <= _INT32_MAX and n_cols <= _INT32_MAX)
    itype = np.int32 if fits else np.int64
    out = []
    for a in (indices, indptr):
        a = a.astype(itype, copy=False) if a.dtype != itype else a
        out.append(writable(np.ascontiguousarray(a)))
    return out[0], out[1]


def float64_rows(ka, n):
    """The kernel arrays ``ka`` (see :func:`.._common.kernel_arrays`) of an input of
    ``n`` rows, with float64 values when ``n <= FLOAT64_ROWS`` (else as given).

    The conversion is exact, so the kernels compute the same products as on the
    input's own dtype (their sums are float64 either way).
    """
    is_sparse, Xd, data, indices, indptr = ka
    if n > FLOAT64_ROWS or (Xd.dtype == np.float64 and data.dtype == np.float64):
        return ka
    return (
        is_sparse,
        Xd.astype(np.float64, order="C"),
        data.astype(np.float64),
        indices,
        indptr,
    )
