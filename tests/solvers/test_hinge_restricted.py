"""The second-order finish of the hinge coordinate descent (``_restricted``)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from sklearn_tilt._solvers import solve_binary
from sklearn_tilt._solvers._problem import make_problem
from sklearn_tilt._solvers.hinge import _restricted
from sklearn_tilt._solvers.hinge import dcd_solve as hinge_dcd_solve
from sklearn_tilt._solvers.hinge._dcd_workspace import Workspace

TOL = 1e-9


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=400, n_features=12, n_informative=6, flip_y=0.1, random_state=3
    )
    return X * 30.0, np.where(y == 1, 1.0, -1.0)


def _reference(X, y, s, lam, fit_intercept=True):
    return solve_binary(
        X,
        y,
        s,
        lam,
        "hinge",
        tol=TOL,
        max_iter=200,
        method="interior_point",
        fit_intercept=fit_intercept,
    )


def _start(ws, X, y, s, lam, passes, fit_intercept=True):
    """A rough point of coordinate descent, and the workspace's scores of it."""
    r = hinge_dcd_solve(X, y, s, lam, tol=1e-2, max_iter=passes, fit_intercept=fit_intercept)
    alpha = r.dual.copy()
    ws.estimate(alpha, ws.w_of(alpha), lam, r.intercept)
    return alpha


@pytest.mark.parametrize("kind", ["dense", "float32", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_finish_certifies_from_a_rough_point(data, kind, fit_intercept):
    X, y = data
    Xk = {"dense": X, "float32": X.astype(np.float32), "csr": sp.csr_matrix(X)}[kind]
    s = np.ones(y.shape[0])
    s[::7] = 2.5
    lam = 1e-3
    problem = make_problem(Xk, y, s, 1.0, tol=TOL, max_iter=10, fit_intercept=fit_intercept)[0]
    ws = Workspace(problem)
    alpha = _start(ws, Xk, y, s, lam, 3, fit_intercept)
    out = _restricted.restricted_finish(ws, alpha, lam, TOL)
    assert out is not None
    a, (coef, b, P, gap, t) = out
    ref = _reference(Xk, y, s, lam, fit_intercept)
    assert gap <= TOL
    assert abs(P - ref.primal) <= 2 * TOL * ref.primal
    assert np.all((a >= 0) & (a <= ws.bounds(lam)))
    if not fit_intercept:
        assert b == 0.0


def test_wrong_sides_join_and_the_bound_holds(data, monkeypatch):
    """From a poor partition (the scores of another lam) the samples on the wrong
    side of their margins join the restricted problem round by round; whatever it
    reaches, the reported gap bounds the true suboptimality."""
    X, y = data
    s = np.ones(y.shape[0])
    lam = 1e-3
    ref = _reference(X, y, s, lam)
    for rounds in (1, 2, 6):
        monkeypatch.setattr(_restricted, "_ROUNDS", rounds)
        monkeypatch.setattr(_restricted, "_BAND", 1e-3)
        ws = Workspace(make_problem(X, y, s, 1.0, tol=TOL, max_iter=10)[0])
        alpha = _start(ws, X, y, s, 1.0, 2)  # a point of lam = 1
        alpha *= 1.0 / lam
        ws.estimate(alpha, ws.w_of(alpha), lam, 0.0)
        out = _restricted.restricted_finish(ws, alpha, lam, TOL)
        assert out is not None
        _, (_, _, P, gap, _) = out
        assert P * (1.0 - gap) <= ref.primal * (1.0 + 1e-12)
        assert P >= ref.primal * (1.0 - 1e-12)
        if rounds == 1:
            gap1 = gap
    assert ws.stats["finish_rounds"] > 1
    assert gap <= min(gap1, 1e-6)


def test_finish_declines_when_the_free_set_is_too_large(data, monkeypatch):
    X, y = data
    s = np.ones(y.shape[0])
    ws = Workspace(make_problem(X, y, s, 1.0, tol=TOL, max_iter=10)[0])
    alpha = _start(ws, X, y, s, 1e-3, 3)
    k = X.shape[1] + 1
    free = np.count_nonzero((alpha > 0) & (alpha < ws.bounds(1e-3)))
    monkeypatch.setattr(_restricted, "MAX_WORK", (free - 1) * k * k)
    assert _restricted.restricted_finish(ws, alpha, 1e-3, TOL) is None


def test_finish_declines_when_no_sample_is_near(data, monkeypatch):
    """No free sample and none within the band of its margin: nothing to solve, no
    warning."""
    import warnings

    X, y = data
    s = np.ones(y.shape[0])
    ws = Workspace(make_problem(X, y, s, 1.0, tol=TOL, max_iter=10)[0])
    lam = 1e6
    alpha = ws.bounds(lam).copy()  # every sample at C
    ws.estimate(alpha, ws.w_of(alpha), lam, 0.0)
    monkeypatch.setattr(_restricted, "_BAND", -1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _restricted.restricted_finish(ws, alpha, lam, TOL) is None


def test_finish_due():
    """Tried on a slow tail: after _PASSES passes, at an estimated gap of at most _GAP,
    when the rate of the estimates over the second half of the passes leaves at least
    _TAIL times the passes so far to reach tol, or no progress; again only after twice
    as many passes."""
    due = _restricted.finish_due
    P = _restricted._PASSES
    # from 2e-3 to 1e-3 over the second half: about 10 times P more to reach 1e-6
    slow = [(P // 4, 5e-3), (P // 2, 2e-3), (P - 5, 1.1e-3), (P, 1e-3)]
    # a factor 1000 over the second half: about P / 6 more
    fast = [(P // 2, 1e-3), (P - 5, 1e-5), (P, 1e-6)]
    assert due(10, slow, 1e-6, None)
    assert not due(10, fast, 1e-7, None)
    # the last two estimates alone would say "slow": the window decides
    assert not due(10, [(P // 2, 1e-3), (P - 5, 1.1e-6), (P, 1e-6)], 1e-7, None)
    assert due(10, [(P // 2, 1e-3), (P, 1e-3)], 1e-7, None)  # no progress
    assert not due(10, [(P // 2, 1e-3), (P, 1e-8)], 1e-7, None)  # at tol
    assert not due(10, [(P - 30, 2e-3), (P - 1, 1e-3)], 1e-6, None)  # too early
    assert not due(10, [(P - 30, 2e-3), (P, 1e-3)], 1e-6, None)  # nothing at half
    assert not due(10, [(P // 2, 1.0), (P, 10 * _restricted._GAP)], 1e-6, None)
    assert not due(_restricted.MAX_FEATURES + 1, slow, 1e-6, None)
    assert not due(10, slow, 1e-6, P // 2 + 1)
    assert due(10, slow, 1e-6, P // 2)


@pytest.mark.parametrize("lam", [1e-4, 1e-2])
def test_dcd_with_the_finish_agrees_with_the_interior_point(lam, monkeypatch):
    """The finish inside the coordinate descent (tried from the first estimate
    here): certified, the same objective as the interior-point method, and the
    reported primal is the objective at the returned point."""
    from sklearn_tilt._solvers import primal_objective

    monkeypatch.setattr(_restricted, "_PASSES", 1)
    monkeypatch.setattr(_restricted, "_GAP", np.inf)
    monkeypatch.setattr(_restricted, "_TAIL", 0.0)
    X, y = make_classification(n_samples=3000, n_features=30, flip_y=0.05, random_state=1)
    y = np.where(y == 1, 1.0, -1.0)
    s = np.ones(3000)
    r = hinge_dcd_solve(X, y, s, lam, tol=1e-8, max_iter=1000)
    assert r.stats["finishes"] >= 1 and r.converged and r.gap <= 1e-8
    ref = _reference(X, y, s, lam)
    assert abs(r.primal - ref.primal) <= 2e-8 * ref.primal
    P = primal_objective(X, y, s, lam, "hinge", r.coef, r.intercept)
    assert P == pytest.approx(r.primal, rel=1e-9)
