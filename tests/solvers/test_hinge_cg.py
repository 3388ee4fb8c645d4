"""The second-order step on the free set of the hinge dual (projected conjugate gradient)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.svm import SVC

import sklearn_tilt._solvers._hinge_cg as cg
from sklearn_tilt._solvers import primal_objective
from sklearn_tilt._solvers._hinge_dcd import hinge_dcd_solve


def _system(m=30, d=60, seed=0, sparse=False):
    rng = np.random.RandomState(seed)
    XF = rng.randn(m, d)
    if sparse:
        XF[rng.rand(m, d) < 0.7] = 0.0
        XF = sp.csr_matrix(XF)
    yF = np.where(rng.rand(m) < 0.5, -1.0, 1.0)
    fF = rng.randn(m)
    qF = np.asarray(XF.multiply(XF).sum(axis=1)).ravel() if sparse else (XF * XF).sum(axis=1)
    return XF, yF, fF, qF


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("t", [None, 0.3])
def test_cg_solves_the_free_set_system(monkeypatch, sparse, t):
    """Full-rank free rows (m < d), no proximal weight: CG (direct solve disabled)
    satisfies the margins y_i (x_i.w + b) = 1 and the constraint, and equals the
    direct solve."""
    XF, yF, fF, qF = _system(sparse=sparse)
    monkeypatch.setattr(cg, "_PROX", 0.0)
    monkeypatch.setattr(cg, "_DIRECT_MAX", 0)
    delta, b, iters, conv = cg.free_set_step(XF, yF, fF, qF, t)
    assert conv and 0 < iters <= cg._CG_MAX
    Xd = XF.toarray() if sparse else XF
    Q = (yF[:, None] * Xd) @ (yF[:, None] * Xd).T
    r = 1.0 - yF * fF
    assert np.allclose(Q @ delta + b * yF, r, atol=1e-8 * np.abs(r).max())
    if t is not None:
        assert yF @ delta == pytest.approx(-t, abs=1e-10)
    else:
        assert b == 0.0
    monkeypatch.setattr(cg, "_DIRECT_MAX", 10**6)
    d2, b2, _, conv2 = cg.free_set_step(XF, yF, fF, qF, t)
    assert conv2 and np.allclose(delta, d2, atol=1e-7) and b == pytest.approx(b2, abs=1e-7)


def test_cg_step_descends_on_dependent_rows(monkeypatch):
    """Duplicated free rows (the quadratic is flat or unbounded along their
    differences): the step stays finite and decreases the free-set quadratic."""
    XF, yF, fF, qF = _system(m=40, d=10, seed=1)
    XF = np.vstack([XF, XF])
    yF = np.r_[yF, yF]
    fF = np.r_[fF, fF + 0.1]
    qF = np.r_[qF, qF]
    monkeypatch.setattr(cg, "_DIRECT_MAX", 0)
    delta, b, iters, _ = cg.free_set_step(XF, yF, fF, qF, 0.0)
    assert np.all(np.isfinite(delta)) and np.isfinite(b)
    r = 1.0 - yF * fF
    u = XF.T @ (yF * delta)
    assert 0.5 * u @ u - r @ delta < 0.0
    assert yF @ delta == pytest.approx(0.0, abs=1e-9)


def test_box_candidates_stay_in_the_box():
    rng = np.random.RandomState(0)
    CF = rng.rand(50) + 0.1
    aF = CF * rng.rand(50)
    delta = 3.0 * rng.randn(50)
    pts = list(cg.box_candidates(aF, CF, delta))
    assert 2 <= len(pts) <= cg._SEARCH + 1
    for p in pts:
        assert np.all(p >= 0.0) and np.all(p <= CF)


def _svc_primal(X, y, s, lam):
    n = X.shape[0]
    svc = SVC(kernel="linear", C=1.0 / (2 * n * lam), tol=1e-10, max_iter=10**8)
    svc.fit(X, y, sample_weight=s * n / s.sum())
    w = svc.coef_.ravel()
    f = X @ w
    t = y - f
    losses = (s[None, :] * np.maximum(0.0, 1.0 - y[None, :] * (f[None, :] + t[:, None]))).sum(1)
    return primal_objective(X, y, s, lam, "hinge", w, t[np.argmin(losses)])


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300, n_features=20, n_informative=8, flip_y=0.05, random_state=3
    )
    return X, np.where(y == 1, 1.0, -1.0)


def _kinds(X):
    csr64 = sp.csr_matrix(X)
    csr64.indices = csr64.indices.astype(np.int64)
    csr64.indptr = csr64.indptr.astype(np.int64)
    return {"dense": X, "float32": X.astype(np.float32), "csr": sp.csr_matrix(X), "csr64": csr64}


@pytest.mark.parametrize("kind", ["dense", "float32", "csr", "csr64"])
@pytest.mark.parametrize("lam", [1e-9, 1e-2, 1e-1, 1e2, 1e12])
@pytest.mark.parametrize("weighted", [False, True])
def test_dcd_with_cg_steps_is_certified(monkeypatch, data, kind, lam, weighted):
    """Every free-set step through CG (direct solve disabled): the certificate is a
    true bound (its lower bound below SVC's objective where SVC is exact) and the
    reported primal is the objective at the returned point."""
    monkeypatch.setattr(cg, "_DIRECT_MAX", 0)
    X, y = data
    s = (
        np.random.RandomState(1).randint(0, 3, y.shape[0]).astype(float)
        if weighted
        else np.ones(y.shape[0])
    )
    Xk = _kinds(X)[kind]
    r = hinge_dcd_solve(Xk, y, s, lam, tol=1e-7, max_iter=10**5)
    P = primal_objective(Xk, y, s, lam, "hinge", r.coef, r.intercept)
    assert P == pytest.approx(r.primal, rel=1e-9)
    assert 0.0 < r.gap
    assert r.converged == (r.gap <= 1e-7)
    if 1e-2 <= lam <= 1e2:
        # SVC is exact and quick here (C = 1/(2 n lam) not too large)
        P_svc = _svc_primal(X, y, s, lam)
        assert r.primal * (1.0 - r.gap) <= P_svc * (1.0 + 1e-12)
        assert r.converged
