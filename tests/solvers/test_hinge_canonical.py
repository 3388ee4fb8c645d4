"""The active-set hinge kernels see one value type: float64 below FLOAT64_ROWS rows."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_tilt._solvers import kernel_arrays
from sklearn_tilt._solvers._canonical import FLOAT64_ROWS, SMALL_INPUT, float64_rows
from sklearn_tilt._solvers.hinge import path as hinge_path
from sklearn_tilt._solvers.hinge import solve as hinge_solve


def _data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=n) > 0, 1.0, -1.0)
    return X.astype(np.float32), y


@pytest.mark.parametrize("sparse", [False, True])
def test_float64_rows_converts_small_inputs(sparse):
    # above SMALL_INPUT values, so that kernel_arrays keeps float32
    n, d = 1100, SMALL_INPUT // 1000
    X, _ = _data(n, d)
    X = sp.csr_matrix(X) if sparse else X
    ka = kernel_arrays(X)
    assert ka[1].dtype == np.float32 and ka[2].dtype == np.float32
    out = float64_rows(ka, n)
    assert out[0] is ka[0] and out[3] is ka[3] and out[4] is ka[4]
    assert out[1].dtype == np.float64 and out[2].dtype == np.float64
    assert out[1].flags.c_contiguous
    np.testing.assert_array_equal(out[1], ka[1])
    np.testing.assert_array_equal(out[2], ka[2])
    # float64 input and inputs above FLOAT64_ROWS rows pass through as they are
    ka64 = kernel_arrays(X.astype(np.float64))
    assert float64_rows(ka64, n) is ka64
    assert float64_rows(ka, FLOAT64_ROWS + 1) is ka


def test_float32_input_same_active_set_results():
    # the conversion is exact: float32 input gives the results of its float64 values
    X, y = _data(1100, SMALL_INPUT // 1000, seed=1)
    s = np.ones(X.shape[0])
    lams = [10.0, 1.0, 0.1, 0.01]
    p32 = hinge_path(X, y, s, lams, tol=1e-8, max_iter=10_000)
    p64 = hinge_path(X.astype(np.float64), y, s, lams, tol=1e-8, max_iter=10_000)
    for a, b in zip(p32, p64):
        assert a.converged and a.gap <= 1e-8
        np.testing.assert_array_equal(a.coef, b.coef)
        assert a.intercept == b.intercept and a.gap == b.gap
    r32 = hinge_solve(X, y, s, 0.1, tol=1e-8, max_iter=10_000)
    r64 = hinge_solve(X.astype(np.float64), y, s, 0.1, tol=1e-8, max_iter=10_000)
    np.testing.assert_array_equal(r32.coef, r64.coef)
    assert r32.intercept == r64.intercept and r32.gap == r64.gap
