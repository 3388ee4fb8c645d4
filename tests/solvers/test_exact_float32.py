"""Float64 data that float32 holds exactly goes to coordinate descent as float32."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import (
    _canonical,
    hinge_method,
    primal_objective,
    solve_binary,
    solver_input,
)
from sklearn_tilt._solvers._canonical import exact_float32


def _pixels(n, d, seed=0):
    """Integer-valued float64 data (as pixels are) with a noisy linear target."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, d)).astype(np.float64)
    X[rng.random((n, d)) < 0.4] = 0.0
    y = np.where(X[:, 0] - X[:, 1] + 60 * rng.normal(size=n) > 0, 1.0, -1.0)
    return X, y


@pytest.fixture
def no_small_input(monkeypatch):
    """Every input counts as large (small ones stay float64: kernel_arrays)."""
    monkeypatch.setattr(_canonical, "SMALL_INPUT", 0)


def test_small_inputs_stay_as_given():
    X, _ = _pixels(300, 7)
    assert X.size <= _canonical.SMALL_INPUT
    assert exact_float32(X) is X and exact_float32(sp.csr_matrix(X)).dtype == np.float64


def test_exact_values_become_float32(no_small_input):
    X, _ = _pixels(300, 7)
    X[0, 0] = -0.0
    X[1, 1] = 2.0**-149  # the smallest float32 subnormal
    X[2, 2] = np.finfo(np.float32).max
    out = exact_float32(X)
    assert out.dtype == np.float32 and out.shape == X.shape and out.flags.c_contiguous
    np.testing.assert_array_equal(out.astype(np.float64), X)


def test_inexact_values_are_kept(monkeypatch, no_small_input):
    # several blocks, the first inexact value in the last one
    monkeypatch.setattr(_canonical, "_EXACT_BLOCK", 64)
    X, _ = _pixels(100, 5)
    X[-1, -1] = 0.1
    assert exact_float32(X) is X
    for bad in (1e300, 1e-300, np.nan, 1.0 + 2.0**-30):
        Z = X.copy()
        Z[-1, -1] = bad
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow or underflow warning
            assert exact_float32(Z) is Z


def test_other_inputs_pass_through(no_small_input):
    X, _ = _pixels(50, 4)
    for other in (
        X.astype(np.float32),
        X.astype(np.int64),
        np.asfortranarray(X),
        sp.coo_matrix(X),
        sp.csr_matrix(X.astype(np.float32)),
        X.tolist(),
    ):
        assert exact_float32(other) is other


def test_csr_shares_its_index_arrays(no_small_input):
    X, _ = _pixels(200, 9)
    A = sp.csr_matrix(X)
    out = exact_float32(A)
    assert sp.issparse(out) and out.format == "csr" and out.dtype == np.float32
    assert np.shares_memory(out.indices, A.indices) and np.shares_memory(out.indptr, A.indptr)
    np.testing.assert_array_equal(out.toarray(), X)
    A.data[3] = np.pi
    assert exact_float32(A) is A


def test_solver_input_only_for_coordinate_descent(no_small_input):
    X, _ = _pixels(300, 6)
    assert hinge_method(X) != "dcd"
    assert solver_input(X, "hinge") is X
    assert solver_input(X, "softplus", "dcd") is X
    out = solver_input(X, "hinge", "dcd")
    assert out.dtype == np.float32
    assert solver_input(out, "hinge", "dcd") is out  # idempotent


def test_dcd_on_float64_pixels_is_the_float32_solve(monkeypatch):
    # exact float64 data read as float32 (from the second pass on): the same numbers,
    # the same certified optimum as the float32 input and as float64 read as it is
    from sklearn_tilt._solvers.hinge import _dcd_workspace

    X, y = _pixels(6000, 12, seed=1)
    assert X.size > _canonical.SMALL_INPUT
    s = np.ones(X.shape[0])
    kw = dict(tol=1e-8, max_iter=2000, method="dcd")
    monkeypatch.setattr(_dcd_workspace, "_NARROW_PASSES", 2)
    r64 = solve_binary(X, y, s, 1e-3, "hinge", **kw)
    r32 = solve_binary(X.astype(np.float32), y, s, 1e-3, "hinge", **kw)
    monkeypatch.setattr(_dcd_workspace, "_NARROW_PASSES", 10**9)
    ref = solve_binary(X, y, s, 1e-3, "hinge", **kw)
    for r in (r64, r32, ref):
        assert r.converged and r.gap <= 1e-8
        np.testing.assert_allclose(r.primal, ref.primal, rtol=3e-8)
    # the certified primal is the objective of the returned point, on the float64 data
    P = primal_objective(X, y, s, 1e-3, "hinge", r64.coef, r64.intercept)
    np.testing.assert_allclose(r64.primal, P, rtol=1e-12)
    # not exact: solved in float64, to the same problem's optimum
    Xn = X + 0.25 * (X > 0) + 1e-9
    rn = solve_binary(Xn, y, s, 1e-3, "hinge", **kw)
    assert rn.converged and rn.gap <= 1e-8


def test_inf_in_float64_input_is_still_rejected():
    X, y = _pixels(3000, 4)
    X[5, 2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        solve_binary(X, y, np.ones(len(y)), 1.0, "hinge", tol=1e-6, max_iter=10, method="dcd")


def test_multiclass_fit_converts_once(monkeypatch):
    X, _ = _pixels(12_000, 6, seed=2)
    y = np.digitize(X[:, 0] - X[:, 1] + X[:, 2], [-60, 60])  # three classes
    assert hinge_method(X) == "dcd"
    calls = []
    real = _canonical._exact_float32_values

    def counted(v):
        calls.append(v.dtype)
        return real(v)

    monkeypatch.setattr(_canonical, "_exact_float32_values", counted)
    m = ScaledLossLinearClassifier(lam=1e-2, tol=1e-7).fit(X, y)
    assert calls == [np.float64]  # once for the three boundaries
    assert m.coef_.dtype == np.float64 and m.coef_.shape == (3, 6)
    assert np.all(m.dual_gap_ <= 1e-7)


@pytest.mark.parametrize("exact", [True, False])
def test_long_single_fit_narrows_after_its_passes(monkeypatch, exact):
    # a single problem converts once its passes exceed _NARROW_PASSES, not before
    from sklearn_tilt._solvers._problem import make_problem
    from sklearn_tilt._solvers.hinge import _dcd, _dcd_workspace

    X, y = _pixels(6000, 12, seed=3)
    assert X.size > _canonical.SMALL_INPUT
    if not exact:
        X = X + 0.1
    s = np.ones(X.shape[0])
    problem, lam = make_problem(X, y, s, 1e-3, tol=1e-8, max_iter=2000)
    monkeypatch.setattr(_dcd_workspace, "_NARROW_PASSES", 10**9)
    ws = _dcd_workspace.Workspace(problem)
    ref = _dcd._solve(ws, lam, None, None, None)
    assert ref.converged and ref.n_iter > 4 and ws.passes == ref.n_iter
    assert not ws.narrowed and ws.ka[1].dtype == np.float64
    monkeypatch.setattr(_dcd_workspace, "_NARROW_PASSES", 2)
    ws = _dcd_workspace.Workspace(problem)
    r = _dcd._solve(ws, lam, None, None, None)
    assert ws.narrowed and r.converged and r.gap <= 1e-8
    assert ws.ka[1].dtype == (np.float32 if exact else np.float64)
    assert ws.problem.X.dtype == ws.ka[1].dtype
    np.testing.assert_allclose(r.primal, ref.primal, rtol=1e-7)
