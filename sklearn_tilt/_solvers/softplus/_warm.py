"""Every compiled kernel of the softplus solver, for each type it stores ``X`` in.

:func:`compile_kernels` calls each kernel once on each kind of input the solver's
storage rule (:data:`._problem.STORED_VALUES`) can produce, so that numba compiles the
specialisations (or loads them from its cache) ahead of a first fit, whichever
preconditioner that fit will choose.
"""

import numpy as np
import scipy.sparse as sp

from .. import _canonical
from . import _passes, _precond
from ._problem import STORED_VALUES, Problem


def _stored_as(dtype, sparse, rng):
    """Data just above the small-input size (:data:`.._canonical.SMALL_INPUT`) that the
    solver stores with values of type ``dtype``."""
    n, d = _canonical.SMALL_INPUT // 32 + 8, 32
    X = rng.rand(n, d)
    if dtype == np.uint8:
        X = np.round(X * 200.0)  # integer values in [0, 255]: stored as uint8
    X = X.astype(dtype if dtype != np.uint8 else np.float64)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return (sp.csr_matrix(X) if sparse else X), y


def compile_kernels(values=STORED_VALUES):
    """Compile (or load) every kernel of :mod:`._passes` for dense and CSR input stored
    with each value type of ``values``; returns the list of ``(layout, dtype)`` done."""
    rng = np.random.RandomState(0)
    done = []
    for dtype in values:
        for sparse in (False, True):
            X, y = _stored_as(np.dtype(dtype).type, sparse, rng)
            prob = Problem(X, y, None, True)
            if prob.X.dtype != np.dtype(dtype):
                raise RuntimeError(f"stored as {prob.X.dtype}, not {np.dtype(dtype)}")
            n, d = prob.n, prob.d
            w, z, a, cD = np.zeros(d), np.zeros(n), np.zeros(n), np.full(n, 0.25 / n)
            prob.ops.dots(w, 0.0, z)
            prob.ops.dots(w, 0.0, z, np.arange(2))
            prob.ops.tdot(a, w)
            prob.ops.tdot(a, w, np.arange(2))
            prob.ops.grad_diag(a, cD, np.empty((d, 3)))
            _precond.factor(prob, z, 1.0)
            done.append(("csr" if sparse else "dense", np.dtype(dtype).name))
    y, c = np.array([1.0, -1.0]), np.array([0.5, 0.5])
    z, a, cD = np.zeros(2), np.zeros(2), np.zeros(2)
    _passes.polish_intercept(y, c, z, 0.0)
    _passes.sample_parts(y, c, z, 0.0, a, cD)
    _passes.line_values(y, c, z, z, 1.0, 1.0, 0.0, 0.0)
    return done
