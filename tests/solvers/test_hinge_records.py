"""The hinge subpackage: one problem record, named kernel records, statistics in the
result, no import circle; every method checked against SVC and its certificate."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import SVC

from sklearn_tilt._solvers import SolverResult, hinge, primal_objective, solve_binary, solve_path
from sklearn_tilt._solvers._problem import Problem, check_lams, make_problem
from sklearn_tilt._solvers.hinge import _api
from sklearn_tilt._solvers.hinge._records import Stats

TOL = 1e-8


def _data(variant, n=60, d=4, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=n) > 0, 1.0, -1.0)
    s = np.ones(n)
    if variant == "weighted":
        s = rng.uniform(0.0, 3.0, size=n)
        s[:5] = 0.0
    if variant == "separable":
        y = np.where(X[:, 0] > 0, 1.0, -1.0)
        X = X + 0.5 * y[:, None] * np.eye(d)[0]
    if variant == "csr":
        X[rng.random(size=X.shape) < 0.4] = 0.0
    return X, y, s


def _stored(X, variant, dtype):
    Xs = X.astype(dtype)
    return sp.csr_matrix(Xs) if variant == "csr" else Xs


def _svc_objective(X, y, s, lam):
    C = 1.0 / (2.0 * lam * s.sum())
    svc = SVC(kernel="linear", C=C, tol=1e-10).fit(X, y, sample_weight=s)
    return primal_objective(X, y, s, lam, "hinge", svc.coef_.ravel(), svc.intercept_[0])


def _check_certified(r, X, y, s, lam, tol=TOL):
    """The result is certified, its reported primal is its objective, and the
    certificate bounds its distance to the optimum of SVC where SVC is cheap."""
    assert r.converged and 0.0 < r.gap <= tol
    P = primal_objective(X, y, s, lam, "hinge", r.coef, r.intercept)
    assert abs(P - r.primal) <= 1e-9 * max(P, 1e-300) + 1e-300
    if 1.0 / (2.0 * lam * s.sum()) <= 1e3:
        P_svc = _svc_objective(X, y, s, lam)
        # ours within gap of the optimum, and SVC no better than the optimum
        assert P <= P_svc * (1.0 + 1e-7) + 1e-15
        assert P * (1.0 - r.gap) <= P_svc * (1.0 + 1e-12)
    return P


@pytest.mark.parametrize("method", ["active_set", "interior_point", "dcd"])
@pytest.mark.parametrize("variant", ["dense", "csr", "weighted", "separable"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_method_certified_against_svc(method, variant, dtype):
    X, y, s = _data(variant)
    Xf = _stored(X, variant, dtype)
    Xref = np.asarray(Xf.toarray() if sp.issparse(Xf) else Xf, dtype=np.float64)
    lams = [1e-9, 1e-6, 1e-3, 1e-1, 1e1, 1e4, 1e12]
    if method == "dcd":
        lams = [lam for lam in lams if lam >= 1e-3]  # coordinate descent is slow at large C
    for lam in lams:
        r = solve_binary(Xf, y, s, lam, "hinge", tol=TOL, max_iter=10**5, method=method)
        _check_certified(r, Xref, y, s, lam)


@pytest.mark.parametrize("variant", ["dense", "csr", "weighted", "separable"])
def test_path_equals_single_fits(variant):
    """Each lam of a warm-started path is certified and has the objective of the
    single fit at that lam (both within their gaps of the optimum)."""
    X, y, s = _data(variant)
    Xf = _stored(X, variant, np.float64)
    lams = np.logspace(4, -6, 11)
    path = solve_path(Xf, y, s, lams, "hinge", tol=TOL, max_iter=10**5, method="active_set")
    for lam, r in zip(lams, path):
        P = _check_certified(r, X, y, s, lam)
        r1 = hinge.solve(Xf, y, s, lam, tol=TOL, max_iter=10**5)
        P1 = primal_objective(X, y, s, lam, "hinge", r1.coef, r1.intercept)
        assert abs(P - P1) <= (r.gap + r1.gap) * max(P, P1)


def test_statistics_in_the_result():
    """The counters come back in the result, one set per fit (no module global)."""
    X, y, s = _data("dense")
    r = hinge.solve(X, y, s, 1e-2, tol=TOL, max_iter=10**5)
    assert isinstance(r, SolverResult)
    assert set(r.stats) == set(Stats._fields)
    assert r.stats["subproblems"] == r.n_iter > 0
    assert r.stats["passes"] >= 1
    path = hinge.path(X, y, s, [1e2, 1e-2, 1e-4], tol=TOL, max_iter=10**5)
    for q in path:
        assert q.stats["subproblems"] == q.n_iter
    assert not hasattr(_api, "_LAST_STATS")
    r_ipm = hinge.ipm_solve(X, y, s, 1e-2, tol=TOL, max_iter=100)
    assert r_ipm.converged and r_ipm.stats is None


def test_problem_record():
    X, y, s = _data("weighted")
    problem, lam = make_problem(X.astype(np.int64), y, s, 2, tol=1e-6, max_iter=7.0)
    assert isinstance(problem, Problem) and lam == 2.0
    assert problem.X.dtype == np.float64 and problem.max_iter == 7
    assert np.array_equal(problem.act, np.flatnonzero(s > 0))
    assert problem.S == pytest.approx(s.sum(), rel=1e-15)
    assert (problem.n, problem.d) == X.shape
    assert problem.ka[0] is False and problem.ka[1].shape == X.shape
    with pytest.raises(ValueError, match="lam"):
        check_lams([1.0, np.nan])
    with pytest.raises(ValueError, match="classes"):
        make_problem(X, np.ones_like(y), s, 1.0, tol=1e-6, max_iter=10)


def test_no_import_circle():
    """The coordinate-descent and active-set modules import in either order, and
    the hinge package exposes both."""
    for first, second in (("_dcd", "_api"), ("_api", "_dcd")):
        code = (
            f"import sklearn_tilt._solvers.hinge.{first} as a\n"
            f"import sklearn_tilt._solvers.hinge.{second} as b\n"
            "from sklearn_tilt._solvers import hinge\n"
            "from sklearn_tilt._solvers.hinge import _api, _dcd\n"
            "assert hinge.dcd_solve is _dcd.dcd_solve and _api.dcd_solve is _dcd.dcd_solve\n"
            "assert hinge.active_set_fits is _api.active_set_fits\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError):
        hinge.no_such_name  # noqa: B018
