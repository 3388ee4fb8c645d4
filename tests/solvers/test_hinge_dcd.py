"""The O(nnz) hinge method (dual coordinate descent) and the method switch."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.svm import SVC

from sklearn_tilt._solvers import hinge_method, primal_objective, solve_binary, solve_path
from sklearn_tilt._solvers._interpret import jit_mode
from sklearn_tilt._solvers.hinge import dcd_path as hinge_dcd_path
from sklearn_tilt._solvers.hinge import dcd_solve as hinge_dcd_solve

TOL = 1e-9


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=240, n_features=15, n_informative=8, flip_y=0.05, random_state=0
    )
    return X * 10.0, np.where(y == 1, 1.0, -1.0)


def _separable(near):
    rng = np.random.RandomState(0)
    y = np.repeat([-1.0, 1.0], 60)
    X = rng.rand(120, 12)
    X[y > 0, :6] += 3.0
    X *= 255.0 / X.max()
    if near:
        y = y.copy()
        y[[3, 70, 90]] *= -1  # three labels on the wrong side
    return X, y


def _variants(X):
    """Dense float64, dense float32, CSR int32 and CSR int64 indices."""
    csr = sp.csr_matrix(X)
    csr64 = csr.copy()
    csr64.indices = csr64.indices.astype(np.int64)
    csr64.indptr = csr64.indptr.astype(np.int64)
    return {
        "dense": X,
        "float32": X.astype(np.float32),
        "csr": csr,
        "csr64": csr64,
        "csr32": sp.csr_matrix(X.astype(np.float32)),
    }


def _problem(X, y, s):
    from sklearn_tilt._solvers._problem import make_problem

    return make_problem(X, y, s, 1.0, tol=TOL, max_iter=10)[0]


def _agree(r1, r2):
    """Both certified: their objectives differ by at most the sum of the gaps."""
    slack = r1.gap * abs(r1.primal) + r2.gap * abs(r2.primal) + 1e-12 * abs(r1.primal)
    return abs(r1.primal - r2.primal) <= slack


@pytest.mark.parametrize("lam", [1e-3, 1e-1, 10.0])
@pytest.mark.parametrize("kind", ["dense", "float32", "csr", "csr64", "csr32"])
def test_methods_give_the_same_solution(data, lam, kind):
    X, y = data
    Xk = _variants(X)[kind]
    s = np.ones(y.shape[0])
    r_dcd = solve_binary(Xk, y, s, lam, "hinge", tol=TOL, max_iter=10**6, method="dcd")
    r_as = solve_binary(Xk, y, s, lam, "hinge", tol=TOL, max_iter=10**4, method="active_set")
    assert r_dcd.converged and r_dcd.gap <= TOL
    assert r_as.converged
    assert _agree(r_dcd, r_as)
    # the reported primal is the objective at the returned point
    P = primal_objective(Xk, y, s, lam, "hinge", r_dcd.coef, r_dcd.intercept)
    assert P == pytest.approx(r_dcd.primal, rel=1e-9)
    assert r_dcd.coef.dtype == np.float64 and r_dcd.coef.shape == (X.shape[1],)
    assert np.linalg.norm(r_dcd.coef - r_as.coef) <= 1e-3 * np.linalg.norm(r_as.coef) + 1e-12


def _svc_primal(X, y, lam):
    n = X.shape[0]
    svc = SVC(kernel="linear", C=1.0 / (2 * n * lam), tol=1e-10, max_iter=10**8).fit(X, y)
    w = svc.coef_.ravel()
    f = X @ w
    # SVC's w at its best intercept (try every breakpoint)
    t = y - f
    losses = np.maximum(0.0, 1.0 - y[None, :] * (f[None, :] + t[:, None])).sum(axis=1)
    b = t[np.argmin(losses)]
    return primal_objective(X, y, np.ones(n), lam, "hinge", w, b)


@pytest.mark.parametrize("near", [False, True])
@pytest.mark.parametrize("lam", [1e-9, 1e-7, 1e-5, 1e-3, 1e-2])
def test_certificate_bounds_true_suboptimality(near, lam):
    X, y = _separable(near)
    s = np.ones(y.shape[0])
    r = hinge_dcd_solve(X, y, s, lam, tol=1e-7, max_iter=20000)
    P_svc = _svc_primal(X, y, lam)
    P = primal_objective(X, y, s, lam, "hinge", r.coef, r.intercept)
    assert P == pytest.approx(r.primal, rel=1e-9)
    # the certificate's lower bound P (1 - gap) is below every feasible value
    assert r.primal * (1.0 - r.gap) <= P_svc * (1.0 + 1e-12)
    if r.converged:
        assert r.gap <= 1e-7
    else:
        # an uncertified result says so with a gap that is not below tol
        assert r.gap > 1e-7
    if not near or lam >= 1e-7:
        assert r.converged


def test_large_lam_closed_form(data):
    X, y = data
    # balanced classes: every a_i = C_i is feasible
    keep = np.r_[np.flatnonzero(y > 0)[:100], np.flatnonzero(y < 0)[:100]]
    X, y = X[keep], y[keep]
    s = np.ones(y.shape[0])
    r = hinge_dcd_solve(X, y, s, 1e12, tol=1e-7, max_iter=100)
    assert r.converged
    z = X[y > 0].mean(axis=0) - X[y < 0].mean(axis=0)
    cos = r.coef @ z / (np.linalg.norm(r.coef) * np.linalg.norm(z))
    assert cos == pytest.approx(1.0, abs=1e-10)
    C = 1.0 / (2 * y.shape[0] * 1e12)
    # every sample inside the margin: every dual on its upper bound
    assert np.allclose(r.dual, C, rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", ["dense", "csr64"])
def test_path_equals_single_fits(data, kind):
    X, y = data
    Xk = _variants(X)[kind]
    s = np.ones(y.shape[0])
    lams = [1e-2, 1e2, 1.0, 1e-1, 10.0]
    path = hinge_dcd_path(Xk, y, s, lams, tol=TOL, max_iter=10**6)
    for lam, rp in zip(lams, path):
        r = hinge_dcd_solve(Xk, y, s, lam, tol=TOL, max_iter=10**6)
        assert rp.converged and r.converged
        assert _agree(rp, r)
    via_dispatch = solve_path(Xk, y, s, lams, "hinge", tol=TOL, max_iter=10**6, method="dcd")
    assert [r.primal for r in via_dispatch] == pytest.approx([r.primal for r in path], rel=1e-7)


def test_weights_no_intercept_and_warm_starts(data):
    X, y = data
    n = y.shape[0]
    s = np.random.RandomState(1).randint(0, 4, size=n).astype(float)
    for fi in (True, False):
        r1 = hinge_dcd_solve(X, y, s, 0.05, tol=TOL, max_iter=10**6, fit_intercept=fi)
        r2 = solve_binary(
            X, y, s, 0.05, "hinge", tol=TOL, max_iter=10**4, fit_intercept=fi, method="active_set"
        )
        assert r1.converged and _agree(r1, r2)
        if not fi:
            assert r1.intercept == 0.0
        # warm starts from the solution finish at once
        r3 = hinge_dcd_solve(
            X, y, s, 0.05, tol=TOL, max_iter=10**6, fit_intercept=fi, dual_init=r1.dual
        )
        r4 = hinge_dcd_solve(
            X,
            y,
            s,
            0.05,
            tol=TOL,
            max_iter=10**6,
            fit_intercept=fi,
            coef_init=r1.coef,
            intercept_init=r1.intercept,
        )
        assert r3.converged and r4.converged and _agree(r1, r3) and _agree(r1, r4)
        assert r3.n_iter < r1.n_iter


def test_max_iter_reports_not_converged(data):
    X, y = data
    r = hinge_dcd_solve(X, y, np.ones(y.shape[0]), 1e-4, tol=1e-12, max_iter=3)
    assert not r.converged
    assert r.gap > 1e-12
    P = primal_objective(X, y, np.ones(y.shape[0]), 1e-4, "hinge", r.coef, r.intercept)
    assert P == pytest.approx(r.primal, rel=1e-9)


def test_bad_input_raises_before_numba(data):
    X, y = data
    s = np.ones(y.shape[0])
    Xnan = X.copy()
    Xnan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        hinge_dcd_solve(Xnan, y, s, 1.0, tol=1e-7, max_iter=10)
    with pytest.raises(ValueError, match="NaN"):
        hinge_dcd_solve(sp.csr_matrix(Xnan), y, s, 1.0, tol=1e-7, max_iter=10)
    with pytest.raises(ValueError, match="y has shape"):
        hinge_dcd_solve(X, y[:-1], s, 1.0, tol=1e-7, max_iter=10)
    with pytest.raises(ValueError, match="both classes"):
        hinge_dcd_solve(X, np.ones_like(y), s, 1.0, tol=1e-7, max_iter=10)
    with pytest.raises(ValueError, match="lam"):
        hinge_dcd_solve(X, y, s, 0.0, tol=1e-7, max_iter=10)
    with pytest.raises(ValueError, match="lam"):
        hinge_dcd_path(X, y, s, [1.0, np.inf], tol=1e-7, max_iter=10)
    with pytest.raises(ValueError, match="dual_init"):
        hinge_dcd_solve(X, y, s, 1.0, tol=1e-7, max_iter=10, dual_init=np.ones(3))
    with pytest.raises(ValueError, match="coef_init"):
        hinge_dcd_solve(X, y, s, 1.0, tol=1e-7, max_iter=10, coef_init=np.ones(3))
    with pytest.raises(ValueError, match="method"):
        solve_binary(X, y, s, 1.0, "hinge", tol=1e-7, max_iter=10, method="smo")
    with pytest.raises(ValueError, match="method"):
        solve_path(X, y, s, [1.0], "softplus", tol=1e-7, max_iter=10, method="fast")


def test_auto_method_choice():
    dense_small = np.zeros((100, 5))
    # single fits of few samples and features: the interior-point method;
    # paths keep the warm-started active-set method
    assert hinge_method(dense_small) == "interior_point"
    assert hinge_method(sp.csr_matrix(dense_small)) == "interior_point"
    assert hinge_method(dense_small, lams=[1.0, 0.1]) == "active_set"
    assert hinge_method(np.zeros((1000, 784))) == "active_set"
    assert hinge_method(sp.csr_matrix((50_000, 100_000))) == "dcd"
    assert hinge_method(sp.csr_matrix((5000, 100_000))) == "dcd"
    assert hinge_method(np.zeros((20_000, 5))) == "dcd"
    assert hinge_method(np.zeros((3000, 100_000))) == "dcd"
    assert hinge_method(dense_small, "dcd") == "dcd"
    assert hinge_method(sp.csr_matrix(dense_small), "active_set") == "active_set"


def test_continuation(data, monkeypatch):
    """A "large, hard" problem (threshold lowered): the short warm-started path
    from a larger lam gives the certified solution."""
    import sklearn_tilt._solvers.hinge._dcd as dcd

    X, y = data
    s = np.ones(y.shape[0])
    monkeypatch.setattr(dcd, "_CONT_MIN_SAMPLES", 5)
    for lam in (1e-4, 1e-2):
        assert len(dcd._stages(dcd.Workspace(_problem(X, y, s)), lam)) > 1
        r = hinge_dcd_solve(X, y, s, lam, tol=TOL, max_iter=10**6)
        r_as = solve_binary(X, y, s, lam, "hinge", tol=TOL, max_iter=10**4, method="active_set")
        assert r.converged and r.gap <= TOL
        assert _agree(r, r_as)


def test_continuation_leaves_passes_to_the_last_lam(data, monkeypatch):
    """With a pass budget too small for the continuation, the stages before lam
    take at most half the passes left each, and the result at lam is certified
    as it stands (a true gap, never one of an earlier stage)."""
    import sklearn_tilt._solvers.hinge._dcd as dcd

    X, y = data
    s = np.ones(y.shape[0])
    monkeypatch.setattr(dcd, "_CONT_MIN_SAMPLES", 5)
    lam = 1e-4
    r = hinge_dcd_solve(X, y, s, lam, tol=TOL, max_iter=30)
    assert r.n_iter <= 30
    P = primal_objective(X, y, s, lam, "hinge", r.coef, r.intercept)
    ref = solve_binary(X, y, s, lam, "hinge", tol=TOL, max_iter=10**4, method="active_set")
    assert P - ref.primal <= r.gap * P + 1e-12
    # with 200 passes the continuation ends far closer than the same budget spent at lam
    # alone (about 0.06 against 1.0 here)
    r_cont = hinge_dcd_solve(X, y, s, lam, tol=TOL, max_iter=200)
    monkeypatch.setattr(dcd, "_CONT_MIN_SAMPLES", 10**9)
    r_alone = hinge_dcd_solve(X, y, s, lam, tol=TOL, max_iter=200)
    assert r_cont.n_iter <= 200 and r_alone.n_iter <= 200
    assert r_cont.gap < 0.1 < r_alone.gap


def test_inner_solves_are_cut_and_certified(data, monkeypatch):
    """Inner solves cut after a few passes (the check lowered to 1) still end
    certified at the same solution."""
    import sklearn_tilt._solvers.hinge._dcd_workspace as dcd_workspace

    X, y = data
    s = np.ones(y.shape[0])
    r0 = hinge_dcd_solve(X, y, s, 1e-3, tol=TOL, max_iter=10**6)
    monkeypatch.setattr(dcd_workspace, "_CHECK", 1)
    r1 = hinge_dcd_solve(X, y, s, 1e-3, tol=TOL, max_iter=10**6)
    assert r0.converged and r1.converged and _agree(r0, r1)


def _imbalanced():
    X, y = make_classification(
        n_samples=400, n_features=15, n_informative=8, weights=[0.7], random_state=0
    )
    return np.abs(X) * 50.0, np.where(y == 1, 1.0, -1.0)


def test_large_lam_with_imbalanced_classes():
    """Large lam, 70% of one class: at the optimum the minority class sits on its
    bound and the intercept near -1, far from the start; with t(c) flat there,
    the centre steps grow (a fixed proximal step needed 433 passes at 1e6 and
    38429 at 1e8).  Later lams of the path, where the scaled dual stays optimal,
    are certified as they stand."""
    X, y = _imbalanced()
    s = np.ones(y.shape[0])
    for lam in (1e2, 1e6):
        r = hinge_dcd_solve(X, y, s, lam, tol=TOL, max_iter=10**5)
        r_as = solve_binary(X, y, s, lam, "hinge", tol=TOL, max_iter=10**4, method="active_set")
        assert r.converged and r.gap <= TOL and _agree(r, r_as)
        assert r.n_iter <= 300
    path = hinge_dcd_path(X, y, s, [1e8, 8e7, 6e7], tol=TOL, max_iter=10**5)
    assert all(r.converged and r.gap <= TOL for r in path)
    assert path[0].n_iter <= 200
    assert path[1].n_iter == 0 and path[2].n_iter == 0


def test_path_method_choice():
    """Paths over a fine grid of dense rows that fit the cache keep the active-set
    path at any n; coarse grids, sparse rows and single fits do not."""
    fine = 10.0 ** np.arange(-1.0, 7.01, 0.1)
    big = np.zeros((20_000, 5))
    assert hinge_method(big, lams=fine) == "active_set"
    assert hinge_method(big, lams=fine[::10]) == "dcd"
    assert hinge_method(big) == "dcd"
    assert hinge_method(big, lams=[1.0]) == "dcd"
    assert hinge_method(sp.csr_matrix(big), lams=fine) == "dcd"
    wide = np.broadcast_to(np.zeros(1), (20_000, 20_000))  # rows too wide for the cache
    assert hinge_method(wide, lams=fine) == "dcd"
    assert hinge_method(big, "dcd", lams=fine) == "dcd"
    assert hinge_method(big, lams=["a", "b"]) == "dcd"


def test_active_set_path_started_by_coordinate_descent(data, monkeypatch):
    """A large problem whose largest lam is far from the closed form: the
    active-set path starts from the coordinate-descent dual there (threshold
    lowered); every lam certified and equal to the single fits."""
    import sklearn_tilt._solvers.hinge._api as hinge

    X, y = data
    s = np.ones(y.shape[0])
    lams = [1e-1, 5e-2, 2e-2]
    calls = []
    orig = hinge_dcd_solve

    def spy(*args, **kwargs):
        calls.append(args[3])
        return orig(*args, **kwargs)

    monkeypatch.setattr(hinge, "_DCD_START_SAMPLES", 100)
    monkeypatch.setattr(hinge, "dcd_solve", spy)
    # compiled mode: the tiered mode may restart a solve compiled, calling the start again
    with jit_mode("always"):
        path = solve_path(X, y, s, lams, "hinge", tol=TOL, max_iter=10**4, method="active_set")
    assert calls == [max(lams)]
    for lam, r in zip(lams, path):
        r1 = solve_binary(X, y, s, lam, "hinge", tol=TOL, max_iter=10**4, method="active_set")
        assert r.converged and r.gap <= TOL and _agree(r, r1)


def _near_duplicates(seed=0):
    """Sparse unit rows, 600 of them repeated with a small perturbation and the same
    label: a free set of over 1000 samples whose near-duplicate pairs are the slow
    modes of coordinate descent."""
    rng = np.random.RandomState(seed)
    n, d = 3000, 6000
    X = sp.random(n, d, density=0.004, random_state=rng, format="csr")
    noise = sp.random(600, d, density=0.0005, random_state=rng) * 0.3
    X = sp.vstack([X, X[:600] + noise]).tocsr()
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(1))))
    y = np.where(rng.rand(X.shape[0]) < 0.3, 1.0, -1.0)
    y[n:] = y[:600]
    return X, y


@pytest.mark.parametrize("lam", [1e-4, 1e-5])
def test_dcd_block_steps_certify_near_duplicates(lam):
    # without the block steps coordinate descent stops at 5000 passes here, at a
    # certified gap of 2e-7 (lam=1e-4) and 1e-5 (lam=1e-5)
    from sklearn_tilt._solvers.hinge._free_set import MAX_FREE

    X, y = _near_duplicates()
    s = np.ones(X.shape[0])
    r = hinge_dcd_solve(X, y, s, lam, tol=1e-8, max_iter=2000)
    C = 1.0 / (2.0 * X.shape[0] * lam)
    assert np.count_nonzero((r.dual > 0) & (r.dual < C)) > MAX_FREE
    assert r.stats["block_steps"] > 0
    assert r.converged and r.gap <= 1e-8
    P = primal_objective(X, y, s, lam, "hinge", r.coef, r.intercept)
    assert P == pytest.approx(r.primal, rel=1e-10)


def test_one_blas_thread_limits_blas():
    from threadpoolctl import threadpool_info

    from sklearn_tilt._solvers._threads import one_blas_thread

    with one_blas_thread():
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)


def test_equality_correction_is_the_cheapest_feasible_change():
    """The correction of ``t = sum a_i y_i`` keeps the box, ends at ``t = 0`` and
    gains at least as much, to first order in the dual, as scaling the heavier side
    or as random feasible corrections (it solves that linear program)."""
    from sklearn_tilt._solvers.hinge._feasible import equality_correction

    rng = np.random.RandomState(3)
    n = 300
    y = np.where(rng.rand(n) < 0.4, 1.0, -1.0)
    C = np.full(n, 0.01) * (0.5 + rng.rand(n))
    alpha = np.where(rng.rand(n) < 0.5, C, C * rng.rand(n) * (rng.rand(n) < 0.6))
    f = rng.randn(n)
    b = 0.3
    act = np.arange(n)
    z = 1.0 - y * (f + b)
    t = alpha @ y
    assert abs(t) > 0.05
    idx, new = equality_correction(y, C, alpha, act, f, b)
    a = alpha.copy()
    a[idx] = new
    assert abs(a @ y) <= 1e-14 * a.sum()
    assert np.all((a >= 0.0) & (a <= C))
    gain = (a - alpha) @ z
    heavy = y == np.sign(t)
    scaled = alpha.copy()
    scaled[heavy] *= alpha[~heavy].sum() / alpha[heavy].sum()
    assert gain >= (scaled - alpha) @ z
    for _ in range(20):
        # a random feasible change: a random direction on one side, scaled to fit
        other = alpha.copy()
        pick = rng.rand(n) < 0.3
        side = heavy if rng.rand() < 0.5 else ~heavy
        room = np.where(side, alpha if np.sign(t) > 0 else C - alpha, 0.0)
        room = np.where(side & pick, room, 0.0)
        if room.sum() < abs(t):
            continue
        step = room * (abs(t) / room.sum())
        other = np.where(side, alpha - np.sign(t) * y * step, alpha)
        assert abs(other @ y) <= 1e-12
        assert gain >= (other - alpha) @ z - 1e-15
    assert equality_correction(y, C, np.zeros(n), act, f, b) is None


@pytest.mark.parametrize("max_iter", [1, 3, 10])
@pytest.mark.parametrize("lam", [1e-5, 1e-3, 1e-1])
def test_certificate_of_unconverged_solves_is_a_bound(data, max_iter, lam):
    """Stopped after a few passes (``t`` far from 0, the correction of the dual at
    work), the reported gap still bounds the true suboptimality."""
    X, y = data
    s = np.ones(y.shape[0])
    r = hinge_dcd_solve(X, y, s, lam, tol=1e-12, max_iter=max_iter)
    assert not r.converged
    P_svc = _svc_primal(X, y, lam)
    assert r.primal * (1.0 - r.gap) <= P_svc * (1.0 + 1e-12)
    assert r.primal >= P_svc * (1.0 - 1e-9)


def test_estimates_decide_certificates_not_the_result(data, monkeypatch):
    """Inner solves whose estimated gap is far above tol are not certified; the
    result is the same certified solution as with every inner solve certified."""
    import sklearn_tilt._solvers.hinge._dcd_workspace as dcd_workspace
    from sklearn_tilt._solvers.hinge import _restricted

    # without the finish, whose certificates are not the coordinate descent's
    monkeypatch.setattr(_restricted, "_PASSES", np.inf)
    X, y = data
    s = np.ones(y.shape[0])
    r0 = hinge_dcd_solve(X, y, s, 0.1, tol=TOL, max_iter=10**6)
    assert r0.stats["estimates"] > r0.stats["certificates"] >= 1
    monkeypatch.setattr(dcd_workspace, "_ESTIMATE", np.inf)
    r1 = hinge_dcd_solve(X, y, s, 0.1, tol=TOL, max_iter=10**6)
    assert r1.stats["estimates"] == r1.stats["certificates"]
    assert r0.converged and r1.converged and _agree(r0, r1)


def test_cold_start_from_the_closed_form_where_samples_stay_inside():
    """Sparse rows with little overlap at large lam: nearly every sample ends at its
    bound, and the cold start is the closed form; at small lam it is a = 0.  Both
    certified."""
    from sklearn_tilt._solvers._problem import make_problem
    from sklearn_tilt._solvers.hinge import _dcd
    from sklearn_tilt._solvers.hinge._dcd_workspace import Workspace

    rng = np.random.RandomState(0)
    n, d, k = 3000, 5000, 20
    y = np.where(rng.rand(n) < 0.5, 1.0, -1.0)
    # each row: k words, from its class's half of the vocabulary with probability 0.6
    own = rng.rand(n, k) < 0.6
    half = np.where(y > 0, 0, d // 2)[:, None]
    cols = np.where(own, half + rng.randint(0, d // 2, (n, k)), rng.randint(0, d, (n, k)))
    X = sp.csr_matrix(
        (np.full(n * k, 1.0 / np.sqrt(k)), (np.repeat(np.arange(n), k), cols.ravel())), shape=(n, d)
    )
    s = np.ones(3000)
    ws = Workspace(make_problem(X, y, s, 1.0, tol=1e-7, max_iter=10)[0])
    for lam, inside in [(0.1, True), (1e-6, False)]:
        C = ws.bounds(lam)
        assert _dcd.far_from_closed_form(C, ws.sq)
        assert _dcd.closed_form_inside(ws, C)[0] is inside
        r = hinge_dcd_solve(X, y, s, lam, tol=1e-7, max_iter=10**5)
        assert r.converged and r.gap <= 1e-7


def test_rows_t_dot_in_blocks(monkeypatch):
    """The rows of the equality correction, summed in blocks (dense) or by column
    (CSR), give ``X[idx].T @ v``."""
    import sklearn_tilt._solvers.hinge._free_set as free_set
    from sklearn_tilt._solvers._common import kernel_arrays

    rng = np.random.RandomState(1)
    X = rng.randn(50, 7)
    X[X < 0.3] = 0.0
    idx = rng.choice(50, 23, replace=False)
    v = rng.randn(23)
    monkeypatch.setattr(free_set, "_ROW_BLOCK", 5)
    for Xk in (X, X.astype(np.float32), sp.csr_matrix(X)):
        got = free_set.rows_t_dot(kernel_arrays(Xk), idx, v, 7)
        dense = Xk.toarray() if sp.issparse(Xk) else Xk
        want = np.asarray(dense[idx], dtype=np.float64).T @ v
        assert np.allclose(got, want, rtol=1e-13, atol=1e-13)


def test_row_norm_bounds_from_the_squares():
    """The bounds of ``||x_i||`` built from the workspace's squares hold and match
    those of ``row_norms`` (dense, float32 and CSR rows)."""
    import math

    from sklearn_tilt._solvers._common import kernel_arrays
    from sklearn_tilt._solvers._problem import sq_norms
    from sklearn_tilt._solvers.hinge._rounding import row_norms, row_norms_from_squares

    rng = np.random.RandomState(2)
    X = rng.randn(40, 30) * 10.0 ** rng.randint(-3, 4, (40, 1))
    X[rng.rand(40, 30) < 0.5] = 0.0
    X[[0, 17, 18, 39]] = 0.0  # empty rows first, inside and last
    for Xk in (X, X.astype(np.float32), sp.csr_matrix(X)):
        ka = kernel_arrays(Xk)
        rn = np.empty(40)
        kmax = row_norms(*ka, 40, rn)
        got = row_norms_from_squares(sq_norms(ka, 40), kmax)
        dense = Xk.toarray() if sp.issparse(Xk) else Xk
        for i in range(40):
            exact = math.sqrt(math.fsum(float(v) ** 2 for v in dense[i].astype(np.float64)))
            assert got[i] >= exact
        assert np.allclose(got, rn, rtol=1e-14, atol=0.0)
        assert np.all(got[[0, 17, 18, 39]] == 0.0)


def test_scaled_dual_point_error_bound_covers_the_snap():
    """Where the certificate scales a class down (no correction applies: here
    ``t = 0`` exactly), values within ``SNAP`` of ``C_i`` are put onto ``C_i``; the
    error bound of ``w'`` covers that move as well as the rounding."""
    from sklearn_tilt._solvers._problem import make_problem
    from sklearn_tilt._solvers.hinge._certificate import gamma
    from sklearn_tilt._solvers.hinge._dcd_kernels import sides
    from sklearn_tilt._solvers.hinge._dcd_workspace import Workspace

    rng = np.random.RandomState(4)
    n = 50
    X = rng.randn(n, 6)
    y = np.tile([1.0, -1.0], n // 2)
    s = np.ones(n)
    ws = Workspace(make_problem(X, y, s, 1.0, tol=1e-7, max_iter=10)[0])
    C = ws.bounds(0.1)
    alpha = C * (1.0 - 5e-13)
    assert float(np.dot(alpha, y)) == 0.0
    ap, an = sides(*ws.ka, y, alpha, ws.act, ws.wpos, ws.wneg)
    w = ws.wpos - ws.wneg
    # the certificate's bound of the rounding of the sides alone
    ew0 = gamma(n + 8) * float(np.dot(alpha, ws.rn)) * (1.0 + gamma(n))
    af, wf, ew = ws._feasible(alpha, C, w, 0.0, ap, an, ew0)
    assert np.all(af == C)  # snapped
    exact = X.T @ (af * y)
    err = np.linalg.norm(wf - exact)
    assert ew0 < err <= ew  # the snap moves w by more than the rounding


def test_block_rows_only_beyond_the_local_bytes():
    from sklearn_tilt._solvers._common import kernel_arrays
    from sklearn_tilt._solvers.hinge._dcd_kernels import _block_rows

    X, _ = make_classification(n_samples=200, n_features=30, random_state=0)
    X[np.abs(X) < 1.0] = 0.0
    csr = sp.csr_matrix(X)
    ka = kernel_arrays(csr)
    row_bytes = csr.nnz / 200 * (csr.data.itemsize + csr.indices.itemsize)
    assert _block_rows(ka, 200, 200, 200 * row_bytes + 1.0) == 1
    bs = _block_rows(ka, 200, 200, 0.0)
    assert bs > 1 and abs(bs * row_bytes - 30_000) <= row_bytes
    # dense rows: by the bytes of a row's values
    dense_bytes = 30 * X.itemsize
    assert _block_rows(kernel_arrays(X), 200, 200, 200 * dense_bytes + 1.0) == 1
    bs = _block_rows(kernel_arrays(X), 200, 200, 0.0)
    assert bs > 1 and abs(bs * dense_bytes - 30_000) <= dense_bytes
    assert _block_rows(kernel_arrays(X), 0, 0, 0.0) == 1


def _widened(X):
    """Dense ``X`` with zero columns up to 300 (2400-byte rows), so that a pass in
    blocks of about 30 KB visits several blocks; the problem is the same."""
    return np.hstack([X, np.zeros((X.shape[0], 300 - X.shape[1]))])


@pytest.mark.parametrize("dense", [False, True])
@pytest.mark.parametrize("local", [0.0, np.inf])
def test_cd_in_blocks_solves_the_inner_problem(data, local, dense):
    """Coordinate descent with passes in blocks (``local=0``) or in a random order
    reaches the same optimum of the inner problem, also when a solve cut after a
    few passes goes on from the rows it had not shrunk; ``act`` stays a
    permutation."""
    from sklearn_tilt._solvers._common import kernel_arrays
    from sklearn_tilt._solvers.hinge._dcd_kernels import Coords, Inner, _block_rows, cd

    X, y = data
    order = np.argsort(y, kind="stable")  # rows sorted by class
    csr = sp.csr_matrix(X[order])
    y = y[order]
    n = y.shape[0]
    C = np.full(n, 1.0 / (2 * n * 1e-2))
    rho = 0.01 * float(np.mean(csr.multiply(csr).sum(axis=1)))
    c = 0.3

    Xk = _widened(csr.toarray()) if dense else csr
    ka = kernel_arrays(Xk)
    if local == 0.0:
        assert 1 < _block_rows(ka, n, n, local) < n  # several blocks per pass

    def solve(local, cut=None):
        alpha = np.zeros(n)
        w = np.zeros(Xk.shape[1])
        act = np.arange(n, dtype=np.int64)
        coords = Coords(y, C, np.asarray(csr.multiply(csr).sum(axis=1)).ravel() + rho)
        t, nsel = 0.0, n
        if cut is not None:
            t, p, viol, nsel = cd(
                ka, coords, Inner(c, rho, 1e-7, cut, 0, local), act, n, alpha, w, t
            )
            assert p == cut and viol > 1e-7 and 0 < nsel < n  # cut, some rows shrunk
        t, _, viol, left = cd(
            ka, coords, Inner(c, rho, 1e-7, 10**6, 1, local), act, nsel, alpha, w, t
        )
        assert viol <= 1e-7 and 0 < left <= n
        assert np.array_equal(np.sort(act), np.arange(n))
        assert t == pytest.approx(alpha @ y, abs=1e-9)
        wa = csr.T @ (alpha * y)
        assert np.allclose(w[: X.shape[1]], wa, atol=1e-9)
        assert not np.any(w[X.shape[1] :])
        return alpha.sum() - 0.5 * wa @ wa - c * t - 0.5 * rho * t * t

    assert solve(local) == pytest.approx(solve(np.inf), rel=1e-8)
    assert solve(local, cut=3) == pytest.approx(solve(np.inf), rel=1e-8)


@pytest.mark.parametrize("dense", [False, True])
@pytest.mark.parametrize("lam", [1e-3, 1e-1, 10.0])
def test_dcd_in_blocks_is_certified(data, lam, dense, monkeypatch):
    """With every pass in blocks of consecutive rows (rows sorted by class: the
    blocks hold one class each), the fits are certified and agree with the
    active-set method."""
    import sklearn_tilt._solvers.hinge._dcd_workspace as dcd_workspace

    X, y = data
    order = np.argsort(y, kind="stable")
    Xs = _widened(X[order]) if dense else sp.csr_matrix(X[order])
    y = y[order]
    s = np.ones(y.shape[0])
    ref = solve_binary(Xs, y, s, lam, "hinge", tol=TOL, max_iter=10**4, method="active_set")
    monkeypatch.setattr(dcd_workspace, "LOCAL_BYTES", 0.0)
    r = solve_binary(Xs, y, s, lam, "hinge", tol=TOL, max_iter=10**6, method="dcd")
    assert r.converged and r.gap <= TOL
    assert _agree(r, ref)
    P = primal_objective(Xs, y, s, lam, "hinge", r.coef, r.intercept)
    assert P == pytest.approx(r.primal, rel=1e-9)


def test_cheap_cut_solves_skip_the_estimate(monkeypatch):
    # an inner solve cut on a few rows goes to the free-set step without the estimate's
    # pass over every row; nothing that step reads comes from the estimate, so the
    # iterates are those of the run that estimates every time, with fewer estimates
    from sklearn_tilt._solvers.hinge import _dcd_workspace

    X, y = make_classification(15000, 50, n_informative=25, random_state=3, flip_y=0.05)
    y = np.where(y == 1, 1.0, -1.0)
    s = np.ones(y.shape[0])
    out = []
    for skip in (_dcd_workspace._SKIP_ESTIMATE, 10**12):
        monkeypatch.setattr(_dcd_workspace, "_SKIP_ESTIMATE", skip)
        with jit_mode("always"):
            out.append(hinge_dcd_solve(X, y, s, 0.3, tol=1e-8, max_iter=3000))
    skipped, every = out
    assert skipped.converged and skipped.gap <= 1e-8
    assert skipped.stats["estimates"] < every.stats["estimates"]
    assert skipped.stats["free_steps"] == every.stats["free_steps"] > 0
    assert skipped.n_iter == every.n_iter
    np.testing.assert_array_equal(skipped.coef, every.coef)
    assert skipped.primal == every.primal and skipped.gap == every.gap
